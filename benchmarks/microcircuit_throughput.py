"""Throughput of the 1-1-1 microcircuit study (paper Fig. 6): NEST vs a per-time-step NumPy loop.

Prints wall time per time step of one circuit for
- the NumPy loop of ``microcircuit_numpy_reference.py`` (one circuit, like the paper's
  pure-Python reference implementation), each condition;
- salnest in NEST: R circuits (seeds x conditions of ``protocols/microcircuit_111.toml``) in one
  kernel, running learning patterns as the protocol does (forward plasticity on, nudging,
  imposed interneuron weights and BP copies every ``sync_interval`` steps) and symmetrisation
  patterns (SAL on);
and their ratio (goal: >= 100x), plus the projected wall time of the whole 20-seed study.
Both sides are measured side by side in one process; run it on an idle machine.

    python benchmarks/microcircuit_throughput.py [--replicas 60] [--patterns 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("PYNEST_QUIET", "1")
# PyNN 0.13 on NEST 3.10: deprecation notes and its own extension build, irrelevant here
warnings.filterwarnings("ignore", category=UserWarning, module=r"(pyNN|nest)\.")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def nest_time_per_step(replicas: int, patterns: int, threads: int) -> dict[str, float]:
    """Seconds per step of the whole kernel in learning and in symmetrisation patterns."""
    from salnest.experiments.microcircuit import build_circuits, make_study
    from salnest.study.protocol import load_protocol

    protocol = load_protocol(HERE.parent / "protocols" / "microcircuit_111.toml", threads=threads)
    protocol["student"]["n_seeds"] = max(1, replicas // len(protocol["learning"]["conditions"]))
    study = make_study(protocol)
    sched, learn = protocol["schedule"], protocol["learning"]
    L, settle = sched["pattern_length"], sched["settle_steps"]
    circuits = build_circuits(protocol, study.W0, study.B0, study.biases, seed=12345)
    rng = np.random.default_rng(1)
    bp = study.condition_of("bp")
    eta_sal = np.where(study.condition_of("sal"), learn["eta_sal"], 0.0)
    eta = [learn["eta_hidden"], learn["eta_output"]]
    times = {"learning": [], "symmetrisation": []}
    try:
        for _ in range(patterns):
            i = rng.integers(len(study.train_inputs), size=study.n_replicas)
            t0 = time.perf_counter()
            circuits.pattern(study.train_inputs[i], L, settle, targets=rng.uniform(-2, 2, (study.n_replicas, 1)),
                             eta=eta, bp=bp, sync=learn["sync_interval"])
            times["learning"].append((time.perf_counter() - t0) / L)
            t0 = time.perf_counter()
            circuits.pattern(study.train_inputs[i], L, settle, symmetrise=True, eta_sal=eta_sal, bp=bp)
            times["symmetrisation"].append((time.perf_counter() - t0) / L)
    finally:
        circuits.close()
    out = {k: float(np.mean(v)) for k, v in times.items()}
    out["first_learning"], out["last_learning"] = times["learning"][0], times["learning"][-1]
    out["replicas"] = study.n_replicas
    return out


def main(argv=None):
    from microcircuit_numpy_reference import time_per_step

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=60, help="circuits in the NEST kernel (3 conditions each seed)")
    parser.add_argument("--patterns", type=int, default=3, help="learning + symmetrisation pattern pairs to time")
    parser.add_argument("--numpy-steps", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if args.replicas < 3 or args.patterns < 1 or args.numpy_steps < 100 or args.threads < 1:
        parser.error("need --replicas >= 3, --patterns >= 1, --numpy-steps >= 100, --threads >= 1")

    ref = {c: time_per_step(args.numpy_steps, condition=c) for c in ("fa", "bp", "sal")}
    ref_mean = float(np.mean(list(ref.values())))
    print("NumPy per-time-step loop, one 1-1-1 circuit:")
    for c, t in ref.items():
        print(f"  {c:>4}: {t * 1e6:8.1f} us per step")
    nest = nest_time_per_step(args.replicas, args.patterns, args.threads)
    R = nest["replicas"]
    # an epoch has 15 learning, 5 symmetrisation and 6 validation patterns (validation costs as symmetrisation)
    per_step = (15 * nest["learning"] + 11 * nest["symmetrisation"]) / 26
    print(f"NEST, {R} circuits in one kernel, {args.threads} thread(s):")
    print(f"  learning patterns:       {nest['learning'] * 1e6:8.1f} us per kernel step "
          f"= {nest['learning'] / R * 1e6:6.3f} us per circuit-step "
          f"(first {nest['first_learning'] * 1e6:.1f}, last {nest['last_learning'] * 1e6:.1f})")
    print(f"  symmetrisation patterns: {nest['symmetrisation'] * 1e6:8.1f} us per kernel step "
          f"= {nest['symmetrisation'] / R * 1e6:6.3f} us per circuit-step")
    print(f"  epoch mix:               {per_step / R * 1e6:6.3f} us per circuit-step")
    print(f"ratio NumPy / NEST per circuit-step: {ref_mean / (per_step / R):.0f}x (goal >= 100x)")
    steps = 150 * 26 * 20000
    print(f"projected full 1-1-1 study (20 seeds x 3 conditions, {steps:.2e} steps each): "
          f"NEST {steps * per_step * 60 / R / 3600:.2f} h, NumPy loop {steps * ref_mean * 60 / 3600:.0f} CPU h")


if __name__ == "__main__":
    main()
