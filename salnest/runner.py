"""Run protocol files: validate, simulate with progress, write results with provenance, plot."""

from __future__ import annotations

import time
from pathlib import Path

from salnest.protocol import load


def schemas() -> dict:
    """All protocol kinds salnest can run, with their schemas."""
    from salnest.experiments import microcircuit, pair, wake_sleep

    return {**pair.SCHEMAS, **wake_sleep.SCHEMAS, **microcircuit.SCHEMAS}


def runners() -> dict:
    """Runner of each protocol kind: ``runner(protocol, progress, output)`` returns a dataset."""
    from salnest.experiments import microcircuit, pair, wake_sleep

    return {**pair.RUNNERS, **wake_sleep.RUNNERS, **microcircuit.RUNNERS}


def check(protocol) -> None:
    """Checks across fields that a schema cannot express (raise ProtocolError), per kind."""
    from salnest.experiments import microcircuit

    checks = {"microcircuit": microcircuit.make_study}
    kind = protocol["experiment"]["kind"]
    if kind in checks:
        checks[kind](protocol)


def load_protocol(path: str | Path, threads: int | None = None) -> dict:
    """Load, validate and check a protocol file; ``threads`` overrides ``experiment.threads``."""
    protocol = load(path, schemas())
    if threads is not None:
        protocol["experiment"]["threads"] = threads
    check(protocol)
    return protocol


def _progress(label: str, enabled: bool):
    from tqdm import tqdm

    def wrap(iterable):
        return tqdm(iterable, desc=label, unit="step", disable=not enabled, leave=False, mininterval=1.0)

    return wrap


def run_protocol(path: str | Path, output: str | Path | None = None, plot: bool = True,
                 show_progress: bool = True, threads: int | None = None) -> Path:
    """Validate and run one protocol file; returns the results path (figure beside it in figures/)."""
    import pyNN.nest as sim

    from salnest.figures import plot_results
    from salnest.parallel import abort_on_error
    from salnest.provenance import git_commit, provenance
    from salnest.results import write_dataset

    protocol = load_protocol(path, threads)
    abort_on_error()
    git_commit()  # read now: the run records the code it started with
    exp = protocol["experiment"]
    out = Path(output or exp["output"])
    started = time.time()
    ds = runners()[exp["kind"]](protocol, _progress(exp["name"], show_progress and sim.rank() == 0), out)
    ds.attrs.update({"salnest_kind": exp["kind"], "name": exp["name"], "protocol_file": str(path),
                     "wall_time_s": round(time.time() - started, 2)})
    for key, value in provenance(protocol, {"rng_seed": exp["seed"]}).items():
        ds.attrs.setdefault(key, value)  # runners that checkpoint record more (seeds, where they resumed)
    if sim.rank() == 0:
        write_dataset(ds, out)
        if plot:
            plot_results(ds, out.parent / "figures" / f"{out.stem}.png")
    return out
