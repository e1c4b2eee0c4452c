"""Layer-wide all-to-all SAL sums from spike trains against the sum over every pair, and against the
C++ synapse itself."""

import numpy as np
import pytest

from salnest.analysis.sal_sums import AllToAllSums
from salnest.theory.windows import all_to_all_sal_sum


def test_sums_in_chunks_equal_the_sum_over_all_pairs():
    rng = np.random.default_rng(5)
    steps, n_pre, n_post, tau = 600, 4, 3, 7.0
    z_pre, z_post = rng.random((steps, n_pre)) < 0.08, rng.random((steps, n_post)) < 0.12
    sums = AllToAllSums(n_pre, n_post, tau, a_causal=-0.8, a_anticausal=1.1)
    for start in (0, 1, 250, 251, 600):  # chunks of 1, 249, 1 and 349 steps: traces carried across
        stop = {0: 1, 1: 250, 250: 251, 251: 600, 600: 600}[start]
        sums.add(z_pre[start:stop], z_post[start:stop])
    for i in range(n_post):
        for j in range(n_pre):
            expected = all_to_all_sal_sum(np.nonzero(z_pre[:, j])[0], np.nonzero(z_post[:, i])[0], tau, -0.8, 1.1)
            assert sums.sums[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    sums.reset()
    assert not sums.sums.any()


def test_sums_equal_the_all_to_all_sal_synapse_in_a_network(nest_kernel):
    """Coupled sampling neurons, SAL synapses with all-to-all pairs in accumulate mode: their sal_sum
    after a last spike of every presynaptic neuron (which applies the pending pairs) equals the sums
    from the recorded spikes."""
    nest = nest_kernel
    rng = np.random.default_rng(9)
    n, steps = 6, 4000
    neurons = nest.Create("sampling_neuron", n, params={"tau_ref": 5.0, "tau_syn": 5.0, "b": 0.5})
    W = rng.uniform(-1.5, 1.5, (n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                nest.Connect(neurons[j], neurons[i], syn_spec={
                    "synapse_model": "sal_synapse", "weight": W[i, j], "delay": 1.0, "sal_pairing": 1,
                    "eta_sal": 0.0, "tau_sal": 6.0})
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)
    nest.Simulate(float(steps))
    # silence the network, then make every neuron fire once in one step: that spike applies the pending
    # pairs; the synapses leave the pairs of the simultaneous spikes with earlier ones pending, which
    # are at least 150 steps old (window e^(-150/6) = 1.4e-11 per pair, below the tolerance)
    neurons.b = -1e3
    nest.Simulate(100.0)
    flush = nest.Create("spike_generator", params={"spike_times": [float(steps + 150)]})
    nest.Connect(flush, neurons, syn_spec={"weight": 2e3})  # each neuron fires at step steps + 150
    nest.Simulate(100.0)
    ev = recorder.events
    z = np.zeros((steps + 201, n))
    z[ev["times"].astype(int) - 1, ev["senders"] - neurons[0].global_id] = 1
    sums = AllToAllSums(n, n, 6.0)
    sums.add(z, z)
    conns = nest.GetConnections(neurons, neurons)
    got = np.zeros((n, n))
    got[np.array(conns.target) - neurons[0].global_id, np.array(conns.source) - neurons[0].global_id] = conns.sal_sum
    off = ~np.eye(n, dtype=bool)
    assert z[:steps].sum() > 500
    np.testing.assert_allclose(got[off], sums.sums[off], rtol=1e-10, atol=1e-10)


def test_a_batch_of_copies_is_each_copy_on_its_own():
    rng = np.random.default_rng(6)
    z_pre, z_post = rng.random((3, 200, 4)) < 0.1, rng.random((3, 200, 2)) < 0.1
    batch = AllToAllSums(4, 2, 5.0, batch=(3,))
    batch.add(z_pre, z_post)
    for c in range(3):
        single = AllToAllSums(4, 2, 5.0)
        single.add(z_pre[c], z_post[c])
        np.testing.assert_allclose(batch.sums[c], single.sums, rtol=1e-13, atol=1e-13)
