"""Shared by the PSP-shape tests on NEST and Brian2: how far a measured STDD is from the wrong shape's."""

import numpy as np

from salnest.theory.pair_chain import pair_statistics


def tv_to_rectangular_chain(ds) -> float:
    """TV distance of the first shape's and point's measured STDD from the exact chain of the same pair
    with rectangular PSPs of 10 steps, on the dataset's lag grid."""
    sel = ds.isel(shape=0, point=0)
    rect = pair_statistics(*sel.points.values, 10)
    on_grid = np.zeros(ds.sizes["dt"])
    keep = np.abs(rect.dt) <= ds.dt.values.max()
    on_grid[np.searchsorted(ds.dt.values, rect.dt[keep])] = rect.stdd[keep]
    return 0.5 * float(np.abs(sel.stdd_measured.values - on_grid).sum())
