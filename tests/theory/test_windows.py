"""The NumPy reference windows and pairing, checked on hand-computed cases."""

import numpy as np
import pytest

from salnest.theory.windows import restricted_nn_pairs, sal_window, wake_sleep_window


def test_sal_windows_are_antisymmetric_and_zero_at_zero():
    dt = np.array([-30.0, -5.0, -0.5, 0.0, 0.5, 5.0, 30.0])
    for shape in ("exponential", "triangular"):
        k = sal_window(dt, 10.0, shape)
        np.testing.assert_allclose(k, -k[::-1])
        assert k[3] == 0.0
        assert np.all(k[dt > 0] <= 0) and np.all(k[dt < 0] >= 0)
    np.testing.assert_allclose(sal_window([5.0, -5.0], 10.0), [-np.exp(-0.5), np.exp(-0.5)])
    np.testing.assert_allclose(sal_window([5.0, -5.0, 30.0], 10.0, "triangular"), [-0.5, 0.5, 0.0])
    with pytest.raises(ValueError, match="unknown SAL window"):
        sal_window(1.0, 10.0, "gaussian")


def test_wake_sleep_window_is_symmetric_and_signed():
    dt = np.array([-12.0, -4.0, 0.0, 4.0, 12.0])
    np.testing.assert_allclose(wake_sleep_window(dt, 10.0), [0.0, 0.6, 0.0, 0.6, 0.0])
    np.testing.assert_allclose(wake_sleep_window(dt, 10.0, phase=-1.0), [0.0, -0.6, 0.0, -0.6, 0.0])


@pytest.mark.parametrize("pre, post, expected", [
    ([10], [13], [3]),
    ([13], [10], [-3]),
    ([10, 20], [13], [-7, 3]),          # pre-post-pre: two pairs
    ([10], [13, 16], [3]),              # pre-post-post: only the first post pairs
    ([10, 14], [17], [3]),              # pre-pre-post: only the last pre pairs
    ([10], [10], []),                   # simultaneous spikes form no pair
    ([10, 200], [10, 15], [-185]),      # and nothing pairs across them
    ([], [5, 6], []),
])
def test_restricted_nearest_neighbour_pairs(pre, post, expected):
    np.testing.assert_array_equal(restricted_nn_pairs(pre, post), np.sort(expected))


def test_pairs_are_mirror_images_for_the_two_directions():
    rng = np.random.default_rng(3)
    a = np.unique(rng.integers(0, 500, 60)).astype(float)
    c = np.unique(rng.integers(0, 500, 60)).astype(float)
    np.testing.assert_array_equal(restricted_nn_pairs(a, c), np.sort(-restricted_nn_pairs(c, a)))
