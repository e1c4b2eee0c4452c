"""
The SAL synapse on your own NESTML neuron
=========================================

NESTML generates a plastic synapse together with the neuron it connects to.
:func:`salnest.models.cogen.install_sal_for` pairs salnest's SAL synapse with a neuron of your
own NESTML file, builds the module once (cached in ``~/.cache/salnest``; about a minute the
first time) and loads it. Here the neuron is NESTML's standard ``iaf_psc_delta_neuron``
(``examples/own_neuron/``); ``salnest cogen FILE`` does the same from the shell.

Three pairs of Poisson-driven neurons (about 28 Hz) start with different weights, of either sign;
SAL brings W12 and W21 of each pair together while their sum stays put.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import nest
import numpy as np

from salnest.models.cogen import install_sal_for

# this script's folder (sphinx-gallery and notebooks run it there, without __file__)
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()

nest.ResetKernel()
nest.verbosity = nest.VerbosityLevel.ERROR
nest.resolution = 0.1
nest.rng_seed = 1
names = install_sal_for(HERE / "own_neuron" / "iaf_psc_delta_neuron.nestml")
print(f"neuron {names.neuron!r}, synapse {names.synapse!r}")

starts = [(3.0, -1.0), (-2.0, 1.0), (0.5, 2.5)]
pairs = []
for w12, w21 in starts:
    pair = nest.Create(names.neuron, 2)
    noise = nest.Create("poisson_generator", 2, params={"rate": 1300.0})
    nest.Connect(noise, pair, "one_to_one", syn_spec={"weight": 1.0, "delay": 0.1})
    # a delay of one step pairs exact firing times; a narrow window keeps the causal peak of a
    # delta PSP and drops most chance pairs
    sal = {"synapse_model": names.synapse, "delay": 0.1, "tau_sal": 2.0, "eta_sal": 0.02}
    nest.Connect(pair[1], pair[0], syn_spec=dict(sal, weight=w12))
    nest.Connect(pair[0], pair[1], syn_spec=dict(sal, weight=w21))
    pairs.append((nest.GetConnections(pair[1], pair[0]), nest.GetConnections(pair[0], pair[1])))

# %%
seconds = np.arange(0, 121, 4)
weights = [[start for start in starts]]
for _ in seconds[1:]:
    nest.Simulate(4000.0)
    weights.append([(c12.weight, c21.weight) for c12, c21 in pairs])
weights = np.array(weights)  # (time, pair, direction)
for k, (w12, w21) in enumerate(starts):
    print(f"pair {k}: W12 {w12:+.1f} -> {weights[-1, k, 0]:+.2f}, W21 {w21:+.1f} -> {weights[-1, k, 1]:+.2f} mV")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for k in range(len(starts)):
    line, = ax.plot(seconds, weights[:, k, 0])
    ax.plot(seconds, weights[:, k, 1], color=line.get_color(), ls="--")
ax.set(xlabel="time (s)", ylabel="weight (mV)", title="SAL on iaf_psc_delta_neuron (solid W12, dashed W21)")
fig.tight_layout()
