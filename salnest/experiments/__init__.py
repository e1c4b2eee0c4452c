"""Experiments: one module per family of kinds, each registering its kinds with :mod:`salnest.study.registry`."""
