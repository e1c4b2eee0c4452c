"""Reciprocal-pair protocols end to end on short schedules: NEST against the exact pair chain."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from salnest.networks.reciprocal_pair import BUILDERS
from salnest.study.driver import run_protocol
from salnest.study.results import read_dataset
from salnest.theory.pair_chain import pair_statistics, rectangular_chain, stationary_distribution
from salnest.theory.windows import sal_window

#: every check runs on both forms of the pairs (a PyNN population, one sampling_network node per pair)
MODELS = pytest.mark.parametrize("model", sorted(BUILDERS))


def _write(tmp_path, name, text, model):
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace("OUT", str(tmp_path / f"{name}.nc")).replace("[network]",
                                                                            f'[network]\nmodel = "{model}"'))
    return path


Z_LIMIT = 4.5  # standard errors per quantity
DEMO = (1.5, 0.5, -0.5, -0.2, 25)  # w12, w21, b1, b2, tau_ref of the STDD and trajectory protocols


def _pair_transitions(w12, w21, b1, b2, tau_ref, convention="salnest", max_lag=600):
    """The pair's age chain (:func:`rectangular_chain`) with the state of the pairing added: every transition
    of the returned chain knows the lag ``dt = t1 - t2`` of the pair it forms (0: none) and whether the
    partner fired together with the searching neuron.

    While a search is open after a lone spike of neuron j, j's age is the lag and the partner's is larger;
    the ages tell the search apart except where both are capped, so that corner state is split into "no
    search" and "search of j at lag l" (l up to ``max_lag``, older lags merged into it).
    """
    chain = rectangular_chain(w12, w21, b1, b2, tau_ref, convention=convention)
    P = chain.P.tocsr()
    n = int(round(np.sqrt(P.shape[0])))
    cap, corner = n - 1, n * n - 1
    a1, a2 = np.divmod(np.arange(n * n), n)
    lags = np.arange(cap, max_lag + 1)
    base = np.r_[np.arange(n * n), np.full(2 * len(lags), corner)]
    searcher = np.r_[np.where(a1 < a2, 1, np.where(a2 < a1, 2, 0)), np.full(len(lags), 1), np.full(len(lags), 2)]
    lag = np.r_[np.minimum(a1, a2), lags, lags]
    rows = np.repeat(np.arange(len(base)), np.diff(P.indptr)[base])
    nxt = np.concatenate([P.indices[P.indptr[s]:P.indptr[s + 1]] for s in base])
    prob = np.concatenate([P.data[P.indptr[s]:P.indptr[s + 1]] for s in base])
    e, new_lag = searcher[rows], np.minimum(lag[rows] + 1, max_lag)
    f1, f2 = chain.fires1[nxt], chain.fires2[nxt]
    dt = np.where((e == 2) & f1, new_lag, np.where((e == 1) & f2, -new_lag, 0))
    open_search = (nxt == corner) & (e > 0)  # nobody fired: the search goes on in the corner
    cols = np.where(open_search, n * n + (e - 1) * len(lags) + new_lag - cap, nxt)
    return sp.csr_matrix((prob, (rows, cols)), shape=(len(base),) * 2), rows, cols, prob, dt, f1 & f2


def _moments(P, rows, cols, prob, rewards):
    """Mean per step and asymptotic variance per step (lim Var(sum) / T) of transition rewards."""
    pi = stationary_distribution(P)
    size = P.shape[0]
    A = (sp.identity(size, format="csr") - P)[1:, 1:].tocsc()  # Poisson equation with h[0] = 0
    lu = spla.splu(A)
    out = []
    for f in rewards:
        weight = pi[rows] * prob
        mu = np.sum(weight * f)
        h = np.r_[0.0, lu.solve((np.bincount(rows, prob * f, minlength=size) - mu)[1:])]
        out.append((mu, np.sum(weight * (f - mu + h[cols] - h[rows]) ** 2)))
    return out


def _window(dt):
    return sal_window(dt, float(DEMO[4]), "exponential")


def _stdd_expectation(w12, w21, b1, b2, tau_ref, lag_edges, convention="salnest", drop_simultaneous=False):
    """Exact pair rate, mean update per pair of (W12, W21) and pair rate in each lag bin, with the asymptotic
    variance per step of each (for the update per pair: of the window sum less the exact mean per pair times
    the pair count, which the ratio's error is to first order). ``drop_simultaneous``: the pairing error fixed
    in ce6da81, which dropped the pair a lone spike forms with the partner's half of a simultaneous spike."""
    P, rows, cols, prob, dt, both = _pair_transitions(w12, w21, b1, b2, tau_ref, convention)
    pair = ((dt != 0) & ~(drop_simultaneous & both)).astype(float)
    (rate, _), (s12, _), (s21, _) = _moments(P, rows, cols, prob, [pair, pair * _window(dt), pair * _window(-dt)])
    per_pair = np.array([s12, s21]) / rate
    rewards = [pair, pair * (_window(dt) - per_pair[0]), pair * (_window(-dt) - per_pair[1])]
    rewards += [pair * ((dt >= lo) & (dt < hi)) for lo, hi in zip(lag_edges[:-1], lag_edges[1:])]
    moments = _moments(P, rows, cols, prob, rewards)
    return {"rate": rate, "per_pair": per_pair, "bins": np.array([m for m, _ in moments[3:]]),
            "variance": np.array([v for _, v in moments])}


def _stdd_z(ds, expected, lag_edges):
    """z-scores of the pair rate, the updates per pair of W12 and W21 and the pair rate per lag bin."""
    steps = float(ds.pair_counts.sum()) / float(ds.pair_rate_measured)  # pair-steps of all replicates
    se = np.sqrt(expected["variance"] / steps)
    dt, counts = ds.dt.values, ds.pair_counts.values
    binned = np.array([counts[(dt >= lo) & (dt < hi)].sum() for lo, hi in zip(lag_edges[:-1], lag_edges[1:])])
    return np.r_[(float(ds.pair_rate_measured) - expected["rate"]) / se[0],
                 (ds.update_per_pair_measured.values - expected["per_pair"]) / (se[1:3] / expected["rate"]),
                 (binned / steps - expected["bins"]) / se[3:]]


def _stdd_matches(ds, expected, lag_edges):
    return bool(np.abs(_stdd_z(ds, expected, lag_edges)).max() < Z_LIMIT)


def _stdd_protocol(tmp_path, model, steps, replicates):
    path = _write(tmp_path, "stdd", f"""
[experiment]
kind = "pair_stdd"
seed = 11
output = "OUT"
[network]
w12 = {DEMO[0]}
w21 = {DEMO[1]}
b = [{DEMO[2]}, {DEMO[3]}]
tau_ref = {DEMO[4]}
[run]
steps = {steps}
replicates = {replicates}
""", model)
    ds = read_dataset(run_protocol(path, show_progress=False), kind="pair_stdd")
    assert ds.attrs["pairs_outside_exact_support"] == 0
    exact = pair_statistics(*DEMO)
    edges = np.unique(np.r_[exact.dt[0], exact.dt[np.searchsorted(np.cumsum(exact.stdd), np.linspace(0, 1, 21)[1:-1])],
                            exact.dt[-1] + 1])
    expected = _stdd_expectation(*DEMO, edges)
    np.testing.assert_allclose(expected["rate"], exact.pair_rate.sum(), rtol=1e-9)  # the two chains agree
    np.testing.assert_allclose(expected["per_pair"], exact.mean_update_per_pair(_window), rtol=1e-7)
    z = _stdd_z(ds, expected, edges)
    print(f"max |z| = {np.abs(z).max():.2f} (limit {Z_LIMIT}): rate {z[0]:+.2f}, per pair {z[1]:+.2f} {z[2]:+.2f}")
    assert _stdd_matches(ds, expected, edges), z
    return ds, edges


def _stdd_control(ds, edges, name, **model):
    """The same data against a broken model's exact statistics; returns whether it was rejected."""
    parameters = model.pop("parameters", DEMO)
    z = _stdd_z(ds, _stdd_expectation(*parameters, edges, **model), edges)
    print(f"control {name}: max |z| = {np.abs(z).max():.1f}, rate {z[0]:+.1f}, per pair {z[1]:+.1f}")
    return not _stdd_matches(ds, _stdd_expectation(*parameters, edges, **model), edges)


@MODELS
def test_stdd_and_update_per_pair_match_exact_theory(salnest_module, tmp_path, model):
    """Paper demo parameters, 10 pairs x 5x10^5 steps (about 180,000 spike pairs).

    23 quantities: the pair rate, the mean update per pair of W12 and of W21, and the pair rate in 20
    lag bins of about equal exact mass (the STDD). Each is compared with the exact chain in units of
    its standard error, from the chain's own asymptotic variance (Poisson equation of the pair chain
    with the pairing's state added, so the autocorrelation of spikes and pairs is in it): relative
    standard errors 0.18 % (rate), 1.1 % (update per pair). The limit is 4.5 s.e. for each (a chance
    failure of one of the 23 below 2e-4).

    Controls, the same data against broken models' exact statistics, must fail: W12 20 % weaker,
    W12 0.1 lower, and the paper's reference neuron (convention="reference"). The pairing error fixed
    in ce6da81 (pairs into simultaneous spikes dropped) moves the pair rate by 0.6 % and the update
    per pair by 1.3 %: about 3 s.e. here, not resolved; ``test_stdd_resolves_the_pairing_convention``
    (slow) runs 10x longer for it.
    """
    ds, edges = _stdd_protocol(tmp_path, model, 500_000, 10)
    w12, w21, b1, b2, tau_ref = DEMO
    assert _stdd_control(ds, edges, "W12 20 % weaker", parameters=(0.8 * w12, w21, b1, b2, tau_ref))
    assert _stdd_control(ds, edges, "W12 0.1 lower", parameters=(w12 - 0.1, w21, b1, b2, tau_ref))
    assert _stdd_control(ds, edges, "reference neuron", convention="reference")
    _stdd_control(ds, edges, "pairing of ce6da81 (not resolved here)", drop_simultaneous=True)
    assert (tmp_path / "figures" / "stdd.png").is_file()


@pytest.mark.slow
@MODELS
def test_stdd_resolves_the_pairing_convention(salnest_module, tmp_path, model):
    """As the test above, 10 pairs x 5x10^6 steps: s.e. 0.06 % on the pair rate, 0.34 % on the update per
    pair, so the pairing error fixed in ce6da81 (0.6 % and 1.3 %) is about 10 and 4 s.e. away."""
    ds, edges = _stdd_protocol(tmp_path, model, 5_000_000, 10)
    assert _stdd_control(ds, edges, "pairing of ce6da81", drop_simultaneous=True)


@MODELS
def test_phase_plane_drift_agrees_with_exact_field(salnest_module, tmp_path, model):
    """81 grid points x 2 seeds as independent pairs in one kernel, 5x10^4 steps each."""
    path = _write(tmp_path, "plane", """
[experiment]
kind = "pair_phase_plane"
seed = 12
output = "OUT"
[network]
b = [0.0, 0.0]
tau_ref = 15
[grid]
w12 = [-2.0, 2.0, 0.5]
w21 = [-2.0, 2.0, 0.5]
seeds_per_point = 2
steps = 50000
[trajectories]
starts = [[1.5, -1.5]]
eta_sal = 0.02
steps = 60000
record_interval = 5000
""", model)
    ds = read_dataset(run_protocol(path, show_progress=False), kind="pair_phase_plane")
    assert ds.attrs["sign_agreement"] == 1.0   # every point with |W12 - W21| >= 0.5
    assert ds.attrs["drift_correlation"] > 0.95
    final = ds.trajectory.isel(time=-1, start=0).values
    assert abs(final[0] - final[1]) < 1.0  # started 3.0 apart
    assert final.sum() == pytest.approx(0.0, abs=0.02)  # sum conserved up to one pending pair


def _limit(x):
    """Where a geometric approach x[-3], x[-2], x[-1] ends (Aitken's delta squared)."""
    d1, d2 = x[-2] - x[-3], x[-1] - x[-2]
    return x[-1] if abs(d2 - d1) < 1e-12 else x[-1] - d2 ** 2 / (d2 - d1)


def _ends_at(mean_field, w12):
    """The mean field's W12 extrapolated to infinite time lies within 1e-4 of ``w12``: the fixed point is
    found to 1e-7, and the extrapolation of the remaining approach (6e-4 for only W12 plastic, 1e-9 for
    both) errs by its curvature, far below 1e-4."""
    return abs(_limit(mean_field) - w12) < 1e-4


def _late_z(late, expected):
    """(mean over replicates of their time averages - expected) / its standard error from the replicates."""
    return (late.mean() - expected) / (late.std(ddof=1) / np.sqrt(len(late)))


@MODELS
@pytest.mark.parametrize("plastic", ["both", "w12"])
def test_trajectories_end_at_the_predicted_weight(salnest_module, tmp_path, plastic, model):
    """20 replicates, eta 0.01, 3x10^5 steps.

    The last third of each run is averaged over time, and the mean over replicates compared with the
    exact mean field's average over the same times, in units of its standard error from the spread
    between replicates (0.008-0.012; limit 4.5 s.e., Student t with 19 degrees of freedom: a chance
    failure 2.4e-4). This resolves a late mean 0.04-0.055 off; it cannot tell the exact fixed point from
    the naive midpoint (W12 + W21) / 2, or W21 for only W12 plastic (0.0055 and 0.0016 apart: 0.5 and
    0.15 s.e.). The exact mean field does: extrapolated to infinite time it must end within 1e-4 of the
    chain's fixed point that the results file stores (a root search on the chain's drift), and the
    midpoint, the control, must fail that.
    """
    path = _write(tmp_path, f"traj_{plastic}", f"""
[experiment]
kind = "pair_trajectory"
seed = 13
output = "OUT"
[network]
w12 = {DEMO[0]}
w21 = {DEMO[1]}
b = [{DEMO[2]}, {DEMO[3]}]
tau_ref = {DEMO[4]}
[plasticity]
eta_sal = 0.01
plastic = ["{plastic}"]
[run]
steps = 300000
record_interval = 5000
replicates = 20
""", model)
    ds = read_dataset(run_protocol(path, show_progress=False), kind="pair_trajectory")
    ds = ds.sel(condition=plastic, direction="W12")
    late_times = ds.time.values[2 * ds.sizes["time"] // 3:]
    late = ds.weight.sel(time=late_times).mean("time").values
    mean_field = ds.mean_field_weight.values
    expected = float(ds.mean_field_weight.sel(time_mf=late_times).mean())
    z = _late_z(late, expected)
    print(f"late W12 {late.mean():.4f}, mean field {expected:.4f}: z = {z:+.2f} (limit {Z_LIMIT})")
    assert abs(z) < Z_LIMIT
    fixed = float(ds.fixed_point)  # the exact chain's, stored by the experiment
    naive = (DEMO[0] + DEMO[1]) / 2 if plastic == "both" else DEMO[1]
    print(f"mean field ends at {_limit(mean_field):.6f}; exact fixed point {fixed:.6f}, control: midpoint {naive}")
    assert _ends_at(mean_field, fixed)
    assert not _ends_at(mean_field, naive)
    for attr in ("git_commit", "versions", "parameters", "nest_threads", "protocol_file"):
        assert attr in ds.attrs
