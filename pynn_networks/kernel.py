"""A PyNN kernel at the time step of salnest's models: one step of the model = 1 ms of simulated time.

NEST by default; ``simulator="brian2"`` sets up ``pyNN.brian2`` with salnest's Brian2 types
(:mod:`salnest.pynn.brian2`) instead, for the networks whose types exist there.

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


def setup(seed: int, threads: int = 1, time_step: float = TIME_STEP, simulator: str = "nest"):
    """Reset the simulator through PyNN's ``setup`` with ``rng_seed = seed`` and a resolution
    (= minimum delay) of ``time_step`` ms; returns the PyNN backend (``pyNN.nest`` or
    ``pyNN.brian2``, which takes one thread)."""
    if simulator == "brian2":
        import pyNN.brian2 as sim

        import salnest.pynn.brian2  # noqa: F401  (its workarounds of pyNN.brian2)

        if threads != 1:
            raise ValueError(f"Brian2 runs on one thread here, got threads = {threads}")
        sim.setup(timestep=time_step, min_delay=time_step, rng_seed=seed)
        return sim
    if simulator != "nest":
        raise ValueError(f"unknown simulator {simulator!r}; choose 'nest' or 'brian2'")
    import pyNN.nest as sim

    import salnest.pynn.nest  # noqa: F401  (first: loads the models at every setup, quiets PyNN)

    sim.setup(timestep=time_step, min_delay=time_step, rng_seed=seed, threads=threads)
    return sim


def add_simulator_argument(parser) -> None:
    """``--simulator nest|brian2`` for a script (NEST the default)."""
    parser.add_argument("--simulator", choices=["nest", "brian2"], default="nest",
                        help="the simulator, through PyNN (Brian2: one thread; see the documentation's Brian2 page)")


def one_thread_on_brian2(parser, args) -> None:
    """Stop a script, in argparse's one line, when asked for Brian2 with more than one thread."""
    if args.simulator == "brian2" and getattr(args, "threads", 1) != 1:
        parser.error("--simulator brian2 runs on one thread (--threads is NEST's)")


def nest_only(parser, args, reason: str) -> None:
    """Stop a script, in argparse's one line, when asked for Brian2: its networks need NEST (``reason``)."""
    if args.simulator != "nest":
        parser.error(f"--simulator {args.simulator}: this network runs on NEST only: {reason}")


def types(sim):
    """salnest's PyNN type module for the backend ``sim`` (``salnest.pynn.nest`` or ``salnest.pynn.brian2``)."""
    import importlib

    return importlib.import_module(f"salnest.pynn.{sim.__name__.rsplit('.', 1)[-1]}")


@contextlib.contextmanager
def kernel(seed: int, threads: int = 1, time_step: float = TIME_STEP, simulator: str = "nest"):
    """:func:`setup` for the duration of a ``with`` block, then ``sim.end()``."""
    sim = setup(seed, threads, time_step, simulator)
    try:
        yield sim
    finally:
        sim.end()
