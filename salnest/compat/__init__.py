"""Workarounds of upstream defects and gaps, kept in one place.

One module per upstream project:

- :mod:`salnest.compat.pynn`: PyNN 0.13 (weight units, MPI read-back, one-cell populations,
  loading modules at ``setup()``, NEST's deprecated calls);
- :mod:`salnest.compat.pynn_brian2`: PyNN 0.13's Brian2 backend (seeding);
- :mod:`salnest.compat.nest`: NEST 3.10 and PyNEST (the compressed spike exchange under MPI,
  parameter lists under MPI, local nodes of one-node collections, the spike-buffer log);
- :mod:`salnest.compat.nestml`: NESTML 9.0's code generation;
- :mod:`salnest.compat.nest_wheel`: the ``nest-config`` of NEST's wheels;
- :mod:`salnest.compat.torch`: PyTorch's wheel beside NEST in one process (OpenMP threads).

Each workaround is declared with :func:`workaround`: the package and version it was written
for, the symptom without it, and the upstream issue or a reproduction. Applying it on another
version warns (:class:`UpstreamVersionWarning`): the defect may be fixed, or the patch may no
longer fit. ``tests/compat/`` (and, for what shows only under MPI, ``tests/mpi/test_compat_mpi.py``)
shows for each that the defect still exists on the pinned version, so it is obvious when a
workaround can go. ``salnest info`` lists them.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from importlib import metadata
from typing import Callable


class UpstreamVersionWarning(UserWarning):
    """A workaround applied to another version of its package than the one it was written for."""


@dataclass(frozen=True)
class Workaround:
    """One workaround: what it is for and where the upstream defect is shown."""

    name: str
    package: str   #: distribution name, as ``pip`` knows it
    version: str   #: the version it was written for (and tested against)
    symptom: str   #: what goes wrong without it
    upstream: str  #: the upstream issue, or the test that reproduces the defect

    def installed(self) -> str:
        """The installed version of :attr:`package` (``"not installed"`` if missing)."""
        try:
            return metadata.version(self.package)
        except metadata.PackageNotFoundError:
            return "not installed"

    def matches(self) -> bool:
        """Whether the installed version is :attr:`version`, local label aside (``2.13.0+cpu``)."""
        return self.installed().split("+")[0] == self.version


#: Every declared workaround by name.
WORKAROUNDS: dict[str, Workaround] = {}


def workaround(name: str, package: str, version: str, symptom: str, upstream: str, once: bool = True) -> Callable:
    """Declare the decorated function as the workaround ``name``.

    It warns on its first call when the installed ``package`` is not ``version``. With
    ``once`` (a patch of a class or module) it runs only once per process; otherwise (a kernel
    setting, say) at every call.
    """
    declared = Workaround(name, package, version, symptom, upstream)
    WORKAROUNDS[name] = declared

    def decorate(apply: Callable) -> Callable:
        @functools.wraps(apply)
        def wrapper(*args, **kwargs):
            if not wrapper.called:
                wrapper.called = True
                if not declared.matches():
                    warnings.warn(f"salnest works around '{symptom}' in {package} {version}, but {package} "
                                  f"{declared.installed()} is installed: check whether the workaround "
                                  f"'{name}' (salnest/compat) is still needed, see {upstream}",
                                  UpstreamVersionWarning, stacklevel=2)
                wrapper.result = apply(*args, **kwargs)
            elif not once:
                wrapper.result = apply(*args, **kwargs)
            return wrapper.result

        wrapper.called = False
        wrapper.result = None
        wrapper.workaround = declared
        return wrapper

    return decorate


def declared() -> dict[str, Workaround]:
    """Every workaround, by name: imports the modules that declare them (none imports PyTorch or
    runs a patch by being imported)."""
    import importlib

    for module in ("salnest.compat.nest", "salnest.compat.nest_wheel", "salnest.compat.nestml",
                   "salnest.compat.torch", "salnest.compat.pynn", "salnest.compat.pynn_brian2"):
        importlib.import_module(module)
    return dict(WORKAROUNDS)
