"""The repository the tests run in: its folders that are not installed with salnest (scripts,
examples, benchmarks, the README). Bundled protocols and model sources are reached as users
reach them, through :mod:`salnest.resources`."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
