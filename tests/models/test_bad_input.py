"""Invalid parameters are rejected by the NEST models themselves, before any simulation."""

import pytest

NEURONS = ("sampling_neuron", "sampling_neuron_nestml")  # the C++ model and its NESTML specification


@pytest.mark.parametrize("model", NEURONS)
@pytest.mark.parametrize("params, field", [
    ({"tau_ref": 0.0}, "tau_ref"),
    ({"tau_ref": -5.0}, "tau_ref"),
    ({"tau_ref": 2.5}, "tau_ref"),        # not a multiple of the 1 ms resolution
    ({"tau_syn": 0.0}, "tau_syn"),
    ({"tau_syn": 3.5}, "tau_syn"),        # a rectangular PSP (the default) must last whole steps
    ({"tau_syn": -1.0, "psp_shape": 2}, "tau_syn"),
    ({"psp_shape": 3}, "psp_shape"),
])
def test_neuron_rejects_bad_parameters(nest_kernel, model, params, field):
    nest = nest_kernel
    with pytest.raises(nest.NESTErrors.BadProperty, match=field):
        nest.Create(model, params=params)
    with pytest.raises(nest.NESTErrors.BadProperty, match=field):
        nest.SetDefaults(model, params)


@pytest.mark.parametrize("model", NEURONS)
@pytest.mark.parametrize("psp_shape", [1, 2])
def test_exponential_and_alpha_psps_take_any_time_constant(nest_kernel, model, psp_shape):
    nest = nest_kernel
    n = nest.Create(model, params={"tau_syn": 10.0 / 3.0, "psp_shape": psp_shape})
    assert n.get("tau_syn") == 10.0 / 3.0


def test_nestml_neuron_needs_a_ring_buffer_as_long_as_its_psp(nest_kernel):
    nest = nest_kernel
    with pytest.raises(nest.NESTErrors.BadProperty, match="psp_buffer_size"):
        nest.Create("sampling_neuron_nestml", params={"tau_syn": 200.0})
    n = nest.Create("sampling_neuron_nestml", params={"tau_syn": 200.0, "psp_buffer_size": 200})
    assert n.get("tau_syn") == 200.0


def test_cpp_neuron_takes_psps_of_any_length(nest_kernel):
    nest = nest_kernel
    n = nest.Create("sampling_neuron", params={"tau_syn": 5000.0})
    assert n.get("tau_syn") == 5000.0
    with pytest.raises(nest.NESTErrors.BadProperty, match="refr_steps_left"):
        n.set(refr_steps_left=-1)


#: the C++ synapse and its NESTML twin, each with its message for a NaN weight and a weight out of bounds
SYNAPSES = {"sal_synapse": ("the weight must not be NaN", r"the weight must lie within \[Wmin, Wmax\]"),
            "sal_synapse_nestml": ("'w == w'", "Wmin <= w and w <= Wmax")}  # NESTML: NaN != NaN
#: the neuron each synapse is tested on: NESTML's synapse connects only to its co-generated partner
NEURON_OF = {"sal_synapse": "sampling_neuron", "sal_synapse_nestml": "sampling_neuron_nestml"}


@pytest.mark.parametrize("model", sorted(SYNAPSES))
@pytest.mark.parametrize("syn, field", [
    ({"sal_window": 2}, "sal_window"),
    ({"eta_sal": -0.01}, "eta_sal"),
    ({"eta_ws": -1.0}, "eta_ws"),
    ({"tau_sal": 0.0}, "tau_sal"),
    ({"ws_phase": 0.0}, "ws_phase"),
    ({"Wmin": 1.0, "Wmax": 0.0}, "Wmin"),
])
def test_synapse_rejects_bad_parameters(nest_kernel, model, syn, field):
    nest = nest_kernel
    n = nest.Create(NEURON_OF[model], 2)
    with pytest.raises(nest.NESTErrors.BadProperty, match=field):
        nest.Connect(n[0], n[1], syn_spec=dict(synapse_model=model, **syn))
    with pytest.raises(nest.NESTErrors.BadProperty, match=field):
        nest.SetDefaults(model, syn)


@pytest.mark.parametrize("syn, field", [({"sal_window": 2}, "sal_window"), ({"tau_ws": -1.0}, "tau_ws"),
                                        ({"Wmin": 1.0, "Wmax": 0.0}, "Wmin")])
def test_hom_synapse_checks_its_common_properties(nest_kernel, syn, field):
    nest = nest_kernel
    with pytest.raises(nest.NESTErrors.BadProperty, match=field):
        nest.SetDefaults("sal_synapse_hom", syn)
    assert nest.GetDefaults("sal_synapse_hom")["sal_window"] == 0  # a refused value changes nothing


@pytest.mark.parametrize("model", sorted(SYNAPSES))
def test_synapse_rejects_nan_weight(nest_kernel, model):
    """NEST's Connect treats a NaN weight as 'not given'; setting one later is caught by the model.
    (salnest.pynn.nest rejects NaN weights already at construction.)"""
    nest = nest_kernel
    nan_message, bounds_message = SYNAPSES[model]
    n = nest.Create(NEURON_OF[model], 2)
    nest.Connect(n[0], n[1], syn_spec={"synapse_model": model, "weight": 0.5})
    conn = nest.GetConnections(synapse_model=model)
    with pytest.raises(nest.NESTErrors.BadProperty, match=nan_message):
        conn.set(weight=float("nan"))
    with pytest.raises(nest.NESTErrors.BadProperty, match=bounds_message):
        conn.set(weight=2.0, Wmax=1.0)
    if model == "sal_synapse":  # NESTML's generated set_status keeps what it set before it checks
        assert conn.get("weight") == 0.5 and conn.get("Wmax") == float("inf")  # a refused value changes nothing


def test_cpp_synapse_refuses_a_target_without_spike_history(nest_kernel):
    nest = nest_kernel
    source = nest.Create("parrot_neuron")
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(source, nest.Create("spike_recorder"), syn_spec={"synapse_model": "sal_synapse"})
