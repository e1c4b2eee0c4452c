"""The microcircuit builder (pynn_networks/microcircuit.py): wiring for any layer sizes, weights, potentials."""

import numpy as np
import pytest

from salnest.networks.microcircuit import build_microcircuits, check_sizes


def _weights(sizes, replicas, seed=0):
    rng = np.random.default_rng(seed)
    W = [rng.uniform(-2, 2, (replicas, sizes[l + 1], sizes[l])) for l in range(len(sizes) - 1)]
    B = [rng.uniform(-2, 2, (replicas, sizes[l], sizes[l + 1])) for l in range(1, len(sizes) - 1)]
    biases = [rng.uniform(-1, 1, (replicas, n)) for n in sizes]
    return W, B, biases


def test_sizes_checked():
    assert check_sizes([4, 10, 2]) == [4, 10, 2]
    for bad in ([1, 1], [2, 0, 1]):
        with pytest.raises(ValueError, match="sizes"):
            check_sizes(bad)


def test_wiring_of_a_two_hidden_layer_circuit(pynn_sim):
    """2-3-4-2 with two replicas: every projection holds exactly the replica-local all-to-all
    connections with the given weights; interneurons start self-predicting (W_IP = W_up of the
    layer above, W_PI = -B) and take the biases of the neurons they predict."""
    sim = pynn_sim
    sizes, R = [2, 3, 4, 2], 2
    W, B, biases = _weights(sizes, R)
    net = build_microcircuits(sim, sizes, W, B, biases)
    assert [len(p) for p in net.layers] == [R * n for n in sizes]
    assert [len(p) for p in net.interneurons] == [R * 4, R * 2]
    for l, prj in enumerate(net.forward):
        index = net.index(prj, sizes[l], sizes[l + 1])
        assert len(index.replica) == R * sizes[l] * sizes[l + 1]
        np.testing.assert_allclose(index.get(), W[l], atol=1e-12)
    for l, prj in enumerate(net.feedback):
        np.testing.assert_allclose(net.index(prj, sizes[l + 2], sizes[l + 1]).get(), B[l], atol=1e-12)
        np.testing.assert_allclose(net.index(net.to_interneurons[l], sizes[l + 1], sizes[l + 2]).get(), W[l + 1],
                                   atol=1e-12)
        np.testing.assert_allclose(net.index(net.from_interneurons[l], sizes[l + 2], sizes[l + 1]).get(), -B[l],
                                   atol=1e-12)
        np.testing.assert_allclose(np.array(net.interneurons[l].get("b")), biases[l + 2].ravel())


def test_shapes_checked(pynn_sim):
    W, B, biases = _weights([2, 3, 1], 1)
    with pytest.raises(ValueError, match=r"W\[1\] must have shape"):
        build_microcircuits(pynn_sim, [2, 3, 2], W, B, biases)


def test_output_potential_follows_hidden_spikes(pynn_sim):
    """Frozen weights, no nudging: u_out = b + W_out PSP(hidden) every step, and with rectangular
    PSPs of tau_ref steps the time average of PSP_j is hidden neuron j's spike count x tau_ref / T,
    up to the PSPs cut at the two ends (at most tau_ref steps of |W_out| per hidden neuron)."""
    sim = pynn_sim
    sizes, R, T = [2, 3, 1], 3, 30_000
    W, B, biases = _weights(sizes, R, seed=4)
    net = build_microcircuits(sim, sizes, W, B, biases, lambda_nudge=0.0)
    net.layers[1].record("spikes")
    sim.run(float(T))
    mean_u = np.array(net.layers[2].get("u_sum")) / T
    counts = np.array([len(st) for st in net.layers[1].get_data().segments[0].spiketrains]).reshape(R, 3)
    expected = biases[2][:, 0] + np.einsum("rj,rj->r", W[1][:, 0], counts * 10 / T)
    bound = np.abs(W[1][:, 0]).sum(axis=1) * 10 / T
    assert np.all(np.abs(mean_u - expected) <= bound + 1e-9), (mean_u, expected, bound)
    assert np.all(counts > 100)  # the check is not vacuous
