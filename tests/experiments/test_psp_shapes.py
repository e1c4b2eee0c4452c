"""Fig. 11 protocols on short schedules: NEST pairs with alpha PSPs against the exact history chain."""

import numpy as np
import pytest
from psp_helpers import tv_to_rectangular_chain

from salnest.networks.reciprocal_pair import BUILDERS
from salnest.resources import find_protocol
from salnest.study.driver import run_protocol
from salnest.study.protocol import ProtocolError, load_protocol
from salnest.study.results import read_dataset


@pytest.mark.parametrize("model", sorted(BUILDERS))
def test_alpha_psp_stdd_smoke_matches_the_chain_and_not_the_rectangular_one(salnest_module, tmp_path, model):
    """The CI smoke protocol: 20 pairs x 5x10^4 steps, about 100,000 spike pairs.

    By sampling noise alone the TV distance of a histogram over the ~60 lags that carry the mass is
    about 0.01 at this count (measured 0.007); the limit is the issue's 0.05. The chain's
    truncation moves the potential by at most its bound (0.03) and so each firing probability by
    under 0.008. The same pairs are at least 0.05 from the rectangular-PSP chain: the check tells
    the shapes apart. Both forms of the pairs (a PyNN population, one node per pair).
    """
    out = run_protocol(find_protocol("psp_stdd_smoke"), output=tmp_path / "smoke.nc",
                       show_progress=False, overrides={"network.model": model})
    ds = read_dataset(out, kind="psp_stdd")
    sel = ds.isel(shape=0, point=0)
    assert str(ds.shape.values[0]) == "alpha_long"
    assert int(sel.pair_counts.sum()) > 50_000
    assert float(sel.truncation_bound) < 0.05
    assert float(sel.total_variation) < 0.05
    assert tv_to_rectangular_chain(ds) > 0.05
    assert (tmp_path / "figures" / "smoke.png").is_file()


def test_fixed_points_off_the_diagonal_measured_where_the_chain_puts_them(salnest_module, tmp_path):
    """b = (-1, 1) and the mirror (1, -1) at m = -1, where the exact offsets are large: -0.18
    (rectangular) and -0.29 (long alpha) at b = (-1, 1). 4 plastic pairs per point, 2x10^5 steps
    at eta_sal = 0.01, the second half averaged: standard error about 0.015 (measured on this
    grid), so the limit of 0.06 is 4 standard errors and a tenth of the gap between the two shapes.
    """
    protocol = {
        "experiment": {"kind": "psp_fixed_points", "seed": 5, "output": str(tmp_path / "fp.nc")},
        "network": {"tau_ref": 10, "shapes": ["rectangular", "alpha_long"]},
        "grid": {"biases": [-1.0, 1.0], "mean_weights": [-1.0]},
        "simulation": {"replicates": 4, "steps": 200_000, "record_interval": 5000},
    }
    ds = read_dataset(run_protocol(protocol, show_progress=False), kind="psp_fixed_points")
    exact = ds.offset_exact.sel(mean_weight=-1.0)
    measured = ds.offset_measured.sel(mean_weight=-1.0).mean("replicate")
    for shape in ds.shape.values:
        e, m = exact.sel(shape=shape), measured.sel(shape=shape)
        assert float(e.sel(b1=-1.0, b2=1.0)) == pytest.approx(-float(e.sel(b1=1.0, b2=-1.0)), abs=1e-12)
        assert float(e.sel(b1=-1.0, b2=1.0)) < -0.1
        assert abs(float(e.sel(b1=1.0, b2=1.0))) < 1e-3  # equal biases: on the diagonal by symmetry
        np.testing.assert_allclose(m.values, e.values, atol=0.06, err_msg=str(shape))
    gap = float(exact.sel(shape="alpha_long", b1=-1.0, b2=1.0) - exact.sel(shape="rectangular", b1=-1.0, b2=1.0))
    assert gap < -0.08
    assert np.isfinite(ds.offset_trajectory).all()
    assert (tmp_path / "figures" / "fp.png").is_file()


def test_fixed_points_stopped_after_a_shape_resume_bit_identically(salnest_module, tmp_path):
    """One shape per epoch and kernel: a run stopped before its second shape keeps the first, and
    the same command finishes it as if never stopped."""
    from interruption import stop_at

    from salnest.study.driver import run

    raw = {"experiment": {"kind": "psp_fixed_points", "seed": 4},
           "network": {"tau_ref": 10, "shapes": ["rectangular", "alpha_short"]},
           "grid": {"biases": [-1.0, 1.0], "mean_weights": [0.5]}, "chain": {"history": 20},
           "simulation": {"replicates": 2, "steps": 20_000, "record_interval": 5000}}
    whole = run(load_protocol(raw), tmp_path / "whole.nc")
    with pytest.raises(KeyboardInterrupt):
        run(load_protocol(raw), tmp_path / "parts.nc", progress=stop_at(2))
    partial = read_dataset(tmp_path / "parts.nc", kind="psp_fixed_points")
    assert np.isfinite(partial.offset_exact.sel(shape="rectangular")).all()
    assert np.isnan(partial.offset_exact.sel(shape="alpha_short")).all()
    resumed = run(load_protocol(raw), tmp_path / "parts.nc")
    for name in ("offset_exact", "offset_trajectory"):
        np.testing.assert_array_equal(resumed[name].values, whole[name].values, err_msg=name)


@pytest.mark.parametrize("kind, section, fields, message", [
    ("psp_stdd", "chain", {"history": 3}, "must cover at least tau_ref"),
    ("psp_stdd", "points", {"points": [[1.0, 1.0, 0.0]]}, r"\[w12, w21, b1, b2\]"),
    ("psp_stdd", "network", {"shapes": ["gaussian"]}, "unknown PSP shape"),
    ("psp_fixed_points", "grid", {"biases": [0.0, 0.0]}, "must not repeat"),
    ("psp_fixed_points", "simulation", {"steps": 1000, "record_interval": 600}, "record_interval"),
])
def test_bad_protocols_refused_before_any_simulation(kind, section, fields, message):
    raw = {"experiment": {"kind": kind}, section: fields}
    with pytest.raises(ProtocolError, match=message):
        load_protocol(raw)

