"""Teacher-student learning in spiking dendritic cortical microcircuits with FA, BP and SAL (paper Fig. 6).

One protocol is one study: every (student seed, condition) is an independent
circuit ("replica", :mod:`pynn_networks.microcircuit`) in one NEST kernel. The
teacher is the same network with fixed weights; the target of a pattern is the
teacher's mean output potential, measured once before training.

An epoch presents, per replica, ``learning_patterns`` training inputs (forward
plasticity on, output nudged toward the target), then ``symmetrisation_patterns``
training inputs (forward plasticity off, SAL on for the ``sal`` condition,
interneuron paths silenced, ``lambda_api = 1``), then every validation input
(no plasticity, no nudging). Each pattern starts with ``settle_steps`` without
plasticity. Every ``sync_interval`` steps of a learning pattern the protocol
imposes the self-predicting state (``W_IP = W_up``, ``W_PI = -B``) and, in the
``bp`` condition, copies ``B = W_up^T``. The loss is the mean squared error of
the pattern-averaged output potential over the validation patterns.

Resumable and reproducible: the study runs in segments of ``checkpoint_every``
epochs, each in a fresh NEST kernel seeded from (protocol seed, first epoch of
the segment) and built from the weights at the segment's start, and the
results file is written after every segment. A run that is stopped and started
again therefore ends with results identical to an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from salnest.parallel import Synapses, from_root, is_root, node_values, set_node_values
from salnest.protocol import REQUIRED, Field, ProtocolError, at_least, one_of, pair_of_numbers, positive

CONDITIONS = ("fa", "bp", "sal")


def _conditions(values):
    if not values:
        return "must not be empty"
    for v in values:
        if v not in CONDITIONS:
            return f"unknown condition {v!r}; known {list(CONDITIONS)}"
    if len(set(values)) != len(values):
        return f"conditions must not repeat, got {values}"
    return None


def _sizes(values):
    if len(values) < 3 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
        return f"must be [n_in, n_hidden..., n_out] (at least 3 integers >= 1), got {values!r}"
    return None


def _patterns(values):
    if not values:
        return "must not be empty"
    for i, v in enumerate(values):
        items = v if isinstance(v, list) else [v]
        if not items or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in items):
            return f"item {i} must be a number or a list of numbers (one input potential per input neuron), got {v!r}"
    return None


SCHEMAS = {
    "microcircuit": {
        "experiment": {
            "kind": Field(str, REQUIRED, one_of("microcircuit")),
            "name": Field(str, "microcircuit"),
            "seed": Field(int, 1, at_least(1), doc="student weights, pattern order and NEST streams"),
            "output": Field(str, "results/microcircuit.nc"),
            "threads": Field(int, 1, at_least(1)),
            "checkpoint_every": Field(int, 10, at_least(1),
                                      doc="epochs per segment; each segment runs in a fresh kernel"),
        },
        "network": {
            "sizes": Field(list, [1, 1, 1], _sizes),
            "tau_ref": Field(int, 10, at_least(1), doc="refractory period = PSP length, in steps"),
            "lambda_api": Field(float, 0.02, at_least(0.0)),
            "lambda_nudge": Field(float, 0.6, at_least(0.0)),
            "tau_avg": Field(float, 2000.0, positive, doc="running averages of u and v_bas + b, in steps"),
        },
        "teacher": {
            "weights": Field(float, None, doc="every teacher weight (give this or weight_range)"),
            "weight_range": Field(list, None, pair_of_numbers, doc="teacher weights ~ U(lo, hi) from weight_seed"),
            "weight_seed": Field(int, 1, at_least(1)),
            "bias": Field(float, -1.0),
            "target_steps": Field(int, 1_000_000, at_least(1000), doc="steps per pattern to measure the targets"),
        },
        "student": {
            "n_seeds": Field(int, 20, at_least(1)),
            "init_range": Field(list, [-3.0, 3.0], pair_of_numbers, doc="W and B ~ U(lo, hi)"),
            "bias": Field(float, -1.0),
        },
        "patterns": {
            "training": Field(list, REQUIRED, _patterns, doc="input potentials, one entry per pattern"),
            "validation": Field(list, REQUIRED, _patterns),
        },
        "learning": {
            "conditions": Field(list, list(CONDITIONS), _conditions),
            "eta_hidden": Field(float, 0.2, at_least(0.0)),
            "eta_output": Field(float, 0.003, at_least(0.0)),
            "eta_sal": Field(float, 0.001, at_least(0.0)),
            "tau_sal": Field(int, 10, at_least(1), doc="SAL window time constant, in steps"),
            "sync_interval": Field(int, 100, at_least(1),
                                   doc="steps between imposed interneuron weights and BP copies"),
        },
        "schedule": {
            "epochs": Field(int, 150, at_least(1)),
            "learning_patterns": Field(int, 15, at_least(0)),
            "symmetrisation_patterns": Field(int, 5, at_least(0)),
            "pattern_length": Field(int, 20000, at_least(2)),
            "settle_steps": Field(int, 2000, at_least(1), doc="steps without plasticity at each pattern start"),
        },
    },
}


@dataclass
class Study:
    """Everything fixed before training: replicas, initial weights, patterns, teacher."""

    sizes: list[int]
    conditions: list[str]
    n_seeds: int
    W0: list[np.ndarray]         # per layer (replica, post, pre); replica = seed * n_conditions + condition
    B0: list[np.ndarray]         # per hidden layer (replica, post, pre)
    biases: list[np.ndarray]     # per layer (replica, neuron)
    teacher_W: list[np.ndarray]  # per layer (post, pre)
    train_inputs: np.ndarray     # (pattern, n_in)
    val_inputs: np.ndarray

    @property
    def n_replicas(self) -> int:
        return self.n_seeds * len(self.conditions)

    def condition_of(self, name: str) -> np.ndarray:
        """Boolean per replica: is it in condition ``name``?"""
        return np.tile(np.array(self.conditions) == name, self.n_seeds)


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
    shapes = [(sizes[l + 1], sizes[l]) for l in range(len(sizes) - 1)]
    if teacher["weights"] is not None:
        teacher_W = [np.full(s, teacher["weights"]) for s in shapes]
    else:
        trng = np.random.default_rng(teacher["weight_seed"])
        teacher_W = [trng.uniform(*teacher["weight_range"], s) for s in shapes]
    conditions = protocol["learning"]["conditions"]
    n_seeds, n_cond = student["n_seeds"], len(conditions)
    # one stream per student seed: seed k starts the same whatever n_seeds is
    W0 = [np.empty((n_seeds, *s)) for s in shapes]
    B0 = [np.empty((n_seeds, shapes[l + 1][1], shapes[l + 1][0])) for l in range(len(sizes) - 2)]
    for k in range(n_seeds):
        rng = np.random.default_rng([protocol["experiment"]["seed"], k])
        for w in W0 + B0:
            w[k] = rng.uniform(lo, hi, w.shape[1:])

    def per_replica(x):  # conditions of a seed start from the same weights
        return np.repeat(x, n_cond, axis=0)

    biases = [np.full((n_seeds * n_cond, n), student["bias"]) for n in sizes]
    return Study(sizes, list(conditions), n_seeds, [per_replica(w) for w in W0], [per_replica(b) for b in B0],
                 biases, teacher_W, train, val)


def alignment_angle(B: np.ndarray, W_up: np.ndarray) -> np.ndarray:
    """Angle in degrees between feedback ``B[..., post, pre]`` and the forward ``W_up[..., pre, post]^T``."""
    Wt = np.swapaxes(W_up, -1, -2)
    dot = (B * Wt).sum(axis=(-1, -2))
    norm = np.sqrt((B * B).sum(axis=(-1, -2)) * (Wt * Wt).sum(axis=(-1, -2)))
    return np.degrees(np.arccos(np.clip(dot / np.where(norm > 0, norm, 1.0), -1.0, 1.0)))


class InterneuronPaths:
    """All static interneuron connections as one NEST collection, so that imposing the
    self-predicting state costs one ``set`` per sync instead of two per hidden layer."""

    def __init__(self, nest, to_inter, from_inter):
        self.paths = list(to_inter) + list(from_inter)
        models = set().union(*(p.synapses.synapse_models() for p in self.paths))
        if len(models) != 1:
            raise RuntimeError(f"interneuron paths must share one synapse model, got {sorted(models)}")
        self.synapses = Synapses(nest.GetConnections(synapse_model=models.pop()))
        if len(self.synapses) != sum(len(p.replica) for p in self.paths):
            raise RuntimeError("the kernel has other connections of the interneuron paths' synapse model")
        lookup = {pair: i for i, pair in enumerate(zip(self.synapses.sources, self.synapses.targets))}
        # per path: positions in self.synapses, in the path's own connection order
        self.slot = [np.array([lookup[pair] for pair in zip(p.synapses.sources, p.synapses.targets)], dtype=np.int64)
                     for p in self.paths]

    def set(self, W_IP: list[np.ndarray], W_PI: list[np.ndarray]) -> None:
        weights = np.empty(len(self.synapses))
        for path, slot, matrix in zip(self.paths, self.slot, list(W_IP) + list(W_PI)):
            weights[slot] = path.values(matrix)
        self.synapses.set(weight=weights)


class Circuits:
    """A NEST kernel with all replicas, and the pattern phases applied to it."""

    def __init__(self, protocol, sizes, W, B, biases, kernel_seed: int, lambda_nudge: float | None = None):
        import nest
        import pyNN.nest as sim

        import salnest.pynn_microcircuit  # noqa: F401  (before setup(): loads the models)
        from pynn_networks.microcircuit import build_microcircuits

        net_p, learn = protocol["network"], protocol["learning"]
        self.sim, self.nest, self.p = sim, nest, protocol
        sim.setup(timestep=1.0, min_delay=1.0, rng_seed=kernel_seed, threads=protocol["experiment"]["threads"])
        self.net = build_microcircuits(sim, sizes, W, B, biases, tau_ref=net_p["tau_ref"],
                                       lambda_api=net_p["lambda_api"],
                                       lambda_nudge=net_p["lambda_nudge"] if lambda_nudge is None else lambda_nudge,
                                       tau_avg=net_p["tau_avg"], tau_sal=learn["tau_sal"])
        L = len(sizes)
        self.forward = [self.net.index(p, sizes[l], sizes[l + 1]) for l, p in enumerate(self.net.forward)]
        self.feedback = [self.net.index(p, sizes[l + 2], sizes[l + 1]) for l, p in enumerate(self.net.feedback)]
        self.to_inter = [self.net.index(p, sizes[l + 1], sizes[l + 2]) for l, p in enumerate(self.net.to_interneurons)]
        self.from_inter = [self.net.index(p, sizes[l + 2], sizes[l + 1])
                           for l, p in enumerate(self.net.from_interneurons)]
        self.paths = InterneuronPaths(nest, self.to_inter, self.from_inter)
        self.inputs = self.net.layers[0].node_collection
        self.outputs = self.net.layers[-1].node_collection
        self.hidden = [self.net.layers[l].node_collection for l in range(1, L - 1)]
        self.W = [w.copy() for w in W]
        self.B = [b.copy() for b in B]
        self.prepared = False

    def run(self, steps: int) -> None:
        if not self.prepared:
            self.nest.Prepare()
            self.prepared = True
        self.nest.Run(float(steps))

    def close(self) -> None:
        if self.prepared:
            self.nest.Cleanup()
        self.sim.end()

    def read_forward(self, first: int = 0) -> None:
        """Read the forward weights from layer ``first`` on (the syncs need only those above a hidden layer)."""
        for l in range(first, len(self.forward)):
            self.W[l] = self.forward[l].get()

    def impose(self, silence: bool, bp: np.ndarray | None) -> None:
        """Self-predicting interneurons (or silenced ones); ``bp`` replicas get ``B = W_up^T``."""
        if bp is not None and bp.any():
            for l, f in enumerate(self.feedback):
                self.B[l] = np.where(bp[:, None, None], self.W[l + 1].transpose(0, 2, 1), self.B[l])
                f.set(self.B[l])
        W_IP = [np.zeros_like(self.W[l + 1]) if silence else self.W[l + 1] for l in range(len(self.feedback))]
        W_PI = [np.zeros_like(b) if silence else -b for b in self.B]
        self.paths.set(W_IP, W_PI)

    def pattern(self, inputs: np.ndarray, steps: int, settle: int, *, targets=None, symmetrise=False,
                eta=None, eta_sal=None, bp=None, sync: int = 100) -> np.ndarray:
        """Present ``inputs[replica, n_in]`` for ``steps``; return the mean output potential after settling.

        ``targets`` (replica, n_out) switch nudging on; ``eta`` (per layer) forward plasticity;
        ``eta_sal`` (per replica) SAL, in symmetrisation patterns.
        """
        lam_api = 1.0 if symmetrise else self.p["network"]["lambda_api"]
        set_node_values(self.inputs, b=inputs.ravel())
        for nodes in self.hidden:
            nodes.set(lambda_api=lam_api)
        nudge = {"lambda_nudge": 0.0}
        if targets is not None:
            nudge = {"lambda_nudge": self.p["network"]["lambda_nudge"], "u_target": targets.ravel()}
        set_node_values(self.outputs, **nudge)
        self.impose(silence=symmetrise, bp=bp)
        self.run(settle)
        self.outputs.set(u_sum=0.0)
        plastic = steps - settle
        if eta is not None:
            for f, e in zip(self.forward, eta):
                f.synapses.set(eta=e)
            done = 0
            while done < plastic:
                chunk = min(sync, plastic - done)
                self.run(chunk)
                done += chunk
                self.read_forward(first=1)
                self.impose(silence=False, bp=bp)
            for f in self.forward:
                f.synapses.set(eta=0.0)
        elif eta_sal is not None:
            for f in self.feedback:
                f.synapses.set(eta_sal=eta_sal[f.replica])
            self.run(plastic)
            for f in self.feedback:
                f.synapses.set(eta_sal=0.0)
            self.B = [f.get() for f in self.feedback]
        else:
            self.run(plastic)
        u_sum = node_values(self.outputs, "u_sum").astype(float).reshape(inputs.shape[0], -1)
        return u_sum / plastic


def teacher_targets(protocol, study: Study) -> tuple[np.ndarray, np.ndarray]:
    """The teacher's mean output potential for every training and validation input (one replica each)."""
    patterns = np.vstack([study.train_inputs, study.val_inputs])
    n = len(patterns)
    sizes = study.sizes
    W = [np.repeat(w[None], n, axis=0) for w in study.teacher_W]
    B = [W[l + 1].transpose(0, 2, 1).copy() for l in range(len(sizes) - 2)]
    biases = [np.full((n, s), protocol["teacher"]["bias"]) for s in sizes]
    steps = protocol["teacher"]["target_steps"]
    settle = protocol["schedule"]["settle_steps"]
    circuits = Circuits(protocol, sizes, W, B, biases, kernel_seed=protocol["experiment"]["seed"] * 7919 + 1,
                        lambda_nudge=0.0)
    try:
        mean_u = circuits.pattern(patterns, steps + settle, settle)
    finally:
        circuits.close()
    return mean_u[: len(study.train_inputs)], mean_u[len(study.train_inputs):]


def protocol_hash(protocol) -> str:
    """Identifies everything that changes the results (the segment length does, threads too)."""
    content = dict(protocol)
    content["experiment"] = {k: v for k, v in protocol["experiment"].items() if k not in ("source", "output", "name")}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def pattern_order(protocol, seed_index: int, epoch: int) -> tuple[np.ndarray, np.ndarray]:
    """Training-input indices of one epoch's learning and symmetrisation patterns for one student seed."""
    sched = protocol["schedule"]
    rng = np.random.default_rng([protocol["experiment"]["seed"], seed_index, epoch])
    n = len(protocol["patterns"]["training"])
    return rng.integers(n, size=sched["learning_patterns"]), rng.integers(n, size=sched["symmetrisation_patterns"])


def run_microcircuit(protocol, progress, output: Path | None = None) -> xr.Dataset:
    """Train all replicas; checkpoint into ``output`` after each segment and resume from it."""
    from salnest.provenance import provenance
    from salnest.results import previous_results, write_dataset

    study = make_study(protocol)
    exp, learn, sched = protocol["experiment"], protocol["learning"], protocol["schedule"]
    sizes, epochs, n_rep = study.sizes, sched["epochs"], study.n_replicas
    n_seeds, n_cond = study.n_seeds, len(study.conditions)
    phash = protocol_hash(protocol)
    n_hidden_layers = len(sizes) - 2

    W_hist = [np.full((n_rep, epochs + 1, *w.shape[1:]), np.nan) for w in study.W0]
    B_hist = [np.full((n_rep, epochs + 1, *b.shape[1:]), np.nan) for b in study.B0]
    val_out = np.full((n_rep, epochs + 1, len(study.val_inputs), sizes[-1]), np.nan)
    start, resumed, targets = 0, [], None
    old = from_root(lambda: previous_results(output, "microcircuit", phash))  # the same start on every rank
    if old is not None:
        start = int(old.attrs["completed_epochs"])
        targets = (old.train_target.values, old.val_target.values)
        for l in range(len(W_hist)):
            W_hist[l][:] = old[f"W{l}"].values.reshape(W_hist[l].shape)
        for l in range(len(B_hist)):
            B_hist[l][:] = old[f"B{l}"].values.reshape(B_hist[l].shape)
        val_out[:] = old.val_output.values.reshape(val_out.shape)
        resumed = json.loads(old.attrs.get("seeds", "{}")).get("resumed_at_epochs", []) + [start]
    if targets is None:
        targets = teacher_targets(protocol, study)
        for l in range(len(W_hist)):
            W_hist[l][:, 0] = study.W0[l]
        for l in range(len(B_hist)):
            B_hist[l][:, 0] = study.B0[l]
    train_target, val_target = targets

    def dataset(completed: int) -> xr.Dataset:
        dims = ("seed", "condition", "epoch")

        def shaped(x):
            return x.reshape(n_seeds, n_cond, *x.shape[1:])

        err = shaped(val_out) - val_target[None, None, None]
        data = {"loss": (dims, (err ** 2).mean(axis=(-1, -2))),
                "val_output": ((*dims, "val_pattern", "output"), shaped(val_out)),
                "train_target": (("train_pattern", "output"), train_target),
                "val_target": (("val_pattern", "output"), val_target),
                "train_input": (("train_pattern", "input"), study.train_inputs),
                "val_input": (("val_pattern", "input"), study.val_inputs)}
        for l, w in enumerate(W_hist):
            # neurons of layer k are dimension "layer{k}": W{l} is (layer l+1, layer l)
            data[f"W{l}"] = ((*dims, f"layer{l + 1}", f"layer{l}"), shaped(w))
            data[f"teacher_W{l}"] = ((f"layer{l + 1}", f"layer{l}"), study.teacher_W[l])
        for l, b in enumerate(B_hist):
            data[f"B{l}"] = ((*dims, f"layer{l + 1}", f"layer{l + 2}"), shaped(b))
        angle = np.stack([alignment_angle(B_hist[l], W_hist[l + 1]) for l in range(n_hidden_layers)], axis=-1)
        data["angle"] = ((*dims, "hidden_layer"), shaped(angle))
        data["wrong_sign"] = (("seed", "hidden_layer"), shaped(angle[:, 0])[:, 0] > 90.0)
        return xr.Dataset(data, coords={"seed": np.arange(n_seeds), "condition": study.conditions,
                                        "epoch": np.arange(epochs + 1), "hidden_layer": np.arange(n_hidden_layers)},
                          attrs={"salnest_kind": "microcircuit", "name": exp["name"], "sizes": json.dumps(sizes),
                                 "protocol_hash": phash, "completed_epochs": completed,
                                 **provenance(protocol, {"seed": exp["seed"], "resumed_at_epochs": resumed})})

    bp = study.condition_of("bp")
    eta_sal = np.where(study.condition_of("sal"), learn["eta_sal"], 0.0)
    eta = [learn["eta_hidden"]] * (len(sizes) - 2) + [learn["eta_output"]]
    L, settle = sched["pattern_length"], sched["settle_steps"]
    seed_of = np.repeat(np.arange(n_seeds), n_cond)
    epoch_iter = iter(progress(range(start + 1, epochs + 1)))
    epoch = start
    if not np.isfinite(val_out[:, 0]).all():  # validation before training, in its own kernel
        circuits = Circuits(protocol, sizes, [w[:, 0] for w in W_hist], [b[:, 0] for b in B_hist], study.biases,
                            kernel_seed=exp["seed"] * 1_000_003)
        try:
            circuits.impose(silence=False, bp=bp)
            for l in range(len(B_hist)):
                B_hist[l][:, 0] = circuits.B[l]  # bp replicas start from W_up^T
            for v, x in enumerate(study.val_inputs):
                val_out[:, 0, v] = circuits.pattern(np.repeat(x[None], n_rep, axis=0), L, settle)
        finally:
            circuits.close()
        if output is not None and is_root():  # the teacher's targets and the start are kept from here on
            write_dataset(dataset(0), output)
    while epoch < epochs:
        seg_start = epoch
        seg_end = min(epochs, seg_start + exp["checkpoint_every"])
        circuits = Circuits(protocol, sizes, [w[:, seg_start] for w in W_hist], [b[:, seg_start] for b in B_hist],
                            study.biases, kernel_seed=exp["seed"] * 1_000_003 + seg_start + 1)
        try:
            while epoch < seg_end:
                epoch = next(epoch_iter)
                orders = [pattern_order(protocol, s, epoch) for s in range(n_seeds)]
                learn_idx = np.array([o[0] for o in orders])[seed_of]   # (replica, pattern)
                sym_idx = np.array([o[1] for o in orders])[seed_of]
                for k in range(learn_idx.shape[1]):
                    i = learn_idx[:, k]
                    circuits.pattern(study.train_inputs[i], L, settle, targets=train_target[i], eta=eta, bp=bp,
                                     sync=learn["sync_interval"])
                for k in range(sym_idx.shape[1]):
                    i = sym_idx[:, k]
                    circuits.pattern(study.train_inputs[i], L, settle, symmetrise=True, eta_sal=eta_sal, bp=bp)
                for v, x in enumerate(study.val_inputs):
                    val_out[:, epoch, v] = circuits.pattern(np.repeat(x[None], n_rep, axis=0), L, settle, bp=bp)
                circuits.read_forward()
                for l in range(len(W_hist)):
                    W_hist[l][:, epoch] = circuits.W[l]
                for l in range(len(B_hist)):
                    B_hist[l][:, epoch] = circuits.B[l]
        finally:
            circuits.close()
        if output is not None and is_root():
            write_dataset(dataset(epoch), output)
    return dataset(epochs)


RUNNERS = {"microcircuit": run_microcircuit}


def opposed_to_learned(ds: xr.Dataset) -> np.ndarray | None:
    """Per seed: does the initial B point away (> 90 degrees) from the forward weights that BP
    learns (the teacher's direction)? None without a BP condition."""
    others = [c for c in ds.condition.values if c != "bp"]
    if "bp" not in list(ds.condition.values) or not others:
        return None
    done = int(ds.attrs.get("completed_epochs", ds.epoch.values[-1]))
    top = ds[f"W{ds.sizes['hidden_layer']}"]
    B = ds[f"B{ds.sizes['hidden_layer'] - 1}"]  # as drawn: BP's own B starts as a copy
    return alignment_angle(B.sel(condition=others[0], epoch=0).values, top.sel(condition="bp", epoch=done).values) > 90.0


def summary(ds: xr.Dataset) -> str:
    """Median and IQR of the final validation loss per condition; the paper's comparisons."""
    done = int(ds.attrs.get("completed_epochs", ds.epoch.values[-1]))
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
    opposed = opposed_to_learned(ds)
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
