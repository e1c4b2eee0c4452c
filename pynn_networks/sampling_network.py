"""Fully visible spiking Boltzmann machines trained by wake-sleep with SAL (paper Figs. 4, 5).

Many independent networks ("runs") of N sampling neurons share one population
(run r is neurons r*N ... r*N + N - 1), so a whole sweep runs in one NEST
kernel. Every ordered pair of neurons of a run is connected by a SAL synapse
carrying both windows: the wake-sleep window (its sum estimates the sleep
coactivation) and the SAL window; both only accumulate (learning rates 0), and
the protocol applies the paper's batch updates at epoch ends.

Run on its own (also under ``mpirun``), this script samples from one random
network with symmetric weights and reports D_KL to its Boltzmann distribution::

    python pynn_networks/sampling_network.py --neurons 5 --steps 1000000
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np


@dataclass
class SamplingNetworks:
    """The population of all runs, the projection with all their synapses, and those synapses
    as seen from every MPI rank (:class:`salnest.parallel.Synapses`)."""

    population: object
    projection: object
    synapses: object
    n_runs: int
    n_neurons: int

    def neuron_index(self, run: int, neuron: int) -> int:
        return run * self.n_neurons + neuron

    def indices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(run, post, pre) of every synapse, in the order of ``synapses``."""
        first = self.population.first_id
        src, tgt = self.synapses.sources - first, self.synapses.targets - first
        return tgt // self.n_neurons, tgt % self.n_neurons, src % self.n_neurons


def connection_list(weights: np.ndarray, delay: float = 1.0) -> np.ndarray:
    """Rows (pre, post, weight, delay) for ``weights[run, post, pre]``, no self-connections."""
    n_runs, n, _ = weights.shape
    run, post, pre = np.nonzero(~np.eye(n, dtype=bool)[None].repeat(n_runs, axis=0))
    return np.column_stack([pre + run * n, post + run * n, weights[run, post, pre], np.full(len(run), delay)])


def build_networks(sim, weights: np.ndarray, biases: np.ndarray, tau_ref: int, ws_gain=None, sal_gain=None,
                   eta_ws: float = 0.0, eta_sal: float = 0.0) -> SamplingNetworks:
    """Independent networks from ``weights[run, post, pre]`` and ``biases[run, neuron]`` (times in steps);
    ``ws_gain`` and ``sal_gain`` (same shape as ``weights``) scale each synapse's window sums."""
    from salnest.parallel import Synapses
    from salnest.pynn_types import SALSynapse, SamplingNeuron

    n_runs, n, _ = weights.shape
    h = sim.get_time_step()
    pop = sim.Population(n_runs * n, SamplingNeuron(b=biases.ravel(), tau_ref=tau_ref * h, tau_syn=tau_ref * h,
                                                    psp_buffer_size=max(100, tau_ref)))
    synapse = SALSynapse(tau_sal=tau_ref * h, tau_ws=tau_ref * h, window="triangular", eta_sal=eta_sal,
                         eta_ws=eta_ws)
    prj = sim.Projection(pop, pop, sim.FromListConnector(connection_list(weights, delay=h),
                                                         column_names=["weight", "delay"]), synapse)
    nets = SamplingNetworks(pop, prj, Synapses(prj.nest_connections), n_runs, n)
    run, post, pre = nets.indices()
    gains = {name: g[run, post, pre] for name, g in (("ws_gain", ws_gain), ("sal_gain", sal_gain)) if g is not None}
    if gains:
        nets.synapses.set(**gains)
    return nets


def main(argv=None):
    import pyNN.nest as sim

    import salnest.pynn_types  # noqa: F401  (before setup(): loads the models)
    from salnest.parallel import abort_on_error
    from salnest.sampling import states_from_spikes
    from salnest.theory.boltzmann import boltzmann_distribution, empirical_distribution, kl_divergence

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", type=int, default=5)
    parser.add_argument("--tau-ref", type=int, default=50)
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--threads", type=int, default=1, help="NEST threads per MPI rank")
    args = parser.parse_args(argv)
    if args.neurons < 2 or args.tau_ref < 1 or args.steps < 1 or args.threads < 1:
        parser.error("need --neurons >= 2, --tau-ref >= 1, --steps >= 1 and --threads >= 1")
    rng = np.random.default_rng(args.seed)
    W = np.triu(rng.uniform(-1, 1, (args.neurons, args.neurons)), 1)
    W = W + W.T
    b = rng.uniform(-1, 1, args.neurons)
    sim.setup(timestep=1.0, min_delay=1.0, rng_seed=args.seed, threads=args.threads)
    abort_on_error()
    nets = build_networks(sim, W[None], b[None], args.tau_ref)
    nets.population.record("spikes")
    sim.run(float(args.steps))
    trains = nets.population.get_data("spikes").segments[0].spiketrains
    if sim.rank() == 0:
        times = np.concatenate([np.asarray(st.magnitude) for st in trains])
        senders = np.concatenate([np.full(len(st), int(st.annotations["source_index"])) for st in trains])
        z = states_from_spikes(times, senders, list(range(args.neurons)), args.tau_ref, 0.0, float(args.steps), 1.0)
        dkl = kl_divergence(boltzmann_distribution(W, b), empirical_distribution(z))
        print(f"{args.neurons} neurons, {args.steps} steps: D_KL(p* || p) = {dkl:.5f}")
    sim.end()


if __name__ == "__main__":
    main()
