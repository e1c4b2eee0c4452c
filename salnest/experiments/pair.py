"""Reciprocal pairs (paper Fig. 2): weight trajectories, spike-timing statistics, the phase plane.

Three kinds, each run in one piece in one NEST kernel with
:mod:`salnest.networks.reciprocal_pair`, each with the exact predictions of
:mod:`salnest.theory.pair_chain` beside the measurements:

- ``pair_trajectory``: weights over time of independent pairs under one or more plasticity
  conditions (both directions plastic, or only W12), with the exact mean-field trajectory;
  ``salnest demo`` is one (``protocols/demo.toml``);
- ``pair_stdd``: frozen weights; the distribution of spike-timing differences of
  restricted nearest-neighbour pairs and the mean SAL update per pair;
- ``pair_phase_plane``: the SAL drift measured on a (W12, W21) grid against the exact field,
  with plastic trajectories on top.

Times are in steps (one step = one NEST time step of 1 ms).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.optimize import brentq

from salnest.analysis.pairs import phase_plane_agreement
from salnest.experiments._shared import (
    check_simulator,
    grid_values,
    kernel,
    reading_times,
    run_in_chunks,
    run_reading,
    window_of,
)
from salnest.networks.reciprocal_pair import BUILDERS
from salnest.networks.sampling_network import BUILDERS_DOC
from salnest.study.figures import pyplot, save
from salnest.study.protocol import (
    Field,
    at_least,
    distinct_choices,
    grid_points,
    grid_spec,
    list_of_pairs,
    one_of,
    pair_of_numbers,
    within,
)
from salnest.study.protocol import (
    seed as seed_range,
)
from salnest.study.registry import ExperimentKind, register
from salnest.theory.fixed_point import drift_w12, sal_fixed_point
from salnest.theory.pair_chain import MAX_CHAIN_TAU_REF, drift_field, mean_field_trajectory, pair_statistics
from salnest.theory.windows import restricted_nn_pairs

PLASTIC = {"both": "both directions plastic", "w12": "only W12 plastic"}


def _network(with_weights: bool) -> dict[str, Field]:
    fields = {
        "b": Field(list, [0.0, 0.0], pair_of_numbers, doc="biases (b1, b2)"),
        "tau_ref": Field(int, 25, within(1, MAX_CHAIN_TAU_REF),
                         doc="refractory period = PSP duration = SAL window time constant, in steps (at most "
                             f"{MAX_CHAIN_TAU_REF}: the exact chain beside the measurement takes about 5 s at 300 and "
                             "grows as tau_ref^3)"),
        "window": Field(str, "exponential", one_of("exponential", "triangular"), doc="shape of the SAL window"),
        "model": Field(str, "sampling_neuron", one_of(*BUILDERS), doc=BUILDERS_DOC),
    }
    if with_weights:
        fields["w12"] = Field(float, 1.5, doc="weight from neuron 2 to neuron 1 (model units)")
        fields["w21"] = Field(float, 0.5, doc="weight from neuron 1 to neuron 2")
    return fields


def _experiment(seed: int) -> dict[str, Field]:
    return {"seed": Field(int, seed, seed_range, doc="seed of NEST's random streams")}


def exact_fixed_point(net: dict, window, w21_plastic: bool) -> tuple[float, float]:
    """(W12, W21) where the exact chain's SAL drift stops: on ``W12 + W21 = w12 + w21`` when both
    learn (not the midpoint: unequal biases shift it, by 0.0055 for fig. 2's pair), else where
    W12's drift vanishes at the fixed W21."""
    b1, b2 = net["b"]
    if w21_plastic:
        return sal_fixed_point((net["w12"] + net["w21"]) / 2, b1, b2, net["tau_ref"], window, xtol=1e-7).weights
    w21 = net["w21"]
    # W12's drift falls through zero near W12 = W21 (SAL symmetrises); 0.5 brackets the bias-driven offset
    w12 = brentq(lambda w: drift_w12(w, w21, b1, b2, net["tau_ref"], window)[0], w21 - 0.5, w21 + 0.5, xtol=1e-7)
    return w12, w21


def run_trajectory(protocol, progress) -> xr.Dataset:
    """Weights over time of independent pairs per condition, with the mean-field prediction."""
    net, pl, run = protocol["network"], protocol["plasticity"], protocol["run"]
    conditions, reps = pl["plastic"], run["replicates"]
    # pair = condition * replicates + replicate
    eta21 = np.repeat([pl["eta_sal"] if c == "both" else 0.0 for c in conditions], reps)
    times = reading_times(run["steps"], run["record_interval"])
    with kernel(protocol) as sim:
        pairs = BUILDERS[net["model"]](sim, np.full(len(conditions) * reps, net["w12"]), net["w21"], *net["b"],
                                       net["tau_ref"], eta12=pl["eta_sal"], eta21=eta21, window=net["window"])
        weights = run_reading(pairs.run, pairs.read, times, progress)
    weights = weights.reshape(len(times), len(conditions), reps, 2).transpose(1, 0, 2, 3)
    fixed = [exact_fixed_point(net, window_of(net), w21_plastic=c == "both") for c in conditions]
    coarse = times[:: max(1, len(times) // 50)]
    mean_field = np.stack([mean_field_trajectory(net["w12"], net["w21"], *net["b"], net["tau_ref"], window_of(net),
                                                 pl["eta_sal"], coarse, w21_plastic=c == "both") for c in conditions])
    return xr.Dataset(
        {"weight": (("condition", "time", "replicate", "direction"), weights),
         "mean_field_weight": (("condition", "time_mf", "direction"), mean_field),
         "fixed_point": (("condition", "direction"), fixed)},
        coords={"condition": list(conditions), "time": ("time", times, {"units": "steps"}),
                "time_mf": ("time_mf", coarse, {"units": "steps"}), "replicate": np.arange(reps),
                "direction": ["W12", "W21"]},
    )


def plot_trajectory(ds, path):
    """Weight trajectories of every pair with the exact mean field, one panel per condition (Fig. 2d)."""
    plt = pyplot()
    conditions = list(ds.condition.values)
    fig, axes = plt.subplots(1, len(conditions), figsize=(4.6 * len(conditions), 3.2), sharey=True, squeeze=False)
    reps = ds.sizes["replicate"]
    for ax, cond in zip(axes[0], conditions):
        run = ds.sel(condition=cond)
        for direction, color in zip(ds.direction.values, ("C0", "C1")):
            w = run.weight.sel(direction=direction)
            name = f"W$_{{{str(direction)[1:]}}}$"
            if reps > 1:
                ax.plot(ds.time / 1000, w, color=color, alpha=0.25, lw=0.8)
                ax.plot(ds.time / 1000, w.median("replicate"), color=color, lw=1.5, label=f"{name} (median of {reps})")
            else:
                ax.plot(ds.time / 1000, w.isel(replicate=0), color=color, lw=1.2, label=name)
            ax.plot(ds.time_mf / 1000, run.mean_field_weight.sel(direction=direction), color=color, ls="--", lw=1)
        ax.axhline(float(run.fixed_point[0]), color="k", lw=0.5)
        ax.plot([], [], "k--", lw=1, label="exact mean field")
        ax.set_xlabel("time (10$^3$ steps)")
        ax.set_title(PLASTIC.get(str(cond), str(cond)), fontsize=10)
    axes[0, 0].set_ylabel("weight")
    axes[0, 0].legend(fontsize=8)
    if len(conditions) > 1:
        fig.suptitle(ds.attrs.get("name", "pair trajectories"), fontsize=10)
    return save(fig, path)


def summary_trajectory(ds) -> str:
    """Final weights per condition (median and range over replicates) beside the exact mean field."""
    lines = [f"{ds.attrs.get('name', 'pair trajectory')}: {int(ds.time[-1])} steps, "
             f"{ds.sizes['replicate']} pair(s) per condition"]
    for cond in ds.condition.values:
        run = ds.sel(condition=cond)
        final = run.weight.isel(time=-1)
        start = run.weight.isel(time=0, replicate=0).values
        mf = run.mean_field_weight.isel(time_mf=-1).values
        parts = []
        for d, direction in enumerate(ds.direction.values):
            w = final.sel(direction=direction).values
            spread = f" [{w.min():.3f}, {w.max():.3f}]" if len(w) > 1 else ""
            parts.append(f"{direction} = {np.median(w):.3f}{spread}")
        lines.append(f"{cond}: {', '.join(parts)} (start {start[0]:g}, {start[1]:g}); "
                     f"exact mean field {mf[0]:.3f}, {mf[1]:.3f}")
    return "\n".join(lines)


def run_stdd(protocol, progress) -> xr.Dataset:
    """Frozen weights: measured spike-timing-difference distribution and mean SAL update per pair."""
    net, run = protocol["network"], protocol["run"]
    with kernel(protocol) as sim:
        pairs = BUILDERS[net["model"]](sim, np.full(run["replicates"], net["w12"]), net["w21"], *net["b"],
                                       net["tau_ref"], eta12=0.0, eta21=0.0, window=net["window"])
        pairs.record_spikes()
        run_in_chunks(pairs.run, run["steps"], progress)
        sal_sum, n_pairs = pairs.read("sal_sum"), pairs.read("n_pairs")
        trains = pairs.spike_trains()
    exact = pair_statistics(net["w12"], net["w21"], *net["b"], net["tau_ref"])
    dts = np.concatenate([restricted_nn_pairs(t2, t1) for t1, t2 in trains])  # dt = t1 - t2
    counts = np.array([np.sum(dts == d) for d in exact.dt])
    measured_per_pair = sal_sum.sum(axis=0) / n_pairs.sum(axis=0)
    tv = 0.5 * np.abs(counts / counts.sum() - exact.stdd).sum()
    return xr.Dataset(
        {"stdd_measured": (("dt",), counts / counts.sum()), "stdd_exact": (("dt",), exact.stdd),
         "pair_counts": (("dt",), counts),
         "update_per_pair_measured": (("direction",), measured_per_pair),
         "update_per_pair_exact": (("direction",), list(exact.mean_update_per_pair(window_of(net)))),
         "pair_rate_measured": ((), len(dts) / (run["steps"] * run["replicates"])),
         "pair_rate_exact": ((), exact.pair_rate.sum())},
        coords={"dt": ("dt", exact.dt, {"units": "steps", "definition": "t1 - t2"}), "direction": ["W12", "W21"]},
        attrs={"total_variation": float(tv), "pairs_outside_exact_support": int(np.sum(~np.isin(dts, exact.dt)))},
    )


def plot_stdd(ds, path):
    """Measured versus exact spike-timing-difference distribution (Fig. 2c)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.bar(ds.dt, ds.stdd_measured, width=1.0, color="0.7", label=f"NEST ({int(ds.pair_counts.sum())} pairs)")
    ax.plot(ds.dt, ds.stdd_exact, color="C3", lw=1.2, label="exact (Markov chain)")
    ax.set_xlim(-150, 150)
    ax.set_xlabel("$t_1 - t_2$ (steps)")
    ax.set_ylabel("fraction of pairs")
    ax.set_title(f"STDD, total variation {ds.attrs.get('total_variation', np.nan):.3f}")
    ax.legend(fontsize=8)
    return save(fig, path)


def summary_stdd(ds) -> str:
    """Distance of the measured STDD from the exact one, and the mean update per pair."""
    m, e = ds.update_per_pair_measured.values, ds.update_per_pair_exact.values
    return "\n".join([
        f"{ds.attrs.get('name', 'pair STDD')}: {int(ds.pair_counts.sum())} spike pairs, total variation from the "
        f"exact STDD {ds.attrs['total_variation']:.4f}, {ds.attrs['pairs_outside_exact_support']} outside its support",
        f"mean SAL update per pair (W12, W21): measured {m[0]:+.4f}, {m[1]:+.4f}; exact {e[0]:+.4f}, {e[1]:+.4f}",
        f"pairs per step: measured {float(ds.pair_rate_measured):.5f}, exact {float(ds.pair_rate_exact):.5f}"])


def run_phase_plane(protocol, progress) -> xr.Dataset:
    """Measured SAL drift on a (W12, W21) grid (frozen weights), the exact field, and trajectories."""
    net, grid, traj = protocol["network"], protocol["grid"], protocol["trajectories"]
    build = BUILDERS[net["model"]]
    w12s, w21s = grid_values(grid["w12"]), grid_values(grid["w21"])
    seeds = grid["seeds_per_point"]
    W12, W21, _ = np.meshgrid(w12s, w21s, np.arange(seeds), indexing="ij")
    with kernel(protocol) as sim:
        pairs = build(sim, W12.ravel(), W21.ravel(), *net["b"], net["tau_ref"], eta12=0.0, eta21=0.0,
                      window=net["window"])
        run_in_chunks(pairs.run, grid["steps"], progress)
        measured = pairs.read("sal_sum").reshape(len(w12s), len(w21s), seeds, 2) / grid["steps"]
    d12, d21 = drift_field(w12s, w21s, *net["b"], net["tau_ref"], window_of(net))
    exact = np.stack([d12, d21], axis=-1)
    data = {"drift_measured": (("w12", "w21", "seed", "direction"), measured),
            "drift_exact": (("w12", "w21", "direction"), exact)}
    coords = {"w12": w12s, "w21": w21s, "seed": np.arange(seeds), "direction": ["W12", "W21"]}
    if traj["starts"]:
        starts = np.array(traj["starts"], float)
        times = reading_times(traj["steps"], traj["record_interval"])
        with kernel(protocol) as sim:
            pairs = build(sim, starts[:, 0], starts[:, 1], *net["b"], net["tau_ref"], eta12=traj["eta_sal"],
                          eta21=traj["eta_sal"], window=net["window"])
            weights = run_reading(pairs.run, pairs.read, times, progress)
        data["trajectory"] = (("time", "start", "direction"), weights)
        coords.update(time=("time", times, {"units": "steps"}), start=np.arange(len(starts)))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(phase_plane_agreement(ds))
    return ds


def plot_phase_plane(ds, path):
    """Exact drift field, measured drift and simulated trajectories in the (W12, W21) plane (Fig. 2e)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.8, 4.5))
    W12, W21 = np.meshgrid(ds.w12, ds.w21, indexing="ij")
    exact = ds.drift_exact
    norm = np.hypot(exact.sel(direction="W12"), exact.sel(direction="W21")).max()
    ax.quiver(W12, W21, exact.sel(direction="W12") / norm, exact.sel(direction="W21") / norm, color="0.5",
              angles="xy", scale=12, width=0.004, label="exact drift")
    measured = ds.drift_measured.mean("seed")
    ax.quiver(W12, W21, measured.sel(direction="W12") / norm, measured.sel(direction="W21") / norm, color="C0",
              angles="xy", scale=12, width=0.003, alpha=0.7, label="NEST drift")
    if "trajectory" in ds:
        for s in ds.start.values:
            tr = ds.trajectory.sel(start=s)
            ax.plot(tr.sel(direction="W12"), tr.sel(direction="W21"), color="C3", lw=1)
            ax.plot(tr.sel(direction="W12")[0], tr.sel(direction="W21")[0], "o", color="C3", ms=3)
    lim = [float(min(ds.w12.min(), ds.w21.min())), float(max(ds.w12.max(), ds.w21.max()))]
    ax.plot(lim, lim, "k:", lw=0.8)
    ax.set_xlabel("W$_{12}$")
    ax.set_ylabel("W$_{21}$")
    ax.set_aspect("equal")
    ax.set_title(f"signs agree {100 * ds.attrs.get('sign_agreement', np.nan):.0f} %, "
                 f"r = {ds.attrs.get('drift_correlation', np.nan):.3f}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    return save(fig, path)


def summary_phase_plane(ds) -> str:
    """Agreement of the measured drift with the exact field."""
    return (f"{ds.attrs.get('name', 'phase plane')}: {ds.sizes['w12']} x {ds.sizes['w21']} grid, "
            f"{ds.sizes['seed']} seed(s) per point; drift signs agree at "
            f"{100 * ds.attrs['sign_agreement']:.1f} % of points with |W12 - W21| >= "
            f"{ds.attrs['sign_agreement_min_asymmetry']:g}; correlation with the exact field "
            f"{ds.attrs['drift_correlation']:.4f}")


register(ExperimentKind(
    name="pair_trajectory",
    description="weights over time of reciprocal pairs with SAL, with the exact mean field (paper Fig. 2d)",
    schema={
        "network": _network(with_weights=True),
        "plasticity": {"eta_sal": Field(float, 0.01, at_least(0.0), doc="SAL learning rate"),
                       "plastic": Field(list, ["both"], distinct_choices(sorted(PLASTIC), "condition"),
                                        doc="conditions, each its own pairs: 'both' (W12 and W21 plastic) or "
                                            "'w12' (only W12 plastic, W21 fixed)")},
        "run": {"steps": Field(int, 400_000, at_least(1), doc="simulated steps"),
                "record_interval": Field(int, 2000, at_least(1), doc="steps between weight readings"),
                "replicates": Field(int, 5, at_least(1), doc="independent pairs per condition")},
    },
    run=run_trajectory, plot=plot_trajectory, summary=summary_trajectory, experiment=_experiment(42),
    simulators=("nest", "brian2"), check=check_simulator,
    simulated_ms=lambda p: float(p["run"]["steps"]),
    neurons=lambda p: 2 * len(p["plasticity"]["plastic"]) * p["run"]["replicates"],
))

register(ExperimentKind(
    name="pair_stdd",
    description="spike-timing differences and mean SAL update per pair at frozen weights, with the exact "
                "ones (paper Fig. 2c)",
    schema={
        "network": _network(with_weights=True),
        "run": {"steps": Field(int, 200_000, at_least(1), doc="simulated steps"),
                "replicates": Field(int, 20, at_least(1), doc="independent pairs")},
    },
    run=run_stdd, plot=plot_stdd, summary=summary_stdd, experiment=_experiment(42),
    simulators=("nest", "brian2"), check=check_simulator,
    simulated_ms=lambda p: float(p["run"]["steps"]),
    neurons=lambda p: 2 * p["run"]["replicates"],
))

register(ExperimentKind(
    name="pair_phase_plane",
    description="SAL drift on a (W12, W21) grid against the exact field, with trajectories (paper Fig. 2e)",
    schema={
        "network": _network(with_weights=False),
        "grid": {"w12": Field(list, [-2.0, 2.0, 0.25], grid_spec, doc="[start, stop, step] of W12, inclusive"),
                 "w21": Field(list, [-2.0, 2.0, 0.25], grid_spec, doc="[start, stop, step] of W21, inclusive"),
                 "seeds_per_point": Field(int, 3, at_least(1), doc="independent pairs per grid point"),
                 "steps": Field(int, 100_000, at_least(1), doc="frozen-weight measurement per point, in steps")},
        "trajectories": {"starts": Field(list, [], list_of_pairs, doc="starting points [[w12, w21], ...]"),
                         "eta_sal": Field(float, 0.01, at_least(0.0), doc="SAL learning rate of the trajectories"),
                         "steps": Field(int, 400_000, at_least(1), doc="simulated steps per trajectory"),
                         "record_interval": Field(int, 2000, at_least(1), doc="steps between weight readings")},
    },
    run=run_phase_plane, plot=plot_phase_plane, summary=summary_phase_plane, experiment=_experiment(42),
    simulators=("nest", "brian2"), check=check_simulator,
    simulated_ms=lambda p: float(max(p["grid"]["steps"],
                                     p["trajectories"]["steps"] if p["trajectories"]["starts"] else 0)),
    neurons=lambda p: 2 * max(grid_points(p["grid"]["w12"]) * grid_points(p["grid"]["w21"])
                              * p["grid"]["seeds_per_point"], len(p["trajectories"]["starts"])),
))
