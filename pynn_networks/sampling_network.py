"""Fully visible spiking Boltzmann machines of sampling neurons with SAL synapses (paper Figs. 4, 5).

Many independent networks ("replicas") of N sampling neurons share one population (replica r
is neurons r*N ... r*N + N - 1, see :mod:`salnest.networks.blocks`), so a whole sweep runs in one
NEST kernel. Every ordered pair of neurons of a replica is connected by a SAL synapse carrying
both windows: the wake-sleep window (its sum estimates the sleep coactivation) and the SAL
window; both only accumulate (learning rates 0), and a protocol applies batch updates between
phases (:meth:`SamplingNetworks.sleep`, :meth:`SamplingNetworks.set_state`).

The same networks also come as one NEST node each (:func:`build_network_nodes`, the
``sampling_network`` model: NEST only, no PyNN cells), with the same phases: the same process,
and on one thread the same spike trains and sums for one network, several times faster
(``benchmarks/sampling_throughput.py``). :data:`BUILDERS` names both by their NEST model.

Run on its own (also under ``mpirun``), this script samples from one random network with
symmetric weights, in either form, and reports D_KL to its Boltzmann distribution::

    python pynn_networks/sampling_network.py --neurons 5 --steps 1000000 [--model sampling_network]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from salnest.networks.blocks import BlockConnections, connection_rows


@dataclass
class SamplingNetworks:
    """The population of all replicas, the projection with all their synapses (indexed by
    (replica, post, pre) on every MPI rank), and the phases a protocol runs on them."""

    sim: object
    population: object
    projection: object
    connections: BlockConnections
    n_replicas: int
    n_neurons: int
    tau_ref: int
    recorder: object = None  # NEST spike recorder of all neurons, for sample() (elsewhere: True)
    count_base: np.ndarray = None  # off NEST: the recorded spike counts at the last reset

    @property
    def on_nest(self) -> bool:
        """Whether the networks run on NEST (read in bulk through PyNEST) or through PyNN alone."""
        return hasattr(self.population, "node_collection")

    def run(self, steps: int) -> None:
        """Simulate ``steps`` steps."""
        self.sim.run(float(steps))

    def read_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The window sums ``ws_sum``, ``sal_sum`` (replica, post, pre) and the spike counts (replica,
        neuron) accumulated since the last :meth:`set_state`.

        One status read per connection for both sums: each read builds a dictionary per connection.
        """
        sums = self.connections.get_many(["ws_sum", "sal_sum"])
        return sums["ws_sum"], sums["sal_sum"], self._spike_counts().reshape(self.n_replicas, self.n_neurons)

    def _spike_counts(self) -> np.ndarray:
        """Spikes per neuron since the last reset: NEST's ``spike_count``, elsewhere PyNN's counts of
        the recorded spikes."""
        if self.on_nest:
            from salnest.parallel import node_values

            return node_values(self.population.node_collection, "spike_count").astype(float)
        if self.sim.get_current_time() == 0:  # pyNN.brian2 makes its spike monitor at the first run
            return np.zeros(self.population.size)
        counts = self.population.get_spike_counts()
        return np.array([counts[i] for i in self.population.all_cells], dtype=float) - self.count_base

    def _reset_counts(self) -> None:
        if self.on_nest:
            self.population.node_collection.set(spike_count=0.0)
        else:
            self.count_base = self.count_base + self._spike_counts()

    def sleep(self, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`run` ``steps`` steps, then :meth:`read_sums`."""
        self.run(steps)
        return self.read_sums()

    def sample(self, steps: int) -> np.ndarray:
        """Simulate ``steps`` steps and return each replica's distribution over its 2^N states,
        shape (replica, 2^N); the window sums and spike counts of these steps are discarded."""
        from salnest.analysis.sampling import state_distribution_from_spikes

        if self.recorder is None:
            raise RuntimeError("sample() needs the networks built with state_recorder=True")
        t0 = self.sim.get_current_time()
        ev = self._sample_spikes(t0, steps)
        first = self.population.first_id
        n = self.n_neurons
        p = np.zeros((self.n_replicas, 2 ** n))
        for r in range(self.n_replicas):
            ids = list(range(first + r * n, first + (r + 1) * n))
            mask = (ev["senders"] >= ids[0]) & (ev["senders"] <= ids[-1])
            p[r] = state_distribution_from_spikes(ev["times"][mask], ev["senders"][mask], ids, self.tau_ref, t0,
                                                  t0 + steps, 1.0)
        self.connections.set(ws_sum=0.0, sal_sum=0.0)
        self._reset_counts()
        return p

    def _sample_spikes(self, t0: float, steps: int) -> dict[str, np.ndarray]:
        """Run ``steps`` steps and return the spikes fired in them (``times``, ``senders``)."""
        if self.on_nest:
            from salnest.parallel import recorder_events

            self.recorder.set(start=t0, stop=t0 + steps, n_events=0)  # records only during samples
            self.sim.run(float(steps))
            ev = recorder_events(self.recorder)
            self.recorder.n_events = 0
            return ev
        # pyNN.brian2 cannot clear a spike recording (Brian2's SpikeMonitor has no reset), so the
        # spikes of this sample are those after t0
        self.sim.run(float(steps))
        trains = [np.zeros(0)] * self.population.size
        for st in self.population.get_data("spikes", clear=False).segments[-1].spiketrains:
            t = np.asarray(st.magnitude)
            trains[int(st.annotations["source_index"])] = t[t > t0]
        ids = np.asarray(self.population.all_cells, dtype=int)
        return {"times": np.concatenate(trains), "senders": np.concatenate([np.full(len(t), ids[k])
                                                                            for k, t in enumerate(trains)])}

    def set_state(self, weights: np.ndarray, biases: np.ndarray) -> None:
        """New ``weights[replica, post, pre]`` and ``biases[replica, neuron]``; window sums and spike
        counts back to 0."""
        self.connections.set(weight=weights, ws_sum=0.0, sal_sum=0.0)
        if self.on_nest:
            from salnest.parallel import set_node_values

            set_node_values(self.population.node_collection, b=np.asarray(biases).reshape(-1), spike_count=0.0)
        else:
            self.population.set(b=np.asarray(biases, float).reshape(-1))
            self._reset_counts()


def build_networks(sim, weights: np.ndarray, biases: np.ndarray, tau_ref: int, ws_gain=None, sal_gain=None,
                   eta_ws: float = 0.0, eta_sal: float = 0.0, state_recorder: bool = False) -> SamplingNetworks:
    """Independent sampling networks with SAL synapses (triangular windows of half width ``tau_ref``).

    Parameters
    ----------
    sim
        ``pyNN.nest`` or ``pyNN.brian2`` after ``setup()``; one time step is one step of the model.
    weights, biases
        ``weights[replica, post, pre]`` (model units; the diagonal is ignored) and ``biases[replica, neuron]``.
    tau_ref
        Refractory period = PSP duration = window time constants, in steps.
    ws_gain, sal_gain
        Per-synapse factors on the windows, shaped like ``weights`` (plasticity noise).
    eta_ws, eta_sal
        Online learning rates (0: the windows only accumulate).
    state_recorder
        Also record every neuron's spikes for :meth:`SamplingNetworks.sample`.
    """
    from salnest.networks.kernel import types

    SALSynapse, SamplingNeuron = types(sim).SALSynapse, types(sim).SamplingNeuron
    n_replicas, n, _ = weights.shape
    h = sim.get_time_step()
    pop = sim.Population(n_replicas * n, SamplingNeuron(b=biases.ravel(), tau_ref=tau_ref * h, tau_syn=tau_ref * h))
    synapse = SALSynapse(tau_sal=tau_ref * h, tau_ws=tau_ref * h, window="triangular", eta_sal=eta_sal,
                         eta_ws=eta_ws)
    prj = sim.Projection(pop, pop, sim.FromListConnector(connection_rows(weights, delay=h, recurrent=True),
                                                         column_names=["weight", "delay"]), synapse)
    nets = SamplingNetworks(sim, pop, prj, BlockConnections.of(prj, n, n, n_replicas), n_replicas, n, tau_ref)
    gains = {name: g for name, g in (("ws_gain", ws_gain), ("sal_gain", sal_gain)) if g is not None}
    if gains:
        nets.connections.set(**gains)
    if not nets.on_nest:  # spike counts and samples come from PyNN's recording
        pop.record("spikes")
        nets.count_base = np.zeros(pop.size)
        nets.recorder = True if state_recorder else None
    elif state_recorder:
        import nest

        nets.recorder = nest.Create("spike_recorder", params={"start": 0.0, "stop": 0.0})
        nest.Connect(pop.node_collection, nets.recorder)
    return nets


@dataclass
class SamplingNetworkNodes:
    """The replicas as ``sampling_network`` nodes (one per replica, in replica order), with the
    phases of :class:`SamplingNetworks`."""

    nodes: object
    n_replicas: int
    n_neurons: int
    tau_ref: int

    def _read(self, name: str) -> np.ndarray:
        from salnest.parallel import node_values

        return np.asarray(node_values(self.nodes, name), float).reshape(self.n_replicas, -1)

    def run(self, steps: int) -> None:
        """Simulate ``steps`` steps."""
        import nest

        nest.Simulate(float(steps))

    def read_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """As :meth:`SamplingNetworks.read_sums`."""
        n = self.n_neurons
        ws, sal = (self._read(name).reshape(self.n_replicas, n, n) for name in ("ws_sum", "sal_sum"))
        return ws, sal, self._read("spike_count")

    def sleep(self, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`run` ``steps`` steps, then :meth:`read_sums`."""
        self.run(steps)
        return self.read_sums()

    def sample(self, steps: int) -> np.ndarray:
        """As :meth:`SamplingNetworks.sample`: the nodes count the steps spent in each state."""
        self.nodes.set(record_states=True, state_counts=[])
        self.run(steps)
        counts = self._read("state_counts")
        self.nodes.set(record_states=False, state_counts=[], ws_sum=0.0, sal_sum=0.0, spike_count=0.0)
        return counts / steps

    def set_state(self, weights: np.ndarray, biases: np.ndarray) -> None:
        """As :meth:`SamplingNetworks.set_state` (the diagonal of ``weights`` is ignored)."""
        from salnest.parallel import set_node_values

        n = self.n_neurons
        w = np.asarray(weights, float) * ~np.eye(n, dtype=bool)
        set_node_values(self.nodes, weights=w.reshape(self.n_replicas, n * n),
                        b=np.asarray(biases, float).reshape(self.n_replicas, n))
        self.nodes.set(ws_sum=0.0, sal_sum=0.0, spike_count=0.0)


def raise_min_delay(min_delay_steps: int) -> None:
    """Raise NEST's ``min_delay`` to ``min_delay_steps`` steps (1: leave it), for nodes without
    connections; NEST allows it only before the first connection, so later connections need delays
    of at least this much. Raises ValueError if connections exist."""
    import nest

    if min_delay_steps < 1:
        raise ValueError(f"min_delay_steps must be >= 1, got {min_delay_steps}")
    h = nest.resolution
    if nest.min_delay < min_delay_steps * h:
        if nest.num_connections:
            raise ValueError("sampling_network nodes raise NEST's min_delay, which is only possible before the "
                             f"first connection ({nest.num_connections} exist); build the nodes first or pass "
                             "min_delay_steps=1")
        nest.set(min_delay=min_delay_steps * h, max_delay=max(nest.max_delay, min_delay_steps * h))


def build_network_nodes(sim, weights: np.ndarray, biases: np.ndarray, tau_ref: int, ws_gain=None, sal_gain=None,
                        eta_ws: float = 0.0, eta_sal: float = 0.0, state_recorder: bool = False,
                        min_delay_steps: int = 100) -> SamplingNetworkNodes:
    """The networks of :func:`build_networks`, each as one ``sampling_network`` node.

    Parameters
    ----------
    sim, weights, biases, tau_ref, ws_gain, sal_gain, eta_ws, eta_sal
        As :func:`build_networks`.
    state_recorder
        Accepted for the same call; the nodes always count their states in :meth:`SamplingNetworkNodes.sample`.
    min_delay_steps
        NEST's ``min_delay``, in steps, is raised to this before any connection exists: the nodes have
        none, and NEST then runs its update loop, and each node its network, for this many steps per
        call instead of one (the results do not depend on it). 1 leaves the kernel as it is.
    """
    import nest

    from salnest.models import SAL_WINDOWS, nest_model
    from salnest.parallel import set_node_values

    del sim, state_recorder  # the nodes are plain NEST nodes in PyNN's kernel, and count states themselves
    n_replicas, n, _ = weights.shape
    h = nest.resolution
    raise_min_delay(min_delay_steps)
    nodes = nest.Create(nest_model("sampling_network"), n_replicas,
                        params={"tau_ref": tau_ref * h, "tau_syn": tau_ref * h, "tau_sal": tau_ref * h,
                                "tau_ws": tau_ref * h, "sal_window": SAL_WINDOWS["triangular"],
                                "eta_sal": float(eta_sal), "eta_ws": float(eta_ws)})
    off = ~np.eye(n, dtype=bool)
    values = {"b": np.asarray(biases, float).reshape(n_replicas, n),
              "weights": (np.asarray(weights, float) * off).reshape(n_replicas, n * n)}
    for name, gain in (("ws_gain", ws_gain), ("sal_gain", sal_gain)):
        if gain is not None:
            values[name] = (np.asarray(gain, float) * off + ~off).reshape(n_replicas, n * n)
    set_node_values(nodes, **values)
    return SamplingNetworkNodes(nodes, n_replicas, n, tau_ref)


#: The two forms of the same networks, by the NEST model that runs them.
BUILDERS = {"sampling_neuron": build_networks, "sampling_network": build_network_nodes}
#: What a protocol's choice between them means.
BUILDERS_DOC = ("NEST model of the networks: sampling_neuron (a PyNN population with SAL synapses) or "
                "sampling_network (one NEST node per network: the same process from other draws, several "
                "times faster, NEST only)")


def main(argv=None):
    from salnest.networks.kernel import setup
    from salnest.parallel import abort_on_error
    from salnest.theory.boltzmann import boltzmann_distribution, kl_divergence

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", type=int, default=5)
    parser.add_argument("--tau-ref", type=int, default=50)
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--threads", type=int, default=1, help="NEST threads per MPI rank")
    parser.add_argument("--model", choices=sorted(BUILDERS), default="sampling_neuron", help=BUILDERS_DOC)
    parser.add_argument("--simulator", choices=["nest", "brian2"], default="nest",
                        help="through pyNN.nest or pyNN.brian2 (the population form, one thread)")
    args = parser.parse_args(argv)
    if args.neurons < 2 or args.tau_ref < 1 or args.steps < 1 or args.threads < 1:
        parser.error("need --neurons >= 2, --tau-ref >= 1, --steps >= 1 and --threads >= 1")
    if args.simulator == "brian2" and (args.model != "sampling_neuron" or args.threads != 1):
        parser.error("--simulator brian2 runs the population form (--model sampling_neuron) on one thread: "
                     "the sampling_network node and threads are NEST's")
    rng = np.random.default_rng(args.seed)
    W = np.triu(rng.uniform(-1, 1, (args.neurons, args.neurons)), 1)
    W = W + W.T
    b = rng.uniform(-1, 1, args.neurons)
    sim = setup(args.seed, args.threads, simulator=args.simulator)
    abort_on_error()
    nets = BUILDERS[args.model](sim, W[None], b[None], args.tau_ref, state_recorder=True)
    p = nets.sample(args.steps)[0]
    if sim.rank() == 0:
        dkl = kl_divergence(boltzmann_distribution(W, b), p)
        print(f"{args.neurons} neurons, {args.steps} steps, {args.model} on {args.simulator}: "
              f"D_KL(p* || p) = {dkl:.5f}")
    sim.end()


if __name__ == "__main__":
    main()
