"""How well feedback weights B match the transposed forward weights W^T.

The metrics of weight transport used by the microcircuit, weight-inference and deep-network
experiments, all on the last two axes (``B[..., i, j]`` against ``W[..., j, i]``; leading axes
are batch axes: runs, seeds, time). Each is invariant to a positive scale of either matrix,
so matrices of different units (a feedback rule's estimates, the true weights) compare without
a calibration: that is the normalisation all methods share.
"""

from __future__ import annotations

import numpy as np


def _pair(B, W) -> tuple[np.ndarray, np.ndarray]:
    B = np.asarray(B, dtype=float)
    Wt = np.swapaxes(np.asarray(W, dtype=float), -1, -2)
    if B.shape[-2:] != Wt.shape[-2:]:
        raise ValueError(f"B has shape {B.shape}, W^T has {Wt.shape}: the last two axes must agree")
    return B, Wt


def feedback_angle(B, W) -> np.ndarray:
    """Angle between ``B`` and ``W^T`` as vectors (arccos of the normalised Frobenius product).

    Parameters
    ----------
    B
        Feedback weights, shaped like ``W^T``: ``B[..., j, i]`` carries the signal back along
        the forward connection ``W[..., i, j]``.
    W
        Forward weights ``W[..., post, pre]``.

    Returns
    -------
    numpy.ndarray
        Degrees in [0, 180]: 0 for B = c W^T with c > 0, 90 for orthogonal (or a zero matrix).
    """
    B, Wt = _pair(B, W)
    dot = (B * Wt).sum(axis=(-1, -2))
    norm = np.sqrt((B * B).sum(axis=(-1, -2)) * (Wt * Wt).sum(axis=(-1, -2)))
    return np.degrees(np.arccos(np.clip(dot / np.where(norm > 0, norm, 1.0), -1.0, 1.0)))


def sign_agreement(B, W) -> np.ndarray:
    """Fraction of entries where ``B`` and ``W^T`` have the same sign (entries with W = 0 excluded)."""
    B, Wt = _pair(B, W)
    counted = Wt != 0
    same = (np.sign(B) == np.sign(Wt)) & counted
    return same.sum(axis=(-1, -2)) / np.maximum(counted.sum(axis=(-1, -2)), 1)


def correlation(B, W) -> np.ndarray:
    """Pearson correlation between the entries of ``B`` and ``W^T``."""
    B, Wt = _pair(B, W)
    b = B - B.mean(axis=(-1, -2), keepdims=True)
    w = Wt - Wt.mean(axis=(-1, -2), keepdims=True)
    norm = np.sqrt((b * b).sum(axis=(-1, -2)) * (w * w).sum(axis=(-1, -2)))
    return (b * w).sum(axis=(-1, -2)) / np.where(norm > 0, norm, 1.0)


def normalised_difference_variance(B, W) -> np.ndarray:
    """Var(B / rms(B) - W^T / rms(W^T)) over the entries, rms the root mean square.

    With both matrices scaled to unit root mean square the mean squared difference is
    ``2 - 2 cos(angle)``; the variance removes the squared mean of the difference. 0 for
    B = c W^T (c > 0), 2 for orthogonal matrices of zero mean, 4 for B = -c W^T.
    """
    B, Wt = _pair(B, W)

    def unit_rms(x):
        rms = np.sqrt((x * x).mean(axis=(-1, -2), keepdims=True))
        return x / np.where(rms > 0, rms, 1.0)

    return (unit_rms(B) - unit_rms(Wt)).var(axis=(-1, -2))


#: Every metric by the name results files use for it.
METRICS = {"angle": feedback_angle, "sign_agreement": sign_agreement, "correlation": correlation,
           "difference_variance": normalised_difference_variance}
