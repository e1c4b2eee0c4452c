"""The experiment kinds salnest can run, each registered by the module that implements it.

An experiment module (``salnest/experiments/*.py``, or any module of an installed package
that names it under the entry-point group ``salnest.experiments``) ends with one
:func:`register` call that declares everything about its kind: the protocol schema, the
cross-field checks, how it runs (in one piece, or in epochs through :mod:`salnest.study.driver`),
its figure and its text summary. ``salnest run``, ``salnest plot`` and ``salnest describe``
find kinds here; nothing else lists them. CONTRIBUTING.md has the recipe for a new kind.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable

from salnest.study.protocol import REQUIRED, Field, Schema, at_least, file_name, one_of, seed, within

#: Entry-point group under which installed packages name modules that register kinds.
ENTRY_POINT_GROUP = "salnest.experiments"


@dataclass(frozen=True)
class ExperimentKind:
    """Everything salnest needs to know about one kind of experiment.

    Parameters
    ----------
    name
        The ``experiment.kind`` of its protocols, and the ``salnest_kind`` of its results.
    description
        One line for ``salnest describe``.
    schema
        Sections and fields of its protocols, without ``[experiment]``, which
        :meth:`protocol_schema` adds (with ``checkpoint_every`` for epoch-wise kinds).
    plot
        ``plot(dataset, path) -> path`` draws the figure of a results dataset.
    run
        For kinds that run in one piece: ``run(protocol, progress) -> xarray.Dataset``;
        ``progress`` wraps an iterable for a progress display.
    epochs
        For kinds that run in epochs: ``epochs(protocol)`` returns a
        :class:`salnest.study.driver.EpochRun`; the driver segments, checkpoints and resumes.
    check
        ``check(protocol)`` raises :class:`salnest.study.protocol.ProtocolError` for field
        combinations a schema cannot express; it runs before any simulation.
    summary
        ``summary(dataset) -> str``: the numbers ``salnest plot`` prints.
    experiment
        ``[experiment]`` fields that differ from the common ones: a :class:`~salnest.study.protocol.Field`
        replaces one, a plain value is its new default.
    simulated_ms
        ``simulated_ms(protocol) -> float``: at least the NEST time (ms) that one kernel of the run
        simulates, from its start (segments included); a protocol above NEST's largest time
        (:data:`salnest.study.protocol.NEST_MAX_TIME_MS`) is refused on load.
    neurons
        ``neurons(protocol) -> int``: at least the number of neurons one kernel of the run holds; a
        protocol above :data:`salnest.study.protocol.MAX_NEURONS` is refused on load.
    simulators
        The values ``experiment.simulator`` takes (``("nest",)`` unless the kind's networks run
        on Brian2 too, see :mod:`salnest.pynn.brian2`); the run passes it to
        :func:`salnest.networks.kernel.kernel`, and ``check`` refuses what the other simulator
        cannot run (:func:`salnest.experiments._shared.check_simulator`).
    """

    name: str
    description: str
    schema: Schema
    plot: Callable
    run: Callable | None = None
    epochs: Callable | None = None
    check: Callable | None = None
    summary: Callable | None = None
    experiment: dict[str, Any] = field(default_factory=dict)
    simulated_ms: Callable | None = None
    neurons: Callable | None = None
    module: str = ""
    simulators: tuple[str, ...] = ("nest",)

    def __post_init__(self):
        if (self.run is None) == (self.epochs is None):
            raise ValueError(f"experiment kind {self.name!r}: give exactly one of run (in one piece) or epochs")
        if "experiment" in self.schema:
            raise ValueError(f"experiment kind {self.name!r}: [experiment] is added by the registry; "
                             f"override its fields with experiment=...")

    @property
    def runs_in_epochs(self) -> bool:
        return self.epochs is not None

    def protocol_schema(self) -> Schema:
        """The full schema of this kind's protocols, ``[experiment]`` included."""
        common = {
            "kind": Field(str, REQUIRED, one_of(self.name), doc="the kind of experiment (salnest describe lists them)"),
            "name": Field(str, self.name, doc="label in figures and summaries"),
            "seed": Field(int, 1, seed,
                          doc="seed of everything random: the protocol's draws and NEST's streams (NEST's "
                              "seeds are 32-bit)"),
            "output": Field(str, f"results/{self.name}.nc", file_name,
                            doc="results file (netCDF), relative to the working directory; salnest run --output "
                                "overrides"),
            "threads": Field(int, 1, within(1, 4096),
                             doc="NEST threads per MPI rank; salnest run --threads overrides. Results depend on "
                                 "the number of virtual processes (ranks x threads)"),
            "simulator": Field(str, "nest", one_of(*self.simulators),
                               doc="the simulator the networks run on, through PyNN: "
                                   + (" or ".join(self.simulators) if len(self.simulators) > 1 else
                                      "nest only (this kind's models or fast paths exist for NEST only)")),
        }
        if self.runs_in_epochs:
            common["checkpoint_every"] = Field(
                int, 10, at_least(1),
                doc="epochs per segment: each segment runs in a fresh NEST kernel seeded at its start, and the "
                    "results file is written after it. Part of the run's identity: a run resumes only with the "
                    "same value")
        unknown = set(self.experiment) - set(common)
        if unknown:
            raise ValueError(f"experiment kind {self.name!r}: unknown [experiment] fields {sorted(unknown)}")
        given = {k: v if isinstance(v, Field) else dataclasses.replace(common[k], default=v)
                 for k, v in self.experiment.items()}
        return {"experiment": {**common, **given}, **self.schema}


_KINDS: dict[str, ExperimentKind] = {}
_discovered = False


def register(kind: ExperimentKind) -> ExperimentKind:
    """Make ``kind`` known to ``salnest run``, ``plot`` and ``describe``; returns it.

    Call it at the end of the module that implements the kind. A second module
    registering the same name is an error; the same module again (a reload) replaces it.
    """
    module = kind.module or _module_of(kind)
    kind = ExperimentKind(**{**kind.__dict__, "module": module})
    existing = _KINDS.get(kind.name)
    if existing is not None and existing.module != module:
        raise ValueError(f"experiment kind {kind.name!r} is registered by {existing.module} already "
                         f"(now also by {module})")
    kind.protocol_schema()  # fails here, at import, for a malformed declaration
    _KINDS[kind.name] = kind
    return kind


def _module_of(kind: ExperimentKind) -> str:
    return (kind.run or kind.epochs).__module__


def _discover() -> None:
    """Import salnest's experiment modules and those of installed plugins (once)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    import salnest.experiments as package

    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):  # helpers shared by experiment modules register nothing
            importlib.import_module(f"{package.__name__}.{info.name}")
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        entry.load()


def kinds() -> dict[str, ExperimentKind]:
    """All registered kinds by name."""
    _discover()
    return dict(sorted(_KINDS.items()))


class UnknownKindError(KeyError):
    """No experiment kind of that name is registered."""

    def __str__(self) -> str:
        return str(self.args[0])


def get(name: Any, module: str | None = None) -> ExperimentKind:
    """The kind called ``name``; ``module`` (a results file's ``salnest_kind_module``) is
    imported first when the kind is not known yet."""
    _discover()
    if name not in _KINDS and module:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    if name not in _KINDS:
        hint = f" (its module {module} cannot be imported here)" if module else ""
        raise UnknownKindError(f"unknown experiment kind {name!r}{hint}; known: {sorted(_KINDS)}")
    return _KINDS[name]


def kind_of(dataset) -> ExperimentKind:
    """The kind that wrote a results dataset (its ``salnest_kind`` attribute)."""
    return get(dataset.attrs.get("salnest_kind"), dataset.attrs.get("salnest_kind_module"))
