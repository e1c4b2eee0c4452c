"""PyNN types of the dendritic cortical microcircuit (``pyNN.nest``), module ``salmicrocircuitmodule``.

Import this module before ``sim.setup()``: from then on every setup loads the
microcircuit module beside the core one. Receptor types of
:class:`PyramidalNeuron` are ``"basal"`` and ``"apical"``; weights are in model
units and round-trip, as for :mod:`salnest.pynn_types`.
"""

from __future__ import annotations

from pyNN.nest.cells import NativeCellType
from pyNN.nest.synapses import NESTSynapseMixin
from pyNN.standardmodels import StandardSynapseType, build_translations

from salnest.build import microcircuit_module_spec
from salnest.nest_module import install
from salnest.pynn_types import (SALSynapse, _check_scalar_or_array, register_model_unit_cell_type,
                                 register_module_for_setup)

_NEURON = "pyramidal_neuron__with_us_synapse_and_sal_synapse"
_SPEC = microcircuit_module_spec()
register_module_for_setup(_SPEC)


class _Model:
    """Descriptor: the microcircuit module is in the kernel; returns the NEST model name."""

    def __init__(self, model: str, per_precision: bool):
        self.model, self.per_precision = model, per_precision

    def __get__(self, obj, objtype=None):
        install(_SPEC, aliases={})
        return {"on_grid": self.model, "off_grid": self.model} if self.per_precision else self.model


class PyramidalNeuron(NativeCellType):
    """Two-compartment stochastic neuron (``pyramidal_neuron``): hidden and output pyramidal
    neurons, interneurons and input neurons (see ``nestml_models/pyramidal_neuron.nestml``)."""

    nest_model = _Model(_NEURON, per_precision=False)
    nest_name = _Model(_NEURON, per_precision=True)
    default_parameters = {"b": 0.0, "tau_ref": 10.0, "tau_syn": 10.0, "lambda_api": 0.0, "lambda_nudge": 0.0,
                          "u_target": 0.0, "tau_avg": 2000.0, "psp_buffer_size": 100}
    default_initial_values = {"u": 0.0, "z": 0.0, "avg_u": 0.0, "avg_vb": 0.0}
    receptor_types = ["basal", "apical"]
    recordable = ["u", "z", "v_bas", "v_api", "avg_u", "avg_vb", "spikes"]
    units = {name: "dimensionless" for name in recordable if name != "spikes"} | {"spikes": "ms"}
    standard_receptor_type = False
    receptor_scale = 1e-3  # see salnest.pynn_types: weights in model units
    injectable = False
    conductance_based = False
    always_local = False
    uses_parrot = False

    def __init__(self, **parameters):
        for name in ("tau_ref", "tau_syn", "tau_avg"):
            if name in parameters:
                _check_scalar_or_array(name, parameters[name], positive=True)
        for name in ("b", "lambda_api", "lambda_nudge", "u_target"):
            if name in parameters:
                _check_scalar_or_array(name, parameters[name])
        super().__init__(**parameters)

    def get_receptor_type(self, name):
        import nest

        if name not in self.receptor_types:
            raise ValueError(f"unknown receptor type {name!r}; PyramidalNeuron has {self.receptor_types}")
        return nest.GetDefaults(self.nest_model)["receptor_types"][name.upper()]


class DendriticPredictionSynapse(StandardSynapseType, NESTSynapseMixin):
    """Forward weights with Urbanczik-Senn plasticity (``us_synapse``); ``tau_ref`` must be the
    postsynaptic neuron's."""

    nest_name = _Model("us_synapse__with_" + _NEURON, per_precision=False)
    default_parameters = {"weight": 0.0, "delay": None, "eta": 0.0, "tau_ref": 10.0}
    translations = build_translations(("weight", "weight", 1000.0), ("delay", "delay"), ("eta", "eta"),
                                      ("tau_ref", "tau_ref"))

    def __init__(self, **parameters):
        if "eta" in parameters:
            _check_scalar_or_array("eta", parameters["eta"], non_negative=True)
        if "weight" in parameters:
            _check_scalar_or_array("weight", parameters["weight"])
        super().__init__(**parameters)


class FeedbackSALSynapse(SALSynapse):
    """The SAL synapse onto pyramidal neurons (feedback weights B), same parameters as :class:`SALSynapse`."""

    nest_name = _Model("sal_synapse__with_" + _NEURON, per_precision=False)


register_model_unit_cell_type(PyramidalNeuron)
