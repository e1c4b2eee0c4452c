"""What the microcircuit experiment (paper Fig. 6, :mod:`salnest.experiments.microcircuit`) reads from its
results beyond the losses: which seeds start with feedback that opposes what BP learns."""

from __future__ import annotations

import numpy as np
import xarray as xr

from salnest.analysis.alignment import feedback_angle


def opposed_to_learned(ds: xr.Dataset, epoch: int) -> np.ndarray | None:
    """Per seed: does the initial B point away (> 90 degrees) from the forward weights that BP has
    learnt by ``epoch`` (the teacher's direction)? None without a BP condition."""
    others = [c for c in ds.condition.values if c != "bp"]
    if "bp" not in list(ds.condition.values) or not others:
        return None
    top = ds[f"W{ds.sizes['hidden_layer']}"]
    B = ds[f"B{ds.sizes['hidden_layer'] - 1}"]  # as drawn: BP's own B starts as a copy
    return feedback_angle(B.sel(condition=others[0], epoch=0).values,
                          top.sel(condition="bp", epoch=epoch).values) > 90.0
