"""Experiment runners: one module per family of protocols."""
