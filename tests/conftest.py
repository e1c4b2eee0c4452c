"""Shared fixtures: the salnest module is built once per session, the kernel reset per test."""

import os

os.environ.setdefault("PYNEST_QUIET", "1")  # no banner in test output

import pytest


@pytest.fixture(scope="session")
def salnest_module():
    """Path of the built salnest module (built on first use, then cached)."""
    from salnest.build import build_module

    return build_module()


@pytest.fixture
def nest_kernel(salnest_module):
    """A fresh NEST kernel at resolution 1 ms (one reference time step) with salnest's models."""
    import nest

    from salnest.nest_module import install

    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.resolution = 1.0
    nest.rng_seed = 12345
    install()
    return nest
