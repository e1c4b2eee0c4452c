"""PyNN network descriptions (each module also runs on its own as a script)."""
