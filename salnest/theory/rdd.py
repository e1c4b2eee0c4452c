"""Regression discontinuity design (RDD) weight inference, step by step.

The layer of leaky integrate-and-fire neurons and the estimator of Guerguiev, Kording and
Richards (ICLR 2020; arXiv:1910.01689, DOI 10.48550/arXiv.1910.01689), with their integration
scheme: explicit Euler at dt = 1 ms. This is the specification a NEST model of RDD is to be
tested against (docs/models.md, section 10), written to give the authors' numbers on the same
input (``benchmarks/rdd_crosscheck.py``).

Per step, in this order (one step = 1 ms):

1. windows that end in this step are marked; ``max_u`` of open windows takes the potential
   ``u`` of the previous step; refractory counters count down;
2. the basal drive ``B = alpha sum_k kappa(k) n(t - k + 1)`` over the last ``memory`` steps of
   driving spike counts ``n``, ``kappa(k) = (e^(-k/tau_L) - e^(-k/tau_s)) / (tau_L - tau_s)``;
   the feedback input of each unit above, ``q``, is the same kernel on its spikes, unweighted;
3. ``v += dt (-g_L v + g_D (B - v))``, and ``u`` alike (``u`` is ``v`` without resets while
   a window is open: the drive the neuron would have had);
4. open windows add ``q`` to ``R``; closed ones keep ``R_pre = q`` (the input at the start);
5. a neuron fires if ``v >= theta`` and it is not refractory; then ``v = v_reset`` and it is
   refractory for ``n_ref`` steps (which only blocks spikes; ``v`` keeps integrating);
6. for each window ending now (and ``|max_u - theta| <= u_window``) the estimator fits
   ``y = R / window - R_pre`` against ``max_u`` by one LMS step on the "spiked" line
   (``c2 max_u + c0``) if the neuron fired in the window, else on the "almost spiked" line
   (``c3 max_u + c1``), and ``beta = (c2 theta + c0) - (c3 theta + c1)``;
7. windows count down; outside windows ``u = v``; a window of ``window`` steps opens where
   ``|theta - u| <= init_window``; spikes in open windows are counted; ended windows are cleared.

Every ``rescale_every`` steps the feedback weights are set to ``beta std(B_0) / std(beta)`` where
``beta != 0`` (std over those entries, B_0 the start).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RDDParameters:
    """The constants of the authors' layer (their ``shared_hyperparams``); times in steps of 1 ms."""

    g_L: float = 0.1             #: leak conductance x dt
    g_D: float = 0.6             #: dendritic conductance x dt
    tau_L: float = 10.0          #: slow time constant of the input kernel, steps
    tau_s: float = 3.0           #: fast time constant of the input kernel, steps
    memory: int = 30             #: steps of input history the kernel covers
    alpha: float = 4.0           #: weight of a driving spike
    theta: float = 1.0           #: threshold
    v_reset: float = -1.0        #: reset potential (also the start)
    n_ref: int = 3               #: refractory steps, the spike step included
    window: int = 30             #: integration window, steps
    init_window: float = 0.1     #: a window opens when u comes this close to theta
    u_window: float = 10.0       #: windows whose max u is farther from theta are not used
    eta: float = 0.001           #: LMS learning rate

    def kernel(self) -> np.ndarray:
        """kappa(k) for k = 1 ... memory."""
        k = np.arange(1, self.memory + 1)
        return (np.exp(-k / self.tau_L) - np.exp(-k / self.tau_s)) / (self.tau_L - self.tau_s)


@dataclass
class RDDResult:
    """Final estimator state and the feedback weights after every rescale."""

    fits: np.ndarray            #: (n, 4, m): c0, c1 (intercepts spiked / almost), c2, c3 (slopes)
    beta: np.ndarray            #: (n, m) the jumps at threshold
    feedback_history: np.ndarray  #: (rescales + 1, n, m), [0] the start
    spikes: np.ndarray          #: (steps, n) the layer's spikes


def rdd_layer_run(drive: np.ndarray, feedback: np.ndarray, B0: np.ndarray, rescale_every: int = 10_000,
                  params: RDDParameters = RDDParameters()) -> RDDResult:
    """Run an RDD layer on given input.

    Parameters
    ----------
    drive
        (steps, n) driving spike counts arriving in each step (integers >= 0).
    feedback
        (steps, m) spikes of the m units above as the layer sees them in each step.
    B0
        (n, m) start of the feedback weights ``B[i, j]`` from unit j above to unit i.
    rescale_every
        Steps between rescales of the feedback weights (10 s = 10,000 steps in the paper).
    params
        The layer's constants.
    """
    drive, feedback = np.asarray(drive, dtype=float), np.asarray(feedback, dtype=float)
    steps, n = drive.shape
    m = feedback.shape[1]
    B = np.array(B0, dtype=float)
    if feedback.shape[0] != steps or B.shape != (n, m):
        raise ValueError(f"drive {drive.shape}, feedback {feedback.shape} and B0 {B.shape} do not fit together")
    p = params
    kappa = p.kernel()
    std0 = np.std(B)
    drive_hist, fb_hist = np.zeros((p.memory, n)), np.zeros((p.memory, m))  # newest first
    v, u = np.full(n, p.v_reset), np.full(n, p.v_reset)
    refractory, window_left = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    n_spikes, max_u = np.zeros(n), np.zeros(n)
    R, R_pre = np.zeros((n, m)), np.zeros((n, m))
    fits, beta = np.zeros((n, 4, m)), np.zeros((n, m))
    history, spikes = [B.copy()], np.zeros((steps, n), dtype=bool)
    for t in range(steps):
        drive_hist = np.roll(drive_hist, 1, axis=0)
        drive_hist[0] = drive[t]
        fb_hist = np.roll(fb_hist, 1, axis=0)
        fb_hist[0] = feedback[t]
        ending = window_left == 1
        rising = (window_left > 0) & (u > max_u)
        max_u[rising] = u[rising]
        refractory[refractory > 0] -= 1
        basal = p.alpha * (kappa @ drive_hist)
        q = kappa @ fb_hist
        v = v + (-p.g_L * v + p.g_D * (basal - v))
        u = u + (-p.g_L * u + p.g_D * (basal - u))
        open_ = window_left > 0
        R[open_] += q
        R_pre[~open_] = q
        fired = (v >= p.theta) & (refractory == 0)
        v[fired] = p.v_reset
        refractory[fired] = p.n_ref
        spikes[t] = fired
        for i in np.nonzero(ending & (np.abs(max_u - p.theta) <= p.u_window))[0]:
            y = R[i] / p.window - R_pre[i]
            c_int, c_slope = (0, 2) if n_spikes[i] >= 1 else (1, 3)
            err = fits[i, c_slope] * max_u[i] + fits[i, c_int] - y
            fits[i, c_slope] -= p.eta * err * max_u[i]
            fits[i, c_int] -= p.eta * err
            beta[i] = (fits[i, 2] * p.theta + fits[i, 0]) - (fits[i, 3] * p.theta + fits[i, 1])
        window_left[window_left > 0] -= 1
        closed = window_left == 0
        u[closed] = v[closed]
        opening = (np.abs(p.theta - u) <= p.init_window) & closed
        window_left[opening] = p.window
        n_spikes[(window_left > 0) & fired] += 1
        n_spikes[ending], max_u[ending], R[ending] = 0, 0, 0
        if (t + 1) % rescale_every == 0:
            estimated = beta != 0
            if estimated.any():
                B[estimated] = beta[estimated] * std0 / np.std(beta[estimated])
            history.append(B.copy())
    return RDDResult(fits, beta, np.asarray(history), spikes)
