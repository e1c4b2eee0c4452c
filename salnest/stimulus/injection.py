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
