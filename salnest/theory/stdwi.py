"""Spike-timing-dependent weight inference (STDWI; Ahmad, Ambrogioni and van Gerven 2020,
DOI 10.48550/arXiv.2003.03988) on spike trains in discrete time: the specification of
``stdwi_synapse`` (docs/models.md, section 9), written like the authors' per-step code.
"""

from __future__ import annotations

import numpy as np


def stdwi_run(pre: np.ndarray, post: np.ndarray, dt: float, w0: np.ndarray, eta: float = 0.02,
              decay: float = 0.1, tau_fast: float = 10.0, tau_slow: float = 200.0) -> np.ndarray:
    """Inferred weights after the spike trains, step by step.

    In every step both presynaptic traces decay by ``exp(-dt / tau)`` and then take the step's
    spikes (fast by 1, slow by ``tau_fast / tau_slow``: equal integrals); then every postsynaptic
    neuron that fires in the step updates ``w[i, j] += eta ((x_fast[j] - x_slow[j]) - decay w[i, j])``,
    so a presynaptic spike of the same step counts fully.

    Parameters
    ----------
    pre, post
        Spike counts per step, shapes (steps, n_pre) and (steps, n_post) (0 or 1).
    dt
        Time step, ms.
    w0
        Start of the estimates, shape (n_post, n_pre).
    eta, decay
        Learning rate and decay lambda (per postsynaptic spike), dimensionless.
    tau_fast, tau_slow
        Trace time constants, ms.

    Returns
    -------
    numpy.ndarray
        The estimates after the last step, shape (n_post, n_pre).
    """
    pre, post = np.asarray(pre, dtype=float), np.asarray(post, dtype=bool)
    if pre.shape[0] != post.shape[0]:
        raise ValueError(f"pre has {pre.shape[0]} steps, post {post.shape[0]}")
    w = np.array(w0, dtype=float, copy=True)
    if w.shape != (post.shape[1], pre.shape[1]):
        raise ValueError(f"w0 has shape {w.shape}, expected {(post.shape[1], pre.shape[1])}")
    fast, slow = np.exp(-dt / tau_fast), np.exp(-dt / tau_slow)
    x_fast, x_slow = np.zeros(pre.shape[1]), np.zeros(pre.shape[1])
    for s_pre, s_post in zip(pre, post):
        x_fast = fast * x_fast + s_pre
        x_slow = slow * x_slow + (tau_fast / tau_slow) * s_pre
        if s_post.any():
            w[s_post] += eta * ((x_fast - x_slow) - decay * w[s_post])
    return w
