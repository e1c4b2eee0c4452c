"""salnest's exact pair chain against the paper's STDD calculator for the PSP shapes of Fig. 11.

Not a test: it needs the paper's calculator, the package ``stddc`` of
unibe-cns/sal-code, which is not on PyPI. Get it and point ``--calculator`` at
its source folder::

    git clone https://github.com/unibe-cns/sal-code /tmp/sal-code
    .venv/bin/python benchmarks/psp_shapes_crosscheck.py --calculator /tmp/sal-code/stdd_calculator/src

(about 70 s on one core at the paper's ``t_max = 2 tau_ref``; ``--fixed-point-pairing``
adds about 30 s, a larger ``--t-max-factor`` costs roughly in proportion). It is the
PSP-shape companion of ``benchmarks/reference_convention.py``, which compares
rectangular PSPs only, and reuses its calculator import, pairing rule and TV.

What it compares
----------------
The three shapes of Fig. 11 at ``tau_ref = 10`` (:data:`salnest.experiments.psp_shapes.SHAPES`):
rectangular (``tau_syn = tau_ref``), short alpha (``tau_syn = tau_ref / 3``) and long
alpha (``tau_syn = tau_ref / 2``), at nine points of the Fig. 11 grid,
``(b1, b2)`` in ``{(-1, 1), (0, 0), (0.5, -0.5)}`` and ``W12 = m + 0.2``,
``W21 = m - 0.2`` for ``m`` in ``{-1, 0, 1}``. salnest's side is
:func:`salnest.theory.pair_chain.shaped_psp_chain` (alpha PSPs: 30 steps of
spike history, as ``protocols/psp_fixed_points.toml``), the calculator's side
``STDDMaker(psp, t_max, tau_ref, tau_syn, W12, W21, b1, b2)`` with ``rect_PSP`` or
``alpha_PSP``. Its constructor swaps the labels internally (``self.w_21 = w_12``,
``self.b_2 = b_1``, ...) and its two half-histograms undo the swap, so that called
with constructor arguments its STDD is over ``dt = t1 - t2`` and ``calc_sal`` returns
the updates of (W12, W21) in salnest's labels. (Its attributes carry the internal
labels: ``PPDMaker`` and the Fig. 11 notebook, which set ``sm.w_12``, ``sm.b_1``
directly, therefore mean by ``b_1`` what the constructor calls ``b_2``.)

It prints

1. STDD on the calculator's lags ``|dt| <= t_max - 1``, salnest's restricted to them
   and renormalised. Total variation distances (TV) to the calculator's STDD:
   ``salnest`` (salnest's chain and pairing) and ``+pairing`` (salnest's chain, the NEST
   neuron, with the calculator's pairing and per-sign normalisation replayed on it,
   :func:`calculator_pairing_on_chain`); ``half``, ``|P(dt > 0) - 1/2|`` of salnest's,
   is a lower bound on its TV to any STDD whose halves weigh 1/2 each. Then the TV of
   each step from salnest to the calculator, so that ``salnest <= pairing + neuron +
   cap`` (TV is a metric):

   - ``pairing``: salnest's chain with salnest's pairing against the same chain with
     the calculator's;
   - ``neuron``: salnest's chain against the calculator's neuron (:func:`last_spike_chain`
     with ages up to ``10 tau_ref``, where even the long alpha PSP is below 1e-7), both
     with the calculator's pairing: the PSPs of all earlier spikes (alpha) or the
     PSP one step longer (rectangular);
   - ``cap``: the calculator's neuron with those ages against the calculator itself:
     what its state space truncation at ``t_max`` changes beyond the lags it keeps;

   ``check``: the calculator's neuron with its own cap (``t_max``) and its pairing,
   against the calculator; at rounding level, it checks this reading of the
   calculator, lag and label conventions included. Two bounds on the PSP (in units
   of the membrane potential ``u``) for the larger ``|W|``: ``tail``, the largest PSP
   of the partner's earlier spikes, which the calculator drops,
   ``|W| sum_{k>=1} kappa(1 + k tau_ref)`` (lag 1 since the last spike; at lag
   ``zeta`` it is ``|W| sum_k kappa(zeta + k tau_ref)``, less, the kernel falling
   there); ``trunc``, salnest's bound on the PSP its 30 steps of history forget
   (:func:`salnest.theory.pair_chain.truncation_bound`).
2. The mean SAL update per pair of W12, exponential window ``K(dt) = -exp(-dt/tau)``
   for ``dt > 0``, ``+exp(dt/tau)`` for ``dt < 0``, ``tau = tau_ref``,
   ``dt = t_post - t_pre``: the calculator's ``calc_sal`` beside salnest's
   :meth:`PairStatistics.mean_update_per_pair` (all lags), salnest's chain with the
   calculator's pairing and the uncapped calculator neuron with its pairing, with
   absolute and relative differences. W21's update is W12's negated in every model
   (the window is antisymmetric, and so are the lags of the calculator); the
   script checks that and prints W12 only.
3. SAL's fixed point on the anti-diagonal ``W12 + W21 = 2 m`` at ``b = (-1, 1)``,
   ``m = 1`` per shape, as the offset ``(W12 - W21) / 2`` where the update of W12
   vanishes: the calculator's (a root search over ``calc_sal``; the calculator itself
   only offers ``PPDMaker``'s spline nullclines on a weight grid), the uncapped
   calculator neuron's, optionally salnest's chain with the calculator's pairing
   (``--fixed-point-pairing``), and :func:`salnest.theory.fixed_point.sal_fixed_point`.

Conventions that differ
-----------------------
- **Lags: none.** The calculator evaluates ``psp(zeta)`` with ``zeta`` the age the
  source neuron has in the step of the decision, i.e. the lag in steps since its
  spike (``stddc/matrix.py``: a transition out of age ``a`` uses ``psp(a + 1)``, out of
  the capped age ``t_max - 1`` ``psp(t_max - 1)``). salnest's
  :func:`~salnest.theory.pair_chain.alpha_psp` is ``kappa(a + 1)`` for the age ``a``
  before the step: the same lag, and the kernels agree exactly (printed). Both start
  refractoriness in the spike step and fire with ``sigma(u - ln tau_ref)``. But
  ``rect_PSP`` covers lags ``1 .. tau_ref - 1`` (it ignores ``t_syn``), one step less than
  salnest's rectangular PSP with ``tau_syn = tau_ref``.
- **Last spike only.** The calculator's state is each neuron's age since its last
  spike, so a neuron's input is the PSP of the partner's most recent spike only.
  salnest's neuron and chain add the PSPs of all spikes within the history. For the
  rectangular PSP both agree (refractoriness keeps at most one PSP active); alpha
  PSPs outlast ``tau_ref``, and the dropped input (``tail``) is 0.40 |W| (short) and
  0.64 |W| (long) right after a spike.
- **Pairing and normalisation.** The calculator pairs every spike, lone or
  simultaneous, with the partner's first following spike and restarts the search
  at simultaneous spikes; each sign of ``dt`` is normalised to 1/2 (see
  ``benchmarks/reference_convention.py``). salnest counts restricted
  nearest-neighbour pairs at all lags.
- **Truncation ``t_max``.** The calculator keeps lags ``|dt| <= t_max - 1`` (paper
  ``t_max = 2 tau_ref``) and caps ages at ``t_max - 1``, where an alpha PSP then stays
  at ``kappa(t_max - 1)`` for good (0.06 |W| for the short, 0.17 |W| for the long
  alpha PSP at ``t_max = 20``). salnest's chain truncates only its history: ``trunc``
  is 0.003 |W| (short) and 0.03 |W| (long), so its transition probabilities are
  within 0.01 of the untruncated chain's at ``|W| = 1.2``.

Expected tolerance
------------------
``check`` is at rounding level (below 1e-14 for TV and updates). Everything else
measures model differences, not errors, and does not shrink with any numerical
setting but ``t_max`` (``cap``). At ``t_max = 2 tau_ref`` on the nine points (measured):

- ``pairing`` is 0.018-0.036 for every shape and at least ``half``;
- rectangular: ``salnest`` 0.026-0.085, ``neuron`` 0.013-0.083 (the one step of PSP,
  largest at the inhibitory points), ``cap`` 0;
- short alpha: ``salnest`` 0.020-0.036, ``neuron`` 0.004-0.032, ``cap`` up to 0.006;
- long alpha: ``salnest`` 0.017-0.054, ``neuron`` 0.009-0.045, ``cap`` up to 0.017;
- the calculator's mean updates per pair of W12 are -0.026 to +0.008; salnest's differ
  from them by up to 0.022, from 1 % to several times the calculator's value (and in
  sign near its fixed point); salnest's chain with the calculator's pairing by up to
  0.016; the uncapped calculator neuron by up to 0.008 (0 for the rectangular PSP),
  the cap's share.

The calculator imports matplotlib and tqdm without using them for STDDs; if they
are missing, empty stand-ins are installed for the import
(:func:`reference_convention.import_calculator`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import brentq
from scipy.special import expit

from salnest.experiments.psp_shapes import SHAPES, tau_syn
from salnest.theory.fixed_point import sal_fixed_point
from salnest.theory.pair_chain import PSP_KERNELS, chain_statistics, shaped_psp_chain, stationary_distribution
from salnest.theory.windows import sal_window

# benchmarks/ is no package; run as a script, this folder is on sys.path already, imported from elsewhere it is not
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_convention import (  # noqa: E402
    GET_CALCULATOR,
    calculator_pairing_on_chain,
    calculator_parser,
    import_calculator,
    on_lags,
    tv,
)

TAU_REF = 10
HISTORY = 30                     # protocols/psp_fixed_points.toml
BIASES = [(-1.0, 1.0), (0.0, 0.0), (0.5, -0.5)]
MEANS = [-1.0, 0.0, 1.0]
SPREAD = 0.2                     # W12 = m + SPREAD, W21 = m - SPREAD
FIXED_POINT = (-1.0, 1.0, 1.0)   # (b1, b2, m)
SMALL = 2e-3                     # |update per pair| below which a relative difference says nothing
CALC_WINDOW = (-1.0, 1.0, TAU_REF, TAU_REF)  # stddc.exp_window's (a_plus, a_minus, tau_plus, tau_minus): window()


def window(dt):
    """salnest's SAL window at ``tau = tau_ref``, ``dt = t_post - t_pre`` in steps."""
    return sal_window(dt, float(TAU_REF))


def last_spike_chain(w12, w21, b1, b2, tau_ref, psp, ages):
    """The calculator's neuron as a row-stochastic chain over the ages of both neurons' last spikes.

    Ages run from 0 (firing now) to ``ages - 1``, which also holds every older age; out of age ``a``
    the partner feels ``psp(min(a + 1, ages - 1))``, the PSP of this last spike only, as
    ``stddc/matrix.py`` builds it. ``ages = t_max`` is the calculator's chain; more ages remove its
    cap. ``psp(zeta)`` is the calculator's kernel of the lag ``zeta``.

    Returns
    -------
    P : scipy.sparse.csr_matrix
        Transitions between the states ``a1 * ages + a2``.
    fires1, fires2 : numpy.ndarray
        Masks of the states in which neuron 1 or 2 fires.
    """
    if ages < tau_ref:
        raise ValueError("the oldest age must be able to fire")
    age = np.arange(ages)
    older = np.minimum(age + 1, ages - 1)
    kappa = np.array([psp(int(z)) for z in older], float)
    can_fire = age + 1 >= tau_ref
    a1, a2 = np.divmod(np.arange(ages * ages), ages)
    log_tau = np.log(tau_ref)
    p1 = np.where(can_fire[a1], expit(b1 + w12 * kappa[a2] - log_tau), 0.0)
    p2 = np.where(can_fire[a2], expit(b2 + w21 * kappa[a1] - log_tau), 0.0)
    rows, cols, vals = [], [], []
    fired = np.zeros_like(a1)
    for n1, q1 in ((older[a1], 1 - p1), (fired, p1)):
        for n2, q2 in ((older[a2], 1 - p2), (fired, p2)):
            keep = q1 * q2 > 0
            rows.append(np.flatnonzero(keep))
            cols.append((n1 * ages + n2)[keep])
            vals.append((q1 * q2)[keep])
    P = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(ages * ages, ages * ages))
    return P, a1 == 0, a2 == 0


def update_per_pair(stdd, lags):
    """Mean :func:`window` per pair of (W12, W21) from an STDD over ``dt = t1 - t2``, as ``calc_sal``."""
    return float(np.sum(stdd * window(lags))), float(np.sum(stdd * window(-lags)))


def calculator_psp(stddc, shape):
    """The calculator's kernel ``psp(zeta, t_ref, t_syn)`` of a salnest shape, the ``t_syn`` it gets, and
    that kernel as a function of the lag ``zeta`` alone (for :func:`last_spike_chain`)."""
    kind, ratio = SHAPES[shape]
    psp, t_syn = (stddc.rect_PSP if kind == "rectangular" else stddc.alpha_PSP), ratio * TAU_REF
    return psp, t_syn, lambda zeta: psp(zeta, TAU_REF, t_syn)


def dropped_tail(w, shape):
    """Largest PSP of a partner's earlier spikes that a last-spike-only neuron drops (lag 1 since the last)."""
    kind, _ = SHAPES[shape]
    if kind == "rectangular":
        return 0.0  # the partner's earlier spikes lie over tau_ref steps back, past a PSP of tau_ref steps
    kernel = PSP_KERNELS[kind](TAU_REF, tau_syn(shape, TAU_REF))  # kernel(a) = kappa(a + 1)
    return float(abs(w) * kernel(TAU_REF * np.arange(1, 1000)).sum())


def uncapped_ages(t_max):
    """Ages of the calculator's neuron "without" its cap: at 100 the capped age feels kappa(99) < 1e-7."""
    return max(10 * TAU_REF, 2 * t_max)


def salnest_chain(w12, w21, b1, b2, shape):
    """salnest's pair statistics of a shape, their truncation bound, and the chain they come from
    (``P, fires1, fires2, pi``)."""
    kind, _ = SHAPES[shape]
    chain, trunc = shaped_psp_chain(w12, w21, b1, b2, TAU_REF, tau_syn(shape, TAU_REF), kind,
                                    HISTORY if kind != "rectangular" else None)
    pi = stationary_distribution(chain.P)
    return chain_statistics(chain, pi=pi), trunc, (chain.P, chain.fires1, chain.fires2, pi)


def offset_root(update_w12, xtol=1e-4):
    """Offset delta = (W12 - W21) / 2 where ``update_w12(delta)`` changes sign, bracketed as
    :func:`salnest.theory.fixed_point.sal_fixed_point` brackets it; NaN beyond |delta| = 8."""
    lo, hi = -0.5, 0.5
    while np.sign(update_w12(lo)) == np.sign(update_w12(hi)):
        if hi >= 8.0:
            return float("nan")
        lo, hi = 2 * lo, 2 * hi
    return brentq(update_w12, lo, hi, xtol=xtol)


def fixed_points(stddc, t_max, with_pairing=False):
    """Print SAL's fixed point at :data:`FIXED_POINT` per shape: the calculator's, its neuron's without
    the cap, salnest's chain with the calculator's pairing (``with_pairing``: about 10 s per alpha
    shape), and salnest's."""
    b1, b2, m = FIXED_POINT
    lags = np.arange(1 - t_max, t_max).astype(float)
    print(f"\nSAL's fixed point on W12 + W21 = 2 m, offset (W12 - W21) / 2, at b = ({b1:g}, {b2:g}), m = {m:g}: "
          f"the calculator's (root of calc_sal),\nthe calculator's neuron with ages up to {uncapped_ages(t_max)} and "
          "its pairing, salnest's chain with the calculator's pairing, salnest's (sal_fixed_point)")
    print(f"{'shape':>11} | {'calculator':>10} {'calc neuron':>11} {'+pairing':>8} {'salnest':>8}")
    for shape in SHAPES:
        kind, _ = SHAPES[shape]
        psp, t_syn, lag_psp = calculator_psp(stddc, shape)

        def calculator(delta, psp=psp, t_syn=t_syn):
            maker = stddc.STDDMaker(psp, t_max, TAU_REF, t_syn, m + delta, m - delta, b1, b2)
            return maker.calc_sal(stddc.exp_window, *CALC_WINDOW)[0]

        def calc_neuron(delta, lag_psp=lag_psp):
            chain = last_spike_chain(m + delta, m - delta, b1, b2, TAU_REF, lag_psp, uncapped_ages(t_max))
            return update_per_pair(calculator_pairing_on_chain(*chain, t_max), lags)[0]

        def replayed(delta, shape=shape):
            P, fires1, fires2, pi = salnest_chain(m + delta, m - delta, b1, b2, shape)[2]
            return update_per_pair(calculator_pairing_on_chain(P, fires1, fires2, t_max, pi), lags)[0]

        ours = sal_fixed_point(m, b1, b2, TAU_REF, window, kind, tau_syn(shape, TAU_REF),
                               HISTORY if kind != "rectangular" else None).offset
        pairing = f"{offset_root(replayed, xtol=1e-3):8.3f}" if with_pairing else f"{'-':>8}"
        print(f"{shape:>11} | {offset_root(calculator):10.4f} {offset_root(calc_neuron):11.4f} {pairing} {ours:8.4f}")


def main(argv=None):
    parser = calculator_parser(__doc__.split("\n")[0])
    parser.add_argument("--no-fixed-points", action="store_true", help="skip the fixed-point comparison")
    parser.add_argument("--fixed-point-pairing", action="store_true",
                        help="add the fixed point of salnest's chain with the calculator's pairing (about 20 s more)")
    args = parser.parse_args(argv)
    if args.calculator is None:
        sys.exit(f"--calculator is missing: {GET_CALCULATOR}")
    stddc = import_calculator(args.calculator)
    started = time.perf_counter()
    t_max = args.t_max_factor * TAU_REF
    points = [(m + SPREAD, m - SPREAD, b1, b2) for b1, b2 in BIASES for m in MEANS]
    lags = np.arange(1 - t_max, t_max).astype(float)  # STDDMaker.times

    zeta = np.arange(1, 200)
    kernel_gap = max(np.abs(PSP_KERNELS["alpha"](TAU_REF, tau_syn(s, TAU_REF))(zeta - 1)
                            - np.array([stddc.alpha_PSP(int(z), TAU_REF, tau_syn(s, TAU_REF)) for z in zeta])).max()
                     for s in SHAPES if SHAPES[s][0] == "alpha")
    print(f"calculator: {Path(stddc.__file__).parent}, t_max = {args.t_max_factor} tau_ref = {t_max}; "
          f"tau_ref = {TAU_REF}, alpha history {HISTORY} steps; window tau = tau_ref")
    print(f"alpha kernels, salnest alpha_psp(zeta - 1) vs stddc alpha_PSP(zeta), zeta = 1..199: "
          f"max |difference| {kernel_gap:.1e}")
    for shape in SHAPES:
        if SHAPES[shape][0] == "alpha":
            psp, t_syn, _ = calculator_psp(stddc, shape)
            print(f"  {shape}: tau_syn = {t_syn:.3g}; per unit |W|: dropped tail at lag 1 "
                  f"{dropped_tail(1.0, shape):.3f}, calculator's cap kappa(t_max - 1) = "
                  f"{psp(t_max - 1, TAU_REF, t_syn):.3f}")

    rows = []
    for shape in SHAPES:
        kind, _ = SHAPES[shape]
        psp, t_syn, lag_psp = calculator_psp(stddc, shape)
        for w12, w21, b1, b2 in points:
            maker = stddc.STDDMaker(psp, t_max, TAU_REF, t_syn, w12, w21, b1, b2)
            calc = maker.calc_stdd(fill_middle="zero")
            assert np.array_equal(maker.times, lags)
            calc_update = maker.calc_sal(stddc.exp_window, *CALC_WINDOW)
            stats, trunc, (P, fires1, fires2, pi) = salnest_chain(w12, w21, b1, b2, shape)
            replay = calculator_pairing_on_chain(P, fires1, fires2, t_max, pi)
            calc_neuron = last_spike_chain(w12, w21, b1, b2, TAU_REF, lag_psp, uncapped_ages(t_max))
            uncapped = calculator_pairing_on_chain(*calc_neuron, t_max)
            own = calculator_pairing_on_chain(*last_spike_chain(w12, w21, b1, b2, TAU_REF, lag_psp, t_max), t_max)
            restricted = on_lags(stats, lags)
            rows.append(dict(
                point=(w12, w21, b1, b2), shape=shape,
                tv_salnest=tv(restricted, calc), half=abs(restricted[lags > 0].sum() - 0.5),
                tv_replay=tv(replay, calc), tv_pairing=tv(restricted, replay), tv_neuron=tv(replay, uncapped),
                tv_cap=tv(uncapped, calc),
                tv_check=tv(own, calc), tail=dropped_tail(max(abs(w12), abs(w21)), shape), trunc=trunc,
                calc=calc_update, salnest=stats.mean_update_per_pair(window),
                replay=update_per_pair(replay, lags), uncapped=update_per_pair(uncapped, lags),
                own=update_per_pair(own, lags)))

    check_update = max(abs(r["own"][k] - r["calc"][k]) for r in rows for k in (0, 1))
    print(f"calculator's neuron and pairing replayed vs the calculator: max TV "
          f"{max(r['tv_check'] for r in rows):.1e}, max |update difference| {check_update:.1e}\n")

    def label(p):
        return f"{p[0]:5.1f} {p[1]:5.1f} {p[2]:5.1f} {p[3]:5.1f}"

    print("STDD on the calculator's lags |dt| <= t_max - 1 (salnest's restricted and renormalised): TV to the "
          "calculator of salnest\nand of salnest's chain with the calculator's pairing (+pairing), and TV of each "
          "step between them: pairing, neuron, cap")
    print(f"{'W12':>5} {'W21':>5} {'b1':>5} {'b2':>5} {'shape':>11} | {'salnest':>7} {'half':>6} {'+pairing':>8} | "
          f"{'pairing':>7} {'neuron':>7} {'cap':>7} | {'check':>7} | {'tail':>5} {'trunc':>6}")
    for r in rows:
        print(f"{label(r['point'])} {r['shape']:>11} | {r['tv_salnest']:7.4f} {r['half']:6.4f} "
              f"{r['tv_replay']:8.4f} | {r['tv_pairing']:7.4f} {r['tv_neuron']:7.4f} {r['tv_cap']:7.4f} | "
              f"{r['tv_check']:7.1e} | {r['tail']:5.3f} {r['trunc']:6.1e}")
    for shape in SHAPES:
        sel = [r for r in rows if r["shape"] == shape]
        print(f"{'min-max':>23} {shape:>11} | " + " ".join(
            f"{min(r[k] for r in sel):.3f}-{max(r[k] for r in sel):.3f}"
            for k in ("tv_salnest", "half", "tv_replay", "tv_pairing", "tv_neuron", "tv_cap")))

    antisymmetry = max(abs(r[key][0] + r[key][1]) for r in rows for key in ("calc", "salnest", "replay", "uncapped"))
    print(f"\nMean SAL update per pair of W12 (W21's is its negative in every model, the window being antisymmetric: "
          f"max |W12 + W21| {antisymmetry:.0e});\nin brackets x - calculator and, where |calculator| >= {SMALL}, "
          "(x - calculator) / |calculator|. salnest: its chain and pairing, all lags;\n+pairing: its chain with the "
          f"calculator's pairing; calc neuron: the calculator's neuron with ages up to {uncapped_ages(t_max)} and its "
          "pairing")
    print(f"{'W12':>5} {'W21':>5} {'b1':>5} {'b2':>5} {'shape':>11} | {'calculator':>10} | "
          f"{'salnest':>25} | {'+pairing':>25} | {'calc neuron':>25}")

    def versus(x, c):
        share = f"{(x - c) / abs(c):+7.1%}" if abs(c) >= SMALL else f"{'':>7}"
        return f"{x:8.5f} ({x - c:+8.5f} {share})"

    for r in rows:
        c = r["calc"][0]
        print(f"{label(r['point'])} {r['shape']:>11} | {c:10.5f} | {versus(r['salnest'][0], c)} | "
              f"{versus(r['replay'][0], c)} | {versus(r['uncapped'][0], c)}")
    for shape in SHAPES:
        sel = [r for r in rows if r["shape"] == shape]
        spans = []
        for key in ("salnest", "replay", "uncapped"):
            d = [abs(r[key][0] - r["calc"][0]) for r in sel]
            rel_d = [x / abs(r["calc"][0]) for x, r in zip(d, sel) if abs(r["calc"][0]) >= SMALL]
            spans.append(f"{max(d):.4f} ({min(rel_d, default=np.nan):.0%}-{max(rel_d, default=np.nan):.0%})")
        print(f"{'max |x - calculator| (relative)':>35} {shape:>11}: salnest {spans[0]}, +pairing {spans[1]}, "
              f"calc neuron {spans[2]}")

    if not args.no_fixed_points:
        fixed_points(stddc, t_max, args.fixed_point_pairing)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
