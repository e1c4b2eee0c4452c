"""Weight-transport metrics (salnest.analysis.alignment), by hand and against their stated identities."""

import numpy as np
import pytest

from salnest.analysis.alignment import correlation, feedback_angle, normalised_difference_variance, sign_agreement


def test_angle_by_hand():
    W = np.array([[1.0, 0.0]])  # one forward connection pattern of shape (1, 2); B is (2, 1)
    assert feedback_angle(np.array([[1.0], [0.0]]), W) == pytest.approx(0.0)
    assert feedback_angle(np.array([[0.0], [2.0]]), W) == pytest.approx(90.0)
    assert feedback_angle(np.array([[-3.0], [0.0]]), W) == pytest.approx(180.0)
    assert feedback_angle(np.zeros((2, 1)), W) == pytest.approx(90.0)


def test_metrics_of_a_perfect_and_a_flipped_copy_at_any_scale():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(5, 4))
    for scale, angle, signs, corr, var in ((3.0, 0.0, 1.0, 1.0, 0.0), (-0.2, 180.0, 0.0, -1.0, None)):
        B = scale * W.T
        assert feedback_angle(B, W) == pytest.approx(angle, abs=1e-5)
        assert sign_agreement(B, W) == signs
        assert correlation(B, W) == pytest.approx(corr)
        if var is not None:
            assert normalised_difference_variance(B, W) == pytest.approx(var, abs=1e-12)


def test_variance_relates_to_the_angle():
    """With unit-rms matrices the mean squared difference is 2 - 2 cos(angle)."""
    rng = np.random.default_rng(1)
    W, B = rng.normal(size=(6, 8)), rng.normal(size=(8, 6))
    d = B / np.sqrt((B ** 2).mean()) - W.T / np.sqrt((W ** 2).mean())
    cos = np.cos(np.radians(feedback_angle(B, W)))
    assert (d ** 2).mean() == pytest.approx(2 - 2 * cos)
    assert normalised_difference_variance(B, W) == pytest.approx((d ** 2).mean() - d.mean() ** 2)


def test_batch_axes_and_zero_weights():
    W = np.array([[[1.0, 0.0], [-2.0, 3.0]], [[1.0, 1.0], [1.0, 1.0]]])  # (2, 2, 2)
    B = np.array([[[5.0, -1.0], [7.0, 1.0]], [[-1.0, 1.0], [1.0, 1.0]]])
    np.testing.assert_allclose(sign_agreement(B, W), [1.0, 3 / 4])  # the entry with W = 0 is not counted
    assert feedback_angle(B, W).shape == (2,)


def test_shapes_must_match():
    with pytest.raises(ValueError, match="last two axes"):
        feedback_angle(np.zeros((3, 2)), np.zeros((3, 2)))
