"""NEST against Brian2 per network-step, the same PyNN script on each, side by side in one run.

Two networks of salnest's SamplingNeuron at 1-ms steps, built through PyNN with
``from salnest.pynn import ...``: the reciprocal pair of the demo with SAL synapses, and a
7-neuron sampling network with random static weights. Each simulator runs in a fresh process
(one thread), is warmed up (Brian2 compiles its code on first use) and then timed over
``--steps`` steps; the wall time per network-step is printed with the ratio Brian2 / NEST.

Brian2 runs in its runtime mode (code generated to Cython): PyNN's Brian2 backend builds a
``brian2.Network`` and has no standalone (C++) device, so standalone mode is not measured.

    python benchmarks/brian2_speed.py                 # in .venv-brian2 (bash setup.sh test-brian2)
    python benchmarks/brian2_speed.py --steps 20000   # shorter
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import textwrap

NETWORKS = {
    "pair": """
        pop = sim.Population(2, SamplingNeuron(b=[-0.5, -0.2], tau_ref=25.0, tau_syn=25.0))
        edges = [(1, 0, 1.5, 1.0), (0, 1, 0.5, 1.0)]
        sim.Projection(pop, pop, sim.FromListConnector(edges, column_names=["weight", "delay"]),
                       SALSynapse(eta_sal=0.01, tau_sal=25.0))
    """,
    "7-neuron network": """
        rng = np.random.default_rng(1)
        W = rng.normal(0.0, 0.5, (7, 7))
        pop = sim.Population(7, SamplingNeuron(b=list(rng.normal(-0.5, 0.3, 7)), tau_ref=10.0, tau_syn=10.0))
        edges = [(pre, post, W[post, pre], 1.0) for post in range(7) for pre in range(7) if pre != post]
        sim.Projection(pop, pop, sim.FromListConnector(edges, column_names=["weight", "delay"]), sim.StaticSynapse())
    """,
}


def time_per_step(simulator: str, network: str, steps: int, warmup: int) -> float:
    """Wall seconds per network-step of ``network`` on ``simulator``, in a fresh process."""
    code = f"""
        import json, time
        import numpy as np
        import pyNN.{simulator} as sim
        from salnest.pynn import SALSynapse, SamplingNeuron

        sim.setup(timestep=1.0, min_delay=1.0, rng_seed=3, threads=1)
    """ + textwrap.indent(textwrap.dedent(NETWORKS[network]), "        ") + f"""
        pop.record("spikes")
        sim.run({float(warmup)})
        start = time.perf_counter()
        sim.run({float(steps)})
        print(json.dumps((time.perf_counter() - start) / {steps}))
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{simulator} failed on the {network}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000, help="timed steps per run (default 100,000)")
    parser.add_argument("--warmup", type=int, default=1000, help="steps run before timing (default 1,000)")
    args = parser.parse_args(argv)
    have_brian2 = importlib.util.find_spec("brian2") is not None
    ratios = []
    print(f"{'network':>18} {'NEST us/step':>13} {'Brian2 us/step':>15} {'Brian2 / NEST':>14}")
    for network in NETWORKS:
        nest = time_per_step("nest", network, args.steps, args.warmup)
        if have_brian2:
            brian2 = time_per_step("brian2", network, args.steps, args.warmup)
            ratios.append(f"{network} {brian2 / nest:.2f}x")
            print(f"{network:>18} {nest * 1e6:13.2f} {brian2 * 1e6:15.2f} {brian2 / nest:14.2f}")
        else:
            print(f"{network:>18} {nest * 1e6:13.2f} {'-':>15} {'-':>14}")
    if have_brian2:
        print("Brian2 runtime mode (Cython); PyNN's Brian2 backend has no standalone mode to measure")
        print(f"Brian2 / NEST per network-step: {', '.join(ratios)}")
    else:
        print("Brian2 / NEST per network-step: Brian2 is not installed here (bash setup.sh test-brian2 makes "
              ".venv-brian2 with both)")


if __name__ == "__main__":
    main()
