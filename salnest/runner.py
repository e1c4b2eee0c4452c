"""Run protocols: load and validate them, run them through the driver, draw their figures.

The front door of ``salnest run`` and of scripts and tests that run a protocol:
:func:`load_protocol` reads and validates (schema, then the kind's cross-field checks),
:func:`run` runs a validated protocol and returns its dataset, :func:`run_protocol` does
both and draws the figure. Which kinds exist is the registry's business
(:mod:`salnest.registry`), how a run is segmented, resumed and written the driver's
(:mod:`salnest.driver`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable

import xarray as xr

from salnest import registry
from salnest.protocol import ProtocolError, read, validate


def load_protocol(source: str | Path | dict, threads: int | None = None,
                  overrides: dict[str, object] | None = None) -> dict:
    """Read (from a file, or a dictionary as a TOML file would give it), validate and check a protocol.

    ``threads`` overrides ``experiment.threads``; ``overrides`` maps ``"section.field"`` to a value
    that replaces the file's (validated as if the file held it). Raises
    :class:`salnest.protocol.ProtocolError` naming the file and the field, before anything is simulated.
    """
    if isinstance(source, dict):
        raw, where = copy.deepcopy(source), str(source.get("experiment", {}).get("source", "protocol"))
        raw.get("experiment", {}).pop("source", None)
    else:
        raw, where = read(source), str(source)
    for key, value in (overrides or {}).items():
        section, dot, field = key.partition(".")
        if not dot or not section or not field or "." in field:
            raise ProtocolError(f"{where}: an override names section.field, got {key!r}")
        if not isinstance(raw.setdefault(section, {}), dict):
            raise ProtocolError(f"{where}: {section} is not a section")
        raw[section][field] = value
    name = raw.get("experiment", {}).get("kind") if isinstance(raw.get("experiment"), dict) else None
    try:
        kind = registry.get(name)
    except registry.UnknownKindError:
        raise ProtocolError(f"{where}: experiment.kind must be one of {sorted(registry.kinds())}, "
                            f"got {name!r}") from None
    protocol = validate(raw, kind.protocol_schema(), where)
    protocol["experiment"]["source"] = where
    if threads is not None:
        protocol["experiment"]["threads"] = threads
    if kind.check is not None:
        kind.check(protocol)
    return protocol


def progress_bar(label: str, enabled: bool = True) -> Callable:
    """A progress display for the driver: wraps an iterable in a tqdm bar on MPI rank 0."""
    from tqdm import tqdm

    from salnest.parallel import is_root

    def wrap(iterable):
        return tqdm(iterable, desc=label, unit="step", disable=not (enabled and is_root()), leave=False,
                    mininterval=1.0)

    return wrap


def _quiet(iterable):
    return iterable


def run(protocol: dict, output: str | Path | None = None, progress: Callable = _quiet) -> xr.Dataset:
    """Run a validated protocol and return its results dataset (written to ``output`` on rank 0 if given).

    See :func:`salnest.driver.run` for resuming, locking and interruptions.
    """
    from salnest import driver

    return driver.run(registry.get(protocol["experiment"]["kind"]), protocol, output, progress)


def figure_path(results: str | Path) -> Path:
    """Where the figure of a results file goes: ``figures/<stem>.png`` beside it."""
    results = Path(results)
    return results.parent / "figures" / f"{results.stem}.png"


def run_protocol(source: str | Path | dict, output: str | Path | None = None, plot: bool = True,
                 show_progress: bool = True, threads: int | None = None,
                 overrides: dict[str, object] | None = None) -> Path:
    """Validate and run one protocol (``threads``, ``overrides``: as :func:`load_protocol`); returns the
    results path (figure in ``figures/`` beside it)."""
    from salnest.figures import plot_results
    from salnest.parallel import abort_on_error, is_root
    from salnest.provenance import git_commit

    protocol = load_protocol(source, threads, overrides)
    abort_on_error()
    git_commit()  # read now: the run records the code it started with
    exp = protocol["experiment"]
    out = Path(output or exp["output"])
    ds = run(protocol, out, progress_bar(exp["name"], show_progress))
    if plot and is_root():
        plot_results(ds, figure_path(out))
    return out
