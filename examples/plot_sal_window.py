"""
The SAL window, measured in NEST against its definition
=======================================================

Two ``parrot_neuron`` nodes repeat the spikes of two ``spike_generator`` nodes, so every spike
time is set by hand. One ``sal_synapse`` per lag connects them; each sees a single pre/post pair
at ``dt = t_post - t_pre`` and accumulates its window value in ``sal_sum``. The result is
compared with :func:`salnest.theory.windows.sal_window`, for both shapes: they agree to
rounding.
"""

import matplotlib.pyplot as plt
import nest
import numpy as np

import salnest
from salnest.theory.windows import sal_window

tau = 10.0
lags = np.arange(-30, 31)
t_pre, t_end = 50.0, 2000.0

measured = {}
for code, shape in enumerate(("exponential", "triangular")):
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    salnest.install()
    sums = []
    for dt in lags:
        # the presynaptic spike at t_pre, the postsynaptic one at t_pre + dt, and a second
        # presynaptic spike at the end: a synapse reads the postsynaptic spikes when a presynaptic
        # one passes. For dt > 0 that spike pairs with the postsynaptic one too, at a lag near
        # -1950 ms, where the window is below 1e-80: nothing in double precision
        pre_gen = nest.Create("spike_generator", params={"spike_times": [t_pre, t_end]})
        post_gen = nest.Create("spike_generator", params={"spike_times": [t_pre + dt]})
        pre, post = nest.Create("parrot_neuron"), nest.Create("parrot_neuron")
        nest.Connect(pre_gen, pre)
        nest.Connect(post_gen, post)
        # eta_sal = 0: the synapse only accumulates; a delay of one step makes the pairing exact;
        # receptor 1 of a parrot takes spikes without repeating them (as for NEST's STDP tests)
        nest.Connect(pre, post, syn_spec={"synapse_model": "sal_synapse", "delay": 1.0, "weight": 0.0,
                                           "eta_sal": 0.0, "tau_sal": tau, "sal_window": code,
                                           "receptor_type": 1})  # parrot: do not repeat these
        sums.append(pre)
    nest.Simulate(t_end + 10.0)
    measured[shape] = np.array([nest.GetConnections(source=pre).sal_sum for pre in sums])
    exact = sal_window(lags, tau, shape)
    print(f"{shape}: largest difference to the definition {np.abs(measured[shape] - exact).max():.1e}")
    assert np.allclose(measured[shape], exact, rtol=1e-12, atol=1e-15)  # the same formula, rounding apart

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
fine = np.linspace(lags[0], lags[-1], 601)
for shape, marker in (("exponential", "o"), ("triangular", "s")):
    ax.plot(fine, sal_window(fine, tau, shape), "k-", lw=0.8)
    ax.plot(lags, measured[shape], marker, ms=3, ls="none", label=f"{shape} (NEST)")
ax.axhline(0, color="0.8", lw=0.5)
ax.set(xlabel="dt = t_post - t_pre (ms)", ylabel="K(dt)", title="SAL window: NEST (markers), definition (lines)")
ax.legend()
fig.tight_layout()
