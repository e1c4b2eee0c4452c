"""Reciprocally coupled pairs of sampling neurons with SAL synapses (paper Fig. 2).

Many independent pairs live side by side in one population (pair m is neurons
2m and 2m+1), so a whole sweep runs in one NEST kernel. In pair m, W12 is the
weight from neuron 2m+1 ("neuron 2") to neuron 2m ("neuron 1"), W21 the reverse;
each direction has its own learning rate (0: frozen, window sums still kept).

Run on its own (also under ``mpirun -np N``), this script is the demo of
``salnest demo``: one pair with both directions plastic and one with only W12
plastic, at the paper's demo parameters::

    python pynn_networks/reciprocal_pair.py --steps 400000 --out results/reciprocal_pair.nc

The protocols in ``protocols/`` (``salnest run``) use :func:`build_pairs` for
trajectories, STDD measurements and phase-plane sweeps.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The paper's demo (sal-models.md section 4): W = [[0, 1.5], [0.5, 0]], b = (-0.5, -0.2), tau_ref = 25.
# eta_sal = 0.01 instead of its 0.03: with nearest-neighbour pairing (the paper's demo paired 10
# recent spikes) 0.03 leaves the converged weights fluctuating by about +-0.2.
DEFAULTS = {"w12": 1.5, "w21": 0.5, "b1": -0.5, "b2": -0.2, "tau_ref": 25, "eta_sal": 0.01,
            "window": "exponential", "steps": 400_000, "chunks": 200, "seed": 42, "threads": 1}


@dataclass
class Pairs:
    """A population of independent pairs, the one projection holding all their SAL synapses, and
    those synapses as seen from every MPI rank (:class:`salnest.parallel.Synapses`)."""

    population: object
    projection: object
    synapses: object
    n_pairs: int

    def _slots(self) -> tuple[np.ndarray, np.ndarray]:
        # (pair, direction) of each synapse: into neuron 2m is W12 (column 0), into 2m+1 is W21
        post = self.synapses.targets - self.population.first_id
        return post // 2, post % 2

    def read(self, attribute: str = "weight") -> np.ndarray:
        """(n_pairs, 2) array of ``attribute`` for (W12, W21) of every pair (gathered from all MPI ranks)."""
        out = np.full((self.n_pairs, 2), np.nan)
        out[self._slots()] = self.synapses.get(attribute)
        return out

    def set(self, attribute: str, values: np.ndarray) -> None:
        """Set ``attribute`` from an (n_pairs, 2) array (W12, W21 columns)."""
        self.synapses.set(**{attribute: np.asarray(values, float)[self._slots()]})

    def spike_trains(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(spikes of neuron 1, spikes of neuron 2) in steps, per pair (needs ``record('spikes')``)."""
        trains = self.population.get_data("spikes", clear=False).segments[-1].spiketrains
        by_index = {int(st.annotations["source_index"]): np.asarray(st.magnitude) for st in trains}
        return [(by_index.get(2 * m, np.array([])), by_index.get(2 * m + 1, np.array([])))
                for m in range(self.n_pairs)]


def build_pairs(sim, w12, w21, b1, b2, tau_ref: int, eta12, eta21, window: str = "exponential",
                tau_syn: int | None = None) -> Pairs:
    """Independent pairs; every argument may be a scalar or an array over pairs.

    Times are in steps; one step is the simulator's time step, and the delay is
    one step (exact sampling and exact SAL pairing).
    """
    from salnest.parallel import Synapses
    from salnest.pynn_types import SALSynapse, SamplingNeuron

    w12, w21, b1, b2, eta12, eta21 = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, float))
                                                           for x in (w12, w21, b1, b2, eta12, eta21)))
    n_pairs = len(w12)
    h = sim.get_time_step()
    tau_syn = tau_ref if tau_syn is None else tau_syn
    biases = np.empty(2 * n_pairs)
    biases[0::2], biases[1::2] = b1, b2
    pop = sim.Population(2 * n_pairs, SamplingNeuron(b=biases, tau_ref=tau_ref * h, tau_syn=tau_syn * h,
                                                     psp_buffer_size=max(100, tau_syn)))
    m = np.arange(n_pairs)
    conns = np.concatenate([
        np.column_stack([2 * m + 1, 2 * m, w12, np.full(n_pairs, h)]),
        np.column_stack([2 * m, 2 * m + 1, w21, np.full(n_pairs, h)]),
    ])
    prj = sim.Projection(pop, pop, sim.FromListConnector(conns, column_names=["weight", "delay"]),
                         SALSynapse(tau_sal=tau_ref * h, window=window))
    pairs = Pairs(pop, prj, Synapses(prj.nest_connections), n_pairs)
    pairs.set("eta_sal", np.column_stack([eta12, eta21]))
    return pairs


def run_demo(params: dict, out: Path | None, show_progress: bool = True):
    """Both-plastic and one-plastic pair; return the dataset (written to ``out`` on rank 0 if given)."""
    import pyNN.nest as sim
    import xarray as xr
    from tqdm import tqdm

    import salnest.pynn_types  # noqa: F401  (before setup(): it loads the models at every setup)
    from salnest.parallel import abort_on_error
    from salnest.provenance import provenance
    from salnest.results import write_dataset

    sim.setup(timestep=1.0, min_delay=1.0, rng_seed=params["seed"], threads=params["threads"])
    abort_on_error()
    pairs = build_pairs(sim, params["w12"], params["w21"], params["b1"], params["b2"], params["tau_ref"],
                        eta12=params["eta_sal"], eta21=[params["eta_sal"], 0.0], window=params["window"])
    n_chunks = params["chunks"]
    chunk = params["steps"] / n_chunks
    weights = np.zeros((2, n_chunks + 1, 2))
    weights[:, 0] = pairs.read()
    for k in tqdm(range(1, n_chunks + 1), desc="reciprocal pair", unit="chunk",
                  disable=not show_progress or sim.rank() != 0):
        sim.run(chunk)
        weights[:, k] = pairs.read()
    ds = xr.Dataset(
        {"weight": (("condition", "time", "direction"), weights)},
        coords={"condition": ["both_plastic", "one_plastic"],
                "time": ("time", np.arange(n_chunks + 1) * chunk, {"units": "steps"}),
                "direction": ["W12", "W21"]},
        attrs={"salnest_kind": "reciprocal_pair", **provenance(params, {"rng_seed": params["seed"]})},
    )
    sim.end()
    if out is not None and sim.rank() == 0:
        write_dataset(ds, out)
    return ds


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
    for name in ("steps", "chunks", "tau_ref", "threads"):
        if params[name] <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if params["eta_sal"] < 0:
        parser.error("--eta-sal must be >= 0")
    ds = run_demo(params, args.out)
    import pyNN.nest as sim

    from salnest.figures import plot_demo

    if sim.rank() == 0:
        figure = args.figure or args.out.parent / "figures" / f"{args.out.stem}.png"
        plot_demo(ds, figure)
        final = ds.weight.isel(time=-1)
        for cond in ds.condition.values:
            w12, w21 = final.sel(condition=cond).values
            print(f"{cond}: W12 = {w12:.3f}, W21 = {w21:.3f} (start {params['w12']}, {params['w21']})")
        print(f"results: {args.out}\nfigure:  {figure}")


if __name__ == "__main__":
    main()
