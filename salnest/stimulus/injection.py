"""Given spike trains into NEST: parrot neurons that fire at chosen steps, for tests and
cross-checks of plasticity rules against their step-by-step definitions."""

from __future__ import annotations

import numpy as np


def parrot_trains(nest, trains_steps, dt: float, delay_steps: int = 1):
    """One ``parrot_neuron`` per train, firing at the given steps (the firing time of step s is
    ``s * dt`` ms); returns the parrots' NodeCollection. Steps must be >= ``delay_steps`` + 1."""
    generators = nest.Create("spike_generator", len(trains_steps))
    for generator, steps in zip(generators, trains_steps):
        generator.spike_times = [(s - delay_steps) * dt for s in steps]
    parrots = nest.Create("parrot_neuron", len(trains_steps))
    nest.Connect(generators, parrots, "one_to_one", syn_spec={"delay": delay_steps * dt})
    return parrots


def stdwi_on_trains(nest, pre: np.ndarray, post: np.ndarray, w0: np.ndarray, params: dict, dt: float,
                    delay_steps: int = 1):
    """``stdwi_synapse`` estimates after the 0/1 trains ``pre`` (steps, n_pre) and ``post``
    (steps, n_post), all to all, in a fresh kernel of resolution ``dt`` ms.

    The synapses end on the postsynaptic parrots' receptor 1, which does not repeat spikes, so
    the trains stay as given. Every presynaptic parrot fires once more two steps after the
    trains: a synapse applies postsynaptic spikes at the next presynaptic one. Returns the
    estimates (n_post, n_pre) and the connections.
    """
    from salnest.models.loading import install

    nest.ResetKernel()
    nest.set(resolution=dt, rng_seed=1)
    install()
    offset, flush = 10, pre.shape[0] + 2  # steps: room for the generators' delay; the last spike
    pre_parrots = parrot_trains(nest, [list(np.nonzero(pre[:, j])[0] + offset) + [flush + offset]
                                       for j in range(pre.shape[1])], dt, delay_steps)
    post_parrots = parrot_trains(nest, [list(np.nonzero(post[:, i])[0] + offset) for i in range(post.shape[1])],
                                 dt, delay_steps)
    nest.Connect(pre_parrots, post_parrots, "all_to_all",
                 syn_spec={"synapse_model": "stdwi_synapse", "receptor_type": 1, "delay": delay_steps * dt,
                           **params})
    conns = nest.GetConnections(source=pre_parrots, target=post_parrots)
    src = np.array(conns.source) - pre_parrots[0].global_id
    tgt = np.array(conns.target) - post_parrots[0].global_id
    conns.set(w_inferred=w0[tgt, src])
    nest.Simulate((flush + offset + 10) * dt)
    w = np.zeros_like(w0, dtype=float)
    w[tgt, src] = conns.get("w_inferred")
    return w, conns


def rdd_on_trains(nest, drive: np.ndarray, feedback: np.ndarray, alpha: float):
    """``rdd_neuron`` nodes on given input, in a fresh kernel of resolution 1 ms, simulated to the end.

    Parameters
    ----------
    drive : ndarray of int, shape (steps, n)
        Drive spike counts per step and neuron, at receptor 1 with weight ``alpha``.
    feedback : ndarray, shape (steps, m)
        Feedback spikes per step from m parrots at receptor 2, the feedback sources of every neuron.
    alpha : float
        Weight of the drive (model units).

    Returns
    -------
    neurons : NodeCollection
        The n ``rdd_neuron`` nodes.
    spikes : ndarray of bool, shape (steps, n)
        Their spikes by step. Every input arrives in the step given.
    """
    from salnest.models.loading import install

    nest.ResetKernel()
    nest.set(resolution=1.0)
    install()
    steps, n = drive.shape
    neurons = nest.Create("rdd_neuron", n)
    # a parrot spike stamped t (fired in step t - 1) arrives in step t
    parrots = parrot_trains(nest, [np.nonzero(feedback[:, j])[0] for j in range(feedback.shape[1])], 1.0)
    neurons.set([{"feedback_sources": parrots.tolist()}] * n)
    for i in range(n):  # a generator spike at t ms arrives in step t with a delay of one step
        t = np.nonzero(drive[:, i])[0]
        if len(t):
            g = nest.Create("spike_generator", params={"spike_times": t.astype(float),
                                                       "spike_multiplicities": drive[t, i].astype(int)})
            nest.Connect(g, neurons[i], syn_spec={"weight": alpha, "receptor_type": 1})
    nest.Connect(parrots, neurons, syn_spec={"receptor_type": 2})
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)
    nest.Simulate(float(steps))
    events = recorder.events
    spikes = np.zeros((steps, n), dtype=bool)
    spikes[events["times"].astype(int) - 1, events["senders"] - neurons[0].global_id] = True  # stamp = step + 1
    return neurons, spikes
