"""The two forms of the reciprocal pairs (pynn_networks/reciprocal_pair.py): a PyNN population with
SAL synapses, and one two-neuron sampling_network node per pair."""

import numpy as np

from salnest.networks.reciprocal_pair import BUILDERS


def _one_pair(model, steps):
    from salnest.networks.kernel import kernel

    with kernel(3) as sim:
        pairs = BUILDERS[model](sim, 1.5, 0.5, -0.5, -0.2, 25, 0.01, 0.01)
        pairs.record_spikes()
        pairs.run(steps)
        return pairs.read(), pairs.read("sal_sum"), pairs.read("n_pairs"), pairs.spike_trains()[0]


def test_one_pair_is_the_same_in_both_forms(pynn_sim):
    """One pair, both directions plastic, one thread: the node draws what the two neurons draw, so
    weights, sums and spike trains are identical (PyNN runs its first run one step longer)."""
    population = _one_pair("sampling_neuron", 20_000)
    node = _one_pair("sampling_network", 20_001)
    assert min(len(train) for train in population[3]) > 300
    assert abs(population[0][0, 0] - 1.5) > 0.1  # the weights moved
    for a, b in zip(population[:3], node[:3]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(population[3], node[3]):
        np.testing.assert_array_equal(a, b)


def test_pair_nodes_read_and_set_by_direction(pynn_sim):
    from salnest.networks.kernel import kernel

    with kernel(1) as sim:
        pairs = BUILDERS["sampling_network"](sim, [1.0, 2.0, 3.0], [-1.0, -2.0, -3.0], 0.0, 0.0, 10, 0.02, 0.0)
        np.testing.assert_array_equal(pairs.read(), [[1.0, -1.0], [2.0, -2.0], [3.0, -3.0]])
        np.testing.assert_array_equal(pairs.read("eta_sal"), [[0.02, 0.0]] * 3)
        pairs.set("weight", np.array([[0.5, 0.25]] * 3))
        pairs.run(5000)
        w = pairs.read()
        assert np.all(w[:, 1] == 0.25) and np.all(w[:, 0] != 0.5)  # only W12 is plastic
