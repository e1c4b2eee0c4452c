"""The SAL and wake-sleep windows and restricted nearest-neighbour pairing, in NumPy.

These are the definitions of ``nestml_models/sal_synapse.nestml`` written
independently, so tests can compare the NEST synapse against them and theory
code can compute expected drifts. Convention: ``dt = t_post - t_pre`` between
firing times.
"""

from __future__ import annotations

import numpy as np

SAL_WINDOW_SHAPES = ("exponential", "triangular")


def sal_window(dt, tau: float, shape: str = "exponential", a_causal: float = -1.0,
               a_anticausal: float = 1.0) -> np.ndarray:
    """Antisymmetric SAL window K(dt) (docs/models.md, section 3); 0 at dt = 0.

    Parameters
    ----------
    dt
        ``t_post - t_pre`` between firing times (any time unit; steps in salnest's theory).
    tau
        Window time constant, in the unit of ``dt``.
    shape
        ``"exponential"`` or ``"triangular"``.
    a_causal, a_anticausal
        Amplitudes for ``dt > 0`` and ``dt < 0`` (dimensionless).
    """
    if shape not in SAL_WINDOW_SHAPES:
        raise ValueError(f"unknown SAL window shape {shape!r}; choose one of {SAL_WINDOW_SHAPES}")
    dt = np.asarray(dt, dtype=float)
    if shape == "exponential":
        decay = np.exp(-np.abs(dt) / tau)  # -dt / tau for dt > 0, dt / tau for dt < 0, without overflow
        causal = a_causal * decay
        anticausal = a_anticausal * decay
    else:
        causal = np.where(dt < tau, a_causal * (1.0 - dt / tau), 0.0)
        anticausal = np.where(dt > -tau, a_anticausal * (1.0 + dt / tau), 0.0)
    return np.where(dt > 0, causal, np.where(dt < 0, anticausal, 0.0))


def wake_sleep_window(dt, tau: float, phase: float = 1.0) -> np.ndarray:
    """Symmetric triangular Hebbian window of half width ``tau`` (unit of ``dt``), signed by
    ``phase`` (+1 wake, -1 sleep); 0 at dt = 0."""
    dt = np.asarray(dt, dtype=float)
    inside = (dt != 0) & (np.abs(dt) < tau)
    return np.where(inside, phase * (1.0 - np.abs(dt) / tau), 0.0)


def restricted_nn_pairs(pre_times, post_times) -> np.ndarray:
    """``dt = t_post - t_pre`` of all restricted nearest-neighbour pairs, in the unit of the times.

    Every change of neuron in the merged, time-ordered spike train forms one
    pair; simultaneous spikes of the two neurons form none, and neither spike
    of a simultaneous pair is paired with the other neuron's earlier spike
    across it (the rule of ``sal_synapse``: a spike pairs with the partner's
    latest spike strictly before it, if that came strictly after its own
    previous spike).
    """
    pre = np.sort(np.asarray(pre_times, dtype=float))
    post = np.sort(np.asarray(post_times, dtype=float))
    dts = []
    for own, other, sign in ((post, pre, 1.0), (pre, post, -1.0)):
        previous_own = -np.inf
        for t in own:
            k = np.searchsorted(other, t, side="left") - 1  # latest partner spike strictly before t
            if k >= 0 and other[k] > previous_own:
                dts.append(sign * (t - other[k]))
            previous_own = t
    return np.sort(np.array(dts))


def sal_synapse_run(pre_times, post_times, delay: float, weight: float = 1.0, eta_sal: float = 0.01,
                    tau_sal: float = 10.0, shape: str = "exponential", a_causal: float = -1.0,
                    a_anticausal: float = 1.0, sal_gain: float = 1.0, eta_ws: float = 0.0, tau_ws: float = 10.0,
                    ws_phase: float = 1.0, ws_gain: float = 1.0, Wmin: float = -np.inf, Wmax: float = np.inf,
                    eps: float = 1e-6) -> dict[str, float]:
    """What a SAL synapse in NEST computes from given firing times, event by event.

    NEST calls a synapse at each presynaptic spike. It then reads the postsynaptic spikes
    fired in ``(t_last_pre - delay, t_pre - delay]`` (``t_last_pre = 0`` before the first
    spike; ``eps`` is NEST's ``stdp_eps`` tolerance) and pairs them, then pairs the
    presynaptic spike itself (docs/models.md, section 3). Times and ``delay`` in ms, the
    time constants in the same unit. Returns the final ``weight``, ``sal_sum``, ``ws_sum``
    and ``n_pairs``; pairs completed after the last presynaptic spike are not applied.
    """
    if shape not in SAL_WINDOW_SHAPES:
        raise ValueError(f"unknown SAL window shape {shape!r}; choose one of {SAL_WINDOW_SHAPES}")
    post = np.sort(np.asarray(post_times, dtype=float))
    s = {"weight": float(weight), "sal_sum": 0.0, "ws_sum": 0.0, "n_pairs": 0.0}
    t_pre_last = t_pre_before = t_post_last = -np.inf

    def pair(dt):
        k_sal = sal_gain * sal_window(dt, tau_sal, shape, a_causal, a_anticausal)
        k_ws = ws_gain * wake_sleep_window(dt, tau_ws, ws_phase)
        s["sal_sum"] += float(k_sal)
        s["ws_sum"] += float(k_ws)
        s["n_pairs"] += 1
        s["weight"] = min(Wmax, max(Wmin, s["weight"] + eta_sal * float(k_sal) + eta_ws * float(k_ws)))

    for t_pre in np.sort(np.asarray(pre_times, dtype=float)):
        t_last = 0.0 if np.isinf(t_pre_last) else t_pre_last
        for t_post in post[(post >= t_last - delay + eps) & (post < t_pre - delay + eps)]:
            partner = t_pre_before if t_pre_last >= t_post else t_pre_last
            if t_post_last < partner < t_post:
                pair(t_post - partner)
            t_post_last = t_post
        if t_pre_last < t_post_last < t_pre:
            pair(t_post_last - t_pre)
        t_pre_before, t_pre_last = t_pre_last, t_pre
    return s


def all_to_all_sal_sum(pre_times, post_times, tau: float, a_causal: float = -1.0,
                       a_anticausal: float = 1.0) -> float:
    """Sum of the exponential SAL window over all pairs of a presynaptic and a postsynaptic spike
    (``sal_synapse`` with ``sal_pairing = 1``, once every spike is applied); simultaneous spikes
    form no pair. Times and ``tau`` in one unit.

    Between independent spike trains its expectation is 0 whatever their rates, as it is the
    antisymmetric window applied to their cross-correlogram; restricted nearest-neighbour pairs
    are not (:func:`restricted_nn_pairs`, docs/models.md section 3).
    """
    post, pre = np.asarray(post_times, dtype=float), np.asarray(pre_times, dtype=float)
    total = 0.0
    for start in range(0, len(post), 1000):  # bounded memory: 1000 postsynaptic spikes at a time
        dt = np.subtract.outer(post[start:start + 1000], pre)
        total += float(np.sum(sal_window(dt, tau, "exponential", a_causal, a_anticausal)))
    return total
