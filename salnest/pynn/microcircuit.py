"""PyNN types of the dendritic cortical microcircuit (``pyNN.nest``), module ``salmicrocircuitmodule``.

Import this module before ``sim.setup()``: from then on every setup loads the
microcircuit module beside the core one. Receptor types of
:class:`PyramidalNeuron` are ``"basal"`` and ``"apical"``; weights are in model
units and round-trip, as for :mod:`salnest.pynn.nest`.
"""

from __future__ import annotations

from pyNN.nest.synapses import NESTSynapseMixin
from pyNN.standardmodels import StandardSynapseType, build_translations

from salnest.compat.pynn import NEST_PER_PYNN_WEIGHT, register_model_unit_cell_type, register_module_for_setup
from salnest.models import MICROCIRCUIT_MODULE
from salnest.models.parameters import POSITIVE, check
from salnest.pynn.nest import DefaultsFromNest, InstallOnUse, ModelUnitCell, SALSynapse

register_module_for_setup(MICROCIRCUIT_MODULE)


class PyramidalNeuron(ModelUnitCell):
    """Two-compartment stochastic neuron (``pyramidal_neuron``): hidden and output pyramidal
    neurons, interneurons and input neurons (see ``nestml_models/pyramidal_neuron.nestml``)."""

    nest_model = InstallOnUse("pyramidal_neuron", per_precision=False)
    nest_name = InstallOnUse("pyramidal_neuron", per_precision=True)
    default_parameters = DefaultsFromNest("pyramidal_neuron", ("b", "tau_ref", "tau_syn", "lambda_api", "lambda_nudge",
                                                               "u_target", "tau_avg", "psp_buffer_size"))
    default_initial_values = DefaultsFromNest("pyramidal_neuron", ("u", "z", "avg_u", "avg_vb"))
    receptor_types = ["basal", "apical"]
    recordable = ["u", "z", "v_bas", "v_api", "avg_u", "avg_vb", "spikes"]
    units = {name: "dimensionless" for name in recordable if name != "spikes"} | {"spikes": "ms"}
    standard_receptor_type = False

    def __init__(self, **parameters):
        check("pyramidal_neuron", parameters)
        super().__init__(**parameters)

    def get_receptor_type(self, name):
        import nest

        if name not in self.receptor_types:
            raise ValueError(f"unknown receptor type {name!r}; PyramidalNeuron has {self.receptor_types}")
        return nest.GetDefaults(self.nest_model)["receptor_types"][name.upper()]


class DendriticPredictionSynapse(StandardSynapseType, NESTSynapseMixin):
    """Forward weights with Urbanczik-Senn plasticity (``us_synapse``); ``tau_ref`` must be the
    postsynaptic neuron's."""

    nest_name = InstallOnUse("us_synapse", per_precision=False)
    default_parameters = DefaultsFromNest("us_synapse", ("eta", "tau_ref"), weight=0.0, delay=None)
    translations = build_translations(("weight", "weight", NEST_PER_PYNN_WEIGHT), ("delay", "delay"), ("eta", "eta"),
                                      ("tau_ref", "tau_ref"))

    def __init__(self, **parameters):
        check("us_synapse", parameters, also={"delay": POSITIVE})
        super().__init__(**parameters)


class FeedbackSALSynapse(SALSynapse):
    """The SAL synapse onto pyramidal neurons (feedback weights B), same parameters as :class:`SALSynapse`."""

    nest_name = InstallOnUse("pyramidal_sal_synapse", per_precision=False)
    default_parameters = DefaultsFromNest("pyramidal_sal_synapse", SALSynapse.parameters, weight=0.0, delay=None)


register_model_unit_cell_type(PyramidalNeuron)
