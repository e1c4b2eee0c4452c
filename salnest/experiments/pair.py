"""Runners for the reciprocal-pair protocols (paper Fig. 2): trajectories, STDD, phase plane.

Each runner takes a validated protocol (:mod:`salnest.protocol`), simulates
with :mod:`pynn_networks.reciprocal_pair` and returns one xarray dataset with
the measurements and the exact predictions of :mod:`salnest.theory.pair_chain`
beside them.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from salnest.protocol import REQUIRED, Field, at_least, grid_spec, list_of_pairs, one_of, pair_of_numbers
from salnest.theory.pair_chain import drift_field, pair_statistics
from salnest.theory.windows import restricted_nn_pairs, sal_window


def _experiment(kind: str) -> dict[str, Field]:
    return {
        "kind": Field(str, REQUIRED, one_of(kind)),
        "name": Field(str, kind, doc="label used in figures"),
        "seed": Field(int, 42, at_least(1), doc="NEST rng seed"),
        "output": Field(str, f"results/{kind}.nc", doc="results file (netCDF)"),
        "threads": Field(int, 1, at_least(1), doc="NEST threads per rank"),
    }


_NETWORK = {
    "b": Field(list, [0.0, 0.0], pair_of_numbers, doc="biases (b1, b2)"),
    "tau_ref": Field(int, 25, at_least(1), doc="refractory period = PSP duration = window time constant, steps"),
    "window": Field(str, "exponential", one_of("exponential", "triangular")),
}

SCHEMAS = {
    "pair_trajectory": {
        "experiment": _experiment("pair_trajectory"),
        "network": {**_NETWORK, "w12": Field(float, 1.5), "w21": Field(float, 0.5)},
        "plasticity": {"eta_sal": Field(float, 0.01, at_least(0.0)),
                       "plastic": Field(str, "both", one_of("both", "w12"), doc="both directions or only W12")},
        "run": {"steps": Field(int, 400_000, at_least(1)), "record_interval": Field(int, 2000, at_least(1)),
                "replicates": Field(int, 5, at_least(1), doc="independent pairs")},
    },
    "pair_stdd": {
        "experiment": _experiment("pair_stdd"),
        "network": {**_NETWORK, "w12": Field(float, 1.5), "w21": Field(float, 0.5)},
        "run": {"steps": Field(int, 200_000, at_least(1)), "replicates": Field(int, 20, at_least(1))},
    },
    "pair_phase_plane": {
        "experiment": _experiment("pair_phase_plane"),
        "network": _NETWORK,
        "grid": {"w12": Field(list, [-2.0, 2.0, 0.25], grid_spec, doc="[start, stop, step], inclusive"),
                 "w21": Field(list, [-2.0, 2.0, 0.25], grid_spec),
                 "seeds_per_point": Field(int, 3, at_least(1)),
                 "steps": Field(int, 100_000, at_least(1), doc="frozen-weight measurement per point")},
        "trajectories": {"starts": Field(list, [], list_of_pairs, doc="[[w12, w21], ...]"),
                         "eta_sal": Field(float, 0.01, at_least(0.0)),
                         "steps": Field(int, 400_000, at_least(1)),
                         "record_interval": Field(int, 2000, at_least(1))},
    },
}


def _window(protocol):
    net = protocol["network"]
    return lambda dt: sal_window(dt, float(net["tau_ref"]), net["window"])


def _grid(spec) -> np.ndarray:
    start, stop, step = spec
    return np.round(np.arange(start, stop + step / 2, step), 10)


def _setup(protocol):
    import pyNN.nest as sim

    import salnest.pynn_types  # noqa: F401  (loads the module at setup)

    exp = protocol["experiment"]
    sim.setup(timestep=1.0, min_delay=1.0, rng_seed=exp["seed"], threads=exp["threads"])
    return sim


def _simulate_recording(sim, pairs, steps: int, interval: int, progress) -> tuple[np.ndarray, np.ndarray]:
    """Run ``steps`` steps, reading the weights every ``interval``; returns (times, weights[time, pair, dir])."""
    n = int(np.ceil(steps / interval))
    times = np.minimum(np.arange(n + 1) * interval, steps).astype(float)
    weights = np.empty((n + 1, pairs.n_pairs, 2))
    weights[0] = pairs.read()
    for k in progress(range(1, n + 1)):
        sim.run(times[k] - times[k - 1])
        weights[k] = pairs.read()
    return times, weights


def _mean_field(w0, eta, times, protocol) -> np.ndarray:
    """Deterministic prediction dW/dt = eta * exact drift(W), integrated on ``times`` (Euler, sub-stepped)."""
    net = protocol["network"]
    plastic12, plastic21 = 1.0, (1.0 if protocol.get("plasticity", {}).get("plastic", "both") == "both" else 0.0)
    window = _window(protocol)
    w = np.array(w0, float)
    out = [w.copy()]
    mask = np.array([plastic12, plastic21])

    def velocity(w):
        return eta * mask * np.array(pair_statistics(w[0], w[1], *net["b"], net["tau_ref"]).drift(window))

    for t0, t1 in zip(times[:-1], times[1:]):
        # sub-steps keep each Euler step below 0.02 in weight
        v = velocity(w)
        n_sub = max(1, int(np.ceil(np.abs(v).max() * (t1 - t0) / 0.02)))
        dt = (t1 - t0) / n_sub
        for k in range(n_sub):
            w = w + dt * (v if k == 0 else velocity(w))
        out.append(w.copy())
    return np.array(out)


def run_trajectory(protocol, progress, output=None) -> xr.Dataset:
    """Weights over time of independent replicate pairs, with the mean-field prediction."""
    sim = _setup(protocol)
    from pynn_networks.reciprocal_pair import build_pairs

    net, pl, run = protocol["network"], protocol["plasticity"], protocol["run"]
    reps = run["replicates"]
    pairs = build_pairs(sim, np.full(reps, net["w12"]), net["w21"], *net["b"], net["tau_ref"],
                        eta12=pl["eta_sal"], eta21=pl["eta_sal"] if pl["plastic"] == "both" else 0.0,
                        window=net["window"])
    times, weights = _simulate_recording(sim, pairs, run["steps"], run["record_interval"], progress)
    sim.end()
    target = (net["w12"] + net["w21"]) / 2 if pl["plastic"] == "both" else net["w21"]
    coarse = times[:: max(1, len(times) // 50)]
    mean_field = _mean_field([net["w12"], net["w21"]], pl["eta_sal"], coarse, protocol)
    return xr.Dataset(
        {"weight": (("time", "replicate", "direction"), weights),
         "mean_field_weight": (("time_mf", "direction"), mean_field),
         "fixed_point": (("direction",), [target, target])},
        coords={"time": ("time", times, {"units": "steps"}), "time_mf": ("time_mf", coarse, {"units": "steps"}),
                "replicate": np.arange(reps), "direction": ["W12", "W21"]},
    )


def run_stdd(protocol, progress, output=None) -> xr.Dataset:
    """Frozen weights: measured spike-timing-difference distribution and mean SAL update per pair."""
    sim = _setup(protocol)
    from pynn_networks.reciprocal_pair import build_pairs

    net, run = protocol["network"], protocol["run"]
    pairs = build_pairs(sim, np.full(run["replicates"], net["w12"]), net["w21"], *net["b"], net["tau_ref"],
                        eta12=0.0, eta21=0.0, window=net["window"])
    pairs.population.record("spikes")
    chunks = 20
    for k in progress(range(chunks)):
        sim.run(run["steps"] * (k + 1) // chunks - run["steps"] * k // chunks)
    sal_sum, n_pairs = pairs.read("sal_sum"), pairs.read("n_pairs")
    trains = pairs.spike_trains()
    sim.end()
    exact = pair_statistics(net["w12"], net["w21"], *net["b"], net["tau_ref"])
    dts = np.concatenate([restricted_nn_pairs(t2, t1) for t1, t2 in trains])  # dt = t1 - t2
    counts = np.array([np.sum(dts == d) for d in exact.dt])
    window = _window(protocol)
    measured_per_pair = sal_sum.sum(axis=0) / n_pairs.sum(axis=0)
    tv = 0.5 * np.abs(counts / counts.sum() - exact.stdd).sum()
    return xr.Dataset(
        {"stdd_measured": (("dt",), counts / counts.sum()), "stdd_exact": (("dt",), exact.stdd),
         "pair_counts": (("dt",), counts),
         "update_per_pair_measured": (("direction",), measured_per_pair),
         "update_per_pair_exact": (("direction",), list(exact.mean_update_per_pair(window))),
         "pair_rate_measured": ((), len(dts) / (run["steps"] * run["replicates"])),
         "pair_rate_exact": ((), exact.pair_rate.sum())},
        coords={"dt": ("dt", exact.dt, {"units": "steps", "definition": "t1 - t2"}), "direction": ["W12", "W21"]},
        attrs={"total_variation": float(tv), "pairs_outside_exact_support": int(np.sum(~np.isin(dts, exact.dt)))},
    )


def run_phase_plane(protocol, progress, output=None) -> xr.Dataset:
    """Measured SAL drift on a (W12, W21) grid (frozen weights), the exact field, and trajectories."""
    net, grid, traj = protocol["network"], protocol["grid"], protocol["trajectories"]
    w12s, w21s = _grid(grid["w12"]), _grid(grid["w21"])
    seeds = grid["seeds_per_point"]
    W12, W21, _ = np.meshgrid(w12s, w21s, np.arange(seeds), indexing="ij")
    sim = _setup(protocol)
    from pynn_networks.reciprocal_pair import build_pairs

    pairs = build_pairs(sim, W12.ravel(), W21.ravel(), *net["b"], net["tau_ref"], eta12=0.0, eta21=0.0,
                        window=net["window"])
    chunks = 20
    for k in progress(range(chunks)):
        sim.run(grid["steps"] * (k + 1) // chunks - grid["steps"] * k // chunks)
    measured = pairs.read("sal_sum").reshape(len(w12s), len(w21s), seeds, 2) / grid["steps"]
    sim.end()
    window = _window(protocol)
    d12, d21 = drift_field(w12s, w21s, *net["b"], net["tau_ref"], window)
    exact = np.stack([d12, d21], axis=-1)
    data = {"drift_measured": (("w12", "w21", "seed", "direction"), measured),
            "drift_exact": (("w12", "w21", "direction"), exact)}
    coords = {"w12": w12s, "w21": w21s, "seed": np.arange(seeds), "direction": ["W12", "W21"]}
    if traj["starts"]:
        starts = np.array(traj["starts"], float)
        sim = _setup(protocol)
        pairs = build_pairs(sim, starts[:, 0], starts[:, 1], *net["b"], net["tau_ref"], eta12=traj["eta_sal"],
                            eta21=traj["eta_sal"], window=net["window"])
        times, weights = _simulate_recording(sim, pairs, traj["steps"], traj["record_interval"], progress)
        sim.end()
        data["trajectory"] = (("time", "start", "direction"), weights)
        coords.update(time=("time", times, {"units": "steps"}), start=np.arange(len(starts)))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(phase_plane_agreement(ds))
    return ds


def phase_plane_agreement(ds: xr.Dataset, min_asymmetry: float = 0.5) -> dict[str, float]:
    """Sign agreement (where |W12 - W21| >= ``min_asymmetry``) and correlation of measured and exact drift."""
    measured = ds.drift_measured.mean("seed")
    exact = ds.drift_exact
    asym = np.abs(ds.w12 - ds.w21) >= min_asymmetry
    signs = (np.sign(measured) == np.sign(exact)).where(asym)
    corr = np.corrcoef(measured.values.ravel(), exact.values.ravel())[0, 1]
    return {"sign_agreement": float(signs.mean()), "drift_correlation": float(corr),
            "sign_agreement_min_asymmetry": min_asymmetry}


RUNNERS = {"pair_trajectory": run_trajectory, "pair_stdd": run_stdd, "pair_phase_plane": run_phase_plane}
