"""
SAL between two of PyNN's standard cells
========================================

The SAL synapse is not tied to salnest's neurons: in PyNN, :class:`salnest.pynn.SALSynapse`
connects any cells whose NEST model keeps its spike history, here ``IF_curr_alpha``
(NEST's ``iaf_psc_alpha``). Two integrate-and-fire neurons, each driven by its own Poisson noise
(about 30 Hz), are coupled by reciprocal SAL synapses of one step's delay. Weights, learning
rate and bounds are in PyNN's units (nA for current-based cells). SAL moves W12 and W21 toward
each other; the noise of their own firing is all it uses.
"""

import matplotlib.pyplot as plt
import numpy as np
import pyNN.nest as sim

from salnest.pynn import SALSynapse  # before setup(): every setup() then loads salnest's models

sim.setup(timestep=0.1, min_delay=0.1, rng_seed=3)
cells = sim.IF_curr_alpha(cm=0.25, tau_m=10.0, tau_syn_E=2.0, tau_syn_I=2.0, tau_refrac=2.0)
pair = sim.Population(2, cells)
noise = sim.Population(2, sim.SpikeSourcePoisson(rate=1300.0))
sim.Projection(noise, pair, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.05, delay=0.1))
connections = sim.FromListConnector([(1, 0, 0.3, 0.1), (0, 1, 0.05, 0.1)], column_names=["weight", "delay"])
sal = sim.Projection(pair, pair, connections, SALSynapse(eta_sal=0.002, tau_sal=5.0))  # eta in nA per pair
pair.record("spikes")

# %%
# Run in chunks of 10 s and read the weights after each (``format="array"``: [pre, post]).
seconds = np.arange(0, 201, 10)
weights = [(0.3, 0.05)]
for _ in seconds[1:]:
    sim.run(10_000.0)
    w = sal.get("weight", format="array")
    weights.append((w[1, 0], w[0, 1]))
weights = np.array(weights)
rates = [len(st) / seconds[-1] for st in pair.get_data().segments[0].spiketrains]
sim.end()
print(f"rates {rates[0]:.0f} and {rates[1]:.0f} Hz; W12 = {weights[-1, 0]:.3f} nA, W21 = {weights[-1, 1]:.3f} nA "
      f"(start 0.3, 0.05)")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(seconds, weights[:, 0], label="W12 (onto neuron 1)")
ax.plot(seconds, weights[:, 1], label="W21 (onto neuron 2)")
ax.set(xlabel="time (s)", ylabel="weight (nA)", title="SAL on IF_curr_alpha (PyNN, NEST)")
ax.legend()
fig.tight_layout()
