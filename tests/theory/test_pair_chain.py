"""The exact pair chain on its limits and symmetries (docs/models.md, section 6)."""

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


def test_default_convention_is_salnest_and_unchanged():
    """The paper's demo pair, pinned to the values of the chain before conventions existed."""
    window = lambda dt: sal_window(dt, 25.0)  # noqa: E731
    default = pair_statistics(1.5, 0.5, -0.5, -0.2, 25)
    explicit = pair_statistics(1.5, 0.5, -0.5, -0.2, 25, convention="salnest")
    np.testing.assert_array_equal(default.dt, explicit.dt)
    np.testing.assert_array_equal(default.pair_rate, explicit.pair_rate)
    np.testing.assert_allclose(default.spike_rate, [0.0230548079334213, 0.0205973931859838], rtol=1e-10)
    np.testing.assert_allclose(default.p_joint, [[0.26752849949475255, 0.15610130216972296],
                                                 [0.21753667085566036, 0.3588335274798642]], rtol=1e-10)
    assert default.pair_rate.sum() == pytest.approx(0.03597083860671306, rel=1e-10)
    assert default.mean_update_per_pair(window)[0] == pytest.approx(-0.07769906200512916, rel=1e-10)


def test_unknown_convention_is_rejected():
    with pytest.raises(ValueError, match="convention"):
        pair_statistics(0.0, 0.0, 0.0, 0.0, TAU, convention="nest")


@pytest.mark.parametrize("b", [-1.3, 0.0, 0.9])
def test_reference_convention_uncoupled_neuron(b):
    """Dead for tau_ref steps after the spike step: ISI = tau_ref + G, G geometric on 1, 2, ... with
    p = sigma(b - ln tau_ref), so the rate is 1 / (tau_ref + 1 + tau_ref e^-b); z = 1 for tau_ref steps."""
    s = pair_statistics(0.0, 0.0, b, 0.3, TAU, convention="reference")
    rate = 1.0 / (TAU + 1 + TAU * np.exp(-b))
    assert s.spike_rate[0] == pytest.approx(rate, rel=1e-12)
    assert s.p_refractory[0] == pytest.approx(TAU * rate, rel=1e-12)
    assert s.p_refractory[0] < sigmoid(b) - 1e-3  # the reference neuron does not sample sigma(b)
    # firing probability per step in which the neuron may fire (age >= tau_ref: 1 - tau_ref * rate of the time)
    assert rate / (1 - TAU * rate) == pytest.approx(sigmoid(b - np.log(TAU)), rel=1e-12)
    r2 = 1.0 / (TAU + 1 + TAU * np.exp(-0.3))
    np.testing.assert_allclose(s.p_joint, np.outer([1 - TAU * rate, TAU * rate], [1 - TAU * r2, TAU * r2]), atol=1e-12)


def test_salnest_convention_firing_probability_per_step():
    """Same check under salnest: the neuron may fire once its age is >= tau_ref - 1."""
    b = 0.4
    rate = pair_statistics(0.0, 0.0, b, 0.0, TAU).spike_rate[0]
    assert rate / (1 - (TAU - 1) * rate) == pytest.approx(sigmoid(b - np.log(TAU)), rel=1e-12)


def test_reference_psp_covers_lags_up_to_tau_syn_minus_one():
    """tau_syn = 1: the reference's kernel H(d) H(1 - d) is 0 at every lag d >= 1, so no coupling;
    tau_syn = 2 (lag 1 only) does couple."""
    free = pair_statistics(0.0, 0.0, -0.5, 0.2, TAU, convention="reference")
    none = pair_statistics(2.0, -1.5, -0.5, 0.2, TAU, tau_syn=1, convention="reference")
    one = pair_statistics(2.0, -1.5, -0.5, 0.2, TAU, tau_syn=2, convention="reference")
    np.testing.assert_allclose(none.pair_rate, free.pair_rate, atol=1e-16)
    np.testing.assert_allclose(none.p_joint, free.p_joint, atol=1e-13)
    assert np.abs(one.spike_rate - free.spike_rate).max() > 1e-3


@pytest.mark.parametrize("tau_syn", [10, 7, 12])
def test_reference_equals_salnest_chain_with_shifted_parameters(tau_syn):
    """Refractory tau_ref + 1 steps, PSP tau_syn - 1 steps and biases raised by ln((tau_ref + 1) / tau_ref)
    (so that sigma(b' - ln(tau_ref + 1)) = sigma(b - ln tau_ref)) in salnest's chain give the same
    spike trains; salnest's z then also covers the spike step: P(z) larger by the spike rate."""
    from salnest.theory.pair_chain import stationary_distribution, transition_matrix

    w12, w21, b1, b2 = 1.5, -0.7, -0.5, 0.2
    shift = np.log((TAU + 1) / TAU)
    ref = pair_statistics(w12, w21, b1, b2, TAU, tau_syn, convention="reference")
    emu = pair_statistics(w12, w21, b1 + shift, b2 + shift, TAU + 1, tau_syn - 1)
    np.testing.assert_array_equal(ref.dt, emu.dt)
    np.testing.assert_allclose(ref.pair_rate, emu.pair_rate, rtol=1e-9, atol=1e-17)
    np.testing.assert_allclose(ref.spike_rate, emu.spike_rate, rtol=1e-12)
    np.testing.assert_allclose(ref.p_refractory + ref.spike_rate, emu.p_refractory, rtol=1e-12)
    # the reference's z = 1 at ages 1 .. tau_ref (its get_states_from_spikes), read off the emulating chain
    P, cap = transition_matrix(w12, w21, b1 + shift, b2 + shift, TAU + 1, tau_syn - 1)
    pi = stationary_distribution(P).reshape(cap + 1, cap + 1)
    z = (np.arange(cap + 1) >= 1) & (np.arange(cap + 1) <= TAU)
    assert ref.p_joint[1, 1] == pytest.approx(pi[np.ix_(z, z)].sum(), rel=1e-10)
    assert ref.p_joint[0, 1] == pytest.approx(pi[np.ix_(~z, z)].sum(), rel=1e-10)


def test_reference_history_chain_reproduces_the_age_chain():
    from salnest.theory.pair_chain import pair_statistics_history

    tau, tau_syn = 5, 6
    a = pair_statistics(1.5, -0.7, -0.5, 0.2, tau, tau_syn, convention="reference")
    b = pair_statistics_history(1.5, -0.7, -0.5, 0.2, tau, lambda age: 1.0 if age + 1 <= tau_syn - 1 else 0.0,
                                tau + 1, convention="reference")
    np.testing.assert_array_equal(a.dt, b.dt)
    np.testing.assert_allclose(a.pair_rate, b.pair_rate, atol=1e-15)
    np.testing.assert_allclose(a.p_joint, b.p_joint, atol=1e-13)
    with pytest.raises(ValueError, match="history"):
        pair_statistics_history(0.0, 0.0, 0.0, 0.0, tau, lambda age: 0.0, tau, convention="reference")


def test_drift_field_passes_the_convention_on():
    grid = np.array([-0.5, 1.0])
    window = lambda dt: sal_window(dt, 8.0)  # noqa: E731
    d12, d21 = drift_field(grid, grid, 0.2, -0.1, 8, window, convention="reference")
    assert d12[1, 0] == pytest.approx(pair_statistics(1.0, -0.5, 0.2, -0.1, 8, convention="reference").drift(window)[0],
                                      rel=1e-12)
    assert d12[1, 0] != pytest.approx(drift_field(grid, grid, 0.2, -0.1, 8, window)[0][1, 0], rel=1e-3)
