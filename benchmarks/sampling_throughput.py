"""Throughput of wake-sleep + SAL training of 7-neuron sampling networks: NEST vs a Numba loop.

Prints wall time per 50,000-step epoch per run for
- a Numba-compiled loop of the same discrete-time model (one run at a time, like the paper's
  reference implementation: u = b + W z(t-1), Bernoulli firing, refractory counters, both
  windows accumulated over restricted nearest-neighbour pairs, batch update at the epoch end);
- salnest in NEST: R runs as independent sub-networks of one kernel, with the protocol's batch
  update (reading and writing all weights) after every epoch,
and their ratio, measured side by side in one process on this machine. Run it on an idle
machine: with a one-step delay NEST synchronises threads every step.

    python benchmarks/sampling_throughput.py [--runs 20] [--epochs 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("PYNEST_QUIET", "1")

N, TAU, EPOCH = 7, 50, 50_000


def numba_epoch_function():
    from numba import njit

    @njit(cache=True)
    def epoch(W, b, tau, steps, seed, ws_sum, sal_sum, counts):
        np.random.seed(seed)
        n = b.size
        age = np.full(n, tau)            # steps since last spike (tau: free)
        last = np.full(n, -10**9)        # last spike time
        prev = np.full(n, -10**9)        # spike before that
        z = np.zeros(n)
        log_tau = np.log(tau)
        for t in range(steps):
            u = b + W @ z
            fired = np.zeros(n, dtype=np.bool_)
            for i in range(n):
                if age[i] >= tau - 1 and np.random.random() < 1.0 / (1.0 + np.exp(log_tau - u[i])):
                    fired[i] = True
            for i in range(n):
                if fired[i]:
                    prev[i] = last[i]
                    last[i] = t
                    age[i] = 0
                    counts[i] += 1
                else:
                    age[i] = min(age[i] + 1, tau)
                z[i] = 1.0 if age[i] <= tau - 1 else 0.0
            for i in range(n):
                if not fired[i]:
                    continue
                for j in range(n):
                    if j == i:
                        continue
                    tj = prev[j] if fired[j] else last[j]   # partner's latest spike strictly before t
                    if tj > prev[i] and tj > -10**9:
                        dt = t - tj                            # post i after pre j: causal for j -> i
                        k_ws = 1.0 - dt / tau if dt < tau else 0.0
                        k_sal = -(1.0 - dt / tau) if dt < tau else 0.0
                        ws_sum[i, j] += k_ws
                        sal_sum[i, j] += k_sal
                        ws_sum[j, i] += k_ws                   # same pair, anti-causal for i -> j
                        sal_sum[j, i] -= k_sal
        return ws_sum

    return epoch


def bench_numba(epochs: int) -> float:
    epoch = numba_epoch_function()
    rng = np.random.default_rng(1)
    W = rng.uniform(-1, 1, (N, N))
    np.fill_diagonal(W, 0)
    b = rng.uniform(-1, 1, N)
    ws, sal, counts = np.zeros((N, N)), np.zeros((N, N)), np.zeros(N)
    epoch(W, b, TAU, 1000, 0, ws, sal, counts)  # compile
    start = time.perf_counter()
    for e in range(epochs):
        ws[:], sal[:], counts[:] = 0, 0, 0
        epoch(W, b, TAU, EPOCH, e, ws, sal, counts)
        W += 0.01 * (0.1 - ws / EPOCH * TAU) + 0.01 * sal / EPOCH * TAU   # the batch update
        np.fill_diagonal(W, 0)
        np.clip(W, -2, 2, out=W)
    return (time.perf_counter() - start) / epochs


def bench_nest(runs: int, epochs: int, threads: int) -> float:
    from pynn_networks.kernel import kernel
    from pynn_networks.sampling_network import build_networks

    rng = np.random.default_rng(1)
    W = np.triu(rng.uniform(-1, 1, (runs, N, N)), 1)
    W = W + W.transpose(0, 2, 1)
    b = rng.uniform(-1, 1, (runs, N))
    norm = TAU / EPOCH
    with kernel(seed=1, threads=threads) as sim:
        nets = build_networks(sim, W, b, TAU)
        nets.sleep(1000)
        start = time.perf_counter()
        for _ in range(epochs):
            ws, sal, m = nets.sleep(EPOCH)
            W = np.clip(W + 0.01 * (0.1 - ws * norm) + 0.01 * sal * norm, -2, 2) * ~np.eye(N, dtype=bool)
            b = np.clip(b + 0.01 * (0.3 - m * norm), -2, 2)
            nets.set_state(W, b)
        return (time.perf_counter() - start) / epochs / runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    numba_s = bench_numba(args.epochs)
    nest_s = bench_nest(args.runs, args.epochs, args.threads)
    print(f"Numba loop, one run at a time : {1e3 * numba_s:8.2f} ms per epoch per run "
          f"({1e6 * numba_s / EPOCH:.3f} us per network-step)")
    print(f"salnest/NEST, {args.runs} runs, {args.threads} thread(s): {1e3 * nest_s:8.2f} ms per epoch per run "
          f"({1e6 * nest_s / EPOCH:.3f} us per network-step)")
    print(f"throughput ratio NEST / Numba per core: {numba_s / nest_s * (1 / args.threads):.2f}x")


if __name__ == "__main__":
    main()
