"""Shared fixtures: the salnest module is built once per session, the kernel reset per test."""

import os
import sys

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


@pytest.fixture(autouse=True)
def brian2_target(request, tmp_path, monkeypatch):
    """Brian2 tests marked ``brian2_numpy`` generate NumPy code, unless also marked ``brian2_cython``.

    Brian2's default target, Cython, compiles each code object once per environment and object
    name (4-5 s each on 2 cores; a cold suite compiled about 290). The short runs (a few hundred
    to 10^5 steps: given spike trains, the defects, the exact-chain checks) are quicker on NumPy,
    which starts at once and steps about 3 times slower; the protocols' and tutorials' longer runs
    stay on Cython, as a user runs them. Set through Brian2's own preference file in the current
    directory (read by every process the test starts there) and, for a Brian2 already imported,
    its preferences directly; "auto" (Brian2's default) again afterwards."""
    if request.node.get_closest_marker("brian2") is None:
        yield
        return
    numpy = request.node.get_closest_marker("brian2_numpy") and not request.node.get_closest_marker("brian2_cython")
    if numpy:
        (tmp_path / "brian_preferences").write_text("codegen.target = 'numpy'\n")
        monkeypatch.chdir(tmp_path)
    if "brian2" in sys.modules:
        sys.modules["brian2"].prefs.codegen.target = "numpy" if numpy else "auto"
    yield
    if "brian2" in sys.modules:
        sys.modules["brian2"].prefs.codegen.target = "auto"
