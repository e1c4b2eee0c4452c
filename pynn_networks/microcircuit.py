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


@dataclass
class ConnectionIndex:
    """A projection's connections (on all MPI ranks) and, for each, its (replica, post, pre) indices."""

    synapses: object  # salnest.parallel.Synapses
    replica: np.ndarray
    post: np.ndarray
    pre: np.ndarray
    shape: tuple[int, int, int]

    def to_matrix(self, values) -> np.ndarray:
        out = np.zeros(self.shape)
        out[self.replica, self.post, self.pre] = values
        return out

    def values(self, matrix: np.ndarray) -> np.ndarray:
        """The entries of ``matrix[replica, post, pre]`` in this collection's connection order."""
        return matrix[self.replica, self.post, self.pre]

    def get(self, name: str = "weight") -> np.ndarray:
        return self.to_matrix(self.synapses.get(name))

    def set(self, matrix: np.ndarray) -> None:
        """Set every connection's weight from ``matrix[replica, post, pre]``."""
        self.synapses.set(weight=self.values(matrix))


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

    def index(self, projection, n_pre: int, n_post: int) -> ConnectionIndex:
        """Map a projection's NEST connections to (replica, post, pre)."""
        from salnest.parallel import Synapses

        synapses = Synapses(projection.nest_connections)
        src = synapses.sources - projection.pre.first_id
        tgt = synapses.targets - projection.post.first_id
        return ConnectionIndex(synapses, tgt // n_post, tgt % n_post, src % n_pre, (self.n_replicas, n_post, n_pre))


def block_connections(weights: np.ndarray, delay: float) -> np.ndarray:
    """Rows (pre, post, weight, delay) connecting every pre to every post within each replica of
    ``weights[replica, post, pre]``."""
    n_rep, n_post, n_pre = weights.shape
    rep, post, pre = np.meshgrid(np.arange(n_rep), np.arange(n_post), np.arange(n_pre), indexing="ij")
    rep, post, pre = rep.ravel(), post.ravel(), pre.ravel()
    return np.column_stack([pre + rep * n_pre, post + rep * n_post, weights[rep, post, pre],
                            np.full(rep.size, delay)])


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
    """Build replicas of the microcircuit (times in steps; ``biases[l][replica, neuron]``).

    Interneuron weights start in the self-predicting state. ``eta[l]`` is the forward
    learning rate into layer l+1; SAL uses the exponential window with time constant
    ``tau_sal`` (default ``tau_ref``).
    """
    from salnest.pynn_microcircuit import DendriticPredictionSynapse, FeedbackSALSynapse, PyramidalNeuron

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
        rows = block_connections(W[l], h)
        net.forward.append(sim.Projection(net.layers[l], net.layers[l + 1],
                                          sim.FromListConnector(rows, column_names=["weight", "delay"]),
                                          DendriticPredictionSynapse(eta=eta[l], tau_ref=tau_ref * h),
                                          receptor_type="basal"))
    for l in range(1, n_layers - 1):
        inter = sim.Population(n_rep * sizes[l + 1], PyramidalNeuron(b=biases[l + 1].ravel(), **common),
                               label=f"interneurons{l}")
        net.interneurons.append(inter)
        rows = block_connections(B[l - 1], h)
        net.feedback.append(sim.Projection(net.layers[l + 1], net.layers[l],
                                           sim.FromListConnector(rows, column_names=["weight", "delay"]),
                                           FeedbackSALSynapse(window="exponential", eta_sal=eta_sal,
                                                              tau_sal=(tau_sal or tau_ref) * h),
                                           receptor_type="apical"))
        rows = block_connections(W[l], h)
        net.to_interneurons.append(sim.Projection(net.layers[l], inter, sim.FromListConnector(
            rows, column_names=["weight", "delay"]), sim.StaticSynapse(), receptor_type="basal"))
        rows = block_connections(-B[l - 1], h)
        net.from_interneurons.append(sim.Projection(inter, net.layers[l], sim.FromListConnector(
            rows, column_names=["weight", "delay"]), sim.StaticSynapse(), receptor_type="apical"))
    return net


def main(argv=None):
    import pyNN.nest as sim

    import salnest.pynn_microcircuit  # noqa: F401  (before setup(): loads the models)
    from salnest.parallel import abort_on_error

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 1, 1])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--input", type=float, default=1.0, help="input potential of every input neuron")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--threads", type=int, default=1, help="NEST threads per MPI rank")
    args = parser.parse_args(argv)
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
    sim.setup(timestep=1.0, min_delay=1.0, rng_seed=args.seed, threads=args.threads)
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
