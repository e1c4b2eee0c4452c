"""The spiking phases of the deep-network study: before every epoch NEST sets the feedback B of the
``sal`` networks by SAL (:mod:`salnest.networks.sal_phase`) and of the ``rdd`` networks by RDD
(:mod:`salnest.networks.rdd_phase`), from their fully connected layers.

All seeds of a condition run in one phase network, built once per NEST kernel and reused; when both
phases share a kernel the one not running is frozen (NEST does not update frozen nodes), so neither
pays for the other. Every NEST call runs inside :func:`salnest.compat.torch.nest_section`.
"""

from __future__ import annotations

import contextlib

import numpy as np

from salnest.compat.torch import nest_section


def stacked(nets: list) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """The FC layers' W, B (the feedback in use) and biases of ``nets`` (one per seed), each stacked
    along a first, seed axis: the replicas of a phase network."""
    W = [np.stack(ws) for ws in zip(*(n.forward_weights() for n in nets))]
    B = [np.stack(bs) for bs in zip(*(n.used_feedback() for n in nets))]
    b = [np.stack(bs) for bs in zip(*(n.biases() for n in nets))]
    return W, B, b


@contextlib.contextmanager
def phase_kernel(seed: int, threads: int, sizes: list[int], n_seeds: int, conditions: list[str], sal: dict,
                 rdd: dict, fits: list[np.ndarray] | None):
    """A NEST kernel (``rng_seed = seed``) with the phase network of each spiking condition in
    ``conditions``; yields them by condition (an empty dict without spiking conditions).

    ``sal`` and ``rdd`` are the protocol's sections; ``fits`` the RDD estimators' state to start from.
    """
    spiking = [c for c in conditions if c in ("sal", "rdd")]
    if not spiking:
        yield {}
        return
    from salnest.networks.kernel import setup

    with nest_section():
        sim = setup(seed, threads)
    try:
        with nest_section():
            phases = {}
            if "sal" in spiking:
                from salnest.networks.sal_phase import build_sal_phase

                phases["sal"] = build_sal_phase(sim, sizes, sal["copies"], sal["tau_ref"], replicas=n_seeds,
                                                index=False)
            if "rdd" in spiking:
                from salnest.networks.rdd_phase import build_rdd_phase

                phases["rdd"] = build_rdd_phase(sim, sizes, n_seeds, rdd["drive_weight"], index=False,
                                                eta_rdd=rdd["eta_rdd"])
                phases["rdd"].set_fits(fits)
            for phase in phases.values():  # once every connection is made (SALPhase.index)
                phase.index()
        yield phases
    finally:
        with nest_section():
            sim.end()


def sal_feedback(phases: dict, nets: list, input_bias: np.ndarray, sal: dict) -> list[np.ndarray]:
    """B of the ``sal`` networks after a SAL phase of ``sal["iterations"]`` updates; ``input_bias``
    (seed, n_0) are the input layer's biases, which the network does not have."""
    W, B, b = stacked(nets)
    with nest_section():
        _freeze_all_but(phases, "sal")
        phase = phases["sal"]
        phase.set_state(W, B, [input_bias] + b)
        for _ in range(sal["iterations"]):
            B = phase.update_feedback(B, sal["iteration_steps"], sal["eta_sal"])
    return B


def rdd_feedback(phases: dict, nets: list, B0_std: np.ndarray, rdd: dict, seed: int,
                 epoch: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """B of the ``rdd`` networks after an RDD phase, and the estimators' fits; each seed's lower units
    are driven from a stream of its own, ``(seed, k, layer, epoch, second)``."""
    from salnest.stimulus.trains import subset_trains

    W, B, _ = stacked(nets)
    sizes = [w.shape[2] for w in W]

    def drive(second: int) -> list[np.ndarray]:
        return [np.hstack([subset_trains(np.random.default_rng([seed, k, l, epoch, second]), n, 1000,
                                         rdd["drive_period"], rdd["drive_fraction"], rdd["drive_rate"],
                                         poisson=True) for k in range(len(nets))])
                for l, n in enumerate(sizes)]

    with nest_section():
        _freeze_all_but(phases, "rdd")
        return phases["rdd"].infer_feedback(W, B, B0_std, rdd["forward_scale"], rdd["seconds"], rdd["rescale_every"],
                                            drive)


def _freeze_all_but(phases: dict, running: str) -> None:
    for name, phase in phases.items():  # NEST skips frozen nodes
        phase.nodes().set(frozen=name != running)
