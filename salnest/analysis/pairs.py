"""What the reciprocal-pair experiments (paper Figs. 2 and 11) read from their results: the measured
drift field against the exact one, and SAL's measured fixed points against the exact ones."""

from __future__ import annotations

import numpy as np
import xarray as xr

from salnest.theory.fixed_point import relative_offset


def phase_plane_agreement(ds: xr.Dataset, min_asymmetry: float = 0.5) -> dict[str, float]:
    """Sign agreement (where ``|W12 - W21| >= min_asymmetry``) and correlation of measured and exact drift."""
    measured = ds.drift_measured.mean("seed")
    exact = ds.drift_exact
    asym = np.abs(ds.w12 - ds.w21) >= min_asymmetry
    signs = (np.sign(measured) == np.sign(exact)).where(asym)
    corr = np.corrcoef(measured.values.ravel(), exact.values.ravel())[0, 1]
    return {"sign_agreement": float(signs.mean()), "drift_correlation": float(corr),
            "sign_agreement_min_asymmetry": min_asymmetry}


def fixed_point_agreement(ds, shape) -> dict[str, float]:
    """Measured against exact offsets of one shape: RMS and largest difference, the median standard
    error of a point (over replicates), and the fraction of points more than 4 of their own standard
    errors off beside what chance gives for so few replicates (Student's t with replicates - 1
    degrees of freedom: with 4 replicates a point's standard error is itself uncertain, and 2.8 %
    of points lie beyond 4 by chance alone). Also the exact offsets' size."""
    from scipy.stats import t as student_t

    sel = ds.sel(shape=shape)
    n = ds.sizes["replicate"]
    # where two stable points share an anti-diagonal, a pair's time average depends on where noise
    # took it: those points are counted, not compared
    single = np.isnan(sel.offset_exact_other)
    measured = sel.offset_measured.mean("replicate").where(single)
    stderr = sel.offset_measured.std("replicate", ddof=1).where(single) / np.sqrt(n)
    diff = measured - sel.offset_exact
    rel = relative_offset(sel.offset_exact, sel.mean_weight)
    return {"rms_difference": float(np.sqrt((diff ** 2).mean())), "max_abs_difference": float(np.abs(diff).max()),
            "two_stable_points": int((~single).sum()),
            "beyond_4_stderr": float((np.abs(diff) > 4 * stderr).sum() / single.sum()),
            "beyond_4_stderr_by_chance": float(2 * student_t.sf(4.0, n - 1)),
            "median_stderr": float(stderr.median()),
            "max_abs_offset": float(np.abs(sel.offset_exact).max()),
            "mean_abs_offset": float(np.abs(sel.offset_exact).mean()),
            "mean_relative_offset": float(np.nanmean(rel)),
            "max_truncation_bound": float(sel.truncation_bound.max())}
