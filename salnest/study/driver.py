"""The driver of every protocol run: identity, lock, provenance, interruptions, epochs.

:func:`run_protocol` is the front door of ``salnest run``: it loads and validates a protocol
(:func:`salnest.study.protocol.load_protocol`), runs it and draws its figure. :func:`run` runs one
validated protocol of a registered kind (:mod:`salnest.study.registry`) and returns its results
dataset, written to the results file on MPI rank 0:

- **Lock.** The results file is locked for the run (:class:`salnest.study.results.ResultsLock`): a
  second run on the same file is refused with a message naming the holder; the lock of a
  process that died is taken over.
- **Identity.** :func:`run_identity` hashes everything in the protocol that determines the
  results, i.e. all fields but ``experiment.name``, ``source``, ``output`` and ``threads``.
  A results file resumes only under the same identity; otherwise the fields that differ are
  named and nothing is overwritten.
- **Epochs.** Kinds that run in epochs supply an :class:`EpochRun`. The driver runs them in
  segments of ``experiment.checkpoint_every`` epochs, each in a fresh NEST kernel seeded by
  :func:`kernel_seed` from (seed, first epoch of the segment) and built from the state at its
  start, and writes the results file atomically after each segment. A run that is stopped
  and started again with the same command resumes from the last segment and ends
  bit-identical to an uninterrupted run with the same number of virtual processes. A kind may
  end segments earlier, where its kernel must change (:meth:`EpochRun.segment_end`). Because
  a segment's kernel carries neuron state, the synapses' spike memory and spikes in flight
  from epoch to epoch, the segment length is part of the run's identity.
- **Provenance** is written once, with the dataset: parameters, seeds, versions, the git
  commit, threads and ranks, and one entry per session (start or resume) of the run.
- **Interruptions.** Ctrl-C (or SIGTERM, see :mod:`salnest.cli`) raises
  :class:`RunInterrupted`, which says what is saved.
- **MPI.** Rank 0 locks, reads the checkpoint (handed to every rank) and writes; all ranks
  simulate.
"""

from __future__ import annotations

import abc
import contextlib
import datetime
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, ContextManager

import xarray as xr

from salnest.parallel import from_root, is_root, num_processes
from salnest.study.protocol import NEST_MAX_SEED
from salnest.study.results import ResultsLock, check_output, previous_results, write_dataset

#: ``[experiment]`` fields that do not change the results: they are not part of a run's identity.
NOT_IDENTITY = ("source", "output", "name", "threads")


class EpochRun(abc.ABC):
    """What a kind that runs in epochs supplies; the driver does everything else.

    The instance holds the run's state (weights, records, ...). The driver calls
    :meth:`start` (a fresh run) or :meth:`restore` (from a checkpoint), then, per segment,
    enters :meth:`open_segment` and calls :meth:`run_epoch` for each of its epochs, and
    :meth:`dataset` whenever it writes a checkpoint.
    """

    #: number of epochs of the run
    epochs: int

    @abc.abstractmethod
    def start(self) -> None:
        """Set the state of a fresh run; may simulate in kernels of its own (seeded with
        :func:`kernel_seed` and a negative epoch, or a stream of its own)."""

    @abc.abstractmethod
    def restore(self, checkpoint: xr.Dataset) -> None:
        """Set the state from a checkpoint written by :meth:`dataset`."""

    @abc.abstractmethod
    def open_segment(self, first_epoch: int, seed: int) -> ContextManager[Any]:
        """A context manager: build a fresh NEST kernel (``rng_seed = seed``) from the state after
        ``first_epoch`` epochs, yield a handle for :meth:`run_epoch`, end the kernel on exit."""

    @abc.abstractmethod
    def run_epoch(self, handle: Any, epoch: int) -> None:
        """Simulate epoch ``epoch`` (1-based) in the segment's kernel and update the state."""

    @abc.abstractmethod
    def dataset(self, completed: int) -> xr.Dataset:
        """The results after ``completed`` epochs (with what :meth:`restore` needs)."""

    def segment_end(self, completed: int, every: int) -> int:
        """The last epoch of the segment that starts after ``completed`` epochs.

        By default segments are ``every`` epochs, counted from the first. A kind whose epochs
        need kernels of different kinds (another resolution, another network) overrides this to
        end a segment where its kernel must change; the result must lie in
        ``completed + 1 ... min(epochs, completed + every)`` and depend only on its arguments.
        """
        return min(self.epochs, (completed // every + 1) * every)


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM; says what is saved and how to go on.

    A :class:`KeyboardInterrupt`, so that no ``except Exception`` on the way swallows it.
    ``saved`` is the number of epochs in the results file (None: nothing saved by this run),
    ``epochs`` the run's total (None: a kind that runs in one piece).
    """

    def __init__(self, output: Path | None, saved: int | None, epochs: int | None):
        self.output, self.saved, self.epochs = output, saved, epochs
        resumes = "; the same command resumes from there"
        if output is None:
            text = "nothing was saved (no results file)"
        elif epochs is None:
            text = f"nothing was saved: this kind runs in one piece; {output} is unchanged"
        elif saved is None:
            text = f"nothing was saved yet in {output}"
        elif saved == 0:
            text = f"no epoch was complete; what the run prepared is saved in {output}{resumes}"
        else:
            text = f"{saved} of {epochs} epochs are saved in {output}{resumes}"
        super().__init__(f"interrupted: {text}")


def nest_seed(value: int, *parts: int) -> int:
    """``value`` as NEST's ``rng_seed`` where it fits NEST's range; else a well-spread seed in that
    range drawn from ``parts`` (non-negative integers that identify the kernel)."""
    if 1 <= value <= NEST_MAX_SEED:
        return value
    import numpy as np

    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0]) or 1


def kernel_seed(seed: int, epoch: int) -> int:
    """NEST ``rng_seed`` of the kernel that simulates the epochs after ``epoch`` of a run with
    protocol seed ``seed`` (``epoch = -1``: a kernel that runs before the first epoch):
    ``seed * 1000003 + epoch + 1``, and for protocol seeds above about 4,294, where that overflows
    NEST's 32 bits, :func:`nest_seed` of (seed, epoch + 1)."""
    return nest_seed(seed * 1_000_003 + epoch + 1, seed, epoch + 1)


def run_identity(protocol: dict) -> str:
    """Hash of everything in ``protocol`` that determines its results (see :data:`NOT_IDENTITY`)."""
    return hashlib.sha256(json.dumps(_identity_content(protocol), sort_keys=True, default=str).encode()
                          ).hexdigest()[:16]


def _identity_content(protocol: dict) -> dict:
    content = {section: dict(values) for section, values in protocol.items()}
    content["experiment"] = {k: v for k, v in protocol["experiment"].items() if k not in NOT_IDENTITY}
    if content["experiment"].get("simulator") == "nest":  # runs from before the field existed still resume
        del content["experiment"]["simulator"]
    return content


def _differences(checkpoint: xr.Dataset, protocol: dict) -> str:
    """What a results file's run and ``protocol`` disagree on, as a sentence."""
    try:
        old = _identity_content(json.loads(checkpoint.attrs.get("parameters", "")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return "its parameters are not readable"
    new = json.loads(json.dumps(_identity_content(protocol), default=str))
    found = []
    for section in sorted(set(old) | set(new)):
        for key in sorted(set(old.get(section, {})) | set(new.get(section, {}))):
            there, here = old.get(section, {}).get(key, "(absent)"), new.get(section, {}).get(key, "(absent)")
            if there != here:
                found.append(f"{section}.{key} is {there!r} there, {here!r} here")
    text = "; ".join(found) or "the parameters agree but the identity rule changed"
    if any(item.startswith("experiment.checkpoint_every") for item in found):
        text += (" (each segment of checkpoint_every epochs runs in a fresh NEST kernel seeded at its start, "
                 "so the interval is part of a run's identity)")
    return text


def _notify(message: str) -> None:
    if is_root():
        print(f"salnest: {message}", file=sys.stderr, flush=True)


def _session(protocol: dict, first_epoch: int | None) -> dict:
    from salnest.study.provenance import git_commit

    return {"first_epoch": first_epoch, "started": datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), "git_commit": git_commit(), "command": " ".join(sys.argv),
        "mpi_ranks": num_processes(), "threads": protocol["experiment"]["threads"]}


def _attrs(kind, protocol: dict, identity: str, seeds: dict, sessions: list, wall: float) -> dict:
    from salnest.study.provenance import provenance

    exp = protocol["experiment"]
    return {"salnest_kind": kind.name, "salnest_kind_module": kind.module, "name": exp["name"],
            "protocol_file": str(exp.get("source", "")), "protocol_hash": identity,
            "sessions": json.dumps(sessions), "wall_time_s": round(wall, 2), **provenance(protocol, seeds)}


@contextlib.contextmanager
def _results_lock(output: Path | None):
    lock = ResultsLock(output) if output is not None and is_root() else None
    from_root(lambda: lock.acquire() if lock else None)  # a refusal stops every rank
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


def _quiet(iterable):
    return iterable


def run(protocol: dict, output: str | Path | None = None, progress: Callable = _quiet) -> xr.Dataset:
    """Run a validated ``protocol``; write its results to ``output`` (rank 0) if given.

    As :func:`run_kind`, with the kind that ``experiment.kind`` names.
    """
    from salnest.study import registry

    return run_kind(registry.get(protocol["experiment"]["kind"]), protocol, output, progress)


def run_kind(kind, protocol: dict, output: str | Path | None, progress: Callable) -> xr.Dataset:
    """Run a validated ``protocol`` of ``kind``; write its results to ``output`` (rank 0) if given.

    Parameters
    ----------
    kind
        A :class:`salnest.study.registry.ExperimentKind`.
    protocol
        Validated protocol (:func:`salnest.study.protocol.load_protocol`).
    output
        Results file; for kinds that run in epochs also the checkpoint resumed from.
    progress
        Wraps an iterable (of epochs, or of a kind's chunks) for a progress display.

    Raises
    ------
    salnest.study.results.ResultsFileError
        Before any simulation, when ``output`` cannot be resumed or is locked by another run.
    RunInterrupted
        On Ctrl-C or SIGTERM, after saving what is complete.
    """
    output = Path(output) if output is not None else None
    if output is not None:
        from_root(lambda: check_output(output))  # before the lock, which writes beside it
    with _results_lock(output):
        if kind.runs_in_epochs:
            return _run_epochs(kind, protocol, output, progress)
        return _run_once(kind, protocol, output, progress)


def _write(ds: xr.Dataset, output: Path | None) -> None:
    if output is not None and is_root():
        write_dataset(ds, output)


def _run_once(kind, protocol, output, progress) -> xr.Dataset:
    identity = run_identity(protocol)
    old = from_root(lambda: previous_results(output, kind.name, identity,
                                             explain=lambda ds: _differences(ds, protocol)))
    if old is not None:
        _notify(f"{output} holds the results of this run already; nothing to do (delete it to run again)")
        return old
    started = time.time()
    try:
        ds = kind.run(protocol, progress)
    except KeyboardInterrupt:
        raise RunInterrupted(output, None, None) from None
    ds.attrs.update(_attrs(kind, protocol, identity, {"seed": protocol["experiment"]["seed"]},
                           [_session(protocol, None)], time.time() - started))
    _write(ds, output)
    return ds


def _run_epochs(kind, protocol, output, progress) -> xr.Dataset:
    exp = protocol["experiment"]
    identity = run_identity(protocol)
    experiment = kind.epochs(protocol)
    total, every = experiment.epochs, exp["checkpoint_every"]
    old = from_root(lambda: previous_results(output, kind.name, identity,
                                             explain=lambda ds: _differences(ds, protocol)))
    started = time.time()
    if old is None:
        sessions, resumed, wall_before, completed = [], [], 0.0, 0
    else:
        completed = int(old.attrs["completed_epochs"])
        sessions = json.loads(old.attrs.get("sessions", "[]"))
        resumed = json.loads(old.attrs.get("seeds", "{}")).get("resumed_at_epochs", []) + [completed]
        wall_before = float(old.attrs.get("wall_time_s", 0.0))
        if completed >= total:
            _notify(f"{output} holds the complete run ({total} epochs); nothing to do")
            return old
        _check_layout(sessions, protocol, output)
    sessions.append(_session(protocol, completed))
    seeds = {"seed": exp["seed"], "kernel_seed": "seed * 1000003 + first epoch of the segment + 1 (driver.kernel_seed)",
             "resumed_at_epochs": resumed}

    def checkpoint(done: int) -> xr.Dataset:
        ds = experiment.dataset(done)
        ds.attrs.update(_attrs(kind, protocol, identity, seeds, sessions, wall_before + time.time() - started))
        ds.attrs["completed_epochs"] = done
        _write(ds, output)
        return ds

    epochs, saved, ds = None, (None if old is None else completed), old
    try:
        if old is None:
            experiment.start()
            checkpoint(0)  # what start() computed (a teacher's targets, say) is kept from here on
            saved = 0
        else:
            experiment.restore(old)
        epochs = iter(progress(range(completed + 1, total + 1)))
        while completed < total:
            segment_end = experiment.segment_end(completed, every)
            if not completed < segment_end <= min(total, completed + every):
                raise RuntimeError(f"{kind.name}: segment_end({completed}, {every}) = {segment_end} is not in "
                                   f"{completed + 1} ... {min(total, completed + every)}")
            with experiment.open_segment(completed, kernel_seed(exp["seed"], completed)) as handle:
                for epoch in range(completed + 1, segment_end + 1):
                    next(epochs)
                    experiment.run_epoch(handle, epoch)
            ds = checkpoint(segment_end)
            completed = saved = segment_end
        for _ in epochs:  # lets a progress display finish
            pass
    except KeyboardInterrupt:
        if hasattr(epochs, "close"):
            epochs.close()  # a progress display clears its line before the message
        raise RunInterrupted(output, saved, total) from None
    return ds


def _check_layout(sessions: list, protocol: dict, output: Path) -> None:
    """Say so when a run resumes with another number of virtual processes (allowed: a cluster
    job may get other nodes), since NEST's random streams depend on it."""
    if not sessions:
        return
    last = sessions[-1]
    before, now = last["mpi_ranks"] * last["threads"], num_processes() * protocol["experiment"]["threads"]
    if before != now:
        _notify(f"resuming {output}, written with {before} virtual processes (ranks x threads), with {now}: the "
                f"run goes on correctly but is no longer bit-identical to an uninterrupted one")


def check_run(protocol: dict, output: str | Path, figure: str | Path | None = None) -> None:
    """Everything about a run's files that would stop it, checked before it starts: the results
    path and ``figure`` can be written (:func:`salnest.study.results.check_output`), and a results
    file already there holds this very run (to resume, or complete), not another protocol's or
    something that is not salnest's (:func:`salnest.study.results.previous_results`).

    Raises
    ------
    salnest.study.results.ResultsFileError
        One line naming the file; on every MPI rank.
    """
    from salnest.study import registry

    kind = registry.get(protocol["experiment"]["kind"])
    from_root(lambda: check_output(output, figure))
    from_root(lambda: previous_results(output, kind.name, run_identity(protocol),
                                       explain=lambda ds: _differences(ds, protocol)))


def progress_bar(label: str, enabled: bool = True) -> Callable:
    """A progress display for the driver: wraps an iterable in a tqdm bar on MPI rank 0."""
    from tqdm import tqdm

    def wrap(iterable):
        return tqdm(iterable, desc=label, unit="step", disable=not (enabled and is_root()), leave=False,
                    mininterval=1.0)

    return wrap


def figure_path(results: str | Path) -> Path:
    """Where the figure of a results file goes: ``figures/<stem>.png`` beside it."""
    results = Path(results)
    return results.parent / "figures" / f"{results.stem}.png"


def run_protocol(source: str | Path | dict, output: str | Path | None = None, plot: bool = True,
                 show_progress: bool = True, threads: int | None = None,
                 overrides: dict[str, object] | None = None) -> Path:
    """Validate and run one protocol (``threads``, ``overrides``: as
    :func:`salnest.study.protocol.load_protocol`); returns the results path (figure in ``figures/``
    beside it)."""
    from salnest.parallel import abort_on_error
    from salnest.study.figures import plot_results
    from salnest.study.protocol import load_protocol
    from salnest.study.provenance import git_commit

    protocol = load_protocol(source, threads, overrides)
    abort_on_error()
    git_commit()  # read now: the run records the code it started with
    exp = protocol["experiment"]
    out = Path(output or exp["output"])
    check_run(protocol, out, figure_path(out) if plot else None)
    ds = run(protocol, out, progress_bar(exp["name"], show_progress))
    if plot and is_root():
        plot_results(ds, figure_path(out))
    return out
