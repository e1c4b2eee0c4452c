"""The RDD phase of a deep network: each fully connected layer's feedback inferred by Guerguiev et
al.'s regression discontinuity design in NEST (paper Fig. 8, condition ``rdd``).

For every forward matrix ``W_l`` (n_(l+1), n_l) the phase holds one pair of ``rdd_neuron``
layers (:func:`salnest.networks.weight_inference.build_rdd_layers`): n_l lower neurons with a
Poisson drive to a random 20 % of them, n_(l+1) upper ones driven through the scaled W_l, and
the causal effect of each lower neuron's spikes on every upper unit is estimated from the lower
neurons' windows and the upper spikes (:mod:`salnest.analysis.rdd_estimator`, the neurons' own
estimator run once per layer). The reference
(Guerguiev's code) simulates the whole chain for 90 s, driving one layer in each third; the
feedback input never reaches a soma, so a lower layer's estimates depend only on its own pair
and the pairs can run side by side: ``seconds`` here are the reference's third per layer.
The pairs are built once per kernel for ``replicas`` networks (one per seed) and reused: a phase
writes the scaled W (:meth:`RDDPhase.set_forward`), runs and returns the estimates; the
estimators' fits carry over from phase to phase, as in the reference.

Run on its own (also under ``mpirun``), this script infers B of a random [40, 20, 10] network::

    python pynn_networks/rdd_phase.py --sizes 40 20 10 --seconds 20
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable

import numpy as np

from salnest.networks.blocks import BlockWeights
from salnest.networks.weight_inference import forward_scale, run_rdd_layers


@dataclass
class RDDPhase:
    """Built RDD pairs (see the module docstring), ``pairs[l]`` for ``W_l``."""

    sim: object
    sizes: list[int]
    replicas: int
    pairs: list                # salnest.networks.weight_inference.RDDLayers
    forward: list = None       # BlockWeights of the scaled W_l, (replica, n_(l+1), n_l), see index()

    def index(self) -> None:
        """Find every forward connection, once every connection of the kernel is made (see
        :meth:`salnest.networks.sal_phase.SALPhase.index`)."""
        self.forward = [BlockWeights(pair.lower, pair.upper, self.sizes[l], self.sizes[l + 1],
                                                 self.replicas) for l, pair in enumerate(self.pairs)]

    def set_forward(self, W: list[np.ndarray]) -> None:
        """Forward weights ``W[l]`` (replica, n_(l+1), n_l), already scaled to the RDD neurons' units."""
        for conns, w in zip(self.forward, W):
            conns.write("weight", w)

    def set_fits(self, fits: list[np.ndarray]) -> None:
        """Estimator state ``fits[l]`` (replica, n_l, n_(l+1), 4), e.g. from an earlier kernel."""
        for pair, f in zip(self.pairs, fits):
            pair.set_fits(np.asarray(f, dtype=float).reshape(-1, f.shape[2], 4))

    def second(self, drive_counts: list[np.ndarray]) -> None:
        """Simulate one stretch with driving counts ``drive_counts[l]`` (steps, replica * n_l)."""
        for pair, counts in zip(self.pairs, drive_counts):
            pair.drive.feed(counts)
        run_rdd_layers(self.sim, len(drive_counts[0]), self.pairs)

    def estimates(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """``beta[l]`` (replica, n_l, n_(l+1)) and ``fits[l]`` (replica, n_l, n_(l+1), 4) now."""
        betas, fits = [], []
        for l, pair in enumerate(self.pairs):
            beta, fit = pair.estimates()
            betas.append(beta.reshape(self.replicas, self.sizes[l], self.sizes[l + 1]))
            fits.append(fit.reshape(self.replicas, self.sizes[l], self.sizes[l + 1], 4))
        return betas, fits

    def nodes(self):
        """Every neuron of the phase (to freeze it while another phase of the kernel runs)."""
        collections = [population.node_collection for pair in self.pairs for population in (pair.lower, pair.upper)]
        return sum(collections[1:], collections[0])


    def infer_feedback(self, W: list[np.ndarray], B: list[np.ndarray], B0_std: np.ndarray, scale: float,
                       seconds: int, rescale_every: int, drive: Callable[[int], list[np.ndarray]]) -> tuple[list, list]:
        """One RDD phase of a deep network: write the forward weights ``W[l]`` (replica, n_(l+1), n_l)
        scaled by :func:`salnest.networks.weight_inference.forward_scale`, drive the lower layers for
        ``seconds`` (``drive(second)`` gives the counts of :meth:`second`), and every ``rescale_every``
        seconds set ``B[l]``
        (replica, n_l, n_(l+1)) from the estimates, at the size ``B0_std[:, l]`` of the initial
        feedback (:func:`salnest.networks.weight_inference.rdd_feedback`). Returns B and the
        estimators' fits (None if no rescale came)."""
        from salnest.networks.weight_inference import rdd_feedback

        self.set_forward([forward_scale(w, scale) for w in W])
        fits = None
        for second in range(seconds):
            self.second(drive(second))
            if (second + 1) % rescale_every == 0:
                beta, fits = self.estimates()
                B = [rdd_feedback(beta[l], B[l], B0_std[:, l]) for l in range(len(B))]
        return B, fits

def build_rdd_phase(sim, sizes: list[int], replicas: int, drive_weight: float = 4.0, index: bool = True,
                    estimator: str = "layer", **neuron) -> RDDPhase:
    """The RDD pairs of FC layers ``sizes`` (input first) for ``replicas`` networks, forward weights 0.

    Parameters
    ----------
    sim
        ``pyNN.nest`` after ``setup()`` at 1 ms.
    sizes
        FC layer sizes ``[n_0, ..., n_L]``.
    replicas
        Independent networks side by side.
    drive_weight
        Weight of a driving spike.
    index
        Find the forward connections now (:meth:`RDDPhase.index`); pass False when more
        connections will be made in the kernel, and call ``index()`` after them.
    estimator
        Where the estimator runs: ``"layer"`` or ``"neuron"`` (see
        :func:`salnest.networks.weight_inference.build_rdd_layers`).
    neuron
        ``rdd_neuron`` parameters (e.g. ``eta_rdd``).
    """
    from salnest.networks.weight_inference import build_rdd_layers

    pairs = [build_rdd_layers(sim, np.zeros((replicas, sizes[l + 1], sizes[l])), drive_weight=drive_weight,
                              estimator=estimator, **neuron) for l in range(len(sizes) - 1)]
    phase = RDDPhase(sim, list(sizes), replicas, pairs)
    if index:
        phase.index()
    return phase


def main(argv=None):
    from salnest.analysis.alignment import feedback_angle
    from salnest.networks.kernel import add_simulator_argument, kernel, nest_only
    from salnest.networks.weight_inference import he_uniform, rdd_feedback
    from salnest.parallel import abort_on_error, is_root
    from salnest.stimulus.trains import subset_trains

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 20, 10])
    parser.add_argument("--seconds", type=int, default=20, help="seconds of drive per pair")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="NEST threads per MPI rank")
    add_simulator_argument(parser)
    args = parser.parse_args(argv)
    nest_only(parser, args, "RDD's neuron (rdd_neuron) is a C++ NEST model with no Brian2 twin")
    if len(args.sizes) < 2 or min(args.sizes) < 2 or args.seconds < 1:
        parser.error("need at least two --sizes >= 2 and --seconds >= 1")
    rng = np.random.default_rng(args.seed)
    sizes = args.sizes
    W = [he_uniform(rng, sizes[l + 1], sizes[l])[None] for l in range(len(sizes) - 1)]
    B = [he_uniform(rng, sizes[l], sizes[l + 1])[None] for l in range(len(sizes) - 1)]
    start = [float(feedback_angle(B[l][0], W[l][0])) for l in range(len(W))]
    with kernel(args.seed, args.threads) as sim:
        abort_on_error()
        phase = build_rdd_phase(sim, sizes, 1)
        phase.set_forward([forward_scale(w, 0.2) for w in W])
        for second in range(args.seconds):
            phase.second([subset_trains(np.random.default_rng([args.seed, l, second]), n, 1000, 100, 0.2, 0.2,
                                        poisson=True) for l, n in enumerate(sizes[:-1])])
        beta, _ = phase.estimates()
    B = [rdd_feedback(beta[l], B[l], B[l].std(axis=(1, 2))) for l in range(len(B))]
    if is_root():
        for l in range(len(W)):
            print(f"layer {l}: angle(B, W^T) {start[l]:.1f} -> {float(feedback_angle(B[l][0], W[l][0])):.1f} degrees "
                  f"after {args.seconds} s")


if __name__ == "__main__":
    main()
