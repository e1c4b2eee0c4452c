"""Shared by the Brian2 tests: a fresh process per backend (pyNN.nest and pyNN.brian2 must not meet
in one ``salnest.pynn`` import), and a sampling neuron that fires one step after each input spike."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

#: A SamplingNeuron that fires only when told: sigma(b - ln 1) = 1e-13 per step on its own,
#: sigma(b + FORCE) = 1 - 1e-13 in the step after an input of weight FORCE arrives.
FORCED = {"b": -30.0, "tau_ref": 1.0, "tau_syn": 1.0}
FORCE = 60.0


def run_script(code: str, timeout: float = 600.0) -> dict:
    """Run ``code`` in a fresh Python and return the JSON object it prints on its last line."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def sampling_distributions(simulator: str, W, b, n_ref: int, copies: int, steps: int, seed: int,
                           delay: float = 1.0, psp_shape: str = "rectangular", tau_syn: float | None = None,
                           all_trains: bool = False) -> dict:
    """Run ``copies`` independent copies of the network (W[post, pre], b) of SamplingNeurons as one
    PyNN population on ``simulator`` ("nest" or "brian2"), with StaticSynapse connections of
    ``delay`` ms at 1-ms steps, in a fresh process, and return each copy's fraction of time in each
    of the 2^n states (read from spikes) and the spike times of copy 0 (of all copies with
    ``all_trains``)."""
    code = f"""
        import json
        import numpy as np
        import pyNN.{simulator} as sim
        from salnest.pynn import SamplingNeuron
        from salnest.analysis.sampling import state_distribution_from_spikes

        W, b, n_ref, copies, steps = np.array({list(map(list, W))}), np.array({list(b)}), {n_ref}, {copies}, {steps}
        n = len(b)
        sim.setup(timestep=1.0, min_delay=1.0, rng_seed={seed})
        pop = sim.Population(n * copies, SamplingNeuron(b=list(np.tile(b, copies)), tau_ref=float(n_ref),
                                                        tau_syn={float(tau_syn or n_ref)}, psp_shape="{psp_shape}"))
        edges = [(c * n + pre, c * n + post, W[post, pre], {delay}) for c in range(copies)
                 for post in range(n) for pre in range(n) if W[post, pre] != 0]
        sim.Projection(pop, pop, sim.FromListConnector(edges, column_names=["weight", "delay"]), sim.StaticSynapse())
        pop.record("spikes")
        sim.run(float(steps))
        trains = [np.asarray(st.magnitude) for st in pop.get_data().segments[0].spiketrains]
        sim.end()
        p = []
        for c in range(copies):
            times = np.concatenate(trains[c * n:(c + 1) * n])
            senders = np.concatenate([np.full(len(trains[c * n + k]), k) for k in range(n)])
            # the first 100 steps are left out: the network starts with every neuron free
            p.append(state_distribution_from_spikes(times, senders, list(range(n)), n_ref, 100.0, float(steps),
                                                    1.0).tolist())
        print(json.dumps({{"p": p, "trains": [t.tolist() for t in trains[:{"None" if all_trains else "n"}]]}}))
    """
    return run_script(code)
