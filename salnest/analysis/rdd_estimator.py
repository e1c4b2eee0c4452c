"""The RDD estimator of ``rdd_neuron`` run outside the neurons, on a whole layer at once.

An ``rdd_neuron`` below estimates, per unit above, the jump of that unit's filtered activity at
its own threshold (:mod:`salnest.theory.rdd`). Done inside the neuron, every unit above must
send every spike to every neuron below, and each of them filters it again: per spike, work in
proportion to the layer below. Here the neurons below only keep a record of their integration
windows (``record_windows``: where a window opened, where a used one ended, its spikes and its
max u) and the units' spikes above are recorded once; :class:`RDDEstimator` filters each unit's
spikes once per step and makes the LMS steps of all windows of a stretch in arrays, in the
neurons' own order of operations, so that its fits equal theirs bit for bit
(``tests/analysis/test_rdd_estimator.py`` checks it against neurons that do both).
"""

from __future__ import annotations

import math

import numpy as np

#: ``kind`` of a window record that marks a window opening from a closed one (else the spike count)
OPENED = -1.0


def rdd_kernel(tau_L: float, tau_s: float, kernel_length: float, h: float) -> np.ndarray:
    """kappa(1) ... kappa(K) of ``rdd_neuron`` (K = kernel_length / h), with its rounding.

    Parameters
    ----------
    tau_L, tau_s, kernel_length, h
        The neuron's time constants, its kernel's memory and the resolution, ms.
    """
    # the C library's exp, as the neuron's std::exp: NumPy's own exp differs from it in the last bit
    # of some of these values
    return np.array([(math.exp(-k * h / tau_L) - math.exp(-k * h / tau_s)) / ((tau_L - tau_s) / h)
                     for k in range(1, int(round(kernel_length / h)) + 1)])


class RDDEstimator:
    """The fits of ``replicas`` blocks of ``n_lower`` ``rdd_neuron``s, each against the ``n_upper``
    units above it in its own block (lower neuron ``r * n_lower + i`` hears units
    ``r * n_upper ... (r + 1) * n_upper - 1``).

    Parameters
    ----------
    replicas, n_lower, n_upper
        Blocks and their sizes.
    kappa
        The feedback kernel kappa(1) ... kappa(K) (:func:`rdd_kernel`).
    n_window
        Integration window, steps.
    theta, eta_rdd
        The neurons' threshold and LMS learning rate.
    delay
        Steps from a unit's spike to its arrival below (the feedback connections' delay that the
        neurons would have had).

    :meth:`update` takes each stretch of simulation in turn; stretches are taken as contiguous
    (a gap in NEST's time while the neurons were frozen is no time for them, as for the neurons).
    """

    def __init__(self, replicas: int, n_lower: int, n_upper: int, kappa: np.ndarray, n_window: int,
                 theta: float, eta_rdd: float, delay: int = 1):
        if min(replicas, n_lower, n_upper, n_window, delay) < 1 or len(kappa) < 1:
            raise ValueError("RDDEstimator needs replicas, sizes, n_window, delay >= 1 and a kernel")
        self.replicas, self.n_lower, self.n_upper = replicas, n_lower, n_upper
        self.kappa = np.asarray(kappa, dtype=float)
        self.n_window, self.theta, self.eta_rdd, self.delay = int(n_window), float(theta), float(eta_rdd), int(delay)
        rows, K = replicas * n_upper, len(self.kappa)
        self.fits = np.zeros((replicas * n_lower, n_upper, 4))  #: c0, c1, c2, c3 per pair (lower, upper)
        self.R_pre = np.zeros((replicas * n_lower, n_upper))     #: start values of the open windows
        self._arrivals = np.zeros((rows, K - 1 + self.delay))    # the last K - 1 steps, then those in flight
        self._q = np.zeros((rows, self.n_window))                # feedback inputs of the last n_window steps

    @property
    def beta(self) -> np.ndarray:
        """The estimates (replicas * n_lower, n_upper), as ``rdd_neuron``'s ``beta``."""
        c = self.fits
        return (c[..., 2] * self.theta + c[..., 0]) - (c[..., 3] * self.theta + c[..., 1])

    def set_fits(self, fits: np.ndarray) -> None:
        """Resume from ``fits`` (replicas * n_lower, n_upper, 4), as setting ``rdd_fits`` does."""
        fits = np.asarray(fits, dtype=float)
        if fits.shape != self.fits.shape or not np.isfinite(fits).all():
            raise ValueError(f"fits must be finite, of shape {self.fits.shape}; got {fits.shape}")
        self.fits = fits.copy()

    def update(self, steps: int, upper: np.ndarray, upper_steps: np.ndarray, windows: list) -> None:
        """Take one stretch of ``steps`` steps.

        Parameters
        ----------
        steps
            Length of the stretch, steps.
        upper, upper_steps
            The spikes above: unit index (0 ... replicas * n_upper - 1) and the step of the stretch
            in which it fired (0 ... steps - 1), one entry per spike.
        windows
            Per neuron below, its ``windows`` record of this stretch (steps counted from the
            stretch's start), flat as the neuron gives it.
        """
        K, n_win = len(self.kappa), self.n_window
        hist = K - 1
        A = np.zeros((len(self._arrivals), hist + steps + self.delay))
        A[:, :hist + self.delay] = self._arrivals
        np.add.at(A, (np.asarray(upper, dtype=np.int64), hist + np.asarray(upper_steps, dtype=np.int64) + self.delay),
                  1.0)
        # q(t) = sum_d kappa[d] n(t - d), newest first, as the neuron adds its arrivals (a term with no
        # spike adds exactly 0)
        q = self.kappa[0] * A[:, hist:hist + steps]
        for d in range(1, K):
            q += self.kappa[d] * A[:, hist - d:hist - d + steps]
        q = np.concatenate([self._q, q], axis=1)  # column n_win + t is step t of the stretch
        self._apply_windows(q.reshape(self.replicas, self.n_upper, -1), windows)
        self._arrivals = A[:, steps:].copy()
        self._q = q[:, -n_win:].copy()

    def _apply_windows(self, q: np.ndarray, windows: list) -> None:
        """The windows' start values and LMS steps, per neuron in time order, all neurons at once."""
        records = [np.asarray(w, dtype=float).reshape(-1, 3) for w in windows]
        if len(records) != len(self.fits):
            raise ValueError(f"need the windows of {len(self.fits)} neurons, got {len(records)}")
        counts = np.array([len(r) for r in records])
        if counts.sum() == 0:
            return
        rec = np.concatenate(records)
        neuron = np.repeat(np.arange(len(records)), counts)
        step = rec[:, 0].astype(np.int64)
        kind, max_u = rec[:, 1], rec[:, 2]
        if step.min() < 0 or step.max() >= q.shape[2] - self.n_window:
            raise ValueError("a window record lies outside the stretch: steps must count from its start")
        replica = neuron // self.n_lower
        opened = kind == OPENED
        # each record's latest opening at or before it, within its own neuron (records come grouped
        # by neuron, in time order)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        latest = np.maximum.accumulate(np.where(opened, np.arange(len(rec)), -1))
        own = latest >= first
        ends = ~opened
        starts = np.empty((len(rec), self.n_upper))
        starts[~own] = self.R_pre[neuron[~own]]
        starts[own] = q[replica[own], :, self.n_window + step[latest[own]]]
        o = np.flatnonzero(opened)
        last_open = o[np.r_[neuron[o][1:] != neuron[o][:-1], True]] if len(o) else o
        # the start value each neuron carries into the next stretch: its last opening's
        self.R_pre[neuron[last_open]] = q[replica[last_open], :, self.n_window + step[last_open]]
        e = np.flatnonzero(ends)
        if not len(e):
            return
        R = np.zeros((len(e), self.n_upper))
        for s in range(self.n_window):  # in time order, as the neuron adds them
            R += q[replica[e], :, step[e] + 1 + s]
        y = R / self.n_window - starts[e]
        new = np.r_[True, neuron[e][1:] != neuron[e][:-1]]
        position = np.arange(len(e))
        rank = position - np.maximum.accumulate(np.where(new, position, 0))  # k-th end of its neuron
        self._lms(neuron[e], kind[e] >= 1, max_u[e], y, rank)

    def _lms(self, neuron: np.ndarray, spiked: np.ndarray, max_u: np.ndarray, y: np.ndarray, rank: np.ndarray) -> None:
        """One LMS step per ended window: round k takes every neuron's k-th window (distinct neurons)."""
        for k in range(int(rank.max()) + 1):
            sel = np.flatnonzero(rank == k)
            idx, mu = neuron[sel], max_u[sel][:, None]
            c_int = np.where(spiked[sel], 0, 1)
            c_slope = c_int + 2
            F = self.fits[idx]
            rows = np.arange(len(sel))
            slope, intercept = F[rows, :, c_slope], F[rows, :, c_int]
            err = slope * mu + intercept - y[sel]
            F[rows, :, c_slope] = slope - self.eta_rdd * err * mu
            F[rows, :, c_int] = intercept - self.eta_rdd * err
            self.fits[idx] = F
