"""PyNN cell and synapse types for salnest's NEST models (``pyNN.nest`` backend).

Usage::

    import pyNN.nest as sim
    from salnest.pynn_types import SamplingNeuron, SALSynapse

    sim.setup(timestep=1.0, min_delay=1.0)
    pop = sim.Population(2, SamplingNeuron(b=0.0, tau_ref=10.0, tau_syn=10.0))
    prj = sim.Projection(pop, pop, sim.AllToAllConnector(),
                         SALSynapse(weight=0.5, delay=1.0, eta_sal=0.01, window="exponential"))

The module is built (if needed) and loaded into the kernel the first time
PyNN asks a type for its NEST model name, so the types also work after
``sim.setup()`` has reset the kernel. Parameters are checked in the
constructors, before any simulation. Weights are in model units (the
dimensionless coupling of ``u = b + sum_j W_j PSP_j``) on every projection onto
a :class:`SamplingNeuron`, also with PyNN's own ``StaticSynapse``. PyNN's NEST
backend assumes NEST weights are 1000 times PyNN's (pA against nA): it
multiplies standard weights by 1000 when connecting and divides all weights by
1000 when reading back. ``SamplingNeuron.receptor_scale`` undoes the first,
:class:`SALSynapse` scales its weights like a standard type, and
:func:`_fix_weight_readback` undoes the second, so weights round-trip.
"""

from __future__ import annotations

import numbers

import numpy as np
from pyNN.nest.cells import NativeCellType
from pyNN.nest.synapses import NESTSynapseMixin
from pyNN.standardmodels import StandardSynapseType, build_translations

from salnest.models import MODELS, PSP_SHAPES, SAL_WINDOWS, is_cogenerated
from salnest.nest_module import install


class InstallOnUse:
    """Descriptor: makes sure the module of catalogue model ``name`` is in the kernel, then returns
    its NEST model name (for PyNN's ``nest_model`` / ``nest_name``).

    Normally :func:`_install_after_setup` has loaded it already; this covers a
    kernel reset by ``nest.ResetKernel()`` outside PyNN.
    """

    def __init__(self, name: str, per_precision: bool):
        self.model = MODELS[name]
        self.per_precision = per_precision

    def __get__(self, obj, objtype=None):
        install(self.model.module, aliases={})
        name = self.model.nest_model
        return {"on_grid": name, "off_grid": name} if self.per_precision else name


class DefaultsFromNest:
    """Descriptor: the defaults of a PyNN type's parameters, read from NEST.

    The NESTML source of catalogue model ``name`` declares each default value once; NEST reports
    them (``nest.GetDefaults``). ``pynn`` adds PyNN's own conventions (a synapse type's
    ``weight`` and ``delay``). Read once per process, when PyNN first asks.
    """

    def __init__(self, name: str, parameters: tuple[str, ...], **pynn):
        self.model, self.parameters, self.pynn = MODELS[name], parameters, pynn
        self._values: dict | None = None

    def __get__(self, obj, objtype=None) -> dict:
        if self._values is None:
            import nest

            install(self.model.module, aliases={})
            defaults = nest.GetDefaults(self.model.nest_model)
            self._values = {**{k: defaults[k] for k in self.parameters}, **self.pynn}
        return dict(self._values)


def _check_scalar_or_array(name: str, value, positive: bool = False, non_negative: bool = False) -> None:
    if callable(value) or value is None or not isinstance(value, (numbers.Number, np.ndarray, list, tuple)):
        return  # random distributions and lazy arrays are checked by NEST when set
    arr = np.asarray(value, dtype=float)
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} must not be NaN")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    if non_negative and np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got {value!r}")


class SamplingNeuron(NativeCellType):
    """Stochastic neuron of neural sampling (NEST model ``sampling_neuron``).

    Parameters: ``b`` (bias), ``tau_ref`` and ``tau_syn`` (ms, positive
    multiples of the time step), ``psp_shape`` (``"rectangular"`` or
    ``"exponential"``, or their codes 0 and 1), ``psp_buffer_size`` (steps, >= tau_syn / time step).
    Recordables: ``u``, ``z``, ``spikes``.
    """

    nest_model = InstallOnUse("sampling_neuron", per_precision=False)
    nest_name = InstallOnUse("sampling_neuron", per_precision=True)
    default_parameters = DefaultsFromNest("sampling_neuron", ("b", "tau_ref", "tau_syn", "psp_shape", "psp_buffer_size"))
    default_initial_values = DefaultsFromNest("sampling_neuron", ("u", "z"))
    # one input port for signed weights; both standard receptor names lead to it
    receptor_types = ["excitatory", "inhibitory"]
    recordable = ["u", "z", "spikes"]
    units = {"u": "dimensionless", "z": "dimensionless", "spikes": "ms"}
    standard_receptor_type = True
    receptor_scale = 1e-3  # PyNN multiplies weights by this when connecting (see module docstring)
    injectable = False
    conductance_based = False
    always_local = False
    uses_parrot = False

    def __init__(self, **parameters):
        for name in ("tau_ref", "tau_syn"):
            if name in parameters:
                _check_scalar_or_array(name, parameters[name], positive=True)
        if "b" in parameters:
            _check_scalar_or_array("b", parameters["b"])
        shape = parameters.get("psp_shape", 0)
        if isinstance(shape, str):
            if shape not in PSP_SHAPES:
                raise ValueError(f"unknown PSP shape {shape!r}; choose one of {sorted(PSP_SHAPES)}")
            parameters["psp_shape"] = PSP_SHAPES[shape]
        elif shape not in PSP_SHAPES.values():
            raise ValueError(f"psp_shape must be one of {PSP_SHAPES}, got {shape!r}")
        super().__init__(**parameters)

    def get_receptor_type(self, name):
        if name not in self.receptor_types:
            raise ValueError(f"unknown receptor type {name!r}; SamplingNeuron has {self.receptor_types}")
        return 0


class SALSynapse(StandardSynapseType, NESTSynapseMixin):
    """Spike-based alignment learning synapse (NEST model ``sal_synapse``).

    ``window`` is ``"exponential"`` or ``"triangular"``. ``eta_sal = eta_ws = 0``
    only accumulates the window sums (``sal_sum``, ``ws_sum``, ``n_pairs``) for
    batch updates. The wake-sleep window acts only if ``eta_ws > 0``. The
    postsynaptic population must be of type :class:`SamplingNeuron`.
    """

    nest_name = InstallOnUse("sal_synapse", per_precision=False)
    parameters = ("eta_sal", "sal_window", "tau_sal", "a_causal", "a_anticausal", "sal_gain", "eta_ws", "tau_ws",
                  "ws_phase", "ws_gain", "Wmin", "Wmax")
    default_parameters = DefaultsFromNest("sal_synapse", parameters, weight=0.0, delay=None)
    #: readable per-connection state (``Projection.get``), not parameters
    state_variables = ("sal_sum", "ws_sum", "n_pairs")
    # weights are scaled like those of PyNN's standard types, see the module docstring
    translations = build_translations(("weight", "weight", 1000.0), ("delay", "delay"),
                                      *[(name, name) for name in (*parameters, *state_variables)])

    def __init__(self, window: str | None = None, **parameters):
        if window is not None:
            if window not in SAL_WINDOWS:
                raise ValueError(f"unknown SAL window shape {window!r}; choose one of {sorted(SAL_WINDOWS)}")
            parameters["sal_window"] = SAL_WINDOWS[window]
        if "sal_window" in parameters and parameters["sal_window"] not in SAL_WINDOWS.values():
            raise ValueError(f"sal_window must be one of {SAL_WINDOWS}, got {parameters['sal_window']!r}")
        for name in ("weight", "a_causal", "a_anticausal", "sal_gain", "ws_gain"):
            if name in parameters:
                _check_scalar_or_array(name, parameters[name])
        for name in ("eta_sal", "eta_ws"):
            if name in parameters:
                _check_scalar_or_array(name, parameters[name], non_negative=True)
        for name in ("tau_sal", "tau_ws", "delay"):
            if name in parameters:
                _check_scalar_or_array(name, parameters[name], positive=True)
        if parameters.get("ws_phase", 1.0) not in (1.0, -1.0):
            raise ValueError(f"ws_phase must be +1 (wake) or -1 (sleep), got {parameters['ws_phase']!r}")
        super().__init__(**parameters)


#: Cell types whose incoming weights are in model units (PyNN's factor 1000 undone).
_MODEL_UNIT_CELLS: list = [SamplingNeuron]


def register_model_unit_cell_type(cell_type: type) -> None:
    """Make ``Projection.get("weight")`` onto ``cell_type`` return weights as set."""
    if cell_type not in _MODEL_UNIT_CELLS:
        _MODEL_UNIT_CELLS.append(cell_type)


def _fix_weight_readback() -> None:
    """Make ``Projection.get("weight")`` onto sampling neurons return the weights as set."""
    from pyNN.nest.projections import Projection

    if getattr(Projection, "_salnest_weight_fix", False):
        return
    as_arrays = Projection._get_attributes_as_arrays
    as_list = Projection._get_attributes_as_list

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        values = as_arrays(self, names, multiple_synapses)
        if isinstance(self.post.celltype, tuple(_MODEL_UNIT_CELLS)):
            values = [v * 1000.0 if n in ("weight", "weights") else v for n, v in zip(names, values)]
        return values

    def _get_attributes_as_list(self, names):
        values = as_list(self, names)
        if isinstance(self.post.celltype, tuple(_MODEL_UNIT_CELLS)) and "weight" in names:
            i = names.index("weight")
            values = [tuple(v * 1000.0 if k == i else v for k, v in enumerate(row)) for row in values]
        return values

    Projection._get_attributes_as_arrays = _get_attributes_as_arrays
    Projection._get_attributes_as_list = _get_attributes_as_list
    Projection._salnest_weight_fix = True


def _fix_parameter_lists_under_mpi() -> None:
    """Let PyNN set per-connection parameters when NEST runs on several MPI ranks.

    PyNN sets every synapse parameter other than weight and delay of a projection's first
    connections with a list of values over local connections; PyNEST 3.10 refuses any list
    under MPI ("not supported in MPI-parallel simulations"), although the collection and the
    list are both local. A list of one dictionary per connection is accepted, so lists of the
    collection's length are turned into that.
    """
    import nest
    from nest.lib.hl_api_types import SynapseCollection

    if getattr(SynapseCollection, "_salnest_mpi_lists", False):
        return
    original = SynapseCollection.set

    def set_status(self, params=None, **kwargs):
        values = kwargs if params is None else params
        if isinstance(values, dict) and len(self) and nest.NumProcesses() > 1:
            lists = {k: v for k, v in values.items() if not isinstance(v, str) and np.ndim(v) > 0}
            if lists:
                if any(len(v) != len(self) for v in lists.values()):
                    raise ValueError(f"parameter lists must have one value per local connection ({len(self)})")
                return original(self, [{**values, **{k: v[i] for k, v in lists.items()}} for i in range(len(self))])
        return original(self, params, **kwargs)

    SynapseCollection.set = set_status
    SynapseCollection._salnest_mpi_lists = True


def _fix_single_cell_population_under_mpi() -> None:
    """Let a one-cell PyNN population live on a rank that does not own its cell.

    PyNEST gives ``NodeCollection.local`` of a single node as a bare bool, and PyNN 0.13 then
    keeps a 0-dimensional mask that fails at the first indexing.
    """
    from pyNN.nest.populations import Population

    if getattr(Population, "_salnest_mask_fix", False):
        return
    create_cells = Population._create_cells

    def _create_cells(self):
        create_cells(self)
        self._mask_local = np.atleast_1d(self._mask_local)

    Population._create_cells = _create_cells
    Population._salnest_mask_fix = True


#: What PyNN 0.13 finds "common" (not per connection) in the status of NEST's static synapse and
#: of NESTML synapses, which keep every parameter per connection.
_NON_CONNECTION_KEYS = {"element_type", "has_delay", "num_connections", "receptor_type", "requires_symmetric",
                        "synapse_modelid", "weight_recorder"}


def _parameters_known(synapse_model: str) -> bool:
    """Are all parameters of ``synapse_model`` per connection (NEST's static synapse, NESTML synapses)?"""
    return synapse_model.startswith("static_synapse") or is_cogenerated(synapse_model)


def _no_connection_readback_under_mpi() -> None:
    """Let projections onto populations without a cell on some rank work under MPI.

    To tell per-connection from common synapse parameters, PyNN 0.13 connects its first local
    target, reads the new connections back with ``nest.GetConnections`` and connects the
    others. NEST 3.10 makes that read a collective call once connections changed, but only
    ranks that own targets of the projection make it: with a rank without any, the ranks'
    collective calls stop matching and the job stops (MPI_ERR_TRUNCATE) or silently computes
    something else. For the static synapse and NESTML synapses the answer is known
    (:data:`_NON_CONNECTION_KEYS`) and given to PyNN, so the read never happens. For other
    synapse models PyNN reads as before, and a projection onto a population without a cell on
    some rank is refused before anything is connected
    (:func:`salnest.parallel.require_local_cells`).
    """
    import nest
    from pyNN.nest.projections import Projection

    from salnest.parallel import num_processes, require_local_cells

    if getattr(Projection, "_salnest_no_readback", False):
        return
    init, convergent_connect = Projection.__init__, Projection._convergent_connect

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None,
                 *args, **kwargs):
        if num_processes() > 1:
            model = (synapse_type or self._static_synapse_class())._get_nest_synapse_model()
            if not _parameters_known(model):
                require_local_cells(postsynaptic_population, model)
        init(self, presynaptic_population, postsynaptic_population, connector, synapse_type, *args, **kwargs)

    def _convergent_connect(self, *args, **kwargs):
        model = self.nest_synapse_model
        if self._common_synapse_property_names is None and num_processes() > 1 and _parameters_known(model):
            self._common_synapse_property_names = [k for k in nest.GetDefaults(model) if k in _NON_CONNECTION_KEYS]
        return convergent_connect(self, *args, **kwargs)

    Projection.__init__ = __init__
    Projection._convergent_connect = _convergent_connect
    Projection._salnest_no_readback = True


#: Modules loaded at every ``sim.setup()``; other type modules add theirs on import.
_SETUP_MODULES: list = []


def register_module_for_setup(spec) -> None:
    """Have every later ``sim.setup()`` load ``spec`` (a :class:`salnest.models.ModuleSpec`) too."""
    if all(existing.name != spec.name for existing in _SETUP_MODULES):
        _SETUP_MODULES.append(spec)


def _install_after_setup() -> None:
    """Load the modules whenever PyNN resets the kernel (``sim.setup()``); under MPI that also
    makes NEST's spike exchange safe (:func:`salnest.parallel.use_safe_spike_exchange`).

    NEST refuses modules once any node exists, and a PyNN ``Population``
    creates its recording devices before its cells, so loading on first use
    of a type would come too late.
    """
    from pyNN.nest import simulator

    _State = type(simulator.state)

    if getattr(_State, "_salnest_install", False):
        return
    clear = _State.clear

    def clear_and_install(self):
        clear(self)
        # no model copies here: they would freeze the resolution, which setup() sets next
        install(aliases={})
        for spec in _SETUP_MODULES:
            install(spec, aliases={})

    _State.clear = clear_and_install
    _State._salnest_install = True


_fix_weight_readback()
_fix_parameter_lists_under_mpi()
_fix_single_cell_population_under_mpi()
_no_connection_readback_under_mpi()
_install_after_setup()
