"""Exact spike-timing statistics of two reciprocally coupled sampling neurons.

The discrete-time pair (docs/models.md, sections 2, 3 and 6) is a Markov chain over the
neurons' ages ``a_k`` = steps since their last spike (0 in the step it fires),
capped at the largest age that still matters. A neuron that may fire in a step
does so with probability ``sigma(u_k - ln tau_ref)``, ``u_k = b_k + W_kj PSP_j``,
with a rectangular PSP of height 1; firing sets ``a_k = 0``, otherwise ``a_k``
grows by one. Two conventions fix the refractoriness and the PSP; for a spike of
neuron k in step ``s`` (all in steps):

============= ========================= ======================== ===============================
convention    ``z_k = 1`` in steps      may fire again from step PSP on the partner in steps
============= ========================= ======================== ===============================
``salnest``   ``s .. s + tau_ref - 1``  ``s + tau_ref``          ``s + 1 .. s + tau_syn``
``reference`` ``s + 1 .. s + tau_ref``  ``s + tau_ref + 1``      ``s + 1 .. s + tau_syn - 1``
============= ========================= ======================== ===============================

``salnest`` is what ``sampling_neuron`` does in NEST with a delay of one
resolution step. ``reference`` is ``sim_poisson_neurons`` of the paper's
reference code (unibe-cns/sal-code, ``spiking_sampling_network/src/
neuralsampling/network.py``): a neuron fires in step ``t`` only if its last
spike is before ``t - tau_ref``, the PSP kernel is ``H(d) H(tau_syn - d)`` at lag
``d = t - t_spike`` with ``H(0) = 0``, and ``z`` is that of its
``get_states_from_spikes`` (1 in ``(t_spike, t_spike + tau_ref]``). In both,
``z_k = 1`` for ``tau_ref`` steps per spike and ``tau_ref`` enters the firing
probability as ``ln tau_ref``; under ``reference`` an uncoupled neuron therefore
fires ``1 / (tau_ref + 1 + tau_ref e^-b)`` spikes per step and has
``P(z = 1) = tau_ref / (tau_ref + 1 + tau_ref e^-b)``, not ``sigma(b)``.

The paper's STDD calculator (``stddc`` in the same repository) has neither:
it uses salnest's refractoriness with a PSP at lags ``1 .. tau_ref - 1`` (its
``rect_PSP`` ignores ``t_syn``), i.e. ``convention="salnest"`` with
``tau_syn = tau_ref - 1``, and pairs spikes by a rule of its own
(``benchmarks/reference_convention.py``).

From the stationary distribution and first passages to the partner's spike
follow the rates of restricted nearest-neighbour spike pairs at every
``dt = t1 - t2`` (neuron 1 is the postsynaptic side of ``W12``), exactly the pairs
of :func:`salnest.theory.windows.restricted_nn_pairs` and the NEST SAL synapse: a
spike pairs with the partner's latest spike strictly before it if that came
strictly after its own previous spike. Which pair a spike forms therefore
depends only on the previous event of the merged spike train (one neuron alone,
or both in the same step), whatever came before it:

=========================== =========================== ==========================================
previous event              next event                  pairs formed by the next event
=========================== =========================== ==========================================
neuron ``j`` alone          neuron ``k != j`` alone     one, ``k``'s spike with ``j``'s
neuron ``j`` alone          both neurons                one, ``k``'s half with ``j``'s spike
                                                        (not ``j``'s half: ``j``'s own lone spike
                                                        is more recent than any of ``k``'s)
neuron ``j`` alone          neuron ``j`` alone          none
both neurons                anything                    none (for each neuron the partner's latest
                                                        spike is in the same step as its own
                                                        previous one, not after it)
=========================== =========================== ==========================================

Simultaneous spikes of the two neurons never pair with each other. So after a
lone spike of ``j`` the first later step in which ``k`` fires, alone or with
``j``, forms a pair at that lag, unless ``j`` fires alone before it. The
spike-timing-difference distribution (STDD) and the SAL drift of both weights
follow, with no truncation beyond a tail mass below ``tol``. The pairing rule
is one of spike trains, the same in both conventions. Its pairs into a
simultaneous spike have no time-reversed counterpart, so the STDD of two
uncoupled neurons is not symmetric unless their rates are equal, and SAL
drifts even at ``W12 = W21 = 0`` then.
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


CONVENTIONS = ("salnest", "reference")


def _shortest_isi(convention: str, tau_ref: int) -> int:
    """Steps from a spike to the earliest next one; the neuron may fire once its age is at least this minus 1."""
    if convention == "salnest":
        return tau_ref
    if convention == "reference":
        return tau_ref + 1  # dead for the tau_ref steps after the spike step
    raise ValueError(f"unknown convention {convention!r}; choose one of {CONVENTIONS}")


def _rectangular_psp_steps(convention: str, tau_syn: int) -> int:
    """Number of lags ``1, 2, ...`` after a spike that its rectangular PSP covers."""
    # the reference's kernel H(d) H(tau_syn - d) vanishes at d = tau_syn because H(0) = 0
    return tau_syn if convention == "salnest" else tau_syn - 1


def transition_matrix(w12: float, w21: float, b1: float, b2: float, tau_ref: int,
                      tau_syn: int | None = None, convention: str = "salnest") -> tuple[sp.csr_matrix, int]:
    """Row-stochastic transition matrix of the age chain with rectangular PSPs.

    Parameters
    ----------
    w12, w21 : float
        Weights onto neuron 1 (from 2) and onto neuron 2 (from 1).
    b1, b2 : float
        Biases.
    tau_ref : int
        Refractory period in steps.
    tau_syn : int, optional
        PSP duration parameter in steps; ``tau_ref`` if omitted.
    convention : {"salnest", "reference"}
        Refractoriness and PSP lags (module docstring).

    Returns
    -------
    P : scipy.sparse.csr_matrix
        Transition probabilities between the states ``a1 * (A + 1) + a2``.
    A : int
        Largest age, in steps; older ages are merged into it.
    """
    tau_syn = tau_ref if tau_syn is None else tau_syn
    if tau_ref < 1 or tau_syn < 1:
        raise ValueError("tau_ref and tau_syn must be at least one step")
    isi = _shortest_isi(convention, tau_ref)
    psp_steps = _rectangular_psp_steps(convention, tau_syn)
    cap = max(isi, psp_steps)
    ages = np.arange(cap + 1)
    n = cap + 1
    rows, cols, vals = [], [], []
    log_tau = np.log(tau_ref)
    for a1 in ages:
        for a2 in ages:
            u1 = b1 + (w12 if a2 <= psp_steps - 1 else 0.0)
            u2 = b2 + (w21 if a1 <= psp_steps - 1 else 0.0)
            outcomes = []
            for a, u in ((a1, u1), (a2, u2)):
                older = min(a + 1, cap)
                if a + 1 < isi:
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


#: Largest chain solved directly; beyond it LU fill-in makes ``spsolve`` take minutes (212,521 states
#: of an alpha-PSP pair with 30 steps of history), while power iteration takes a fraction of a second.
DIRECT_SOLVE_STATES = 20_000


def stationary_distribution(P: sp.csr_matrix, tol: float = 1e-15, max_iterations: int = 1_000_000) -> np.ndarray:
    """pi with pi P = pi, sum(pi) = 1 (the chain is irreducible on its reachable states).

    Chains of up to :data:`DIRECT_SOLVE_STATES` states are solved directly. Larger ones by power
    iteration of the lazy chain (P + I) / 2, which has the same pi and cannot be periodic, until an
    iteration changes pi by less than ``tol`` in L1 norm (the error is that over one minus the
    second eigenvalue's modulus: about 1e-13 for the pairs here).
    """
    n = P.shape[0]
    if n <= DIRECT_SOLVE_STATES:
        A = (P.T - sp.identity(n, format="csr")).tolil()
        A[0, :] = 1.0  # replace one balance equation by the normalisation
        rhs = np.zeros(n)
        rhs[0] = 1.0
        pi = spla.spsolve(A.tocsc(), rhs)
    else:
        PT = P.T.tocsr()
        pi = np.full(n, 1.0 / n)
        for _ in range(max_iterations):
            nxt = 0.5 * (PT @ pi + pi)
            change = np.abs(nxt - pi).sum()
            pi = nxt
            if change < tol:
                break
        else:
            raise RuntimeError(f"power iteration did not converge in {max_iterations} iterations "
                               f"(last change {change:.2e})")
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


@dataclass(frozen=True)
class PairChain:
    """A pair's Markov chain: transition matrix and, per state, who fired in it and who is refractory."""

    P: sp.csr_matrix
    fires1: np.ndarray
    fires2: np.ndarray
    z1: np.ndarray
    z2: np.ndarray


def chain_statistics(chain: PairChain, tol: float = 1e-13, max_lag: int = 1_000_000,
                     pi: np.ndarray | None = None) -> PairStatistics:
    """Pair statistics of ``chain`` (its stationary distribution ``pi`` if already known)."""
    P, fires1, fires2, z1, z2 = chain.P, chain.fires1, chain.fires2, chain.z1, chain.z2
    pi = stationary_distribution(P) if pi is None else pi
    PT = P.T.tocsr()

    anyone_fires = fires1 | fires2

    def first_passage(start_mask, partner_fires):
        """Pair rate at lags 1, 2, ... after a lone spike in ``start_mask`` states.

        The next event of the merged train ends the search; it forms a pair iff the partner
        fires in it, also together with the lone spike's neuron (module docstring).
        """
        v = np.where(start_mask, pi, 0.0)
        rates = []
        while v.sum() > tol * max(pi[start_mask].sum(), 1e-300) and len(rates) < max_lag:
            v = PT @ v
            rates.append(v[partner_fires].sum())
            v[anyone_fires] = 0.0
        return np.array(rates)

    # a simultaneous spike of both forms no pair at all, so only lone spikes start a search
    causal = first_passage(fires2 & ~fires1, fires1)       # 2 then 1: dt > 0
    anticausal = first_passage(fires1 & ~fires2, fires2)   # 1 then 2: dt < 0
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
                    tol: float = 1e-13, max_lag: int = 1_000_000, convention: str = "salnest") -> PairStatistics:
    """Exact restricted nearest-neighbour pair rates with rectangular PSPs.

    Parameters
    ----------
    w12, w21 : float
        Weights onto neuron 1 (from 2) and onto neuron 2 (from 1).
    b1, b2 : float
        Biases; a neuron that may fire does so with probability ``sigma(u - ln tau_ref)``.
    tau_ref : int
        Refractory period in steps: ``z = 1`` for ``tau_ref`` steps per spike.
    tau_syn : int, optional
        PSP duration parameter in steps; ``tau_ref`` if omitted. The PSP covers
        lags ``1 .. tau_syn`` (``salnest``) or ``1 .. tau_syn - 1`` (``reference``).
    tol : float
        Bound on the probability mass of first passages longer than the largest
        lag returned; the neglected rate is at most ``tol`` times the spike rate.
    max_lag : int
        Largest lag in steps followed on either side.
    convention : {"salnest", "reference"}
        ``"salnest"``: z = 1 from the spike step for ``tau_ref`` steps, next spike
        possible ``tau_ref`` steps after a spike. ``"reference"``: the paper's
        ``sim_poisson_neurons``, dead (z = 1) for the ``tau_ref`` steps after the
        spike step, next spike possible ``tau_ref + 1`` steps after it. See the
        module docstring.

    Returns
    -------
    PairStatistics
        Rates per step; ``p_refractory`` and ``p_joint`` use ``z`` of the convention.

    Notes
    -----
    The chain holds one PSP per neuron, so it is exact while a neuron's
    successive PSPs cannot overlap: ``tau_syn <= tau_ref`` (``salnest``) or
    ``tau_syn <= tau_ref + 2`` (``reference``); both neuron models add
    overlapping PSPs, as :func:`pair_statistics_history` does.
    """
    return chain_statistics(rectangular_chain(w12, w21, b1, b2, tau_ref, tau_syn, convention), tol, max_lag)


def rectangular_chain(w12: float, w21: float, b1: float, b2: float, tau_ref: int, tau_syn: int | None = None,
                      convention: str = "salnest") -> PairChain:
    """The age chain of :func:`pair_statistics` (parameters as there)."""
    P, cap = transition_matrix(w12, w21, b1, b2, tau_ref, tau_syn, convention)
    n = cap + 1
    a1, a2 = np.divmod(np.arange(n * n), n)
    # z = 1 at ages 0 .. tau_ref - 1 also for the reference's ages 1 .. tau_ref: refractory neurons age
    # deterministically, so P(a1, a2) = P(a1 + 1, a2 + 1) there and shifting both windows changes no P(z1, z2)
    return PairChain(P, a1 == 0, a2 == 0, a1 <= tau_ref - 1, a2 <= tau_ref - 1)


#: The longest refractory period (steps) of a pair whose exact chain salnest's experiments solve: the
#: age chain costs about tau_ref^3 (0.02 s at 25, 5 s at 300, 250 s at 1000 on one core).
MAX_CHAIN_TAU_REF = 300

#: The most states of a pair's history chain (:func:`history_chain`) salnest's experiments solve
#: (212,521 take about 0.6 s).
MAX_CHAIN_STATES = 2_000_000


def history_states(isi: int, history: int, limit: int | None = None) -> int:
    """How many states one neuron has in :func:`history_chain`: the sets of spike ages in
    [0, history) at least ``isi`` apart (the pair's chain has the square of it). With ``limit``,
    the count stops as soon as it exceeds it (the number then returned is only known to be larger)."""
    counts = [n + 1 for n in range(min(history, isi) + 1)]  # at most one spike fits in isi steps
    for n in range(isi + 1, history + 1):
        counts.append(counts[n - 1] + counts[n - isi])  # age n - 1 empty, or a spike there
        if limit is not None and counts[-1] > limit:
            return counts[-1]
    return counts[history]


def _spike_histories(isi: int, history: int) -> list[tuple[int, ...]]:
    """All sets of spike ages in [0, history) at least ``isi`` apart, youngest first."""
    out = [()]

    def extend(ages):
        oldest = ages[-1] if ages else -isi
        for a in range(oldest + isi, history):
            out.append(ages + (a,))
            extend(ages + (a,))

    extend(())
    return out


def exponential_psp(tau_syn: float):
    """``psp_kernel`` of exponential PSPs (``psp_shape = 1``): ``exp(-a / tau_syn)``, height 1 in the
    step after the spike (``a = 0``)."""
    return lambda a: np.exp(-np.asarray(a, float) / tau_syn)


def alpha_psp(tau_ref: float, tau_syn: float):
    """``psp_kernel`` of alpha PSPs (``psp_shape = 2``): ``kappa(a + 1)`` with
    ``kappa(zeta) = tau_ref / tau_syn**2 * zeta * exp(-zeta / tau_syn)``, ``zeta`` the steps since the
    spike. This is ``alpha_PSP`` of the paper's STDD calculator (``stddc.funcs``), whose area is
    ``tau_ref``; it peaks at ``zeta = tau_syn``."""
    gain = tau_ref / tau_syn**2
    return lambda a: gain * (np.asarray(a, float) + 1.0) * np.exp(-(np.asarray(a, float) + 1.0) / tau_syn)


PSP_KERNELS = {"exponential": lambda tau_ref, tau_syn: exponential_psp(tau_syn), "alpha": alpha_psp}


def truncation_bound(w: float, tau_ref: int, psp_kernel, history: int) -> float:
    """Largest PSP that the spikes older than ``history`` steps can add: ``|w| sum_k psp_kernel(history +
    k tau_ref)``, since one neuron's spikes are at least ``tau_ref`` steps apart (in both conventions) and
    the kernel must not rise beyond ``history`` (checked). Every transition probability of the truncated
    chain is within a quarter of this of the exact one (``sigma' <= 1/4``). For exponential PSPs it is
    ``|w| e^{-history/tau_syn} / (1 - e^{-tau_ref/tau_syn})``.
    """
    tail = psp_kernel(history + np.arange(0, 1 + 100 * tau_ref))
    if np.any(np.diff(tail) > 0) or np.any(tail < 0):
        raise ValueError(f"the PSP kernel must be non-negative and non-increasing from history = {history} on; "
                         "choose a longer history")
    terms = psp_kernel(history + tau_ref * np.arange(100_000))
    return float(abs(w) * terms.sum())


def pair_statistics_history(w12: float, w21: float, b1: float, b2: float, tau_ref: int, psp_kernel,
                            history: int, tol: float = 1e-13, max_lag: int = 1_000_000,
                            convention: str = "salnest") -> PairStatistics:
    """Pair statistics for any PSP shape from a chain over each neuron's recent spike ages
    (:func:`history_chain`, parameters as there)."""
    return chain_statistics(history_chain(w12, w21, b1, b2, tau_ref, psp_kernel, history, convention), tol, max_lag)


def history_chain(w12: float, w21: float, b1: float, b2: float, tau_ref: int, psp_kernel, history: int,
                  convention: str = "salnest") -> PairChain:
    """The chain over each neuron's recent spike ages, for any PSP shape.

    Parameters
    ----------
    w12, w21, b1, b2, tau_ref
        As in :func:`pair_statistics`.
    psp_kernel : callable
        ``psp_kernel(a)`` is the PSP a spike fired ``a + 1`` steps before the
        current step adds (``a = 0``: the step after the spike), in both
        conventions; the PSPs of all remembered spikes add up.
    history : int
        Spikes older than ``history`` steps are forgotten: exact for PSPs
        shorter than that (rectangular), an approximation with error
        :func:`truncation_bound` for exponential and alpha PSPs. At least the shortest
        inter-spike interval (``tau_ref``, or ``tau_ref + 1`` under ``reference``).
        The state space grows quickly with ``history / tau_ref``.
    convention : {"salnest", "reference"}
        Refractoriness and ``z`` as in :func:`pair_statistics`; the PSP is
        ``psp_kernel`` in both.

    Returns
    -------
    PairChain
    """
    isi = _shortest_isi(convention, tau_ref)
    if history < isi:
        raise ValueError("history must cover at least the shortest inter-spike interval")
    states = _spike_histories(isi, history)
    index = {ages: i for i, ages in enumerate(states)}
    n = len(states)
    youngest = np.array([ages[0] if ages else history for ages in states])
    psp = np.array([sum(psp_kernel(a) for a in ages) for ages in states])
    can_fire = youngest >= isi - 1
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
    # z as in pair_statistics
    return PairChain(P, youngest[s1] == 0, youngest[s2] == 0, youngest[s1] <= tau_ref - 1, youngest[s2] <= tau_ref - 1)


def shaped_psp_chain(w12: float, w21: float, b1: float, b2: float, tau_ref: int, tau_syn: float,
                     shape: str = "exponential", history: int | None = None,
                     convention: str = "salnest") -> tuple[PairChain, float]:
    """The chain of a pair of ``sampling_neuron`` with a given PSP shape: rectangular (the exact age
    chain, :func:`rectangular_chain`), exponential or alpha (``psp_shape`` 0, 1, 2; a chain over the
    recent spike history, :func:`history_chain`).

    Parameters
    ----------
    w12, w21, b1, b2, tau_ref
        As in :func:`pair_statistics`.
    tau_syn : float
        The PSP's time constant in steps (any positive number), or a rectangular PSP's duration
        (whole steps).
    shape : {"rectangular", "exponential", "alpha"}
        Rectangular, :func:`exponential_psp` or :func:`alpha_psp`.
    history : int, optional
        Steps of spike history the chain keeps; ``3 * tau_ref`` if omitted.
    convention : {"salnest", "reference"}
        Changes the refractoriness, not the kernel.

    Returns
    -------
    PairChain
    float
        :func:`truncation_bound` of the forgotten PSPs, for the larger weight (0 for rectangular PSPs,
        whose chain is exact).
    """
    if shape == "rectangular":
        if tau_syn != int(tau_syn):
            raise ValueError(f"a rectangular PSP lasts whole steps, got tau_syn = {tau_syn}")
        return rectangular_chain(w12, w21, b1, b2, tau_ref, int(tau_syn), convention), 0.0
    if shape not in PSP_KERNELS:
        raise ValueError(f"unknown PSP shape {shape!r}; choose one of {['rectangular', *sorted(PSP_KERNELS)]}")
    kernel = PSP_KERNELS[shape](tau_ref, tau_syn)
    history = 3 * tau_ref if history is None else history
    bound = truncation_bound(max(abs(w12), abs(w21)), tau_ref, kernel, history)
    return history_chain(w12, w21, b1, b2, tau_ref, kernel, history, convention), bound


def shaped_psp_statistics(w12: float, w21: float, b1: float, b2: float, tau_ref: int, tau_syn: float,
                          shape: str = "exponential", history: int | None = None, tol: float = 1e-13,
                          max_lag: int = 1_000_000, convention: str = "salnest") -> tuple[PairStatistics, float]:
    """Pair statistics and truncation bound of :func:`shaped_psp_chain` (parameters as there; ``tol``
    and ``max_lag`` as in :func:`pair_statistics`)."""
    chain, bound = shaped_psp_chain(w12, w21, b1, b2, tau_ref, tau_syn, shape, history, convention)
    return chain_statistics(chain, tol, max_lag), bound


def drift_field(w12_values, w21_values, b1: float, b2: float, tau_ref: int, window,
                tau_syn: int | None = None, convention: str = "salnest") -> tuple[np.ndarray, np.ndarray]:
    """Exact SAL drift per step of (W12, W21) on a grid; arrays of shape (len(w12), len(w21)).

    ``tau_syn`` and ``convention`` as in :func:`pair_statistics`.
    """
    d12 = np.zeros((len(w12_values), len(w21_values)))
    d21 = np.zeros_like(d12)
    for i, w12 in enumerate(w12_values):
        for j, w21 in enumerate(w21_values):
            d12[i, j], d21[i, j] = pair_statistics(w12, w21, b1, b2, tau_ref, tau_syn,
                                                   convention=convention).drift(window)
    return d12, d21


def mean_field_trajectory(w12: float, w21: float, b1: float, b2: float, tau_ref: int, window, eta: float,
                          times: np.ndarray, w21_plastic: bool = True, max_step: float = 0.02) -> np.ndarray:
    """The deterministic mean field ``dW/dt = eta * drift(W)`` of a plastic pair, with the exact drift
    per step of :func:`pair_statistics`, integrated by Euler steps of at most ``max_step`` in weight.

    Parameters
    ----------
    w12, w21
        Weights at ``times[0]``.
    b1, b2, tau_ref, window
        As :func:`pair_statistics` and :meth:`PairStatistics.drift`.
    eta
        SAL's learning rate.
    times
        Times (steps) at which the weights are returned.
    w21_plastic
        False: only W12 learns, W21 stays where it is.

    Returns
    -------
    numpy.ndarray
        (len(times), 2): W12 and W21 at every time.
    """
    w = np.array([w12, w21], float)
    out = [w.copy()]
    mask = np.array([1.0, 1.0 if w21_plastic else 0.0])

    def velocity(w):
        return eta * mask * np.array(pair_statistics(w[0], w[1], b1, b2, tau_ref).drift(window))

    for t0, t1 in zip(times[:-1], times[1:]):
        v = velocity(w)
        n_sub = max(1, int(np.ceil(np.abs(v).max() * (t1 - t0) / max_step)))
        dt = (t1 - t0) / n_sub
        for k in range(n_sub):
            w = w + dt * (v if k == 0 else velocity(w))
        out.append(w.copy())
    return np.array(out)


def all_to_all_drift(w12: float, w21: float, b1: float, b2: float, tau_ref: int, window, tau_window: float,
                     tau_syn: int | None = None, convention: str = "salnest",
                     tol: float = 1e-12) -> tuple[float, float]:
    """Exact SAL drift per step of (W12, W21) with all-to-all pairing (``sal_pairing = 1``).

    Every spike pair counts, so the drift is the window on the cross-correlogram,
    ``sum_lag P(2 fires at t, 1 at t + lag) window(lag)`` over lags of both signs (0 excluded),
    with ``window(dt)`` applied to ``dt = t1 - t2`` for W12 as in :meth:`PairStatistics.drift`.
    Lags run until the window falls below ``tol`` (``tau_window`` is its time constant, steps);
    the neglected part is below ``tol`` times the spike rate per step.
    """
    P, cap = transition_matrix(w12, w21, b1, b2, tau_ref, tau_syn, convention)
    n = cap + 1
    a1, a2 = np.divmod(np.arange(n * n), n)
    fires1, fires2 = a1 == 0, a2 == 0
    pi = stationary_distribution(P)
    PT = P.T.tocsr()
    max_lag = int(np.ceil(-np.log(tol) * tau_window))

    def correlogram(first, then):
        v, out = np.where(first, pi, 0.0), []
        for _ in range(max_lag):
            v = PT @ v
            out.append(v[then].sum())
        return np.array(out)

    lags = np.arange(1, max_lag + 1)
    c21, c12 = correlogram(fires2, fires1), correlogram(fires1, fires2)  # 2 then 1 (dt > 0), 1 then 2
    d12 = float(np.sum(c21 * window(lags)) + np.sum(c12 * window(-lags)))
    d21 = float(np.sum(c12 * window(lags)) + np.sum(c21 * window(-lags)))
    return d12, d21
