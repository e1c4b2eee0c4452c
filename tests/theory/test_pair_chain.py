"""The exact pair chain on its limits and symmetries (sal-models.md section 4)."""

import numpy as np
import pytest

from salnest.theory.boltzmann import sigmoid
from salnest.theory.pair_chain import drift_field, pair_statistics
from salnest.theory.windows import sal_window

TAU = 10


def _single_neuron_first_spike(b, tau, start_ages, lags):
    """Independent check: probability that a lone neuron (ages distributed as ``start_ages``)
    first fires at each lag, and the probability it has not fired up to each lag."""
    p = sigmoid(b - np.log(tau))
    dist = start_ages.copy()
    first, survive = [], []
    for _ in range(lags):
        new = np.zeros_like(dist)
        new[1:] += dist[:-1] * np.where(np.arange(len(dist) - 1) + 1 < tau, 1.0, 1 - p)
        new[-1] += dist[-1] * (1 - p)
        fired = (dist[:-1] * np.where(np.arange(len(dist) - 1) + 1 < tau, 0.0, p)).sum() + dist[-1] * p
        first.append(fired)
        dist = new
        survive.append(dist.sum())
    return np.array(first), np.array(survive)


def test_zero_coupling_gives_independent_renewal_statistics():
    b1, b2 = -0.5, 0.7
    s = pair_statistics(0.0, 0.0, b1, b2, TAU)
    np.testing.assert_allclose(s.p_refractory, sigmoid(np.array([b1, b2])), atol=1e-12)
    np.testing.assert_allclose(s.spike_rate, sigmoid(np.array([b1, b2])) / TAU, atol=1e-12)
    np.testing.assert_allclose(s.p_joint, np.outer([1 - sigmoid(b1), sigmoid(b1)], [1 - sigmoid(b2), sigmoid(b2)]),
                               atol=1e-12)
    # causal half (2 fires alone, then 1 alone) from two independent renewal processes
    ages = np.zeros(TAU + 1)
    p1 = sigmoid(b1 - np.log(TAU))
    # stationary ages of neuron 1 alone: TAU refractory ages of equal weight, then a geometric tail at age TAU
    stationary = np.full(TAU + 1, 1.0)
    stationary[-1] = (1 - p1) / p1
    stationary /= stationary.sum()
    ages[1:] = stationary[1:]  # neuron 1 did not fire in the starting step
    lags = 400
    f1, _ = _single_neuron_first_spike(b1, TAU, ages / ages.sum(), lags)
    just_fired = np.zeros(TAU + 1)
    just_fired[0] = 1.0
    _, survive2 = _single_neuron_first_spike(b2, TAU, just_fired, lags)
    start_rate = s.spike_rate[1] * (1 - stationary[0])
    expected = start_rate * f1 * survive2
    causal = s.pair_rate[s.dt > 0]
    assert 50 < len(causal) < lags
    np.testing.assert_allclose(causal, expected[: len(causal)], rtol=1e-9, atol=1e-16)
    assert expected[len(causal):].sum() < 1e-12  # the chain stops once the remaining mass is negligible


def test_stdd_sums_to_one_and_covers_both_signs():
    s = pair_statistics(1.5, 0.5, -0.5, -0.2, 25)
    assert s.stdd.sum() == pytest.approx(1.0, abs=1e-12)
    assert s.stdd[s.dt < 0].sum() > 0.2 and s.stdd[s.dt > 0].sum() > 0.2
    assert 0 not in s.dt


@pytest.mark.parametrize("shape", ["exponential", "triangular"])
def test_symmetric_weights_with_equal_biases_give_zero_drift(shape):
    window = lambda dt: sal_window(dt, float(TAU), shape)  # noqa: E731
    for w in (-1.5, 0.0, 0.8):
        d12, d21 = pair_statistics(w, w, 0.3, 0.3, TAU).drift(window)
        assert abs(d12) < 1e-15 and abs(d21) < 1e-15


def test_unequal_biases_shift_the_fixed_point():
    """Beyond the paper: with b1 != b2 the drift vanishes off the diagonal. At b = (-0.5, 0.8) and a
    mean weight of 0.8 the fixed point of W12 (W12 + W21 held at 1.6) lies at W12 - W21 = 0.16;
    at the paper's demo biases (-0.5, -0.2) and mean 1.0 it is 0.014 (see README)."""
    from scipy.optimize import brentq

    window = lambda dt: sal_window(dt, float(TAU))  # noqa: E731

    def offset(b1, b2, mean, tau):
        def d12(x):
            return pair_statistics(mean + x, mean - x, b1, b2, tau).drift(window)[0]

        return 2 * brentq(d12, -0.5, 0.5, xtol=1e-6)

    assert offset(-0.5, 0.8, 0.8, TAU) == pytest.approx(0.16, abs=0.005)
    assert abs(offset(-0.5, 0.8, 0.0, TAU)) < 1e-5  # no coupling, no shift
    assert abs(offset(0.3, 0.3, 0.8, TAU)) < 1e-5   # equal biases: on the diagonal


@pytest.mark.parametrize("shape", ["exponential", "triangular"])
def test_antisymmetric_window_gives_opposite_drifts(shape):
    window = lambda dt: sal_window(dt, 25.0, shape)  # noqa: E731
    d12, d21 = pair_statistics(1.5, 0.5, -0.5, -0.2, 25).drift(window)
    assert d12 == pytest.approx(-d21, abs=1e-15)
    assert d12 < 0  # W12 > W21: W12 is pushed down toward W21


def test_drift_field_points_to_the_diagonal():
    grid = np.linspace(-2, 2, 9)
    d12, d21 = drift_field(grid, grid, 0.0, 0.0, 15, lambda dt: sal_window(dt, 15.0))
    W12, W21 = np.meshgrid(grid, grid, indexing="ij")
    off = np.abs(W12 - W21) > 1e-9
    assert np.all(np.sign(d12[off]) == -np.sign(W12 - W21)[off])
    np.testing.assert_allclose(d12, -d21, atol=1e-15)


def test_history_chain_reproduces_the_age_chain_for_rectangular_psps():
    """Two independent constructions of the same chain agree to rounding."""
    from salnest.theory.pair_chain import pair_statistics_history

    tau = 5
    a = pair_statistics(1.5, -0.7, -0.5, 0.2, tau)
    b = pair_statistics_history(1.5, -0.7, -0.5, 0.2, tau, lambda age: 1.0 if age <= tau - 1 else 0.0, 2 * tau)
    np.testing.assert_array_equal(a.dt, b.dt)
    np.testing.assert_allclose(a.pair_rate, b.pair_rate, atol=1e-15)
    np.testing.assert_allclose(a.p_joint, b.p_joint, atol=1e-13)


def test_exponential_psp_truncation_converges_within_its_bound():
    from salnest.theory.pair_chain import exponential_psp_statistics

    short, bound_short = exponential_psp_statistics(1.5, -0.5, -0.5, 0.2, 6, 2.0, history=12)
    long, bound_long = exponential_psp_statistics(1.5, -0.5, -0.5, 0.2, 6, 2.0, history=18)
    assert bound_long < bound_short < 0.01
    # firing probabilities differ by at most bound/4 per step, so the statistics move by that order
    assert np.abs(short.p_joint - long.p_joint).max() < bound_short
    assert 0.5 * np.abs(short.stdd - long.stdd[np.isin(long.dt, short.dt)]).sum() < bound_short
