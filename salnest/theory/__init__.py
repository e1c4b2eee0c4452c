"""Exact references, no simulator: plasticity windows, spike pairing, Boltzmann distributions."""
