"""A deep network trained under BP, FA, sign-concordant FA, Kolen-Pollack, SAL and RDD (paper Fig. 8).

Every (condition, seed) is one :class:`salnest.deep.net.ConvNet` trained with SGD on the
protocol's dataset (:mod:`salnest.deep.training`); an epoch is one pass over the training images.
Before the training pass of an epoch the ``sal`` networks get B from a SAL phase and the ``rdd``
networks from an RDD phase, both NEST simulations of the FC layers (:mod:`salnest.deep.phases`):
the FC weights, biases and B are copied in, the phase runs, B is copied back.

The seeds of a condition start from the networks PyTorch draws from ``seed * 1000 + k``, so
``fa``, ``sal`` and ``rdd`` (the same layer types) start from the same network per seed; batch
order and augmentation are drawn per (seed, epoch) and shared by the conditions. Kept per
epoch: test accuracy and loss, training loss, the metrics of :mod:`salnest.analysis.alignment` of the
feedback each FC layer actually uses (W^T under bp and bp_fa_conv, ``|B| sign(W^T)`` under
scfa) at the end of the epoch and, for sal and rdd, right after the phase; wall time of each
part. The checkpoint holds every network's parameters, BatchNorm statistics and momentum, so a
stopped run resumes. PyTorch is an optional dependency (``pip install salnest[deep]``).
"""

from __future__ import annotations

import json
import time

import numpy as np
import xarray as xr

from salnest.analysis.alignment import METRICS, feedback_angle
from salnest.deep.conditions import CONDITIONS, LABELS
from salnest.deep.phases import phase_kernel, rdd_feedback, sal_feedback
from salnest.deep.training import Images, augment_mode, evaluate, train_pass
from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, save
from salnest.study.protocol import (
    Field,
    ProtocolError,
    at_least,
    distinct_choices,
    fraction,
    layer_sizes,
    one_of,
    positive,
    shown,
)
from salnest.study.protocol import (
    seed as seed_range,
)
from salnest.study.registry import ExperimentKind, register
from salnest.study.results import completed_epochs

DATASETS = ("mnist5k", "digits", "mnist", "fashion_mnist", "cifar10", "svhn")
#: Epochs over which the reported test accuracy is averaged (the paper: the last 5).
LAST_EPOCHS = 5


def _device(value):
    return None if value == "cpu" or value == "cuda" or value.startswith("cuda:") else \
        f"must be 'cpu', 'cuda' or 'cuda:N', got {shown(value)}"


SCHEMA = {
    "data": {
        "dataset": Field(str, "mnist5k", one_of(*DATASETS),
                         doc="mnist5k and digits ship offline; mnist, fashion_mnist, cifar10, svhn are read from root"),
        "root": Field(str, "", doc="folder with the files of a dataset read from disk (salnest.deep.datasets)"),
        "augment": Field(str, "reference", one_of("reference", "none", "flip", "crop_flip"),
                         doc="training augmentation: reference (crop_flip for cifar10 and svhn, flip otherwise), "
                             "none, flip (horizontal), crop_flip (random crop after 4-pixel padding, and flip)"),
        "n_train": Field(int, 0, at_least(0), doc="use the first n_train training images (0: all)"),
        "n_test": Field(int, 0, at_least(0), doc="use the first n_test test images (0: all)"),
    },
    "network": {
        "channels": Field(int, 64, at_least(1), doc="channels of both conv layers (the paper: 64)"),
        "hidden": Field(list, [384, 192], layer_sizes(1, "a non-empty list of widths"),
                        doc="hidden FC widths (the paper: 384, 192)"),
    },
    "training": {
        "conditions": Field(list, list(CONDITIONS), distinct_choices(CONDITIONS, "condition"),
                            doc="bp, bp_fa_conv, fa, scfa, kp, sal, rdd (salnest.deep.net)"),
        "n_seeds": Field(int, 3, at_least(1), doc="networks per condition"),
        "epochs": Field(int, 30, at_least(1), doc="passes over the training images"),
        "batch_size": Field(int, 128, at_least(2), doc="images per SGD step"),
        "lr": Field(float, 0.01, positive, doc="SGD learning rate"),
        "momentum": Field(float, 0.9, at_least(0.0), doc="SGD momentum"),
        "kp_weight_decay": Field(float, 0.001, at_least(0.0), doc="Kolen-Pollack's weight decay on W and B"),
        "device": Field(str, "cpu", _device, doc="PyTorch device of the training: cpu or cuda[:N]"),
    },
    "sal": {
        "copies": Field(int, 8, at_least(1), doc="parallel copies of the FC network sharing its weights "
                                                 "(the reference: 32)"),
        "iterations": Field(int, 5, at_least(1), doc="B updates per phase"),
        "iteration_steps": Field(int, 2000, at_least(1), doc="steps per update (the reference: 2,000)"),
        "eta_sal": Field(float, 0.04, positive, doc="SAL rate, on the copies' mean window sum / (2 tau_ref)"),
        "tau_ref": Field(int, 10, at_least(1), doc="refractory period = PSP length = SAL window tau, in steps"),
    },
    "rdd": {
        "seconds": Field(int, 30, at_least(1), doc="seconds of drive per FC layer and phase (the reference: 30, "
                                                   "a third of its 90 s)"),
        "rescale_every": Field(int, 10, at_least(1), doc="seconds between rescales of B from the estimates"),
        "forward_scale": Field(float, 0.2, positive, doc="forward weights forward_scale * n_in * W / std(W)"),
        "drive_fraction": Field(float, 0.2, fraction,
                                doc="fraction of lower units driven in a period"),
        "drive_rate": Field(float, 0.2, positive, doc="mean driving spikes per ms of a driven unit (Poisson)"),
        "drive_weight": Field(float, 4.0, positive, doc="weight of a driving spike"),
        "drive_period": Field(int, 100, at_least(1), doc="ms between draws of the driven units"),
        "eta_rdd": Field(float, 0.001, positive, doc="LMS learning rate of the estimator"),
    },
}


def _load_data(protocol):
    from salnest.deep.datasets import load

    data = protocol["data"]
    return load(data["dataset"], data["root"] or None)


def check(protocol) -> None:
    """Everything that would fail later: PyTorch, the device, the dataset and its image size, MPI."""
    from salnest.deep.datasets import DatasetError
    from salnest.parallel import num_processes

    if num_processes() > 1:
        raise ProtocolError("deep_training runs in one process (NEST threads: --threads); under mpirun every rank "
                            "would train its own networks. The phases alone run under MPI: "
                            "pynn_networks/sal_phase.py, pynn_networks/rdd_phase.py")

    try:
        import torch
    except ImportError:
        raise ProtocolError("deep_training needs PyTorch: pip install 'salnest[deep]'") from None
    device = protocol["training"]["device"]
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ProtocolError(f"training.device = {shown(device)}, but PyTorch sees no CUDA device here; use 'cpu'")
    try:
        data = _load_data(protocol)
    except DatasetError as err:
        raise ProtocolError(f"data: {err}") from None
    if min(data.shape[1:]) < 16:
        raise ProtocolError(f"data: {data.name} images are {data.shape[1]}x{data.shape[2]}; the two conv blocks "
                            f"need at least 16x16")
    rdd = protocol["rdd"]
    if rdd["seconds"] % rdd["rescale_every"]:
        raise ProtocolError(f"rdd.seconds ({rdd['seconds']}) must be a multiple of rdd.rescale_every "
                            f"({rdd['rescale_every']}): B is set from the estimates at the end of a phase")


class DeepTraining(EpochRun):
    """Every (condition, seed) network; per epoch the spiking phases, then one training pass."""

    def __init__(self, protocol):
        import torch

        from salnest.deep import net as deep_net

        self.p = protocol
        exp, train = protocol["experiment"], protocol["training"]
        torch.set_num_threads(exp["threads"])
        self.device = torch.device(train["device"])
        self.conditions, self.n_seeds, self.epochs = train["conditions"], train["n_seeds"], train["epochs"]
        data = _load_data(protocol)
        self.images = Images.of(data, protocol["data"]["n_train"] or None, protocol["data"]["n_test"] or None,
                                self.device)
        self.augment = augment_mode(data.name, protocol["data"]["augment"])
        self.dataset_name, self.n_classes = data.name, data.n_classes
        self.nets, self.optimizers = {}, {}
        for c in self.conditions:
            for k in range(self.n_seeds):
                torch.manual_seed(exp["seed"] * 1000 + k)
                net = deep_net.ConvNet(c, data.shape, data.n_classes, tuple(protocol["network"]["hidden"]),
                                       channels=protocol["network"]["channels"]).to(self.device)
                self.nets[c, k] = net
                self.optimizers[c, k] = net.optimizer(train["lr"], train["momentum"], train["kp_weight_decay"])
        self.sizes = self.nets[self.conditions[0], 0].sizes
        n_fc = len(self.sizes) - 1
        shape = (len(self.conditions), self.n_seeds, self.epochs + 1)
        self.records = {name: np.full(shape, np.nan) for name in ("test_accuracy", "test_loss", "train_loss",
                                                                   "train_time")}
        self.records.update({name: np.full(shape + (n_fc,), np.nan) for name in METRICS})
        self.records["angle_after_phase"] = np.full(shape + (n_fc,), np.nan)
        self.records["phase_time"] = np.full((len(self.conditions), self.epochs + 1), np.nan)
        rng = np.random.default_rng([exp["seed"], 17])
        # the input layer's biases of the SAL phase, which the network does not have (the reference draws them once)
        self.input_bias = rng.uniform(-1, 1, (self.n_seeds, self.sizes[0])) / np.sqrt(self.sizes[0])
        self.fits = None  # RDD estimator state per FC layer, (seed, n_l, n_(l+1), 4)
        self.B0_std = None

    # ---- state -------------------------------------------------------------------------------
    def start(self) -> None:
        if "rdd" in self.conditions:
            self.B0_std = np.array([[self.nets["rdd", k].used_feedback()[l].std() for l in range(len(self.sizes) - 1)]
                                    for k in range(self.n_seeds)])
            self.fits = [np.zeros((self.n_seeds, self.sizes[l], self.sizes[l + 1], 4))
                         for l in range(len(self.sizes) - 1)]
        for c in self.conditions:
            for k in range(self.n_seeds):
                self._measure(c, k, 0)

    def restore(self, checkpoint: xr.Dataset) -> None:
        from salnest.deep.net import load_state_vector

        for i, c in enumerate(self.conditions):
            n = int(checkpoint.state_length.sel(condition=c))
            for k in range(self.n_seeds):
                load_state_vector(self.nets[c, k], self.optimizers[c, k],
                                  checkpoint.state.sel(condition=c, seed=k).values[:n])
        for name, values in self.records.items():
            values[...] = checkpoint[name].values
        if "rdd" in self.conditions:
            self.B0_std = checkpoint.rdd_B0_std.values.copy()
            self.fits = [checkpoint[f"rdd_fits{l}"].values.copy() for l in range(len(self.sizes) - 1)]

    # ---- metrics -----------------------------------------------------------------------------
    def _measure(self, c: str, k: int, epoch: int) -> None:
        i = self.conditions.index(c)
        net = self.nets[c, k]
        for l, (B, W) in enumerate(zip(net.used_feedback(), net.forward_weights())):
            for name, f in METRICS.items():
                self.records[name][i, k, epoch, l] = f(B, W)
        loss, accuracy = evaluate(net, self.images)
        self.records["test_loss"][i, k, epoch] = loss
        self.records["test_accuracy"][i, k, epoch] = accuracy

    # ---- epochs ------------------------------------------------------------------------------
    def open_segment(self, first_epoch: int, seed: int):
        return phase_kernel(seed, self.p["experiment"]["threads"], self.sizes, self.n_seeds, self.conditions,
                            self.p["sal"], self.p["rdd"], self.fits)

    def run_epoch(self, phases, epoch: int) -> None:
        for i, c in enumerate(self.conditions):
            if c in phases:
                started = time.perf_counter()
                nets = [self.nets[c, k] for k in range(self.n_seeds)]
                if c == "sal":
                    B = sal_feedback(phases, nets, self.input_bias, self.p["sal"])
                else:
                    B, self.fits = rdd_feedback(phases, nets, self.B0_std, self.p["rdd"], self.p["experiment"]["seed"],
                                                epoch)
                for k, net in enumerate(nets):
                    net.set_feedback([b[k] for b in B])
                    self.records["angle_after_phase"][i, k, epoch] = [
                        feedback_angle(b, w) for b, w in zip(net.used_feedback(), net.forward_weights())]
                self.records["phase_time"][i, epoch] = time.perf_counter() - started
            for k in range(self.n_seeds):
                started = time.perf_counter()
                rng = np.random.default_rng([self.p["experiment"]["seed"], k, epoch])  # shared by the conditions
                self.records["train_loss"][i, k, epoch] = train_pass(self.nets[c, k], self.optimizers[c, k],
                                                                     self.images, self.p["training"]["batch_size"],
                                                                     self.augment, rng)
                self.records["train_time"][i, k, epoch] = time.perf_counter() - started
                self._measure(c, k, epoch)

    # ---- results -----------------------------------------------------------------------------
    def dataset(self, completed: int) -> xr.Dataset:
        from salnest.deep.net import state_vector

        vectors = {key: state_vector(net, self.optimizers[key]) for key, net in self.nets.items()}
        length = max(len(v) for v in vectors.values())
        state = np.full((len(self.conditions), self.n_seeds, length), np.nan, dtype=np.float32)
        for (c, k), v in vectors.items():
            state[self.conditions.index(c), k, :len(v)] = v
        lengths = [len(vectors[c, 0]) for c in self.conditions]
        fc = ("condition", "seed", "epoch", "fc")
        data = {name: (fc if v.ndim == 4 else ("condition", "seed", "epoch")[:v.ndim] if name != "phase_time"
                       else ("condition", "epoch"), v) for name, v in self.records.items()}
        data["state"] = (("condition", "seed", "parameter"), state)
        data["state_length"] = (("condition",), np.array(lengths))
        if self.fits is not None:
            data["rdd_B0_std"] = (("seed", "fc"), self.B0_std)
            for l, f in enumerate(self.fits):
                data[f"rdd_fits{l}"] = (("seed", f"rdd_lower{l}", f"rdd_upper{l}", "fit"), f)
        ds = xr.Dataset(data, coords={"condition": list(self.conditions), "seed": np.arange(self.n_seeds),
                                      "epoch": np.arange(self.epochs + 1), "fc": np.arange(len(self.sizes) - 1)},
                        attrs={"sizes": json.dumps(self.sizes), "dataset": self.dataset_name,
                               "augment": self.augment, "n_train": len(self.images.y_train),
                               "n_test": len(self.images.y_test)})
        ds.angle.attrs.update(units="degree", long_name="angle(B used, W^T), end of epoch")
        ds.angle_after_phase.attrs.update(units="degree", long_name="angle(B, W^T) right after the spiking phase")
        ds.test_accuracy.attrs["units"] = "%"
        ds.train_time.attrs["units"] = ds.phase_time.attrs["units"] = "s"
        return ds


def final_accuracy(ds: xr.Dataset) -> xr.DataArray:
    """Test accuracy averaged over the last :data:`LAST_EPOCHS` completed epochs, per condition and seed."""
    done = completed_epochs(ds)
    return ds.test_accuracy.sel(epoch=slice(max(1, done - LAST_EPOCHS + 1), done)).mean("epoch")


def summary(ds: xr.Dataset) -> str:
    """Test accuracy (mean of the last epochs, mean +- s.d. over seeds), final angles per FC layer,
    wall time per epoch part, and BP's change of accuracy over the last epochs."""
    done = completed_epochs(ds)
    sizes = json.loads(ds.attrs.get("sizes", "[]"))
    acc = final_accuracy(ds)
    lines = [f"{ds.attrs.get('name', 'deep training')}: {ds.attrs.get('dataset')}, FC {sizes}, {done} epochs, "
             f"{ds.sizes['seed']} seeds; accuracy = mean of epochs {max(1, done - LAST_EPOCHS + 1)}-{done}",
             f"{'condition':>20} {'test accuracy [%]':>18} " + " ".join(f"{'angle fc' + str(l) + ' [deg]':>14}"
                                                                          for l in ds.fc.values)
             + f" {'train s/epoch':>13} {'phase s/epoch':>13}"]
    for c in ds.condition.values:
        a = acc.sel(condition=c)
        angles = " ".join(f"{float(ds.angle.sel(condition=c, epoch=done, fc=l).mean()):14.1f}" for l in ds.fc.values)
        train = float(ds.train_time.sel(condition=c, epoch=slice(1, done)).sum("seed").mean())
        phase = float(ds.phase_time.sel(condition=c, epoch=slice(1, done)).mean())
        lines.append(f"{LABELS.get(str(c), str(c)):>20} {float(a.mean()):10.2f} +- {float(a.std()):4.2f} {angles} "
                     f"{train:13.1f} {'-' if np.isnan(phase) else f'{phase:.1f}':>13}")
    if "bp" in ds.condition.values and done > LAST_EPOCHS:
        bp = ds.test_accuracy.sel(condition="bp").mean("seed")
        change = float(bp.sel(epoch=slice(done - LAST_EPOCHS, done)).max() - bp.sel(epoch=slice(done - LAST_EPOCHS,
                                                                                                 done)).min())
        lines.append(f"BP's mean test accuracy varied by {change:.2f} % over epochs {done - LAST_EPOCHS}-{done}")
    return "\n".join(lines)


def plot_deep_training(ds, path):
    """Test accuracy and, per FC layer, the angle of the feedback used against epoch (mean +- s.d.)."""
    plt = pyplot()
    done = completed_epochs(ds)
    ds = ds.sel(epoch=slice(0, done))
    n = ds.sizes["fc"]
    sizes = json.loads(ds.attrs.get("sizes", "[]"))
    fig, axes = plt.subplots(1, n + 1, figsize=(3.6 * (n + 1), 3.2))
    for j, c in enumerate(ds.condition.values):
        color, label = f"C{j}", LABELS.get(str(c), str(c))
        for ax, data in [(axes[0], ds.test_accuracy.sel(condition=c))] + [
                (axes[l + 1], ds.angle.sel(condition=c, fc=l)) for l in range(n)]:
            m, s = data.mean("seed"), data.std("seed")
            ax.plot(ds.epoch, m, color=color, label=label)
            ax.fill_between(ds.epoch, m - s, m + s, color=color, alpha=0.2)
    # the first epoch's climb from chance would hide the differences between conditions
    axes[0].set_ylim(float(ds.test_accuracy.sel(epoch=slice(min(2, done), done)).min()) - 2, 100)
    axes[0].set_ylabel("test accuracy [%]")
    axes[0].legend(fontsize=7)
    for l in range(n):
        axes[l + 1].set_ylabel("angle(B, $W^T$) [deg]")
        axes[l + 1].set_title(f"fc{l}: {sizes[l]} -> {sizes[l + 1]}" if sizes else f"fc{l}", fontsize=9)
    for ax in axes:
        ax.set_xlabel("epoch")
    fig.suptitle(f"{ds.attrs.get('name', 'deep training')} ({ds.attrs.get('dataset')})", fontsize=10)
    return save(fig, path)


def simulated_ms(protocol) -> float:
    """A segment of epochs, each with a SAL phase and an RDD phase (both share the kernel)."""
    sal, rdd = protocol["sal"], protocol["rdd"]
    return float(protocol["experiment"]["checkpoint_every"]
                 * (sal["iterations"] * sal["iteration_steps"] + rdd["seconds"] * 1000))

def neurons(protocol) -> int:
    """The SAL phase's copies of the FC layers and the RDD phase's pairs of layers, for every seed; the
    input layer is at most 25 values per channel (two conv blocks on images of up to 32x32)."""
    n = protocol["training"]["n_seeds"]
    layers = 25 * protocol["network"]["channels"] + sum(protocol["network"]["hidden"]) + 10
    return n * layers * (protocol["sal"]["copies"] + 2)

register(ExperimentKind(
    name="deep_training",
    description="a conv net trained under BP, FA, sign-concordant FA, Kolen-Pollack, SAL and RDD, with the SAL and "
                "RDD phases in NEST (paper Fig. 8)",
    schema=SCHEMA, epochs=DeepTraining, check=check, plot=plot_deep_training, summary=summary,
    experiment={"checkpoint_every": 5, "seed": Field(int, 1, seed_range, doc="networks, data order, NEST's streams")},
    simulated_ms=simulated_ms,
    neurons=neurons,
))
