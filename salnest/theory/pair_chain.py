"""Exact spike-timing statistics of two reciprocally coupled sampling neurons.

The discrete-time pair (sal-models.md sections 2-4) is a Markov chain over the
neurons' ages ``a_k`` = steps since their last spike, capped at
``A = max(tau_ref, tau_syn)``:

- neuron k is refractory (``z_k = 1``) while ``a_k <= tau_ref - 1``; it may fire
  in step t if ``a_k(t-1) >= tau_ref - 1``, with probability
  ``sigma(u_k - ln tau_ref)``, ``u_k = b_k + W_kj [a_j(t-1) <= tau_syn - 1]``
  (rectangular PSP of ``tau_syn`` steps after a delay of one step);
- firing sets ``a_k = 0``, otherwise ``a_k`` grows by one (up to ``A``).

This is exactly what ``sampling_neuron`` does in NEST with a delay of one
resolution step. From the stationary distribution and first passages to the
partner's spike follow the rates of restricted nearest-neighbour spike pairs at
every ``dt = t1 - t2`` (neuron 1 is the postsynaptic side of ``W12``): after a
spike of one neuron alone, the next event of the merged spike train decides:
the other neuron alone forms a pair at that lag, the same neuron again or both
neurons at once form none. The spike-timing-difference distribution (STDD) and
the SAL drift of both weights follow, with no truncation beyond a tail mass
below ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


@dataclass(frozen=True)
class PairStatistics:
    """Exact pair statistics; rates are per time step."""

    dt: np.ndarray            # lags t1 - t2 in steps, ascending, 0 excluded
    pair_rate: np.ndarray     # rate of pairs at each lag
    spike_rate: np.ndarray    # (2,) spikes per step of neuron 1 and 2
    p_refractory: np.ndarray  # (2,) P(z_k = 1)
    p_joint: np.ndarray       # (2, 2) P(z1, z2)

    @property
    def stdd(self) -> np.ndarray:
        """Spike-timing-difference distribution of pairs over :attr:`dt` (sums to 1)."""
        return self.pair_rate / self.pair_rate.sum()

    def drift(self, window) -> tuple[float, float]:
        """Expected change per step of (W12, W21) for a learning rate of 1.

        ``window(dt)`` is applied with ``dt = t_post - t_pre``: ``t1 - t2`` for W12
        (synapse 2 -> 1) and ``t2 - t1`` for W21.
        """
        return (float(np.sum(self.pair_rate * window(self.dt))),
                float(np.sum(self.pair_rate * window(-self.dt))))

    def mean_update_per_pair(self, window) -> tuple[float, float]:
        """Expected window value per pair for (W12, W21)."""
        total = self.pair_rate.sum()
        d12, d21 = self.drift(window)
        return d12 / total, d21 / total


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


def transition_matrix(w12: float, w21: float, b1: float, b2: float, tau_ref: int,
                      tau_syn: int | None = None) -> tuple[sp.csr_matrix, int]:
    """Row-stochastic transition matrix over states ``a1 * (A + 1) + a2``; returns (P, A)."""
    tau_syn = tau_ref if tau_syn is None else tau_syn
    if tau_ref < 1 or tau_syn < 1:
        raise ValueError("tau_ref and tau_syn must be at least one step")
    cap = max(tau_ref, tau_syn)
    ages = np.arange(cap + 1)
    n = cap + 1
    rows, cols, vals = [], [], []
    log_tau = np.log(tau_ref)
    for a1 in ages:
        for a2 in ages:
            u1 = b1 + (w12 if a2 <= tau_syn - 1 else 0.0)
            u2 = b2 + (w21 if a1 <= tau_syn - 1 else 0.0)
            outcomes = []
            for a, u in ((a1, u1), (a2, u2)):
                older = min(a + 1, cap)
                if a + 1 < tau_ref:
                    outcomes.append(((older, 1.0),))
                else:
                    p = _sigmoid(u - log_tau)
                    outcomes.append(((0, p), (older, 1.0 - p)))
            for n1, p1 in outcomes[0]:
                for n2, p2 in outcomes[1]:
                    if p1 * p2 > 0:
                        rows.append(a1 * n + a2)
                        cols.append(n1 * n + n2)
                        vals.append(p1 * p2)
    P = sp.csr_matrix((vals, (rows, cols)), shape=(n * n, n * n))
    return P, cap


def stationary_distribution(P: sp.csr_matrix) -> np.ndarray:
    """pi with pi P = pi, sum(pi) = 1 (the chain is irreducible on its reachable states)."""
    n = P.shape[0]
    A = (P.T - sp.identity(n, format="csr")).tolil()
    A[0, :] = 1.0  # replace one balance equation by the normalisation
    rhs = np.zeros(n)
    rhs[0] = 1.0
    pi = spla.spsolve(A.tocsc(), rhs)
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def _statistics(P: sp.csr_matrix, fires1, fires2, z1, z2, tol: float, max_lag: int) -> PairStatistics:
    """Pair statistics of a chain whose states are marked by who fired in them and who is refractory."""
    pi = stationary_distribution(P)
    PT = P.T.tocsr()

    def first_passage(start_mask, partner_alone, own_fires):
        """Pair rate at lags 1, 2, ... after a lone spike in ``start_mask`` states."""
        v = np.where(start_mask, pi, 0.0)
        rates = []
        while v.sum() > tol * max(pi[start_mask].sum(), 1e-300) and len(rates) < max_lag:
            v = PT @ v
            rates.append(v[partner_alone].sum())
            v[partner_alone | own_fires] = 0.0  # the next merged event ends the search
        return np.array(rates)

    causal = first_passage(fires2 & ~fires1, fires1 & ~fires2, fires2)       # 2 then 1: dt > 0
    anticausal = first_passage(fires1 & ~fires2, fires2 & ~fires1, fires1)   # 1 then 2: dt < 0
    dt = np.concatenate([-np.arange(len(anticausal), 0, -1), np.arange(1, len(causal) + 1)])
    rate = np.concatenate([anticausal[::-1], causal])
    joint = np.array([[pi[~z1 & ~z2].sum(), pi[~z1 & z2].sum()], [pi[z1 & ~z2].sum(), pi[z1 & z2].sum()]])
    return PairStatistics(
        dt=dt.astype(float), pair_rate=rate,
        spike_rate=np.array([pi[fires1].sum(), pi[fires2].sum()]),
        p_refractory=np.array([pi[z1].sum(), pi[z2].sum()]),
        p_joint=joint,
    )


def pair_statistics(w12: float, w21: float, b1: float, b2: float, tau_ref: int, tau_syn: int | None = None,
                    tol: float = 1e-13, max_lag: int = 1_000_000) -> PairStatistics:
    """Exact restricted nearest-neighbour pair rates with rectangular PSPs (see module docstring).

    ``tol`` bounds the probability mass of first passages longer than the
    largest lag returned; the neglected rate is at most ``tol`` times the spike rate.
    """
    P, cap = transition_matrix(w12, w21, b1, b2, tau_ref, tau_syn)
    n = cap + 1
    a1, a2 = np.divmod(np.arange(n * n), n)
    return _statistics(P, a1 == 0, a2 == 0, a1 <= tau_ref - 1, a2 <= tau_ref - 1, tol, max_lag)


def _spike_histories(tau_ref: int, history: int) -> list[tuple[int, ...]]:
    """All sets of spike ages in [0, history) that respect the refractory period, youngest first."""
    out = [()]

    def extend(ages):
        oldest = ages[-1] if ages else -tau_ref
        for a in range(oldest + tau_ref, history):
            out.append(ages + (a,))
            extend(ages + (a,))

    extend(())
    return out


def truncation_bound(w: float, tau_ref: int, tau_syn: float, history: int) -> float:
    """Largest PSP that spikes older than ``history`` steps can add (exponential PSP):
    ``|w| e^{-history/tau_syn} / (1 - e^{-tau_ref/tau_syn})``. Every transition probability of
    the truncated chain is within a quarter of this of the exact one (``sigma' <= 1/4``)."""
    return abs(w) * np.exp(-history / tau_syn) / (1.0 - np.exp(-tau_ref / tau_syn))


def pair_statistics_history(w12: float, w21: float, b1: float, b2: float, tau_ref: int, psp_kernel,
                            history: int, tol: float = 1e-13, max_lag: int = 1_000_000) -> PairStatistics:
    """Pair statistics for any PSP shape from a chain over each neuron's recent spike ages.

    ``psp_kernel(a)`` is the PSP a spike fired ``a + 1`` steps before the
    current step adds (``a = 0``: the step after the spike). Spikes older than
    ``history`` steps are forgotten: exact for PSPs shorter than that
    (rectangular), an approximation with error :func:`truncation_bound` for
    exponential PSPs. The state space grows quickly with ``history / tau_ref``.
    """
    if history < tau_ref:
        raise ValueError("history must cover at least the refractory period")
    states = _spike_histories(tau_ref, history)
    index = {ages: i for i, ages in enumerate(states)}
    n = len(states)
    youngest = np.array([ages[0] if ages else history for ages in states])
    psp = np.array([sum(psp_kernel(a) for a in ages) for ages in states])
    can_fire = youngest >= tau_ref - 1
    nxt = np.empty((n, 2), dtype=np.int64)
    for i, ages in enumerate(states):
        older = tuple(a + 1 for a in ages if a + 1 < history)
        nxt[i, 0] = index[older]
        nxt[i, 1] = index[(0,) + older] if can_fire[i] else nxt[i, 0]
    s1, s2 = np.divmod(np.arange(n * n), n)
    log_tau = np.log(tau_ref)
    p1 = np.where(can_fire[s1], _sigmoid(b1 + w12 * psp[s2] - log_tau), 0.0)
    p2 = np.where(can_fire[s2], _sigmoid(b2 + w21 * psp[s1] - log_tau), 0.0)
    rows, cols, vals = [], [], []
    for f1, q1 in ((0, 1 - p1), (1, p1)):
        for f2, q2 in ((0, 1 - p2), (1, p2)):
            keep = q1 * q2 > 0
            rows.append(np.arange(n * n)[keep])
            cols.append((nxt[s1, f1] * n + nxt[s2, f2])[keep])
            vals.append((q1 * q2)[keep])
    P = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n * n, n * n))
    return _statistics(P, youngest[s1] == 0, youngest[s2] == 0, youngest[s1] <= tau_ref - 1,
                       youngest[s2] <= tau_ref - 1, tol, max_lag)


def exponential_psp_statistics(w12: float, w21: float, b1: float, b2: float, tau_ref: int, tau_syn: float,
                               history: int | None = None, **kwargs) -> tuple[PairStatistics, float]:
    """Pair statistics with exponential PSPs (``psp_shape = 1`` of ``sampling_neuron``).

    Returns the statistics and the truncation bound on the PSP (see
    :func:`truncation_bound`); ``history`` defaults to ``3 * tau_ref``.
    """
    history = 3 * tau_ref if history is None else history
    stats = pair_statistics_history(w12, w21, b1, b2, tau_ref, lambda a: np.exp(-a / tau_syn), history, **kwargs)
    return stats, truncation_bound(max(abs(w12), abs(w21)), tau_ref, tau_syn, history)


def drift_field(w12_values, w21_values, b1: float, b2: float, tau_ref: int, window,
                tau_syn: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact SAL drift per step of (W12, W21) on a grid; arrays of shape (len(w12), len(w21))."""
    d12 = np.zeros((len(w12_values), len(w21_values)))
    d21 = np.zeros_like(d12)
    for i, w12 in enumerate(w12_values):
        for j, w21 in enumerate(w21_values):
            d12[i, j], d21[i, j] = pair_statistics(w12, w21, b1, b2, tau_ref, tau_syn).drift(window)
    return d12, d21
