"""Shared fixtures: the salnest module is built once per session, the kernel reset per test."""

import os

os.environ.setdefault("PYNEST_QUIET", "1")  # no banner in test output

import pytest


@pytest.fixture(scope="session")
def salnest_module():
    """Path of the built salnest module (built on first use, then cached)."""
    from salnest.models import CPP_MODULE
    from salnest.models.build import build_module

    build_module(CPP_MODULE)
    return build_module()


@pytest.fixture
def nest_kernel(salnest_module):
    """A fresh NEST kernel at resolution 1 ms (one reference time step) with salnest's models."""
    import nest

    from salnest.models.loading import install

    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.resolution = 1.0
    nest.rng_seed = 12345
    install()
    return nest


@pytest.fixture
def pynn_sim(salnest_module):
    """pyNN.nest set up at 1 ms steps with salnest's core and microcircuit types registered."""
    import pyNN.nest as sim

    import salnest.pynn.microcircuit  # noqa: F401  (register their modules before setup())
    import salnest.pynn.nest  # noqa: F401

    sim.setup(timestep=1.0, min_delay=1.0, rng_seed=7)
    yield sim
    sim.end()
