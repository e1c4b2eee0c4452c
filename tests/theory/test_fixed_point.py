"""SAL's exact fixed point on the conserved anti-diagonal (salnest.theory.fixed_point)."""

import numpy as np
import pytest

from salnest.theory.fixed_point import drift_w12, relative_offset, sal_fixed_point
from salnest.theory.windows import sal_window

TAU = 10
WINDOW = lambda dt: sal_window(dt, float(TAU))  # noqa: E731


@pytest.mark.parametrize("shape, tau_syn", [("rectangular", None), ("alpha", 5.0)])
def test_drift_vanishes_at_the_fixed_point_and_restores_on_either_side(shape, tau_syn):
    fp = sal_fixed_point(-1.0, -1.0, 1.0, TAU, WINDOW, shape, tau_syn, history=20, xtol=1e-6)
    w12, w21 = fp.weights
    assert w12 + w21 == pytest.approx(-2.0, abs=1e-12)
    slope = (drift_w12(w12 + 0.05, w21 - 0.05, -1.0, 1.0, TAU, WINDOW, shape, tau_syn, 20)[0]
             - drift_w12(w12 - 0.05, w21 + 0.05, -1.0, 1.0, TAU, WINDOW, shape, tau_syn, 20)[0]) / 0.1
    assert slope < 0  # above the fixed point W12 falls, below it rises: a stable point
    assert abs(drift_w12(w12, w21, -1.0, 1.0, TAU, WINDOW, shape, tau_syn, 20)[0]) < abs(slope) * 1e-5
    assert fp.offset < -0.05  # unequal biases move it off the diagonal, for both shapes


def test_equal_biases_on_the_diagonal_and_swapped_biases_mirror():
    on = sal_fixed_point(0.5, 0.3, 0.3, TAU, WINDOW, "alpha", 10 / 3, history=20)
    assert abs(on.offset) < 1e-4
    a = sal_fixed_point(0.5, -0.5, 1.0, TAU, WINDOW, "alpha", 10 / 3, history=20, xtol=1e-8)
    b = sal_fixed_point(0.5, 1.0, -0.5, TAU, WINDOW, "alpha", 10 / 3, history=20, xtol=1e-8)
    assert a.offset == pytest.approx(-b.offset, abs=1e-7)
    assert a.truncation_bound > 0


def test_relative_offset_is_the_references_measure_away_from_zero_mean():
    rel = relative_offset(np.array([0.1, 0.1, -0.2]), np.array([0.0, 0.5, -1.0]))
    assert np.isnan(rel[0])
    np.testing.assert_allclose(rel[1:], [0.2, 0.2])


def test_a_pitchfork_the_diagonal_unstable_is_found_stable_on_either_side():
    """Equal biases b = (1, 1), m = 1.5, short alpha PSP: delta = 0 is a fixed point by symmetry,
    but the drift pushes away from it (measured: +3.1e-4 per step at delta = 0.1); SAL stops at
    delta = +-0.454, where the drift falls through 0. The search must return a stable point."""
    args = (1.0, 1.0, TAU, WINDOW, "alpha", 10 / 3, 30)
    assert drift_w12(1.6, 1.4, *args)[0] > 1e-4
    fp = sal_fixed_point(1.5, *args[:-1], history=30, xtol=1e-4)
    assert abs(fp.offset) == pytest.approx(0.454, abs=0.005)
    for h, sign in ((-0.02, 1), (0.02, -1)):
        assert sign * drift_w12(1.5 + fp.offset + h, 1.5 - fp.offset - h, *args)[0] > 0
