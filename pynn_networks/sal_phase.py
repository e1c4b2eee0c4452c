"""The SAL phase of a deep network: its fully connected layers as sampling neurons (paper Figs. 8, 9).

Layer sizes ``[n_0, ..., n_L]``; layer l > 0 gets ``W_l PSP(layer l - 1)``, layer l < L gets
``B_l PSP(layer l + 1)``, every layer its bias: ``u = W PSP(below) + B PSP(above) + b``. The
network is built once, with ``copies`` parallel copies sharing all weights, and reused: a phase
sets W, b and B (:meth:`SALPhase.set_state`), simulates, and returns SAL's all-to-all window sums
of every B, averaged over the copies (:meth:`SALPhase.run`), from which the caller updates B.

The sums come from the layers' recorded spikes (:class:`salnest.analysis.sal_sums.AllToAllSums`), not
from synapse state: they equal those of ``sal_synapse`` with ``sal_pairing = 1`` in accumulate
mode, and PyNEST reads a connection's state at about 20 us, i.e. seconds for the 10^5 to 10^6
feedback connections of a deep network. W and B are static connections written in one call
each (made by NEST's ``all_to_all`` per block: PyNN's connection lists would take minutes
at the paper's widths). Run on its own (also under ``mpirun``), this script aligns B of a
random [40, 20, 10] network by SAL alone and prints the angle per layer::

    python pynn_networks/sal_phase.py --sizes 40 20 10 --phases 10
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from salnest.networks.blocks import BlockWeights, connect_blocks, spike_blocks


@dataclass
class SALPhase:
    """A built SAL-phase network (see the module docstring): ``replicas`` independent networks (each
    its own W, B, b), each in ``copies`` copies sharing them. Block ``r * copies + c`` of layer l is
    cells ``(r * copies + c) * n_l ...`` of its population."""

    sim: object
    sizes: list[int]
    replicas: int
    copies: int
    tau_ref: int
    layers: list            # PyNN populations, one per layer
    recorder: object
    forward: list = None    # BlockWeights of W_l, (block, n_(l+1), n_l), see index()
    feedback: list = None   # BlockWeights of B_l, (block, n_l, n_(l+1))
    _pending: list = None   # B of the last update_feedback, written when the phase next simulates (flush)

    def index(self) -> None:
        """Find every W and B connection. Call it once every connection of the kernel is made
        (:func:`build_sal_phase` does, unless told not to): NEST's handles of connections of a
        model lapse when more of that model are made, and a write would then land elsewhere."""
        blocks = self.replicas * self.copies
        n, layers = self.sizes, self.layers
        self.forward = [BlockWeights(layers[l], layers[l + 1], n[l], n[l + 1], blocks)
                        for l in range(len(n) - 1)]
        self.feedback = [BlockWeights(layers[l + 1], layers[l], n[l + 1], n[l], blocks)
                         for l in range(len(n) - 1)]

    def _write(self, conns: BlockWeights, x: np.ndarray, shape: tuple[int, int]) -> None:
        """Write the weights ``x`` ([replica,] n_post, n_pre) into every copy in one call."""
        x = np.asarray(x, dtype=float)
        x = np.broadcast_to(x, (self.replicas, *shape)) if x.ndim == len(shape) else x
        if x.shape != (self.replicas, *shape):
            raise ValueError(f"weights of shape {x.shape}, expected ([{self.replicas},] {shape[0]}, {shape[1]})")
        conns.write("weight", x, self.copies)

    def _blocks(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """Per-replica values (replica, *shape), or one for all (shape), repeated for every copy."""
        x = np.asarray(x, dtype=float)
        x = np.broadcast_to(x, (self.replicas, *shape)) if x.ndim == len(shape) else x
        return np.repeat(x, self.copies, axis=0)

    def set_state(self, W: list[np.ndarray], B: list[np.ndarray], b: list[np.ndarray]) -> None:
        """Forward weights ``W[l]`` ([replica,] n_(l+1), n_l), feedback weights ``B[l]``
        ([replica,] n_l, n_(l+1)) and biases ``b[l]`` ([replica,] n_l), model units; the same in
        every copy of a replica, and in every replica when given without the replica axis."""
        from salnest.parallel import set_node_values

        for l, conns in enumerate(self.forward):
            self._write(conns, W[l], (self.sizes[l + 1], self.sizes[l]))
        self.set_feedback(B)
        for population, bias, n in zip(self.layers, b, self.sizes):
            set_node_values(population.node_collection, b=self._blocks(bias, (n,)).ravel())

    def set_feedback(self, B: list[np.ndarray]) -> None:
        """Only the feedback weights ``B[l]`` ([replica,] n_l, n_(l+1)): a SAL update."""
        self._pending = None  # replaced
        for l, conns in enumerate(self.feedback):
            self._write(conns, B[l], (self.sizes[l], self.sizes[l + 1]))

    def flush(self) -> None:
        """Write the B of the last :meth:`update_feedback` if it is not yet written (:meth:`run` does
        this first; call it before simulating the kernel otherwise, or reading B from NEST)."""
        if self._pending is not None:
            self.set_feedback(self._pending)

    def nodes(self):
        """Every neuron of the phase (to freeze it while another phase of the kernel runs)."""
        collections = [population.node_collection for population in self.layers]
        return sum(collections[1:], collections[0])

    def run(self, steps: int, per_copy: bool = False, chunk: int = 1000) -> list[np.ndarray]:
        """Simulate ``steps`` steps; return per feedback matrix ``B[l]`` the all-to-all SAL window sums
        (pre: layer l + 1, post: layer l) of these steps, averaged over the copies, shape
        (replica, n_l, n_(l+1)); ``per_copy``: (replica, copy, n_l, n_(l+1)).

        The steps run in chunks of ``chunk`` (the spikes of a chunk are held as dense arrays); the
        window's traces carry over from chunk to chunk, not from one call to the next: pairs with a
        spike of an earlier call are not counted (a synapse would count them), a bias of about
        tau_ref / steps of the sums."""
        import nest

        from salnest.analysis.sal_sums import AllToAllSums
        from salnest.parallel import recorder_events

        self.flush()
        blocks = self.replicas * self.copies
        sums = [AllToAllSums(self.sizes[l + 1], self.sizes[l], self.tau_ref, batch=(blocks,))
                for l in range(len(self.sizes) - 1)]
        done = 0
        while done < steps:
            n_steps = min(chunk, steps - done)
            t0 = int(round(nest.biological_time))  # NEST's time: PyNN's lags one step behind after its first run
            self.recorder.set(start=float(t0), stop=float(t0 + n_steps), n_events=0)
            self.sim.run(float(n_steps))
            ev = recorder_events(self.recorder)
            spikes = [spike_blocks(ev, population, n, blocks, t0, n_steps, dtype=np.float32)
                      for population, n in zip(self.layers, self.sizes)]
            for l, acc in enumerate(sums):
                acc.add(spikes[l + 1], spikes[l])
            done += n_steps
        out = [acc.sums.reshape(self.replicas, self.copies, *acc.sums.shape[1:]) for acc in sums]
        return out if per_copy else [s.mean(axis=1) for s in out]

    def update_feedback(self, B: list[np.ndarray], steps: int, eta) -> list[np.ndarray]:
        """One SAL update, as the reference's ``apply_fb_weight_update``: simulate ``steps`` steps, move
        every ``B[l]`` by ``eta`` times the copies' mean window sums over the window's length
        (2 tau_ref) and return the new B. It is written into NEST when the phase next simulates
        (:meth:`run`, or :meth:`flush`): the study's next SAL phase begins with :meth:`set_state`,
        which writes B anyway, so the write after a phase's last update is never made.

        Parameters
        ----------
        B
            Feedback weights ``B[l]`` ([replica,] n_l, n_(l+1)), model units.
        steps
            Steps of the phase.
        eta
            SAL's learning rate: a number, or an array that broadcasts against (replica, n_l, n_(l+1)).
        """
        B = [b + eta * s / (2 * self.tau_ref) for b, s in zip(B, self.run(steps))]
        self._pending = [np.array(x, dtype=float) for x in B]  # as returned now, if the caller changes B
        return B


def build_sal_phase(sim, sizes: list[int], copies: int, tau_ref: int, replicas: int = 1,
                    index: bool = True) -> SALPhase:
    """The SAL-phase network with all weights and biases 0 (set them with :meth:`SALPhase.set_state`).

    Parameters
    ----------
    sim
        ``pyNN.nest`` after ``setup()`` at one step per ms.
    sizes
        Layer sizes ``[n_0, ..., n_L]``, input first.
    copies
        Parallel copies of a replica sharing all its weights (the reference's batch).
    tau_ref
        Refractory period = PSP length = SAL window time constant, steps.
    replicas
        Independent networks (their own weights) side by side in the kernel.
    index
        Find the connections now (:meth:`SALPhase.index`); pass False when more connections will
        be made in the kernel, and call ``index()`` after them.
    """
    import nest

    from salnest.pynn.nest import SamplingNeuron

    h = sim.get_time_step()
    blocks = replicas * copies
    layers = [sim.Population(blocks * n, SamplingNeuron(tau_ref=tau_ref * h, tau_syn=tau_ref * h)) for n in sizes]
    for l in range(len(sizes) - 1):
        connect_blocks(layers[l], layers[l + 1], sizes[l], sizes[l + 1], blocks, delay=h)
        connect_blocks(layers[l + 1], layers[l], sizes[l + 1], sizes[l], blocks, delay=h)
    recorder = nest.Create("spike_recorder", params={"start": 0.0, "stop": 0.0})
    for population in layers:
        nest.Connect(population.node_collection, recorder)
    phase = SALPhase(sim, list(sizes), replicas, copies, tau_ref, layers, recorder)
    if index:
        phase.index()
    return phase


def main(argv=None):
    from salnest.analysis.alignment import feedback_angle
    from salnest.networks.kernel import add_simulator_argument, kernel, nest_only
    from salnest.networks.weight_inference import he_uniform
    from salnest.parallel import abort_on_error, is_root

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 20, 10])
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--phases", type=int, default=10, help="phases of 1,250 steps, each followed by an update")
    parser.add_argument("--eta-sal", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="NEST threads per MPI rank")
    add_simulator_argument(parser)
    args = parser.parse_args(argv)
    nest_only(parser, args, "the phase feeds its layers through NEST's spike_generator and reads its spikes "
                            "from NEST's recorder in bulk")
    if len(args.sizes) < 2 or min(args.sizes) < 1 or args.copies < 1 or args.phases < 1:
        parser.error("need at least two --sizes >= 1, --copies >= 1 and --phases >= 1")
    rng = np.random.default_rng(args.seed)
    sizes = args.sizes
    W = [he_uniform(rng, sizes[l + 1], sizes[l]) for l in range(len(sizes) - 1)]
    B = [he_uniform(rng, sizes[l], sizes[l + 1]) for l in range(len(sizes) - 1)]
    b = [rng.uniform(-n ** -0.5, n ** -0.5, n) for n in sizes]
    start = [float(feedback_angle(B[l], W[l])) for l in range(len(W))]
    with kernel(args.seed, args.threads) as sim:
        abort_on_error()
        phase = build_sal_phase(sim, sizes, args.copies, 10)
        t = time.perf_counter()
        phase.set_state(W, B, b)
        write = time.perf_counter() - t
        for _ in range(args.phases):
            B = phase.update_feedback(B, 1250, args.eta_sal)  # the one replica's B, (1, n_l, n_(l+1))
    if is_root():
        for l in range(len(W)):
            print(f"layer {l}: angle(B, W^T) {start[l]:.1f} -> {float(feedback_angle(B[l][0], W[l])):.1f} degrees "
                  f"after {args.phases} phases")
        print(f"writing all weights and biases: {write:.3f} s")


if __name__ == "__main__":
    main()
