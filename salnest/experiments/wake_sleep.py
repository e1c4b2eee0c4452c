"""Wake-sleep training of spiking Boltzmann machines, with and without SAL (paper Figs. 4, 5).

One protocol is one sweep: every (noise level, condition, run) is an independent network
in one NEST kernel (:mod:`salnest.networks.sampling_network`). The wake statistics are exact
(all 2^N states), only the sleep phase is simulated. After every sleep epoch of
``epoch_length * tau_ref`` steps, with window sums normalised as ``S / duration * tau_ref``:

    W += eta_w (C* - S_ws)       b += eta_b (m* - rate * tau_ref)
    W += eta_sal S_sal           W *= 1 - lambda_kp (Kolen-Pollack condition)
    clip |W|, |b| <= clip

Validation phases with frozen weights estimate p and D_KL(p* || p). The conditions of a
sweep share targets, starting weights and noise gains, so they compare run by run. The
driver (:mod:`salnest.study.driver`) runs the epochs in segments with checkpoints and resumes.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import xarray as xr

from salnest.experiments._shared import check_simulator
from salnest.networks.sampling_network import BUILDERS, BUILDERS_DOC
from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, quantile_band, save
from salnest.study.protocol import Field, at_least, distinct_at_least, distinct_choices, one_of, positive, within
from salnest.study.protocol import seed as seed_range
from salnest.study.registry import ExperimentKind, register
from salnest.study.results import completed_epochs
from salnest.theory.boltzmann import all_states, boltzmann_distribution, kl_divergence

CONDITIONS = ("no_sal", "sal", "kolen_pollack")
NOISE_KINDS = ("synaptic", "plasticity")


SCHEMA = {
    "network": {"n_neurons": Field(int, 7, within(2, 20),
                                   doc="neurons per network (at most 20: all 2^n states are enumerated)"),
                "tau_ref": Field(int, 50, at_least(1),
                                 doc="refractory period = PSP duration = window half widths, in steps"),
                "model": Field(str, "sampling_neuron", one_of(*BUILDERS), doc=BUILDERS_DOC)},
    "runs": {"n_targets": Field(int, 5, at_least(1), doc="target distributions (W, b ~ U(-1, 1), symmetric)"),
             "n_inits": Field(int, 4, at_least(1), doc="initialisations per target; runs = n_targets x n_inits")},
    "noise": {
        "kind": Field(str, "synaptic", one_of(*NOISE_KINDS),
                      doc="synaptic: asymmetric initial weights; plasticity: per-synapse window gains"),
        "levels": Field(list, [0.0, 0.8], distinct_at_least(0.0),
                        doc="sigma_init (synaptic) or sigma_plast (plasticity), one sweep dimension"),
        "sigma_init": Field(float, 0.2, at_least(0.0), doc="initial asymmetry in the plasticity scenario"),
    },
    "learning": {
        "conditions": Field(list, ["no_sal", "sal"], distinct_choices(CONDITIONS, "condition"),
                            doc=f"conditions compared run by run: {', '.join(CONDITIONS)}"),
        "eta_w": Field(float, 0.01, positive, doc="wake-sleep learning rate of the weights"),
        "eta_b": Field(float, 0.01, positive, doc="wake-sleep learning rate of the biases"),
        "eta_sal": Field(float, 0.01, positive, doc="SAL rate in the sal condition"),
        "kp_lambda": Field(float, 1.6e-4, at_least(0.0), doc="weight decay per epoch, kolen_pollack condition"),
        "clip": Field(float, 2.0, positive, doc="bound on |W| and |b| after every update"),
    },
    "schedule": {
        "epochs": Field(int, 20001, at_least(1), doc="sleep epochs, each followed by a batch update"),
        "epoch_length": Field(int, 1000, at_least(1), doc="sleep phase length in tau_ref"),
        "validation_every": Field(int, 1000, at_least(1), doc="epochs between validations"),
        "validation_length": Field(int, 100, at_least(1), doc="validation length in epoch lengths"),
    },
}


@dataclass
class Sweep:
    """Everything that is fixed for a sweep: targets, initial state, noise gains, index maps."""

    levels: np.ndarray
    conditions: list[str]
    W_target: np.ndarray   # (n_targets, N, N)
    b_target: np.ndarray   # (n_targets, N)
    W0: np.ndarray         # (level, condition, run, N, N)
    b0: np.ndarray         # (level, condition, run, N)
    ws_gain: np.ndarray    # (level, condition, run, N, N)
    sal_gain: np.ndarray
    target_of_run: np.ndarray  # (run,)


def _truncated_gains(rng, shape, sigma):
    """1 + N(0, sigma) truncated at +-1.5 sigma (plasticity noise, drawn once per synapse)."""
    z = rng.standard_normal(shape)
    while np.any(bad := np.abs(z) > 1.5):
        z[bad] = rng.standard_normal(bad.sum())
    return 1.0 + sigma * z


def make_sweep(protocol) -> Sweep:
    """Targets and starting points from the protocol seed; conditions share targets, starts and gains."""
    net, runs, noise = protocol["network"], protocol["runs"], protocol["noise"]
    conditions = protocol["learning"]["conditions"]
    n = net["n_neurons"]
    rng = np.random.default_rng(protocol["experiment"]["seed"])
    upper = np.triu(rng.uniform(-1, 1, (runs["n_targets"], n, n)), 1)
    W_target = upper + upper.transpose(0, 2, 1)
    b_target = rng.uniform(-1, 1, (runs["n_targets"], n))
    levels = np.array(noise["levels"], float)
    n_runs = runs["n_targets"] * runs["n_inits"]
    shape = (len(levels), n_runs, n, n)
    sym = np.triu(rng.normal(0, 0.2, shape), 1)
    sym = sym + np.swapaxes(sym, -1, -2)
    asym_unit = rng.standard_normal(shape)
    b0 = rng.normal(0, 0.2, (len(levels), n_runs, n))
    ws_unit, sal_unit = _truncated_gains(rng, shape, 1.0) - 1.0, _truncated_gains(rng, shape, 1.0) - 1.0
    sigma_init = levels if noise["kind"] == "synaptic" else np.full(len(levels), noise["sigma_init"])
    sigma_plast = levels if noise["kind"] == "plasticity" else np.zeros(len(levels))
    off = ~np.eye(n, dtype=bool)
    W0 = (sym + sigma_init[:, None, None, None] * asym_unit) * off
    ws_gain = 1.0 + sigma_plast[:, None, None, None] * ws_unit
    sal_gain = 1.0 + sigma_plast[:, None, None, None] * sal_unit

    def per_condition(x):
        return np.repeat(x[:, None], len(conditions), axis=1)

    return Sweep(levels, list(conditions), W_target, b_target, per_condition(W0), per_condition(b0),
                 per_condition(ws_gain), per_condition(sal_gain),
                 np.repeat(np.arange(runs["n_targets"]), runs["n_inits"]))


def asymmetry(W: np.ndarray) -> np.ndarray:
    """Variance of the upper triangle of W - W^T, over the last two axes."""
    n = W.shape[-1]
    iu = np.triu_indices(n, 1)
    return (W - np.swapaxes(W, -1, -2))[..., iu[0], iu[1]].var(axis=-1)


class WakeSleep(EpochRun):
    """Training of all runs of a sweep, epoch by epoch (see the module docstring)."""

    def __init__(self, protocol):
        self.p = protocol
        self.sweep = sweep = make_sweep(protocol)
        n = protocol["network"]["n_neurons"]
        states = all_states(n).astype(float)
        n_targets = len(sweep.W_target)
        self.p_target = np.zeros((n_targets, 2 ** n))
        self.C_target = np.zeros_like(sweep.W_target)
        self.m_target = np.zeros_like(sweep.b_target)
        for t in range(n_targets):
            self.p_target[t] = boltzmann_distribution(sweep.W_target[t], sweep.b_target[t])
            self.C_target[t] = np.einsum("s,si,sj->ij", self.p_target[t], states, states)
            self.m_target[t] = self.p_target[t] @ states
        sched = protocol["schedule"]
        self.epochs = sched["epochs"]
        self.tau = protocol["network"]["tau_ref"]
        self.steps = sched["epoch_length"] * self.tau
        validations = np.arange(0, self.epochs + 1, sched["validation_every"])
        self.validations = validations if validations[-1] == self.epochs else np.append(validations, self.epochs)
        self.shape = sweep.W0.shape[:3]  # level, condition, run
        conditions = sweep.conditions
        learn = protocol["learning"]
        self.kp = np.array([learn["kp_lambda"] if c == "kolen_pollack" else 0.0
                            for c in conditions])[None, :, None, None, None]
        self.eta_sal = np.array([learn["eta_sal"] if c == "sal" else 0.0
                                 for c in conditions])[None, :, None, None, None]

    def start(self) -> None:
        self.W, self.b = self.sweep.W0.copy(), self.sweep.b0.copy()
        self.asym = np.full((*self.shape, self.epochs + 1), np.nan)
        self.dkl = np.full((*self.shape, len(self.validations)), np.nan)
        self.p_valid = np.full((*self.shape, len(self.validations), self.p_target.shape[1]), np.nan)
        self.asym[..., 0] = asymmetry(self.W)

    def restore(self, checkpoint: xr.Dataset) -> None:
        self.start()
        done = completed_epochs(checkpoint)
        self.W, self.b = checkpoint.W.values.copy(), checkpoint.b.values.copy()
        self.asym[..., : done + 1] = checkpoint.asymmetry.values[..., : done + 1]
        self.dkl[:] = checkpoint.dkl.values
        self.p_valid[:] = checkpoint.p_sampled.values

    @contextlib.contextmanager
    def open_segment(self, first_epoch: int, seed: int):
        from salnest.networks.kernel import kernel

        n = self.W.shape[-1]
        flat = int(np.prod(self.shape))
        build = BUILDERS[self.p["network"]["model"]]
        with kernel(seed, self.p["experiment"]["threads"], simulator=self.p["experiment"]["simulator"]) as sim:
            nets = build(sim, self.W.reshape(flat, n, n), self.b.reshape(flat, n), self.tau,
                                  ws_gain=self.sweep.ws_gain.reshape(flat, n, n),
                                  sal_gain=self.sweep.sal_gain.reshape(flat, n, n), state_recorder=True)
            self._set_state(nets)  # also zeroes the window sums
            if first_epoch == 0:
                self._validate(nets, 0)
            yield nets

    def _set_state(self, nets) -> None:
        n = self.W.shape[-1]
        nets.set_state(self.W.reshape(-1, n, n), self.b.reshape(-1, n))

    def _validate(self, nets, epoch: int) -> None:
        i = int(np.searchsorted(self.validations, epoch))
        p = nets.sample(self.p["schedule"]["validation_length"] * self.steps).reshape(*self.shape, -1)
        self.p_valid[..., i, :] = p
        for idx in np.ndindex(*self.shape):
            self.dkl[idx + (i,)] = kl_divergence(self.p_target[self.sweep.target_of_run[idx[2]]], p[idx])

    def run_epoch(self, nets, epoch: int) -> None:
        learn, norm = self.p["learning"], self.tau / self.steps
        n = self.W.shape[-1]
        ws, sal, counts = nets.sleep(self.steps)
        ws, sal = (x.reshape(*self.shape, n, n) * norm for x in (ws, sal))
        m = counts.reshape(*self.shape, n) * norm
        run_target = self.sweep.target_of_run
        W = self.W + learn["eta_w"] * (self.C_target[run_target][None, None] - ws)
        b = self.b + learn["eta_b"] * (self.m_target[run_target][None, None] - m)
        W = (W + self.eta_sal * sal) * (1.0 - self.kp)
        self.W = np.clip(W, -learn["clip"], learn["clip"]) * ~np.eye(n, dtype=bool)
        self.b = np.clip(b, -learn["clip"], learn["clip"])
        self._set_state(nets)
        self.asym[..., epoch] = asymmetry(self.W)
        if epoch in self.validations:
            self._validate(nets, epoch)

    def dataset(self, completed: int) -> xr.Dataset:
        sweep, dims = self.sweep, ("level", "condition", "run")
        return xr.Dataset(
            {"asymmetry": ((*dims, "epoch"), self.asym), "dkl": ((*dims, "validation_epoch"), self.dkl),
             "p_sampled": ((*dims, "validation_epoch", "state"), self.p_valid),
             "W": ((*dims, "post", "pre"), self.W), "b": ((*dims, "neuron"), self.b),
             "W_target": (("target", "post", "pre"), sweep.W_target),
             "b_target": (("target", "neuron"), sweep.b_target),
             "p_target": (("target", "state"), self.p_target), "target_of_run": (("run",), sweep.target_of_run)},
            coords={"level": sweep.levels, "condition": sweep.conditions, "run": np.arange(self.shape[2]),
                    "epoch": np.arange(self.epochs + 1), "validation_epoch": self.validations},
            attrs={"noise_kind": self.p["noise"]["kind"]},
        )


def summary(ds: xr.Dataset) -> str:
    """Medians and interquartile ranges over runs of the final asymmetry and D_KL, per level and condition,
    and the paper's reproduction ratios where both conditions are present."""
    done = completed_epochs(ds)
    asym = ds.asymmetry.sel(epoch=done)
    valid = ds.validation_epoch.values[ds.validation_epoch.values <= done]
    dkl = ds.dkl.sel(validation_epoch=valid[-1])
    lines = [f"{ds.attrs.get('name', 'wake-sleep')}: {done} epochs done; D_KL from the validation at epoch {valid[-1]}",
             f"{'level':>6} {'condition':>14} {'asymmetry median [IQR]':>32} {'D_KL median [IQR]':>30}"]
    for level in ds.level.values:
        for cond in ds.condition.values:
            a = asym.sel(level=level, condition=cond).quantile([0.25, 0.5, 0.75], dim="run").values
            d = dkl.sel(level=level, condition=cond).quantile([0.25, 0.5, 0.75], dim="run").values
            lines.append(f"{level:6g} {cond:>14} {a[1]:12.3g} [{a[0]:.3g}, {a[2]:.3g}] "
                         f"{d[1]:10.4f} [{d[0]:.4f}, {d[2]:.4f}]")
    conds = list(ds.condition.values)
    if "sal" in conds and "no_sal" in conds:
        for level in ds.level.values:
            a = asym.sel(level=level).median("run")
            d = dkl.sel(level=level).median("run")
            ratio = float(a.sel(condition="no_sal") / a.sel(condition="sal"))
            lines.append(f"level {level:g}: asymmetry no_sal/sal = {ratio:.3g}, "
                         f"D_KL no_sal/sal = {float(d.sel(condition='no_sal') / d.sel(condition='sal')):.3g}")
    return "\n".join(lines)


def plot_wake_sleep(ds, path):
    """Median and interquartile range over runs of asymmetry and D_KL per condition (Figs. 4, 5),
    one row per noise level, and final values against the noise level."""
    plt = pyplot()
    levels = ds.level.values
    fig, axes = plt.subplots(len(levels) + 1, 2, figsize=(8, 2.6 * (len(levels) + 1)), squeeze=False)
    label = "$\\sigma_{init}$" if ds.attrs.get("noise_kind") == "synaptic" else "$\\sigma_{plast}$"
    for row, level in enumerate(levels):
        for col, (var, x, ylabel) in enumerate((("asymmetry", "epoch", "asymmetry"),
                                                 ("dkl", "validation_epoch", "D$_{KL}$(p*||p)"))):
            ax = axes[row, col]
            for k, cond in enumerate(ds.condition.values):
                quantile_band(ax, ds[x], ds[var].sel(level=level, condition=cond), "run", f"C{k}", str(cond))
            ax.set_yscale("log")
            ax.set_ylabel(ylabel)
            ax.set_title(f"{label} = {level:g}", fontsize=9)
            ax.set_xlabel("epoch")
    axes[0, 0].legend(fontsize=8)
    for col, (var, ylabel) in enumerate((("asymmetry", "final asymmetry"), ("dkl", "final D$_{KL}$"))):
        ax = axes[-1, col]
        final = ds[var].isel({"epoch" if var == "asymmetry" else "validation_epoch": -1})
        for k, cond in enumerate(ds.condition.values):
            q = final.sel(condition=cond).quantile([0.25, 0.5, 0.75], dim="run")
            ax.errorbar(levels, q.sel(quantile=0.5), yerr=[q.sel(quantile=0.5) - q.sel(quantile=0.25),
                                                          q.sel(quantile=0.75) - q.sel(quantile=0.5)],
                        color=f"C{k}", marker="o", capsize=3, label=str(cond))
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel(ylabel)
    return save(fig, path)


def simulated_ms(protocol) -> float:
    """At most a validation, then ``checkpoint_every`` epochs of a sleep phase and a validation each."""
    sched = protocol["schedule"]
    epoch = sched["epoch_length"] * protocol["network"]["tau_ref"]
    return float((protocol["experiment"]["checkpoint_every"] + 1) * epoch * (1 + sched["validation_length"]))

register(ExperimentKind(
    name="wake_sleep",
    description="wake-sleep training of spiking Boltzmann machines with and without SAL under synaptic or "
                "plasticity noise (paper Figs. 4, 5)",
    schema=SCHEMA, epochs=WakeSleep, plot=plot_wake_sleep, summary=summary,
    experiment={"name": "wake-sleep", "checkpoint_every": 100,
                "seed": Field(int, 1, seed_range, doc="targets, initial weights, noise gains and NEST streams")},
    simulators=("nest", "brian2"), check=check_simulator,
    simulated_ms=simulated_ms,
    neurons=lambda p: (p["network"]["n_neurons"] * len(p["noise"]["levels"]) * len(p["learning"]["conditions"])
                       * p["runs"]["n_targets"] * p["runs"]["n_inits"]),
))
