"""A deep network trained under BP, FA, sign-concordant FA, Kolen-Pollack, SAL and RDD (paper Fig. 8).

Every (condition, seed) is one :class:`salnest.deep.net.ConvNet` trained with SGD on the
protocol's dataset; an epoch is one pass over the training images. Before the training pass of
an epoch the ``sal`` networks get B from a SAL phase and the ``rdd`` networks from an RDD phase,
both NEST simulations of the FC layers (:mod:`salnest.networks.sal_phase`,
:mod:`salnest.networks.rdd_phase`): the FC weights, biases and B are copied in, the phase runs, B is
copied back. All seeds of a condition run in one phase network, built once per segment and
reused; when both phases share a kernel the one not running is frozen (NEST does not update
frozen nodes), so neither pays for the other.

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

import contextlib
import json
import time

import numpy as np
import xarray as xr

from salnest.analysis.alignment import correlation, feedback_angle, normalised_difference_variance, sign_agreement
from salnest.deep.conditions import CONDITIONS, LABELS
from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, save
from salnest.study.protocol import Field, ProtocolError, at_least, distinct_choices, one_of, positive
from salnest.study.registry import ExperimentKind, register

DATASETS = ("mnist5k", "digits", "mnist", "fashion_mnist", "cifar10", "svhn")
#: The reference's augmentation: random crop (pad 4) and flip for CIFAR-10 and SVHN, flip for the rest.
REFERENCE_AUGMENT = {"cifar10": "crop_flip", "svhn": "crop_flip"}
METRICS = {"angle": feedback_angle, "sign_agreement": sign_agreement, "correlation": correlation,
           "difference_variance": normalised_difference_variance}
#: Epochs over which the reported test accuracy is averaged (the paper: the last 5).
LAST_EPOCHS = 5


def _widths(values):
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
        return f"must be a non-empty list of integers >= 1, got {values!r}"
    return None


def _device(value):
    return None if value == "cpu" or value == "cuda" or value.startswith("cuda:") else \
        f"must be 'cpu', 'cuda' or 'cuda:N', got {value!r}"


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
        "hidden": Field(list, [384, 192], _widths, doc="hidden FC widths (the paper: 384, 192)"),
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
        "drive_fraction": Field(float, 0.2, lambda v: None if 0 < v <= 1 else f"must lie in (0, 1], got {v}",
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
        raise ProtocolError(f"training.device = {device!r}, but PyTorch sees no CUDA device here; use 'cpu'")
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
        self.torch, self.device = torch, torch.device(train["device"])
        self.conditions, self.n_seeds, self.epochs = train["conditions"], train["n_seeds"], train["epochs"]
        data = _load_data(protocol)
        n_train, n_test = protocol["data"]["n_train"] or None, protocol["data"]["n_test"] or None
        x, self.y_train = data.x_train[:n_train], data.y_train[:n_train]
        mean = x.mean(axis=(0, 2, 3), keepdims=True)
        std = x.std(axis=(0, 2, 3), keepdims=True)
        self.x_train = torch.as_tensor((x - mean) / std, device=self.device)
        self.x_test = torch.as_tensor((data.x_test[:n_test] - mean) / std, device=self.device)
        self.y_test = data.y_test[:n_test]
        self.augment = REFERENCE_AUGMENT.get(data.name, "flip") if protocol["data"]["augment"] == "reference" \
            else protocol["data"]["augment"]
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
        loss, accuracy = self._evaluate(net)
        self.records["test_loss"][i, k, epoch] = loss
        self.records["test_accuracy"][i, k, epoch] = accuracy

    def _evaluate(self, net) -> tuple[float, float]:
        torch = self.torch
        net.eval()
        losses, correct = 0.0, 0
        y = torch.as_tensor(self.y_test, device=self.device)
        with torch.no_grad():
            for start in range(0, len(y), 1000):
                out = net(self.x_test[start:start + 1000])
                losses += float(torch.nn.functional.cross_entropy(out, y[start:start + 1000], reduction="sum"))
                correct += int((out.argmax(1) == y[start:start + 1000]).sum())
        return losses / len(y), 100.0 * correct / len(y)

    # ---- epochs ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def open_segment(self, first_epoch: int, seed: int):
        spiking = [c for c in self.conditions if c in ("sal", "rdd")]
        if not spiking:
            yield {}
            return
        from salnest.compat.torch import nest_section
        from salnest.networks.kernel import setup

        with nest_section():
            sim = setup(seed, self.p["experiment"]["threads"])
        try:
            with nest_section():
                phases = {}
                if "sal" in spiking:
                    from salnest.networks.sal_phase import build_sal_phase

                    sal = self.p["sal"]
                    phases["sal"] = build_sal_phase(sim, self.sizes, sal["copies"], sal["tau_ref"],
                                                    replicas=self.n_seeds, index=False)
                if "rdd" in spiking:
                    from salnest.networks.rdd_phase import build_rdd_phase

                    rdd = self.p["rdd"]
                    phases["rdd"] = build_rdd_phase(sim, self.sizes, self.n_seeds, rdd["drive_weight"],
                                                    index=False, eta_rdd=rdd["eta_rdd"])
                    phases["rdd"].set_fits(self.fits)
                for phase in phases.values():  # once every connection is made (SALPhase.index)
                    phase.index()
            yield phases
        finally:
            with nest_section():
                sim.end()

    def run_epoch(self, phases, epoch: int) -> None:
        from salnest.compat.torch import nest_section

        for i, c in enumerate(self.conditions):
            if c in phases:
                started = time.perf_counter()
                with nest_section():
                    for other, phase in phases.items():  # NEST skips frozen nodes
                        phase.nodes().set(frozen=other != c)
                    B = self._sal_phase(phases[c]) if c == "sal" else self._rdd_phase(phases[c], epoch)
                for k in range(self.n_seeds):
                    net = self.nets[c, k]
                    net.set_feedback([b[k] for b in B])
                    self.records["angle_after_phase"][i, k, epoch] = [
                        feedback_angle(b, w) for b, w in zip(net.used_feedback(), net.forward_weights())]
                self.records["phase_time"][i, epoch] = time.perf_counter() - started
            for k in range(self.n_seeds):
                started = time.perf_counter()
                self.records["train_loss"][i, k, epoch] = self._train(c, k, epoch)
                self.records["train_time"][i, k, epoch] = time.perf_counter() - started
                self._measure(c, k, epoch)

    def _stacked(self, c: str):
        nets = [self.nets[c, k] for k in range(self.n_seeds)]
        W = [np.stack(ws) for ws in zip(*(n.forward_weights() for n in nets))]
        B = [np.stack(bs) for bs in zip(*(n.used_feedback() for n in nets))]
        b = [np.stack(bs) for bs in zip(*(n.biases() for n in nets))]
        return W, B, b

    def _sal_phase(self, phase) -> list[np.ndarray]:
        sal = self.p["sal"]
        W, B, b = self._stacked("sal")
        phase.set_state(W, B, [self.input_bias] + b)
        for _ in range(sal["iterations"]):
            sums = phase.run(sal["iteration_steps"])
            B = [x + sal["eta_sal"] * s / (2 * sal["tau_ref"]) for x, s in zip(B, sums)]
            phase.set_feedback(B)
        return B

    def _rdd_phase(self, phase, epoch: int) -> list[np.ndarray]:
        from salnest.networks.rdd_phase import forward_scale
        from salnest.networks.weight_inference import rdd_feedback
        from salnest.stimulus.trains import subset_trains

        rdd = self.p["rdd"]
        W, B, _ = self._stacked("rdd")
        phase.set_forward([forward_scale(w, rdd["forward_scale"]) for w in W])
        seed = self.p["experiment"]["seed"]
        for second in range(rdd["seconds"]):
            phase.second([np.hstack([subset_trains(np.random.default_rng([seed, k, l, epoch, second]), n, 1000,
                                                   rdd["drive_period"], rdd["drive_fraction"], rdd["drive_rate"],
                                                   poisson=True) for k in range(self.n_seeds)])
                          for l, n in enumerate(self.sizes[:-1])])
            if (second + 1) % rdd["rescale_every"] == 0:
                beta, self.fits = phase.estimates()
                B = [rdd_feedback(beta[l], B[l], self.B0_std[:, l]) for l in range(len(B))]
        return B

    def _train(self, c: str, k: int, epoch: int) -> float:
        """One pass over the training images in the (seed, epoch) order; mean training loss."""
        torch = self.torch
        net, optimizer = self.nets[c, k], self.optimizers[c, k]
        rng = np.random.default_rng([self.p["experiment"]["seed"], k, epoch])
        order = rng.permutation(len(self.y_train))
        batch = self.p["training"]["batch_size"]
        starts = [s for s in range(0, len(order), batch) if len(order) - s >= 2]  # BatchNorm needs 2 images
        flips = rng.random(len(order)) < 0.5
        shifts = rng.integers(-4, 5, (len(order), 2))
        y = torch.as_tensor(self.y_train, device=self.device)
        net.train()
        total = 0.0
        for s in starts:
            idx = order[s:s + batch]
            x = augment(self.x_train[idx], self.augment, flips[s:s + batch], shifts[s:s + batch])
            loss = torch.nn.functional.cross_entropy(net(x), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(idx)
        return total / sum(len(order[s:s + batch]) for s in starts)

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
                               "augment": self.augment, "n_train": len(self.y_train), "n_test": len(self.y_test)})
        ds.angle.attrs.update(units="degree", long_name="angle(B used, W^T), end of epoch")
        ds.angle_after_phase.attrs.update(units="degree", long_name="angle(B, W^T) right after the spiking phase")
        ds.test_accuracy.attrs["units"] = "%"
        ds.train_time.attrs["units"] = ds.phase_time.attrs["units"] = "s"
        return ds


def augment(x, mode: str, flips: np.ndarray, shifts: np.ndarray):
    """A batch (n, c, h, w) flipped horizontally where ``flips``, and for ``crop_flip`` also shifted
    by ``shifts`` (n, 2) pixels in [-4, 4] with zeros coming in (a random 32x32 crop of the image
    padded by 4)."""
    import torch

    if mode == "none":
        return x
    x = torch.where(torch.as_tensor(flips, device=x.device)[:, None, None, None], x.flip(-1), x)
    if mode == "crop_flip":
        h, w = x.shape[-2:]
        padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
        x = torch.stack([padded[j, :, 4 + dy:4 + dy + h, 4 + dx:4 + dx + w] for j, (dy, dx) in enumerate(shifts)])
    return x


def completed(ds: xr.Dataset) -> int:
    return int(ds.attrs.get("completed_epochs", ds.epoch.values[-1]))


def final_accuracy(ds: xr.Dataset) -> xr.DataArray:
    """Test accuracy averaged over the last :data:`LAST_EPOCHS` completed epochs, per condition and seed."""
    done = completed(ds)
    return ds.test_accuracy.sel(epoch=slice(max(1, done - LAST_EPOCHS + 1), done)).mean("epoch")


def summary(ds: xr.Dataset) -> str:
    """Test accuracy (mean of the last epochs, mean +- s.d. over seeds), final angles per FC layer,
    wall time per epoch part, and BP's change of accuracy over the last epochs."""
    done = completed(ds)
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
    done = completed(ds)
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


register(ExperimentKind(
    name="deep_training",
    description="a conv net trained under BP, FA, sign-concordant FA, Kolen-Pollack, SAL and RDD, with the SAL and "
                "RDD phases in NEST (paper Fig. 8)",
    schema=SCHEMA, epochs=DeepTraining, check=check, plot=plot_deep_training, summary=summary,
    experiment={"checkpoint_every": 5, "seed": Field(int, 1, at_least(1), doc="networks, data order, NEST's streams")},
))
