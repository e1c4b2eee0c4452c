"""PyNN cell and synapse types for salnest's NEST models (``pyNN.nest`` backend).

Usage (the order of the two imports does not matter)::

    import pyNN.nest as sim
    from salnest.pynn import SamplingNeuron, SALSynapse

    sim.setup(timestep=1.0, min_delay=1.0)
    pop = sim.Population(2, SamplingNeuron(b=0.0, tau_ref=10.0, tau_syn=10.0))
    prj = sim.Projection(pop, pop, sim.AllToAllConnector(),
                         SALSynapse(weight=0.5, delay=1.0, eta_sal=0.01, window="exponential"))

Importing this module, before or after ``pyNN.nest``, makes every later ``sim.setup()`` load
salnest's module (and the type modules imported since, :mod:`salnest.pynn.microcircuit`), and
installs the workarounds of :mod:`salnest.compat.pynn`; it changes no warning filter. The types
also work after a ``nest.ResetKernel()`` outside PyNN: the module is loaded again the first time
PyNN asks a type for its NEST model name.
Parameters are checked in the constructors, before any simulation; their defaults come from
NEST (declared once, in the NESTML sources). Weights are in model units (the dimensionless
coupling of ``u = b + sum_j W_j PSP_j``) on every projection onto a :class:`SamplingNeuron`,
also with PyNN's own ``StaticSynapse``, and round-trip through ``Projection.get`` (see
:mod:`salnest.compat.pynn` for the conversion).
"""

from __future__ import annotations

from pyNN.nest.cells import NativeCellType
from pyNN.nest.synapses import NESTSynapseMixin
from pyNN.standardmodels import StandardSynapseType, build_translations

from salnest.compat import pynn as pynn_compat
from salnest.compat.nest import parameter_lists_under_mpi
from salnest.compat.pynn import (
    MODEL_UNIT_RECEPTOR_SCALE,
    NEST_PER_PYNN_WEIGHT,
    register_model_unit_cell_type,
    register_module_for_setup,
)
from salnest.models import DEFAULT_MODULES, MODELS
from salnest.models.loading import install
from salnest.models.parameters import POSITIVE, check
from salnest.pynn.declarations import sal_synapse_parameters, sampling_neuron_parameters


class InstallOnUse:
    """Descriptor: makes sure the module of catalogue model ``name`` is in the kernel, then returns
    its NEST model name (for PyNN's ``nest_model`` / ``nest_name``).

    Normally ``sim.setup()`` has loaded it already
    (:func:`salnest.compat.pynn.load_modules_at_setup`); this covers a kernel reset by
    ``nest.ResetKernel()`` outside PyNN.
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


class ModelUnitCell(NativeCellType):
    """What salnest's cell types share: weights in model units (see :mod:`salnest.compat.pynn`), no
    current injection, current-based, distributed over ranks, no parrot in front."""

    receptor_scale = MODEL_UNIT_RECEPTOR_SCALE
    injectable = False
    conductance_based = False
    always_local = False
    uses_parrot = False


class SamplingNeuron(ModelUnitCell):
    """Stochastic neuron of neural sampling (NEST model ``sampling_neuron``).

    Parameters: ``b`` (bias), ``tau_ref`` (ms, a positive multiple of the time
    step), ``tau_syn`` (ms; the PSP's duration, a multiple of the time step, if
    rectangular, else its time constant), ``psp_shape`` (``"rectangular"``,
    ``"exponential"`` or ``"alpha"``, or their codes 0, 1 and 2).
    Recordables: ``u``, ``z``, ``spikes``.
    """

    nest_model = InstallOnUse("sampling_neuron", per_precision=False)
    nest_name = InstallOnUse("sampling_neuron", per_precision=True)
    default_parameters = DefaultsFromNest("sampling_neuron", ("b", "tau_ref", "tau_syn", "psp_shape"))
    default_initial_values = DefaultsFromNest("sampling_neuron", ("u", "z"))
    # one input port for signed weights; both standard receptor names lead to it
    receptor_types = ["excitatory", "inhibitory"]
    recordable = ["u", "z", "spikes"]
    units = {"u": "dimensionless", "z": "dimensionless", "spikes": "ms"}
    standard_receptor_type = True

    def __init__(self, **parameters):
        super().__init__(**sampling_neuron_parameters(parameters))

    def get_receptor_type(self, name):
        if name not in self.receptor_types:
            raise ValueError(f"unknown receptor type {name!r}; SamplingNeuron has {self.receptor_types}")
        return 0


def _translations(names: tuple[str, ...], weight_units: tuple[str, ...]) -> list[tuple]:
    """PyNN translations: the weight-unit parameters scaled like the weight, the others as they are."""
    return [(name, name, NEST_PER_PYNN_WEIGHT) if name in weight_units else (name, name) for name in names]


class WeightUnitSynapse(NESTSynapseMixin):
    """The NEST side of a synapse type with parameters in weight units (its ``weight_unit_parameters``).

    PyNN sets a type's homogeneous parameters as defaults of the NEST model before it knows the
    target cells; the weight-unit ones depend on them (part of the workaround
    :func:`salnest.compat.pynn.weight_units`), so they are set per connection only.
    """

    weight_unit_parameters: tuple[str, ...] = ()

    def _get_nest_synapse_model(self):
        import nest
        from pyNN.nest.conversion import make_sli_compatible

        defaults = {}
        for name, value in self.native_parameters.items():
            if value.is_homogeneous and name not in self.weight_unit_parameters:
                value.shape = (1,)
                defaults[name] = value.evaluate(simplify=True)
        defaults.pop("tau_minus", None)
        nest.SetDefaults(self.nest_name + "_lbl", make_sli_compatible(defaults))
        return self.nest_name + "_lbl"


class SALSynapse(StandardSynapseType, WeightUnitSynapse):
    """Spike-based alignment learning synapse (NEST model ``sal_synapse``).

    ``window`` is ``"exponential"`` or ``"triangular"``. ``eta_sal = eta_ws = 0``
    only accumulates the window sums (``sal_sum``, ``ws_sum``, ``n_pairs``) for
    batch updates. The wake-sleep window acts only if ``eta_ws > 0``. The
    postsynaptic population must be of type :class:`SamplingNeuron`.
    """

    nest_name = InstallOnUse("sal_synapse", per_precision=False)
    parameters = ("eta_sal", "sal_window", "tau_sal", "a_causal", "a_anticausal", "sal_gain", "eta_ws", "tau_ws",
                  "ws_phase", "ws_gain", "Wmin", "Wmax")
    #: parameters in weight units besides the weight, converted like it (salnest.compat.pynn)
    weight_unit_parameters = ("eta_sal", "eta_ws", "Wmin", "Wmax")
    default_parameters = DefaultsFromNest("sal_synapse", parameters, weight=0.0, delay=None)
    #: readable per-connection state (``Projection.get``), not parameters
    state_variables = ("sal_sum", "ws_sum", "n_pairs")
    translations = build_translations(("weight", "weight", NEST_PER_PYNN_WEIGHT), ("delay", "delay"),
                                      *_translations(parameters + state_variables, weight_unit_parameters))

    def __init__(self, window: str | None = None, **parameters):
        super().__init__(**sal_synapse_parameters(window, parameters))


class RDDNeuron(ModelUnitCell):
    """Leaky integrate-and-fire neuron of RDD weight inference (NEST model ``rdd_neuron``),
    explicit Euler as Guerguiev et al.; with ``g_L = g_D = 0.05`` per ms and no refractoriness
    it is also the leaky integrator of the STDWI authors' layers.

    Receptor types: ``"drive"`` (weights sum into the basal input) and ``"feedback"`` (spikes of
    the units above, from the node ids in ``feedback_sources``, set on the NEST nodes). Weights
    are in model units. Recordables: ``v``, ``u``, ``basal``, ``spikes``.
    """

    nest_model = InstallOnUse("rdd_neuron", per_precision=False)
    nest_name = InstallOnUse("rdd_neuron", per_precision=True)
    default_parameters = DefaultsFromNest("rdd_neuron", ("g_L", "g_D", "tau_L", "tau_s", "kernel_length", "theta",
                                                         "v_reset", "t_ref", "window", "init_window", "u_window",
                                                         "eta_rdd"))
    default_initial_values = DefaultsFromNest("rdd_neuron", ("v", "u"))
    receptor_types = ["drive", "feedback"]
    recordable = ["v", "u", "basal", "spikes"]
    units = {"v": "dimensionless", "u": "dimensionless", "basal": "dimensionless", "spikes": "ms"}
    standard_receptor_type = False

    def __init__(self, **parameters):
        check("rdd_neuron", parameters)
        super().__init__(**parameters)

    def get_receptor_type(self, name):
        if name not in self.receptor_types:
            raise ValueError(f"unknown receptor type {name!r}; RDDNeuron has {self.receptor_types}")
        return 1 + self.receptor_types.index(name)


class STDWISynapse(StandardSynapseType, NESTSynapseMixin):
    """Forward synapse that transmits its weight and infers it by spike-timing-dependent weight
    inference (NEST model ``stdwi_synapse``): ``w_inferred`` is the estimate a feedback
    connection would carry (dimensionless, not scaled like the weight)."""

    nest_name = InstallOnUse("stdwi_synapse", per_precision=False)
    parameters = ("eta_stdwi", "decay", "tau_fast", "tau_slow")
    default_parameters = DefaultsFromNest("stdwi_synapse", parameters, weight=0.0, delay=None)
    #: readable per-connection state (``Projection.get``), not parameters
    state_variables = ("w_inferred", "x_fast", "x_slow", "t_last_pre")
    translations = build_translations(("weight", "weight", NEST_PER_PYNN_WEIGHT), ("delay", "delay"),
                                      *_translations(parameters + state_variables, ()))

    def __init__(self, **parameters):
        check("stdwi_synapse", parameters, also={"delay": POSITIVE})
        super().__init__(**parameters)


pynn_compat.apply()
parameter_lists_under_mpi()
for _module in DEFAULT_MODULES:
    register_module_for_setup(_module)
register_model_unit_cell_type(SamplingNeuron)
register_model_unit_cell_type(RDDNeuron)
