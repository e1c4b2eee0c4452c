"""pyramidal_neuron and us_synapse against their defining equations (docs/models.md, sections 3 and 4)."""

import numpy as np
import pytest

from salnest.models import nest_model

N, US = nest_model("pyramidal_neuron"), nest_model("us_synapse")


@pytest.fixture(scope="session")
def microcircuit_module():
    from salnest.models import MICROCIRCUIT_MODULE
    from salnest.models.build import build_module

    return build_module(MICROCIRCUIT_MODULE)


@pytest.fixture
def kernel(microcircuit_module):
    import nest

    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.resolution = 1.0
    nest.Install(str(microcircuit_module))
    return nest


def _record(nest, neuron, variables=("u", "v_bas", "v_api", "avg_u", "avg_vb")):
    mm = nest.Create("multimeter", params={"record_from": list(variables), "interval": 1.0})
    nest.Connect(mm, neuron)
    return mm


def test_basal_and_apical_compartments(kernel):
    nest = kernel
    receptors = nest.GetDefaults(N)["receptor_types"]
    neuron = nest.Create(N, params={"b": -50.0, "tau_ref": 2.0, "tau_syn": 4.0, "lambda_api": 0.25})
    sg = nest.Create("spike_generator", 2, params=[{"spike_times": [5.0]}, {"spike_times": [7.0]}])
    nest.Connect(sg[0], neuron, syn_spec={"weight": 2.0, "delay": 1.0, "receptor_type": receptors["BASAL"]})
    nest.Connect(sg[1], neuron, syn_spec={"weight": -3.0, "delay": 1.0, "receptor_type": receptors["APICAL"]})
    mm = _record(nest, neuron)
    nest.Simulate(15.0)
    ev = mm.events
    t = ev["times"]
    v_bas = np.where((t >= 6) & (t < 10), 2.0, 0.0)
    v_api = np.where((t >= 8) & (t < 12), -3.0, 0.0)
    np.testing.assert_allclose(ev["v_bas"], v_bas, atol=1e-12)
    np.testing.assert_allclose(ev["v_api"], v_api, atol=1e-12)
    np.testing.assert_allclose(ev["u"], -50.0 + v_bas + 0.25 * v_api, atol=1e-12)
    # u_sum: the sum of u over every step so far (the multimeter sees steps 1 ... 14 of 15; u = b at step 15)
    assert neuron.get("u_sum") == pytest.approx(ev["u"].sum() - 50.0, abs=1e-9)


def test_nudging_and_running_averages(kernel):
    """No input: v_bas = 0, avg_vb relaxes to b, u = b + lambda_nudge (u_target - avg_vb)."""
    nest = kernel
    b, lam, target, tau_avg = -30.0, 0.6, 2.0, 20.0
    neuron = nest.Create(N, params={"b": b, "tau_ref": 2.0, "lambda_nudge": lam, "u_target": target,
                                    "tau_avg": tau_avg})
    mm = _record(nest, neuron)
    nest.Simulate(50.0)
    ev = mm.events
    decay = np.exp(-1.0 / tau_avg)
    avg_vb, avg_u, us = 0.0, 0.0, []
    avg_u_ref, avg_vb_ref = [], []
    for _ in ev["times"]:
        u = b + lam * (target - avg_vb)
        avg_u = decay * avg_u + (1 - decay) * u
        avg_vb = decay * avg_vb + (1 - decay) * b
        us.append(u)
        avg_u_ref.append(avg_u)
        avg_vb_ref.append(avg_vb)
    np.testing.assert_allclose(ev["u"], us, atol=1e-12)
    np.testing.assert_allclose(ev["avg_u"], avg_u_ref, atol=1e-12)
    np.testing.assert_allclose(ev["avg_vb"], avg_vb_ref, atol=1e-12)


def test_dendritic_prediction_update_for_a_known_presynaptic_spike(kernel):
    """dw = eta (phi(avg_u) - phi(avg_vb)) with the averages at the presynaptic firing time."""
    nest = kernel
    post = nest.Create(N, params={"b": -5.0, "tau_ref": 2.0, "tau_syn": 3.0, "lambda_nudge": 0.6,
                                  "u_target": 2.0, "tau_avg": 20.0})
    pre = nest.Create("parrot_neuron")
    sg = nest.Create("spike_generator", params={"spike_times": [9.0]})
    nest.Connect(sg, pre, syn_spec={"delay": 1.0})
    receptors = nest.GetDefaults(N)["receptor_types"]
    nest.Connect(pre, post, syn_spec={"synapse_model": US, "weight": 0.5, "delay": 1.0, "eta": 0.3,
                                      "tau_ref": 2.0, "receptor_type": receptors["BASAL"]})
    mm = _record(nest, post)
    nest.Simulate(20.0)
    ev = mm.events
    at = ev["times"] == 10.0  # the parrot fires at 10
    phi = lambda x: 1.0 / (1.0 + np.exp(np.log(2.0) - x))  # noqa: E731
    expected = 0.5 + 0.3 * (phi(ev["avg_u"][at][0]) - phi(ev["avg_vb"][at][0]))
    assert nest.GetConnections(synapse_model=US).get("weight") == pytest.approx(expected, abs=1e-12)
    assert expected > 0.5  # nudged upward: the update is not trivially zero
    # the spike that triggered the update carries the new weight
    assert ev["v_bas"][ev["times"] == 11.0][0] == pytest.approx(expected, abs=1e-12)


def test_bad_parameters_rejected(kernel):
    nest = kernel
    with pytest.raises(nest.NESTErrors.BadProperty, match="tau_avg"):
        nest.Create(N, params={"tau_avg": 0.0})
    with pytest.raises(nest.NESTErrors.BadProperty, match="eta"):
        nest.SetDefaults(US, {"eta": -1.0})
