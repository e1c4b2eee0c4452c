"""The exact chain of small sampling networks (salnest.theory.network_chain)."""

import numpy as np
import pytest

from salnest.theory.boltzmann import all_states, boltzmann_distribution, kl_divergence, sigmoid
from salnest.theory.network_chain import network_state_distribution


@pytest.mark.parametrize("n_ref", [1, 5, 20])
def test_one_neuron_samples_sigma_of_its_bias(n_ref):
    p = network_state_distribution(np.zeros((1, 1)), np.array([-0.7]), n_ref)
    assert p[1] == pytest.approx(sigmoid(-0.7), abs=1e-12)


def test_uncoupled_neurons_are_independent():
    b = np.array([-1.0, 0.3, 0.9])
    p = network_state_distribution(np.zeros((3, 3)), b, 4)
    z = all_states(3)
    expected = np.prod(np.where(z == 1, sigmoid(b), 1 - sigmoid(b)), axis=1)
    np.testing.assert_allclose(p, expected, atol=1e-12)


def test_coupled_network_is_biased_away_from_boltzmann_and_the_bias_falls_with_n_ref():
    """docs/models.md section 7: parallel updates bias the network; the bias shrinks with n_ref."""
    rng = np.random.default_rng(5)
    W = np.triu(rng.uniform(-1.5, 1.5, (3, 3)), 1)
    W = W + W.T
    b = rng.uniform(-1.2, 0.8, 3)
    exact = boltzmann_distribution(W, b)
    dkl = [kl_divergence(exact, network_state_distribution(W, b, n)) for n in (2, 5, 10, 20)]
    assert dkl[0] > 1e-3
    assert all(later < earlier / 2 for earlier, later in zip(dkl, dkl[1:]))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="zero diagonal"):
        network_state_distribution(np.eye(2), np.zeros(2), 5)
    with pytest.raises(ValueError, match="positive integer"):
        network_state_distribution(np.zeros((2, 2)), np.zeros(2), 2.5)
    with pytest.raises(ValueError, match="too many"):
        network_state_distribution(np.zeros((6, 6)), np.zeros(6), 20)


def test_state_probability_of_a_sub_network_equals_that_of_the_whole_chain():
    """Neuron 3 feeds 0 -> 1 -> 2 nothing back: the reduced chain of 0, 1, 2 must give neuron 2's
    P(z = 1) of the full 4-neuron chain, and neuron 0's is sigma(b_0) (nothing reaches it)."""
    from salnest.theory.network_chain import state_probability

    W = np.zeros((4, 4))
    W[1, 0], W[2, 1], W[2, 0], W[3, 2], W[2, 3] = 1.2, -0.8, 0.5, 2.0, 0.0
    b = np.array([0.3, -0.5, 0.1, -1.0])
    full = network_state_distribution(W, b, 4)
    z = all_states(4)
    for neuron in range(4):
        assert state_probability(W, b, 4, neuron) == pytest.approx(full[z[:, neuron] == 1].sum(), abs=1e-12)
    assert state_probability(W, b, 4, 0) == pytest.approx(sigmoid(0.3), abs=1e-12)
