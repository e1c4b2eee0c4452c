"""The C++ sampling_neuron against its NESTML specification (sampling_neuron_nestml) and against the
exact per-step firing probabilities of its defining process (docs/models.md, section 2)."""

import numpy as np
import pytest

from salnest.theory.boltzmann import sigmoid

TWINS = ("sampling_neuron", "sampling_neuron_nestml")


def _fresh_kernel(nest, threads=1, seed=3):
    from salnest.models.loading import install

    nest.ResetKernel()
    nest.set(resolution=1.0, rng_seed=seed, local_num_threads=threads)
    install()


def _recurrent_network(nest, model, psp_shape, threads, synapse="static_synapse", tau_syn=7.0):
    """12 coupled neurons with random weights, generator input, four Simulate calls with bias changes
    between them; returns spikes, u and z traces, spike counts and final weights, sorted."""
    _fresh_kernel(nest, threads)
    n = 12
    params = {"tau_ref": 5.0, "tau_syn": tau_syn, "psp_shape": psp_shape}
    if model == "sampling_neuron_nestml":
        params["psp_buffer_size"] = 100
    pop = nest.Create(model, n, params=params)
    rng = np.random.default_rng(0)
    pop.b = rng.uniform(-2.0, 1.0, n)
    W = rng.uniform(-1.5, 1.5, (n, n))
    np.fill_diagonal(W, 0.0)
    post, pre = np.nonzero(W)
    ids = np.array(pop.tolist())
    spec = {"synapse_model": synapse, "weight": W[post, pre], "delay": np.ones(len(pre))}
    if synapse == "sal_synapse":
        spec["eta_sal"] = np.full(len(pre), 0.02)
    nest.Connect(ids[pre], ids[post], "one_to_one", syn_spec=spec)
    sg = nest.Create("spike_generator", params={"spike_times": [3.0, 4.0, 10.0, 50.0, 51.0]})
    nest.Connect(sg, pop, syn_spec={"weight": 0.7, "delay": 2.0})  # a delay of two steps, too
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    mm = nest.Create("multimeter", params={"record_from": ["u", "z"], "interval": 1.0})
    nest.Connect(mm, pop)
    for _ in range(4):
        nest.Simulate(400.0)
        pop.b = np.asarray(pop.b) + 0.1
    ev, m = sr.events, mm.events
    spikes = np.lexsort((ev["senders"], ev["times"]))
    samples = np.lexsort((m["senders"], m["times"]))
    conns = nest.GetConnections(source=pop, target=pop)
    weights = np.array(conns.get("weight"))[np.lexsort((conns.get("target"), conns.get("source")))]
    return {"times": ev["times"][spikes], "senders": ev["senders"][spikes], "u": m["u"][samples],
            "z": m["z"][samples], "spike_count": np.asarray(pop.spike_count), "weights": weights}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("psp_shape, tau_syn", [(0, 7.0), (1, 7.0), (2, 7.0 / 3.0)])
def test_twins_give_identical_spike_trains_and_potentials(nest_kernel, psp_shape, tau_syn, threads):
    """The same arithmetic and the same draws from NEST's random stream: identical, not just alike."""
    cpp, nestml = (_recurrent_network(nest_kernel, model, psp_shape, threads, tau_syn=tau_syn) for model in TWINS)
    assert len(cpp["times"]) > 1000  # a network that fires, so the comparison means something
    for key in cpp:
        np.testing.assert_array_equal(cpp[key], nestml[key], err_msg=key)


def test_twins_identical_under_sal_plasticity(nest_kernel):
    """Online SAL (the C++ synapse connects to both) changes the weights the same way on both neurons."""
    cpp, nestml = (_recurrent_network(nest_kernel, model, 0, 1, synapse="sal_synapse") for model in TWINS)
    assert np.ptp(cpp["weights"] - _recurrent_network(nest_kernel, "sampling_neuron", 0, 1)["weights"]) > 0.01
    for key in cpp:
        np.testing.assert_array_equal(cpp[key], nestml[key], err_msg=key)


def test_long_psp_without_a_buffer(nest_kernel):
    """The C++ queue has no capacity limit: a PSP of 300 steps is exact (the NESTML twin needs
    psp_buffer_size >= 300 for it)."""
    nest = nest_kernel
    neuron = nest.Create("sampling_neuron", params={"b": -50.0, "tau_syn": 300.0})
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 100.0, 101.0]})
    nest.Connect(sg, neuron, syn_spec={"weight": 0.5, "delay": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["u"], "interval": 1.0})
    nest.Connect(mm, neuron)
    nest.Simulate(500.0)
    t, u = mm.events["times"], mm.events["u"]
    expected = -50.0 + sum(0.5 * ((t >= s + 1.0) & (t < s + 301.0)) for s in (5.0, 100.0, 101.0))
    np.testing.assert_allclose(u, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", TWINS)
def test_a_frozen_neuron_resumes_its_psps_where_they_stopped(nest_kernel, model):
    """Frozen for 50 steps in the middle of a 10-step PSP (NEST skips a frozen node's updates),
    the PSP goes on for its remaining steps after unfreezing and then ends. Before the fix the
    C++ neuron kept PSPs whose end fell into the frozen stretch forever (a SAL phase beside a
    frozen RDD phase then sampled with the wrong potentials)."""
    nest = nest_kernel
    params = {"b": -50.0, "tau_syn": 10.0}
    if model == "sampling_neuron_nestml":
        params["psp_buffer_size"] = 100
    neuron = nest.Create(model, params=params)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0]})
    nest.Connect(sg, neuron, syn_spec={"weight": 0.5, "delay": 1.0})
    nest.Simulate(6.0)  # the PSP acts from the update of step 2 on: 4 of its 10 updates done
    assert neuron.psp == pytest.approx(0.5)
    neuron.frozen = True
    nest.Simulate(50.0)
    neuron.frozen = False
    seen = []
    for _ in range(8):
        nest.Simulate(1.0)
        seen.append(neuron.psp)
    np.testing.assert_allclose(seen, [0.5] * 6 + [0.0] * 2, atol=1e-12)

def _square_wave_population(nest, model, n, tau_ref, period, steps, weight, b):
    """``n`` uncoupled neurons that all get the same input: a rectangular PSP of height ``weight``
    switched on for ``period`` steps in every other period of ``period`` steps. Returns the spike
    times per neuron and u per step."""
    params = {"b": b, "tau_ref": float(tau_ref), "tau_syn": float(period)}
    pop = nest.Create(model, n, params=params)
    on = [float(s) for s in range(period, steps, 2 * period)]
    sg = nest.Create("spike_generator", params={"spike_times": on})
    nest.Connect(sg, pop, syn_spec={"weight": weight, "delay": 1.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Simulate(float(steps))
    u = np.full(steps, b)
    for s in on:  # the PSP acts in the steps ending at s + 1 ... s + period
        u[int(s):int(s) + period] += weight
    first, events = pop.tolist()[0], sr.events  # one read: each .events access copies every spike
    return [events["times"][events["senders"] == first + i] for i in range(n)], u


@pytest.mark.parametrize("tau_ref", [1, 4])
def test_each_free_step_fires_with_sigmoid_of_its_potential(nest_kernel, tau_ref):
    """The random number is drawn per spike, not per step, and kept across changes of u. Whatever u
    did before, a free step must fire with exactly p = sigma(u - ln tau_ref) (steps of length 1).

    Steps end at t = 1, 2, ...; the step ending at t has potential u[t - 1] and a spike there is
    stamped t. A neuron is free in a step if its last spike was at least tau_ref steps earlier.
    u alternates between b and b + w every 6 steps, so the budget drawn at one potential is
    spent at the other. Counted over 3000 neurons x 1200 steps, the fraction of free steps that
    fire at each potential is compared with p: tolerance 4 binomial standard deviations.
    """
    nest = nest_kernel
    n, steps, period, b, w = 3000, 1200, 6, -0.5, 1.7
    trains, u = _square_wave_population(nest, "sampling_neuron", n, tau_ref, period, steps, w, b)
    fired = np.zeros(steps)
    free = np.zeros(steps)
    for times in trains:
        steps_of_spikes = times.astype(int) - 1  # index of the step each spike ends
        last = np.full(steps, -10**9)
        last[steps_of_spikes] = steps_of_spikes
        last_before = np.maximum.accumulate(np.concatenate(([-10**9], last[:-1])))  # latest spike before
        free += (np.arange(steps) - last_before) >= tau_ref
        fired[steps_of_spikes] += 1
    assert np.all(fired <= free)
    for level in (b, b + w):
        at = np.isclose(u, level)
        p = sigmoid(level - np.log(tau_ref))
        k, m = fired[at].sum(), free[at].sum()
        sd = np.sqrt(m * p * (1 - p))
        assert abs(k - m * p) < 4 * sd, (level, k / m, p)


def test_network_samples_the_exact_chain_not_boltzmann(nest_kernel):
    """Three coupled neurons (W ~ U(+-1.5), tau_ref = 5) sample the stationary distribution of
    their discrete-time Markov chain (salnest.theory.network_chain), which is measurably not the
    Boltzmann distribution. 100 independent copies x 20,000 steps; per state the mean over copies
    is compared with the chain in units of its standard error over copies: every |z| < 4 (8
    states: a chance failure about 5e-4), while Boltzmann must miss by more than 10 on some state.
    """
    from salnest.theory.boltzmann import boltzmann_distribution
    from salnest.theory.network_chain import network_state_distribution

    nest = nest_kernel
    n, n_ref, copies, steps = 3, 5, 100, 20_000
    rng = np.random.default_rng(5)
    W = np.triu(rng.uniform(-1.5, 1.5, (n, n)), 1)
    W = W + W.T
    b = rng.uniform(-1.2, 0.8, n)
    pop = nest.Create("sampling_neuron", copies * n, params={"tau_ref": float(n_ref), "tau_syn": float(n_ref)})
    pop.b = np.tile(b, copies)
    ids = np.array(pop.tolist()).reshape(copies, n)
    post, pre = np.nonzero(W)
    nest.Connect(ids[:, pre].ravel(), ids[:, post].ravel(), "one_to_one",
                 syn_spec={"weight": np.tile(W[post, pre], copies), "delay": np.ones(copies * len(pre))})
    mm = nest.Create("multimeter", params={"record_from": ["z"], "interval": 1.0, "start": 100.0})
    nest.Connect(mm, pop)
    nest.Simulate(100.0 + steps)
    ev = mm.events
    order = np.lexsort((ev["senders"], ev["times"]))
    z = ev["z"][order].reshape(-1, copies, n).astype(int)
    state = z @ (1 << np.arange(n - 1, -1, -1))                    # (steps, copies), neuron 0 first
    p = np.stack([np.bincount(state[:, c], minlength=2 ** n) for c in range(copies)]) / state.shape[0]
    mean, se = p.mean(axis=0), p.std(axis=0, ddof=1) / np.sqrt(copies)
    chain, boltzmann = network_state_distribution(W, b, n_ref), boltzmann_distribution(W, b)
    assert np.max(np.abs(mean - chain) / se) < 4, (mean, chain, se)
    assert np.max(np.abs(mean - boltzmann) / se) > 10
