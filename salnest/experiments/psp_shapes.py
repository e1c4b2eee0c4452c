"""SAL with other PSP shapes (paper Fig. 11): the shapes, their pairs, and the kind ``psp_stdd``.

Both kinds of Fig. 11 run reciprocal pairs of :mod:`salnest.networks.reciprocal_pair` with the
exact predictions of :mod:`salnest.theory.pair_chain` beside the NEST measurements:

- ``psp_stdd`` (here): frozen weights at a few points (W12, W21, b1, b2) per PSP shape; the
  measured spike-timing-difference distribution (STDD) against the chain's, by total variation;
- ``psp_fixed_points`` (:mod:`salnest.experiments.psp_fixed_points`): where SAL stops with both
  weights plastic, exact and measured, over a grid of biases and mean weights.

The shapes (:data:`SHAPES`) are the paper's: rectangular with ``tau_syn = tau_ref``, and alpha
PSPs (``sampling_neuron``'s ``psp_shape = 2``, area ``tau_ref``) with ``tau_syn = tau_ref / 3``
("short") and ``tau_ref / 2`` ("long"). For alpha PSPs the chain keeps ``history`` steps of
each neuron's spikes; the PSP it forgets is bounded by
:func:`salnest.theory.pair_chain.truncation_bound` and stored with the results.

Times are in steps (one step = one NEST time step of 1 ms).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from salnest.experiments._shared import check_simulator, kernel, run_in_chunks, window_of
from salnest.networks.reciprocal_pair import BUILDERS
from salnest.networks.sampling_network import BUILDERS_DOC
from salnest.study.figures import pyplot, save
from salnest.study.protocol import (
    Field,
    ProtocolError,
    at_least,
    distinct_choices,
    list_of_number_lists,
    one_of,
    within,
)
from salnest.study.registry import ExperimentKind, register
from salnest.theory.pair_chain import MAX_CHAIN_STATES, MAX_CHAIN_TAU_REF, history_states, shaped_psp_statistics
from salnest.theory.windows import restricted_nn_pairs

#: PSP shapes by name: ``sampling_neuron``'s ``psp_shape`` and ``tau_syn / tau_ref``.
SHAPES = {"rectangular": ("rectangular", 1.0), "alpha_short": ("alpha", 1.0 / 3.0), "alpha_long": ("alpha", 0.5)}


def network_fields() -> dict[str, Field]:
    return {
        "tau_ref": Field(int, 10, within(2, MAX_CHAIN_TAU_REF),
                         doc=f"refractory period = SAL window time constant, in steps (at most {MAX_CHAIN_TAU_REF}: "
                             f"the exact chains)"),
        "shapes": Field(list, list(SHAPES), distinct_choices(list(SHAPES), "PSP shape"),
                        doc="PSP shapes: rectangular (tau_syn = tau_ref), alpha_short (alpha PSP, tau_syn = "
                            "tau_ref / 3), alpha_long (tau_ref / 2)"),
        "window": Field(str, "exponential", one_of("exponential", "triangular"), doc="shape of the SAL window"),
        "model": Field(str, "sampling_neuron", one_of(*BUILDERS), doc=BUILDERS_DOC),
    }


def chain_fields() -> dict[str, Field]:
    return {"history": Field(int, 30, at_least(1),
                             doc="steps of spike history the chain keeps for alpha PSPs (at 30 and tau_ref = 10: "
                                 "212,521 states, about 0.6 s per solution)")}


def tau_syn(shape: str, tau_ref: int) -> float:
    """The PSP's duration or time constant in steps."""
    return SHAPES[shape][1] * tau_ref


def check_history(protocol) -> None:
    """The chain must remember a whole refractory period (every alpha PSP of :data:`SHAPES` peaks by
    tau_ref / 2 and falls beyond such a history, as the truncation bound needs), and stay small enough
    to solve (:data:`salnest.theory.pair_chain.MAX_CHAIN_STATES`); and nothing Brian2 cannot run."""
    check_simulator(protocol)
    net, history = protocol["network"], protocol["chain"]["history"]
    if history < net["tau_ref"]:
        raise ProtocolError(f"chain.history = {history} must cover at least tau_ref = {net['tau_ref']} steps")
    alpha = [s for s in net["shapes"] if SHAPES[s][0] != "rectangular"]
    states = history_states(net["tau_ref"], history, limit=MAX_CHAIN_STATES) ** 2 if alpha else 0
    if states > MAX_CHAIN_STATES:
        raise ProtocolError(f"chain.history = {history} at tau_ref = {net['tau_ref']} gives the alpha-PSP chain "
                            f"more than the {MAX_CHAIN_STATES:,} states it solves: shorten the history")


def exact_statistics(protocol, shape: str, w12: float, w21: float, b1: float, b2: float):
    net = protocol["network"]
    return shaped_psp_statistics(w12, w21, b1, b2, net["tau_ref"], tau_syn(shape, net["tau_ref"]), SHAPES[shape][0],
                                 protocol["chain"]["history"])


def shaped_pairs(sim, protocol, shape, w12, w21, b1, b2, eta):
    net = protocol["network"]
    return BUILDERS[net["model"]](sim, w12, w21, b1, b2, net["tau_ref"], eta, eta, window=net["window"],
                                  tau_syn=tau_syn(shape, net["tau_ref"]), psp_shape=SHAPES[shape][0])


# --- psp_stdd ------------------------------------------------------------------------------------

def run_stdd(protocol, progress) -> xr.Dataset:
    """Measured and exact STDD per shape and point (frozen weights)."""
    net, run = protocol["network"], protocol["run"]
    shapes, points, reps = net["shapes"], np.array(protocol["points"]["points"], float), run["replicates"]
    per_pair = np.repeat(points, reps, axis=0)  # pair = point * replicates + replicate
    with kernel(protocol) as sim:
        groups = [shaped_pairs(sim, protocol, shape, *per_pair.T, 0.0) for shape in shapes]
        for pairs in groups:
            pairs.record_spikes()
        run_in_chunks(groups[0].run, run["steps"], progress)  # one group's run() simulates every group
        trains = [pairs.spike_trains() for pairs in groups]
    exact = [[exact_statistics(protocol, shape, *point) for point in points] for shape in shapes]
    lag = int(max(np.abs(stats.dt).max() for row in exact for stats, _ in row))
    dt = np.concatenate([np.arange(-lag, 0), np.arange(1, lag + 1)]).astype(float)
    shape_ = (len(shapes), len(points))
    stdd_exact, stdd_measured = np.zeros(shape_ + (len(dt),)), np.zeros(shape_ + (len(dt),))
    counts, bound = np.zeros(shape_ + (len(dt),), dtype=np.int64), np.zeros(shape_)
    update_exact, update_measured = np.zeros(shape_ + (2,)), np.zeros(shape_ + (2,))
    window = window_of(net)
    for i in range(len(shapes)):
        for j in range(len(points)):
            stats, bound[i, j] = exact[i][j]
            stdd_exact[i, j, np.searchsorted(dt, stats.dt)] = stats.stdd
            dts = np.concatenate([restricted_nn_pairs(t2, t1) for t1, t2 in trains[i][j * reps:(j + 1) * reps]])
            inside = np.abs(dts) <= lag
            np.add.at(counts[i, j], np.searchsorted(dt, dts[inside]), 1)
            stdd_measured[i, j] = counts[i, j] / max(len(dts), 1)
            update_exact[i, j] = stats.mean_update_per_pair(window)
            update_measured[i, j] = np.mean(window(dts)), np.mean(window(-dts))
    tv = 0.5 * np.abs(stdd_measured - stdd_exact).sum(axis=-1) + 0.5 * (1 - stdd_measured.sum(axis=-1))
    return xr.Dataset(
        {"stdd_measured": (("shape", "point", "dt"), stdd_measured),
         "stdd_exact": (("shape", "point", "dt"), stdd_exact),
         "pair_counts": (("shape", "point", "dt"), counts),
         "total_variation": (("shape", "point"), tv),
         "truncation_bound": (("shape", "point"), bound, {"long_name": "bound on the PSP the chain forgets"}),
         "update_per_pair_measured": (("shape", "point", "direction"), update_measured),
         "update_per_pair_exact": (("shape", "point", "direction"), update_exact),
         "points": (("point", "parameter"), points)},
        coords={"shape": shapes, "point": np.arange(len(points)), "parameter": ["w12", "w21", "b1", "b2"],
                "dt": ("dt", dt, {"units": "steps", "definition": "t1 - t2"}), "direction": ["W12", "W21"],
                "tau_syn": ("shape", [tau_syn(s, net["tau_ref"]) for s in shapes], {"units": "steps"})},
        attrs={"max_total_variation": float(tv.max())},
    )


def _point_label(p) -> str:
    return f"W=({p[0]:g}, {p[1]:g}), b=({p[2]:g}, {p[3]:g})"


def plot_stdd(ds, path):
    """Measured (bars) against exact (line) STDD, one panel per shape and point."""
    plt = pyplot()
    n_s, n_p = ds.sizes["shape"], ds.sizes["point"]
    fig, axes = plt.subplots(n_p, n_s, figsize=(3.4 * n_s, 2.4 * n_p), squeeze=False, sharex=True)
    shape0 = str(ds.shape.values[0])
    lim = 5 * float(ds.tau_syn.sel(shape=shape0)) / SHAPES[shape0][1]  # 5 tau_ref
    for i, shape in enumerate(ds.shape.values):
        for j in range(n_p):
            ax, sel = axes[j][i], ds.isel(shape=i, point=j)
            ax.bar(ds.dt, sel.stdd_measured, width=1.0, color="0.7", label="NEST")
            ax.plot(ds.dt, sel.stdd_exact, color="C3", lw=1.0, label="exact chain")
            ax.set_xlim(-lim, lim)
            ax.set_title(f"{shape}: {_point_label(sel.points.values)}\nTV {float(sel.total_variation):.3f}",
                         fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("$t_1 - t_2$ (steps)")
    axes[0][0].legend(fontsize=7)
    return save(fig, path)


def summary_stdd(ds) -> str:
    """Total variation from the exact STDD and the mean SAL update per pair, per shape and point."""
    lines = [f"{ds.attrs.get('name', 'PSP-shape STDD')}: max total variation {ds.attrs['max_total_variation']:.4f}"]
    for shape in ds.shape.values:
        for j in ds.point.values:
            sel = ds.sel(shape=shape, point=j)
            m, e = sel.update_per_pair_measured.values, sel.update_per_pair_exact.values
            lines.append(f"{shape:>12} {_point_label(sel.points.values)}: {int(sel.pair_counts.sum())} pairs, "
                         f"TV {float(sel.total_variation):.4f} (truncation bound {float(sel.truncation_bound):.3g}); "
                         f"update per pair W12 {m[0]:+.4f} (exact {e[0]:+.4f})")
    return "\n".join(lines)


register(ExperimentKind(
    name="psp_stdd",
    description="spike-timing differences of reciprocal pairs with rectangular and alpha PSPs against the exact "
                "chain (paper Fig. 11)",
    schema={
        "network": network_fields(),
        "points": {"points": Field(list, [[1.0, 1.0, -0.5, 0.5], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.5, -0.5]],
                                   list_of_number_lists(4, "[w12, w21, b1, b2]"),
                                   doc="frozen weights and biases [w12, w21, b1, b2], each measured for every shape")},
        "run": {"steps": Field(int, 200_000, at_least(1), doc="simulated steps"),
                "replicates": Field(int, 20, at_least(1), doc="independent pairs per shape and point")},
        "chain": chain_fields(),
    },
    run=run_stdd, plot=plot_stdd, summary=summary_stdd, check=check_history, experiment={"seed": 42},
    simulators=("nest", "brian2"),
    simulated_ms=lambda p: float(p["run"]["steps"]),
    neurons=lambda p: 2 * len(p["network"]["shapes"]) * len(p["points"]["points"]) * p["run"]["replicates"],
))
