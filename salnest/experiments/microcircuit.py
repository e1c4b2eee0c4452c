"""Teacher-student learning in spiking dendritic cortical microcircuits with FA, BP and SAL (paper Fig. 6).

One protocol is one study: every (student seed, condition) is an independent circuit
("replica", :mod:`salnest.networks.microcircuit`) in one NEST kernel. The teacher is the same
network with fixed weights; the target of a pattern is the teacher's mean output potential,
measured once before training.

An epoch presents, per replica, ``learning_patterns`` training inputs (forward plasticity on,
output nudged toward the target), then ``symmetrisation_patterns`` training inputs (forward
plasticity off, SAL on for the ``sal`` condition, interneuron paths silenced,
``lambda_api = 1``), then every validation input (no plasticity, no nudging). Each pattern
starts with ``settle_steps`` without plasticity. Every ``sync_interval`` steps of a learning
pattern the protocol imposes the self-predicting state (``W_IP = W_up``, ``W_PI = -B``) and,
in the ``bp`` condition, copies ``B = W_up^T``. The loss is the mean squared error of the
pattern-averaged output potential over the validation patterns.

The driver (:mod:`salnest.study.driver`) runs the epochs in segments with checkpoints and resumes;
the teacher's targets and the validation before training are computed once, each in a kernel
of its own, and kept in the first checkpoint.
"""

from __future__ import annotations

import contextlib
import json

import numpy as np
import xarray as xr

from salnest.analysis.alignment import feedback_angle
from salnest.analysis.microcircuit import opposed_to_learned
from salnest.networks.teacher_student import Study, draw_study, pattern_order, teacher_targets, teacher_weights
from salnest.study.driver import EpochRun, kernel_seed, nest_seed
from salnest.study.figures import pyplot, quantile_band, save
from salnest.study.protocol import (
    REQUIRED,
    Field,
    ProtocolError,
    at_least,
    distinct_choices,
    layer_sizes,
    pair_of_numbers,
    positive,
    shown,
)
from salnest.study.protocol import (
    seed as seed_range,
)
from salnest.study.registry import ExperimentKind, register
from salnest.study.results import completed_epochs

CONDITIONS = ("fa", "bp", "sal")


def _patterns(values):
    if not values:
        return "must not be empty"
    for i, v in enumerate(values):
        items = v if isinstance(v, list) else [v]
        if not items or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in items):
            return (f"item {i} must be a number or a list of numbers (one input potential per input neuron), "
                    f"got {shown(v)}")
    return None


SCHEMA = {
    "network": {
        "sizes": Field(list, [1, 1, 1], layer_sizes(3, "[n_in, n_hidden..., n_out]"),
                       doc="layer sizes [n_in, n_hidden..., n_out]"),
        "tau_ref": Field(int, 10, at_least(1), doc="refractory period = PSP length, in steps"),
        "lambda_api": Field(float, 0.02, at_least(0.0), doc="weight of the apical potential in hidden neurons"),
        "lambda_nudge": Field(float, 0.6, at_least(0.0), doc="nudging of the output toward its target"),
        "tau_avg": Field(float, 2000.0, positive, doc="running averages of u and v_bas + b, in steps"),
    },
    "teacher": {
        "weights": Field(float, None, doc="every teacher weight (give this or weight_range)"),
        "weight_range": Field(list, None, pair_of_numbers, doc="teacher weights ~ U(lo, hi) from weight_seed"),
        "weight_seed": Field(int, 1, at_least(1), doc="seed of the teacher's weights"),
        "bias": Field(float, -1.0, doc="bias of every teacher neuron"),
        "target_steps": Field(int, 1_000_000, at_least(1000), doc="steps per pattern to measure the targets"),
    },
    "student": {
        "n_seeds": Field(int, 20, at_least(1), doc="students per condition, each from its own initial weights"),
        "init_range": Field(list, [-3.0, 3.0], pair_of_numbers, doc="W and B ~ U(lo, hi)"),
        "bias": Field(float, -1.0, doc="bias of every student neuron"),
    },
    "patterns": {
        "training": Field(list, REQUIRED, _patterns,
                          doc="input potentials, one entry (a number or one per input neuron) per pattern"),
        "validation": Field(list, REQUIRED, _patterns, doc="validation inputs, as training"),
    },
    "learning": {
        "conditions": Field(list, list(CONDITIONS), distinct_choices(CONDITIONS, "condition"),
                            doc="fa (fixed random feedback), bp (B = W_up^T), sal (B learned by SAL)"),
        "eta_hidden": Field(float, 0.2, at_least(0.0), doc="learning rate of the weights into hidden layers"),
        "eta_output": Field(float, 0.003, at_least(0.0), doc="learning rate of the weights into the output layer"),
        "eta_sal": Field(float, 0.001, at_least(0.0), doc="SAL learning rate of B in symmetrisation patterns"),
        "tau_sal": Field(int, 10, at_least(1), doc="SAL window time constant, in steps"),
        "sync_interval": Field(int, 100, at_least(1),
                               doc="steps between imposed interneuron weights and BP copies"),
    },
    "schedule": {
        "epochs": Field(int, 150, at_least(1), doc="training epochs"),
        "learning_patterns": Field(int, 15, at_least(0), doc="training patterns with forward learning per epoch"),
        "symmetrisation_patterns": Field(int, 5, at_least(0), doc="training patterns with SAL per epoch"),
        "pattern_length": Field(int, 20000, at_least(2), doc="steps per pattern"),
        "settle_steps": Field(int, 2000, at_least(1), doc="steps without plasticity at each pattern start"),
    },
}


def _inputs(values, n_in: int, where: str) -> np.ndarray:
    rows = [v if isinstance(v, list) else [v] for v in values]
    for i, row in enumerate(rows):
        if len(row) != n_in:
            raise ProtocolError(f"{where}: pattern {i} has {len(row)} input potentials, the network has "
                                f"{n_in} input neurons")
    return np.array(rows, float)


def make_study(protocol) -> Study:
    """Check the fields that depend on each other and draw everything random from the seeds.

    Raises :class:`ProtocolError` before any simulation for inconsistent protocols.
    """
    src = protocol["experiment"].get("source", "protocol")
    net, teacher, student = protocol["network"], protocol["teacher"], protocol["student"]
    sizes = net["sizes"]
    if (teacher["weights"] is None) == (teacher["weight_range"] is None):
        raise ProtocolError(f"{src}: teacher: give exactly one of weights (all equal) or weight_range")
    lo, hi = student["init_range"]
    if not hi > lo:
        raise ProtocolError(f"{src}: student.init_range: needs hi > lo, got {student['init_range']}")
    sched = protocol["schedule"]
    if sched["settle_steps"] >= sched["pattern_length"]:
        raise ProtocolError(f"{src}: schedule.settle_steps ({sched['settle_steps']}) must be shorter than "
                            f"schedule.pattern_length ({sched['pattern_length']})")
    train = _inputs(protocol["patterns"]["training"], sizes[0], f"{src}: patterns.training")
    val = _inputs(protocol["patterns"]["validation"], sizes[0], f"{src}: patterns.validation")
    teacher_W = teacher_weights(sizes, teacher["weights"], teacher["weight_range"], teacher["weight_seed"])
    return draw_study(sizes, protocol["learning"]["conditions"], student["n_seeds"], (lo, hi), student["bias"],
                      teacher_W, train, val, protocol["experiment"]["seed"])


def build_circuits(protocol, W, B, biases, seed: int):
    """The replicas of ``W``, ``B``, ``biases`` in a fresh kernel (``rng_seed = seed``), with the protocol's
    network parameters: a :class:`salnest.networks.microcircuit.Circuits`."""
    from salnest.networks.microcircuit import Circuits

    net = protocol["network"]
    return Circuits(protocol["network"]["sizes"], W, B, biases, seed=seed, threads=protocol["experiment"]["threads"],
                    tau_ref=net["tau_ref"], lambda_api=net["lambda_api"], lambda_nudge=net["lambda_nudge"],
                    tau_avg=net["tau_avg"], tau_sal=protocol["learning"]["tau_sal"])


def teacher_seed(seed: int) -> int:
    """NEST seed of the kernel that measures the teacher's targets."""
    return nest_seed(seed * 7919 + 1, seed, 7919)


class Microcircuit(EpochRun):
    """A teacher-student study, epoch by epoch (see the module docstring)."""

    def __init__(self, protocol):
        self.p = protocol
        self.study = study = make_study(protocol)
        self.epochs = protocol["schedule"]["epochs"]
        learn = protocol["learning"]
        self.bp = study.condition_of("bp")
        self.eta_sal = np.where(study.condition_of("sal"), learn["eta_sal"], 0.0)
        self.eta = [learn["eta_hidden"]] * (len(study.sizes) - 2) + [learn["eta_output"]]
        self.seed_of = np.repeat(np.arange(study.n_seeds), len(study.conditions))
        n_rep = study.n_replicas
        self.W_hist = [np.full((n_rep, self.epochs + 1, *w.shape[1:]), np.nan) for w in study.W0]
        self.B_hist = [np.full((n_rep, self.epochs + 1, *b.shape[1:]), np.nan) for b in study.B0]
        self.val_out = np.full((n_rep, self.epochs + 1, len(study.val_inputs), study.sizes[-1]), np.nan)

    def start(self) -> None:
        """The teacher's targets, then a validation of the untrained students, each in a kernel of its own."""
        study, sched = self.study, self.p["schedule"]
        self.targets = teacher_targets(
            study, self.p["teacher"]["bias"], self.p["teacher"]["target_steps"], sched["settle_steps"],
            lambda W, B, biases: build_circuits(self.p, W, B, biases, teacher_seed(self.p["experiment"]["seed"])))
        for l in range(len(self.W_hist)):
            self.W_hist[l][:, 0] = study.W0[l]
        for l in range(len(self.B_hist)):
            self.B_hist[l][:, 0] = study.B0[l]
        with build_circuits(self.p, [w[:, 0] for w in self.W_hist], [b[:, 0] for b in self.B_hist], study.biases,
                       kernel_seed(self.p["experiment"]["seed"], -1)) as circuits:
            circuits.impose(silence=False, bp=self.bp)
            for l in range(len(self.B_hist)):
                self.B_hist[l][:, 0] = circuits.B[l]  # bp replicas start from W_up^T
            for v, x in enumerate(study.val_inputs):
                self.val_out[:, 0, v] = circuits.pattern(np.repeat(x[None], study.n_replicas, axis=0),
                                                         sched["pattern_length"], sched["settle_steps"])

    def restore(self, checkpoint: xr.Dataset) -> None:
        self.targets = (checkpoint.train_target.values, checkpoint.val_target.values)
        for l in range(len(self.W_hist)):
            self.W_hist[l][:] = checkpoint[f"W{l}"].values.reshape(self.W_hist[l].shape)
        for l in range(len(self.B_hist)):
            self.B_hist[l][:] = checkpoint[f"B{l}"].values.reshape(self.B_hist[l].shape)
        self.val_out[:] = checkpoint.val_output.values.reshape(self.val_out.shape)

    @contextlib.contextmanager
    def open_segment(self, first_epoch: int, seed: int):
        with build_circuits(self.p, [w[:, first_epoch] for w in self.W_hist], [b[:, first_epoch] for b in self.B_hist],
                       self.study.biases, seed) as circuits:
            yield circuits

    def run_epoch(self, circuits, epoch: int) -> None:
        study, learn, sched = self.study, self.p["learning"], self.p["schedule"]
        L, settle = sched["pattern_length"], sched["settle_steps"]
        train_target = self.targets[0]
        orders = [pattern_order(self.p["experiment"]["seed"], s, epoch, len(study.train_inputs),
                                sched["learning_patterns"], sched["symmetrisation_patterns"])
                  for s in range(study.n_seeds)]
        learn_idx = np.array([o[0] for o in orders])[self.seed_of]   # (replica, pattern)
        sym_idx = np.array([o[1] for o in orders])[self.seed_of]
        for k in range(learn_idx.shape[1]):
            i = learn_idx[:, k]
            circuits.pattern(study.train_inputs[i], L, settle, targets=train_target[i], eta=self.eta, bp=self.bp,
                             sync=learn["sync_interval"])
        for k in range(sym_idx.shape[1]):
            i = sym_idx[:, k]
            circuits.pattern(study.train_inputs[i], L, settle, symmetrise=True, eta_sal=self.eta_sal, bp=self.bp)
        for v, x in enumerate(study.val_inputs):
            self.val_out[:, epoch, v] = circuits.pattern(np.repeat(x[None], study.n_replicas, axis=0), L, settle,
                                                         bp=self.bp)
        circuits.read_forward()
        for l in range(len(self.W_hist)):
            self.W_hist[l][:, epoch] = circuits.W[l]
        for l in range(len(self.B_hist)):
            self.B_hist[l][:, epoch] = circuits.B[l]

    def dataset(self, completed: int) -> xr.Dataset:
        study = self.study
        sizes, n_seeds, n_cond = study.sizes, study.n_seeds, len(study.conditions)
        n_hidden_layers = len(sizes) - 2
        dims = ("seed", "condition", "epoch")
        train_target, val_target = self.targets

        def shaped(x):
            return x.reshape(n_seeds, n_cond, *x.shape[1:])

        err = shaped(self.val_out) - val_target[None, None, None]
        data = {"loss": (dims, (err ** 2).mean(axis=(-1, -2))),
                "val_output": ((*dims, "val_pattern", "output"), shaped(self.val_out)),
                "train_target": (("train_pattern", "output"), train_target),
                "val_target": (("val_pattern", "output"), val_target),
                "train_input": (("train_pattern", "input"), study.train_inputs),
                "val_input": (("val_pattern", "input"), study.val_inputs)}
        for l, w in enumerate(self.W_hist):
            # neurons of layer k are dimension "layer{k}": W{l} is (layer l+1, layer l)
            data[f"W{l}"] = ((*dims, f"layer{l + 1}", f"layer{l}"), shaped(w))
            data[f"teacher_W{l}"] = ((f"layer{l + 1}", f"layer{l}"), study.teacher_W[l])
        for l, b in enumerate(self.B_hist):
            data[f"B{l}"] = ((*dims, f"layer{l + 1}", f"layer{l + 2}"), shaped(b))
        angle = np.stack([feedback_angle(self.B_hist[l], self.W_hist[l + 1]) for l in range(n_hidden_layers)],
                         axis=-1)
        data["angle"] = ((*dims, "hidden_layer"), shaped(angle))
        data["wrong_sign"] = (("seed", "hidden_layer"), shaped(angle[:, 0])[:, 0] > 90.0)
        return xr.Dataset(data, coords={"seed": np.arange(n_seeds), "condition": study.conditions,
                                        "epoch": np.arange(self.epochs + 1),
                                        "hidden_layer": np.arange(n_hidden_layers)},
                          attrs={"sizes": json.dumps(sizes)})


def summary(ds: xr.Dataset) -> str:
    """Median and IQR of the final validation loss per condition; the paper's comparisons."""
    done = completed_epochs(ds)
    final = ds.loss.sel(epoch=done)
    wrong = ds.wrong_sign.isel(hidden_layer=0).values
    lines = [f"{ds.attrs.get('name', 'microcircuit')}: {done} epochs, {ds.sizes['seed']} seeds, "
             f"{int(wrong.sum())} with B starting at more than 90 degrees from W_up^T",
             f"{'condition':>10} {'loss median [IQR]':>30} {'wrong-sign median':>18} {'angle median':>13}"]
    for cond in ds.condition.values:
        q = final.sel(condition=cond).quantile([0.25, 0.5, 0.75], dim="seed").values
        w = np.median(final.sel(condition=cond).values[wrong]) if wrong.any() else np.nan
        a = float(ds.angle.sel(condition=cond, epoch=done).isel(hidden_layer=0).median())
        lines.append(f"{cond:>10} {q[1]:12.4g} [{q[0]:.4g}, {q[2]:.4g}] {w:18.4g} {a:12.1f}°")
    conds = list(ds.condition.values)
    if "sal" in conds and "bp" in conds:
        r = float(final.sel(condition="sal").median() / final.sel(condition="bp").median())
        lines.append(f"median final loss SAL / BP = {r:.3g}")
    groups = [("wrong-sign seeds (initial B vs initial W_up)", wrong)]
    opposed = opposed_to_learned(ds, done)
    if opposed is not None:
        groups.append(("seeds whose initial B opposes the W_up that BP learns", opposed))
    if "sal" in conds and "fa" in conds:
        for label, mask in groups:
            if not mask.any():
                continue
            sal, fa = final.sel(condition="sal").values[mask], final.sel(condition="fa").values[mask]
            lines.append(f"{label}: {int(mask.sum())}; median loss FA {np.median(fa):.4g}, SAL {np.median(sal):.4g}; "
                         f"SAL below FA on {int((sal < fa).sum())} of {int(mask.sum())}")
    return "\n".join(lines)


def plot_microcircuit(ds, path):
    """Validation loss (median and IQR over seeds) per condition, with the wrong-sign seeds apart
    (Fig. 6c); W_up versus B trajectories for one-neuron layers (Fig. 6b), else the angle between
    B and W_up^T over training."""
    plt = pyplot()
    done = completed_epochs(ds)
    ds = ds.sel(epoch=slice(0, done))
    wrong = ds.wrong_sign.isel(hidden_layer=0).values
    opposed = opposed_to_learned(ds, done)
    groups = [("all seeds", np.ones_like(wrong))] + ([("B starts wrong-signed vs W_up", wrong)] if wrong.any() else [])
    if opposed is not None and opposed.any():
        groups.append(("B starts opposite to the learned W_up", opposed))
    fig, axes = plt.subplots(1, len(groups) + 1, figsize=(4.2 * (len(groups) + 1), 3.4))
    for ax, (title, mask) in zip(axes, groups):
        for k, cond in enumerate(ds.condition.values):
            quantile_band(ax, ds.epoch, ds.loss.sel(condition=cond).isel(seed=np.flatnonzero(mask)), "seed",
                          f"C{k}", str(cond).upper())
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation loss (MSE)")
        ax.set_title(f"{title} ({int(mask.sum())})", fontsize=9)
    axes[0].legend(fontsize=8)
    ax = axes[-1]
    top = ds[f"W{ds.sizes['hidden_layer']}"]
    if ds.B0.shape[-2:] == (1, 1) and top.shape[-2:] == (1, 1):
        for k, cond in enumerate(ds.condition.values):
            for seed in ds.seed.values:
                w = top.sel(condition=cond, seed=seed).values.ravel()
                b = ds.B0.sel(condition=cond, seed=seed).values.ravel()
                ax.plot(w, b, color=f"C{k}", lw=0.7, alpha=0.6, label=str(cond).upper() if seed == 0 else None)
                ax.plot(w[-1], b[-1], "o", color=f"C{k}", ms=3)
        lim = max(abs(float(top.min())), abs(float(top.max())), abs(float(ds.B0.min())), abs(float(ds.B0.max())))
        ax.plot([-lim, lim], [-lim, lim], "k:", lw=0.8)
        ax.set_xlabel("forward weight $W_{up}$ (output)")
        ax.set_ylabel("feedback weight $B$")
        ax.legend(fontsize=7)
    else:
        for k, cond in enumerate(ds.condition.values):
            quantile_band(ax, ds.epoch, ds.angle.sel(condition=cond).isel(hidden_layer=-1), "seed", f"C{k}",
                          str(cond).upper())
        ax.set_xlabel("epoch")
        ax.set_ylabel("angle(B, $W_{up}^T$) [deg]")
        ax.legend(fontsize=7)
    fig.suptitle(ds.attrs.get("name", "microcircuit"), fontsize=10)
    return save(fig, path)


def simulated_ms(protocol) -> float:
    """The longest kernel: the teacher's targets, the validation before training, or a segment."""
    sched = protocol["schedule"]
    validation = len(protocol["patterns"]["validation"])
    per_epoch = sched["learning_patterns"] + sched["symmetrisation_patterns"] + validation
    return float(max(protocol["teacher"]["target_steps"] + sched["settle_steps"], validation * sched["pattern_length"],
                     protocol["experiment"]["checkpoint_every"] * per_epoch * sched["pattern_length"]))

def neurons(protocol) -> int:
    """Every replica's pyramidal neurons and interneurons (at most twice the layers), or the teacher's
    replicas, one per pattern."""
    per_replica = 2 * sum(protocol["network"]["sizes"])
    patterns = len(protocol["patterns"]["training"]) + len(protocol["patterns"]["validation"])
    return per_replica * max(protocol["student"]["n_seeds"] * len(protocol["learning"]["conditions"]), patterns)

register(ExperimentKind(
    name="microcircuit",
    description="teacher-student learning in spiking dendritic microcircuits with FA, BP and SAL-aligned "
                "feedback (paper Fig. 6)",
    schema=SCHEMA, epochs=Microcircuit, check=make_study, plot=plot_microcircuit, summary=summary,
    experiment={"name": "microcircuit",
                "seed": Field(int, 1, seed_range, doc="student weights, pattern order and NEST streams")},
    simulated_ms=simulated_ms,
    neurons=neurons,
))
