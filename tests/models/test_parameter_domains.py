"""Every parameter of every salnest model takes exactly the values of its domain
(:mod:`salnest.models.parameters`), through PyNEST and through the PyNN types.

Property tests (hypothesis, fixed seed, bounded examples): values drawn from NaN, the infinities,
huge, tiny, negative, zero and ordinary numbers are set one at a time on a node or connection of
each model. Outside the domain a value must be refused with NEST's BadProperty naming the
parameter, and the model must be unchanged; inside, it is taken, unless it breaks a constraint
between parameters (a bound, a rectangular PSP off the time grid), which is refused naming one.
The PyNN types must raise ValueError naming the parameter for every value outside its domain.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salnest.models.parameters import ARRAYS, DOMAINS

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 10.0, 1e308, -1e308, 5e-324, 1e15,
           -1e-9, 0.1000001]
NUMBERS = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))
INTEGERS = st.integers(min_value=-3, max_value=4)
#: Per model test: examples drawn (each one parameter and one value); about 2,000 in all.
EXAMPLES = 200
#: How each model's instance is made: a node, or a connection between two nodes of the given model.
TARGET = {"sal_synapse": "sampling_neuron", "sal_synapse_hom": "sampling_neuron",
          "sal_synapse_nestml": "sampling_neuron_nestml", "pyramidal_sal_synapse": "pyramidal_neuron",
          "us_synapse": "pyramidal_neuron", "stdwi_synapse": "parrot_neuron"}
#: sal_synapse_hom keeps these per connection; its other parameters are common (set on the model).
HOM_PER_CONNECTION = {"weight", "eta_sal", "sal_gain", "ws_gain", "sal_sum", "ws_sum", "n_pairs"}
#: The names NEST reports a parameter under in a refusal, besides its own.
ALIASES = {"weight": ("weight", "w")}


@pytest.fixture
def kernel(salnest_module):
    import nest

    import salnest
    from salnest.models import MICROCIRCUIT_MODULE

    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.resolution = 1.0
    salnest.install()
    salnest.install(MICROCIRCUIT_MODULE)
    return nest


def _instance(nest, model: str):
    """(set, get) of one instance of ``model``: ``set(name, value)`` and ``get()`` (its whole status)."""
    from salnest.models import nest_model

    if model in TARGET:
        target = TARGET[model]
        nodes = nest.Create(nest_model(target) if target != "parrot_neuron" else target, 2)
        receptors = nest.GetDefaults(nodes.model[0]).get("receptor_types", {})
        receptor = receptors.get("APICAL" if model == "pyramidal_sal_synapse" else "BASAL", 0)
        nest.Connect(nodes[0], nodes[1], syn_spec={"synapse_model": nest_model(model), "delay": 1.0,
                                                   "receptor_type": receptor})
        conn = nest.GetConnections(source=nodes[0], target=nodes[1])

        def set_value(name, value):
            if model == "sal_synapse_hom" and name not in HOM_PER_CONNECTION:
                nest.SetDefaults(nest_model(model), {name: value})
            else:
                conn.set({name: value})

        def get():
            status = conn.get()
            if model == "sal_synapse_hom":
                status.update({k: v for k, v in nest.GetDefaults(nest_model(model)).items()
                               if k in DOMAINS[model] and k not in HOM_PER_CONNECTION})
            return status

        return set_value, get
    node = nest.Create(nest_model(model))
    if model == "sampling_network":
        node.set(b=[0.0, 0.0], weights=[0.0, 0.5, 0.5, 0.0])
    return (lambda name, value: node.set({name: value})), node.get


def _same(a: dict, b: dict) -> bool:
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b.get(key))
        if x.dtype.kind in "fc" and y.dtype.kind in "fc":
            if x.shape != y.shape or not np.array_equal(x, y, equal_nan=True):
                return False
        elif not np.array_equal(x, y):
            return False
    return True


@pytest.fixture
def made():
    """The instances a test made in its kernel, by model: hypothesis's examples share them."""
    return {}


@pytest.mark.parametrize("model", sorted(DOMAINS))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_pynest_takes_exactly_the_values_of_each_domain(kernel, made, model, data):
    nest = kernel
    if model not in made:
        made[model] = _instance(nest, model)
    set_value, get = made[model]
    name = data.draw(st.sampled_from(sorted(DOMAINS[model])))
    current = get()[name]
    integer = isinstance(current, int) and not isinstance(current, bool)
    value = data.draw(INTEGERS) if integer else data.draw(NUMBERS)
    problem = _check_setting(nest, model, set_value, get, name, value, DOMAINS[model][name])
    assert problem is None, problem


def _check_setting(nest, model, set_value, get, name, value, domain) -> str | None:
    """Set ``name = value``; what is wrong with how the model took it (None: nothing)."""
    status = get()
    try:
        set_value(name, value)
        refusal = None
    except nest.NESTErrors.KernelException as err:
        refusal = err
    if not domain.accepts(value, resolution=1.0):
        if refusal is None:
            return f"{model} took {name} = {value}, outside {domain.text}"
        if not isinstance(refusal, nest.NESTErrors.BadProperty):
            return f"{model} refused {name} = {value} with {refusal!r}, not BadProperty"
        if not any(n in str(refusal) for n in ALIASES.get(name, (name,))):
            return f"{model}: the refusal of {name} = {value} names no {name}: {refusal}"
    elif refusal is None:
        if get()[name] != pytest.approx(value, rel=1e-12, abs=1e-12):
            return f"{model} set {name} = {value} but reports {get()[name]}"
        set_value(name, status[name])  # back, so that every example starts from the defaults
        return None
    elif not isinstance(refusal, nest.NESTErrors.BadProperty):  # a constraint between parameters
        return f"{model} refused {name} = {value} with {refusal!r}, not BadProperty"
    if not _same(status, get()):
        return f"{model}: refusing {name} = {value} changed the model"
    return None


def test_control_a_model_that_takes_infinities_fails_the_check(kernel):
    """NEST's own static_synapse takes an infinite weight and iaf_psc_alpha an infinite tau_m: the check
    that every salnest model passes above finds both."""
    from salnest.models.parameters import POSITIVE, REAL

    nest = kernel
    nodes = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(nodes[0], nodes[1])
    conn = nest.GetConnections()
    assert "took weight = inf" in _check_setting(nest, "static_synapse", lambda n, v: conn.set({n: v}), conn.get,
                                                 "weight", math.inf, REAL)
    assert "took tau_m = inf" in _check_setting(nest, "iaf_psc_alpha", lambda n, v: nodes[0].set({n: v}),
                                                nodes[0].get, "tau_m", math.inf, POSITIVE)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pynest_takes_only_finite_entries_of_the_networks_arrays(kernel, data):
    from salnest.models import nest_model

    nest = kernel
    node = nest.Create(nest_model("sampling_network"))
    node.set(b=[0.0, 0.0], weights=[0.0, 0.5, 0.5, 0.0])
    name = data.draw(st.sampled_from(sorted(ARRAYS["sampling_network"])))
    value = data.draw(NUMBERS)
    values = {"b": [0.0, value], "weights": [0.0, value, 0.5, 0.0]}.get(name, [0.0, value, 0.0, 0.0])
    status = node.get()
    try:
        node.set({name: values})
        refusal = None
    except nest.NESTErrors.KernelException as err:
        refusal = err
    if not ARRAYS["sampling_network"][name].accepts(value):
        assert isinstance(refusal, nest.NESTErrors.BadProperty), f"took {name} entry {value}"
        assert name.rstrip("s") in str(refusal) or "weight" in str(refusal), str(refusal)
        assert _same(status, node.get())
    else:
        assert refusal is None, (name, value, refusal)


#: The PyNN types, the catalogue model whose domains they take, and the parameters they have.
PYNN_TYPES = {
    "SamplingNeuron": ("salnest.pynn.nest", "sampling_neuron", ("b", "tau_ref", "tau_syn", "psp_shape")),
    "SALSynapse": ("salnest.pynn.nest", "sal_synapse", ("weight", "eta_sal", "sal_window", "tau_sal", "a_causal",
                                                        "a_anticausal", "sal_gain", "eta_ws", "tau_ws", "ws_phase",
                                                        "ws_gain", "Wmin", "Wmax")),
    "RDDNeuron": ("salnest.pynn.nest", "rdd_neuron", ("g_L", "g_D", "tau_L", "tau_s", "kernel_length", "theta",
                                                      "v_reset", "t_ref", "window", "init_window", "u_window",
                                                      "eta_rdd")),
    "STDWISynapse": ("salnest.pynn.nest", "stdwi_synapse", ("eta_stdwi", "decay", "tau_fast", "tau_slow")),
    "PyramidalNeuron": ("salnest.pynn.microcircuit", "pyramidal_neuron", ("b", "tau_ref", "tau_syn", "lambda_api",
                                                                          "lambda_nudge", "u_target", "tau_avg")),
    "DendriticPredictionSynapse": ("salnest.pynn.microcircuit", "us_synapse", ("weight", "eta", "tau_ref")),
}


@pytest.mark.parametrize("type_name", sorted(PYNN_TYPES))
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pynn_types_refuse_every_value_outside_the_domain(salnest_module, type_name, data):
    import importlib

    module, model, names = PYNN_TYPES[type_name]
    cls = getattr(importlib.import_module(module), type_name)
    name = data.draw(st.sampled_from(names))
    value = data.draw(NUMBERS)
    domain = DOMAINS[model][name]
    try:
        cls(**{name: value})
        refusal = None
    except ValueError as err:
        refusal = err
    if not domain.accepts(value):  # the time grid is NEST's to check, when the cells are made
        assert refusal is not None, f"{type_name} took {name} = {value}, outside {domain.text}"
        assert name in str(refusal), str(refusal)
    else:
        assert refusal is None, f"{type_name} refused {name} = {value}: {refusal}"
