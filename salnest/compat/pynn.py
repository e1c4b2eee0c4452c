"""Workarounds for PyNN 0.13's NEST backend (``pyNN.nest``) with salnest's models.

:func:`apply` installs them all; :mod:`salnest.pynn.nest` calls it on import, before or after
``pyNN.nest`` was imported alike. Every patch
keeps the function it replaces as ``__salnest_original__`` so that the tests can show the
upstream behaviour (``tests/compat/test_pynn.py``, ``tests/mpi/test_compat_mpi.py``).

**Weight units, in one place.** PyNN's NEST backend assumes NEST weights are
:data:`NEST_PER_PYNN_WEIGHT` times PyNN's (pA per nA, nS per uS): standard synapse types
translate the weight by it when connecting, and every weight read back is divided by it. salnest's
synapse types translate every parameter in weight units (the weight, the learning rates,
the bounds: their ``weight_unit_parameters``) the same way, so that on PyNN's standard cells
all of them are in PyNN's units and round-trip. salnest's own cells take weights in model units
(the dimensionless coupling of ``u = b + sum_j W_j PSP_j``); for them the factor is undone:
:data:`MODEL_UNIT_RECEPTOR_SCALE` is their ``receptor_scale``, which PyNN applies to every weight
it connects and :func:`weight_units` to the other weight-unit parameters, and
:func:`weight_units` also undoes PyNN's division on read-back. So PyNN's ``StaticSynapse``
and salnest's synapses behave alike on either kind of cell, and every value round-trips.
"""

from __future__ import annotations

import sys

import numpy as np

from salnest.compat import workaround

PYNN = ("PyNN", "0.13.0")

#: NEST weight per PyNN weight in PyNN's NEST backend (pA per nA).
NEST_PER_PYNN_WEIGHT = 1000.0

#: ``receptor_scale`` of model-unit cell types: undoes the factor PyNN applies when connecting.
MODEL_UNIT_RECEPTOR_SCALE = 1.0 / NEST_PER_PYNN_WEIGHT

#: Cell types whose incoming weights are in model units.
MODEL_UNIT_CELLS: list = []


def register_model_unit_cell_type(cell_type: type) -> None:
    """Make ``Projection.get("weight")`` onto ``cell_type`` return weights as set (model units)."""
    if cell_type not in MODEL_UNIT_CELLS:
        MODEL_UNIT_CELLS.append(cell_type)


def _replace(cls, name: str, new) -> None:
    new.__salnest_original__ = getattr(cls, name)
    setattr(cls, name, new)


def _weight_unit_names(projection) -> tuple[str, ...]:
    """Native names of the synapse type's parameters in weight units, besides the weight."""
    return tuple(getattr(projection.synapse_type, "weight_unit_parameters", ()))


def _inhibitory_conductances(projection) -> bool:
    """PyNN gives inhibitory conductances as positive weights and NEST takes them negative."""
    return projection.receptor_type == "inhibitory" and bool(projection.post.conductance_based)


#: On inhibitory conductances a bound on the magnitude is the other bound of the signed NEST weight.
_FLIPPED_BOUNDS = {"Wmin": "Wmax", "Wmax": "Wmin"}


def _read_back(projection, names: list[str]) -> tuple[list[str], list[float]]:
    """The NEST attributes to read for ``names`` and the factors that turn them into PyNN's values."""
    model_units = isinstance(projection.post.celltype, tuple(MODEL_UNIT_CELLS))
    flip = _inhibitory_conductances(projection)
    native, factors = [], []
    for name in names:
        if name in ("weight", "weights"):  # PyNN divides it by 1000 (and flips its sign) itself
            native.append(name)
            factors.append(NEST_PER_PYNN_WEIGHT if model_units else 1.0)
        elif name in _weight_unit_names(projection):
            native.append(_FLIPPED_BOUNDS.get(name, name) if flip else name)
            factor = 1.0 if model_units else 1.0 / NEST_PER_PYNN_WEIGHT
            factors.append(-factor if flip and name in _FLIPPED_BOUNDS else factor)
        else:
            native.append(name)
            factors.append(1.0)
    return native, factors


@workaround("pynn-weight-units", *PYNN,
            symptom="Projection.get('weight') divides every weight by 1000, also onto cells whose weights "
                    "are not in nA; other parameters in weight units are neither scaled when connecting "
                    "(receptor_scale) nor when read back, nor flipped with the weight on inhibitory conductances",
            upstream="pyNN/nest/projections.py (_convergent_connect, _get_attributes_as_arrays/_as_list), "
                     "pyNN/nest/synapses.py (_get_nest_synapse_model); "
                     "tests/compat/test_pynn.py::test_pynn_divides_weights_read_back_by_1000")
def weight_units() -> None:
    """Convert the weight-unit parameters as PyNN converts the weight, when connecting and reading back.

    The conversions act only on projections onto salnest's cell types (:data:`MODEL_UNIT_CELLS`) or
    with salnest's synapse types (their ``weight_unit_parameters``); every other projection reads
    and connects as in PyNN. Setting a type's defaults is
    :class:`salnest.pynn.nest.WeightUnitSynapse`'s business.
    """
    from pyNN.nest.projections import Projection

    as_arrays = Projection._get_attributes_as_arrays
    as_list = Projection._get_attributes_as_list
    convergent_connect = Projection._convergent_connect

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        native, factors = _read_back(self, list(names))
        return [v * f for v, f in zip(as_arrays(self, native, multiple_synapses), factors)]

    def _get_attributes_as_list(self, names):
        native, factors = _read_back(self, list(names))
        return [tuple(v * f for v, f in zip(row, factors)) for row in as_list(self, native)]

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, *args, **connection_parameters):
        scale = MODEL_UNIT_RECEPTOR_SCALE if isinstance(self.post.celltype, tuple(MODEL_UNIT_CELLS)) else 1.0
        values = {name: connection_parameters[name] * scale for name in _weight_unit_names(self)
                  if name in connection_parameters}
        if _inhibitory_conductances(self) and "Wmin" in values and "Wmax" in values:
            values["Wmin"], values["Wmax"] = -values["Wmax"], -values["Wmin"]
        connection_parameters.update(values)
        return convergent_connect(self, presynaptic_indices, postsynaptic_index, *args, **connection_parameters)

    _replace(Projection, "_get_attributes_as_arrays", _get_attributes_as_arrays)
    _replace(Projection, "_get_attributes_as_list", _get_attributes_as_list)
    _replace(Projection, "_convergent_connect", _convergent_connect)


@workaround("pynn-one-cell-population-under-mpi", *PYNN,
            symptom="a one-cell Population fails on an MPI rank that does not own its cell (0-d mask)",
            upstream="PyNEST gives NodeCollection.local of one node as a bare bool, PyNN handles only True; "
                     "tests/mpi/test_compat_mpi.py::test_pynn_one_cell_population_fails_on_a_rank_without_it")
def one_cell_population() -> None:
    """Keep PyNN's local-cell mask one-dimensional for one-cell populations."""
    from pyNN.nest.populations import Population

    create_cells = Population._create_cells

    def _create_cells(self):
        create_cells(self)
        self._mask_local = np.atleast_1d(self._mask_local)

    _replace(Population, "_create_cells", _create_cells)


#: What PyNN 0.13 finds "common" (not per connection) in the status of NEST's static synapse and
#: of NESTML synapses, which keep every parameter per connection.
_NON_CONNECTION_KEYS = {"element_type", "has_delay", "num_connections", "receptor_type", "requires_symmetric",
                        "synapse_modelid", "weight_recorder"}


def parameters_known(synapse_model: str) -> bool:
    """Are all parameters of ``synapse_model`` per connection (NEST's static synapse, NESTML
    synapses, salnest's ``sal_synapse``)?"""
    from salnest.models.catalogue import is_cogenerated

    base = synapse_model.removesuffix("_lbl").removesuffix("_hpc")
    return base in ("static_synapse", "sal_synapse") or is_cogenerated(synapse_model)


@workaround("pynn-connection-readback-under-mpi", *PYNN,
            symptom="under MPI, a projection onto a population without a cell on some rank ends the job "
                    "(MPI_ERR_TRUNCATE) or silently changes it",
            upstream="PyNN reads connections back with nest.GetConnections, collective in NEST 3.10, on ranks "
                     "with targets only; tests/mpi/test_compat_mpi.py::test_pynn_readback_breaks_on_an_empty_rank")
def no_connection_readback() -> None:
    """Tell PyNN the common parameters of static and NESTML synapses under MPI, so that it does not
    read connections back; refuse other models onto populations without a cell on some rank.

    To tell per-connection from common synapse parameters, PyNN 0.13 connects its first local
    target, reads the new connections back with ``nest.GetConnections`` and connects the
    others. NEST 3.10 makes that read a collective call once connections changed, but only
    ranks that own targets of the projection make it: with a rank without any, the ranks'
    collective calls stop matching. For other synapse models PyNN reads as before, and a
    projection onto a population without a cell on some rank is refused before anything is
    connected (:func:`salnest.parallel.require_local_cells`).
    """
    import nest
    from pyNN.nest.projections import Projection

    from salnest.parallel import num_processes, require_local_cells

    init, convergent_connect = Projection.__init__, Projection._convergent_connect

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None,
                 *args, **kwargs):
        if num_processes() > 1:
            model = (synapse_type or self._static_synapse_class())._get_nest_synapse_model()
            if not parameters_known(model):
                require_local_cells(postsynaptic_population, model)
        init(self, presynaptic_population, postsynaptic_population, connector, synapse_type, *args, **kwargs)

    def _convergent_connect(self, *args, **kwargs):
        model = self.nest_synapse_model
        if self._common_synapse_property_names is None and num_processes() > 1 and parameters_known(model):
            self._common_synapse_property_names = [k for k in nest.GetDefaults(model) if k in _NON_CONNECTION_KEYS]
        return convergent_connect(self, *args, **kwargs)

    _replace(Projection, "__init__", __init__)
    _replace(Projection, "_convergent_connect", _convergent_connect)


#: Modules loaded at every ``sim.setup()``; type modules add theirs on import.
SETUP_MODULES: list = []


def register_module_for_setup(spec) -> None:
    """Have every later ``sim.setup()`` load ``spec`` (a :class:`salnest.models.ModuleSpec`) too."""
    if all(existing.name != spec.name for existing in SETUP_MODULES):
        SETUP_MODULES.append(spec)


@workaround("pynn-load-modules-at-setup", *PYNN,
            symptom="NEST unloads extension modules at every reset, PyNN's setup() resets the kernel and "
                    "offers no hook to load them again before the first Population",
            upstream="tests/compat/test_pynn.py::test_a_kernel_reset_unloads_salnests_models")
def load_modules_at_setup() -> None:
    """Load the registered modules whenever PyNN resets the kernel (``sim.setup()``).

    NEST refuses modules once any node exists, and a PyNN ``Population`` creates its
    recording devices before its cells, so loading on first use of a type comes too late.
    """
    from pyNN.nest import simulator

    from salnest.models.loading import install

    state = type(simulator.state)
    clear = state.clear

    def clear_and_install(self):
        clear(self)
        # no model copies here: they would freeze the resolution, which setup() sets next
        for spec in SETUP_MODULES:
            install(spec, aliases={})

    _replace(state, "clear", clear_and_install)


class _NestForPyNN:
    """The ``nest`` module as PyNN sees it: NEST's deprecated functions without their warning.

    NEST warns once per deprecated function and process, without naming the caller, so
    PyNN's calls would hide the warnings meant for a user's own code; through this view
    only PyNN's calls are quiet.
    """

    def __init__(self, nest):
        self._nest = nest

    def __getattr__(self, name):
        from nest.lib import hl_api_helper

        value = getattr(self._nest, name)
        if name in hl_api_helper._deprecation_warning and hasattr(value, "__wrapped__"):
            return value.__wrapped__
        return value


@workaround("pynn-deprecated-nest-calls", *PYNN,
            symptom="PyNN calls nest.GetStatus, SetStatus and set_verbosity, which NEST 3.10 deprecates: "
                    "every run prints NEST's deprecation warnings",
            upstream="tests/compat/test_pynn.py::test_pynn_still_calls_deprecated_nest_functions")
def quiet_deprecated_nest_calls() -> None:
    """Give PyNN's NEST modules a view of ``nest`` whose deprecated functions do not warn."""
    import nest

    view = _NestForPyNN(nest)
    for name, module in list(sys.modules.items()):
        if name.startswith("pyNN.nest") and getattr(module, "nest", None) is nest:
            module.nest = view


def apply() -> None:
    """Install every PyNN workaround (idempotent), whether or not ``pyNN.nest`` was imported before.

    Nothing here changes a process's warning filters: PyNN's own notes at its import (on its
    extension build, NEST's deprecated ``set_verbosity``) show as they would without salnest.
    """
    import pyNN.nest  # noqa: F401

    quiet_deprecated_nest_calls()
    weight_units()
    one_cell_population()
    no_connection_readback()
    load_modules_at_setup()
