"""salnest's exact pair chain against the paper's STDD calculator, in both neuron conventions.

Not a test: it needs the paper's calculator, the package ``stddc`` of
unibe-cns/sal-code, which is not on PyPI. Get it and point ``--calculator`` at
its source folder::

    git clone https://github.com/unibe-cns/sal-code /tmp/sal-code
    .venv/bin/python benchmarks/reference_convention.py --calculator /tmp/sal-code/stdd_calculator/src

(a few seconds; ``--t-max-factor 6``, which makes the calculator's truncation
negligible, about a minute).

For a handful of pairs with rectangular PSPs (``tau_syn = tau_ref``) it prints

1. the total variation distance (TV) between the calculator's STDD and that of
   :func:`salnest.theory.pair_chain.pair_statistics` with
   ``convention="salnest"`` and ``convention="reference"`` (the reference
   code's ``sim_poisson_neurons``), and with the calculator's own neuron
   (salnest's refractoriness, PSP at lags ``1 .. tau_ref - 1``:
   ``convention="salnest", tau_syn=tau_ref - 1``), once with salnest's
   restricted nearest-neighbour pairing and once with the calculator's pairing
   (:func:`calculator_pairing`; this column checks that reading of the
   calculator and should be at rounding level);
2. the mean SAL update per pair of W12 and W21, exponential window
   ``K(dt) = -exp(-dt/tau)`` for ``dt > 0``, ``+exp(dt/tau)`` for ``dt < 0``,
   ``tau = tau_ref``, ``dt = t_post - t_pre``: the calculator's ``calc_sal``
   beside salnest's :meth:`PairStatistics.mean_update_per_pair` in both
   conventions, with relative differences ``(salnest - calculator) / |calculator|``.

How the calculator pairs and normalises (``stddc/distr.py``): for every spike
of one neuron, lone or simultaneous with the partner's, the partner's first
spike after it, lone or simultaneous, counts at the lag since that spike,
unless the first neuron fired alone before; a simultaneous spike also starts
the search again (so what follows it is counted twice, once from the
stationary start). Only lags ``|dt| <= t_max - 1`` are kept, and each sign of
``dt`` is normalised to 1/2. salnest counts every change of neuron in the
merged spike train, with no pair across a simultaneous spike, at all lags.
TVs here therefore compare salnest's STDD restricted to ``|dt| <= t_max - 1``
and renormalised; ``|P(dt > 0) - 1/2|`` of that restriction ("half" column,
reference convention) is a lower bound on its TV to any STDD whose halves
weigh 1/2 each.

The calculator imports matplotlib and tqdm without using them for STDDs; if
they are missing, empty stand-ins are installed for the import.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import types
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from salnest.theory.pair_chain import pair_statistics, rectangular_chain, stationary_distribution
from salnest.theory.windows import sal_window

# (W12, W21, b1, b2, tau_ref); the first is the paper's demo (Fig. 2, sal_principle/ppd.ipynb)
PAIRS = [
    (1.5, 0.5, -0.5, -0.2, 25),
    (0.5, 1.5, -0.5, -0.2, 25),
    (-1.0, 0.7, 0.3, -0.4, 10),
    (2.0, 1.0, -1.0, 0.5, 10),
    (1.0, -1.0, 0.0, 0.0, 15),
    (-1.5, -0.5, 0.5, 0.2, 15),
    (1.2, 0.4, 0.2, -0.8, 15),
]

GET_CALCULATOR = ("get the calculator with\n"
                  "    git clone https://github.com/unibe-cns/sal-code /tmp/sal-code\n"
                  "and pass --calculator /tmp/sal-code/stdd_calculator/src")


def import_calculator(path: Path):
    """Import ``stddc`` from its source folder (the one that holds ``stddc/``)."""
    if not (path / "stddc" / "distr.py").is_file():
        sys.exit(f"no stddc package under {path}: {GET_CALCULATOR}")
    for name in ("matplotlib", "matplotlib.pyplot", "tqdm", "tqdm.contrib", "tqdm.contrib.itertools"):
        try:
            importlib.import_module(name)
        except ImportError:
            sys.modules[name] = types.ModuleType(name)
    if not hasattr(sys.modules["tqdm.contrib.itertools"], "product"):
        sys.modules["tqdm.contrib.itertools"].product = None  # imported by stddc/ppd.py, used only for grids
    sys.path.insert(0, str(path))
    return importlib.import_module("stddc")


def calculator_pairing_on_chain(P, fires1, fires2, t_max, pi=None):
    """The calculator's STDD (lags ``-(t_max - 1) .. t_max - 1``, 0 at lag 0) on any pair chain.

    A lag counter beside the chain state replays ``STDDMaker._calc_half_histogram``: the age of
    the neuron whose spike starts the search, up to ``t_max - 1``. The chain is given by its
    row-stochastic ``P`` and the masks of the states in which neuron 1 or 2 fires; ``pi``, its
    stationary distribution, if known.
    """
    pi = stationary_distribution(P) if pi is None else pi
    PT = P.T.tocsr()
    halves = []
    for start, count in ((fires2, fires1), (fires1, fires2)):  # dt = t1 - t2 > 0, then < 0
        p_count = P @ count.astype(float)
        joint = np.flatnonzero(start & count)
        # a search ends where anyone fires: drop those states from the propagator once, not every step
        quiet = sp.diags((~(start | count)).astype(float)) @ PT
        into_joint = PT[joint]
        # v[state, column]: the lag counter of column c is (c - zero) mod t_max, so ageing moves `zero`
        # instead of the 34 MB of v; states in the rows keep the sparse products on contiguous rows
        v = np.zeros((P.shape[0], t_max))
        zero = 0
        v[:, zero] = np.where(start, pi, 0.0) / pi[start].sum()
        hist = np.zeros(t_max)
        for _ in range(t_max + 1):
            counted = p_count @ v
            hist[1:] += counted[(zero + np.arange(t_max - 1)) % t_max]  # the calculator drops the oldest age
            restart = (into_joint @ v).sum(axis=1)
            v = quiet @ v
            oldest, second = (zero - 1) % t_max, (zero - 2) % t_max
            v[:, second] += v[:, oldest]  # lag t_max - 2 ages into the capped t_max - 1, which stays
            v[:, oldest] = 0.0            # and that column holds lag 0 from now on
            v[joint, oldest] = restart    # a simultaneous spike restarts the search
            zero = oldest
        halves.append(hist[1:] / hist[1:].sum() / 2)
    return np.concatenate([halves[1][::-1], [0.0], halves[0]])


def calculator_pairing(w12, w21, b1, b2, tau_ref, tau_syn, t_max):
    """:func:`calculator_pairing_on_chain` on salnest's rectangular-PSP age chain."""
    chain = rectangular_chain(w12, w21, b1, b2, tau_ref, tau_syn)
    return calculator_pairing_on_chain(chain.P, chain.fires1, chain.fires2, t_max)


def on_lags(stats, lags):
    """``stats``' STDD on ``lags``, restricted to them and renormalised."""
    rate = dict(zip(stats.dt.astype(int), stats.pair_rate))
    p = np.array([rate.get(int(lag), 0.0) for lag in lags])
    return p / p.sum()


def tv(p, q):
    return 0.5 * np.abs(p - q).sum()


def calculator_parser(description: str) -> argparse.ArgumentParser:
    """The command line of a comparison with the calculator: ``--calculator``, ``--t-max-factor``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--calculator", type=Path,
                        help="source folder of stddc, e.g. /tmp/sal-code/stdd_calculator/src")
    parser.add_argument("--t-max-factor", type=int, default=2,
                        help="calculator's t_max in units of tau_ref (2: the paper's phase plane)")
    return parser


def main(argv=None):
    parser = calculator_parser(__doc__.split("\n")[0])
    args = parser.parse_args(argv)
    if args.calculator is None:
        sys.exit(f"--calculator is missing: {GET_CALCULATOR}")
    stddc = import_calculator(args.calculator)

    print(f"calculator: {Path(stddc.__file__).parent}, t_max = {args.t_max_factor} tau_ref; "
          "rectangular PSPs, tau_syn = tau_ref; window tau = tau_ref\n")
    print("STDD: TV to the calculator on its lags |dt| <= t_max - 1 (restricted, renormalised)")
    print(f"{'W12':>5} {'W21':>5} {'b1':>5} {'b2':>5} {'tau':>3} | {'salnest':>8} {'reference':>9} {'half':>7} "
          f"| {'calc neuron':>11} {'+ calc pairing':>14}")
    updates = []
    for w12, w21, b1, b2, tau in PAIRS:
        t_max = args.t_max_factor * tau
        maker = stddc.STDDMaker(stddc.rect_PSP, t_max, tau, tau, w12, w21, b1, b2)
        calc = maker.calc_stdd(fill_middle="zero")
        lags = maker.times
        calc_update = maker.calc_sal(stddc.exp_window, -1.0, 1.0, tau, tau)
        salnest = pair_statistics(w12, w21, b1, b2, tau)
        reference = pair_statistics(w12, w21, b1, b2, tau, convention="reference")
        calc_neuron = pair_statistics(w12, w21, b1, b2, tau, tau - 1)
        replay = calculator_pairing(w12, w21, b1, b2, tau, tau - 1, t_max)
        ref_lags = on_lags(reference, lags)
        print(f"{w12:5.1f} {w21:5.1f} {b1:5.1f} {b2:5.1f} {tau:3d} | {tv(on_lags(salnest, lags), calc):8.4f} "
              f"{tv(ref_lags, calc):9.4f} {abs(ref_lags[lags > 0].sum() - 0.5):7.4f} "
              f"| {tv(on_lags(calc_neuron, lags), calc):11.4f} {tv(replay, calc):14.1e}")
        window = lambda dt, tau=tau: sal_window(dt, float(tau))  # noqa: E731
        updates.append((calc_update, salnest.mean_update_per_pair(window), reference.mean_update_per_pair(window)))

    print("\nMean SAL update per pair (salnest: all lags), relative difference to the calculator in brackets")
    print(f"{'W12':>5} {'W21':>5} {'b1':>5} {'b2':>5} {'tau':>3} | {'syn':>3} {'calculator':>10} "
          f"{'salnest':>17} {'reference':>17}")
    for (w12, w21, b1, b2, tau), (calc_update, sal, ref) in zip(PAIRS, updates):
        for k, name in enumerate(("W12", "W21")):
            c = calc_update[k]
            print(f"{w12:5.1f} {w21:5.1f} {b1:5.1f} {b2:5.1f} {tau:3d} | {name:>3} {c:10.5f} "
                  f"{sal[k]:9.5f} ({(sal[k] - c) / abs(c):+6.1%}) {ref[k]:9.5f} ({(ref[k] - c) / abs(c):+6.1%})")


if __name__ == "__main__":
    main()
