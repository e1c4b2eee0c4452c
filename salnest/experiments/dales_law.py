"""SAL under Dale's law (paper Fig. 10): the E-I system, its drift field and its rates.

Two kinds on the E-I systems of :mod:`salnest.networks.ei_system` (two excitatory neurons coupled
directly and through one inhibitory partner each), for one draw of the E-I weights and
inhibitory biases (:func:`salnest.theory.ei_system.draw_system`; seed 97 is the paper's):

- ``ei_drift_field``: the SAL drift of the two direct E-E weights, measured with frozen
  weights on a grid, shown in effective weights (:mod:`salnest.theory.ei_system`); SAL's
  fixed point on every conserved anti-diagonal ``W_e1_e2 + W_e2_e1``, compared with the
  effective diagonal ``W_eff_e1_e2 = W_eff_e2_e1`` and the raw one; learning runs with the
  E-E weights kept excitatory (``Wmin``);
- ``ei_rates``: the rate of e2 driven by e1 alone (the e2 -> e1 pathways removed, as the
  reference) in the E-I system and in a direct pair with the effective weight, measured in
  NEST and exact from the network chain (:func:`salnest.theory.ei_system.exact_rate`).

Rates are ``P(z = 1)``, i.e. spikes per ``tau_ref``; times are in steps.
"""

from __future__ import annotations

import contextlib

import numpy as np
import xarray as xr

from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, save
from salnest.study.protocol import Field, ProtocolError, at_least, grid_spec, list_of_pairs, one_of, pair_of_numbers
from salnest.study.registry import ExperimentKind, register
from salnest.theory.ei_system import CONNECTIONS, NEURONS, draw_system, effective_weights, exact_rate, pathway_weights


def _mean_and_sd(v):
    problem = pair_of_numbers(v)
    if problem is None and v[1] < 0:
        problem = f"needs a standard deviation >= 0, got {v!r}"
    return problem


def _system() -> dict[str, Field]:
    return {
        "tau_ref": Field(int, 25, at_least(1),
                         doc="refractory period = rectangular PSP duration (= SAL window time constant), in steps"),
        "draw_seed": Field(int, 97, at_least(0), doc="seed of the one draw of E-I weights and inhibitory biases "
                                                     "(numpy default_rng in the reference's order; 97: the paper's)"),
        "w_ie": Field(list, [4.0, 0.2], _mean_and_sd, doc="(mean, sd) of the E -> I weights"),
        "w_ei": Field(list, [-1.0, 0.1], _mean_and_sd, doc="(mean, sd) of the I -> E weights"),
        "b_i": Field(list, [-2.0, 0.2], _mean_and_sd, doc="(mean, sd) of the inhibitory biases"),
        "b_e": Field(float, 0.0, doc="bias of both excitatory neurons"),
    }


def _sal() -> dict[str, Field]:
    return {
        "window": Field(str, "exponential", one_of("exponential", "triangular"), doc="shape of the SAL window"),
        "pairing": Field(str, "restricted", one_of("restricted", "all_to_all"),
                         doc="SAL's spike pairing: restricted nearest neighbour, or all to all (exponential "
                             "window only)"),
    }


def _experiment(seed: int) -> dict[str, Field]:
    return {"seed": Field(int, seed, at_least(1), doc="seed of NEST's random streams (the E-I draw has its own, "
                                                      "system.draw_seed)")}


def _draw(protocol) -> tuple[dict, dict]:
    s = protocol["system"]
    return draw_system(s["draw_seed"], tuple(s["w_ie"]), tuple(s["w_ei"]), tuple(s["b_i"]), s["b_e"])


def _grid(spec) -> np.ndarray:
    start, stop, step = spec
    return np.round(np.arange(start, stop + step / 2, step), 10)


def _kernel(protocol):
    from salnest.networks.kernel import kernel

    return kernel(protocol["experiment"]["seed"], protocol["experiment"]["threads"])


def _run_in_chunks(sim, steps: int, progress, chunks: int = 20) -> None:
    for k in progress(range(chunks)):
        sim.run(steps * (k + 1) // chunks - steps * k // chunks)


def _system_data(weights: dict, biases: dict) -> tuple[dict, dict]:
    """The drawn system as data variables (E-E entries NaN: the experiment sets them)."""
    static = [c for c in CONNECTIONS if c not in ("e1_e2", "e2_e1")]
    c12, c21 = pathway_weights(weights, biases)
    data = {"system_weight": (("connection",), [weights[c] for c in static], {"naming": "post_pre"}),
            "system_bias": (("neuron",), [biases[n] for n in NEURONS]),
            "pathway_weight": (("direction",), [c12, c21],
                               {"long_name": "inhibitory detour's part of the effective weight"})}
    return data, {"connection": static, "neuron": list(NEURONS), "direction": ["W12", "W21"]}


# --- ei_drift_field ------------------------------------------------------------------------------

class DriftField(EpochRun):
    """One epoch per value of W_e1_e2 (a row of the grid, all its W_e2_e1 and seeds, frozen), then
    one for the learning runs; every epoch in a kernel of its own, so an interrupted run keeps
    every finished row."""

    def __init__(self, protocol):
        self.p = protocol
        grid, learn = protocol["grid"], protocol["learning"]
        self.weights, self.biases = _draw(protocol)
        self.w12s, self.w21s = _grid(grid["w_e1_e2"]), _grid(grid["w_e2_e1"])
        self.seeds = grid["seeds_per_point"]
        self.starts = np.array(learn["starts"], float).reshape(-1, 2)
        n = int(np.ceil(learn["steps"] / learn["record_interval"]))
        self.times = np.minimum(np.arange(n + 1) * learn["record_interval"], learn["steps"]).astype(float)
        self.rows = len(self.w12s)
        self.epochs = self.rows + (1 if len(self.starts) else 0)

    def start(self) -> None:
        self.drift = np.full((self.rows, len(self.w21s), self.seeds, 2), np.nan)
        self.trajectory = np.full((len(self.times), len(self.starts), 2), np.nan)

    def restore(self, checkpoint: xr.Dataset) -> None:
        self.drift = checkpoint.drift_measured.values.copy()
        if len(self.starts):
            self.trajectory = checkpoint.trajectory.values.copy()

    def segment_end(self, completed: int, every: int) -> int:
        return completed + 1  # each row builds its own systems in its own kernel

    @contextlib.contextmanager
    def open_segment(self, first_epoch: int, seed: int):
        from salnest.networks.kernel import kernel

        with kernel(seed, self.p["experiment"]["threads"]) as sim:
            yield sim

    def _systems(self, sim, w12, w21, **plasticity):
        from salnest.networks.ei_system import build_systems

        s = self.p["system"]
        return build_systems(sim, {**self.weights, "e1_e2": w12, "e2_e1": w21}, self.biases, s["tau_ref"],
                             window=self.p["sal"]["window"], pairing=self.p["sal"]["pairing"], **plasticity)

    def run_epoch(self, sim, epoch: int) -> None:
        if epoch <= self.rows:
            steps = self.p["grid"]["steps"]
            W21 = np.repeat(self.w21s, self.seeds)  # system = w21 index * seeds + seed
            systems = self._systems(sim, np.full(W21.size, self.w12s[epoch - 1]), W21)
            sim.run(steps)
            self.drift[epoch - 1] = systems.read("sal_sum").reshape(len(self.w21s), self.seeds, 2) / steps
            return
        learn = self.p["learning"]
        systems = self._systems(sim, self.starts[:, 0], self.starts[:, 1], eta_sal=learn["eta_sal"],
                                w_min=learn["w_min"])
        self.trajectory[0] = systems.read()
        for k in range(1, len(self.times)):
            sim.run(self.times[k] - self.times[k - 1])
            self.trajectory[k] = systems.read()

    def dataset(self, completed: int) -> xr.Dataset:
        data, coords = _system_data(self.weights, self.biases)
        e12, e21 = effective_weights(self.w12s, self.w21s, self.weights, self.biases)
        data["drift_measured"] = (("w12", "w21", "seed", "direction"), self.drift, {"units": "per step"})
        coords.update(w12=("w12", self.w12s, {"long_name": "W_e1_e2"}),
                      w21=("w21", self.w21s, {"long_name": "W_e2_e1"}),
                      w_eff12=("w12", e12), w_eff21=("w21", e21), seed=np.arange(self.seeds))
        if len(self.starts):
            data["trajectory"] = (("time", "start", "direction"), self.trajectory)
            coords.update(time=("time", self.times, {"units": "steps"}), start=np.arange(len(self.starts)))
        ds = xr.Dataset(data, coords=coords)
        offsets, spread = fixed_point_offsets(ds)
        ds["fixed_point_offset"] = offsets
        ds["fixed_point_offset_sd"] = spread
        ds.attrs.update(fixed_point_agreement(ds))
        return ds


def _stable_crossing(delta: np.ndarray, velocity: np.ndarray) -> float:
    """The delta at which ``velocity`` (the drift of delta) falls through 0, linearly interpolated;
    NaN unless there is exactly one such crossing."""
    down = np.nonzero((velocity[:-1] > 0) & (velocity[1:] <= 0))[0]
    if len(down) != 1:
        return np.nan
    k = down[0]
    return float(delta[k] + velocity[k] * (delta[k + 1] - delta[k]) / (velocity[k] - velocity[k + 1]))


def fixed_point_offsets(ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    """SAL's fixed point on every anti-diagonal of the grid, as ``delta = (W12 - W21) / 2``.

    SAL conserves ``W12 + W21 = 2 m`` (each E-E pair changes the two weights by opposite
    amounts), so on an anti-diagonal only ``delta`` moves, at ``(dW12 - dW21) / 2`` per step; its
    stable zero, interpolated between grid points, is the fixed point. Returns the offset from the
    seed-averaged drift and the standard deviation of the per-seed offsets over seeds, both over
    ``mean_weight``; NaN where an anti-diagonal has no single stable crossing or is not measured
    in full (a partial run).
    """
    w12, w21 = ds.w12.values, ds.w21.values
    velocity = 0.5 * (ds.drift_measured.sel(direction="W12") - ds.drift_measured.sel(direction="W21")).values
    sums = np.round(w12[:, None] + w21[None, :], 8)
    means = np.unique(sums) / 2
    offset, sd = np.full(len(means), np.nan), np.full(len(means), np.nan)
    for k, m in enumerate(means):
        i, j = np.nonzero(sums == np.round(2 * m, 8))
        order = np.argsort(w12[i] - w21[j])
        i, j = i[order], j[order]
        if len(i) < 2 or np.isnan(velocity[i, j]).any():  # too short, or not all measured yet
            continue
        delta = (w12[i] - w21[j]) / 2
        offset[k] = _stable_crossing(delta, velocity[i, j].mean(axis=-1))
        per_seed = [_stable_crossing(delta, velocity[i, j, s]) for s in range(velocity.shape[-1])]
        if velocity.shape[-1] > 1 and not np.any(np.isnan(per_seed)):
            sd[k] = np.std(per_seed, ddof=1)
    dims = {"mean_weight": means}
    return (xr.DataArray(offset, coords=dims, dims="mean_weight", attrs={"definition": "(W12 - W21) / 2"}),
            xr.DataArray(sd, coords=dims, dims="mean_weight"))


def effective_diagonal_offset(ds: xr.Dataset) -> float:
    """delta = (W12 - W21) / 2 on the effective diagonal W_eff12 = W_eff21: (c21 - c12) / 2."""
    c12, c21 = ds.pathway_weight.values
    return float((c21 - c12) / 2)


def fixed_point_agreement(ds: xr.Dataset) -> dict[str, float]:
    """How far the measured fixed points miss the effective and the raw diagonal (in delta)."""
    offsets = ds.fixed_point_offset.values
    found = ~np.isnan(offsets)
    target = effective_diagonal_offset(ds)
    out = {"fixed_points_found": int(found.sum()), "anti_diagonals": int(len(offsets)),
           "effective_diagonal_offset": target}
    if found.any():
        miss = offsets[found] - target
        out.update(mean_miss_effective=float(miss.mean()), max_miss_effective=float(np.abs(miss).max()),
                   mean_miss_raw=float(offsets[found].mean()))
        sd = ds.fixed_point_offset_sd.values[found]
        if np.any(~np.isnan(sd)):
            out["median_offset_sd_per_seed"] = float(np.nanmedian(sd))
    return out


def drift_toward_effective_diagonal(ds: xr.Dataset, min_distance: float) -> xr.DataArray:
    """Per grid point at least ``min_distance`` (in W_eff12 - W_eff21) off the effective diagonal: the
    seed-mean drift of W_eff12 - W_eff21 (= that of W12 - W21) divided by its standard error, signed
    so that positive points toward the diagonal; NaN nearer the diagonal."""
    distance = ds.w_eff12 - ds.w_eff21
    v = ds.drift_measured.sel(direction="W12") - ds.drift_measured.sel(direction="W21")
    z = -np.sign(distance) * v.mean("seed") / (v.std("seed", ddof=1) / np.sqrt(ds.sizes["seed"]))
    return z.where(np.abs(distance) >= min_distance)


def learning_offsets(ds: xr.Dataset) -> xr.DataArray:
    """W_eff12 - W_eff21 of every learning run, averaged over the second half of its records (the
    weights fluctuate about the fixed point by about 0.1 at eta_sal = 0.01)."""
    c12, c21 = ds.pathway_weight.values
    late = ds.trajectory.where(ds.time >= float(ds.time[-1]) / 2, drop=True)
    return (late.sel(direction="W12") + c12 - late.sel(direction="W21") - c21).mean("time")


def plot_drift_field(ds, path):
    """Drift field in effective weights (raw ones on the top and right), fixed points, learning runs."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.0, 4.8))
    c12, c21 = ds.pathway_weight.values
    E12, E21 = np.meshgrid(ds.w_eff12, ds.w_eff21, indexing="ij")
    d = ds.drift_measured.mean("seed")
    d12, d21 = d.sel(direction="W12").values, d.sel(direction="W21").values
    speed = np.hypot(d12, d21)
    top_speed = np.nanmax(speed)
    im = ax.contourf(E12, E21, speed / top_speed, 15, cmap="GnBu", alpha=0.9)
    every = max(1, len(ds.w12) // 11)  # about 11 arrows a side, as the paper
    ax.quiver(E12[::every, ::every], E21[::every, ::every], d12[::every, ::every] / top_speed,
              d21[::every, ::every] / top_speed, pivot="mid", angles="xy", scale=15, width=0.004)
    ax.contour(E12, E21, d12 - d21, [0.0], colors="C3", linewidths=1.2)
    lo = float(min(E12.min(), E21.min()))
    hi = float(max(E12.max(), E21.max()))
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="$W^{eff}_{12} = W^{eff}_{21}$")
    ax.plot([lo, hi], [lo - c12 + c21, hi - c12 + c21], "k:", lw=1, label="$W^{EE}_{12} = W^{EE}_{21}$")
    found = ds.fixed_point_offset.dropna("mean_weight")
    m, delta = found.mean_weight.values, found.values
    ax.plot(m + delta + c12, m - delta + c21, "o", color="C3", ms=3, label="SAL fixed points")
    if "trajectory" in ds:
        for s in ds.start.values:
            tr = ds.trajectory.sel(start=s)
            ax.plot(tr.sel(direction="W12") + c12, tr.sel(direction="W21") + c21, color="C1", lw=1.2)
            ax.plot(float(tr.sel(direction="W12")[0]) + c12, float(tr.sel(direction="W21")[0]) + c21, "s",
                    color="C1", ms=3)
    ax.set_xlim(float(E12.min()), float(E12.max()))
    ax.set_ylim(float(E21.min()), float(E21.max()))
    ax.set_aspect("equal")
    ax.set_xlabel("$W^{eff}_{12}$ (onto e1)")
    ax.set_ylabel("$W^{eff}_{21}$ (onto e2)")
    top = ax.secondary_xaxis("top", functions=(lambda x: x - c12, lambda x: x + c12))
    top.set_xlabel("$W^{EE}_{12}$")
    right = ax.secondary_yaxis("right", functions=(lambda y: y - c21, lambda y: y + c21))
    right.set_ylabel("$W^{EE}_{21}$")
    fig.colorbar(im, ax=ax, orientation="horizontal", fraction=0.05, pad=0.15, label="relative drift speed")
    ax.legend(fontsize=7, loc="upper left")
    return save(fig, path)


def summary_drift_field(ds) -> str:
    """Where SAL's fixed points lie against the effective and the raw diagonal."""
    a = ds.attrs
    rows = int(np.isfinite(ds.drift_measured).all(("w21", "seed", "direction")).sum())
    lines = [f"{a.get('name', 'E-I drift field')}: {ds.sizes['w12']} x {ds.sizes['w21']} grid ({rows} rows measured), "
             f"{ds.sizes['seed']} seed(s) per point; effective diagonal at delta = (W12 - W21) / 2 = "
             f"{a['effective_diagonal_offset']:+.4f}",
             f"stable fixed points found on {a['fixed_points_found']} of {a['anti_diagonals']} anti-diagonals"]
    if a["fixed_points_found"]:
        lines.append(f"fixed point minus effective diagonal (in delta): mean {a['mean_miss_effective']:+.4f}, "
                     f"max |.| {a['max_miss_effective']:.4f}; minus raw diagonal: mean {a['mean_miss_raw']:+.4f}")
    if "median_offset_sd_per_seed" in a:
        lines.append(f"median sd of one seed's fixed point: {a['median_offset_sd_per_seed']:.4f}")
    if "trajectory" in ds and np.isfinite(ds.trajectory).all():
        c12, c21 = ds.pathway_weight.values
        late = learning_offsets(ds)
        for s in ds.start.values:
            w0, w1 = ds.trajectory.sel(start=s).values[[0, -1]]
            lines.append(f"learning from W = ({w0[0]:.2f}, {w0[1]:.2f}): after {float(ds.time[-1]):.0f} steps "
                         f"W = ({w1[0]:.3f}, {w1[1]:.3f}); W_eff12 - W_eff21 over the second half "
                         f"{float(late.sel(start=s)):+.4f}")
    return "\n".join(lines)


def _check_drift_field(protocol) -> None:
    grid, learn, sal = protocol["grid"], protocol["learning"], protocol["sal"]
    if sal["pairing"] == "all_to_all" and sal["window"] != "exponential":
        raise ProtocolError("sal.pairing = 'all_to_all' needs sal.window = 'exponential' (the C++ synapse's "
                            "traces)")
    if grid["w_e1_e2"][2] != grid["w_e2_e1"][2]:
        raise ProtocolError("grid.w_e1_e2 and grid.w_e2_e1 need the same step: fixed points are found along "
                            "anti-diagonals through grid points")
    low = [s for s in learn["starts"] if min(s) < learn["w_min"]]
    if low:
        raise ProtocolError(f"learning.starts {low} lie below learning.w_min = {learn['w_min']}")


# --- ei_rates ------------------------------------------------------------------------------------

def _feed_forward(weights: dict, w21: np.ndarray, direct: bool) -> dict:
    """e1 drives e2 (directly with W_e2_e1 = w21, and through i1 unless ``direct``); e2 drives
    nothing back, as in the reference's rate experiment."""
    out = {**weights, "e1_e2": 0.0, "e1_i2": 0.0, "e2_e1": w21}
    if direct:
        out["e2_i1"] = 0.0
    return out


def run_rates(protocol, progress) -> xr.Dataset:
    """Rate of e2 in the E-I system and in the direct system with the effective weight."""
    from salnest.networks.ei_system import build_systems

    sys_, rates = protocol["system"], protocol["rates"]
    weights, biases = _draw(protocol)
    w21s = _grid(rates["w_e2_e1"])
    reps = rates["replicates"]
    _, c21 = pathway_weights(weights, biases)
    per_system = np.repeat(w21s, reps)  # system = w * replicates + replicate
    conditions = {"dale": (per_system, False), "direct": (per_system + c21, True)}
    with _kernel(protocol) as sim:
        groups = {}
        for name, (w, direct) in conditions.items():
            groups[name] = build_systems(sim, _feed_forward(weights, w, direct), biases, sys_["tau_ref"])
            groups[name].population.record("spikes")
        _run_in_chunks(sim, rates["steps"], progress)
        measured = np.stack([g.rates(rates["steps"])[:, NEURONS.index("e2")] for g in groups.values()])
    measured = measured.reshape(len(conditions), len(w21s), reps) * sys_["tau_ref"]
    exact = np.array([[exact_rate(_feed_forward(weights, w + (c21 if direct else 0.0), direct), biases, "e2",
                                  sys_["tau_ref"]) for w in w21s] for _, direct in conditions.values()])
    data, coords = _system_data(weights, biases)
    data.update(rate_measured=(("system", "w21", "replicate"), measured, {"units": "spikes per tau_ref"}),
                rate_exact=(("system", "w21"), exact, {"units": "spikes per tau_ref"}))
    coords.update(system=list(conditions), w21=("w21", w21s, {"long_name": "W_e2_e1"}),
                  w_eff21=("w21", w21s + c21), replicate=np.arange(reps))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(rate_agreement(ds))
    return ds


def rate_agreement(ds: xr.Dataset) -> dict[str, float]:
    """NEST against the exact chain (in standard errors over replicates) and the effective weight's
    own error (exact E-I rate minus exact direct rate)."""
    mean = ds.rate_measured.mean("replicate")
    se = ds.rate_measured.std("replicate", ddof=1) / np.sqrt(ds.sizes["replicate"])
    z = (mean - ds.rate_exact) / se
    gap = ds.rate_exact.sel(system="dale") - ds.rate_exact.sel(system="direct")
    return {"max_abs_z": float(np.abs(z).max()), "max_abs_error": float(np.abs(mean - ds.rate_exact).max()),
            "max_abs_effective_weight_gap": float(np.abs(gap).max()),
            "mean_effective_weight_gap": float(gap.mean())}


def plot_rates(ds, path):
    """Rate of e2 against W_e2_e1 (bottom) and W_eff (top): E-I system and direct system."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    c21 = float(ds.pathway_weight.sel(direction="W21"))
    w = ds.w21.values
    for name, marker, label in (("dale", "o", "E-I system"), ("direct", "s", "direct, $W^{eff}$")):
        r = ds.rate_measured.sel(system=name)
        ax.errorbar(w, r.mean("replicate"), yerr=r.std("replicate", ddof=1) / np.sqrt(ds.sizes["replicate"]),
                    fmt=marker, mfc="none", ms=5, label=f"{label} (NEST)")
        ax.plot(w, ds.rate_exact.sel(system=name), "-", lw=0.8, color=ax.lines[-1].get_color(),
                label=f"{label} (exact)")
    ax.set_xlabel("$W^{EE}_{21}$ (onto e2 from e1)")
    ax.set_ylabel(r"$r_{e2}$ (per $\tau_{ref}$)")
    top = ax.secondary_xaxis("top", functions=(lambda x: x + c21, lambda x: x - c21))
    top.set_xlabel("$W^{eff}_{21}$")
    ax.legend(fontsize=7)
    return save(fig, path)


def summary_rates(ds) -> str:
    """NEST against exact, and the effective weight's approximation error."""
    a = ds.attrs
    lines = [f"{a.get('name', 'E-I rates')}: NEST within {a['max_abs_z']:.2f} standard errors "
             f"({a['max_abs_error']:.4f}) of the exact rates; exact E-I minus direct rate: mean "
             f"{a['mean_effective_weight_gap']:+.4f}, max |.| {a['max_abs_effective_weight_gap']:.4f}"]
    for w in ds.w21.values:
        sel = ds.sel(w21=w)
        m = sel.rate_measured.mean("replicate").values
        e = sel.rate_exact.values
        lines.append(f"W_e2_e1 {w:.2f} (W_eff {float(sel.w_eff21):+.3f}): E-I {m[0]:.4f} (exact {e[0]:.4f}), "
                     f"direct {m[1]:.4f} (exact {e[1]:.4f})")
    return "\n".join(lines)


def _check_rates(protocol) -> None:
    states = (protocol["system"]["tau_ref"] + 1) ** 3
    if states > 2_000_000:
        raise ProtocolError(f"system.tau_ref = {protocol['system']['tau_ref']}: the exact chain of e1, i1, e2 "
                            f"would have {states} states (at most 2,000,000)")


register(ExperimentKind(
    name="ei_drift_field",
    description="SAL drift of an E-I system under Dale's law in effective weights, fixed points against the "
                "effective diagonal, learning runs (paper Fig. 10)",
    schema={
        "system": _system(),
        "sal": _sal(),
        "grid": {"w_e1_e2": Field(list, [0.0, 2.0, 0.1], grid_spec, doc="[start, stop, step] of W_e1_e2 (W12)"),
                 "w_e2_e1": Field(list, [0.0, 2.0, 0.1], grid_spec, doc="[start, stop, step] of W_e2_e1 (W21)"),
                 "seeds_per_point": Field(int, 4, at_least(2),
                                          doc="independent systems per grid point (>= 2: standard errors)"),
                 "steps": Field(int, 2_000_000, at_least(1), doc="frozen-weight measurement per point, in steps")},
        "learning": {"starts": Field(list, [], list_of_pairs, doc="starting points [[W_e1_e2, W_e2_e1], ...]"),
                     "eta_sal": Field(float, 0.01, at_least(0.0), doc="SAL learning rate of the learning runs"),
                     "w_min": Field(float, 0.0, doc="lower bound of the E-E weights (0: Dale's law)"),
                     "steps": Field(int, 1_000_000, at_least(1), doc="steps per learning run"),
                     "record_interval": Field(int, 10_000, at_least(1), doc="steps between weight readings")},
    },
    epochs=DriftField, plot=plot_drift_field, summary=summary_drift_field, check=_check_drift_field,
    experiment=_experiment(42),
))

register(ExperimentKind(
    name="ei_rates",
    description="rate of e2 in the E-I system and in a direct pair with the effective weight, NEST and exact "
                "(paper Fig. 10)",
    schema={
        "system": _system(),
        "rates": {"w_e2_e1": Field(list, [0.0, 2.0, 0.25], grid_spec, doc="[start, stop, step] of W_e2_e1"),
                  "steps": Field(int, 500_000, at_least(1), doc="simulated steps"),
                  "replicates": Field(int, 4, at_least(2), doc="independent systems per weight (>= 2)")},
    },
    run=run_rates, plot=plot_rates, summary=summary_rates, check=_check_rates, experiment=_experiment(42),
))
