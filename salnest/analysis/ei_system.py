"""What the E-I experiments (paper Fig. 10, :mod:`salnest.experiments.dales_law`) read from their results:
SAL's fixed points on the anti-diagonals of a measured drift field, the drift toward the effective
diagonal, the learning runs' end points and the rates against the exact chain.

Weights are those of the direct E-E connections (W12 = W_e1_e2, W21 = W_e2_e1); the effective
weights add the inhibitory detour's part (``pathway_weight``, :mod:`salnest.theory.ei_system`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr


def _stable_crossing(delta: np.ndarray, velocity: np.ndarray) -> float:
    """The delta at which ``velocity`` (the drift of delta) falls through 0, linearly interpolated;
    NaN unless there is exactly one such crossing."""
    down = np.nonzero((velocity[:-1] > 0) & (velocity[1:] <= 0))[0]
    if len(down) != 1:
        return np.nan
    k = down[0]
    return float(delta[k] + velocity[k] * (delta[k + 1] - delta[k]) / (velocity[k] - velocity[k + 1]))


def fixed_point_offsets(ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    """SAL's fixed point on every anti-diagonal of the grid, as ``delta = (W12 - W21) / 2``.

    SAL conserves ``W12 + W21 = 2 m`` (each E-E pair changes the two weights by opposite
    amounts), so on an anti-diagonal only ``delta`` moves, at ``(dW12 - dW21) / 2`` per step; its
    stable zero, interpolated between grid points, is the fixed point. Returns the offset from the
    seed-averaged drift and the standard deviation of the per-seed offsets over seeds, both over
    ``mean_weight``; NaN where an anti-diagonal has no single stable crossing or is not measured
    in full (a partial run).
    """
    w12, w21 = ds.w12.values, ds.w21.values
    velocity = 0.5 * (ds.drift_measured.sel(direction="W12") - ds.drift_measured.sel(direction="W21")).values
    sums = np.round(w12[:, None] + w21[None, :], 8)
    means = np.unique(sums) / 2
    offset, sd = np.full(len(means), np.nan), np.full(len(means), np.nan)
    for k, m in enumerate(means):
        i, j = np.nonzero(sums == np.round(2 * m, 8))
        order = np.argsort(w12[i] - w21[j])
        i, j = i[order], j[order]
        if len(i) < 2 or np.isnan(velocity[i, j]).any():  # too short, or not all measured yet
            continue
        delta = (w12[i] - w21[j]) / 2
        offset[k] = _stable_crossing(delta, velocity[i, j].mean(axis=-1))
        per_seed = [_stable_crossing(delta, velocity[i, j, s]) for s in range(velocity.shape[-1])]
        if velocity.shape[-1] > 1 and not np.any(np.isnan(per_seed)):
            sd[k] = np.std(per_seed, ddof=1)
    dims = {"mean_weight": means}
    return (xr.DataArray(offset, coords=dims, dims="mean_weight", attrs={"definition": "(W12 - W21) / 2"}),
            xr.DataArray(sd, coords=dims, dims="mean_weight"))


def effective_diagonal_offset(ds: xr.Dataset) -> float:
    """delta = (W12 - W21) / 2 on the effective diagonal W_eff12 = W_eff21: (c21 - c12) / 2."""
    c12, c21 = ds.pathway_weight.values
    return float((c21 - c12) / 2)


def fixed_point_agreement(ds: xr.Dataset) -> dict[str, float]:
    """How far the measured fixed points miss the effective and the raw diagonal (in delta)."""
    offsets = ds.fixed_point_offset.values
    found = ~np.isnan(offsets)
    target = effective_diagonal_offset(ds)
    out = {"fixed_points_found": int(found.sum()), "anti_diagonals": int(len(offsets)),
           "effective_diagonal_offset": target}
    if found.any():
        miss = offsets[found] - target
        out.update(mean_miss_effective=float(miss.mean()), max_miss_effective=float(np.abs(miss).max()),
                   mean_miss_raw=float(offsets[found].mean()))
        sd = ds.fixed_point_offset_sd.values[found]
        if np.any(~np.isnan(sd)):
            out["median_offset_sd_per_seed"] = float(np.nanmedian(sd))
    return out


def drift_toward_effective_diagonal(ds: xr.Dataset, min_distance: float) -> xr.DataArray:
    """Per grid point at least ``min_distance`` (in W_eff12 - W_eff21) off the effective diagonal: the
    seed-mean drift of W_eff12 - W_eff21 (= that of W12 - W21) divided by its standard error, signed
    so that positive points toward the diagonal; NaN nearer the diagonal."""
    distance = ds.w_eff12 - ds.w_eff21
    v = ds.drift_measured.sel(direction="W12") - ds.drift_measured.sel(direction="W21")
    z = -np.sign(distance) * v.mean("seed") / (v.std("seed", ddof=1) / np.sqrt(ds.sizes["seed"]))
    return z.where(np.abs(distance) >= min_distance)


def learning_offsets(ds: xr.Dataset) -> xr.DataArray:
    """W_eff12 - W_eff21 of every learning run, averaged over the second half of its records (the
    weights fluctuate about the fixed point by about 0.1 at eta_sal = 0.01)."""
    c12, c21 = ds.pathway_weight.values
    late = ds.trajectory.where(ds.time >= float(ds.time[-1]) / 2, drop=True)
    return (late.sel(direction="W12") + c12 - late.sel(direction="W21") - c21).mean("time")


def rate_agreement(ds: xr.Dataset) -> dict[str, float]:
    """NEST against the exact chain (in standard errors over replicates) and the effective weight's
    own error (exact E-I rate minus exact direct rate)."""
    mean = ds.rate_measured.mean("replicate")
    se = ds.rate_measured.std("replicate", ddof=1) / np.sqrt(ds.sizes["replicate"])
    z = (mean - ds.rate_exact) / se
    gap = ds.rate_exact.sel(system="dale") - ds.rate_exact.sel(system="direct")
    return {"max_abs_z": float(np.abs(z).max()), "max_abs_error": float(np.abs(mean - ds.rate_exact).max()),
            "max_abs_effective_weight_gap": float(np.abs(gap).max()),
            "mean_effective_weight_gap": float(gap.mean())}
