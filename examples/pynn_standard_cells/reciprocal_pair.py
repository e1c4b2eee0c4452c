"""SAL between two of PyNN's standard cells (IF_curr_alpha on NEST): W12 and W21 meet at their mean.

Two Poisson-driven integrate-and-fire neurons (about 30 Hz) with reciprocal SAL synapses of a
one-step delay. Weights, learning rate and bounds are in PyNN's units (nA here, uS on
conductance-based cells)::

    python examples/pynn_standard_cells/reciprocal_pair.py [--seconds 200]
"""

import argparse

import pyNN.nest as sim

from salnest.pynn import SALSynapse  # before setup(): every setup() then loads salnest's models

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--seconds", type=float, default=200.0, help="simulated time (s)")
parser.add_argument("--w12", type=float, default=0.3, help="start of W12 (nA)")
parser.add_argument("--w21", type=float, default=0.05, help="start of W21 (nA)")
args = parser.parse_args()
if args.seconds <= 0:
    parser.error("--seconds must be positive")

sim.setup(timestep=0.1, min_delay=0.1, rng_seed=3)
cells = sim.IF_curr_alpha(cm=0.25, tau_m=10.0, tau_syn_E=2.0, tau_syn_I=2.0, tau_refrac=2.0)  # NEST's iaf_psc_alpha
pair = sim.Population(2, cells)
noise = sim.Population(2, sim.SpikeSourcePoisson(rate=1300.0))
sim.Projection(noise, pair, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.05, delay=0.1))
connections = sim.FromListConnector([(1, 0, args.w12, 0.1), (0, 1, args.w21, 0.1)], column_names=["weight", "delay"])
sal = sim.Projection(pair, pair, connections, SALSynapse(eta_sal=0.002, tau_sal=5.0))  # eta in nA per pair
sim.run(args.seconds * 1000.0)
weights = sal.get("weight", format="array")
print(f"W12 = {weights[1, 0]:.3f} nA, W21 = {weights[0, 1]:.3f} nA (start {args.w12}, {args.w21})")
sim.end()
