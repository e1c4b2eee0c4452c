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


def stdwi_pending(w: np.ndarray, x_fast: np.ndarray, x_slow: np.ndarray, t_last_pre: np.ndarray, post_times,
                  eta: float = 0.02, decay: float = 0.1, tau_fast: float = 10.0, tau_slow: float = 200.0
                  ) -> np.ndarray:
    """The estimates of ``stdwi_synapse`` connections once the postsynaptic spikes they have not
    applied yet are applied, with the synapse's own arithmetic.

    A synapse applies postsynaptic spikes at its next presynaptic spike, so its ``w_inferred``
    lags behind by the postsynaptic spikes fired at or after its last presynaptic spike. This
    completes the estimate from the synapse's state without changing the network.

    Parameters
    ----------
    w, x_fast, x_slow, t_last_pre
        The connections' ``w_inferred``, traces and time of the last presynaptic spike (ms),
        shape (n_post, n_pre).
    post_times
        Per postsynaptic neuron, the firing times (ms, ascending) since the kernel started, or
        at least since the earliest ``t_last_pre`` of its connections.
    eta, decay, tau_fast, tau_slow
        The synapses' parameters (as :func:`stdwi_run`).

    Returns
    -------
    numpy.ndarray
        The completed estimates, shape (n_post, n_pre).
    """
    w = np.array(w, dtype=float, copy=True)
    for i, times in enumerate(post_times):
        times = np.asarray(times, dtype=float)
        first = np.searchsorted(times, t_last_pre[i], side="left")  # spikes at t >= t_last_pre are pending
        for k in range(int(first.min(initial=len(times))), len(times)):
            pending = first <= k
            dt = times[k] - t_last_pre[i, pending]
            trace = x_fast[i, pending] * np.exp(-dt / tau_fast) - x_slow[i, pending] * np.exp(-dt / tau_slow)
            w[i, pending] += eta * (trace - decay * w[i, pending])
    return w


def leaky_integrator_run(counts: np.ndarray, W: np.ndarray, dt: float, tau: float = 20.0,
                         tau_slow: float = 10.0, tau_fast: float = 3.0, kernel_steps: int = 280) -> np.ndarray:
    """Spikes of the STDWI authors' layer of leaky integrators driven by spike counts, step by step.

    Their scheme: each input spike train is filtered with ``(e^(-m dt / tau_slow) - e^(-m dt / tau_fast))
    / (tau_slow - tau_fast)`` over lags ``m = 0 ... kernel_steps - 1`` (0 at lag 0), ``I = W xi``;
    then, from ``v = 0``, ``v += dt / tau ((0 - v) + (I(t - 1) - v))`` (coupling ratio 1), and a
    neuron with ``v >= 1`` fires and is reset to -1 (no refractoriness).

    Parameters
    ----------
    counts
        Input spikes per step, (steps, n_pre).
    W
        Weights (n_post, n_pre), the authors' units.
    dt
        Time step, ms.
    tau, tau_slow, tau_fast
        Membrane and filter time constants, ms.
    kernel_steps
        Length of the filter, steps.

    Returns
    -------
    numpy.ndarray
        Spikes (steps, n_post), booleans; step 0 never fires (the authors' loop starts at 1).
    """
    counts = np.asarray(counts, dtype=float)
    m = dt * np.arange(kernel_steps)
    kernel = (np.exp(-m / tau_slow) - np.exp(-m / tau_fast)) / (tau_slow - tau_fast)
    xi = np.stack([np.convolve(counts[:, j], kernel)[: len(counts)] for j in range(counts.shape[1])], axis=1)
    current = xi @ np.asarray(W, dtype=float).T
    v = np.zeros(W.shape[0])
    spikes = np.zeros((len(counts), W.shape[0]), dtype=bool)
    for t in range(1, len(counts)):
        v = v + (dt / tau) * ((0.0 - v) + (current[t - 1] - v))
        fired = v >= 1.0
        v[fired] = -1.0
        spikes[t] = fired
    return spikes
