"""SAL under Dale's law (paper Fig. 10): the E-I system, and the kind ``ei_drift_field``.

Two kinds on the E-I systems of :mod:`salnest.networks.ei_system` (two excitatory neurons coupled
directly and through one inhibitory partner each), for one draw of the E-I weights and
inhibitory biases (:func:`salnest.theory.ei_system.draw_system`; seed 97 is the paper's):

- ``ei_drift_field`` (here): the SAL drift of the two direct E-E weights, measured with frozen
  weights on a grid, shown in effective weights (:mod:`salnest.theory.ei_system`); SAL's
  fixed point on every conserved anti-diagonal ``W_e1_e2 + W_e2_e1``, compared with the
  effective diagonal ``W_eff_e1_e2 = W_eff_e2_e1`` and the raw one; learning runs with the
  E-E weights kept excitatory (``Wmin``);
- ``ei_rates`` (:mod:`salnest.experiments.ei_rates`): the rate of e2 driven by e1 alone (the
  e2 -> e1 pathways removed, as the reference) in the E-I system and in a direct pair with the
  effective weight, measured in NEST and exact from the network chain
  (:func:`salnest.theory.ei_system.exact_rate`).

Rates are ``P(z = 1)``, i.e. spikes per ``tau_ref``; times are in steps.
"""

from __future__ import annotations

import contextlib

import numpy as np
import xarray as xr

from salnest.analysis.ei_system import fixed_point_agreement, fixed_point_offsets, learning_offsets
from salnest.experiments._shared import check_simulator, grid_values, kernel, reading_times, run_reading
from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, save
from salnest.study.protocol import (
    Field,
    ProtocolError,
    at_least,
    grid_points,
    grid_spec,
    list_of_pairs,
    one_of,
    pair_of_numbers,
    shown,
)
from salnest.study.protocol import (
    seed as seed_range,
)
from salnest.study.registry import ExperimentKind, register
from salnest.theory.ei_system import CONNECTIONS, NEURONS, draw_system, effective_weights, pathway_weights


def _mean_and_sd(v):
    problem = pair_of_numbers(v)
    if problem is None and v[1] < 0:
        problem = f"needs a standard deviation >= 0, got {shown(v)}"
    return problem


def system_fields() -> dict[str, Field]:
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


def experiment_fields(seed: int) -> dict[str, Field]:
    return {"seed": Field(int, seed, seed_range, doc="seed of NEST's random streams (the E-I draw has its own, "
                                                      "system.draw_seed)")}


def draw(protocol) -> tuple[dict, dict]:
    s = protocol["system"]
    return draw_system(s["draw_seed"], tuple(s["w_ie"]), tuple(s["w_ei"]), tuple(s["b_i"]), s["b_e"])


def system_data(weights: dict, biases: dict) -> tuple[dict, dict]:
    """The drawn system as data variables (E-E entries NaN: the experiment sets them)."""
    static = [c for c in CONNECTIONS if c not in ("e1_e2", "e2_e1")]
    c12, c21 = pathway_weights(weights, biases)
    data = {"system_weight": (("connection",), [weights[c] for c in static], {"naming": "post_pre"}),
            "system_bias": (("neuron",), [biases[n] for n in NEURONS]),
            "pathway_weight": (("direction",), [c12, c21],
                               {"long_name": "inhibitory detour's part of the effective weight"})}
    return data, {"connection": static, "neuron": list(NEURONS), "direction": ["W12", "W21"]}


class DriftField(EpochRun):
    """One epoch per value of W_e1_e2 (a row of the grid, all its W_e2_e1 and seeds, frozen), then
    one for the learning runs; every epoch in a kernel of its own, so an interrupted run keeps
    every finished row."""

    def __init__(self, protocol):
        self.p = protocol
        grid, learn = protocol["grid"], protocol["learning"]
        self.weights, self.biases = draw(protocol)
        self.w12s, self.w21s = grid_values(grid["w_e1_e2"]), grid_values(grid["w_e2_e1"])
        self.seeds = grid["seeds_per_point"]
        self.starts = np.array(learn["starts"], float).reshape(-1, 2)
        self.times = reading_times(learn["steps"], learn["record_interval"])
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
        with kernel(self.p, seed) as sim:
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
        self.trajectory[:] = run_reading(sim.run, systems.read, self.times)

    def dataset(self, completed: int) -> xr.Dataset:
        data, coords = system_data(self.weights, self.biases)
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
    check_simulator(protocol)
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


register(ExperimentKind(
    name="ei_drift_field",
    description="SAL drift of an E-I system under Dale's law in effective weights, fixed points against the "
                "effective diagonal, learning runs (paper Fig. 10)",
    schema={
        "system": system_fields(),
        "sal": _sal(),
        "grid": {"w_e1_e2": Field(list, [0.0, 2.0, 0.1], grid_spec, doc="[start, stop, step] of W_e1_e2 (W12)"),
                 "w_e2_e1": Field(list, [0.0, 2.0, 0.1], grid_spec, doc="[start, stop, step] of W_e2_e1 (W21)"),
                 "seeds_per_point": Field(int, 4, at_least(2),
                                          doc="independent systems per grid point (>= 2: standard errors)"),
                 "steps": Field(int, 2_000_000, at_least(1), doc="frozen-weight measurement per point, in steps")},
        "learning": {"starts": Field(list, [], list_of_pairs, doc="starting points [[W_e1_e2, W_e2_e1], ...]"),
                     "eta_sal": Field(float, 0.01, at_least(0.0), doc="SAL learning rate of the learning runs"),
                     "w_min": Field(float, 0.0, lambda v: None if v < float("inf") else "must be below inf",
                                    doc="lower bound of the E-E weights (0: Dale's law; -inf: none)", finite=False),
                     "steps": Field(int, 1_000_000, at_least(1), doc="steps per learning run"),
                     "record_interval": Field(int, 10_000, at_least(1), doc="steps between weight readings")},
    },
    epochs=DriftField, plot=plot_drift_field, summary=summary_drift_field, check=_check_drift_field,
    simulators=("nest", "brian2"),
    experiment=experiment_fields(42),
    simulated_ms=lambda p: float(max(p["grid"]["steps"], p["learning"]["steps"] if p["learning"]["starts"] else 0)),
    neurons=lambda p: 4 * max(grid_points(p["grid"]["w_e2_e1"]) * p["grid"]["seeds_per_point"],
                              len(p["learning"]["starts"])),
))
