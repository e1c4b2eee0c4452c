"""How exactly do networks of sampling neurons sample their Boltzmann distribution? (docs/models.md)

The discrete-time sampling neuron samples p(z) ∝ exp(b^T z + z^T W z / 2) only approximately:
D_KL(p* || p) of a long run does not go to zero, it levels off at a bias of the model that
shrinks as tau_ref grows. This kind measures that bias on a grid of network sizes, weight
scales and refractory periods, with the sampling-noise floor of every measurement beside it.

For each (size n, weight scale s) one network is drawn: W symmetric with entries U(-s, s), b
with entries U(b_range). Each epoch simulates one (n, s, tau_ref) configuration in its own
kernel: ``replicas`` independent copies of the network (static weights: SAL synapses in
accumulate mode), each sampled for ``steps`` steps. ``dkl`` is D_KL(p* || p) of the pooled
distribution; the floor is what finite sampling adds to it. With R replicas of T steps,
E[D_KL(p_T)] ≈ bias + f(T) and D_KL(pooled) ≈ bias + f(T)/R, so the floor of the pooled
estimate is ``(mean_r D_KL(p_r) - D_KL(pooled)) / (R - 1)``.
"""

from __future__ import annotations

import contextlib

import numpy as np
import xarray as xr

from salnest.experiments._shared import check_simulator
from salnest.networks.sampling_network import BUILDERS, BUILDERS_DOC
from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, save
from salnest.study.protocol import Field, at_least, distinct_positive, one_of, pair_of_numbers
from salnest.study.protocol import seed as seed_range
from salnest.study.registry import ExperimentKind, register
from salnest.theory.boltzmann import boltzmann_distribution, kl_divergence

#: Steps per sample() call: bounds the spikes a recorder holds at a time.
CHUNK = 250_000


def _network_sizes(values):
    return distinct_positive(int)(values) or (None if max(values) <= 20 else
                                              f"at most 20 neurons (all 2^n states are enumerated), got {max(values)}")


SCHEMA = {
    "networks": {
        "sizes": Field(list, [3, 6], _network_sizes,
                       doc="numbers of neurons (at most 20: all 2^n states are enumerated)"),
        "weight_scales": Field(list, [0.5, 1.5], distinct_positive(float),
                               doc="s of the symmetric weights W_ij = W_ji ~ U(-s, s)"),
        "b_range": Field(list, [-1.2, 0.8], pair_of_numbers, doc="biases ~ U(lo, hi)"),
        "model": Field(str, "sampling_neuron", one_of(*BUILDERS), doc=BUILDERS_DOC),
    },
    "sampling": {
        "tau_refs": Field(list, [5, 10, 20, 50], distinct_positive(int),
                          doc="refractory periods = PSP durations, in steps"),
        "replicas": Field(int, 8, at_least(2), doc="independent copies of each network, for the noise floor"),
        "steps": Field(int, 1_250_000, at_least(1000), doc="steps per replica"),
    },
}


def draw_network(seed: int, n: int, scale: float, b_range) -> tuple[np.ndarray, np.ndarray]:
    """The network of size ``n`` and weight scale ``scale``, from its own stream of ``seed``."""
    rng = np.random.default_rng([seed, n, int(round(scale * 1000))])
    upper = np.triu(rng.uniform(-scale, scale, (n, n)), 1)
    return upper + upper.T, rng.uniform(*b_range, n)


class SamplingAccuracy(EpochRun):
    """One epoch per (size, weight scale, tau_ref) configuration."""

    def __init__(self, protocol):
        self.p = protocol
        net, smp = protocol["networks"], protocol["sampling"]
        self.configs = [(n, s, t) for n in net["sizes"] for s in net["weight_scales"] for t in smp["tau_refs"]]
        self.epochs = len(self.configs)
        self.networks = {(n, s): draw_network(protocol["experiment"]["seed"], n, s, net["b_range"])
                         for n in net["sizes"] for s in net["weight_scales"]}

    def _shape(self):
        net, smp = self.p["networks"], self.p["sampling"]
        return len(net["sizes"]), len(net["weight_scales"]), len(smp["tau_refs"])

    def start(self) -> None:
        shape = self._shape()
        self.dkl = np.full(shape, np.nan)
        self.dkl_replicas = np.full((*shape, self.p["sampling"]["replicas"]), np.nan)

    def restore(self, checkpoint: xr.Dataset) -> None:
        self.dkl = checkpoint.dkl.values.copy()
        self.dkl_replicas = checkpoint.dkl_replica.values.copy()

    @contextlib.contextmanager
    def open_segment(self, first_epoch: int, seed: int):
        from salnest.networks.kernel import kernel

        with kernel(seed, self.p["experiment"]["threads"], simulator=self.p["experiment"]["simulator"]) as sim:
            yield sim

    def run_epoch(self, sim, epoch: int) -> None:
        n, s, tau = self.configs[epoch - 1]
        W, b = self.networks[(n, s)]
        R = self.p["sampling"]["replicas"]
        build = BUILDERS[self.p["networks"]["model"]]
        nets = build(sim, np.repeat(W[None], R, axis=0), np.repeat(b[None], R, axis=0), tau,
                              state_recorder=True)
        steps, done, p = self.p["sampling"]["steps"], 0, 0.0
        while done < steps:  # in chunks, so that the recorded spikes stay few
            chunk = min(CHUNK, steps - done)
            p = p + nets.sample(chunk) * chunk  # (replica, 2^n)
            done += chunk
        p = p / steps
        exact = boltzmann_distribution(W, b)
        i = np.unravel_index(epoch - 1, self._shape())
        self.dkl[i] = kl_divergence(exact, p.mean(axis=0))
        self.dkl_replicas[i] = [kl_divergence(exact, q) for q in p]

    def dataset(self, completed: int) -> xr.Dataset:
        net, smp = self.p["networks"], self.p["sampling"]
        R = smp["replicas"]
        floor = (self.dkl_replicas.mean(axis=-1) - self.dkl) / (R - 1)
        dims = ("size", "weight_scale", "tau_ref")
        return xr.Dataset(
            {"dkl": (dims, self.dkl, {"long_name": "D_KL(p* || pooled p)"}),
             "dkl_replica": ((*dims, "replica"), self.dkl_replicas),
             "noise_floor": (dims, floor, {"long_name": "sampling noise in dkl"})},
            coords={"size": net["sizes"], "weight_scale": net["weight_scales"],
                    "tau_ref": ("tau_ref", smp["tau_refs"], {"units": "steps"}), "replica": np.arange(R)},
            attrs={"steps_per_replica": smp["steps"]},
        )


def _slope(ds, size, scale) -> float:
    d = ds.dkl.sel(size=size, weight_scale=scale)
    ok = np.isfinite(d.values) & (d.values > 0)
    if ok.sum() < 2:
        return np.nan
    return float(np.polyfit(np.log(ds.tau_ref.values[ok]), np.log(d.values[ok]), 1)[0])


def summary(ds: xr.Dataset) -> str:
    """D_KL and its noise floor per configuration, and the power law in tau_ref."""
    lines = [f"{ds.attrs.get('name', 'sampling accuracy')}: {ds.sizes['replica']} replicas x "
             f"{ds.attrs['steps_per_replica']} steps per configuration",
             f"{'n':>3} {'scale':>6} {'tau_ref':>8} {'D_KL(p*||p)':>12} {'noise floor':>12} {'D_KL / floor':>13}"]
    for n in ds.size.values:
        for s in ds.weight_scale.values:
            for t in ds.tau_ref.values:
                d = float(ds.dkl.sel(size=n, weight_scale=s, tau_ref=t))
                f = float(ds.noise_floor.sel(size=n, weight_scale=s, tau_ref=t))
                lines.append(f"{n:3d} {s:6g} {t:8d} {d:12.2e} {f:12.2e} {d / f if f > 0 else np.inf:13.1f}")
            lines.append(f"{n:3d} {s:6g}  D_KL ~ tau_ref^{_slope(ds, n, s):.2f}")
    return "\n".join(lines)


def plot_sampling_accuracy(ds, path):
    """D_KL against tau_ref (log-log) per size and weight scale, the noise floor dashed."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    k = 0
    for n in ds.size.values:
        for s in ds.weight_scale.values:
            d = ds.sel(size=n, weight_scale=s)
            ax.plot(ds.tau_ref, d.dkl, "o-", color=f"C{k}", label=f"n = {n}, W ~ U(±{s:g})")
            ax.plot(ds.tau_ref, d.noise_floor.clip(min=1e-9), "--", color=f"C{k}", lw=0.8)
            k += 1
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(ds.tau_ref.values, [str(t) for t in ds.tau_ref.values])
    ax.minorticks_off()
    ax.set_xlabel("tau_ref (steps)")
    ax.set_ylabel("D$_{KL}$(p* || p)")
    ax.set_title("bias of the discrete-time sampling neuron (dashed: noise floor)", fontsize=9)
    ax.legend(fontsize=7)
    return save(fig, path)


register(ExperimentKind(
    name="sampling_accuracy",
    description="how closely sampling networks sample their Boltzmann distribution, against tau_ref, size and "
                "weight scale, with the sampling-noise floor (docs/models.md)",
    schema=SCHEMA, epochs=SamplingAccuracy, plot=plot_sampling_accuracy, summary=summary,
    experiment={"checkpoint_every": 1,
                "seed": Field(int, 1, seed_range, doc="the networks and NEST's streams")},
    simulators=("nest", "brian2"), check=check_simulator,
    simulated_ms=lambda p: float(p["experiment"]["checkpoint_every"] * p["sampling"]["steps"]),
    neurons=lambda p: p["experiment"]["checkpoint_every"] * p["sampling"]["replicas"] * max(p["networks"]["sizes"]),
))
