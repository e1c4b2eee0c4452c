"""Stimulus spike trains of the weight-inference experiments: a random subset of the units is
driven in each period (RDD and STDWI as their authors set them up)."""

from __future__ import annotations

import numpy as np


def subset_trains(rng: np.random.Generator, n_units: int, steps: int, period: int, fraction: float,
                  p: float, poisson: bool = False) -> np.ndarray:
    """Spike counts per step of ``n_units`` units of which ``int(fraction * n_units)``, drawn anew
    in every period of ``period`` steps, are driven.

    Parameters
    ----------
    rng
        The stream of this stimulus.
    n_units, steps
        Units and steps of the stimulus.
    period
        Steps between draws of the driven subset (the first period starts at step 0).
    fraction
        Fraction of the units driven in a period (exactly ``int(fraction * n_units)`` of them).
    p
        Per step and driven unit: the probability of a spike (``poisson=False``, the STDWI
        authors' Bernoulli trains) or the mean count (``poisson=True``, Poisson counts as in the
        RDD authors' drive).

    Returns
    -------
    numpy.ndarray
        Counts, shape (steps, n_units), integers >= 0.
    """
    n_on = int(fraction * n_units)
    counts = np.zeros((steps, n_units), dtype=np.int64)
    for start in range(0, steps, period):
        rows = slice(start, min(steps, start + period))
        on = rng.choice(n_units, size=n_on, replace=False)
        shape = (rows.stop - rows.start, n_on)
        counts[rows, on] = rng.poisson(p, shape) if poisson else rng.random(shape) < p
    return counts
