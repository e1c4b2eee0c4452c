"""The sal_alignment kind (Fig. 9): SAL alone moves every B toward W^T, faster at a higher rate, and
a stopped run resumes bit-identically."""

import numpy as np
import pytest
from interruption import stop_at

from salnest.experiments.sal_alignment import initial_network
from salnest.resources import find_protocol
from salnest.study.driver import run
from salnest.study.protocol import load_protocol


def test_initial_networks_are_the_references_draw_and_fixed_by_the_seed():
    W, B, b = initial_network(3, 0, [40, 20, 10])
    assert [w.shape for w in W] == [(20, 40), (10, 20)] and [x.shape for x in B] == [(40, 20), (20, 10)]
    assert np.abs(W[0]).max() <= 40 ** -0.5 and np.abs(B[0]).max() <= 20 ** -0.5 and np.abs(b[2]).max() <= 10 ** -0.5
    np.testing.assert_array_equal(initial_network(3, 0, [40, 20, 10])[1][1], B[1])
    assert not np.array_equal(initial_network(3, 1, [40, 20, 10])[1][1], B[1])


def test_smoke_protocol_aligns_every_feedback_matrix_faster_at_the_higher_rate(salnest_module, tmp_path):
    """[40, 20, 10], rates 0.04 and 0.08, 2 seeds, 8 phases of 2,000 steps. Measured: the angles fall
    by 7-8 (rate 0.04) and 16-20 degrees (0.08) from about 90, about 1 and 2 degrees per phase with
    a spread of 0.15-0.45 degrees between phases, so a fall of more than 3 degrees and the ordering
    of the rates are far from chance."""
    ds = run(load_protocol(find_protocol("sal_alignment_smoke")), tmp_path / "sa.nc")
    assert set(ds.angle.dims) == {"rate", "seed", "epoch", "feedback"}
    start, end = ds.angle.isel(epoch=0), ds.angle.isel(epoch=-1)
    assert bool((end < start - 3).all()), ds.angle.values
    assert bool((end.sel(rate=0.08) < end.sel(rate=0.04)).all())
    assert bool((ds.correlation.isel(epoch=-1) > ds.correlation.isel(epoch=0)).all())


def test_a_stopped_run_resumes_bit_identically(salnest_module, tmp_path):
    raw = {"experiment": {"kind": "sal_alignment", "seed": 2, "checkpoint_every": 2},
           "network": {"sizes": [6, 4, 3]}, "study": {"rates": [0.05], "n_seeds": 2},
           "schedule": {"epochs": 4, "epoch_steps": 500}}
    whole = run(load_protocol(raw), tmp_path / "whole.nc")
    with pytest.raises(KeyboardInterrupt):
        run(load_protocol(raw), tmp_path / "parts.nc", progress=stop_at(4))
    resumed = run(load_protocol(raw), tmp_path / "parts.nc")
    for name in ("B0", "B1", "angle"):
        np.testing.assert_array_equal(resumed[name].values, whole[name].values, err_msg=name)
    assert not np.array_equal(whole.B0.values, np.broadcast_to(initial_network(2, 0, [6, 4, 3])[1][0],
                                                                 whole.B0.shape))


@pytest.mark.parametrize("section, values, message", [
    ("study", {"rates": [0.04, 0.04]}, "values must not repeat"),
    ("study", {"rates": [0.04, -0.01]}, "positive floats"),
    ("network", {"sizes": [10]}, "at least 2 integers"),
])
def test_bad_protocols_are_refused_before_any_simulation(section, values, message):
    from salnest.study.protocol import ProtocolError

    with pytest.raises(ProtocolError, match=message):
        load_protocol({"experiment": {"kind": "sal_alignment"}, section: values})
