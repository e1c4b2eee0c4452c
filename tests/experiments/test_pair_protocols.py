"""Reciprocal-pair protocols end to end on short schedules: NEST against the exact pair chain."""

import numpy as np
import pytest

from salnest.networks.reciprocal_pair import BUILDERS
from salnest.study.driver import run_protocol
from salnest.study.results import read_dataset

#: every check runs on both forms of the pairs (a PyNN population, one sampling_network node per pair)
MODELS = pytest.mark.parametrize("model", sorted(BUILDERS))


def _write(tmp_path, name, text, model):
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace("OUT", str(tmp_path / f"{name}.nc")).replace("[network]",
                                                                            f'[network]\nmodel = "{model}"'))
    return path


@MODELS
def test_stdd_and_update_per_pair_match_exact_theory(salnest_module, tmp_path, model):
    """Paper demo parameters, 10 pairs x 10^5 steps (about 70,000 spike pairs).

    TV distance of a 1,000-bin histogram from 70,000 samples is about 0.02 by
    sampling noise alone; the limit is 0.05. The mean window value per pair has
    a standard error of about 2 % of its exact value; the limit is 10 %.
    """
    path = _write(tmp_path, "stdd", """
[experiment]
kind = "pair_stdd"
seed = 11
output = "OUT"
[network]
w12 = 1.5
w21 = 0.5
b = [-0.5, -0.2]
tau_ref = 25
[run]
steps = 100000
replicates = 10
""", model)
    ds = read_dataset(run_protocol(path, show_progress=False), kind="pair_stdd")
    assert ds.attrs["total_variation"] < 0.05
    assert ds.attrs["pairs_outside_exact_support"] == 0
    exact = ds.update_per_pair_exact.values
    np.testing.assert_allclose(ds.update_per_pair_measured.values, exact, rtol=0.10)
    assert float(ds.pair_rate_measured) == pytest.approx(float(ds.pair_rate_exact), rel=0.03)
    assert (tmp_path / "figures" / "stdd.png").is_file()


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


@MODELS
@pytest.mark.parametrize("plastic, target", [("both", 1.0), ("w12", 0.5)])
def test_trajectories_end_at_the_predicted_weight(salnest_module, tmp_path, plastic, target, model):
    """5 replicates, eta 0.01, 3x10^5 steps. The last third of each run is averaged over time and
    replicates (stationary fluctuations are about 0.05 per replicate); limit 0.05."""
    path = _write(tmp_path, f"traj_{plastic}", f"""
[experiment]
kind = "pair_trajectory"
seed = 13
output = "OUT"
[network]
w12 = 1.5
w21 = 0.5
b = [-0.5, -0.2]
tau_ref = 25
[plasticity]
eta_sal = 0.01
plastic = ["{plastic}"]
[run]
steps = 300000
record_interval = 5000
replicates = 5
""", model)
    ds = read_dataset(run_protocol(path, show_progress=False), kind="pair_trajectory")
    ds = ds.sel(condition=plastic)
    late = ds.weight.isel(time=slice(2 * ds.sizes["time"] // 3, None)).mean(("time", "replicate"))
    assert abs(float(late.sel(direction="W12")) - target) < 0.05
    assert float(ds.fixed_point[0]) == target
    # the exact mean field ends at the predicted point too
    assert abs(float(ds.mean_field_weight.isel(time_mf=-1).sel(direction="W12")) - target) < 0.05
    for attr in ("git_commit", "versions", "parameters", "nest_threads", "protocol_file"):
        assert attr in ds.attrs
