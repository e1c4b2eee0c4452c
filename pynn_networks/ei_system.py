"""E-I systems under Dale's law (paper Fig. 10): two excitatory neurons coupled directly by SAL
synapses and through one inhibitory partner each (e1 -> i1 -> e2, e2 -> i2 -> e1).

Many independent systems live side by side in one population of sampling neurons: system k is
cells 4k ... 4k + 3 in the order e1, e2, i1, i2 (:data:`salnest.theory.ei_system.NEURONS`), so a
whole drift-field grid runs in one NEST kernel. The E-E connections are SAL synapses (frozen to
measure drift, plastic to learn, with ``Wmin`` keeping them excitatory); the E -> I and I -> E
connections are static. Weights are named ``post_pre``; W12 is ``e1_e2``, W21 ``e2_e1``.

Run on its own (also under ``mpirun -np N``), this script measures the SAL drift of the paper's
system (weight draw 97) at a few direct weights and prints it beside the effective weights::

    python pynn_networks/ei_system.py --steps 200000

The Dale's-law protocols (``salnest run protocols/dales_law_*.toml``) use :func:`build_systems`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np

from salnest.models import SAL_PAIRINGS
from salnest.networks.blocks import BlockConnections
from salnest.theory.ei_system import CONNECTIONS, EE_CONNECTIONS, NEURONS


@dataclass
class EISystems:
    """A population of independent E-I systems and the SAL synapses of their E-E connections,
    indexed by (system, post, pre) on every MPI rank."""

    population: object
    sal: BlockConnections
    n_systems: int

    def read(self, attribute: str = "weight") -> np.ndarray:
        """(n_systems, 2) array of ``attribute`` of (W_e1_e2, W_e2_e1), gathered from all MPI ranks."""
        m = self.sal.get(attribute)
        return np.column_stack([m[:, CONNECTIONS[c][0], CONNECTIONS[c][1]] for c in EE_CONNECTIONS])

    def rates(self, steps: int) -> np.ndarray:
        """(n_systems, 4) spikes per step of every neuron over the last ``steps`` steps (needs
        ``record('spikes')`` and one segment)."""
        trains = self.population.get_data("spikes", clear=False).segments[-1].spiketrains
        counts = np.zeros(4 * self.n_systems)
        for st in trains:
            counts[int(st.annotations["source_index"])] = len(st)
        return counts.reshape(self.n_systems, len(NEURONS)) / steps


def _rows(weights: dict[str, np.ndarray], names, n_systems: int, delay: float) -> np.ndarray:
    """Connection rows (pre, post, weight, delay) of the connections ``names`` of every system."""
    rows = []
    for name in names:
        post, pre = CONNECTIONS[name]
        base = len(NEURONS) * np.arange(n_systems)
        rows.append(np.column_stack([base + pre, base + post, np.broadcast_to(weights[name], n_systems),
                                     np.full(n_systems, delay)]))
    return np.concatenate(rows)


def build_systems(sim, weights: dict, biases: dict, tau_ref: int, eta_sal=0.0, window: str = "exponential",
                  w_min: float = -np.inf, pairing: str = "restricted") -> EISystems:
    """Independent E-I systems of sampling neurons with rectangular PSPs, ``tau_syn = tau_ref``.

    Parameters
    ----------
    sim
        ``pyNN.nest`` or ``pyNN.brian2`` after ``setup()``; one time step is one step of the model.
    weights
        Weight per ``post_pre`` connection (:data:`salnest.theory.ei_system.CONNECTIONS`), model
        units; a scalar or an array over systems. All six must be given (0 removes a pathway).
    biases
        Bias per neuron (``e1``, ``e2``, ``i1``, ``i2``), scalars or arrays over systems.
    tau_ref
        Refractory period = PSP duration = SAL window time constant, in steps.
    eta_sal
        SAL learning rate of the E-E synapses (0: frozen, window sums still kept); scalar or per system.
    window
        SAL window shape, ``"exponential"`` or ``"triangular"``.
    w_min
        Lower bound of the E-E weights' online updates (0 keeps them excitatory).
    pairing
        SAL's spike pairing, ``"restricted"`` nearest neighbour or ``"all_to_all"`` (exponential
        window only).

    Every delay is one step, so the inhibitory detour arrives one step after the direct PSP.
    """
    from salnest.networks.kernel import types

    SALSynapse, SamplingNeuron = types(sim).SALSynapse, types(sim).SamplingNeuron
    if pairing not in SAL_PAIRINGS:
        raise ValueError(f"unknown pairing {pairing!r}; choose one of {sorted(SAL_PAIRINGS)}")
    missing = set(CONNECTIONS) - set(weights) | set(NEURONS) - set(biases)
    if missing:
        raise ValueError(f"E-I system needs every weight and bias; missing {sorted(missing)}")
    sizes = {np.size(v) for v in (*weights.values(), *biases.values(), eta_sal)} - {1}
    if len(sizes) > 1:
        raise ValueError(f"per-system arrays must share one length, got lengths {sorted(sizes)}")
    n_systems = sizes.pop() if sizes else 1
    h = sim.get_time_step()
    b = np.column_stack([np.broadcast_to(np.asarray(biases[n], float), n_systems) for n in NEURONS]).ravel()
    pop = sim.Population(len(NEURONS) * n_systems, SamplingNeuron(b=b, tau_ref=tau_ref * h, tau_syn=tau_ref * h))
    static = [c for c in CONNECTIONS if c not in EE_CONNECTIONS]
    sim.Projection(pop, pop, sim.FromListConnector(_rows(weights, static, n_systems, h),
                                                   column_names=["weight", "delay"]), sim.StaticSynapse())
    prj = sim.Projection(pop, pop, sim.FromListConnector(_rows(weights, EE_CONNECTIONS, n_systems, h),
                                                         column_names=["weight", "delay"]),
                         SALSynapse(tau_sal=tau_ref * h, window=window, Wmin=w_min))
    systems = EISystems(pop, BlockConnections.of(prj, len(NEURONS), len(NEURONS), n_systems), n_systems)
    eta = np.broadcast_to(np.asarray(eta_sal, float), n_systems)
    systems.sal.set(eta_sal=np.broadcast_to(eta[:, None, None], (n_systems, len(NEURONS), len(NEURONS))),
                    sal_pairing=SAL_PAIRINGS[pairing])  # on NEST a parameter of the C++ synapse, not of PyNN's type
    return systems


def main(argv=None) -> int:
    from salnest.networks.kernel import add_simulator_argument, kernel, one_thread_on_brian2
    from salnest.parallel import is_root
    from salnest.theory.ei_system import draw_system, effective_weights

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200_000, help="frozen-weight measurement, in steps")
    parser.add_argument("--tau-ref", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1, help="seed of NEST's random streams")
    parser.add_argument("--threads", type=int, default=1, help="NEST threads per MPI rank")
    add_simulator_argument(parser)
    args = parser.parse_args(argv)
    one_thread_on_brian2(parser, args)
    weights, biases = draw_system(97, (4.0, 0.2), (-1.0, 0.1), (-2.0, 0.2), 0.0)
    w12, w21 = np.array([0.2, 1.0, 1.8]), np.array([1.8, 1.0, 0.2])
    weights.update(e1_e2=w12, e2_e1=w21)
    with kernel(args.seed, args.threads, simulator=args.simulator) as sim:
        systems = build_systems(sim, weights, biases, args.tau_ref)
        sim.run(args.steps)
        drift = systems.read("sal_sum") / args.steps
    if is_root():
        e12, e21 = effective_weights(w12, w21, weights, biases)
        for k in range(len(w12)):
            print(f"W_e1_e2 {w12[k]:.2f}, W_e2_e1 {w21[k]:.2f} (effective {e12[k]:+.3f}, {e21[k]:+.3f}): "
                  f"SAL drift per step {drift[k, 0]:+.2e}, {drift[k, 1]:+.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
