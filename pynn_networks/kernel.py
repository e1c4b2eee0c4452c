"""A PyNN NEST kernel at the time step of salnest's models: one step of the model = 1 ms of NEST time.

Import the PyNN type modules a network needs (:mod:`salnest.pynn_types` is imported here;
:mod:`salnest.pynn_microcircuit` for microcircuits) before :func:`kernel`: ``sim.setup()``
loads the NEST modules of every imported type module.
"""

from __future__ import annotations

import contextlib

#: Time step and minimum delay (ms): one step, the delay of exact sampling and pairing.
TIME_STEP = 1.0


def setup(seed: int, threads: int = 1):
    """Reset NEST through ``pyNN.nest.setup`` with ``rng_seed = seed``; returns ``pyNN.nest``."""
    import salnest.pynn_types  # noqa: F401  (first: loads the models at every setup, quiets PyNN)

    import pyNN.nest as sim

    sim.setup(timestep=TIME_STEP, min_delay=TIME_STEP, rng_seed=seed, threads=threads)
    return sim


@contextlib.contextmanager
def kernel(seed: int, threads: int = 1):
    """:func:`setup` for the duration of a ``with`` block, then ``sim.end()``."""
    sim = setup(seed, threads)
    try:
        yield sim
    finally:
        sim.end()
