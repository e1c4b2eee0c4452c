"""What several experiment modules share: a NEST kernel from a protocol, runs in pieces for a progress
display, weights read at regular times, grids and the SAL window of a protocol.

Not an experiment module itself (the leading underscore keeps the registry from looking for kinds
here)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from salnest.theory.windows import sal_window


def kernel(protocol: dict, seed: int | None = None):
    """:func:`salnest.networks.kernel.kernel` with the protocol's seed (or ``seed``), threads and
    simulator."""
    from salnest.networks.kernel import kernel as pynn_kernel

    exp = protocol["experiment"]
    return pynn_kernel(exp["seed"] if seed is None else seed, exp["threads"], simulator=exp["simulator"])


def check_simulator(protocol: dict) -> None:
    """Refuse, before anything runs, what only NEST can run when ``experiment.simulator`` is Brian2:
    more than one thread, a network ``model`` other than the PyNN population, Brian2 missing."""
    import importlib.util

    from salnest.study.protocol import ProtocolError

    if protocol["experiment"]["simulator"] != "brian2":
        return
    src = protocol["experiment"].get("source", "protocol")
    if protocol["experiment"]["threads"] != 1:
        raise ProtocolError(f"{src}: experiment.threads must be 1 with simulator = 'brian2' (threads are NEST's)")
    for section in ("network", "networks"):
        model = protocol.get(section, {}).get("model", "sampling_neuron")
        if model != "sampling_neuron":
            raise ProtocolError(f"{src}: {section}.model = {model!r} is a NEST node (NEST only); with simulator = "
                                "'brian2' use 'sampling_neuron'")
    if importlib.util.find_spec("brian2") is None:
        raise ProtocolError(f"{src}: simulator = 'brian2' needs Brian2, which is not installed here (bash setup.sh "
                            "test-brian2 makes .venv-brian2 with it)")


def run_in_chunks(run: Callable[[float], None], steps: int, progress: Callable, chunks: int = 20) -> None:
    """Simulate ``steps`` steps with ``run`` (e.g. ``sim.run``) in ``chunks`` pieces of whole steps, each
    counted by ``progress``."""
    for k in progress(range(chunks)):
        run(steps * (k + 1) // chunks - steps * k // chunks)


def reading_times(steps: int, interval: int) -> np.ndarray:
    """Times of readings every ``interval`` steps from 0 to ``steps``, the last at ``steps`` (float steps)."""
    n = int(np.ceil(steps / interval))
    return np.minimum(np.arange(n + 1) * interval, steps).astype(float)


def run_reading(run: Callable[[float], None], read: Callable[[], np.ndarray], times: np.ndarray,
                progress: Callable = iter) -> np.ndarray:
    """``read()`` at every time of ``times`` (the first at the start), simulating with ``run`` in between;
    returns the readings stacked along a first axis."""
    values = [read()]
    for k in progress(range(1, len(times))):
        run(times[k] - times[k - 1])
        values.append(read())
    return np.stack(values)


def grid_values(spec: list) -> np.ndarray:
    """The values of a ``[start, stop, step]`` protocol field, ``stop`` included (rounded to 10 digits)."""
    start, stop, step = spec
    return np.round(np.arange(start, stop + step / 2, step), 10)


def window_of(network: dict) -> Callable[[np.ndarray], np.ndarray]:
    """The SAL window of a protocol's ``[network]`` (``tau_ref`` in steps, ``window`` its shape)."""
    return lambda dt: sal_window(dt, float(network["tau_ref"]), network["window"])
