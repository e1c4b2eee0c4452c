"""NEST pairs of sampling neurons against the exact pair chain, for exponential PSPs too."""

import numpy as np

from salnest.analysis.sampling import states_from_spikes
from salnest.theory.pair_chain import shaped_psp_statistics
from salnest.theory.windows import restricted_nn_pairs

Z_LIMIT = 4.5  # standard errors per quantity
HISTORY = 30   # steps of spike history the chain keeps: PSP truncation bound 7e-5


def _per_pair_statistics(ev, pairs, tau, steps, lag_bins):
    """Per pair: P(z1, z2) (4), spikes per step of both neurons (2) and restricted nearest-neighbour spike
    pairs per step with dt = t1 - t2 in each of ``lag_bins`` ([lo, hi) in steps)."""
    rows = []
    for n in pairs:
        ids = n.tolist()
        t1, t2 = ev["times"][ev["senders"] == ids[0]], ev["times"][ev["senders"] == ids[1]]
        dts = restricted_nn_pairs(t2, t1)
        z = states_from_spikes(ev["times"], ev["senders"], ids, tau, 0.0, steps, 1.0)
        joint = [np.mean((z[:, 0] == i) & (z[:, 1] == j)) for i in range(2) for j in range(2)]
        binned = [np.sum((dts >= lo) & (dts < hi)) / steps for lo, hi in lag_bins]
        rows.append(joint + [len(t1) / steps, len(t2) / steps] + binned)
    return np.array(rows)


def _expected(stats, lag_bins):
    """What :func:`_per_pair_statistics` measures, from exact pair statistics."""
    binned = [stats.pair_rate[(stats.dt >= lo) & (stats.dt < hi)].sum() for lo, hi in lag_bins]
    return np.r_[stats.p_joint.ravel(), stats.spike_rate, binned]


def _z(measured, expected):
    """(mean over pairs - expected) in standard errors from the spread between the independent pairs."""
    return (measured.mean(axis=0) - expected) / (measured.std(axis=0, ddof=1) / np.sqrt(len(measured)))


def _matches(measured, expected):
    return bool(np.abs(_z(measured, expected)).max() < Z_LIMIT)


def test_exponential_psp_pair_matches_truncated_chain(nest_kernel):
    """tau_ref = 10, tau_syn = 3 steps; 40 independent pairs x 5x10^4 steps (about 140,000 spike pairs).

    24 quantities per pair: P(z1, z2), both spike rates, and the rate of spike pairs in 18 lag bins
    of about equal exact mass (the STDD). Their mean over the pairs must lie within 4.5 standard
    errors (from the spread between pairs: Student t, 39 degrees of freedom; a chance failure of one
    of the 24 about 1.5e-3) of the exact chain's value. Relative standard errors are 0.3-2 %; the
    chain's truncation (PSP bound 7e-5 with 30 steps of history) moves none by 0.01 of one.

    Control, the same data against the exact statistics of a wrong PSP, must fail: a time constant
    17 % too short (2.5 steps; TV 0.013 and max |dP| 0.008 from the right one, inside the old
    limits 0.05 and 0.01), 10 % too short (2.7) and too long (3.5).
    """
    nest = nest_kernel
    w12, w21, b1, b2, tau, tau_syn = 1.5, -0.5, -0.5, 0.2, 10, 3.0
    exact, bound = shaped_psp_statistics(w12, w21, b1, b2, tau, tau_syn, "exponential", history=HISTORY)
    assert bound < 1e-4
    cdf = np.cumsum(exact.stdd)
    edges = np.unique(np.r_[exact.dt[0], exact.dt[np.searchsorted(cdf, np.linspace(0, 1, 21)[1:-1])],
                            exact.dt[-1] + 1])
    lag_bins = list(zip(edges[:-1], edges[1:]))
    pairs = []
    for _ in range(40):
        n = nest.Create("sampling_neuron", 2, params={"b": [b1, b2], "tau_ref": float(tau), "tau_syn": tau_syn,
                                                      "psp_shape": 1})
        nest.Connect(n[1], n[0], syn_spec={"weight": w12, "delay": 1.0})
        nest.Connect(n[0], n[1], syn_spec={"weight": w21, "delay": 1.0})
        pairs.append(n)
    sr = nest.Create("spike_recorder")
    for n in pairs:
        nest.Connect(n, sr)
    steps = 50_000.0
    nest.Simulate(steps)
    measured = _per_pair_statistics(sr.events, pairs, tau, steps, lag_bins)
    z = _z(measured, _expected(exact, lag_bins))
    print(f"{len(lag_bins)} lag bins; max |z| = {np.abs(z).max():.2f} (limit {Z_LIMIT})")
    assert _matches(measured, _expected(exact, lag_bins)), z
    for wrong in (2.5, 2.7, 3.5):
        broken, _ = shaped_psp_statistics(w12, w21, b1, b2, tau, wrong, "exponential", history=HISTORY)
        z = _z(measured, _expected(broken, lag_bins))
        print(f"control tau_syn = {wrong}: max |z| = {np.abs(z).max():.1f}")
        assert not _matches(measured, _expected(broken, lag_bins)), wrong
