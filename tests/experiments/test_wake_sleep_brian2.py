"""The wake-sleep kind with simulator = "brian2": the smoke check of tests/experiments/test_wake_sleep.py
on Brian2 (the networks in PyNN's population form, read and set through PyNN's API)."""

import numpy as np
import pytest

from salnest.study.driver import run
from salnest.study.protocol import load_protocol

pytestmark = pytest.mark.brian2


def test_sal_reduces_asymmetry_and_divergence_on_brian2(tmp_path):
    """As on NEST: sigma_init = 0.8, 4 paired runs, 120 short epochs (in one segment: Brian2 builds a
    network in seconds, not milliseconds). Wake-sleep alone keeps the initial asymmetry; SAL lowers
    it in every run below 0.8 of it; D_KL falls in every run, and SAL's median ends below no SAL's."""
    protocol = load_protocol({
        "experiment": {"kind": "wake_sleep", "seed": 5, "output": str(tmp_path / "ws.nc"), "checkpoint_every": 120,
                       "simulator": "brian2"},
        "network": {"n_neurons": 5, "tau_ref": 10},
        "runs": {"n_targets": 2, "n_inits": 2},
        "noise": {"kind": "synaptic", "levels": [0.8]},
        "learning": {"conditions": ["no_sal", "sal"], "eta_w": 0.01, "eta_b": 0.01, "eta_sal": 0.02},
        "schedule": {"epochs": 120, "epoch_length": 500, "validation_every": 60, "validation_length": 10},
    })
    ds = run(protocol, output=tmp_path / "ws.nc")
    assert ds.attrs["simulator"] == "brian2"
    final, start = ds.asymmetry.isel(epoch=-1, level=0), ds.asymmetry.isel(epoch=0, level=0)
    no_sal, sal = final.sel(condition="no_sal"), final.sel(condition="sal")
    np.testing.assert_allclose(no_sal, start.sel(condition="no_sal"), rtol=0.05)
    assert np.all(sal < 0.8 * no_sal)
    assert np.all(ds.dkl.isel(validation_epoch=-1) < ds.dkl.isel(validation_epoch=0))
    assert float(ds.dkl.isel(validation_epoch=-1).sel(condition="sal").median()) < \
        float(ds.dkl.isel(validation_epoch=-1).sel(condition="no_sal").median())
