"""Figures of results files: shared plotting helpers, and the figure of any registered kind.

Each experiment kind draws its own figure (``plot`` in its :func:`salnest.study.registry.register`
call) with the helpers here; :func:`plot_results` picks it by the dataset's kind.
"""

from __future__ import annotations

from pathlib import Path


def pyplot():
    """matplotlib's pyplot on the non-interactive Agg backend (runs on clusters without a display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: str | Path) -> Path:
    """Lay out, write (120 dpi, folders created) and close ``fig``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    pyplot().close(fig)
    return path


def quantile_band(ax, x, data, dim: str, color: str, label: str | None = None) -> None:
    """Median line and interquartile band of ``data`` over dimension ``dim``, against ``x``."""
    q = data.quantile([0.25, 0.5, 0.75], dim=dim)
    ax.plot(x, q.sel(quantile=0.5), color=color, label=label)
    ax.fill_between(x, q.sel(quantile=0.25), q.sel(quantile=0.75), color=color, alpha=0.25)


def plot_results(ds, path: str | Path) -> Path:
    """The figure of a results dataset, drawn by the kind that wrote it (``salnest_kind``)."""
    from salnest.study.registry import kind_of

    return kind_of(ds).plot(ds, Path(path))
