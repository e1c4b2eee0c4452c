"""SAL alone aligns the feedback weights of a deep network's fully connected layers (paper Fig. 9).

The forward weights W and biases stay fixed; in every epoch the SAL-phase network
(:mod:`salnest.networks.sal_phase`: sampling neurons with ``u = W PSP(below) + B PSP(above) + b``)
runs ``epoch_steps`` steps and each B moves by ``eta_sal`` times its all-to-all SAL window sums
divided by 2 tau_ref, averaged over the copies (the reference's ``apply_fb_weight_update``). All
(rate, seed) pairs are independent replicas in one kernel; the seed draws W, B_0 and b as the
reference initialises its layers (PyTorch's default: U(+-1/sqrt(fan_in)) for W and B, biases
U(+-1/sqrt(n))), so the rates of one seed start from the same network. The metrics of
:mod:`salnest.analysis.alignment` are kept per rate, seed, epoch and feedback matrix.
"""

from __future__ import annotations

import contextlib
import json

import numpy as np
import xarray as xr

from salnest.analysis.alignment import METRICS
from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, quantile_band, save
from salnest.study.protocol import Field, at_least, distinct_positive, layer_sizes
from salnest.study.protocol import seed as seed_range
from salnest.study.registry import ExperimentKind, register
from salnest.study.results import completed_epochs

SCHEMA = {
    "network": {
        "sizes": Field(list, [400, 96, 48, 10], layer_sizes(2, "[n_0, ..., n_L]"),
                       doc="fully connected layer sizes, input first (the paper: [1600, 384, 192, 10])"),
        "tau_ref": Field(int, 10, at_least(1), doc="refractory period = PSP length = SAL window tau, in steps"),
        "copies": Field(int, 1, at_least(1), doc="parallel copies of a network sharing its weights (the batch)"),
    },
    "study": {
        "rates": Field(list, [0.01, 0.02, 0.04, 0.08], distinct_positive(float), doc="SAL learning rates eta_sal"),
        "n_seeds": Field(int, 5, at_least(1), doc="networks per rate, each from its own W, B_0, b"),
    },
    "schedule": {
        "epochs": Field(int, 100, at_least(1), doc="SAL phases, each followed by an update of B"),
        "epoch_steps": Field(int, 10_000, at_least(1), doc="steps per phase (the reference: 1,000 tau_ref)"),
    },
}


def initial_network(seed: int, k: int, sizes: list[int]):
    """W, B_0 and biases of seed ``k``, drawn from its own stream as the reference initialises them."""
    rng = np.random.default_rng([seed, k])
    W = [rng.uniform(-1, 1, (sizes[l + 1], sizes[l])) / np.sqrt(sizes[l]) for l in range(len(sizes) - 1)]
    B = [rng.uniform(-1, 1, (sizes[l], sizes[l + 1])) / np.sqrt(sizes[l + 1]) for l in range(len(sizes) - 1)]
    b = [rng.uniform(-1, 1, n) / np.sqrt(n) for n in sizes]
    return W, B, b




class SALAlignment(EpochRun):
    """Every (rate, seed) network, one SAL phase and update per epoch."""

    def __init__(self, protocol):
        self.p = protocol
        self.sizes = protocol["network"]["sizes"]
        self.rates = np.array(protocol["study"]["rates"], dtype=float)
        self.n_seeds = protocol["study"]["n_seeds"]
        self.epochs = protocol["schedule"]["epochs"]
        nets = [initial_network(protocol["experiment"]["seed"], k, self.sizes) for k in range(self.n_seeds)]
        self.W = [np.stack([net[0][l] for net in nets]) for l in range(len(self.sizes) - 1)]  # (seed, ...)
        self.B0 = [np.stack([net[1][l] for net in nets]) for l in range(len(self.sizes) - 1)]
        self.b = [np.stack([net[2][l] for net in nets]) for l in range(len(self.sizes))]

    def _per_replica(self, x: np.ndarray) -> np.ndarray:
        """(seed, ...) -> (rate * seed, ...): every rate starts from the seed's network."""
        return np.tile(x, (len(self.rates),) + (1,) * (x.ndim - 1))

    def start(self) -> None:
        self.B = [self._per_replica(b0) for b0 in self.B0]
        self.metrics = {name: np.full((len(self.rates) * self.n_seeds, self.epochs + 1, len(self.W)), np.nan)
                        for name in METRICS}
        self._measure(0)

    def restore(self, checkpoint: xr.Dataset) -> None:
        n = len(self.rates) * self.n_seeds
        self.B = [checkpoint[f"B{l}"].values.reshape(n, *self.B0[l].shape[1:]).copy() for l in range(len(self.W))]
        self.metrics = {name: checkpoint[name].transpose("rate", "seed", "epoch", "feedback").values
                        .reshape(n, self.epochs + 1, len(self.W)).copy() for name in METRICS}

    def _measure(self, epoch: int) -> None:
        for l in range(len(self.W)):
            W = self._per_replica(self.W[l])
            for name, f in METRICS.items():
                self.metrics[name][:, epoch, l] = f(self.B[l], W)

    @contextlib.contextmanager
    def open_segment(self, first_epoch: int, seed: int):
        from salnest.networks.kernel import kernel
        from salnest.networks.sal_phase import build_sal_phase

        net = self.p["network"]
        with kernel(seed, self.p["experiment"]["threads"]) as sim:
            phase = build_sal_phase(sim, self.sizes, net["copies"], net["tau_ref"],
                                    replicas=len(self.rates) * self.n_seeds)
            phase.set_state([self._per_replica(w) for w in self.W], self.B, [self._per_replica(b) for b in self.b])
            yield phase

    def run_epoch(self, phase, epoch: int) -> None:
        eta = np.repeat(self.rates, self.n_seeds)[:, None, None]
        self.B = phase.update_feedback(self.B, self.p["schedule"]["epoch_steps"], eta)
        self._measure(epoch)

    def dataset(self, completed: int) -> xr.Dataset:
        shape = (len(self.rates), self.n_seeds)
        dims = ("rate", "seed", "epoch", "feedback")
        data = {name: (dims, values.reshape(*shape, *values.shape[1:])) for name, values in self.metrics.items()}
        data["angle"] = (dims, data["angle"][1], {"units": "degree", "long_name": "angle(B, W^T)"})
        for l in range(len(self.W)):
            data[f"B{l}"] = (("rate", "seed", f"layer{l}", f"layer{l + 1}"),
                             self.B[l].reshape(*shape, *self.B[l].shape[1:]))
            data[f"W{l}"] = (("seed", f"layer{l + 1}", f"layer{l}"), self.W[l])
        return xr.Dataset(data, coords={"rate": self.rates, "seed": np.arange(self.n_seeds),
                                        "epoch": np.arange(self.epochs + 1), "feedback": np.arange(len(self.W))},
                          attrs={"sizes": json.dumps(self.sizes)})


def decay_rate(ds: xr.Dataset) -> xr.DataArray:
    """Initial decay of the angle, degrees per epoch over the first tenth of the epochs (at least
    one), median over seeds, per rate and feedback matrix."""
    done = completed_epochs(ds)
    k = max(1, done // 10)
    return ((ds.angle.isel(epoch=0) - ds.angle.sel(epoch=k)) / k).median("seed")


def summary(ds: xr.Dataset) -> str:
    """Final angle per rate and feedback matrix (median [IQR] over seeds), and the initial decay
    per unit of rate."""
    done = completed_epochs(ds)
    sizes = json.loads(ds.attrs.get("sizes", "[]"))
    final = ds.angle.sel(epoch=done)
    decay = decay_rate(ds)
    lines = [f"{ds.attrs.get('name', 'SAL alignment')}: sizes {sizes}, {done} epochs, {ds.sizes['seed']} seeds",
             f"{'rate':>6} {'B':>9} {'start [deg]':>11} {'final angle [deg]':>24} {'decay deg/epoch':>16} "
             f"{'decay / rate':>13}"]
    for rate in ds.rate.values:
        for l in ds.feedback.values:
            q = final.sel(rate=rate, feedback=l).quantile([0.25, 0.5, 0.75], dim="seed").values
            start = float(ds.angle.sel(rate=rate, feedback=l, epoch=0).median())
            d = float(decay.sel(rate=rate, feedback=l))
            label = f"{sizes[l]}x{sizes[l + 1]}" if sizes else str(l)
            lines.append(f"{rate:6g} {label:>9} {start:11.1f} {q[1]:10.1f} [{q[0]:.1f}, {q[2]:.1f}] {d:16.3g} "
                         f"{d / rate:13.3g}")
    return "\n".join(lines)


def plot_sal_alignment(ds, path):
    """Angle between B and W^T over epochs, one panel per feedback matrix, one band per rate."""
    plt = pyplot()
    done = completed_epochs(ds)
    ds = ds.sel(epoch=slice(0, done))
    sizes = json.loads(ds.attrs.get("sizes", "[]"))
    n = ds.sizes["feedback"]
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.2), squeeze=False)
    for l, ax in enumerate(axes[0]):
        for k, rate in enumerate(ds.rate.values):
            quantile_band(ax, ds.epoch, ds.angle.sel(rate=rate, feedback=l), "seed", f"C{k}", f"eta_sal = {rate:g}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("angle(B, $W^T$) [deg]")
        ax.set_title(f"B{l}: {sizes[l]} x {sizes[l + 1]}" if sizes else f"B{l}", fontsize=9)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(ds.attrs.get("name", "SAL alignment"), fontsize=10)
    return save(fig, path)


register(ExperimentKind(
    name="sal_alignment",
    description="SAL alone aligns the feedback weights of a deep network's fully connected layers in NEST "
                "(paper Fig. 9)",
    schema=SCHEMA, epochs=SALAlignment, plot=plot_sal_alignment, summary=summary,
    experiment={"checkpoint_every": 10, "seed": Field(int, 1, seed_range, doc="the networks and NEST's streams")},
    simulated_ms=lambda p: float(p["experiment"]["checkpoint_every"] * p["schedule"]["epoch_steps"]),
    neurons=lambda p: (sum(p["network"]["sizes"]) * p["network"]["copies"] * len(p["study"]["rates"])
                       * p["study"]["n_seeds"]),
))
