"""Where SAL stops: the exact fixed point of a reciprocal pair with both weights plastic.

Every restricted nearest-neighbour pair changes W12 by ``window(t1 - t2)`` and W21 by
``window(t2 - t1)``; with an antisymmetric window these are exact negatives, so
``W12 + W21 = 2 m`` is conserved and the pair moves along that anti-diagonal until the drift of
W12 vanishes. The fixed point is described by its **offset**

    delta = (W12 - W21) / 2   at   W12 + W21 = 2 m,  drift(W12) = 0,

zero on the diagonal W12 = W21. With rectangular PSPs and equal biases symmetry puts it on the
diagonal; unequal biases and other PSP shapes move it off (paper, appendix on PSP shapes).

The paper's ``deviation_of_boa`` (``stddc.ppd``) averages ``|delta| / |m|`` along the nullcline,
which diverges where the nullcline crosses m = 0. ``delta`` itself stays finite everywhere, so
salnest reports it, and the reference's relative measure only where ``|m|`` is not small
(:func:`relative_offset`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from salnest.theory.pair_chain import shaped_psp_statistics


@dataclass(frozen=True)
class FixedPoint:
    """SAL's fixed point on one anti-diagonal; weights in model units."""

    mean_weight: float       # m = (W12 + W21) / 2
    offset: float            # delta = (W12 - W21) / 2 where the drift of W12 falls through 0 (stable)
    truncation_bound: float  # bound on the PSP the chain forgets (0: exact chain)
    evaluations: int         # chain solutions the root search took
    other_offset: float = np.nan  # a second stable fixed point on the anti-diagonal, if one was found

    @property
    def weights(self) -> tuple[float, float]:
        """(W12, W21) at the fixed point."""
        return self.mean_weight + self.offset, self.mean_weight - self.offset


def drift_w12(w12: float, w21: float, b1: float, b2: float, tau_ref: int, window, shape: str = "rectangular",
              tau_syn: float | None = None, history: int | None = None) -> tuple[float, float]:
    """Exact drift of W12 per step (learning rate 1) and the chain's truncation bound.

    ``shape``, ``tau_syn`` (default ``tau_ref``) and ``history`` as in
    :func:`salnest.theory.pair_chain.shaped_psp_statistics`.
    """
    tau_syn = tau_ref if tau_syn is None else tau_syn
    stats, bound = shaped_psp_statistics(w12, w21, b1, b2, tau_ref, tau_syn, shape, history)
    return stats.drift(window)[0], bound


def sal_fixed_point(mean_weight: float, b1: float, b2: float, tau_ref: int, window, shape: str = "rectangular",
                    tau_syn: float | None = None, history: int | None = None, bracket: float = 0.5,
                    xtol: float = 1e-4) -> FixedPoint:
    """The offset of SAL's fixed point on ``W12 + W21 = 2 mean_weight``.

    Parameters
    ----------
    mean_weight : float
        m, the conserved mean of the two weights (model units).
    b1, b2 : float
        Biases.
    tau_ref : int
        Refractory period in steps.
    window : callable
        Antisymmetric SAL window of ``dt = t_post - t_pre`` in steps.
    shape, tau_syn, history
        The PSP, as in :func:`drift_w12`.
    bracket : float
        Half-width of the first search interval for the offset; doubled until the drift changes
        sign (up to 8).
    xtol : float
        Tolerance on the offset.

    Returns
    -------
    FixedPoint
        The stable fixed point nearest the diagonal. Its stability is checked at ``offset +- h``
        (``h = max(10 xtol, 1e-3)``); where the root search met an unstable fixed point, the stable
        ones on both sides are found and the farther one is ``other_offset``. Further stable points
        beyond a stable root found are not searched for (with equal biases the mirror of a nonzero
        offset is one: :attr:`FixedPoint.other_offset` is left to the caller there).
    """
    calls = [0]
    bound = [0.0]

    def f(delta):
        calls[0] += 1
        d, bound[0] = drift_w12(mean_weight + delta, mean_weight - delta, b1, b2, tau_ref, window, shape, tau_syn,
                                history)
        return d

    lo, hi = -bracket, bracket
    f_lo, f_hi = f(lo), f(hi)
    # a stable fixed point is where the drift of delta (= that of W12) falls through 0: a bracket
    # with f(lo) > 0 > f(hi) holds at least one, one with f(lo) < 0 < f(hi) perhaps none
    while not (f_lo > 0 > f_hi):
        if hi >= 8.0:
            raise RuntimeError(f"no stable fixed point with |offset| <= {hi} at m = {mean_weight}, b = ({b1}, {b2})")
        lo, hi = 2 * lo, 2 * hi
        f_lo, f_hi = f(lo), f(hi)
    offset = brentq(f, lo, hi, xtol=xtol)
    h = max(10 * xtol, 1e-3)
    left, right = f(offset - h), f(offset + h)
    other = np.nan
    if left < 0 < right:
        # an unstable root between two stable ones (a pitchfork): both lie in the sub-brackets
        stable = [brentq(f, lo, offset - h, xtol=xtol), brentq(f, offset + h, hi, xtol=xtol)]
        offset, other = sorted(stable, key=abs)
    return FixedPoint(float(mean_weight), float(offset), bound[0], calls[0], float(other))


def fixed_point_grid(biases, mean_weights, tau_ref: int, window, shape: str = "rectangular",
                     tau_syn: float | None = None, history: int | None = None,
                     xtol: float = 1e-4) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`sal_fixed_point` on every (b1, b2, m) of a grid, b1 and b2 both from ``biases``.

    (b1, b2) and (b2, b1) are the same pair with the neurons swapped, so b1 > b2 is the mirror of
    b1 < b2 with the offset's sign flipped and is not solved again; with b1 = b2 a nonzero offset
    comes with its mirror (a pitchfork: the diagonal itself unstable).

    Returns
    -------
    offset, other_offset, truncation_bound, evaluations
        Arrays (len(biases), len(biases), len(mean_weights)) indexed (b1, b2, m): the stable offset
        nearest the diagonal, a second stable one (NaN: none found), the chain's truncation bound
        and the chain solutions each root search took (0 for mirrored points).
    """
    grid_shape = (len(biases), len(biases), len(mean_weights))
    offset, other = np.full(grid_shape, np.nan), np.full(grid_shape, np.nan)
    bound, calls = np.zeros(grid_shape), np.zeros(grid_shape, dtype=np.int64)
    for i, b1 in enumerate(biases):
        for j, b2 in enumerate(biases):
            for k, m in enumerate(mean_weights):
                if b1 > b2:
                    continue
                fp = sal_fixed_point(m, b1, b2, tau_ref, window, shape, tau_syn, history, xtol=xtol)
                second = fp.other_offset
                if b1 == b2 and np.isnan(second) and abs(fp.offset) > 10 * xtol:
                    second = -fp.offset
                offset[j, i, k], other[j, i, k], bound[j, i, k] = -fp.offset, -second, fp.truncation_bound
                offset[i, j, k], other[i, j, k], bound[i, j, k] = fp.offset, second, fp.truncation_bound
                calls[i, j, k] = fp.evaluations
    return offset, other, bound, calls


def relative_offset(offset: np.ndarray, mean_weight: np.ndarray, min_mean: float = 0.25) -> np.ndarray:
    """The reference's measure ``|delta| / |m|`` (``deviation_of_boa`` before its average along the
    nullcline), NaN where ``|m| < min_mean``, where it diverges."""
    m = np.abs(np.asarray(mean_weight, float))
    return np.where(m >= min_mean, np.abs(offset) / np.where(m > 0, m, np.nan), np.nan)
