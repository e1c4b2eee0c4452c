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
        causal = a_causal * np.exp(-dt / tau)
        anticausal = a_anticausal * np.exp(dt / tau)
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
