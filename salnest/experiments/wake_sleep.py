"""Wake-sleep training of spiking Boltzmann machines, with and without SAL (paper Figs. 4, 5).

One protocol is one sweep: every (noise level, condition, run) is an
independent network in one NEST kernel (:mod:`pynn_networks.sampling_network`).
The wake statistics are exact (2^N states), only the sleep phase is simulated.
Per epoch (sal-models.md section 5), with sums normalised as ``S / duration * tau_ref``:

    W += eta_w (C* - S_ws)       b += eta_b (m* - rate * tau_ref)
    W += eta_sal S_sal           W *= 1 - lambda_kp (Kolen-Pollack condition)
    clip |W|, |b| <= clip

Validation phases with frozen weights estimate p and D_KL(p* || p). The sweep
runs in segments of ``checkpoint_every`` epochs, each in a fresh NEST kernel
seeded from (protocol seed, first epoch of the segment) and built from the
weights and biases at its start, and writes its results file atomically after
each segment. Started again, it resumes from the last checkpoint and ends
bit-identical to an uninterrupted run (tested).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from salnest.parallel import from_root, is_root, node_values, recorder_events, set_node_values
from salnest.protocol import REQUIRED, Field, at_least, one_of, positive
from salnest.theory.boltzmann import all_states, boltzmann_distribution, kl_divergence

CONDITIONS = ("no_sal", "sal", "kolen_pollack")


def _list_of(kind, check=None):
    def validate(values):
        if not values:
            return "must not be empty"
        for v in values:
            if not isinstance(v, kind) or isinstance(v, bool):
                return f"items must be {kind.__name__}, got {v!r}"
            if check and check(v):
                return check(v)
        return None
    return validate


SCHEMAS = {
    "wake_sleep": {
        "experiment": {
            "kind": Field(str, REQUIRED, one_of("wake_sleep")),
            "name": Field(str, "wake-sleep"),
            "seed": Field(int, 1, at_least(1), doc="targets, initial weights, noise and NEST streams"),
            "output": Field(str, "results/wake_sleep.nc"),
            "threads": Field(int, 1, at_least(1)),
            "checkpoint_every": Field(int, 100, at_least(1), doc="epochs between results-file writes"),
        },
        "network": {"n_neurons": Field(int, 7, at_least(2)), "tau_ref": Field(int, 50, at_least(1))},
        "runs": {"n_targets": Field(int, 5, at_least(1)), "n_inits": Field(int, 4, at_least(1))},
        "noise": {
            "kind": Field(str, "synaptic", one_of("synaptic", "plasticity")),
            "levels": Field(list, [0.0, 0.8], _list_of(float, lambda v: None if v >= 0 else "levels must be >= 0"),
                            doc="sigma_init (synaptic) or sigma_plast (plasticity)"),
            "sigma_init": Field(float, 0.2, at_least(0.0), doc="initial asymmetry in the plasticity scenario"),
        },
        "learning": {
            "conditions": Field(list, ["no_sal", "sal"], _list_of(str, lambda v: None if v in CONDITIONS else
                                                                 f"unknown condition {v!r}; known {list(CONDITIONS)}")),
            "eta_w": Field(float, 0.01, positive), "eta_b": Field(float, 0.01, positive),
            "eta_sal": Field(float, 0.01, positive, doc="SAL rate in the sal condition"),
            "kp_lambda": Field(float, 1.6e-4, at_least(0.0), doc="weight decay per epoch, kolen_pollack"),
            "clip": Field(float, 2.0, positive),
        },
        "schedule": {
            "epochs": Field(int, 20001, at_least(1)),
            "epoch_length": Field(int, 1000, at_least(1), doc="sleep phase length in tau_ref"),
            "validation_every": Field(int, 1000, at_least(1), doc="epochs between validations"),
            "validation_length": Field(int, 100, at_least(1), doc="validation length in epoch lengths"),
        },
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


def protocol_hash(protocol) -> str:
    """Identifies the protocol content, so a checkpoint is only resumed by the same protocol."""
    content = {k: v for k, v in protocol.items()}
    content["experiment"] = {k: v for k, v in protocol["experiment"].items()
                             if k not in ("source", "output", "threads", "checkpoint_every")}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


class Trainer:
    """Holds the NEST network of all runs and applies the epoch updates."""

    def __init__(self, protocol, sweep: Sweep, W: np.ndarray, b: np.ndarray, seed: int):
        import pyNN.nest as sim

        import salnest.pynn_types  # noqa: F401
        from pynn_networks.sampling_network import build_networks

        self.sim = sim
        self.p = protocol
        self.tau = protocol["network"]["tau_ref"]
        self.shape = W.shape[:3]  # level, condition, run
        n = W.shape[-1]
        flat = int(np.prod(self.shape))
        sim.setup(timestep=1.0, min_delay=1.0, rng_seed=seed, threads=protocol["experiment"]["threads"])
        self.nets = build_networks(sim, W.reshape(flat, n, n), b.reshape(flat, n), self.tau,
                                   ws_gain=sweep.ws_gain.reshape(flat, n, n),
                                   sal_gain=sweep.sal_gain.reshape(flat, n, n))
        import nest

        self.nest = nest
        self.neurons = self.nets.population.node_collection
        self.synapses = self.nets.synapses
        self.run_of, self.post, self.pre = self.nets.indices()
        self.recorder = nest.Create("spike_recorder", params={"start": 0.0, "stop": 0.0})
        nest.Connect(self.neurons, self.recorder)
        self.n = n

    def _matrix(self, values) -> np.ndarray:
        out = np.zeros((int(np.prod(self.shape)), self.n, self.n))
        out[self.run_of, self.post, self.pre] = values
        return out.reshape(*self.shape, self.n, self.n)

    def sleep(self, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Simulate; return normalised wake-sleep and SAL sums and the marginals (rate * tau_ref).

        The sums are set back to 0 by :meth:`set_state`; one ``get`` and one
        ``set`` per epoch, because each call builds a status dictionary per connection.
        """
        self.sim.run(float(steps))
        norm = self.tau / steps
        sums = self.synapses.get_many(["ws_sum", "sal_sum"])
        ws = self._matrix(sums["ws_sum"] * norm)
        sal = self._matrix(sums["sal_sum"] * norm)
        counts = node_values(self.neurons, "spike_count").astype(float)
        return ws, sal, (counts * norm).reshape(*self.shape, self.n)

    def sample(self, steps: int) -> np.ndarray:
        """Validation: frozen weights, p over all 2^N states per run, shape (level, condition, run, 2^N)."""
        from salnest.sampling import state_distribution_from_spikes

        t0 = self.sim.get_current_time()
        self.recorder.set(start=t0, stop=t0 + steps, n_events=0)  # records only during validations
        self.sim.run(float(steps))
        ev = recorder_events(self.recorder)
        first = self.neurons.tolist()[0]
        flat = int(np.prod(self.shape))
        p = np.zeros((flat, 2 ** self.n))
        for r in range(flat):
            ids = list(range(first + r * self.n, first + (r + 1) * self.n))
            mask = (ev["senders"] >= ids[0]) & (ev["senders"] <= ids[-1])
            p[r] = state_distribution_from_spikes(ev["times"][mask], ev["senders"][mask], ids, self.tau, t0,
                                                  t0 + steps, 1.0)
        self.recorder.n_events = 0
        self.synapses.set(ws_sum=0.0, sal_sum=0.0)  # validation pairs must not enter the next epoch
        self.neurons.set(spike_count=0.0)
        return p.reshape(*self.shape, -1)

    def set_state(self, W: np.ndarray, b: np.ndarray) -> None:
        """New weights and biases; window sums back to 0 for the next epoch."""
        flat = W.reshape(-1, self.n, self.n)
        self.synapses.set(weight=flat[self.run_of, self.post, self.pre], ws_sum=0.0, sal_sum=0.0)
        set_node_values(self.neurons, b=b.reshape(-1), spike_count=0.0)

    def close(self):
        self.sim.end()


def run_wake_sleep(protocol, progress, output: Path | None = None) -> xr.Dataset:
    """Train all runs of the sweep; checkpoint into ``output`` and resume from it."""
    from salnest.provenance import provenance
    from salnest.results import previous_results, write_dataset

    exp, learn, sched = protocol["experiment"], protocol["learning"], protocol["schedule"]
    sweep = make_sweep(protocol)
    n_targets = len(sweep.W_target)
    C_target = np.zeros_like(sweep.W_target)
    m_target = np.zeros_like(sweep.b_target)
    p_target = np.zeros((n_targets, 2 ** protocol["network"]["n_neurons"]))
    states = all_states(protocol["network"]["n_neurons"]).astype(float)
    for t in range(n_targets):
        p_target[t] = boltzmann_distribution(sweep.W_target[t], sweep.b_target[t])
        C_target[t] = np.einsum("s,si,sj->ij", p_target[t], states, states)
        m_target[t] = p_target[t] @ states
    run_target = sweep.target_of_run
    epochs, tau = sched["epochs"], protocol["network"]["tau_ref"]
    steps = sched["epoch_length"] * tau
    validations = np.arange(0, epochs + 1, sched["validation_every"])
    if validations[-1] != epochs:
        validations = np.append(validations, epochs)
    shape = sweep.W0.shape[:3]
    phash = protocol_hash(protocol)

    asym = np.full((*shape, epochs + 1), np.nan)
    dkl = np.full((*shape, len(validations)), np.nan)
    p_valid = np.full((*shape, len(validations), p_target.shape[1]), np.nan)
    W, b, start, resumed = sweep.W0.copy(), sweep.b0.copy(), 0, []
    old = from_root(lambda: previous_results(output, "wake_sleep", phash))  # the same start on every rank
    if old is not None:
        start = int(old.attrs["completed_epochs"])
        W, b = old.W.values.copy(), old.b.values.copy()
        asym[..., : start + 1] = old.asymmetry.values[..., : start + 1]
        dkl[:] = old.dkl.values
        p_valid[:] = old.p_sampled.values
        resumed = json.loads(old.attrs.get("seeds", "{}")).get("resumed_at_epochs", []) + [start]
    kp = np.array([learn["kp_lambda"] if c == "kolen_pollack" else 0.0 for c in sweep.conditions])[None, :, None, None, None]
    eta_sal = np.array([learn["eta_sal"] if c == "sal" else 0.0 for c in sweep.conditions])[None, :, None, None, None]
    asym[..., start] = asymmetry(W)

    def dataset(completed: int) -> xr.Dataset:
        dims = ("level", "condition", "run")
        return xr.Dataset(
            {"asymmetry": ((*dims, "epoch"), asym), "dkl": ((*dims, "validation_epoch"), dkl),
             "p_sampled": ((*dims, "validation_epoch", "state"), p_valid),
             "W": ((*dims, "post", "pre"), W), "b": ((*dims, "neuron"), b),
             "W_target": (("target", "post", "pre"), sweep.W_target), "b_target": (("target", "neuron"), sweep.b_target),
             "p_target": (("target", "state"), p_target), "target_of_run": (("run",), run_target)},
            coords={"level": sweep.levels, "condition": sweep.conditions, "run": np.arange(shape[2]),
                    "epoch": np.arange(epochs + 1), "validation_epoch": validations},
            attrs={"salnest_kind": "wake_sleep", "name": exp["name"], "noise_kind": protocol["noise"]["kind"],
                   "protocol_hash": phash, "completed_epochs": completed,
                   **provenance(protocol, {"seed": exp["seed"], "resumed_at_epochs": resumed})},
        )

    def validate(k: int):
        i = int(np.searchsorted(validations, k))
        p = trainer.sample(sched["validation_length"] * steps)
        p_valid[..., i, :] = p
        for idx in np.ndindex(*shape):
            dkl[idx + (i,)] = kl_divergence(p_target[run_target[idx[2]]], p[idx])

    epoch_iter = iter(progress(range(start + 1, epochs + 1)))
    epoch = start
    while epoch < epochs:  # one segment per checkpoint interval, each in a fresh kernel
        seg_end = min(epochs, (epoch // exp["checkpoint_every"] + 1) * exp["checkpoint_every"])
        trainer = Trainer(protocol, sweep, W, b, seed=exp["seed"] * 1_000_003 + epoch + 1)
        try:
            trainer.set_state(W, b)  # also zeroes the window sums
            if epoch == 0:
                validate(0)
            while epoch < seg_end:
                epoch = next(epoch_iter)
                ws, sal, m = trainer.sleep(steps)
                C = C_target[run_target][None, None]
                W = W + learn["eta_w"] * (C - ws)
                b = b + learn["eta_b"] * (m_target[run_target][None, None] - m)
                W = (W + eta_sal * sal) * (1.0 - kp)
                W = np.clip(W, -learn["clip"], learn["clip"]) * ~np.eye(W.shape[-1], dtype=bool)
                b = np.clip(b, -learn["clip"], learn["clip"])
                trainer.set_state(W, b)
                asym[..., epoch] = asymmetry(W)
                if epoch in validations:
                    validate(epoch)
        finally:
            trainer.close()
        if output is not None and is_root():
            write_dataset(dataset(epoch), output)
    return dataset(epochs)


RUNNERS = {"wake_sleep": run_wake_sleep}


def summary(ds: xr.Dataset) -> str:
    """Medians and interquartile ranges over runs of the final asymmetry and D_KL, per level and condition,
    and the paper's reproduction ratios where both conditions are present."""
    done = int(ds.attrs.get("completed_epochs", ds.epoch.values[-1]))
    asym = ds.asymmetry.sel(epoch=done)
    valid = ds.validation_epoch.values[ds.validation_epoch.values <= done]
    dkl = ds.dkl.sel(validation_epoch=valid[-1])
    lines = [f"{ds.attrs.get('name', 'wake-sleep')}: {done} epochs done; D_KL from the validation at epoch {valid[-1]}",
             f"{'level':>6} {'condition':>14} {'asymmetry median [IQR]':>32} {'D_KL median [IQR]':>30}"]
    for level in ds.level.values:
        for cond in ds.condition.values:
            a = asym.sel(level=level, condition=cond).quantile([0.25, 0.5, 0.75], dim="run").values
            d = dkl.sel(level=level, condition=cond).quantile([0.25, 0.5, 0.75], dim="run").values
            lines.append(f"{level:6g} {cond:>14} {a[1]:12.3g} [{a[0]:.3g}, {a[2]:.3g}] {d[1]:10.4f} [{d[0]:.4f}, {d[2]:.4f}]")
    conds = list(ds.condition.values)
    if "sal" in conds and "no_sal" in conds:
        for level in ds.level.values:
            a = asym.sel(level=level).median("run")
            d = dkl.sel(level=level).median("run")
            lines.append(f"level {level:g}: asymmetry no_sal/sal = {float(a.sel(condition='no_sal') / a.sel(condition='sal')):.3g}, "
                         f"D_KL no_sal/sal = {float(d.sel(condition='no_sal') / d.sel(condition='sal')):.3g}")
    return "\n".join(lines)
