"""SAL with other PSP shapes (paper Fig. 11): spike-timing statistics and where SAL stops.

Two kinds, both on reciprocal pairs of :mod:`salnest.networks.reciprocal_pair`, each with the
exact predictions of :mod:`salnest.theory.pair_chain` beside the NEST measurements:

- ``psp_stdd``: frozen weights at a few points (W12, W21, b1, b2) per PSP shape; the measured
  spike-timing-difference distribution (STDD) against the chain's, by total variation;
- ``psp_fixed_points``: SAL's fixed point with both weights plastic over a grid of biases and
  mean weights, as the offset ``delta = (W12 - W21) / 2`` on the conserved anti-diagonal
  (:mod:`salnest.theory.fixed_point`): exact from the chain, and measured as the time average
  of plastic NEST pairs. It runs in epochs, one PSP shape per epoch, so an interrupted run
  keeps every finished shape.

The shapes (:data:`SHAPES`) are the paper's: rectangular with ``tau_syn = tau_ref``, and alpha
PSPs (``sampling_neuron``'s ``psp_shape = 2``, area ``tau_ref``) with ``tau_syn = tau_ref / 3``
("short") and ``tau_ref / 2`` ("long"). For alpha PSPs the chain keeps ``history`` steps of
each neuron's spikes; the PSP it forgets is bounded by
:func:`salnest.theory.pair_chain.truncation_bound` and stored with the results.

Times are in steps (one step = one NEST time step of 1 ms).
"""

from __future__ import annotations

import contextlib

import numpy as np
import xarray as xr

from salnest.networks.reciprocal_pair import BUILDERS
from salnest.networks.sampling_network import BUILDERS_DOC
from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, save
from salnest.study.protocol import (
    Field,
    ProtocolError,
    at_least,
    distinct_choices,
    distinct_numbers,
    list_of_number_lists,
    one_of,
)
from salnest.study.registry import ExperimentKind, register
from salnest.theory.fixed_point import relative_offset, sal_fixed_point
from salnest.theory.pair_chain import shaped_psp_statistics
from salnest.theory.windows import restricted_nn_pairs, sal_window

#: PSP shapes by name: ``sampling_neuron``'s ``psp_shape`` and ``tau_syn / tau_ref``.
SHAPES = {"rectangular": ("rectangular", 1.0), "alpha_short": ("alpha", 1.0 / 3.0), "alpha_long": ("alpha", 0.5)}


def _network() -> dict[str, Field]:
    return {
        "tau_ref": Field(int, 10, at_least(2), doc="refractory period = SAL window time constant, in steps"),
        "shapes": Field(list, list(SHAPES), distinct_choices(list(SHAPES), "PSP shape"),
                        doc="PSP shapes: rectangular (tau_syn = tau_ref), alpha_short (alpha PSP, tau_syn = "
                            "tau_ref / 3), alpha_long (tau_ref / 2)"),
        "window": Field(str, "exponential", one_of("exponential", "triangular"), doc="shape of the SAL window"),
        "model": Field(str, "sampling_neuron", one_of(*BUILDERS), doc=BUILDERS_DOC),
    }


def _chain() -> dict[str, Field]:
    return {"history": Field(int, 30, at_least(1),
                             doc="steps of spike history the chain keeps for alpha PSPs (at 30 and tau_ref = 10: "
                                 "212,521 states, about 0.6 s per solution)")}


def tau_syn(shape: str, tau_ref: int) -> float:
    """The PSP's duration or time constant in steps."""
    return SHAPES[shape][1] * tau_ref


def _window(protocol):
    net = protocol["network"]
    return lambda dt: sal_window(dt, float(net["tau_ref"]), net["window"])


def _check_history(protocol) -> None:
    """The chain must remember a whole refractory period; every alpha PSP of :data:`SHAPES` peaks by
    tau_ref / 2 and falls beyond such a history, as the truncation bound needs."""
    net, history = protocol["network"], protocol["chain"]["history"]
    if history < net["tau_ref"]:
        raise ProtocolError(f"chain.history = {history} must cover at least tau_ref = {net['tau_ref']} steps")


def _exact(protocol, shape: str, w12: float, w21: float, b1: float, b2: float):
    net = protocol["network"]
    return shaped_psp_statistics(w12, w21, b1, b2, net["tau_ref"], tau_syn(shape, net["tau_ref"]), SHAPES[shape][0],
                                 protocol["chain"]["history"])


def _kernel(protocol, seed=None):
    from salnest.networks.kernel import kernel

    return kernel(seed or protocol["experiment"]["seed"], protocol["experiment"]["threads"])


def _pairs(sim, protocol, shape, w12, w21, b1, b2, eta):
    net = protocol["network"]
    return BUILDERS[net["model"]](sim, w12, w21, b1, b2, net["tau_ref"], eta, eta, window=net["window"],
                                  tau_syn=tau_syn(shape, net["tau_ref"]), psp_shape=SHAPES[shape][0])


# --- psp_stdd ------------------------------------------------------------------------------------

def run_stdd(protocol, progress) -> xr.Dataset:
    """Measured and exact STDD per shape and point (frozen weights)."""
    net, run = protocol["network"], protocol["run"]
    shapes, points, reps = net["shapes"], np.array(protocol["points"]["points"], float), run["replicates"]
    per_pair = np.repeat(points, reps, axis=0)  # pair = point * replicates + replicate
    with _kernel(protocol) as sim:
        groups = [_pairs(sim, protocol, shape, *per_pair.T, 0.0) for shape in shapes]
        for pairs in groups:
            pairs.record_spikes()
        chunks = 20
        for k in progress(range(chunks)):  # each group's run() simulates the whole kernel, every group
            groups[0].run(run["steps"] * (k + 1) // chunks - run["steps"] * k // chunks)
        trains = [pairs.spike_trains() for pairs in groups]
    exact = [[_exact(protocol, shape, *point) for point in points] for shape in shapes]
    lag = int(max(np.abs(stats.dt).max() for row in exact for stats, _ in row))
    dt = np.concatenate([np.arange(-lag, 0), np.arange(1, lag + 1)]).astype(float)
    shape_ = (len(shapes), len(points))
    stdd_exact, stdd_measured = np.zeros(shape_ + (len(dt),)), np.zeros(shape_ + (len(dt),))
    counts, bound = np.zeros(shape_ + (len(dt),), dtype=np.int64), np.zeros(shape_)
    update_exact, update_measured = np.zeros(shape_ + (2,)), np.zeros(shape_ + (2,))
    window = _window(protocol)
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


# --- psp_fixed_points ----------------------------------------------------------------------------

class FixedPoints(EpochRun):
    """One PSP shape per epoch: the exact offsets on the grid, then the plastic NEST pairs."""

    def __init__(self, protocol):
        self.p = protocol
        self.shapes = protocol["network"]["shapes"]
        self.biases = np.array(protocol["grid"]["biases"], float)
        self.means = np.array(protocol["grid"]["mean_weights"], float)
        sim = protocol["simulation"]
        self.reps, self.steps, self.interval = sim["replicates"], sim["steps"], sim["record_interval"]
        self.times = np.unique(np.append(np.arange(0, self.steps, self.interval), self.steps)).astype(float)
        self.epochs = len(self.shapes)
        nb, nm = len(self.biases), len(self.means)
        self.grid_shape = (nb, nb, nm)

    def start(self) -> None:
        s = (len(self.shapes),) + self.grid_shape
        self.exact = np.full(s, np.nan)
        self.exact_other = np.full(s, np.nan)
        self.bound = np.full(s, np.nan)
        self.evaluations = np.zeros(s, dtype=np.int64)
        self.trajectory = np.full(s + (self.reps, len(self.times)), np.nan)

    def restore(self, checkpoint: xr.Dataset) -> None:
        self.exact = checkpoint.offset_exact.values.copy()
        self.exact_other = checkpoint.offset_exact_other.values.copy()
        self.bound = checkpoint.truncation_bound.values.copy()
        self.evaluations = checkpoint.chain_solutions.values.copy()
        self.trajectory = checkpoint.offset_trajectory.values.copy()

    def segment_end(self, completed: int, every: int) -> int:
        return completed + 1  # each shape builds its own pairs in its own kernel

    @contextlib.contextmanager
    def open_segment(self, first_epoch: int, seed: int):
        with _kernel(self.p, seed) as sim:
            yield sim

    def _exact_grid(self, shape: str) -> tuple[np.ndarray, ...]:
        """Exact offsets (the stable fixed point nearest the diagonal, and a second stable one where
        there is one); (b1, b2) and (b2, b1) are the same pair with the neurons swapped, so b1 > b2
        is the mirror of b1 < b2 with the offset's sign flipped, and with b1 = b2 a nonzero offset
        comes with its mirror (a pitchfork: the diagonal itself unstable)."""
        net, window, xtol = self.p["network"], _window(self.p), self.p["chain"]["xtol"]
        offset, other = np.full(self.grid_shape, np.nan), np.full(self.grid_shape, np.nan)
        bound, calls = np.zeros(self.grid_shape), np.zeros(self.grid_shape, dtype=np.int64)
        for i, b1 in enumerate(self.biases):
            for j, b2 in enumerate(self.biases):
                for k, m in enumerate(self.means):
                    if b1 > b2:
                        continue
                    fp = sal_fixed_point(m, b1, b2, net["tau_ref"], window, SHAPES[shape][0],
                                         tau_syn(shape, net["tau_ref"]), self.p["chain"]["history"], xtol=xtol)
                    second = fp.other_offset
                    if b1 == b2 and np.isnan(second) and abs(fp.offset) > 10 * xtol:
                        second = -fp.offset
                    offset[j, i, k], other[j, i, k], bound[j, i, k] = -fp.offset, -second, fp.truncation_bound
                    offset[i, j, k], other[i, j, k], bound[i, j, k] = fp.offset, second, fp.truncation_bound
                    calls[i, j, k] = fp.evaluations
        return offset, other, bound, calls

    def run_epoch(self, sim, epoch: int) -> None:
        shape, e = self.shapes[epoch - 1], epoch - 1
        self.exact[e], self.exact_other[e], self.bound[e], self.evaluations[e] = self._exact_grid(shape)
        B1, B2, M, R = np.meshgrid(self.biases, self.biases, self.means, np.arange(self.reps), indexing="ij")
        # replicates start alternately above and below the diagonal
        start = np.where(R % 2 == 0, 1.0, -1.0) * self.p["simulation"]["start_offset"]
        pairs = _pairs(sim, self.p, shape, (M + start).ravel(), (M - start).ravel(), B1.ravel(), B2.ravel(),
                       self.p["simulation"]["eta_sal"])
        trajectory = np.empty((len(self.times),) + B1.shape)
        for t, (t0, t1) in enumerate(zip(np.r_[0.0, self.times[:-1]], self.times)):
            if t1 > t0:
                pairs.run(t1 - t0)
            w = pairs.read()
            trajectory[t] = (0.5 * (w[:, 0] - w[:, 1])).reshape(B1.shape)
        self.trajectory[e] = np.moveaxis(trajectory, 0, -1)

    def dataset(self, completed: int) -> xr.Dataset:
        grid = ("shape", "b1", "b2", "mean_weight")
        half = self.times >= self.times[-1] / 2
        measured = self.trajectory[..., half].mean(axis=-1)
        return xr.Dataset(
            {"offset_exact": (grid, self.exact, {"long_name": "(W12 - W21) / 2 at SAL's stable fixed point nearest "
                                                             "the diagonal, exact"}),
             "offset_exact_other": (grid, self.exact_other,
                                    {"long_name": "a second stable fixed point on the same anti-diagonal (NaN: none "
                                                  "found)"}),
             "truncation_bound": (grid, self.bound),
             "chain_solutions": (grid, self.evaluations),
             "offset_trajectory": (grid + ("replicate", "time"), self.trajectory),
             "offset_measured": (grid + ("replicate",), measured,
                                 {"long_name": "time average of (W12 - W21) / 2 over the second half"})},
            coords={"shape": self.shapes, "b1": self.biases, "b2": self.biases, "mean_weight": self.means,
                    "replicate": np.arange(self.reps), "time": ("time", self.times, {"units": "steps"}),
                    "tau_syn": ("shape", [tau_syn(s, self.p["network"]["tau_ref"]) for s in self.shapes],
                                {"units": "steps"})},
        )


def _done(ds) -> list[str]:
    n = int(ds.attrs.get("completed_epochs", ds.sizes["shape"]))
    return [str(s) for s in ds.shape.values[:n]]


def fixed_point_agreement(ds, shape) -> dict[str, float]:
    """Measured against exact offsets of one shape: RMS and largest difference, the median standard
    error of a point (over replicates), and the fraction of points more than 4 of their own standard
    errors off beside what chance gives for so few replicates (Student's t with replicates - 1
    degrees of freedom: with 4 replicates a point's standard error is itself uncertain, and 2.8 %
    of points lie beyond 4 by chance alone). Also the exact offsets' size."""
    from scipy.stats import t as student_t

    sel = ds.sel(shape=shape)
    n = ds.sizes["replicate"]
    # where two stable points share an anti-diagonal, a pair's time average depends on where noise
    # took it: those points are counted, not compared
    single = np.isnan(sel.offset_exact_other)
    measured = sel.offset_measured.mean("replicate").where(single)
    stderr = sel.offset_measured.std("replicate", ddof=1).where(single) / np.sqrt(n)
    diff = measured - sel.offset_exact
    rel = relative_offset(sel.offset_exact, sel.mean_weight)
    return {"rms_difference": float(np.sqrt((diff ** 2).mean())), "max_abs_difference": float(np.abs(diff).max()),
            "two_stable_points": int((~single).sum()),
            "beyond_4_stderr": float((np.abs(diff) > 4 * stderr).sum() / single.sum()),
            "beyond_4_stderr_by_chance": float(2 * student_t.sf(4.0, n - 1)),
            "median_stderr": float(stderr.median()),
            "max_abs_offset": float(np.abs(sel.offset_exact).max()),
            "mean_abs_offset": float(np.abs(sel.offset_exact).mean()),
            "mean_relative_offset": float(np.nanmean(rel)),
            "max_truncation_bound": float(sel.truncation_bound.max())}


def _points_per_shape(ds) -> int:
    """Grid points per shape."""
    return ds.sizes["b1"] * ds.sizes["b2"] * ds.sizes["mean_weight"]


def summary_fixed_points(ds) -> str:
    """Size of the exact offsets per shape and the agreement of the measured ones."""
    lines = [f"{ds.attrs.get('name', 'SAL fixed points')}: {ds.sizes['b1']} x {ds.sizes['b2']} biases, "
             f"{ds.sizes['mean_weight']} mean weights, {ds.sizes['replicate']} NEST pairs per point"]
    for shape in _done(ds):
        a = fixed_point_agreement(ds, shape)
        lines.append(f"{shape:>12}: |offset| exact max {a['max_abs_offset']:.4f}, mean {a['mean_abs_offset']:.4f}; "
                     f"two stable fixed points at {a['two_stable_points']} of {_points_per_shape(ds)} points (not compared); "
                     f"reference-style |offset| / |m| (|m| >= 0.25) mean {a['mean_relative_offset']:.4f}; "
                     f"measured - exact RMS {a['rms_difference']:.4f}, max {a['max_abs_difference']:.4f} "
                     f"(median standard error {a['median_stderr']:.4f}; beyond 4 standard errors "
                     f"{100 * a['beyond_4_stderr']:.1f} % of points, {100 * a['beyond_4_stderr_by_chance']:.1f} % "
                     f"by chance); "
                     f"truncation bound <= {a['max_truncation_bound']:.3g}")
    return "\n".join(lines)


def plot_fixed_points(ds, path):
    """Per shape: SAL's fixed points in the (W21, W12) plane for b2 = -b1 (exact lines, NEST dots), and
    the mean |offset| over mean weights on the (b1, b2) grid."""
    plt = pyplot()
    shapes = _done(ds)
    fig, axes = plt.subplots(2, len(shapes), figsize=(3.4 * len(shapes), 6.4), squeeze=False)
    cmap = plt.get_cmap("viridis")
    b = ds.b1.values
    vmax = float(np.abs(ds.offset_exact.sel(shape=shapes)).mean("mean_weight").max())
    for i, shape in enumerate(shapes):
        sel, ax = ds.sel(shape=shape), axes[0][i]
        m = ds.mean_weight.values
        for b1 in b:
            if -b1 not in b:
                continue
            c = cmap((b1 - b.min()) / max(np.ptp(b), 1e-12))
            d = sel.offset_exact.sel(b1=b1, b2=-b1).values
            ax.plot(m - d, m + d, color=c, lw=1.2, label=f"b1 = {b1:g}, b2 = {-b1:g}")
            dm = sel.offset_measured.sel(b1=b1, b2=-b1).mean("replicate").values
            ax.plot(m - dm, m + dm, "o", color=c, ms=3)
            d2 = sel.offset_exact_other.sel(b1=b1, b2=-b1).values  # the second stable branch, where there is one
            ax.plot(m - d2, m + d2, "x", color=c, ms=4)
        lim = [m.min() - 0.2, m.max() + 0.2]
        ax.plot(lim, lim, "k--", lw=0.7)
        ax.set_aspect("equal")
        ax.set_xlabel("W$_{21}$")
        ax.set_ylabel("W$_{12}$")
        ax.set_title(f"{shape} (tau_syn = {float(sel.tau_syn):.3g})", fontsize=9)
        mesh = axes[1][i].pcolormesh(b, b, np.abs(sel.offset_exact).mean("mean_weight").T, vmin=0, vmax=vmax,
                                     cmap="YlOrRd", shading="nearest")
        axes[1][i].set_xlabel("b$_1$")
        axes[1][i].set_ylabel("b$_2$")
        axes[1][i].set_aspect("equal")
        axes[1][i].set_title("mean |offset| over mean weights", fontsize=8)
        fig.colorbar(mesh, ax=axes[1][i], shrink=0.8)
    axes[0][0].legend(fontsize=6)
    return save(fig, path)


def _check_fixed_points(protocol) -> None:
    _check_history(protocol)
    sim = protocol["simulation"]
    if sim["record_interval"] > sim["steps"] // 2:
        raise ProtocolError("simulation.record_interval must leave at least two readings in the second half of "
                            f"simulation.steps = {sim['steps']}")


register(ExperimentKind(
    name="psp_stdd",
    description="spike-timing differences of reciprocal pairs with rectangular and alpha PSPs against the exact "
                "chain (paper Fig. 11)",
    schema={
        "network": _network(),
        "points": {"points": Field(list, [[1.0, 1.0, -0.5, 0.5], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.5, -0.5]],
                                   list_of_number_lists(4, "[w12, w21, b1, b2]"),
                                   doc="frozen weights and biases [w12, w21, b1, b2], each measured for every shape")},
        "run": {"steps": Field(int, 200_000, at_least(1), doc="simulated steps"),
                "replicates": Field(int, 20, at_least(1), doc="independent pairs per shape and point")},
        "chain": _chain(),
    },
    run=run_stdd, plot=plot_stdd, summary=summary_stdd, check=_check_history, experiment={"seed": 42},
))

register(ExperimentKind(
    name="psp_fixed_points",
    description="where SAL stops with rectangular and alpha PSPs: exact and NEST fixed points over biases and "
                "mean weights (paper Fig. 11)",
    schema={
        "network": _network(),
        "grid": {"biases": Field(list, [-1.0, -0.5, 0.0, 0.5, 1.0], distinct_numbers, doc="values of b1 and of b2"),
                 "mean_weights": Field(list, [-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5], distinct_numbers,
                                       doc="conserved means m = (W12 + W21) / 2")},
        "chain": {**_chain(),
                  "xtol": Field(float, 1e-4, at_least(1e-12), doc="tolerance of the exact offset's root search")},
        "simulation": {
            "replicates": Field(int, 4, at_least(2), doc="plastic NEST pairs per grid point (starting alternately "
                                                         "above and below the diagonal)"),
            "start_offset": Field(float, 0.25, at_least(0.0), doc="|W12 - W21| / 2 at the start"),
            "eta_sal": Field(float, 0.01, at_least(0.0), doc="SAL learning rate of both weights"),
            "steps": Field(int, 1_000_000, at_least(2), doc="simulated steps; the second half is averaged"),
            "record_interval": Field(int, 10_000, at_least(1), doc="steps between weight readings")},
    },
    epochs=FixedPoints, plot=plot_fixed_points, summary=summary_fixed_points, check=_check_fixed_points,
    experiment={"seed": 42, "checkpoint_every": 1},
))
