"""The paper's figures from results files (``salnest plot``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    _pyplot().close(fig)
    return path


def plot_demo(ds, path: Path) -> Path:
    """``salnest demo``: weight trajectories with both or one direction plastic (Fig. 2d)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(8, 3), sharey=True)
    titles = {"both_plastic": "both directions plastic", "one_plastic": "only W12 plastic"}
    for ax, cond in zip(axes, ds.condition.values):
        for direction, color in zip(ds.direction.values, ("C0", "C1")):
            ax.plot(ds.time / 1000, ds.weight.sel(condition=cond, direction=direction), color=color,
                    label=f"W$_{{{str(direction)[1:]}}}$")
        ax.set_title(titles.get(str(cond), str(cond)))
        ax.set_xlabel("time (10$^3$ steps)")
    axes[0].set_ylabel("weight")
    axes[0].legend()
    return _save(fig, path)


def plot_trajectory(ds, path: Path) -> Path:
    """Replicate weight trajectories with the exact mean-field prediction (Fig. 2d)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for direction, color in zip(ds.direction.values, ("C0", "C1")):
        w = ds.weight.sel(direction=direction)
        ax.plot(ds.time / 1000, w, color=color, alpha=0.25, lw=0.8)
        ax.plot(ds.time / 1000, w.median("replicate"), color=color, lw=1.5,
                label=f"W$_{{{str(direction)[1:]}}}$ (median of {ds.sizes['replicate']})")
        ax.plot(ds.time_mf / 1000, ds.mean_field_weight.sel(direction=direction), color=color, ls="--", lw=1)
    ax.axhline(float(ds.fixed_point[0]), color="k", lw=0.5)
    ax.plot([], [], "k--", lw=1, label="exact mean field")
    ax.set_xlabel("time (10$^3$ steps)")
    ax.set_ylabel("weight")
    ax.set_title(ds.attrs.get("name", "pair trajectory"))
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_stdd(ds, path: Path) -> Path:
    """Measured versus exact spike-timing-difference distribution (Fig. 2c)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.bar(ds.dt, ds.stdd_measured, width=1.0, color="0.7", label=f"NEST ({int(ds.pair_counts.sum())} pairs)")
    ax.plot(ds.dt, ds.stdd_exact, color="C3", lw=1.2, label="exact (Markov chain)")
    ax.set_xlim(-150, 150)
    ax.set_xlabel("$t_1 - t_2$ (steps)")
    ax.set_ylabel("fraction of pairs")
    ax.set_title(f"STDD, total variation {ds.attrs.get('total_variation', np.nan):.3f}")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_phase_plane(ds, path: Path) -> Path:
    """Exact drift field, measured drift and simulated trajectories in the (W12, W21) plane (Fig. 2e)."""
    plt = _pyplot()
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
    return _save(fig, path)


def plot_wake_sleep(ds, path: Path) -> Path:
    """Median and interquartile range over runs of asymmetry and D_KL per condition (Figs. 4, 5),
    one row per noise level, and final values against the noise level."""
    plt = _pyplot()
    levels = ds.level.values
    fig, axes = plt.subplots(len(levels) + 1, 2, figsize=(8, 2.6 * (len(levels) + 1)), squeeze=False)
    label = "$\\sigma_{init}$" if ds.attrs.get("noise_kind") == "synaptic" else "$\\sigma_{plast}$"
    for row, level in enumerate(levels):
        for col, (var, x, ylabel) in enumerate((("asymmetry", "epoch", "asymmetry"),
                                                 ("dkl", "validation_epoch", "D$_{KL}$(p*||p)"))):
            ax = axes[row, col]
            for k, cond in enumerate(ds.condition.values):
                data = ds[var].sel(level=level, condition=cond)
                q = data.quantile([0.25, 0.5, 0.75], dim="run")
                ax.plot(ds[x], q.sel(quantile=0.5), color=f"C{k}", label=str(cond))
                ax.fill_between(ds[x], q.sel(quantile=0.25), q.sel(quantile=0.75), color=f"C{k}", alpha=0.25)
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
    return _save(fig, path)


def plot_microcircuit(ds, path: Path) -> Path:
    """Validation loss (median and IQR over seeds) per condition, with the wrong-sign seeds apart
    (Fig. 6c); W_up versus B trajectories for one-neuron layers (Fig. 6b), else the angle between
    B and W_up^T over training."""
    plt = _pyplot()
    done = int(ds.attrs.get("completed_epochs", ds.epoch.values[-1]))
    ds = ds.sel(epoch=slice(0, done))
    wrong = ds.wrong_sign.isel(hidden_layer=0).values
    from salnest.experiments.microcircuit import opposed_to_learned

    opposed = opposed_to_learned(ds)
    groups = [("all seeds", np.ones_like(wrong))] + ([("B starts wrong-signed vs W_up", wrong)] if wrong.any() else [])
    if opposed is not None and opposed.any():
        groups.append(("B starts opposite to the learned W_up", opposed))
    fig, axes = plt.subplots(1, len(groups) + 1, figsize=(4.2 * (len(groups) + 1), 3.4))
    for ax, (title, mask) in zip(axes, groups):
        for k, cond in enumerate(ds.condition.values):
            q = ds.loss.sel(condition=cond).isel(seed=np.flatnonzero(mask)).quantile([0.25, 0.5, 0.75], dim="seed")
            ax.plot(ds.epoch, q.sel(quantile=0.5), color=f"C{k}", label=str(cond).upper())
            ax.fill_between(ds.epoch, q.sel(quantile=0.25), q.sel(quantile=0.75), color=f"C{k}", alpha=0.25)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation loss (MSE)")
        ax.set_title(f"{title} ({int(mask.sum())})", fontsize=9)
    axes[0].legend(fontsize=8)
    ax = axes[-1]
    top = ds[f"W{ds.sizes['hidden_layer']}"]
    if ds.B0.shape[-2:] == (1, 1) and top.shape[-2:] == (1, 1):
        for k, cond in enumerate(ds.condition.values):
            for seed in ds.seed.values:
                w = top.sel(condition=cond, seed=seed).values.ravel()
                b = ds.B0.sel(condition=cond, seed=seed).values.ravel()
                ax.plot(w, b, color=f"C{k}", lw=0.7, alpha=0.6, label=str(cond).upper() if seed == 0 else None)
                ax.plot(w[-1], b[-1], "o", color=f"C{k}", ms=3)
        lim = max(abs(float(top.min())), abs(float(top.max())), abs(float(ds.B0.min())), abs(float(ds.B0.max())))
        ax.plot([-lim, lim], [-lim, lim], "k:", lw=0.8)
        ax.set_xlabel("forward weight $W_{up}$ (output)")
        ax.set_ylabel("feedback weight $B$")
        ax.legend(fontsize=7)
    else:
        for k, cond in enumerate(ds.condition.values):
            q = ds.angle.sel(condition=cond).isel(hidden_layer=-1).quantile([0.25, 0.5, 0.75], dim="seed")
            ax.plot(ds.epoch, q.sel(quantile=0.5), color=f"C{k}", label=str(cond).upper())
            ax.fill_between(ds.epoch, q.sel(quantile=0.25), q.sel(quantile=0.75), color=f"C{k}", alpha=0.25)
        ax.set_xlabel("epoch")
        ax.set_ylabel("angle(B, $W_{up}^T$) [deg]")
        ax.legend(fontsize=7)
    fig.suptitle(ds.attrs.get("name", "microcircuit"), fontsize=10)
    return _save(fig, path)


PLOTTERS = {"reciprocal_pair": plot_demo, "pair_trajectory": plot_trajectory, "pair_stdd": plot_stdd,
            "pair_phase_plane": plot_phase_plane, "wake_sleep": plot_wake_sleep,
            "microcircuit": plot_microcircuit}


def plot_results(ds, path: Path) -> Path:
    """The figure for a results dataset, chosen by its ``salnest_kind``."""
    kind = ds.attrs.get("salnest_kind")
    if kind not in PLOTTERS:
        raise ValueError(f"no figure for results of kind {kind!r}; known: {sorted(PLOTTERS)}")
    return PLOTTERS[kind](ds, path)
