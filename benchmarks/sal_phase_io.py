"""What a SAL phase of the deep-network study costs per part, on one built network: writing all
weights and biases, simulating, and SAL's sums of every B from the recorded spikes, against reading
the same number of connections' state through PyNEST.

    .venv/bin/python benchmarks/sal_phase_io.py                        # [400, 96, 48, 10] x 8 copies
    .venv/bin/python benchmarks/sal_phase_io.py --sizes 20 10 5 --copies 2 --steps 100   # seconds
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("PYNEST_QUIET", "1")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[400, 96, 48, 10])
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--steps", type=int, default=1250)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    from salnest.networks.kernel import kernel
    from salnest.networks.sal_phase import build_sal_phase
    from salnest.networks.weight_inference import he_uniform

    rng = np.random.default_rng(1)
    sizes = args.sizes
    W = [he_uniform(rng, sizes[l + 1], sizes[l]) for l in range(len(sizes) - 1)]
    B = [he_uniform(rng, sizes[l], sizes[l + 1]) for l in range(len(sizes) - 1)]
    b = [rng.uniform(-n ** -0.5, n ** -0.5, n) for n in sizes]
    n_feedback = args.copies * sum(w.size for w in B)
    with kernel(1, args.threads) as sim:
        t = time.perf_counter()
        phase = build_sal_phase(sim, sizes, args.copies, 10)
        build = time.perf_counter() - t
        t = time.perf_counter()
        phase.set_state(W, B, b)
        write = time.perf_counter() - t
        t = time.perf_counter()
        phase.set_feedback(B)
        write_b = time.perf_counter() - t
        sim.run(float(args.steps))  # warm-up: the first run also prepares the kernel
        t = time.perf_counter()
        sim.run(float(args.steps))
        simulate = time.perf_counter() - t
        t = time.perf_counter()
        phase.run(args.steps)
        run = time.perf_counter() - t
        t = time.perf_counter()
        for conns in phase.feedback:
            conns.get()
        read = time.perf_counter() - t
    print(f"sizes {sizes} x {args.copies} copies: {n_feedback} feedback and as many forward connections")
    print(f"build {build:.2f} s (once per run); write W, B, b {write:.2f} s; write B alone (a SAL update) "
          f"{write_b:.2f} s")
    print(f"{args.steps} steps: simulate {simulate:.2f} s; simulate again + SAL sums of every B from the spikes "
          f"{run:.2f} s (difference {run - simulate:+.2f} s)")
    print(f"reading every feedback weight through PyNEST instead: {read:.2f} s "
          f"({1e6 * read / n_feedback:.1f} us per connection)")


if __name__ == "__main__":
    main()
