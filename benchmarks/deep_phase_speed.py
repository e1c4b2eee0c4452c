"""The deep-network study's spiking phases in salnest against its authors' code: wall time per phase.

For the fully connected layers of the deep networks (default ``[400, 96, 48, 10]``,
``[1024, 384, 192, 10]`` and the paper's ``[1600, 384, 192, 10]``), W and B He-uniform, one thread,
each phase as salnest's deep-network study runs it beside the same phase in unibe-cns/sal-code
(measured at commit d1c07c0), as its ``scripts/symm_net/main_salnet.py`` runs it:

- **SAL**: salnest's :mod:`salnest.networks.sal_phase` (sampling-neuron layers, ``copies`` copies,
  window sums from the recorded spikes): ``set_state`` and one ``update_feedback`` of ``steps``
  steps, against ``symmnet.sal_net.SALNetBase`` (PyTorch, CPU, float32) with batch ``copies``,
  stepped as ``train_sal``: ``update_mempot``, ``update_spikes``, ``fb_stdp_online`` per step, then
  ``apply_fb_weight_update``. The network is built once per kernel in the study (and by PyTorch
  once per run), so building is shown but not counted.
- **RDD**: salnest's :mod:`salnest.networks.rdd_phase` (one pair of ``rdd_neuron`` layers per
  matrix, driven side by side) running ``infer_feedback`` for ``seconds`` seconds of drive per
  layer, the drive drawn as the study draws it, against ``symmnet.RDDNet`` driven as ``train_rdd``
  (a Poisson drive to a random 20 % of the driven layer, redrawn every 100 ms, one layer driven in
  each third of ``rdd_time``, B rescaled every 10 s; its diagnostics left out). The same estimate
  needs ``rdd_time = 3 * seconds`` of the authors' chain, since it drives one layer at a time: that
  is what is timed. Building the pairs is again shown, not counted.

Both run in this process, one after the other per phase and size, so that the ratio (the
authors' wall time over salnest's, above 1: salnest is faster) is taken under the same load.
Without the clone it prints salnest's times alone::

    git clone https://github.com/unibe-cns/sal-code /tmp/sal-code      # measured at d1c07c0
    .venv/bin/python benchmarks/deep_phase_speed.py --sal-code /tmp/sal-code --seconds 1 --steps 500

Its last line with the clone: ``slowest deep-phase speed-up over the authors' code: X.XXx``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread everywhere, before NumPy, NEST or PyTorch start theirs
os.environ.setdefault("PYNEST_QUIET", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

SIZES = ([400, 96, 48, 10], [1024, 384, 192, 10], [1600, 384, 192, 10])
COPIES = (8, 8, 32)  # SAL copies per default size: the paper's 32 at its own widths
MARKER, URL = "symmnet/src/symmnet/rdd_net.py", "https://github.com/unibe-cns/sal-code"
TAU_REF, ETA_SAL, FORWARD_SCALE = 10, 0.05, 0.2
DRIVE = {"period": 100, "fraction": 0.2, "rate": 0.2}  # ms, share of units, spikes per step: the authors'


def weights(sizes: list[int], seed: int) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """He-uniform W[l] (n_(l+1), n_l), B[l] (n_l, n_(l+1)) and biases b[l] (n_l,) of one network."""
    from salnest.networks.weight_inference import he_uniform

    rng = np.random.default_rng(seed)
    W = [he_uniform(rng, sizes[l + 1], sizes[l]) for l in range(len(sizes) - 1)]
    B = [he_uniform(rng, sizes[l], sizes[l + 1]) for l in range(len(sizes) - 1)]
    b = [rng.uniform(-n ** -0.5, n ** -0.5, n) for n in sizes]
    return W, B, b


def salnest_sal(sizes: list[int], copies: int, steps: int, seed: int) -> tuple[float, float]:
    """Wall times (s) of building salnest's SAL phase and of one SAL update of ``steps`` steps."""
    from salnest.networks.kernel import kernel
    from salnest.networks.sal_phase import build_sal_phase

    W, B, b = weights(sizes, seed)
    with kernel(seed, 1) as sim:
        started = time.perf_counter()
        phase = build_sal_phase(sim, sizes, copies, TAU_REF)
        build = time.perf_counter() - started
        started = time.perf_counter()
        phase.set_state(W, B, b)
        phase.update_feedback(B, steps, ETA_SAL)
        return build, time.perf_counter() - started


def salnest_rdd(sizes: list[int], seconds: int, seed: int) -> tuple[float, float, list[np.ndarray]]:
    """Wall times (s) of building salnest's RDD phase and of ``seconds`` seconds of drive per layer
    (one rescale of B at the end), and the B it gives, (n_l, n_(l+1)) per layer."""
    from salnest.networks.kernel import kernel
    from salnest.networks.rdd_phase import build_rdd_phase
    from salnest.stimulus.trains import subset_trains

    W, B, _ = weights(sizes, seed)
    W, B = [w[None] for w in W], [x[None] for x in B]
    B0_std = np.array([[x.std() for x in B]])

    def drive(second: int) -> list[np.ndarray]:  # as salnest.deep.phases.rdd_feedback draws it
        return [subset_trains(np.random.default_rng([seed, l, second]), n, 1000, DRIVE["period"], DRIVE["fraction"],
                              DRIVE["rate"], poisson=True) for l, n in enumerate(sizes[:-1])]

    with kernel(seed, 1) as sim:
        started = time.perf_counter()
        phase = build_rdd_phase(sim, sizes, 1)
        build = time.perf_counter() - started
        started = time.perf_counter()
        B, _ = phase.infer_feedback(W, B, B0_std, FORWARD_SCALE, seconds, seconds, drive)
        return build, time.perf_counter() - started, [x[0] for x in B]


def authors_sal(repo: Path, sizes: list[int], copies: int, steps: int, seed: int) -> float:
    """Wall time (s) of one SAL phase of sal-code's ``SALNetBase`` (batch ``copies``), as ``train_sal``."""
    from _sal_code import sal_code_network, sal_code_phase

    net = sal_code_network(repo, sizes, *weights(sizes, seed), copies, TAU_REF, ETA_SAL, seed, buffer_length=2)
    started = time.perf_counter()
    sal_code_phase(net, steps)
    return time.perf_counter() - started


def authors_rdd(repo: Path, sizes: list[int], seconds: int, seed: int) -> float:
    """Wall time (s) of sal-code's ``RDDNet`` driven as ``train_rdd`` for ``rdd_time = 3 * seconds``."""
    sys.path.insert(0, str(repo / "symmnet" / "src"))
    from symmnet import RDDNet, dt, input_rate, mem

    np.random.seed(seed)
    W, B, _ = weights(sizes, seed)
    started = time.perf_counter()
    net = RDDNet(sizes)
    layers = net.classification_layers
    for l, layer in enumerate(layers):  # as copy_weights_from: float32, B as (n_l, n_(l+1))
        layer.set_weights(W[l - 1].astype(np.float32) if l > 0 else None, None,
                          B[l].astype(np.float32) if l < len(layers) - 1 else None)
    driven = sizes[:-1]
    steps = int(3 * seconds / dt)

    def rates() -> list[np.ndarray]:
        out = []
        for n in driven:
            r = np.zeros((n, 1))
            r[np.random.choice(n, int(0.2 * n), replace=False)] = input_rate
            out.append(r)
        return out

    drive_rates = rates()
    drive_hist = [np.zeros((n, mem), dtype=int) for n in driven]
    spike_rates = [np.zeros(n) for n in sizes]
    for i in range(steps):
        if (i + 1) % (0.1 / dt) == 0:
            drive_rates = rates()
        third = min(int(3 * i // steps), len(driven) - 1)
        drive_hist[third] = np.concatenate([drive_hist[third][:, 1:], np.random.poisson(drive_rates[third])],
                                           axis=-1)
        net.out(*[drive_hist[l] if l == third else None for l in range(len(driven))])
        for rate, layer in zip(spike_rates, layers):
            rate += layer.spike_hist[:, -1]
        if (i + 1) % (10.0 / dt) == 0:
            net.update_fb_weights()
    return time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sal-code", type=Path, default=None, help=f"a clone of {URL}")
    parser.add_argument("--sizes", type=int, nargs="+", action="append", default=None,
                        help="FC layer sizes of one network (repeat the option for several; 4 layers for RDD)")
    parser.add_argument("--seconds", type=int, default=1, help="RDD: seconds of drive per layer")
    parser.add_argument("--copies", type=int, default=None, help="SAL copies (default 8, 8, 32 per default size)")
    parser.add_argument("--steps", type=int, default=2000, help="SAL steps of the phase")
    parser.add_argument("--phases", nargs="+", choices=("sal", "rdd"), default=["sal", "rdd"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = args.sizes or [list(s) for s in SIZES]
    copies = [args.copies] * len(sizes) if args.copies else list(COPIES if args.sizes is None else [8] * len(sizes))
    if args.seconds < 1 or args.steps < 1 or min(copies) < 1 or any(len(s) != 4 or min(s) < 2 for s in sizes):
        parser.error("need --seconds, --steps, --copies >= 1 and --sizes of 4 layers >= 2 (RDDNet's depth)")
    if args.sal_code is not None and not (args.sal_code / MARKER).is_file():
        parser.error(f"{args.sal_code} has no {MARKER}: git clone {URL} DIR and pass its DIR")

    salnest_sal([4, 3, 2, 2], 1, 10, args.seed)  # NEST's start and loading salnest's module: no phase's time
    rows, ratios = [], []
    for size, n_copies in zip(sizes, copies):
        for phase in args.phases:
            if phase == "sal":
                label = f"SAL {size} x {n_copies} copies, {args.steps} steps"
                build, ours = salnest_sal(size, n_copies, args.steps, args.seed)
                theirs = authors_sal(args.sal_code, size, n_copies, args.steps, args.seed) if args.sal_code else None
            else:
                label = f"RDD {size}, {args.seconds} s per layer"
                build, ours, _ = salnest_rdd(size, args.seconds, args.seed)
                theirs = authors_rdd(args.sal_code, size, args.seconds, args.seed) if args.sal_code else None
            rows.append((label, build, ours, theirs))
            if theirs is not None:
                ratios.append(theirs / ours)
            print(f"{label}: salnest build {build:.2f} s, phase {ours:.2f} s"
                  + (f"; authors {theirs:.2f} s; authors / salnest {theirs / ours:.2f}x" if theirs else ""),
                  flush=True)
    print("\n1 thread, wall s per phase (salnest's build not counted: once per kernel)")
    print(f"{'phase':<52} {'build':>7} {'salnest':>8} {'authors':>8} {'authors / salnest':>18}")
    for label, build, ours, theirs in rows:
        print(f"{label:<52} {build:7.2f} {ours:8.2f} " + (f"{theirs:8.2f} {theirs / ours:17.2f}x" if theirs
                                                            else f"{'-':>8} {'-':>18}"))
    if args.sal_code is None:
        print(f"authors' code not given: --sal-code DIR, a clone of {URL} (d1c07c0)")
        return
    print(f"slowest deep-phase speed-up over the authors' code: {min(ratios):.2f}x")


if __name__ == "__main__":
    main()
