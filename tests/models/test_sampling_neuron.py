"""sampling_neuron against its defining equations (docs/models.md, section 2)."""

import numpy as np
import pytest

from salnest.theory.boltzmann import sigmoid

H = 1.0  # ms per step (the nest_kernel fixture's resolution)


def _silent_neuron_with_input(nest, weights_times, **params):
    """A neuron that never fires on its own, fed by spike generators; returns (neuron, multimeter)."""
    defaults = {"b": -50.0, "tau_ref": 3.0, "tau_syn": 4.0}
    defaults.update(params)
    neuron = nest.Create("sampling_neuron", params=defaults)
    for weight, times in weights_times:
        sg = nest.Create("spike_generator", params={"spike_times": times})
        nest.Connect(sg, neuron, syn_spec={"weight": weight, "delay": H})
    mm = nest.Create("multimeter", params={"record_from": ["u", "z"], "interval": H})
    nest.Connect(mm, neuron)
    return neuron, mm


@pytest.mark.parametrize("weight", [2.5, -1.25])
def test_rectangular_psp_height_and_duration_exact(nest_kernel, weight):
    nest = nest_kernel
    _, mm = _silent_neuron_with_input(nest, [(weight, [5.0])], tau_syn=4.0)
    nest.Simulate(15.0)
    t, u = mm.events["times"], mm.events["u"]
    # a spike stamped 5 with delay 1 acts from the step ending at 6 on, as in NEST's built-in neurons
    expected = np.where((t >= 6.0) & (t < 6.0 + 4.0), -50.0 + weight, -50.0)
    np.testing.assert_allclose(u, expected, rtol=0, atol=1e-12)


def test_psps_add_with_sign(nest_kernel):
    nest = nest_kernel
    _, mm = _silent_neuron_with_input(nest, [(1.5, [5.0]), (-0.5, [7.0])], tau_syn=4.0)
    nest.Simulate(15.0)
    t, u = mm.events["times"], mm.events["u"]
    expected = -50.0 + 1.5 * ((t >= 6) & (t < 10)) - 0.5 * ((t >= 8) & (t < 12))
    np.testing.assert_allclose(u, expected, rtol=0, atol=1e-12)


def test_exponential_psp_exact(nest_kernel):
    nest = nest_kernel
    _, mm = _silent_neuron_with_input(nest, [(2.0, [5.0])], tau_syn=4.0, psp_shape=1)
    nest.Simulate(20.0)
    t, u = mm.events["times"], mm.events["u"]
    expected = np.where(t >= 6.0, -50.0 + 2.0 * np.exp(-(t - 6.0) / 4.0), -50.0)
    np.testing.assert_allclose(u, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", ["sampling_neuron", "sampling_neuron_nestml"])
def test_alpha_psp_exact(nest_kernel, model):
    """The reference's alpha_PSP (stddc.funcs) at the lag since the presynaptic spike, added up; a time
    constant off the time grid (tau_ref / 3) as in the paper's short alpha PSP."""
    nest = nest_kernel
    tau_ref, tau_syn = 10.0, 10.0 / 3.0
    neuron = nest.Create(model, params={"b": -50.0, "tau_ref": tau_ref, "tau_syn": tau_syn, "psp_shape": 2})
    for weight, time in ((2.0, 5.0), (-0.75, 9.0)):
        sg = nest.Create("spike_generator", params={"spike_times": [time]})
        nest.Connect(sg, neuron, syn_spec={"weight": weight, "delay": H})
    mm = nest.Create("multimeter", params={"record_from": ["u"], "interval": H})
    nest.Connect(mm, neuron)
    nest.Simulate(60.0)
    t, u = mm.events["times"], mm.events["u"]

    def kappa(zeta):  # zeta: time since the presynaptic spike, which is stamped one step before its arrival
        return np.where(zeta > 0, tau_ref / tau_syn**2 * zeta * np.exp(-zeta / tau_syn), 0.0)

    # the input stamped s arrives in the step ending at s + 1, one step after the spike: zeta = t - s
    expected = -50.0 + 2.0 * kappa(t - 5.0) - 0.75 * kappa(t - 9.0)
    np.testing.assert_allclose(u, expected, rtol=0, atol=1e-12)


def test_refractory_period_and_z_exact(nest_kernel):
    """With b = 50 the firing probability is 1 - 1e-20: the neuron fires as soon as it may."""
    nest = nest_kernel
    neuron = nest.Create("sampling_neuron", params={"b": 50.0, "tau_ref": 7.0})
    mm = nest.Create("multimeter", params={"record_from": ["z"], "interval": H})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, neuron)
    nest.Connect(neuron, sr)
    nest.Simulate(200.0)
    spikes = sr.events["times"]
    np.testing.assert_array_equal(np.diff(spikes), 7.0)
    # z = 1 from the spike step on, for exactly tau_ref steps
    t, z = mm.events["times"], mm.events["z"]
    expected = np.zeros_like(z)
    for s in spikes:
        expected[(t >= s) & (t < s + 7.0)] = 1.0
    np.testing.assert_array_equal(z, expected)


def test_forced_spike_timing(nest_kernel):
    """A strong input makes the neuron fire in the step the input arrives; it cannot fire while refractory."""
    nest = nest_kernel
    neuron, _ = _silent_neuron_with_input(nest, [(100.0, [5.0, 6.0, 20.0])], tau_syn=1.0, tau_ref=3.0)
    sr = nest.Create("spike_recorder")
    nest.Connect(neuron, sr)
    nest.Simulate(30.0)
    np.testing.assert_array_equal(sr.events["times"], [6.0, 21.0])


@pytest.mark.parametrize("b", [-2.0, 0.0, 1.5])
def test_fraction_of_time_refractory_is_sigmoid_of_bias(nest_kernel, b):
    """P(z=1) = sigma(b) exactly for any tau_ref (docs/models.md, section 2).

    z is 1 for exactly tau_ref steps per spike, so the time fraction is
    n_spikes * tau_ref / T (checked against recorded z in the test above).
    Tolerance: 4 standard deviations of the renewal-process estimate. The
    cycle length is L = tau_ref + G with G geometric (per-step probability
    p), so Var(fraction) = tau_ref^2 Var(L) / (T E[L]^3) per neuron, divided by
    the number of independent neurons.
    """
    nest = nest_kernel
    tau_ref, n_neurons, steps = 10, 50, 40_000
    neurons = nest.Create("sampling_neuron", n_neurons, params={"b": b, "tau_ref": float(tau_ref)})
    sr = nest.Create("spike_recorder")
    nest.Connect(neurons, sr)
    nest.Simulate(float(steps))
    n_spikes = len(sr.events["times"])
    # a spike in the last tau_ref - 1 steps contributes only partly to the window
    last = sr.events["times"][sr.events["times"] > steps - tau_ref]
    z_steps = n_spikes * tau_ref - np.sum(last + tau_ref - 1 - steps)
    fraction = z_steps / (steps * n_neurons)

    p = np.exp(b) / (np.exp(b) + tau_ref)
    mean_l = tau_ref + (1 - p) / p
    var_l = (1 - p) / p**2
    sd = np.sqrt(tau_ref**2 * var_l / (steps * mean_l**3) / n_neurons)
    assert abs(fraction - sigmoid(b)) < 4 * sd, (fraction, sigmoid(b), sd)
