"""Network states z(t) of sampling neurons, reconstructed from their spikes.

z_k(t) = 1 while neuron k is refractory, i.e. for tau_ref steps from a spike
on (docs/models.md, section 2). Reading states from spikes is exact and far
cheaper than recording ``z`` with a multimeter at every step.
"""

from __future__ import annotations

import numpy as np


def states_from_spikes(times, senders, neuron_ids, tau_ref_steps: int, t_start: float,
                       t_stop: float, resolution: float) -> np.ndarray:
    """Binary states of ``neuron_ids`` at the recording times in (t_start, t_stop].

    Parameters
    ----------
    times, senders
        Spikes as NEST reports them: times in ms, sender node ids.
    neuron_ids
        The neurons, in the order of the state's columns.
    tau_ref_steps
        Refractory period in steps (``z = 1`` for that many steps per spike).
    t_start, t_stop, resolution
        Window and time step, in ms.

    Returns
    -------
    numpy.ndarray
        (T, n) int8 array whose row s is the state recorded at time
        ``t_start + (s + 1) * resolution`` (as a multimeter with this interval would report it).
    """
    times = np.asarray(times, dtype=float)
    senders = np.asarray(senders)
    n_steps = int(round((t_stop - t_start) / resolution))
    z = np.zeros((n_steps + tau_ref_steps, len(neuron_ids)), dtype=np.int8)
    for col, nid in enumerate(neuron_ids):
        # step index of the spike's recording time, relative to t_start
        s = np.rint((times[senders == nid] - t_start) / resolution).astype(np.int64) - 1
        # spikes before t_start still count while they are refractory
        s = s[(s >= -tau_ref_steps) & (s < n_steps)]
        delta = np.zeros(n_steps + tau_ref_steps + 1, dtype=np.int32)
        np.add.at(delta, np.maximum(s, 0), 1)
        np.add.at(delta, s + tau_ref_steps, -1)
        z[:, col] = np.cumsum(delta)[:-1] > 0
    return z[:n_steps]


def state_distribution_from_spikes(times, senders, neuron_ids, tau_ref_steps: int, t_start: float,
                                   t_stop: float, resolution: float) -> np.ndarray:
    """Fraction of recording times in (t_start, t_stop] spent in each of the 2^n states.

    Same result as ``empirical_distribution(states_from_spikes(...))`` (tested), computed from
    the change points alone (spikes and ends of refractory periods), so the cost grows with
    the number of spikes, not with the number of steps.
    """
    n = len(neuron_ids)
    n_steps = int(round((t_stop - t_start) / resolution))
    times = np.asarray(times, dtype=float)
    senders = np.asarray(senders)
    steps, deltas = [], []
    for col, nid in enumerate(neuron_ids):
        s = np.rint((times[senders == nid] - t_start) / resolution).astype(np.int64) - 1
        s = s[(s >= -tau_ref_steps) & (s < n_steps)]
        bit = 1 << (n - 1 - col)  # neuron 0 is the most significant digit, as in all_states
        steps += [np.maximum(s, 0), s + tau_ref_steps]
        deltas += [np.full(len(s), bit), np.full(len(s), -bit)]
    steps = np.concatenate(steps) if steps else np.zeros(0, np.int64)
    deltas = np.concatenate(deltas) if deltas else np.zeros(0, np.int64)
    keep = steps < n_steps
    steps, deltas = steps[keep], deltas[keep]
    order = np.argsort(steps, kind="stable")
    steps, deltas = steps[order], deltas[order]
    # a neuron's refractory windows never overlap, so the running sum of +-bit is the state index
    change, first = np.unique(steps, return_index=True)
    state_after = np.cumsum(deltas)[np.r_[first[1:], len(deltas)] - 1] if len(deltas) else np.zeros(0, np.int64)
    bounds = np.r_[0, change, n_steps] if len(change) == 0 or change[0] != 0 else np.r_[change, n_steps]
    states = np.r_[0, state_after] if len(change) == 0 or change[0] != 0 else state_after
    durations = np.diff(bounds)
    p = np.bincount(states, weights=durations, minlength=2 ** n)
    return p / n_steps
