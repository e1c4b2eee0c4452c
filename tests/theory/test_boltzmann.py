"""Exact Boltzmann distributions and the divergences used against sampled ones."""

import numpy as np
import pytest

from salnest.theory.boltzmann import (
    all_states,
    boltzmann_distribution,
    empirical_distribution,
    kl_divergence,
    product_of_marginals,
    sigmoid,
    state_index,
)


def test_states_and_indices_agree():
    s = all_states(3)
    assert s.shape == (8, 3)
    np.testing.assert_array_equal(s[5], [1, 0, 1])
    np.testing.assert_array_equal(state_index(s), np.arange(8))


def test_single_neuron_marginal_is_sigmoid_of_bias():
    p = boltzmann_distribution(np.zeros((1, 1)), np.array([0.7]))
    assert p[1] == pytest.approx(sigmoid(0.7))


def test_two_neuron_distribution_by_hand():
    W = np.array([[0.0, 1.2], [1.2, 0.0]])
    b = np.array([-0.3, 0.4])
    e = np.exp([0.0, 0.4, -0.3, -0.3 + 0.4 + 1.2])  # states 00, 01, 10, 11
    np.testing.assert_allclose(boltzmann_distribution(W, b), e / e.sum())
    with pytest.raises(ValueError, match="symmetric"):
        boltzmann_distribution(np.array([[0.0, 1.0], [0.0, 0.0]]), b)


def test_product_of_marginals_is_exact_without_coupling():
    b = np.array([0.3, -1.0, 0.5])
    p = boltzmann_distribution(np.zeros((3, 3)), b)
    np.testing.assert_allclose(product_of_marginals(p, 3), p)
    W = np.array([[0, 2.0, 0], [2.0, 0, 0], [0, 0, 0]])
    assert kl_divergence(boltzmann_distribution(W, b), product_of_marginals(boltzmann_distribution(W, b), 3)) > 0.01


def test_kl_and_empirical_distribution():
    z = np.array([[0, 1], [0, 1], [1, 1], [0, 0]])
    np.testing.assert_allclose(empirical_distribution(z), [0.25, 0.5, 0.0, 0.25])
    p = np.array([0.5, 0.5])
    assert kl_divergence(p, p) == 0.0
    assert kl_divergence(p, np.array([1.0, 0.0])) == np.inf
