"""The reciprocal-pair protocols with simulator = "brian2": the same checks against the exact pair
chain as on NEST (tests/experiments/test_pair_protocols.py), and the demo script's --simulator."""

import json
import subprocess
import sys

import numpy as np
import pytest
from checkout import REPO

from salnest.study.driver import run_protocol
from salnest.study.results import read_dataset

pytestmark = pytest.mark.brian2


def _stdd(tmp_path, simulator: str, w12: float = 1.5, seed: int = 21):
    """fig2c's pairs as a pair_stdd protocol, 10 pairs x 10^5 steps on ``simulator``; its dataset."""
    name = f"stdd_{simulator}_{w12}_{seed}"
    path = tmp_path / f"{name}.toml"
    path.write_text(f"""
[experiment]
kind = "pair_stdd"
seed = {seed}
output = "{tmp_path / f'{name}.nc'}"
simulator = "{simulator}"
[network]
w12 = {w12}
w21 = 0.5
b = [-0.5, -0.2]
tau_ref = 25
[run]
steps = 100000
replicates = 10
""")
    return read_dataset(run_protocol(path, show_progress=False, plot=False), kind="pair_stdd")


def test_stdd_protocol_on_brian2_matches_exact_theory(tmp_path):
    """As on NEST: 10 pairs x 10^5 steps, about 70,000 spike pairs; TV of the 1,000-bin histogram
    about 0.02 by sampling noise alone, limit 0.05; the mean window value per pair has a standard
    error of about 2 % of its exact value, limit 10 %; the pair rate 3 %."""
    ds = _stdd(tmp_path, "brian2", seed=11)
    assert ds.attrs["simulator"] == "brian2" and json.loads(ds.attrs["versions"])["Brian2"] == "2.9.0"
    assert ds.attrs["total_variation"] < 0.05
    assert ds.attrs["pairs_outside_exact_support"] == 0
    np.testing.assert_allclose(ds.update_per_pair_measured.values, ds.update_per_pair_exact.values, rtol=0.10)
    assert float(ds.pair_rate_measured) == pytest.approx(float(ds.pair_rate_exact), rel=0.03)


def test_demo_script_runs_on_brian2(tmp_path):
    """pynn_networks/reciprocal_pair.py --simulator brian2: both pairs move to the mean field's fixed
    points. 200,000 steps at eta 0.01: the converged weights fluctuate by about 0.1 (NEST alike)."""
    out = tmp_path / "pair.nc"
    proc = subprocess.run([sys.executable, str(REPO / "pynn_networks" / "reciprocal_pair.py"), "--simulator",
                           "brian2", "--steps", "200000", "--out", str(out)], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ds = read_dataset(out, kind="pair_trajectory")
    final = ds.weight.isel(time=-1, replicate=0)
    assert np.abs(final.values - ds.fixed_point.values).max() < 0.2
    assert ds.attrs["simulator"] == "brian2"


def test_the_same_protocol_on_nest_and_brian2_is_statistically_alike(tmp_path):
    """fig2c's pairs, 10 x 10^5 steps on each simulator (about 70,000 spike pairs each): the two
    histograms of spike-timing differences pass a chi-square test of homogeneity (lags pooled into
    bins of at least 50 expected pairs) at p > 0.001; a Brian2 run with W12 = 1.2 instead of 1.5
    (control) fails it at p < 0.001."""
    from scipy.stats import chi2_contingency

    runs = [(ds.dt.values, ds.pair_counts.values) for ds in (_stdd(tmp_path, "nest"), _stdd(tmp_path, "brian2"),
                                                                _stdd(tmp_path, "brian2", 1.2))]
    lags = np.union1d(*[dt for dt, _ in runs[:2]])
    lags = np.union1d(lags, runs[2][0])
    nest, brian2, weaker = (np.array([dict(zip(dt, counts)).get(d, 0) for d in lags]) for dt, counts in runs)

    def p_value(a, b):
        # pool neighbouring lags until each bin holds at least 100 pairs of the two runs together
        edges, total = [0], 0
        for k, n in enumerate(a + b):
            total += n
            if total >= 100:
                edges.append(k + 1)
                total = 0
        table = np.array([[x[s:e].sum() for s, e in zip(edges[:-1], edges[1:])] for x in (a, b)])
        return chi2_contingency(table)[1]

    alike, control = p_value(nest, brian2), p_value(nest, weaker)
    print(f"chi-square homogeneity p: NEST vs Brian2 {alike:.3g}, NEST vs Brian2 with W12 = 1.2 {control:.3g}")
    assert alike > 1e-3
    assert control < 1e-3
