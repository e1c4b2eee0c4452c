"""Microcircuit teacher-student study (paper Fig. 6): set-up, validation, directions of learning, resume."""

import json

import numpy as np
import pytest
import tomllib
from interruption import stop_at

from salnest.experiments.microcircuit import make_study, summary
from salnest.resources import find_protocol
from salnest.study.driver import run
from salnest.study.protocol import ProtocolError, load_protocol
from salnest.study.results import read_dataset

SMOKE = find_protocol("microcircuit_smoke")


def _protocol(tmp_path, **changes):
    """The smoke protocol that CI runs (1-1-1, short patterns, faster averages, larger rates),
    writing into ``tmp_path``, with ``changes`` per section (None removes a key)."""
    raw = tomllib.loads(SMOKE.read_text())
    raw["experiment"]["output"] = str(tmp_path / "mc.nc")
    for section, values in changes.items():
        raw[section].update(values)
        raw[section] = {k: v for k, v in raw[section].items() if v is not None}
    return load_protocol(raw)


def test_study_set_up_from_the_seed(tmp_path):
    p = _protocol(tmp_path, network={"sizes": [2, 3, 2]},
                  patterns={"training": [[1.0, 2.0]], "validation": [[0.0, 0.0]]},
                  teacher={"weights": None, "weight_range": [-1.0, 1.0]})
    study = make_study(p)
    assert [w.shape for w in study.W0] == [(12, 3, 2), (12, 2, 3)]
    assert study.B0[0].shape == (12, 3, 2)
    # the three conditions of a seed start from the same weights, seeds differ
    np.testing.assert_array_equal(study.W0[1][0], study.W0[1][2])
    assert not np.array_equal(study.W0[1][0], study.W0[1][3])
    assert np.all(np.abs(study.W0[0]) <= 3.0) and np.all(np.abs(study.teacher_W[1]) <= 1.0)
    assert list(study.condition_of("bp")) == [False, True, False] * 4
    np.testing.assert_array_equal(make_study(p).B0[0], study.B0[0])


@pytest.mark.parametrize("changes, message", [
    ({"network": {"sizes": [1, 1]}}, "network.sizes"),
    ({"patterns": {"training": [[1.0, 2.0]]}}, "pattern 0 has 2 input potentials"),
    ({"teacher": {"weight_range": [-1.0, 1.0]}}, "exactly one of weights"),
    ({"schedule": {"settle_steps": 4000}}, "settle_steps"),
    ({"learning": {"conditions": ["bp", "kp"]}}, "unknown condition 'kp'"),
    ({"student": {"init_range": [3.0, -3.0]}}, "init_range"),
])
def test_bad_protocols_rejected_before_simulating(tmp_path, changes, message):
    with pytest.raises(ProtocolError, match=message):
        make_study(_protocol(tmp_path, **changes))


@pytest.fixture(scope="module")
def smoke(tmp_path_factory, salnest_module):
    tmp = tmp_path_factory.mktemp("mc")
    ds = run(_protocol(tmp), tmp / "mc.nc")
    return ds, tmp


def test_sal_aligns_feedback_and_bp_copies_it(smoke):
    ds, _ = smoke
    W, B = ds.W1.squeeze(("layer2", "layer1")), ds.B0.squeeze(("layer1", "layer2"))
    gap = abs(B - W)
    # FA never touches B; BP holds B = W_up^T at every epoch end (copied every sync interval)
    assert bool((B.sel(condition="fa") == B.sel(condition="fa", epoch=0)).all())
    np.testing.assert_allclose(gap.sel(condition="bp"), 0.0, atol=1e-12)
    # SAL against FA, seed by seed: both start from the same weights and see the same patterns, so the
    # difference in |B - W_up| is SAL's doing (W_up itself moves in both). Here (eta_sal = 0.01,
    # 8 x 3600 symmetrisation steps) SAL ends at 0.5-0.9 of FA's gap; every seed below FA and a median
    # ratio under 0.85 leave room for the spike noise of single seeds.
    sal, fa = gap.sel(condition="sal").isel(epoch=-1), gap.sel(condition="fa").isel(epoch=-1)
    assert np.all(sal < fa)
    assert float((sal / fa).median()) < 0.85


def test_loss_decreases_and_is_measured_against_the_teacher(smoke):
    ds, _ = smoke
    # teacher: u_out = -1 + 2 z_hidden; its mean lies in (-1, 1) and grows with the input potential
    assert np.all(np.diff(ds.val_target.values.ravel()) > 0) and np.all(np.abs(ds.val_target) < 1.0)
    # BP and SAL must learn: 4 epochs lower their mean loss over the 4 seeds. (FA may legitimately
    # not, on seeds whose B points against the teacher.) One validation mean has a spike-noise SE of
    # about 0.05, i.e. about 0.1 on a loss near 1.5, so single seeds may not move; the 4-seed mean
    # must drop by at least 8 %.
    for cond in ("bp", "sal"):
        loss = ds.loss.sel(condition=cond)
        assert float(loss.isel(epoch=-1).mean()) < 0.92 * float(loss.isel(epoch=0).mean()), \
            (cond, loss.values)
    assert "median final loss SAL / BP" in summary(ds)


def _hidden_z(w, x, bias, tau_ref):
    """The hidden neuron of a 1-1-1 circuit (bias ``bias``) driven through ``w`` by its input neuron (bias ``x``),
    from the exact chain of that pair (salnest.theory.pair_chain, neuron 2 the input, no weight back): P(z = 1),
    and the asymptotic variance per step of z's time average, sum over lags of its autocovariance (from a
    solution g of (I - P) g = z - P(z), any one: they differ by constants, which pi (z - P(z)) ignores)."""
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    from salnest.theory.pair_chain import stationary_distribution, transition_matrix

    P, cap = transition_matrix(w, 0.0, bias, x, tau_ref)
    pi = stationary_distribution(P)
    z = np.repeat((np.arange(cap + 1) < tau_ref).astype(float), cap + 1)  # states: (age of 1) * (cap + 1) + age of 2
    dz = z - pi @ z
    A = (sp.identity(len(pi), format="lil") - P).tolil()
    A[0, :], A[0, 0], rhs = 0.0, 1.0, dz.copy()
    rhs[0] = 0.0  # pin g[0] = 0 in place of the one redundant balance equation
    g = spla.spsolve(A.tocsc(), rhs)
    return float(pi @ z), float(2 * pi @ (dz * g) - pi @ (dz * dz))


def test_loss_is_the_distance_to_the_teacher_predicted_by_the_exact_chain(smoke):
    """The recorded loss, independently: in a validation (no plasticity, no nudging) the output potential of a
    1-1-1 circuit is u_out = b + W1 PSP(hidden), and PSP(hidden) averages to P(z_hidden = 1), which the exact
    pair chain gives for the hidden neuron driven by its input neuron. The apical input of the hidden neuron,
    lambda_api B (PSP_out - PSP_interneuron), has mean 0 given the hidden spikes (output and interneuron are
    alike copies driven by them) and moves P(z) by second order only, below 1e-3. So from the protocol (teacher
    weights and biases) and the recorded student weights of each epoch, the loss of every seed, condition and
    epoch has an expected value: mean over patterns of d^2 + var_out + var_target, d = u_student - u_teacher,
    each var the chain's asymptotic variance over the averaged steps (target_steps for the teacher,
    pattern_length - settle_steps for the student); its s.e. is sqrt(sum_p 4 d^2 var_p + 2 var_p^2) / n_patterns.
    Measured: z = -1.1 .. 3.2 over the 60 losses (mean 1.2: they share the teacher targets, whose own z are
    -0.4 .. 1.8); a limit of 4.5 s.e. is passed by chance with probability below 60 x 7e-6 = 4e-4 (union
    bound), 4 s.e. for the 6 targets below 6 x 6e-5. Broken variants fail by far: the root of the MSE as
    loss gives z of -19 .. 6.8, each epoch's loss one epoch late up to 25, the targets in reverse order
    -12 .. 8.7; a reference teacher weight of 2.1 in place of 2.0 gives target z of -4.0 .. -19."""
    ds, tmp = smoke
    p = _protocol(tmp)
    tau_ref, settle = p["network"]["tau_ref"], p["schedule"]["settle_steps"]
    x = ds.val_input.values[:, 0]
    teacher = np.array([_hidden_z(p["teacher"]["weights"], xi, p["teacher"]["bias"], tau_ref) for xi in x])
    u_teacher = p["teacher"]["bias"] + p["teacher"]["weights"] * teacher[:, 0]
    var_teacher = p["teacher"]["weights"] ** 2 * teacher[:, 1] / p["teacher"]["target_steps"]
    def target_z(targets):
        return (targets - u_teacher) / np.sqrt(var_teacher)

    targets = ds.val_target.values[:, 0]
    assert np.all(np.abs(target_z(targets)) < 4.0), target_z(targets)  # 6 patterns: by chance 6 x 6e-5
    assert not np.all(np.abs(target_z(targets[::-1])) < 4.0)  # control: targets of the wrong patterns
    steps, bias = p["schedule"]["pattern_length"] - settle, p["student"]["bias"]
    W0, W1 = ds.W0.squeeze(("layer1", "layer0")), ds.W1.squeeze(("layer2", "layer1"))
    expected, se = np.empty(ds.loss.shape), np.empty(ds.loss.shape)
    for index in np.ndindex(*expected.shape):  # (seed, condition, epoch)
        student = np.array([_hidden_z(float(W0[index]), xi, bias, tau_ref) for xi in x])
        d = bias + float(W1[index]) * student[:, 0] - u_teacher
        var = float(W1[index]) ** 2 * student[:, 1] / steps + var_teacher
        expected[index], se[index] = np.mean(d ** 2 + var), np.sqrt(np.sum(4 * d ** 2 * var + 2 * var ** 2)) / len(x)

    def loss_agrees(loss):
        return np.all(np.abs((loss - expected) / se) < 4.5)

    loss = ds.loss.values
    assert loss_agrees(loss), (loss - expected) / se
    # controls, each a loss recorded wrongly: the root of the MSE; each epoch's loss one epoch late
    assert not loss_agrees(np.sqrt(loss))
    assert not loss_agrees(np.concatenate([loss[..., :1], loss[..., :-1]], axis=-1))


def test_study_of_wider_layers_runs_and_stores_every_weight(salnest_module, tmp_path):
    """A 2-3-2 study (one epoch of short patterns): every weight matrix with its layer dimensions,
    the angle per hidden layer, the figure."""
    from salnest.study.figures import plot_results

    p = _protocol(tmp_path, network={"sizes": [2, 3, 2]}, student={"n_seeds": 2},
                  teacher={"weights": None, "weight_range": [-1.0, 1.0], "target_steps": 5000},
                  patterns={"training": [[1.0, -1.0], [0.5, 2.0]], "validation": [[0.0, 1.0]]},
                  schedule={"epochs": 1, "learning_patterns": 1, "symmetrisation_patterns": 1, "pattern_length": 1000,
                            "settle_steps": 100})
    ds = run(p, tmp_path / "mc.nc")
    assert ds.W0.dims[-2:] == ("layer1", "layer0") and ds.W0.shape[-2:] == (3, 2)
    assert ds.W1.shape[-2:] == (2, 3) and ds.B0.shape[-2:] == (3, 2)
    assert ds.val_output.shape == (2, 3, 2, 1, 2)
    assert np.isfinite(ds.loss).all() and np.isfinite(ds.angle).all()
    np.testing.assert_allclose(ds.angle.sel(condition="bp"), 0.0, atol=1e-6)  # B copied from W_up^T
    assert plot_results(ds, tmp_path / "mc.png").is_file()


def test_interrupted_study_resumes_identically(smoke, tmp_path):
    """Each segment runs in a fresh kernel seeded from (seed, epoch): stop after the first segment,
    start again, and the results equal the uninterrupted run's bit for bit."""
    full, _ = smoke
    p = _protocol(tmp_path)

    with pytest.raises(KeyboardInterrupt):
        run(p, tmp_path / "mc.nc", stop_at(3))  # after the first segment
    assert read_dataset(tmp_path / "mc.nc", kind="microcircuit").attrs["completed_epochs"] == 2
    resumed = run(p, tmp_path / "mc.nc")
    assert json.loads(resumed.attrs["seeds"])["resumed_at_epochs"] == [2]
    for name in ("loss", "W0", "W1", "B0", "val_output"):
        np.testing.assert_array_equal(resumed[name].values, full[name].values, err_msg=name)


def test_a_seed_starts_the_same_whatever_the_number_of_seeds(tmp_path):
    few, many = make_study(_protocol(tmp_path)), make_study(_protocol(tmp_path, student={"n_seeds": 7}))
    for a, b in zip(few.W0 + few.B0, many.W0 + many.B0):
        np.testing.assert_array_equal(a, b[: len(a)])
