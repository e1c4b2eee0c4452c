"""salnest's ``stdwi_synapse`` against the STDWI authors' own code, on the same spike trains.

Not a test: it needs the authors' package ``weight_inference`` (nasiryahm/STDWI), which is not
on PyPI. Get it and point ``--stdwi-repo`` at the clone::

    git clone https://github.com/nasiryahm/STDWI /tmp/STDWI
    .venv/bin/python benchmarks/stdwi_crosscheck.py --stdwi-repo /tmp/STDWI

How the input reaches their code: the presynaptic and postsynaptic spike trains (Bernoulli,
0.25 ms steps) are binary matrices (neurons, steps); their ``methods.create_stdwi_trace`` makes
the fast and slow traces (all-to-all, amplitudes 1 and tau_fast / tau_slow) and their
``methods.stdwi`` updates the estimates over all steps, with no stimulus skipped (as the paper's
reference code calls it). The same trains drive parrot neurons in NEST through
``stdwi_synapse`` (salnest.stimulus.injection.stdwi_on_trains). It prints the largest difference of
the estimates, relative to their largest magnitude (goal: below 1e-9).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("PYNEST_QUIET", "1")

DT, TAU_FAST, TAU_SLOW, ETA, DECAY = 0.25, 10.0, 200.0, 0.02, 0.1


def authors_estimates(methods, pre, post, w0):
    """Their traces and update, on (steps, n) trains; returns (n_post, n_pre)."""
    pre_t, post_t = pre.T.astype(float), post.T.astype(float)
    zeros = np.zeros(pre_t.shape)
    x_slow = methods.create_stdwi_trace(zeros, pre_t, TAU_FAST / TAU_SLOW, TAU_SLOW, DT, True)
    x_fast = methods.create_stdwi_trace(zeros, pre_t, 1.0, TAU_FAST, DT, True)
    return methods.stdwi(w0.copy(), pre_t, post_t, x_slow, x_fast, ETA, DECAY)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stdwi-repo", type=Path, default=None, help="a clone of nasiryahm/STDWI")
    parser.add_argument("--steps", type=int, default=20_000, help="steps of 0.25 ms")
    parser.add_argument("--pre", type=int, default=10)
    parser.add_argument("--post", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.stdwi_repo is None or not (args.stdwi_repo / "weight_inference" / "methods.py").is_file():
        parser.error(f"needs the authors' code: git clone https://github.com/nasiryahm/STDWI DIR, then --stdwi-repo DIR "
                     f"({args.stdwi_repo} has no weight_inference/methods.py)")
    sys.path.insert(0, str(args.stdwi_repo))
    import nest
    from weight_inference import methods

    from salnest.stimulus.injection import stdwi_on_trains
    from salnest.theory.stdwi import stdwi_run

    rng = np.random.default_rng(args.seed)
    pre = (rng.random((args.steps, args.pre)) < 0.05).astype(int)
    post = (rng.random((args.steps, args.post)) < 0.03).astype(int)
    w0 = rng.uniform(-0.1, 0.1, (args.post, args.pre))
    theirs = authors_estimates(methods, pre, post, w0)
    params = {"eta_stdwi": ETA, "decay": DECAY, "tau_fast": TAU_FAST, "tau_slow": TAU_SLOW}
    ours, _ = stdwi_on_trains(nest, pre, post, w0, params, DT)
    spec = stdwi_run(pre, post, DT, w0, ETA, DECAY, TAU_FAST, TAU_SLOW)
    scale = np.abs(theirs).max()
    print(f"{args.pre} -> {args.post} neurons, {args.steps} steps of {DT} ms, "
          f"{pre.sum()} presynaptic and {post.sum()} postsynaptic spikes")
    print(f"stdwi_synapse (NEST) vs the authors' code: max |difference| / max |w| = {np.abs(ours - theirs).max() / scale:.2e}")
    print(f"salnest.theory.stdwi vs the authors' code: max |difference| / max |w| = {np.abs(spec - theirs).max() / scale:.2e}")


if __name__ == "__main__":
    main()
