"""
A network of sampling neurons samples from a Boltzmann distribution
===================================================================

Four ``sampling_neuron``\\ s with symmetric weights, simulated as one ``sampling_network`` node
(NEST's per-node machinery paid once per network), which counts the steps it spends in each of
the 2^4 states. The measured distribution is compared with two exact ones: the Boltzmann
distribution :math:`p(z) \\propto \\exp(b^T z + z^T W z / 2)` that neural sampling approximates, and
the stationary distribution of the discrete-time Markov chain that the neurons really are
(:func:`salnest.theory.network_chain.network_state_distribution`). The run is within sampling
noise of the chain; the chain itself differs from Boltzmann by a small bias of the model, which
shrinks as ``tau_ref`` grows.
"""

import matplotlib.pyplot as plt
import nest
import numpy as np

import salnest
from salnest.theory.boltzmann import boltzmann_distribution, kl_divergence
from salnest.theory.network_chain import network_state_distribution

rng = np.random.default_rng(7)
n, tau_ref, steps = 4, 10, 2_000_000
W = np.triu(rng.normal(0.0, 0.8, (n, n)), 1)
W = W + W.T  # symmetric, zero diagonal
b = rng.normal(-0.5, 0.5, n)

nest.ResetKernel()
nest.verbosity = nest.VerbosityLevel.ERROR
nest.resolution = 1.0
nest.rng_seed = 11
salnest.install()
net = nest.Create("sampling_network", params={"b": list(b), "weights": list(W.ravel()), "tau_ref": float(tau_ref),
                                               "tau_syn": float(tau_ref), "record_states": True})
nest.Simulate(float(steps))
counts = np.array(net.state_counts, dtype=float)
measured = counts / counts.sum()

chain = network_state_distribution(W, b, tau_ref)
boltzmann = boltzmann_distribution(W, b)
print(f"D_KL(chain || NEST)     = {kl_divergence(chain, measured):.2e}")
print(f"D_KL(Boltzmann || chain) = {kl_divergence(boltzmann, chain):.2e}  (the model's own bias)")

# %%
states = [format(k, f"0{n}b") for k in range(2 ** n)]
x = np.arange(2 ** n)
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(x - 0.27, boltzmann, 0.27, label="Boltzmann", color="0.7")
ax.bar(x, chain, 0.27, label="exact chain")
ax.bar(x + 0.27, measured, 0.27, label=f"NEST, {steps:,} steps")
ax.set_xticks(x, states, rotation=90, fontsize=7)
ax.set(xlabel="state z (neuron 0 first)", ylabel="p(z)")
ax.legend(fontsize=8)
fig.tight_layout()
