"""
Infer feedback weights in a small layer: SAL, RDD and STDWI
===========================================================

The paper's Fig. 7 on a small scale: a layer of 20 -> 20 units with fixed forward weights W, and
feedback weights B, drawn at random and so about 90 degrees away from W^T, that a local rule
infers from the layer's spikes. Each rule runs in its own NEST network: SAL on sampling neurons
(the network's own noise is the signal), RDD (regression discontinuity design, Guerguiev et al.)
and STDWI (spike-timing-dependent weight inference, Ahmad et al.) on leaky integrate-and-fire
neurons driven by a random stimulus. Two seeds, 40 simulated seconds each, about 20 seconds in
all; the bundled protocol ``weight_inference_paper`` runs the paper's 50 -> 50 layers for 100 s,
where SAL ends closest to W^T (:doc:`../paper/fig7`).
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

from salnest import resources
from salnest.study.driver import run_protocol

out = Path(tempfile.mkdtemp()) / "weight_inference.nc"
run_protocol(resources.find_protocol("weight_inference_smoke"), output=out, plot=False, show_progress=False,
             overrides={"schedule.seconds": 40, "experiment.checkpoint_every": 40})
ds = xr.open_dataset(out)

start = ds.angle.isel(method=0, time=0)
print(f"angle(B, W^T) at the start: {start.values.round(1)} deg (per seed)")
# A B independent of W makes an angle of 90 degrees with W^T, give or take 1/sqrt(n) radians
# (n = 400 entries: 2.9 degrees); a rule has learnt something if it ends 4 of those below 90.
independent = 90 - 4 * np.degrees(1 / np.sqrt(ds.sizes["input"] * ds.sizes["output"]))
for method in ds.method.values:
    end = ds.angle.sel({"method": method}).isel(time=-1)
    signs = ds.sign_agreement.sel({"method": method}).isel(time=-1)
    print(f"{str(method):>5}: angle {end.values.round(1)} deg, signs right {signs.values.round(2)}")
    assert (end < independent).all(), method

# %%
# The angle between B and W^T over simulated time, per rule and seed. SAL's B is updated
# after every second; RDD rescales its estimate every ``rdd.rescale_every`` seconds.
fig, ax = plt.subplots(figsize=(6, 3.5))
for k, method in enumerate(ds.method.values):
    for seed in ds.seed.values:
        d = ds.angle.sel({"method": method, "seed": seed})
        ax.plot(ds.time, d, color=f"C{k}", label=str(method).upper() if seed == 0 else None)
ax.axhline(90, color="k", lw=0.6, ls=":")
ax.set(xlabel="simulated time [s]", ylabel="angle(B, $W^T$) [deg]", ylim=(0, 100))
ax.legend()
fig.tight_layout()

# %%
# Inferred against true weights, seed 0, at the end (B scaled to the rms of W^T).
Wt = ds.W.sel(seed=0).values.T
fig, axes = plt.subplots(1, ds.sizes["method"], figsize=(9, 3.2), sharey=True)
for k, (ax, method) in enumerate(zip(axes, ds.method.values)):
    B = ds.B.sel({"method": method, "seed": 0}).isel(time=-1).values
    B = B * np.sqrt((Wt ** 2).mean() / (B ** 2).mean())
    ax.scatter(Wt.ravel(), B.ravel(), s=5, color=f"C{k}")
    ax.plot([-0.5, 0.5], [-0.5, 0.5], "k:", lw=0.8)
    ax.set(title=str(method).upper(), xlabel="$W^T$", aspect="equal")
axes[0].set_ylabel("B (scaled)")
fig.tight_layout()
