"""Invalid parameters are rejected by the NEST models themselves, before any simulation."""

import pytest


@pytest.mark.parametrize("params, field", [
    ({"tau_ref": 0.0}, "tau_ref"),
    ({"tau_ref": -5.0}, "tau_ref"),
    ({"tau_ref": 2.5}, "tau_ref"),        # not a multiple of the 1 ms resolution
    ({"tau_syn": 0.0}, "tau_syn"),
    ({"tau_syn": 3.5}, "tau_syn"),
    ({"tau_syn": 200.0}, "psp_buffer_size"),  # longer than the PSP ring buffer
    ({"psp_shape": 2}, "psp_shape"),
])
def test_neuron_rejects_bad_parameters(nest_kernel, params, field):
    nest = nest_kernel
    with pytest.raises(nest.NESTErrors.BadProperty, match=field):
        nest.Create("sampling_neuron", params=params)
    with pytest.raises(nest.NESTErrors.BadProperty, match=field):
        nest.SetDefaults("sampling_neuron", params)


def test_neuron_accepts_longer_psp_with_larger_buffer(nest_kernel):
    nest = nest_kernel
    n = nest.Create("sampling_neuron", params={"tau_syn": 200.0, "psp_buffer_size": 200})
    assert n.get("tau_syn") == 200.0


@pytest.mark.parametrize("syn, field", [
    ({"sal_window": 2}, "sal_window"),
    ({"eta_sal": -0.01}, "eta_sal"),
    ({"eta_ws": -1.0}, "eta_ws"),
    ({"tau_sal": 0.0}, "tau_sal"),
    ({"ws_phase": 0.0}, "ws_phase"),
    ({"Wmin": 1.0, "Wmax": 0.0}, "Wmin"),
])
def test_synapse_rejects_bad_parameters(nest_kernel, syn, field):
    nest = nest_kernel
    n = nest.Create("sampling_neuron", 2)
    with pytest.raises(nest.NESTErrors.BadProperty, match=field):
        nest.Connect(n[0], n[1], syn_spec=dict(synapse_model="sal_synapse", **syn))
    with pytest.raises(nest.NESTErrors.BadProperty, match=field):
        nest.SetDefaults("sal_synapse", syn)


def test_synapse_rejects_nan_weight(nest_kernel):
    """NEST's Connect treats a NaN weight as 'not given'; setting one later is caught by the model.
    (salnest.pynn_types rejects NaN weights already at construction.)"""
    nest = nest_kernel
    n = nest.Create("sampling_neuron", 2)
    nest.Connect(n[0], n[1], syn_spec={"synapse_model": "sal_synapse", "weight": 0.5})
    conn = nest.GetConnections(synapse_model="sal_synapse")
    with pytest.raises(nest.NESTErrors.BadProperty, match="'w == w'"):  # NaN != NaN
        conn.set(weight=float("nan"))
    with pytest.raises(nest.NESTErrors.BadProperty, match="Wmin <= w and w <= Wmax"):
        conn.set(weight=2.0, Wmax=1.0)
