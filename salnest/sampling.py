"""Network states z(t) of sampling neurons, reconstructed from their spikes.

z_k(t) = 1 while neuron k is refractory, i.e. for tau_ref steps from a spike
on (sal-models.md section 2). Reading states from spikes is exact and far
cheaper than recording ``z`` with a multimeter at every step.
"""

from __future__ import annotations

import numpy as np


def states_from_spikes(times, senders, neuron_ids, tau_ref_steps: int, t_start: float,
                       t_stop: float, resolution: float) -> np.ndarray:
    """Binary states of ``neuron_ids`` at the recording times in (t_start, t_stop].

    Returns a (T, n) int8 array whose row s is the state recorded at time
    ``t_start + (s + 1) * resolution`` (as a multimeter with this interval
    would report it). Spikes are given as NEST reports them (times in ms,
    sender node IDs).
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
