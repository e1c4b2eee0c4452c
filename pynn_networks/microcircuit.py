"""Spiking dendritic cortical microcircuits (Sacramento et al. 2018) with SAL-aligned feedback (paper Fig. 6).

Layer sizes ``[n_in, n_hidden..., n_out]``; every neuron is a stochastic
``pyramidal_neuron`` (tau_ref = tau_syn). Many independent circuits
("replicas": seeds x conditions) share one population per layer (replica r of a
layer of size n is neurons r*n ... r*n + n - 1), so a whole study runs in one
NEST kernel. Per replica:

- input neurons: no synaptic input, bias = input potential of the pattern;
- hidden layer l: basal input ``W[l]`` from layer l-1 (dendritic-prediction
  synapses), apical input ``B[l]`` from layer l+1 (SAL synapses) and ``W_PI``
  from its interneurons (static), ``lambda_api`` weighting the apical potential;
- interneurons of hidden layer l: one per neuron of layer l+1, with that
  neuron's bias and static basal input ``W_IP`` from layer l; the protocol
  imposes the self-predicting state ``W_IP = W[l+1]``, ``W_PI = -B[l]``;
- output neurons: basal input from the last hidden layer, nudged toward
  ``u_target`` with strength ``lambda_nudge``.

Weights are arrays ``W[l][replica, post, pre]`` (l = 0 is input -> first
hidden) and ``B[l][replica, post, pre]`` (post in hidden layer l, pre in the
layer above). All connections have a delay of one step.

Run on its own (also under ``mpirun``), this script builds one circuit with
random weights, presents one input pattern with frozen weights and compares the
output's mean potential with the value implied by the hidden layer's measured
firing (u_out = b + W_out z_hidden, z = PSP for rectangular PSPs)::

    python pynn_networks/microcircuit.py --sizes 2 5 1 --steps 200000
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import numpy as np

from salnest.networks.blocks import BlockConnections, connection_rows
from salnest.parallel import node_values, set_node_values


@dataclass
class Microcircuits:
    """Populations and projections of all replicas; see the module docstring for the layout."""

    sizes: list[int]
    n_replicas: int
    layers: list = field(default_factory=list)
    interneurons: list = field(default_factory=list)   # per hidden layer
    forward: list = field(default_factory=list)        # layer l -> l+1, us_synapse
    feedback: list = field(default_factory=list)       # layer l+1 -> hidden l, SAL synapse
    to_interneurons: list = field(default_factory=list)
    from_interneurons: list = field(default_factory=list)

    def index(self, projection, n_pre: int, n_post: int) -> BlockConnections:
        """A projection's NEST connections with their (replica, post, pre) indices."""
        return BlockConnections.of(projection, n_pre, n_post, self.n_replicas)


def check_sizes(sizes) -> list[int]:
    """Layer sizes ``[n_in, n_hidden..., n_out]``: at least three layers, all >= 1."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 3 or min(sizes) < 1:
        raise ValueError(f"sizes must be [n_in, n_hidden..., n_out] with at least one hidden layer and "
                         f"every size >= 1, got {sizes}")
    return sizes


def build_microcircuits(sim, sizes, W: list[np.ndarray], B: list[np.ndarray], biases: list[np.ndarray],
                        tau_ref: int = 10, lambda_api: float = 0.02, lambda_nudge: float = 0.6,
                        tau_avg: float = 2000.0, eta: list[float] | None = None, eta_sal: float = 0.0,
                        tau_sal: float | None = None) -> Microcircuits:
    """Build replicas of the dendritic microcircuit (docs/models.md, sections 4 and 5).

    Parameters
    ----------
    sim
        ``pyNN.nest`` after ``setup()``; one time step is one step of the model.
    sizes
        Layer sizes ``[n_in, n_hidden..., n_out]``.
    W, B, biases
        Forward weights ``W[l][replica, post, pre]`` (layer l -> l+1), feedback weights
        ``B[l][replica, post, pre]`` (layer l+2 -> hidden layer l+1) and biases
        ``biases[l][replica, neuron]``, in model units.
    tau_ref
        Refractory period = PSP duration, in steps.
    lambda_api, lambda_nudge
        Apical weight of hidden neurons, nudging of output neurons (dimensionless).
    tau_avg
        Time constant of the running averages, in steps.
    eta
        Forward learning rate into layer l+1, per layer (default 0: frozen).
    eta_sal, tau_sal
        SAL rate and exponential-window time constant (steps; default ``tau_ref``) of B.

    Interneuron weights start in the self-predicting state (``W_IP = W[l+1]``, ``W_PI = -B[l]``).
    """
    from salnest.pynn.microcircuit import DendriticPredictionSynapse, FeedbackSALSynapse, PyramidalNeuron

    sizes = check_sizes(sizes)
    n_rep = W[0].shape[0]
    n_layers = len(sizes)
    for l in range(n_layers - 1):
        if W[l].shape != (n_rep, sizes[l + 1], sizes[l]):
            raise ValueError(f"W[{l}] must have shape {(n_rep, sizes[l + 1], sizes[l])}, got {W[l].shape}")
    for l in range(1, n_layers - 1):
        if B[l - 1].shape != (n_rep, sizes[l], sizes[l + 1]):
            raise ValueError(f"B[{l - 1}] must have shape {(n_rep, sizes[l], sizes[l + 1])}, got {B[l - 1].shape}")
    eta = list(eta) if eta is not None else [0.0] * (n_layers - 1)
    h = sim.get_time_step()
    common = {"tau_ref": tau_ref * h, "tau_syn": tau_ref * h, "tau_avg": tau_avg * h,
              "psp_buffer_size": max(100, tau_ref)}
    net = Microcircuits(sizes, n_rep)
    for l, n in enumerate(sizes):
        role = {"lambda_api": lambda_api} if 0 < l < n_layers - 1 else {}
        if l == n_layers - 1:
            role = {"lambda_nudge": lambda_nudge}
        net.layers.append(sim.Population(n_rep * n, PyramidalNeuron(b=biases[l].ravel(), **common, **role),
                                         label=f"layer{l}"))
    for l in range(n_layers - 1):
        rows = connection_rows(W[l], h)
        net.forward.append(sim.Projection(net.layers[l], net.layers[l + 1],
                                          sim.FromListConnector(rows, column_names=["weight", "delay"]),
                                          DendriticPredictionSynapse(eta=eta[l], tau_ref=tau_ref * h),
                                          receptor_type="basal"))
    for l in range(1, n_layers - 1):
        inter = sim.Population(n_rep * sizes[l + 1], PyramidalNeuron(b=biases[l + 1].ravel(), **common),
                               label=f"interneurons{l}")
        net.interneurons.append(inter)
        rows = connection_rows(B[l - 1], h)
        net.feedback.append(sim.Projection(net.layers[l + 1], net.layers[l],
                                           sim.FromListConnector(rows, column_names=["weight", "delay"]),
                                           FeedbackSALSynapse(window="exponential", eta_sal=eta_sal,
                                                              tau_sal=(tau_sal or tau_ref) * h),
                                           receptor_type="apical"))
        rows = connection_rows(W[l], h)
        net.to_interneurons.append(sim.Projection(net.layers[l], inter, sim.FromListConnector(
            rows, column_names=["weight", "delay"]), sim.StaticSynapse(), receptor_type="basal"))
        rows = connection_rows(-B[l - 1], h)
        net.from_interneurons.append(sim.Projection(inter, net.layers[l], sim.FromListConnector(
            rows, column_names=["weight", "delay"]), sim.StaticSynapse(), receptor_type="apical"))
    return net


class InterneuronPaths:
    """All static interneuron connections as one NEST collection, so that imposing the
    self-predicting state costs one ``set`` per sync instead of two per hidden layer."""

    def __init__(self, nest, to_inter: list[BlockConnections], from_inter: list[BlockConnections]):
        from salnest.parallel import Synapses

        self.paths = list(to_inter) + list(from_inter)
        models = set().union(*(p.synapses.synapse_models() for p in self.paths))
        if len(models) != 1:
            raise RuntimeError(f"interneuron paths must share one synapse model, got {sorted(models)}")
        self.synapses = Synapses(nest.GetConnections(synapse_model=models.pop()))
        if len(self.synapses) != sum(len(p) for p in self.paths):
            raise RuntimeError("the kernel has other connections of the interneuron paths' synapse model")
        lookup = {pair: i for i, pair in enumerate(zip(self.synapses.sources, self.synapses.targets))}
        # per path: positions in self.synapses, in the path's own connection order
        self.slot = [np.array([lookup[pair] for pair in zip(p.synapses.sources, p.synapses.targets)], dtype=np.int64)
                     for p in self.paths]

    def set(self, W_IP: list[np.ndarray], W_PI: list[np.ndarray]) -> None:
        """Weights ``W_IP[l]`` (to the interneurons of hidden layer l) and ``W_PI[l]`` (from them)."""
        weights = np.empty(len(self.synapses))
        for path, slot, matrix in zip(self.paths, self.slot, list(W_IP) + list(W_PI)):
            weights[slot] = path.values(matrix)
        self.synapses.set(weight=weights)


class Circuits:
    """A NEST kernel with all replicas of a microcircuit, and the pattern phases applied to it.

    Parameters
    ----------
    sizes, W, B, biases
        As for :func:`build_microcircuits`.
    seed, threads
        NEST's ``rng_seed`` and threads per rank of the kernel.
    tau_ref, lambda_api, lambda_nudge, tau_avg, tau_sal
        Network parameters (times in steps): ``lambda_api`` of hidden layers outside
        symmetrisation, ``lambda_nudge`` of the output layer when a pattern has targets.

    Call :meth:`close` (or use it as a context manager) to end the kernel.
    """

    def __init__(self, sizes, W, B, biases, *, seed: int, threads: int, tau_ref: int, lambda_api: float,
                 lambda_nudge: float, tau_avg: float, tau_sal: float):
        import nest

        import salnest.pynn.microcircuit  # noqa: F401  (before setup(): loads the models)
        from salnest.networks.kernel import setup

        self.sim, self.nest = setup(seed, threads), nest
        self.lambda_api, self.lambda_nudge = lambda_api, lambda_nudge
        self.net = build_microcircuits(self.sim, sizes, W, B, biases, tau_ref=tau_ref, lambda_api=lambda_api,
                                       lambda_nudge=lambda_nudge, tau_avg=tau_avg, tau_sal=tau_sal)
        self.forward = [self.net.index(p, sizes[l], sizes[l + 1]) for l, p in enumerate(self.net.forward)]
        self.feedback = [self.net.index(p, sizes[l + 2], sizes[l + 1]) for l, p in enumerate(self.net.feedback)]
        self.to_inter = [self.net.index(p, sizes[l + 1], sizes[l + 2]) for l, p in enumerate(self.net.to_interneurons)]
        self.from_inter = [self.net.index(p, sizes[l + 2], sizes[l + 1])
                           for l, p in enumerate(self.net.from_interneurons)]
        self.paths = InterneuronPaths(nest, self.to_inter, self.from_inter)
        self.inputs = self.net.layers[0].node_collection
        self.outputs = self.net.layers[-1].node_collection
        self.hidden = [self.net.layers[l].node_collection for l in range(1, len(sizes) - 1)]
        self.W = [w.copy() for w in W]
        self.B = [b.copy() for b in B]
        self.prepared = False

    def __enter__(self) -> "Circuits":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, steps: int) -> None:
        """Simulate ``steps`` steps (NEST's Prepare/Run/Cleanup: no set-up cost per call)."""
        if not self.prepared:
            self.nest.Prepare()
            self.prepared = True
        self.nest.Run(float(steps))

    def close(self) -> None:
        if self.prepared:
            self.nest.Cleanup()
            self.prepared = False
        self.sim.end()

    def read_forward(self, first: int = 0) -> None:
        """Read the forward weights from layer ``first`` on (the syncs need only those above a hidden layer)."""
        for l in range(first, len(self.forward)):
            self.W[l] = self.forward[l].get()

    def impose(self, silence: bool, bp: np.ndarray | None) -> None:
        """Self-predicting interneurons (or silenced ones); ``bp`` replicas get ``B = W_up^T``."""
        if bp is not None and bp.any():
            for l, f in enumerate(self.feedback):
                self.B[l] = np.where(bp[:, None, None], self.W[l + 1].transpose(0, 2, 1), self.B[l])
                f.set(weight=self.B[l])
        W_IP = [np.zeros_like(self.W[l + 1]) if silence else self.W[l + 1] for l in range(len(self.feedback))]
        W_PI = [np.zeros_like(b) if silence else -b for b in self.B]
        self.paths.set(W_IP, W_PI)

    def pattern(self, inputs: np.ndarray, steps: int, settle: int, *, targets=None, symmetrise=False,
                eta=None, eta_sal=None, bp=None, sync: int = 100) -> np.ndarray:
        """Present ``inputs[replica, n_in]`` for ``steps``; return the mean output potential after settling.

        ``targets`` (replica, n_out) switch nudging on; ``eta`` (per layer) forward plasticity
        with the self-predicting state imposed every ``sync`` steps; ``eta_sal`` (per replica) SAL,
        in symmetrisation patterns (interneurons silenced, ``lambda_api = 1``).
        """
        lam_api = 1.0 if symmetrise else self.lambda_api
        set_node_values(self.inputs, b=inputs.ravel())
        for nodes in self.hidden:
            nodes.set(lambda_api=lam_api)
        nudge = {"lambda_nudge": 0.0}
        if targets is not None:
            nudge = {"lambda_nudge": self.lambda_nudge, "u_target": targets.ravel()}
        set_node_values(self.outputs, **nudge)
        self.impose(silence=symmetrise, bp=bp)
        self.run(settle)
        self.outputs.set(u_sum=0.0)
        plastic = steps - settle
        if eta is not None:
            for f, e in zip(self.forward, eta):
                f.synapses.set(eta=e)
            done = 0
            while done < plastic:
                chunk = min(sync, plastic - done)
                self.run(chunk)
                done += chunk
                self.read_forward(first=1)
                self.impose(silence=False, bp=bp)
            for f in self.forward:
                f.synapses.set(eta=0.0)
        elif eta_sal is not None:
            for f in self.feedback:
                f.synapses.set(eta_sal=eta_sal[f.replica])
            self.run(plastic)
            for f in self.feedback:
                f.synapses.set(eta_sal=0.0)
            self.B = [f.get() for f in self.feedback]
        else:
            self.run(plastic)
        u_sum = node_values(self.outputs, "u_sum").astype(float).reshape(inputs.shape[0], -1)
        return u_sum / plastic


def main(argv=None):
    import salnest.pynn.microcircuit  # noqa: F401  (before setup(): loads the models)
    from salnest.networks.kernel import add_simulator_argument, nest_only, setup
    from salnest.parallel import abort_on_error

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 1, 1])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--input", type=float, default=1.0, help="input potential of every input neuron")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--threads", type=int, default=1, help="NEST threads per MPI rank")
    add_simulator_argument(parser)
    args = parser.parse_args(argv)
    nest_only(parser, args, "its pyramidal neuron is a NESTML model compiled for NEST")
    try:
        sizes = check_sizes(args.sizes)
    except ValueError as exc:
        parser.error(str(exc))
    if args.steps < 1000:
        parser.error("--steps must be >= 1000")
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    rng = np.random.default_rng(args.seed)
    W = [rng.uniform(-2, 2, (1, sizes[l + 1], sizes[l])) for l in range(len(sizes) - 1)]
    B = [W[l + 1].transpose(0, 2, 1).copy() for l in range(len(sizes) - 2)]
    biases = [np.full((1, n), -1.0) for n in sizes]
    biases[0][:] = args.input
    sim = setup(args.seed, args.threads)
    abort_on_error()
    net = build_microcircuits(sim, sizes, W, B, biases, lambda_nudge=0.0)
    net.layers[-1].record("u")
    net.layers[-2].record("spikes")
    sim.run(float(args.steps))
    # get_data() gathers to rank 0 and must be called on every rank
    output_data, hidden_data = net.layers[-1].get_data(), net.layers[-2].get_data()
    if sim.rank() == 0:
        signal = output_data.segments[0].filter(name="u")[0]
        # gathered from several ranks, the channels come grouped by rank
        u = signal.magnitude[:, np.argsort(signal.array_annotations["channel_index"])]
        spikes = sorted(hidden_data.segments[0].spiketrains, key=lambda st: st.annotations["source_index"])
        # rectangular PSPs of tau_ref steps: the time-averaged PSP of a neuron is its fraction of z = 1
        z_hidden = np.array([len(st) for st in spikes]) * 10 / args.steps
        expected = biases[-1][0] + W[-1][0] @ z_hidden
        print(f"sizes {sizes}: mean output potential {np.round(u.mean(axis=0), 3)}, "
              f"from the hidden firing {np.round(expected, 3)}")
    sim.end()


if __name__ == "__main__":
    main()
