"""Where SAL stops with other PSP shapes (paper Fig. 11): the kind ``psp_fixed_points``.

SAL's fixed point with both weights plastic over a grid of biases and mean weights, as the offset
``delta = (W12 - W21) / 2`` on the conserved anti-diagonal (:mod:`salnest.theory.fixed_point`):
exact from the chain, and measured as the time average of plastic NEST pairs. It runs in epochs,
one PSP shape per epoch (each in a kernel of its own), so an interrupted run keeps every
finished shape. The shapes and the pairs are those of :mod:`salnest.experiments.psp_shapes`.
"""

from __future__ import annotations

import contextlib

import numpy as np
import xarray as xr

from salnest.analysis.pairs import fixed_point_agreement
from salnest.experiments._shared import kernel, window_of
from salnest.experiments.psp_shapes import SHAPES, chain_fields, check_history, network_fields, shaped_pairs, tau_syn
from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, save
from salnest.study.protocol import Field, ProtocolError, at_least, distinct_numbers
from salnest.study.registry import ExperimentKind, register
from salnest.study.results import completed_epochs
from salnest.theory.fixed_point import fixed_point_grid


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
        with kernel(self.p, seed) as sim:
            yield sim

    def run_epoch(self, sim, epoch: int) -> None:
        shape, e = self.shapes[epoch - 1], epoch - 1
        net, chain = self.p["network"], self.p["chain"]
        self.exact[e], self.exact_other[e], self.bound[e], self.evaluations[e] = fixed_point_grid(
            self.biases, self.means, net["tau_ref"], window_of(net), SHAPES[shape][0], tau_syn(shape, net["tau_ref"]),
            chain["history"], xtol=chain["xtol"])
        B1, B2, M, R = np.meshgrid(self.biases, self.biases, self.means, np.arange(self.reps), indexing="ij")
        # replicates start alternately above and below the diagonal
        start = np.where(R % 2 == 0, 1.0, -1.0) * self.p["simulation"]["start_offset"]
        pairs = shaped_pairs(sim, self.p, shape, (M + start).ravel(), (M - start).ravel(), B1.ravel(), B2.ravel(),
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
    n = completed_epochs(ds, total=ds.sizes["shape"])
    return [str(s) for s in ds.shape.values[:n]]


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
                     f"two stable fixed points at {a['two_stable_points']} of {_points_per_shape(ds)} points "
                     f"(not compared); "
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
    check_history(protocol)
    sim = protocol["simulation"]
    if sim["record_interval"] > sim["steps"] // 2:
        raise ProtocolError("simulation.record_interval must leave at least two readings in the second half of "
                            f"simulation.steps = {sim['steps']}")


register(ExperimentKind(
    name="psp_fixed_points",
    description="where SAL stops with rectangular and alpha PSPs: exact and NEST fixed points over biases and "
                "mean weights (paper Fig. 11)",
    schema={
        "network": network_fields(),
        "grid": {"biases": Field(list, [-1.0, -0.5, 0.0, 0.5, 1.0], distinct_numbers, doc="values of b1 and of b2"),
                 "mean_weights": Field(list, [-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5], distinct_numbers,
                                       doc="conserved means m = (W12 + W21) / 2")},
        "chain": {**chain_fields(),
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
    simulators=("nest", "brian2"),
    experiment={"seed": 42, "checkpoint_every": 1},
    simulated_ms=lambda p: float(p["simulation"]["steps"]),
    neurons=lambda p: (2 * len(p["grid"]["biases"]) ** 2 * len(p["grid"]["mean_weights"])
                       * p["simulation"]["replicates"]),
))
