"""SAL on NEST's built-in neurons: Poisson-driven reciprocal pairs align their weights."""

import numpy as np
import pytest

STARTS = [(3.0, 0.5), (-3.0, -0.5), (-2.0, 1.0), (2.0, -1.0)]  # (W12, W21): excitatory, inhibitory, mixed
#: model: (weights and rates per unit of STARTS, Poisson weight, tau_sal in ms). Units: mV for the delta
#: neurons, pA for iaf_psc_alpha (100 pA give a PSP of about 1 mV); pp_psc_delta, whose rate grows
#: as exp(V / 4 mV), needs twice the weights for a comparable effect of one spike on the other.
MODELS = {"iaf_psc_delta": (1.0, 1.0, 2.0), "iaf_psc_alpha": (100.0, 50.0, 5.0), "pp_psc_delta": (2.0, 1.0, 10.0)}
# Annealed learning rate (per unit): the restoring drift is weak against the noise of chance spike
# pairs, and the stationary fluctuation of W12 - W21 shrinks with sqrt(eta).
ANNEALING = [(0.1, 40_000.0), (0.03, 100_000.0), (0.01, 150_000.0), (0.003, 150_000.0), (0.001, 150_000.0)]


def test_reciprocal_pairs_of_builtin_neurons_align(nest_kernel):
    """About 30 Hz each, driven by independent Poisson input, one-step delay (0.1 ms): |W12 - W21|
    ends below 10 % of its start for every model and start (measured: at most 4 %), and W12 + W21
    stays within the learning rates of pairs applied across a change of rate (sum of the etas)."""
    nest = nest_kernel
    nest.ResetKernel()
    nest.resolution = 0.1
    nest.rng_seed = 1
    from salnest.models.loading import install

    install()
    pairs = []
    for model, (unit, drive, tau) in MODELS.items():
        for w12, w21 in STARTS:
            neurons = nest.Create(model, 2)
            noise = nest.Create("poisson_generator", 2, params={"rate": 1300.0})
            nest.Connect(noise, neurons, "one_to_one", syn_spec={"weight": drive, "delay": 0.1})
            spec = {"synapse_model": "sal_synapse", "delay": 0.1, "tau_sal": tau}
            nest.Connect(neurons[1], neurons[0], syn_spec=dict(spec, weight=w12 * unit))
            nest.Connect(neurons[0], neurons[1], syn_spec=dict(spec, weight=w21 * unit))
            pairs.append((model, unit, w12, w21, nest.GetConnections(neurons[1], neurons[0]),
                          nest.GetConnections(neurons[0], neurons[1])))
    for eta, duration in ANNEALING:
        for _, unit, _, _, c12, c21 in pairs:
            c12.set(eta_sal=eta * unit)
            c21.set(eta_sal=eta * unit)
        nest.Simulate(duration)
    for model, unit, w12_0, w21_0, c12, c21 in pairs:
        w12, w21 = c12.get("weight") / unit, c21.get("weight") / unit
        assert abs(w12 - w21) < 0.1 * abs(w12_0 - w21_0), (model, w12_0, w21_0, w12, w21)
        assert w12 + w21 == pytest.approx(w12_0 + w21_0, abs=sum(eta for eta, _ in ANNEALING)), model
        assert c12.get("n_pairs") > 5000


def test_conductance_based_weights_keep_their_sign(nest_kernel):
    """On iaf_cond_exp the sign of a weight selects the receptor. Started at (3, -1) nS (about
    40 Hz each), SAL drives the inhibitory weight up toward the excitatory one; with the default
    bounds it stops at 0 instead of turning excitatory, and the excitatory one never turns negative."""
    nest = nest_kernel
    nest.ResetKernel()
    nest.resolution = 0.1
    from salnest.models.loading import install

    install()
    recorder = nest.Create("weight_recorder")
    nest.CopyModel("sal_synapse", "recorded_sal_synapse", {"weight_recorder": recorder})
    neurons = nest.Create("iaf_cond_exp", 2)
    noise = nest.Create("poisson_generator", 2, params={"rate": 8000.0})
    nest.Connect(noise, neurons, "one_to_one", syn_spec={"weight": 3.0})
    spec = {"synapse_model": "recorded_sal_synapse", "delay": 0.1, "tau_sal": 5.0, "eta_sal": 0.05}
    nest.Connect(neurons[1], neurons[0], syn_spec=dict(spec, weight=3.0))
    nest.Connect(neurons[0], neurons[1], syn_spec=dict(spec, weight=-1.0))
    excitatory, inhibitory = nest.GetConnections(neurons[1], neurons[0]), nest.GetConnections(neurons[0], neurons[1])
    assert (excitatory.get("Wmin"), excitatory.get("Wmax")) == (0.0, float("inf"))
    assert (inhibitory.get("Wmin"), inhibitory.get("Wmax")) == (-float("inf"), 0.0)
    nest.Simulate(40_000.0)
    weights, senders = np.asarray(recorder.events["weights"]), np.asarray(recorder.events["senders"])
    into_1, into_2 = weights[senders == neurons[1].global_id], weights[senders == neurons[0].global_id]
    assert len(into_1) > 500 and len(into_2) > 500
    assert np.all(into_1 >= 0.0) and np.all(into_2 <= 0.0)
    assert into_2.max() == 0.0  # the inhibitory weight was driven to the bound, not across it
