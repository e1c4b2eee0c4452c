"""
Run a protocol from Python and read its results
===============================================

Everything ``salnest run`` does is one function, :func:`salnest.study.driver.run_protocol`:
it validates the protocol, runs it and writes a netCDF results file (an xarray dataset) with
its provenance. Here the bundled protocol of the paper's Fig. 2c, with fewer pairs: the
spike-timing-difference distribution (STDD) of the demo pair with frozen weights, measured in NEST,
and the exact one from the Markov chain of the two neurons.
"""

import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import xarray as xr

from salnest import resources
from salnest.study.driver import run_protocol

protocol = resources.find_protocol("fig2c_stdd")  # salnest protocols show fig2c_stdd prints it
out = Path(tempfile.mkdtemp()) / "fig2c_stdd.nc"
# the same fields as the file, changed as "salnest run fig2c_stdd --set run.replicates=8" would
run_protocol(protocol, output=out, plot=False, show_progress=False, overrides={"run.replicates": 8})

ds = xr.open_dataset(out)
print(ds)
print(f"total variation distance, measured to exact: {ds.attrs['total_variation']:.3f}")
versions = json.loads(ds.attrs["versions"])
print(f"salnest {ds.attrs['salnest_version']}, NEST {versions['nest-simulator']}, seeds {ds.attrs['seeds']}")

# %%
window = ds.sel(dt=slice(-80, 80))
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(window.dt, window.stdd_measured, ".", ms=3, label="NEST")
ax.plot(window.dt, window.stdd_exact, "k-", lw=1, label="exact")
ax.set(xlabel="dt = t_post - t_pre (steps)", ylabel="probability", title=ds.attrs["name"])
ax.legend()
fig.tight_layout()
