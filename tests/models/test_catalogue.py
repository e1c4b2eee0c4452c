"""The models catalogue: every name maps to a model that is built, and each default value is
declared once (in the NESTML sources), with the PyNN types agreeing."""

import re

import pytest

from salnest.models import CORE_MODULE, CPP_MODULE, MICROCIRCUIT_MODULE, MODELS, nest_model
from salnest.models.catalogue import NESTML_MODELS_DIR


@pytest.fixture
def both_modules(salnest_module):
    import nest

    from salnest.models.loading import install

    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    install(CORE_MODULE)
    install(CPP_MODULE)
    install(MICROCIRCUIT_MODULE)
    return nest


def test_every_catalogue_name_is_built_and_registered(both_modules):
    nest = both_modules
    built = set(nest.node_models) | set(nest.synapse_models)
    for name, model in MODELS.items():
        assert model.nest_model in built, (name, model.nest_model)
        assert name in built  # install() registers the user-facing name as a copy
        assert nest_model(name) == model.nest_model
    assert CORE_MODULE.built_models() | CPP_MODULE.built_models() | MICROCIRCUIT_MODULE.built_models() <= built
    with pytest.raises(KeyError, match="unknown salnest model 'iaf_sal'"):
        nest_model("iaf_sal")


def _nestml_parameters(source: str) -> dict[str, str]:
    """Names and default expressions of the ``parameters:`` block of a NESTML file."""
    text = (NESTML_MODELS_DIR / source).read_text()
    block = re.search(r"^    parameters:\n(.*?)(?=^    \w)", text, flags=re.MULTILINE | re.DOTALL).group(1)
    return dict(re.findall(r"^        (\w+) \w+ = ([^\[#\n]+)", block, flags=re.MULTILINE))


#: Parameters only a NESTML model has: the NESTML sampling neuron keeps rectangular PSPs in a fixed-size
#: ring buffer, its C++ twin (the model behind the user-facing name) in a queue that needs no size.
NESTML_ONLY = {"sampling_neuron.nestml": {"psp_buffer_size"}}


def test_cpp_sampling_neuron_has_its_nestml_twins_parameters_state_and_defaults(both_modules):
    nest = both_modules
    cpp, nestml = nest.GetDefaults("sampling_neuron"), nest.GetDefaults("sampling_neuron_nestml")
    parameters = set(_nestml_parameters("sampling_neuron.nestml")) - NESTML_ONLY["sampling_neuron.nestml"]
    for name in parameters | {"u", "z", "psp", "refr_steps_left", "spike_count"}:
        assert cpp[name] == nestml[name], name
    assert set(cpp["recordables"]) == {"u", "z"} <= set(nestml["recordables"])  # NESTML's adds the ring buffer


@pytest.mark.parametrize("type_name, model, source", [
    ("salnest.pynn.nest.SamplingNeuron", "sampling_neuron", "sampling_neuron.nestml"),
    ("salnest.pynn.nest.SALSynapse", "sal_synapse", "sal_synapse.nestml"),
    ("salnest.pynn.microcircuit.PyramidalNeuron", "pyramidal_neuron", "pyramidal_neuron.nestml"),
    ("salnest.pynn.microcircuit.DendriticPredictionSynapse", "us_synapse", "us_synapse.nestml"),
    ("salnest.pynn.microcircuit.FeedbackSALSynapse", "pyramidal_sal_synapse", "sal_synapse.nestml"),
])
def test_pynn_types_have_every_nestml_parameter_with_nests_default(both_modules, type_name, model, source):
    import importlib

    module, cls = type_name.rsplit(".", 1)
    pynn_type = getattr(importlib.import_module(module), cls)
    nestml = _nestml_parameters(source)
    defaults = pynn_type.default_parameters
    weight_and_delay = {"weight", "delay"} & set(defaults)  # PyNN's own for synapse types
    expected = set(nestml) - {"w", "d"} - NESTML_ONLY.get(source, set())
    assert set(defaults) - weight_and_delay == expected, (sorted(defaults), sorted(nestml))
    reported = both_modules.GetDefaults(nest_model(model))
    for name in set(defaults) - weight_and_delay:
        assert defaults[name] == reported[name], name


@pytest.mark.parametrize("type_name, model, state, plain", [
    ("salnest.pynn.nest.RDDNeuron", "rdd_neuron", {"v", "u", "beta", "rdd_fits", "feedback_sources"},
     "parrot_neuron"),
    ("salnest.pynn.nest.STDWISynapse", "stdwi_synapse", {"w_inferred", "x_fast", "x_slow", "t_last_pre"},
     "static_synapse"),
])
def test_pynn_types_of_cpp_models_have_every_parameter_with_nests_default(both_modules, type_name, model, state,
                                                                          plain):
    """C++ models have no NESTML source: the parameters are what NEST reports, less the state and
    what NEST reports for every model of the kind (those of ``plain``)."""
    import importlib

    module, cls = type_name.rsplit(".", 1)
    pynn_type = getattr(importlib.import_module(module), cls)
    defaults = pynn_type.default_parameters
    reported = both_modules.GetDefaults(nest_model(model))
    numeric = {k for k, v in reported.items() if isinstance(v, float)}
    weight_and_delay = {"weight", "delay"} & set(defaults)
    ours = numeric - state - weight_and_delay - set(both_modules.GetDefaults(plain))
    assert set(defaults) - weight_and_delay == ours, (sorted(defaults), sorted(ours))
    for name in ours:
        assert defaults[name] == reported[name], name
