"""Reciprocally coupled pairs of sampling neurons with SAL synapses (paper Fig. 2).

Many independent pairs live side by side in one population (pair m is neurons 2m and 2m+1,
see :mod:`salnest.networks.blocks`), so a whole sweep runs in one NEST kernel. In pair m, W12
is the weight from neuron 2m+1 ("neuron 2") to neuron 2m ("neuron 1"), W21 the reverse;
each direction has its own learning rate (0: frozen, window sums still kept).

Run on its own (also under ``mpirun -np N``), this script is ``salnest demo``: it runs the
bundled protocol ``demo`` (``protocols/demo.toml``: one pair with both directions plastic, one
with only W12 plastic, at the paper's demo parameters) through salnest's driver, with a few
fields overridden::

    python pynn_networks/reciprocal_pair.py --steps 400000 --out results/reciprocal_pair.nc
    python pynn_networks/reciprocal_pair.py --simulator brian2    # the same through pyNN.brian2

The pair protocols (``salnest run protocols/fig2*.toml``) use :func:`build_pairs` for
trajectories, STDD measurements and phase-plane sweeps, or, with ``model =
"sampling_network"``, :func:`build_pair_nodes`: each pair one ``sampling_network`` node of two
neurons (NEST only; the same process, several times faster). :data:`BUILDERS` names both.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from salnest.networks.blocks import BlockConnections, connection_rows


@dataclass
class Pairs:
    """A population of independent pairs, the one projection holding all their SAL synapses, and
    those synapses indexed by (pair, post, pre) on every MPI rank."""

    population: object
    projection: object
    connections: BlockConnections
    n_pairs: int
    sim: object = None

    def run(self, steps: float) -> None:
        """Simulate ``steps`` steps."""
        self.sim.run(float(steps))

    def record_spikes(self) -> None:
        """Record every neuron's spikes from now on, for :meth:`spike_trains`."""
        self.population.record("spikes")

    def read(self, attribute: str = "weight") -> np.ndarray:
        """(n_pairs, 2) array of ``attribute`` for (W12, W21) of every pair (gathered from all MPI ranks)."""
        m = self.connections.get(attribute)
        return np.column_stack([m[:, 0, 1], m[:, 1, 0]])

    def set(self, attribute: str, values: np.ndarray) -> None:
        """Set ``attribute`` from an (n_pairs, 2) array (W12, W21 columns)."""
        self.connections.set(**{attribute: _pair_matrix(*np.asarray(values, float).T)})

    def spike_trains(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(spikes of neuron 1, spikes of neuron 2) in steps, per pair (needs ``record('spikes')``)."""
        trains = self.population.get_data("spikes", clear=False).segments[-1].spiketrains
        h = self.sim.get_time_step()
        # on the time grid: Brian2 reports times as sums of its steps (10.000000000000002)
        by_index = {int(st.annotations["source_index"]): np.round(np.asarray(st.magnitude) / h) * h for st in trains}
        return [(by_index.get(2 * m, np.array([])), by_index.get(2 * m + 1, np.array([])))
                for m in range(self.n_pairs)]


def _pair_matrix(w12: np.ndarray, w21: np.ndarray) -> np.ndarray:
    """(pair, post, pre) array with W12 (into neuron 1) and W21 (into neuron 2)."""
    m = np.zeros((len(w12), 2, 2))
    m[:, 0, 1], m[:, 1, 0] = w12, w21
    return m


def build_pairs(sim, w12, w21, b1, b2, tau_ref: int, eta12, eta21, window: str = "exponential",
                tau_syn: float | None = None, psp_shape: str = "rectangular") -> Pairs:
    """Independent pairs of sampling neurons with reciprocal SAL synapses.

    Parameters
    ----------
    sim
        ``pyNN.nest`` or ``pyNN.brian2`` after ``setup()``; one time step is one step of the model.
    w12, w21, b1, b2, eta12, eta21
        Weights (model units), biases and SAL learning rates; scalars or arrays over pairs.
    tau_ref
        Refractory period, also the SAL window's time constant (steps).
    window
        SAL window shape, ``"exponential"`` or ``"triangular"``.
    tau_syn
        PSP duration (rectangular, whole steps) or time constant (steps; default ``tau_ref``).
    psp_shape
        ``"rectangular"``, ``"exponential"`` or ``"alpha"`` (``sampling_neuron``'s ``psp_shape``).

    Every delay is one step (exact sampling and exact SAL pairing).
    """
    from salnest.networks.kernel import types

    SALSynapse, SamplingNeuron = types(sim).SALSynapse, types(sim).SamplingNeuron
    w12, w21, b1, b2, eta12, eta21 = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, float))
                                                           for x in (w12, w21, b1, b2, eta12, eta21)))
    n_pairs = len(w12)
    h = sim.get_time_step()
    tau_syn = tau_ref if tau_syn is None else tau_syn
    pop = sim.Population(2 * n_pairs, SamplingNeuron(b=np.column_stack([b1, b2]).ravel(), tau_ref=tau_ref * h,
                                                     tau_syn=tau_syn * h, psp_shape=psp_shape))
    rows = connection_rows(_pair_matrix(w12, w21), delay=h, recurrent=True)
    prj = sim.Projection(pop, pop, sim.FromListConnector(rows, column_names=["weight", "delay"]),
                         SALSynapse(tau_sal=tau_ref * h, window=window))
    pairs = Pairs(pop, prj, BlockConnections.of(prj, 2, 2, n_pairs), n_pairs, sim)
    pairs.set("eta_sal", np.column_stack([eta12, eta21]))
    return pairs


@dataclass
class PairNodes:
    """The pairs as two-neuron ``sampling_network`` nodes (node m is pair m), with the interface of
    :class:`Pairs`."""

    nodes: object
    n_pairs: int

    def run(self, steps: float) -> None:
        """Simulate ``steps`` steps."""
        import nest

        nest.Simulate(float(steps))

    def record_spikes(self) -> None:
        """Record every neuron's spikes from now on, for :meth:`spike_trains`."""
        self.nodes.set(record_spikes=True)

    def read(self, attribute: str = "weight") -> np.ndarray:
        """As :meth:`Pairs.read`."""
        from salnest.parallel import node_values

        name = "weights" if attribute == "weight" else attribute
        m = np.asarray(node_values(self.nodes, name), float).reshape(self.n_pairs, 2, 2)
        return np.column_stack([m[:, 0, 1], m[:, 1, 0]])

    def set(self, attribute: str, values: np.ndarray) -> None:
        """As :meth:`Pairs.set`."""
        from salnest.parallel import set_node_values

        name = "weights" if attribute == "weight" else attribute
        set_node_values(self.nodes, **{name: _pair_matrix(*np.asarray(values, float).T).reshape(self.n_pairs, 4)})

    def spike_trains(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """As :meth:`Pairs.spike_trains`."""
        from salnest.parallel import node_lists

        times, senders = (node_lists(self.nodes, name) for name in ("spike_times", "spike_senders"))
        return [tuple(np.asarray(t, float)[np.asarray(s) == k] for k in (0, 1)) for t, s in zip(times, senders)]


def build_pair_nodes(sim, w12, w21, b1, b2, tau_ref: int, eta12, eta21, window: str = "exponential",
                     tau_syn: float | None = None, psp_shape: str = "rectangular",
                     min_delay_steps: int = 100) -> PairNodes:
    """The pairs of :func:`build_pairs`, each as one ``sampling_network`` node of two neurons.

    Parameters
    ----------
    sim, w12, w21, b1, b2, tau_ref, eta12, eta21, window, tau_syn, psp_shape
        As :func:`build_pairs` (``sim`` is not needed: the nodes are plain NEST nodes).
    min_delay_steps
        As :func:`salnest.networks.sampling_network.build_network_nodes`.
    """
    import nest

    from salnest.models import PSP_SHAPES, SAL_WINDOWS, nest_model
    from salnest.networks.sampling_network import raise_min_delay
    from salnest.parallel import set_node_values

    del sim
    w12, w21, b1, b2, eta12, eta21 = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, float))
                                                           for x in (w12, w21, b1, b2, eta12, eta21)))
    n_pairs = len(w12)
    h = nest.resolution
    raise_min_delay(min_delay_steps)
    tau_syn = tau_ref if tau_syn is None else tau_syn
    nodes = nest.Create(nest_model("sampling_network"), n_pairs, params={
        "tau_ref": tau_ref * h, "tau_syn": tau_syn * h, "psp_shape": PSP_SHAPES[psp_shape], "tau_sal": tau_ref * h,
        "sal_window": SAL_WINDOWS[window]})
    set_node_values(nodes, b=np.column_stack([b1, b2]), weights=_pair_matrix(w12, w21).reshape(n_pairs, 4),
                    eta_sal=_pair_matrix(eta12, eta21).reshape(n_pairs, 4))
    return PairNodes(nodes, n_pairs)


#: The two forms of the same pairs, by the NEST model that runs them.
BUILDERS = {"sampling_neuron": build_pairs, "sampling_network": build_pair_nodes}


#: Command-line options of the script and the protocol fields they override.
OVERRIDES = {"steps": ("run", "steps", int), "record_interval": ("run", "record_interval", int),
             "eta_sal": ("plasticity", "eta_sal", float), "window": ("network", "window", str),
             "model": ("network", "model", str),
             "seed": ("experiment", "seed", int), "threads": ("experiment", "threads", int),
             "simulator": ("experiment", "simulator", str)}


def main(argv=None) -> int:
    from salnest.cli import demo
    from salnest.study.protocol import ProtocolError, load_protocol

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, (section, key, kind) in OVERRIDES.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None, help=f"overrides {section}.{key}")
    parser.add_argument("--out", type=Path, default=Path("results/reciprocal_pair.nc"))
    args = parser.parse_args(argv)
    overrides = {f"{section}.{key}": getattr(args, name) for name, (section, key, _) in OVERRIDES.items()
                 if getattr(args, name) is not None}
    try:
        from salnest.resources import find_protocol

        load_protocol(find_protocol("demo"), overrides=overrides)
    except ProtocolError as exc:
        parser.error(str(exc))
    return demo(args.out, overrides)


if __name__ == "__main__":
    sys.exit(main())
