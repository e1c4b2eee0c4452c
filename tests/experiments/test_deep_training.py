"""The deep_training kind (Fig. 8): the smoke protocol's alignment per condition, bit-identical
resumption, and bad protocols refused before any training."""

import numpy as np
import pytest

pytest.importorskip("torch", reason="the deep extra (pip install 'salnest[deep]') is not installed")

from interruption import stop_at  # noqa: E402

from salnest.resources import find_protocol  # noqa: E402
from salnest.study.driver import run  # noqa: E402
from salnest.study.protocol import ProtocolError, load_protocol  # noqa: E402


@pytest.fixture(scope="module")
def smoke(salnest_module, tmp_path_factory):
    return run(load_protocol(find_protocol("deep_training_smoke")),
               tmp_path_factory.mktemp("deep") / "smoke.nc")


def test_smoke_sal_and_rdd_align_below_fa_on_every_layer(smoke):
    """Measured at the end (mean of 2 seeds, degrees, fc0 / fc1 / fc2): FA 89 / 84 / 82 (B fixed,
    W trains), SAL and RDD 15-40 degrees lower on every layer, with seed-to-seed spreads of 1-3
    degrees; 8 degrees below FA on every layer is far from chance."""
    end = smoke.angle.isel(epoch=-1).mean("seed")
    fa = end.sel(condition="fa")
    for condition in ("sal", "rdd"):
        assert bool((end.sel(condition=condition) < fa - 8).all()), end.values
    # the phase itself moved B: right after the last phase SAL's angle is below its start
    assert bool((smoke.angle_after_phase.sel(condition="sal").isel(epoch=-1)
                 < smoke.angle.sel(condition="sal", epoch=0) - 8).all())


def test_smoke_kolen_pollack_converges_and_bp_has_no_angle(smoke):
    """KP's B and W^T get the same updates and decay together, so their difference shrinks by the
    factor (1 - lr * decay) per step and the angle falls from about 85 degrees; BP's feedback is
    W^T by construction."""
    kp = smoke.angle.sel(condition="kp")
    assert bool((kp.isel(epoch=-1) < kp.isel(epoch=0) - 15).all()), kp.values
    assert bool((np.diff(kp.mean("seed").values, axis=0) < 0).all())  # falls every epoch, every layer
    np.testing.assert_allclose(smoke.angle.sel(condition=["bp", "bp_fa_conv"]).values, 0.0, atol=1e-3)
    assert bool((smoke.sign_agreement.sel(condition="scfa") == 1.0).all())  # signs of W^T by construction


def test_smoke_records_accuracy_times_and_provenance(smoke):
    # 10 classes: chance is 10 %; BP after 3 short epochs is measured at 70-80 %
    assert float(smoke.test_accuracy.sel(condition="bp").isel(epoch=-1).min()) > 40
    assert not bool(np.isnan(smoke.train_time.sel(epoch=slice(1, None))).any())
    assert bool((smoke.phase_time.sel(condition=["sal", "rdd"], epoch=slice(1, None)) > 0).all())
    assert np.isnan(smoke.phase_time.sel(condition="bp")).all()
    for key in ("git_commit", "versions", "parameters", "seeds", "nest_threads"):
        assert key in smoke.attrs, key


def test_summary_and_figure(smoke, tmp_path):
    from salnest.experiments.deep_training import plot_deep_training, summary

    text = summary(smoke)
    for label in ("BP + FA conv", "Kolen-Pollack", "SAL", "RDD"):
        assert label in text
    assert plot_deep_training(smoke, tmp_path / "fig.png").stat().st_size > 10_000


TINY = {"experiment": {"kind": "deep_training", "seed": 3, "checkpoint_every": 1},
        "data": {"dataset": "mnist5k", "n_train": 96, "n_test": 64},
        "network": {"channels": 2, "hidden": [8, 6]},
        "training": {"conditions": ["kp", "sal", "rdd"], "n_seeds": 2, "epochs": 2, "batch_size": 32},
        "sal": {"copies": 1, "iterations": 2, "iteration_steps": 200},
        "rdd": {"seconds": 2, "rescale_every": 1}}


def test_a_stopped_run_resumes_bit_identically(salnest_module, tmp_path):
    whole = run(load_protocol(TINY), tmp_path / "whole.nc")
    with pytest.raises(KeyboardInterrupt):
        run(load_protocol(TINY), tmp_path / "parts.nc", progress=stop_at(2))
    resumed = run(load_protocol(TINY), tmp_path / "parts.nc")
    for name in ("state", "angle", "test_loss", "rdd_fits0"):
        np.testing.assert_array_equal(resumed[name].values, whole[name].values, err_msg=name)
    assert bool((whole.angle_after_phase.sel(condition=["sal", "rdd"], epoch=2)
                 != whole.angle_after_phase.sel(condition=["sal", "rdd"], epoch=1)).all())


@pytest.mark.parametrize("changes, message", [
    ({"training": {"conditions": ["bp", "dfa"]}}, "condition"),
    ({"training": {"device": "gpu"}}, "'cpu', 'cuda' or 'cuda:N'"),
    ({"data": {"dataset": "digits"}}, "8x8; the two conv blocks need at least 16x16"),
    ({"data": {"dataset": "mnist", "root": "/nonexistent"}}, "data: "),
    ({"rdd": {"seconds": 25}}, "multiple of rdd.rescale_every"),
    ({"network": {"hidden": []}}, "non-empty list"),
])
def test_bad_protocols_are_refused_before_any_training(changes, message):
    raw = {"experiment": {"kind": "deep_training"}, **changes}
    with pytest.raises(ProtocolError, match=message):
        load_protocol(raw)


def test_cuda_without_a_device_is_refused(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ProtocolError, match="sees no CUDA device"):
        load_protocol({"experiment": {"kind": "deep_training"}, "training": {"device": "cuda"}})


def test_augment_flips_and_shifts_as_drawn():
    import torch

    from salnest.deep.training import augment

    x = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).reshape(2, 1, 4, 4)
    flips, shifts = np.array([True, False]), np.array([[0, 0], [1, -2]])
    assert torch.equal(augment(x, "none", flips, shifts), x)
    flipped = augment(x, "flip", flips, shifts)
    assert torch.equal(flipped[0], x[0].flip(-1)) and torch.equal(flipped[1], x[1])
    cropped = augment(x, "crop_flip", flips, shifts)
    # image 1 moved up by 1 and right by 2 (zeros come in at the bottom and the left)
    assert torch.equal(cropped[1, 0, :3, 2:], x[1, 0, 1:, :2]) and float(cropped[1, 0, 3].abs().sum()) == 0
