"""The C++ sampling_network (a whole network in one node) against the same network of its parts,
sampling_neuron nodes with sal_synapse connections: identical on one thread, the exact chain's
distribution in its state counts, and its bad input."""

import numpy as np
import pytest

N = 6


def _fresh_kernel(nest, seed=3, min_delay=None):
    from salnest.models.loading import install

    nest.ResetKernel()
    nest.set(resolution=1.0, rng_seed=seed, local_num_threads=1)
    install()
    if min_delay is not None:
        nest.set(min_delay=float(min_delay), max_delay=float(min_delay))


def _network(seed=0, n=N):
    """Weights (not symmetric: any), biases, SAL and wake-sleep gains and SAL rates per connection."""
    rng = np.random.default_rng(seed)
    W = rng.uniform(-1.5, 1.5, (n, n)) * ~np.eye(n, dtype=bool)
    return (W, rng.uniform(-1.5, 0.5, n), rng.uniform(0.5, 1.5, (n, n)), rng.uniform(0.5, 1.5, (n, n)),
            rng.uniform(0.0, 0.04, (n, n)))


#: both windows with online learning (restricted pairing), and all-to-all pairing of the SAL window
WINDOWS = {
    "restricted": {"tau_sal": 7.0, "tau_ws": 5.0, "sal_window": 1, "eta_ws": 0.01, "ws_phase": -1.0,
                   "Wmin": -1.8, "Wmax": 1.8},
    "all_to_all": {"tau_sal": 7.0, "sal_pairing": 1, "sal_window": 0},
}
#: four simulations with new biases and weights between them (as a protocol's epochs), of lengths
#: that end on and off NEST's update intervals
RUNS = (400.0, 333.0, 1.0, 500.0)


def _changes(k):
    rng = np.random.default_rng(100 + k)
    return rng.uniform(-0.2, 0.2, N), rng.uniform(-0.1, 0.1, (N, N)) * ~np.eye(N, dtype=bool)


def _from_parts(nest, psp_shape, tau_syn, windows):
    """The network as N sampling_neuron nodes and N (N - 1) sal_synapse connections of one step."""
    _fresh_kernel(nest)
    W, b, sal_gain, ws_gain, eta_sal = _network()
    pop = nest.Create("sampling_neuron", N, params={"tau_ref": 5.0, "tau_syn": tau_syn, "psp_shape": psp_shape})
    pop.b = b
    ids = np.array(pop.tolist())
    post, pre = np.nonzero(~np.eye(N, dtype=bool))
    spec = {"synapse_model": "sal_synapse", "weight": W[post, pre], "delay": np.ones(len(pre)),
            "sal_gain": sal_gain[post, pre], "ws_gain": ws_gain[post, pre], "eta_sal": eta_sal[post, pre], **windows}
    nest.Connect(ids[pre], ids[post], "one_to_one", syn_spec=spec)
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    conns = nest.GetConnections(pop, pop)
    index = (np.array(conns.get("target")) - ids[0], np.array(conns.get("source")) - ids[0])

    def matrix(name):
        out = np.zeros((N, N))
        out[index] = conns.get(name)
        return out

    for k, duration in enumerate(RUNS):
        nest.Simulate(duration)
        if k < len(RUNS) - 1:
            db, dW = _changes(k)
            pop.b = np.asarray(pop.b) + db
            conns.set(weight=np.clip(matrix("weight") + dW, -1.8, 1.8)[index])  # within Wmin, Wmax
    ev = sr.events
    order = np.lexsort((ev["senders"], ev["times"]))
    return {"times": ev["times"][order], "senders": ev["senders"][order] - ids[0],
            "spike_count": np.asarray(pop.spike_count),
            **{name: matrix(name) for name in ("weight", "sal_sum", "ws_sum", "n_pairs")}}


def _as_one_node(nest, psp_shape, tau_syn, windows, min_delay=None):
    _fresh_kernel(nest, min_delay=min_delay)
    W, b, sal_gain, ws_gain, eta_sal = _network()
    net = nest.Create("sampling_network", params={
        "b": b, "weights": W.ravel(), "tau_ref": 5.0, "tau_syn": tau_syn, "psp_shape": psp_shape,
        "sal_gain": sal_gain.ravel(), "ws_gain": ws_gain.ravel(), "eta_sal": eta_sal.ravel(), "record_spikes": True,
        **windows})
    for k, duration in enumerate(RUNS):
        nest.Simulate(duration)
        if k < len(RUNS) - 1:
            db, dW = _changes(k)
            net.set(b=np.asarray(net.b) + db, weights=np.clip(np.asarray(net.weights).reshape(N, N) + dW, -1.8, 1.8).ravel())
    d = net.get()
    order = np.lexsort((d["spike_senders"], d["spike_times"]))
    return {"times": np.asarray(d["spike_times"])[order], "senders": np.asarray(d["spike_senders"])[order],
            "spike_count": np.asarray(d["spike_count"]),
            "weight": np.asarray(d["weights"]).reshape(N, N),
            **{name: np.asarray(d[name]).reshape(N, N) for name in ("sal_sum", "ws_sum", "n_pairs")}}


@pytest.mark.parametrize("pairing", sorted(WINDOWS))
@pytest.mark.parametrize("psp_shape, tau_syn", [(0, 5.0), (0, 9.0), (1, 4.0), (2, 7.0 / 3.0)])
def test_one_node_is_the_network_of_its_parts(nest_kernel, psp_shape, tau_syn, pairing):
    """The same arithmetic in the same order and the same draws from NEST's stream: identical spike
    trains, weights (online SAL and wake-sleep learning), window sums and pair counts, across runs
    with new biases and weights in between, and for any NEST update interval (min_delay)."""
    parts = _from_parts(nest_kernel, psp_shape, tau_syn, WINDOWS[pairing])
    assert len(parts["times"]) > 300 and parts["n_pairs"][~np.eye(N, dtype=bool)].min() > 20  # enough activity to mean something
    W0 = _network()[0]
    assert np.abs(parts["weight"] - W0).max() > 0.05  # online learning moved the weights
    for min_delay in (None, 7):
        node = _as_one_node(nest_kernel, psp_shape, tau_syn, WINDOWS[pairing], min_delay)
        for key in parts:
            np.testing.assert_array_equal(node[key], parts[key], err_msg=f"{key}, min_delay {min_delay}")


def test_state_counts_are_the_states_of_its_spikes(nest_kernel):
    """record_states counts, per step, the state that the recorded spikes give (z = 1 for tau_ref steps
    from each spike, neuron 0 the most significant bit), from the step it was switched on."""
    from salnest.analysis.sampling import state_distribution_from_spikes

    nest = nest_kernel
    W, b = _network(n=4)[:2]
    net = nest.Create("sampling_network", params={"b": b, "weights": W.ravel(), "tau_ref": 5.0, "tau_syn": 5.0,
                                                  "record_spikes": True})
    nest.Simulate(50.0)
    net.set(record_states=True)
    nest.Simulate(3000.0)
    counts = np.asarray(net.state_counts)
    assert counts.sum() == 3000 and np.count_nonzero(counts) > 8
    expected = state_distribution_from_spikes(net.spike_times, np.asarray(net.spike_senders), [0, 1, 2, 3], 5,
                                              50.0, 3050.0, 1.0)
    np.testing.assert_allclose(counts / 3000, expected, rtol=0, atol=1e-12)
    net.set(state_counts=[], n_events=0)
    assert np.asarray(net.state_counts).sum() == 0 and net.n_events == 0


def test_network_nodes_sample_the_exact_chain(nest_kernel):
    """100 nodes of 3 neurons (W ~ U(+-1.5), tau_ref = 5) x 20,000 steps: per state, the mean over nodes
    of their state counts is the stationary distribution of the discrete-time chain
    (salnest.theory.network_chain) within 4 standard errors over nodes (8 states: a chance failure
    about 5e-4), as the network of sampling_neuron nodes is (test_cpp_sampling_neuron.py)."""
    from salnest.theory.network_chain import network_state_distribution

    nest = nest_kernel
    n, n_ref, copies, steps = 3, 5, 100, 20_000
    rng = np.random.default_rng(5)
    W = np.triu(rng.uniform(-1.5, 1.5, (n, n)), 1)
    W = W + W.T
    b = rng.uniform(-1.2, 0.8, n)
    nodes = nest.Create("sampling_network", copies, params={"b": b, "weights": W.ravel(), "tau_ref": float(n_ref),
                                                            "tau_syn": float(n_ref)})
    nest.Simulate(100.0)
    nodes.set(record_states=True)
    nest.Simulate(float(steps))
    p = np.array(nodes.get("state_counts")) / steps
    mean, se = p.mean(axis=0), p.std(axis=0, ddof=1) / np.sqrt(copies)
    assert np.max(np.abs(mean - network_state_distribution(W, b, n_ref)) / se) < 4


@pytest.mark.parametrize("params, message", [
    ({"b": [0.0, 0.0, 0.0]}, "needs its weights"),                      # a new size without weights
    ({"b": [0.0, 0.0], "weights": [0.0, 1.0, 1.0]}, "needs 4 entries"),
    ({"b": [0.0, 0.0], "weights": [0.5, 1.0, 1.0, 0.0]}, "diagonal"),   # a self-connection
    ({"b": [0.0, np.nan], "weights": [0.0] * 4}, "NaN"),
    ({"b": [0.0, 0.0], "weights": [0.0, np.nan, 1.0, 0.0]}, "NaN"),
    ({"tau_ref": 2.5}, "tau_ref"),
    ({"tau_syn": 0.0, "psp_shape": 1}, "tau_syn"),
    ({"psp_shape": 3}, "psp_shape"),
    ({"eta_sal": -0.1}, "eta_sal"),
    ({"ws_phase": 0.5}, "ws_phase"),
    ({"sal_pairing": 1, "sal_window": 1}, "all-to-all"),
    ({"b": [0.0] * 21, "weights": [0.0] * 441, "record_states": True}, "at most 20"),
    ({"n_events": 3}, "n_events"),
    ({"state_counts": [1.0]}, "state_counts"),
    ({"sal_sum": [0.0] * 5}, "needs 4 entries"),
])
def test_bad_input_is_refused_and_changes_nothing(nest_kernel, params, message):
    nest = nest_kernel
    net = nest.Create("sampling_network", params={"b": [0.5, -0.5], "weights": [0.0, 1.0, -1.0, 0.0]})
    with pytest.raises(nest.NESTErrors.BadProperty, match=message):
        net.set(params)
    assert list(net.b) == [0.5, -0.5] and list(net.weights) == [0.0, 1.0, -1.0, 0.0] and net.psp_shape == 0
    assert net.tau_ref == 10.0 and list(net.eta_sal) == [0.0] * 4 and net.n == 2


def test_sums_and_counts_reset_to_a_number(nest_kernel):
    """A number sets every connection's sum (the diagonal stays 0) or every neuron's count."""
    nest = nest_kernel
    W, b = _network()[:2]
    net = nest.Create("sampling_network", params={"b": b, "weights": W.ravel(), "tau_ref": 5.0, "tau_syn": 5.0,
                                                  "tau_ws": 5.0})
    nest.Simulate(2000.0)
    assert np.asarray(net.n_pairs).sum() > 100 and np.asarray(net.spike_count).sum() > 100
    net.set(ws_sum=0.0, n_pairs=2.0, spike_count=0.0)
    n_pairs = np.asarray(net.n_pairs).reshape(N, N)
    assert np.all(np.asarray(net.ws_sum) == 0) and np.all(np.asarray(net.spike_count) == 0)
    assert np.all(n_pairs[~np.eye(N, dtype=bool)] == 2) and np.all(np.diag(n_pairs) == 0)


def test_a_number_sets_every_connection_also_after_a_change_of_size(nest_kernel):
    """eta_sal (and the gains) given as a number before the network has its size apply to all its
    connections; an array sets them one by one: eta_sal 0 from neuron 1 onto 0 keeps W_01."""
    nest = nest_kernel
    net = nest.Create("sampling_network", params={"eta_sal": 0.05, "sal_gain": 2.0, "tau_ref": 5.0, "tau_syn": 5.0,
                                                  "tau_sal": 5.0})
    W = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, -0.5], [0.5, -0.5, 0.0]])
    net.set(b=[0.5, 0.5, 0.5], weights=W.ravel())
    assert list(net.eta_sal) == [0.05] * 9 and list(net.sal_gain) == [2.0] * 9
    eta = np.full((3, 3), 0.05)
    eta[0, 1] = 0.0
    net.set(eta_sal=eta.ravel())
    nest.Simulate(5000.0)
    after = np.asarray(net.weights).reshape(3, 3)
    assert after[0, 1] == 1.0 and abs(after[1, 0] - 1.0) > 0.05
