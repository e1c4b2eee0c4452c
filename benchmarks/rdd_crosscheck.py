"""salnest's RDD specification (salnest.theory.rdd) against the RDD authors' own layer.

Not a test: it needs ``rdd_layers.py`` and ``shared_hyperparams.py`` of
jordan-g/RDD-Weight-Alignment (Guerguiev, Kording, Richards 2020), which are not on PyPI::

    git clone https://github.com/jordan-g/RDD-Weight-Alignment /tmp/RDD
    .venv/bin/python benchmarks/rdd_crosscheck.py --rdd-repo /tmp/RDD

How the input reaches their code: driving Poisson counts (rate 0.2 per step on a random 20 % of
the units, redrawn every 100 steps, as their ``main.py``) and Bernoulli feedback spikes of the
units above are appended, one column per step, to the histories their ``SpikingFA.update``
takes (``driving_input`` and ``b_input``); their ``update_fb_weights`` runs every
``--rescale-every`` steps. The same arrays go to :func:`salnest.theory.rdd.rdd_layer_run`. It
prints the largest differences of the fits, the jumps beta and the feedback weights (goal:
below 1e-9) and whether the spike trains are identical.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def authors_layer(rdd_layers, memory, drive, feedback, B0, rescale_every):
    """Their SpikingFA on the injected histories; returns fits, beta, feedback history, spikes."""
    n, m = B0.shape
    layer = rdd_layers.SpikingFA(n, None, m)
    layer.reset()
    layer.set_weights(fb_weight=B0.copy())
    drive_hist, fb_hist = np.zeros((n, memory), dtype=int), np.zeros((m, memory), dtype=int)
    history, spikes = [layer.fb_weight.copy()], []
    for t in range(drive.shape[0]):
        drive_hist = np.concatenate([drive_hist[:, 1:], drive[t][:, None]], axis=1)
        fb_hist = np.concatenate([fb_hist[:, 1:], feedback[t][:, None]], axis=1)
        layer.update(None, fb_hist, driving_input=drive_hist)
        spikes.append(layer.fired[:, 0].copy())
        if (t + 1) % rescale_every == 0:
            layer.update_fb_weights()
            history.append(layer.fb_weight.copy())
    return layer.RDD_params, layer.beta, np.asarray(history), np.asarray(spikes, dtype=bool)


def drive_counts(n: int, steps: int, rng, fraction: float = 0.2, rate: float = 0.2) -> np.ndarray:
    """Poisson counts on a random ``fraction`` of the units, the set redrawn every 100 steps."""
    counts = np.zeros((steps, n), dtype=int)
    active = rng.random(n) < fraction
    for t in range(steps):
        if (t + 1) % 100 == 0:
            active = rng.random(n) < fraction
        counts[t, active] = rng.poisson(rate, active.sum())
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rdd-repo", type=Path, default=None, help="a clone of jordan-g/RDD-Weight-Alignment")
    parser.add_argument("--steps", type=int, default=30_000, help="steps of 1 ms")
    parser.add_argument("--units", type=int, default=12, help="units of the RDD layer")
    parser.add_argument("--above", type=int, default=6, help="units of the layer above")
    parser.add_argument("--rescale-every", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.rdd_repo is None or not (args.rdd_repo / "rdd_layers.py").is_file():
        parser.error("needs the authors' code: git clone https://github.com/jordan-g/RDD-Weight-Alignment DIR, then "
                     f"--rdd-repo DIR ({args.rdd_repo} has no rdd_layers.py)")
    sys.path.insert(0, str(args.rdd_repo))
    import rdd_layers
    import shared_hyperparams

    from salnest.theory.rdd import RDDParameters, rdd_layer_run

    rng = np.random.default_rng(args.seed)
    drive = drive_counts(args.units, args.steps, rng)
    feedback = (rng.random((args.steps, args.above)) < 0.05).astype(int)
    B0 = rng.uniform(-1, 1, (args.units, args.above))
    params = RDDParameters()
    fits, beta, history, spikes = authors_layer(rdd_layers, shared_hyperparams.mem, drive, feedback, B0,
                                                args.rescale_every)
    ours = rdd_layer_run(drive, feedback, B0, args.rescale_every, params)
    print(f"{args.units} units, {args.above} above, {args.steps} steps: {spikes.sum()} spikes, "
          f"{np.count_nonzero(ours.beta)} of {ours.beta.size} jumps estimated")
    print(f"spike trains identical: {np.array_equal(spikes, ours.spikes)}")
    for name, a, b in (("fits", fits, ours.fits), ("beta", beta, ours.beta),
                       ("feedback weights", history, ours.feedback_history)):
        print(f"{name}: max |difference| = {np.abs(a - b).max():.2e} (max |value| {np.abs(a).max():.3g})")


if __name__ == "__main__":
    main()
