"""Provenance of a run: versions, git commit, parallel set-up, parameters, seeds."""

from __future__ import annotations

import datetime
import functools
import json
import platform
import subprocess
import sys
from importlib import metadata

import salnest
from salnest.models import REPO_ROOT
_PACKAGES = ("salnest", "nest-simulator", "nestml", "PyNN", "numpy", "scipy", "xarray", "netCDF4")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a result depends on."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@functools.lru_cache(maxsize=None)
def git_commit() -> str:
    """Commit of the salnest checkout, with '+dirty' if it has uncommitted changes.

    Read once per process: a long run records the code it started with, even if the
    checkout changes before its last checkpoint is written.
    """
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


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
    attrs.update(nest_parallel_setup())
    return attrs
