"""Cost per neuron-step against the size of one NEST kernel, at the same total work.

salnest runs sweeps of many independent small networks side by side in one kernel
(:mod:`salnest.networks.blocks`). With one-step delays NEST sweeps every node and its incoming
connections every step, so once a thread's nodes and connections outgrow its core's L2 cache the
sweep streams from L3 and each neuron-step costs more. This benchmark measures that: independent
reciprocal pairs of sampling neurons (:func:`salnest.networks.reciprocal_pair.build_pairs`, rectangular
PSPs, frozen SAL synapses that keep their window sums, tau_ref = 25), the same number of
neuron-steps at every size, 1 thread, the fastest of ``--repeats`` runs::

    python benchmarks/kernel_size.py

(about 2 minutes). It prints ns per neuron-step and the ratio to the smallest kernel, side by
side in one run. A sweep whose kernel is past the knee runs faster split into several kernels
of fewer networks each (``ei_drift_field`` runs one grid row of 336 neurons per kernel).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def ns_per_neuron_step(n_pairs: int, steps: int, repeats: int, seed: int = 1) -> float:
    """Fastest wall time over ``repeats`` of ``steps`` steps of ``n_pairs`` pairs, per neuron-step (ns)."""
    from salnest.networks.kernel import kernel
    from salnest.networks.reciprocal_pair import build_pairs

    best = np.inf
    for _ in range(repeats):
        with kernel(seed) as sim:
            build_pairs(sim, np.full(n_pairs, 1.0), 0.5, 0.0, -0.5, 25, 0.0, 0.0)
            sim.run(500.0)  # connection set-up and the first spikes out of the timing
            start = time.perf_counter()
            sim.run(float(steps))
            best = min(best, time.perf_counter() - start)
    return 1e9 * best / (2 * n_pairs * steps)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[100, 400, 800, 1600, 3200, 6400],
                        help="kernel sizes, in independent pairs (two neurons each)")
    parser.add_argument("--neuron-steps", type=float, default=4e8, help="work per size, in neuron-steps")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    results = []
    for n in args.pairs:
        steps = max(1000, int(args.neuron_steps / (2 * n)))
        results.append((n, ns_per_neuron_step(n, steps, args.repeats)))
    base = results[0][1]
    print(f"{'neurons':>8} {'ns per neuron-step':>19} {'ratio to the smallest kernel':>29}")
    for n, cost in results:
        print(f"{2 * n:>8} {cost:>19.1f} {cost / base:>29.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
