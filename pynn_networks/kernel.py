"""A PyNN NEST kernel at the time step of salnest's models: one step of the model = 1 ms of NEST time.

Networks whose models are defined in milliseconds at another resolution (the STDWI layer of
the weight-inference experiment, 0.25 ms) pass their own ``time_step``; the minimum delay is
one step.

Import the PyNN type modules a network needs (:mod:`salnest.pynn.nest` is imported here;
:mod:`salnest.pynn.microcircuit` for microcircuits) before :func:`kernel`: ``sim.setup()``
loads the NEST modules of every imported type module.
"""

from __future__ import annotations

import contextlib

#: Time step and minimum delay (ms): one step, the delay of exact sampling and pairing.
TIME_STEP = 1.0


def setup(seed: int, threads: int = 1, time_step: float = TIME_STEP):
    """Reset NEST through ``pyNN.nest.setup`` with ``rng_seed = seed`` and a resolution (= minimum
    delay) of ``time_step`` ms; returns ``pyNN.nest``."""
    import pyNN.nest as sim

    import salnest.pynn.nest  # noqa: F401  (first: loads the models at every setup, quiets PyNN)

    sim.setup(timestep=time_step, min_delay=time_step, rng_seed=seed, threads=threads)
    return sim


@contextlib.contextmanager
def kernel(seed: int, threads: int = 1, time_step: float = TIME_STEP):
    """:func:`setup` for the duration of a ``with`` block, then ``sim.end()``."""
    sim = setup(seed, threads, time_step)
    try:
        yield sim
    finally:
        sim.end()
