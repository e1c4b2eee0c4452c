"""The E-I system of Dale's law (salnest.theory.ei_system): effective weights and exact rates."""

import numpy as np
import pytest

from salnest.theory.boltzmann import sigmoid
from salnest.theory.ei_system import draw_system, effective_weights, exact_rate, pathway_weights, weight_matrix
from salnest.theory.pair_chain import pair_statistics

SYMMETRIC = ({"e2_e1": 0.0, "e1_e2": 0.0, "i1_e1": 4.0, "i2_e2": 4.0, "e2_i1": -1.0, "e1_i2": -1.0},
             {"e1": 0.0, "e2": 0.0, "i1": -2.0, "i2": -2.0})


def test_the_detour_of_the_symmetric_system_is_minus_one():
    """r = sigma(0) = 1/2 and sigma(4 r - 2) = 1/2: each detour adds -1 * (1/2) / (1/2) = -1."""
    assert pathway_weights(*SYMMETRIC) == pytest.approx((-1.0, -1.0), abs=1e-15)
    e12, e21 = effective_weights(np.array([0.0, 2.0]), np.array([1.0, 0.5]), *SYMMETRIC)
    np.testing.assert_allclose(e12, [-1.0, 1.0])
    np.testing.assert_allclose(e21, [0.0, -0.5])


def test_the_paper_draw_comes_in_the_reference_order():
    """eisystem notebook: default_rng(97) draws i1_e1, i2_e2 ~ N(4, 0.2), e2_i1, e1_i2 ~ N(-1, 0.1),
    then b_i1, b_i2 ~ N(-2, 0.2)."""
    weights, biases = draw_system(97, (4.0, 0.2), (-1.0, 0.1), (-2.0, 0.2), 0.0)
    rng = np.random.default_rng(97)
    expected = [rng.normal(4, 0.2), rng.normal(4, 0.2), rng.normal(-1, 0.1), rng.normal(-1, 0.1),
                rng.normal(-2, 0.2), rng.normal(-2, 0.2)]
    got = [weights[c] for c in ("i1_e1", "i2_e2", "e2_i1", "e1_i2")] + [biases["i1"], biases["i2"]]
    assert got == expected
    assert weights["e1_e2"] == weights["e2_e1"] == 0.0 and biases["e1"] == biases["e2"] == 0.0
    W = weight_matrix(weights)
    assert W[2, 0] == weights["i1_e1"] and W[0, 3] == weights["e1_i2"]  # W[post, pre], order e1 e2 i1 i2


@pytest.mark.parametrize("w21", [-0.9, 0.4, 1.1])
def test_exact_rate_of_a_driven_neuron_agrees_with_the_pair_chain(w21):
    """The network chain (refractory counters) and the pair chain (ages) are separate
    implementations; e1 -> e2 alone is a pair with W12 = 0."""
    weights = {"e2_e1": w21, "e1_e2": 0.0, "i1_e1": 0.0, "i2_e2": 0.0, "e2_i1": 0.0, "e1_i2": 0.0}
    biases = {"e1": 0.3, "e2": -0.2, "i1": 0.0, "i2": 0.0}
    pair = pair_statistics(0.0, w21, 0.3, -0.2, 12)
    assert exact_rate(weights, biases, "e2", 12) == pytest.approx(pair.p_refractory[1], abs=1e-10)
    assert exact_rate(weights, biases, "e1", 12) == pytest.approx(sigmoid(0.3), abs=1e-12)
