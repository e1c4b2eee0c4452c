"""SAL under Dale's law (paper Fig. 10): the kind ``ei_rates``.

The rate of e2 driven by e1 alone (the e2 -> e1 pathways removed, as the reference) in the E-I
system of :mod:`salnest.experiments.dales_law` and in a direct pair with the effective weight,
measured in NEST and exact from the network chain (:func:`salnest.theory.ei_system.exact_rate`).
Rates are ``P(z = 1)``, i.e. spikes per ``tau_ref``; times are in steps.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from salnest.analysis.ei_system import rate_agreement
from salnest.experiments._shared import check_simulator, grid_values, kernel, run_in_chunks
from salnest.experiments.dales_law import draw, experiment_fields, system_data, system_fields
from salnest.study.figures import pyplot, save
from salnest.study.protocol import Field, ProtocolError, at_least, grid_points, grid_spec
from salnest.study.registry import ExperimentKind, register
from salnest.theory.ei_system import NEURONS, exact_rate, pathway_weights


def _feed_forward(weights: dict, w21: np.ndarray, direct: bool) -> dict:
    """e1 drives e2 (directly with W_e2_e1 = w21, and through i1 unless ``direct``); e2 drives
    nothing back, as in the reference's rate experiment."""
    out = {**weights, "e1_e2": 0.0, "e1_i2": 0.0, "e2_e1": w21}
    if direct:
        out["e2_i1"] = 0.0
    return out


def run_rates(protocol, progress) -> xr.Dataset:
    """Rate of e2 in the E-I system and in the direct system with the effective weight."""
    from salnest.networks.ei_system import build_systems

    sys_, rates = protocol["system"], protocol["rates"]
    weights, biases = draw(protocol)
    w21s = grid_values(rates["w_e2_e1"])
    reps = rates["replicates"]
    _, c21 = pathway_weights(weights, biases)
    per_system = np.repeat(w21s, reps)  # system = w * replicates + replicate
    conditions = {"dale": (per_system, False), "direct": (per_system + c21, True)}
    with kernel(protocol) as sim:
        groups = {}
        for name, (w, direct) in conditions.items():
            groups[name] = build_systems(sim, _feed_forward(weights, w, direct), biases, sys_["tau_ref"])
            groups[name].population.record("spikes")
        run_in_chunks(sim.run, rates["steps"], progress)
        measured = np.stack([g.rates(rates["steps"])[:, NEURONS.index("e2")] for g in groups.values()])
    measured = measured.reshape(len(conditions), len(w21s), reps) * sys_["tau_ref"]
    exact = np.array([[exact_rate(_feed_forward(weights, w + (c21 if direct else 0.0), direct), biases, "e2",
                                  sys_["tau_ref"]) for w in w21s] for _, direct in conditions.values()])
    data, coords = system_data(weights, biases)
    data.update(rate_measured=(("system", "w21", "replicate"), measured, {"units": "spikes per tau_ref"}),
                rate_exact=(("system", "w21"), exact, {"units": "spikes per tau_ref"}))
    coords.update(system=list(conditions), w21=("w21", w21s, {"long_name": "W_e2_e1"}),
                  w_eff21=("w21", w21s + c21), replicate=np.arange(reps))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(rate_agreement(ds))
    return ds


def plot_rates(ds, path):
    """Rate of e2 against W_e2_e1 (bottom) and W_eff (top): E-I system and direct system."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    c21 = float(ds.pathway_weight.sel(direction="W21"))
    w = ds.w21.values
    for name, marker, label in (("dale", "o", "E-I system"), ("direct", "s", "direct, $W^{eff}$")):
        r = ds.rate_measured.sel(system=name)
        ax.errorbar(w, r.mean("replicate"), yerr=r.std("replicate", ddof=1) / np.sqrt(ds.sizes["replicate"]),
                    fmt=marker, mfc="none", ms=5, label=f"{label} (NEST)")
        ax.plot(w, ds.rate_exact.sel(system=name), "-", lw=0.8, color=ax.lines[-1].get_color(),
                label=f"{label} (exact)")
    ax.set_xlabel("$W^{EE}_{21}$ (onto e2 from e1)")
    ax.set_ylabel(r"$r_{e2}$ (per $\tau_{ref}$)")
    top = ax.secondary_xaxis("top", functions=(lambda x: x + c21, lambda x: x - c21))
    top.set_xlabel("$W^{eff}_{21}$")
    ax.legend(fontsize=7)
    return save(fig, path)


def summary_rates(ds) -> str:
    """The simulator against exact, and the effective weight's approximation error."""
    a = ds.attrs
    simulator = {"nest": "NEST", "brian2": "Brian2"}.get(a.get("simulator", "nest"), a.get("simulator"))
    lines = [f"{a.get('name', 'E-I rates')}: {simulator} within {a['max_abs_z']:.2f} standard errors "
             f"({a['max_abs_error']:.4f}) of the exact rates; exact E-I minus direct rate: mean "
             f"{a['mean_effective_weight_gap']:+.4f}, max |.| {a['max_abs_effective_weight_gap']:.4f}"]
    for w in ds.w21.values:
        sel = ds.sel(w21=w)
        m = sel.rate_measured.mean("replicate").values
        e = sel.rate_exact.values
        lines.append(f"W_e2_e1 {w:.2f} (W_eff {float(sel.w_eff21):+.3f}): E-I {m[0]:.4f} (exact {e[0]:.4f}), "
                     f"direct {m[1]:.4f} (exact {e[1]:.4f})")
    return "\n".join(lines)


def _check_rates(protocol) -> None:
    check_simulator(protocol)
    states = (protocol["system"]["tau_ref"] + 1) ** 3
    if states > 2_000_000:
        raise ProtocolError(f"system.tau_ref = {protocol['system']['tau_ref']}: the exact chain of e1, i1, e2 "
                            f"would have {states} states (at most 2,000,000)")


register(ExperimentKind(
    name="ei_rates",
    description="rate of e2 in the E-I system and in a direct pair with the effective weight, NEST and exact "
                "(paper Fig. 10)",
    schema={
        "system": system_fields(),
        "rates": {"w_e2_e1": Field(list, [0.0, 2.0, 0.25], grid_spec, doc="[start, stop, step] of W_e2_e1"),
                  "steps": Field(int, 500_000, at_least(1), doc="simulated steps"),
                  "replicates": Field(int, 4, at_least(2), doc="independent systems per weight (>= 2)")},
    },
    run=run_rates, plot=plot_rates, summary=summary_rates, check=_check_rates, experiment=experiment_fields(42),
    simulators=("nest", "brian2"),
    simulated_ms=lambda p: float(p["rates"]["steps"]),
    neurons=lambda p: 8 * grid_points(p["rates"]["w_e2_e1"]) * p["rates"]["replicates"],
))
