"""Two reciprocally coupled sampling neurons whose weights are aligned by SAL (paper Fig. 2d).

Two independent pairs are simulated side by side in one network: in the first
both W12 and W21 are plastic and meet at their mean; in the second only W12
is plastic and converges to the fixed W21.

Run on its own (also under ``mpirun -np N``)::

    python pynn_networks/reciprocal_pair.py --steps 200000 --out results/reciprocal_pair.nc

or through ``salnest demo``. Writes the weight trajectories as an xarray
dataset (netCDF, with provenance) and a figure next to it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

# The paper's demo (sal-models.md section 4): W = [[0, 1.5], [0.5, 0]], b = (-0.5, -0.2), tau_ref = 25.
# eta_sal = 0.01 instead of its 0.03: with nearest-neighbour pairing (the paper's demo paired 10
# recent spikes) 0.03 leaves the converged weights fluctuating by about +-0.2.
DEFAULTS = {"w12": 1.5, "w21": 0.5, "b1": -0.5, "b2": -0.2, "tau_ref": 25, "eta_sal": 0.01,
            "window": "exponential", "steps": 400_000, "chunks": 200, "seed": 42}


def build_pair(sim, w12: float, w21: float, biases: tuple[float, float], tau_ref_ms: float,
               eta_sal: float, window: str, w21_plastic: bool):
    """One neuron pair; returns (population, projection). W12 is weight[1, 0] (neuron 2 -> 1)."""
    from salnest.pynn_types import SALSynapse, SamplingNeuron

    pop = sim.Population(2, SamplingNeuron(b=list(biases), tau_ref=tau_ref_ms, tau_syn=tau_ref_ms))
    delay = sim.get_time_step()  # one step: exact sampling and exact SAL pairing
    connections = [(1, 0, w12, delay, eta_sal), (0, 1, w21, delay, eta_sal if w21_plastic else 0.0)]
    prj = sim.Projection(pop, pop, sim.FromListConnector(connections, column_names=["weight", "delay", "eta_sal"]),
                         SALSynapse(tau_sal=tau_ref_ms, window=window))
    return pop, prj


def run(params: dict, out: Path | None, show_progress: bool = True):
    """Simulate both pairs; return the dataset (written to ``out`` on rank 0 if given)."""
    import pyNN.nest as sim
    import xarray as xr
    from tqdm import tqdm

    import salnest.pynn_types  # noqa: F401  (before setup(): it loads the models at every setup)
    from salnest.provenance import provenance
    from salnest.results import write_dataset

    h = 1.0  # ms per reference time step
    sim.setup(timestep=h, min_delay=h, rng_seed=params["seed"])
    pairs = {
        "both_plastic": build_pair(sim, params["w12"], params["w21"], (params["b1"], params["b2"]),
                                   params["tau_ref"] * h, params["eta_sal"], params["window"], True),
        "one_plastic": build_pair(sim, params["w12"], params["w21"], (params["b1"], params["b2"]),
                                  params["tau_ref"] * h, params["eta_sal"], params["window"], False),
    }
    n_chunks = params["chunks"]
    chunk = params["steps"] / n_chunks
    times = np.arange(n_chunks + 1) * chunk
    weights = np.zeros((len(pairs), n_chunks + 1, 2))

    def read(k):
        for i, (_, prj) in enumerate(pairs.values()):
            w = prj.get("weight", format="array")
            weights[i, k] = w[1, 0], w[0, 1]

    read(0)
    progress = tqdm(range(1, n_chunks + 1), desc="reciprocal pair", unit="chunk",
                    disable=not show_progress or sim.rank() != 0)
    for k in progress:
        sim.run(chunk * h)
        read(k)
    ds = xr.Dataset(
        {"weight": (("condition", "time", "direction"), weights)},
        coords={"condition": list(pairs), "time": ("time", times, {"units": "steps"}),
                "direction": ["W12", "W21"]},
        attrs={"salnest_kind": "reciprocal_pair",
               **provenance(params, {"rng_seed": params["seed"]})},
    )
    sim.end()
    if out is not None and sim.rank() == 0:
        write_dataset(ds, out)
    return ds


def plot(ds, path: Path) -> Path:
    """Weight trajectories of both conditions (paper Fig. 2d)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8, 3), sharey=True)
    titles = {"both_plastic": "both directions plastic", "one_plastic": "only W12 plastic"}
    for ax, cond in zip(axes, ds.condition.values):
        for direction, color in zip(ds.direction.values, ("C0", "C1")):
            ax.plot(ds.time / 1000, ds.weight.sel(condition=cond, direction=direction), color=color,
                    label=direction.replace("W", "W$_{") + "}$")
        ax.set_title(titles.get(str(cond), str(cond)))
        ax.set_xlabel("time (10$^3$ steps)")
    axes[0].set_ylabel("weight")
    axes[0].legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, value in DEFAULTS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--out", type=Path, default=Path("results/reciprocal_pair.nc"))
    parser.add_argument("--figure", type=Path, default=None, help="default: results/figures/<out stem>.png")
    args = parser.parse_args(argv)
    params = {name: getattr(args, name) for name in DEFAULTS}
    if params["window"] not in ("exponential", "triangular"):
        parser.error(f"--window must be exponential or triangular, not {params['window']!r}")
    for name in ("steps", "chunks", "tau_ref"):
        if params[name] <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if params["eta_sal"] < 0:
        parser.error("--eta-sal must be >= 0")
    ds = run(params, args.out)
    import pyNN.nest as sim

    if sim.rank() == 0:
        figure = args.figure or args.out.parent / "figures" / f"{args.out.stem}.png"
        plot(ds, figure)
        final = ds.weight.isel(time=-1)
        for cond in ds.condition.values:
            w12, w21 = final.sel(condition=cond).values
            print(f"{cond}: W12 = {w12:.3f}, W21 = {w21:.3f} (start {params['w12']}, {params['w21']})")
        print(f"results: {args.out}\nfigure:  {figure}")


if __name__ == "__main__":
    main()
