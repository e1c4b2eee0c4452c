"""Provenance of a run: versions, git commit, parallel set-up, parameters, seeds."""

from __future__ import annotations

import datetime
import functools
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import salnest

_PACKAGES = ("nest-simulator", "nestml", "PyNN", "Brian2", "numpy", "scipy", "xarray", "netCDF4")


def package_versions() -> dict[str, str]:
    """Versions of salnest (its own ``__version__``, also when run from a checkout) and of the
    installed packages a result depends on."""
    versions = {"python": platform.python_version(), "salnest": salnest.__version__}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git(checkout: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


@functools.lru_cache(maxsize=None)
def git_commit() -> str:
    """The git commit of the salnest code that runs.

    From a checkout (salnest's folder at the top of a git work tree), its HEAD, with ``+dirty``
    when tracked files changed; from a package that pip installed from a git repository, the
    commit pip recorded (``direct_url.json``, PEP 610); else ``"unknown"``. Never the commit of
    an unrelated repository that happens to hold the environment. Read once per process: a long
    run records the code it started with, even if the checkout changes before its last
    checkpoint is written.
    """
    checkout = Path(salnest.__file__).resolve().parent.parent
    try:
        if Path(_git(checkout, "rev-parse", "--show-toplevel")).resolve() == checkout:
            dirty = _git(checkout, "status", "--porcelain", "--untracked-files=no")
            return _git(checkout, "rev-parse", "HEAD") + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        direct_url = json.loads(metadata.distribution("salnest").read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        direct_url = {}
    return direct_url.get("vcs_info", {}).get("commit_id", "unknown")


def nest_parallel_setup() -> dict[str, int]:
    """Threads, MPI ranks and virtual processes of the running NEST kernel."""
    import nest

    return {
        "nest_threads": int(nest.local_num_threads),
        "nest_mpi_ranks": int(nest.NumProcesses()),
        "nest_virtual_processes": int(nest.total_num_virtual_procs),
        "nest_resolution_ms": float(nest.resolution),
        "nest_rng_seed": int(nest.rng_seed),
    }


def brian2_setup() -> dict[str, int | float]:
    """Threads, ranks and time step of a run through ``pyNN.brian2`` (one thread, one process)."""
    from pyNN.brian2 import simulator

    return {"brian2_threads": 1, "brian2_mpi_ranks": 1, "brian2_resolution_ms": float(simulator.state.dt)}


def provenance(parameters: dict, seeds: dict) -> dict[str, str | int | float]:
    """Flat attributes for a netCDF file (values must be strings or numbers)."""
    attrs: dict[str, str | int | float] = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "salnest_version": salnest.__version__,
        "git_commit": git_commit(),
        "command": " ".join(sys.argv),
        "parameters": json.dumps(parameters, sort_keys=True, default=str),
        "seeds": json.dumps(seeds, sort_keys=True),
        "versions": json.dumps(package_versions(), sort_keys=True),
    }
    simulator = parameters.get("experiment", {}).get("simulator", "nest")
    attrs["simulator"] = simulator
    attrs.update(brian2_setup() if simulator == "brian2" else nest_parallel_setup())
    return attrs
