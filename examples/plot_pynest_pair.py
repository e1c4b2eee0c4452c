"""
SAL aligns a reciprocal pair in PyNEST
======================================

Two ``sampling_neuron`` nodes coupled by ``sal_synapse`` connections with unequal weights
(W12 = 1.5, W21 = 0.5). SAL moves both toward their mean; the dashed lines are the exact mean
field of the pair (:func:`salnest.theory.pair_chain.mean_field_trajectory`), computed from the
Markov chain of the two neurons without any simulation.
"""

import matplotlib.pyplot as plt
import nest
import numpy as np

import salnest
from salnest.theory.pair_chain import mean_field_trajectory
from salnest.theory.windows import sal_window

nest.ResetKernel()
nest.verbosity = nest.VerbosityLevel.ERROR
nest.resolution = 1.0  # one step of the model = 1 ms
nest.rng_seed = 1
salnest.install()

b, tau, eta = (-0.5, -0.2), 25, 0.005
pair = nest.Create("sampling_neuron", 2, params={"tau_ref": float(tau), "tau_syn": float(tau)})
pair.b = list(b)
sal = {"synapse_model": "sal_synapse", "delay": 1.0, "eta_sal": eta, "tau_sal": float(tau)}
nest.Connect(pair[1], pair[0], syn_spec=dict(sal, weight=1.5))  # W12: from neuron 2 onto neuron 1
nest.Connect(pair[0], pair[1], syn_spec=dict(sal, weight=0.5))  # W21

# %%
# Simulate in chunks and read the weights after each.
times = np.arange(0, 400_001, 10_000)
weights = [(1.5, 0.5)]
for _ in times[1:]:
    nest.Simulate(10_000.0)
    weights.append((nest.GetConnections(pair[1], pair[0]).weight, nest.GetConnections(pair[0], pair[1]).weight))
weights = np.array(weights)
exact = mean_field_trajectory(1.5, 0.5, *b, tau, lambda dt: sal_window(dt, tau), eta, times)
print(f"after {times[-1]:,} steps: W12 = {weights[-1, 0]:.3f}, W21 = {weights[-1, 1]:.3f} "
      f"(mean field: {exact[-1, 0]:.3f}, {exact[-1, 1]:.3f})")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for k, name in enumerate(("W12", "W21")):
    ax.plot(times / 1000, weights[:, k], label=f"{name} (NEST)")
    ax.plot(times / 1000, exact[:, k], "k--", lw=1)
ax.set(xlabel="time (10^3 steps)", ylabel="weight", title="SAL aligns W12 and W21 (dashed: exact mean field)")
ax.legend()
fig.tight_layout()
