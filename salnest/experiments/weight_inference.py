"""Three local rules infer the forward weights of a layer head to head: SAL, RDD, STDWI (paper Fig. 7).

Each seed draws a layer n_in -> n_out: forward weights W and the start of the feedback weights
B (shaped like W^T), both He-uniform, and the SAL network's biases. Every method then infers W^T
from the same W and B_0, set up as its own paper sets it up (:mod:`salnest.networks.weight_inference`):

- **SAL**: sampling neurons driven by nothing but their own noise; ``copies`` parallel copies of
  each layer share B, updated after every simulated second from their mean SAL window sums over
  all spike pairs (the reference's trace-based rule, summed from the recorded spikes on NEST;
  ``pairing = "restricted"`` for nearest neighbours, summed by the SAL synapses). As
  in the reference, one simulated second is ``network_steps_per_second`` network-steps
  (10,000 = 1,250 steps x 8 copies: one step stands for 0.1 ms, tau_ref for 1 ms);
- **RDD**: LIF layers at 1 ms, Poisson drive to a random ``drive_fraction`` of the lower units,
  redrawn every ``drive_period`` ms; forward weights ``forward_scale n_in W / std(W)``; the
  feedback weights are rescaled estimates ``beta std(B_0) / std(beta)`` every ``rescale_every`` s;
- **STDWI**: leaky integrators at ``dt`` = 0.25 ms, a Bernoulli stimulus to a random
  ``stimulus_fraction`` of the inputs redrawn every ``stimulus_period`` ms, forward weights
  ``weight_scale sqrt(0.2 / stimulus_fraction) W``; B is the synapses' running estimate.

The run's epochs are (method, simulated second) in method order: ``seconds`` epochs per method,
all seeds side by side in one kernel; a segment never spans two methods (their kernels differ).
After every second the feedback weights of every method and seed are kept, and the metrics of
:mod:`salnest.analysis.alignment` follow from them (all scale-invariant, so B of every method and W^T are
compared on the same footing). Stimuli are drawn per (seed, method, second) from streams of the
protocol seed, so results do not depend on the segment length of a method's stimulus; SAL's
noise and the segment kernels come from NEST's streams, seeded by the driver.
"""

from __future__ import annotations

import contextlib
import json
import time

import numpy as np
import xarray as xr

from salnest.analysis.alignment import correlation, feedback_angle, normalised_difference_variance, sign_agreement
from salnest.experiments._shared import check_simulator
from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, quantile_band, save
from salnest.study.protocol import Field, ProtocolError, at_least, distinct_choices, fraction, one_of, positive
from salnest.study.protocol import seed as seed_range
from salnest.study.registry import ExperimentKind, register

METHODS = ("sal", "rdd", "stdwi")
LABELS = {"sal": "SAL", "rdd": "RDD", "stdwi": "STDWI"}
#: Entries of W counted as large for sign recovery: |W| above this many standard deviations of W.
LARGE_WEIGHT = 0.5


SCHEMA = {
    "layer": {
        "n_in": Field(int, 50, at_least(2), doc="units of the lower layer (W is n_out x n_in)"),
        "n_out": Field(int, 50, at_least(2), doc="units of the upper layer"),
        "n_seeds": Field(int, 5, at_least(1), doc="independent layers (W, B_0, biases), side by side in a kernel"),
    },
    "schedule": {
        "methods": Field(list, list(METHODS), distinct_choices(METHODS, "method"),
                         doc="rules to compare: sal, rdd, stdwi"),
        "seconds": Field(int, 100, at_least(1), doc="simulated seconds per method (the paper: 100)"),
    },
    "sal": {
        "copies": Field(int, 8, at_least(1), doc="parallel copies of a layer sharing B (the reference's batch)"),
        "network_steps_per_second": Field(int, 10_000, at_least(1),
                                          doc="network-steps per simulated second, shared by the copies"),
        "tau_ref": Field(int, 10, at_least(1), doc="refractory period = PSP length = SAL window tau, in steps"),
        "eta_sal": Field(float, 0.05, at_least(0.0),
                         doc="SAL learning rate per second, on the copies' mean window sum / (2 tau_ref)"),
        "pairing": Field(str, "all_to_all", one_of("all_to_all", "restricted"),
                         doc="spike pairs of the SAL synapses: all_to_all (the reference's traces) or restricted "
                             "nearest neighbour, which drifts between neurons of different rates"),
    },
    "rdd": {
        "forward_scale": Field(float, 0.2, positive, doc="forward weights forward_scale * n_in * W / std(W)"),
        "drive_fraction": Field(float, 0.2, fraction, doc="fraction of lower units driven in a period"),
        "drive_rate": Field(float, 0.2, positive, doc="mean driving spikes per ms of a driven unit (Poisson)"),
        "drive_weight": Field(float, 4.0, positive, doc="weight of a driving spike (the authors' alpha)"),
        "drive_period": Field(int, 100, at_least(1), doc="ms between draws of the driven units"),
        "rescale_every": Field(int, 10, at_least(1), doc="seconds between rescales of B from the estimates"),
        "eta_rdd": Field(float, 0.001, positive, doc="LMS learning rate of the estimator"),
    },
    "stdwi": {
        "dt": Field(float, 0.25, positive, doc="resolution, ms"),
        "stimulus_fraction": Field(float, 0.2, fraction, doc="fraction of inputs stimulated in a period"),
        "stimulus_rate": Field(float, 0.2, positive, doc="stimulus spikes per ms of a stimulated input (Bernoulli)"),
        "stimulus_period": Field(float, 100.0, positive, doc="ms between draws of the stimulated inputs"),
        "stimulus_weight": Field(float, 10.0, positive, doc="weight of a stimulus spike onto its input neuron"),
        "weight_scale": Field(float, 75.0, positive, doc="forward weights weight_scale sqrt(0.2 / fraction) W"),
        "eta_stdwi": Field(float, 0.02, positive, doc="STDWI learning rate per postsynaptic spike"),
        "decay": Field(float, 0.1, at_least(0.0), doc="decay of the estimate per postsynaptic spike"),
        "tau_fast": Field(float, 10.0, positive, doc="fast trace time constant, ms"),
        "tau_slow": Field(float, 200.0, positive, doc="slow trace time constant, ms"),
    },
}


def _steps(value: float, dt: float) -> int | None:
    n = value / dt
    return int(round(n)) if abs(n - round(n)) < 1e-9 and round(n) >= 1 else None


def check(protocol) -> None:
    """Cross-field rules, before any simulation."""
    src = protocol["experiment"].get("source", "protocol")
    others = [m for m in protocol["schedule"]["methods"] if m != "sal"]
    if protocol["experiment"]["simulator"] != "nest" and others:
        raise ProtocolError(f"{src}: schedule.methods {others} run on NEST only (rdd_neuron, stdwi_synapse and "
                            "NEST's spike_generator); with simulator = 'brian2' use methods = [\"sal\"]")
    check_simulator(protocol)
    layer, sal, stdwi = protocol["layer"], protocol["sal"], protocol["stdwi"]
    if sal["network_steps_per_second"] % sal["copies"]:
        raise ProtocolError(f"{src}: sal.network_steps_per_second ({sal['network_steps_per_second']}) must be a "
                            f"multiple of sal.copies ({sal['copies']})")
    for section, key in (("rdd", "drive_fraction"), ("stdwi", "stimulus_fraction")):
        if int(protocol[section][key] * layer["n_in"]) < 1:
            raise ProtocolError(f"{src}: {section}.{key} x layer.n_in drives no unit; raise one of them")
    if _steps(1000.0, stdwi["dt"]) is None:
        raise ProtocolError(f"{src}: stdwi.dt ({stdwi['dt']} ms) must divide 1000 ms")
    if _steps(stdwi["stimulus_period"], stdwi["dt"]) is None:
        raise ProtocolError(f"{src}: stdwi.stimulus_period ({stdwi['stimulus_period']} ms) must be a multiple of "
                            f"stdwi.dt ({stdwi['dt']} ms)")
    if stdwi["stimulus_rate"] * stdwi["dt"] > 1:
        raise ProtocolError(f"{src}: stdwi.stimulus_rate x stdwi.dt is a probability per step and must be <= 1")
    if not stdwi["tau_fast"] < stdwi["tau_slow"]:
        raise ProtocolError(f"{src}: stdwi.tau_fast must be below stdwi.tau_slow")


def neuron_steps_per_second(protocol) -> dict[str, float]:
    """Neuron-steps one seed's layer costs per simulated second, per method (the budget)."""
    n = protocol["layer"]["n_in"] + protocol["layer"]["n_out"]
    return {"sal": float(n * protocol["sal"]["network_steps_per_second"]), "rdd": float(n * 1000),
            "stdwi": n * 1000.0 / protocol["stdwi"]["dt"]}


class WeightInference(EpochRun):
    """The head-to-head study, one epoch per (method, simulated second)."""

    def __init__(self, protocol):
        check(protocol)
        self.p = protocol
        layer = protocol["layer"]
        self.methods = list(protocol["schedule"]["methods"])
        self.seconds = protocol["schedule"]["seconds"]
        self.epochs = len(self.methods) * self.seconds
        n_seeds, n_in, n_out = layer["n_seeds"], layer["n_in"], layer["n_out"]
        self.W = np.empty((n_seeds, n_out, n_in))
        self.B0 = np.empty((n_seeds, n_in, n_out))
        self.b_in, self.b_out = np.empty((n_seeds, n_in)), np.empty((n_seeds, n_out))
        from salnest.networks.weight_inference import he_uniform

        for k in range(n_seeds):  # seed k draws the same layer whatever n_seeds is
            rng = np.random.default_rng([protocol["experiment"]["seed"], k])
            self.W[k], self.B0[k] = he_uniform(rng, n_out, n_in), he_uniform(rng, n_in, n_out)
            self.b_in[k] = rng.uniform(-n_in ** -0.5, n_in ** -0.5, n_in)  # the reference's bias draw
            self.b_out[k] = rng.uniform(-n_out ** -0.5, n_out ** -0.5, n_out)

    def start(self) -> None:
        shape = (len(self.methods), len(self.B0), self.seconds + 1, *self.B0.shape[1:])
        self.B = np.full(shape, np.nan)
        self.B[:, :, 0] = self.B0
        self.fits = np.zeros((*self.B0.shape, 4))
        self.wall = np.full((len(self.methods), self.seconds + 1), np.nan)

    def restore(self, checkpoint: xr.Dataset) -> None:
        self.B = checkpoint.B.transpose("method", "seed", "time", "input", "output").values.copy()
        self.fits = checkpoint.rdd_fits.values.copy()
        self.wall = checkpoint.wall_time.values.copy()

    def segment_end(self, completed: int, every: int) -> int:
        done = completed % self.seconds  # seconds of the current method
        return completed - done + min(self.seconds, (done // every + 1) * every)

    def _stimulus(self, method: str, second: int, steps: int, period: int, fraction: float, p: float,
                  poisson: bool) -> np.ndarray:
        from salnest.stimulus.trains import subset_trains

        n_in = self.p["layer"]["n_in"]
        code = METHODS.index(method)
        return np.hstack([subset_trains(np.random.default_rng([self.p["experiment"]["seed"], k, code, second]),
                                        n_in, steps, period, fraction, p, poisson) for k in range(len(self.W))])

    @contextlib.contextmanager
    def open_segment(self, first_epoch: int, seed: int):
        from salnest.networks import weight_inference as net
        from salnest.networks.kernel import kernel

        m, second = divmod(first_epoch, self.seconds)
        method, threads = self.methods[m], self.p["experiment"]["threads"]
        B = self.B[m, :, second]
        if method == "sal":
            sal = self.p["sal"]
            with kernel(seed, threads, simulator=self.p["experiment"]["simulator"]) as sim:
                yield net.build_sal_layers(sim, self.W, B, self.b_in, self.b_out, sal["copies"], sal["tau_ref"],
                                           sal["pairing"])
        elif method == "rdd":
            rdd = self.p["rdd"]
            with kernel(seed, threads) as sim:
                yield net.build_rdd_layers(sim, net.forward_scale(self.W, rdd["forward_scale"]),
                                           fits=self.fits.reshape(-1, self.W.shape[1], 4),
                                           drive_weight=rdd["drive_weight"], eta_rdd=rdd["eta_rdd"])
        else:
            stdwi = self.p["stdwi"]
            W = stdwi["weight_scale"] * np.sqrt(0.2 / stdwi["stimulus_fraction"]) * self.W
            with kernel(seed, threads, time_step=stdwi["dt"]) as sim:
                yield net.build_stdwi_layers(sim, W, B, stdwi["stimulus_weight"], stdwi["eta_stdwi"], stdwi["decay"],
                                             stdwi["tau_fast"], stdwi["tau_slow"])

    def run_epoch(self, layers, epoch: int) -> None:
        from salnest.networks.weight_inference import rdd_feedback

        m, second = divmod(epoch - 1, self.seconds)
        method = self.methods[m]
        started = time.perf_counter()
        if method == "sal":
            sal = self.p["sal"]
            B = layers.second(sal["network_steps_per_second"] // sal["copies"], self.B[m, :, second], sal["eta_sal"])
        elif method == "rdd":
            rdd = self.p["rdd"]
            counts = self._stimulus(method, second, 1000, rdd["drive_period"], rdd["drive_fraction"],
                                    rdd["drive_rate"], poisson=True)
            beta, fits = layers.second(counts)
            self.fits = fits.reshape(self.fits.shape)
            B = self.B[m, :, second]
            if (second + 1) % self.p["rdd"]["rescale_every"] == 0:
                B = rdd_feedback(beta.reshape(B.shape), B, self.B0.std(axis=(1, 2)))
        else:
            stdwi = self.p["stdwi"]
            steps, period = int(round(1000.0 / stdwi["dt"])), int(round(stdwi["stimulus_period"] / stdwi["dt"]))
            counts = self._stimulus(method, second, steps, period, stdwi["stimulus_fraction"],
                                    stdwi["stimulus_rate"] * stdwi["dt"], poisson=False)
            B = layers.second(counts)
        self.B[m, :, second + 1] = B
        self.wall[m, second + 1] = time.perf_counter() - started

    def dataset(self, completed: int) -> xr.Dataset:
        dims = ("method", "seed", "time")
        W = self.W[None, :, None]
        large = np.abs(self.W) > LARGE_WEIGHT * self.W.std(axis=(1, 2), keepdims=True)  # (seed, out, in)
        W_large = np.where(large, self.W, 0.0)[None, :, None]  # sign_agreement does not count zero entries
        done = np.isfinite(self.B).all(axis=(-1, -2))

        def metric(f, B=self.B, W=W):
            with np.errstate(invalid="ignore"):
                return np.where(done, f(np.nan_to_num(B), W), np.nan)

        data = {
            "W": (("seed", "output", "input"), self.W),
            "B": ((*dims, "input", "output"), self.B),
            "b_in": (("seed", "input"), self.b_in), "b_out": (("seed", "output"), self.b_out),
            "rdd_fits": (("seed", "input", "output", "fit"), self.fits),
            "angle": (dims, metric(feedback_angle), {"units": "degree", "long_name": "angle(B, W^T)"}),
            "sign_agreement": (dims, metric(sign_agreement)),
            "large_sign_agreement": (dims, metric(sign_agreement, W=W_large),
                                     {"long_name": f"sign agreement where |W| > {LARGE_WEIGHT} sd(W)"}),
            "correlation": (dims, metric(correlation)),
            "difference_variance": (dims, metric(normalised_difference_variance),
                                    {"long_name": "Var(B/rms(B) - W^T/rms(W^T))"}),
            "wall_time": (("method", "time"), self.wall, {"units": "s", "long_name": "wall time of the second"}),
        }
        return xr.Dataset(data, coords={"method": self.methods, "seed": np.arange(len(self.W)),
                                        "time": ("time", np.arange(self.seconds + 1), {"units": "s"}),
                                        "fit": ["c0", "c1", "c2", "c3"]},
                          attrs={"neuron_steps_per_second": json.dumps(
                              {m: v for m, v in neuron_steps_per_second(self.p).items() if m in self.methods}),
                              "large_weight_sd": LARGE_WEIGHT})


def final_time(ds: xr.Dataset, method: str) -> int:
    """The last simulated second of ``method`` in the dataset (0 if it has not run).

    Select methods with a dictionary, ``ds.sel({"method": m})``: ``method`` is also a keyword of
    xarray's ``sel``."""
    done = np.isfinite(ds.angle.sel({"method": method}).isel(seed=0).values)
    return int(ds.time.values[done][-1])


def summary(ds: xr.Dataset) -> str:
    """Per method: final angle, sign agreements and correlation (median [IQR] over seeds), cost."""
    budget = json.loads(ds.attrs.get("neuron_steps_per_second", "{}"))
    lines = [f"{ds.attrs.get('name', 'weight inference')}: {ds.sizes['seed']} seeds of a "
             f"{ds.sizes['input']} -> {ds.sizes['output']} layer; start angle "
             f"{float(ds.angle.isel(method=0, time=0).median()):.1f} deg",
             f"{'method':>6} {'s':>4} {'angle [deg]':>22} {'sign agreement':>22} {'large-|W| signs':>16} "
             f"{'correlation':>22} {'Var(B - W^T)':>22} {'wall s/sim s':>12} {'neuron-steps/s':>14}"]

    def q(x):
        a = np.nanquantile(x.values, [0.25, 0.5, 0.75])
        return f"{a[1]:.3g} [{a[0]:.3g}, {a[2]:.3g}]"

    for method in ds.method.values:
        t = final_time(ds, method)
        d = ds.sel({"method": method, "time": t})
        wall = np.nanmedian(ds.wall_time.sel({"method": method}).values) if t else np.nan
        lines.append(f"{LABELS[str(method)]:>6} {t:4d} {q(d.angle):>22} {q(d.sign_agreement):>22} "
                     f"{float(d.large_sign_agreement.min()):>16.3f} {q(d.correlation):>22} "
                     f"{q(d.difference_variance):>22} {wall:12.3g} "
                     f"{budget.get(str(method), np.nan):14.3g}")
    lines.append("large-|W| signs: the worst seed's fraction of correct signs where |W| > "
                 f"{ds.attrs.get('large_weight_sd', LARGE_WEIGHT)} sd(W); wall time per simulated second of all "
                 "seeds together")
    return "\n".join(lines)


def plot_weight_inference(ds, path):
    """Inferred against true weights per method (seed 0, B scaled to the rms of W; Fig. 7) and the
    angle and sign agreement over simulated time (median and IQR over seeds)."""
    plt = pyplot()
    methods = [str(m) for m in ds.method.values]
    fig, axes = plt.subplots(1, len(methods) + 2, figsize=(3.2 * (len(methods) + 2), 3.3))
    Wt = ds.W.isel(seed=0).values.T
    rms = np.sqrt((Wt ** 2).mean())
    for k, (ax, method) in enumerate(zip(axes, methods)):
        B = ds.B.sel({"method": method, "seed": 0, "time": final_time(ds, method)}).values
        B = B * rms / max(np.sqrt((B ** 2).mean()), 1e-300)
        lim = 1.1 * max(np.abs(Wt).max(), np.abs(B).max())
        ax.scatter(Wt.ravel(), B.ravel(), s=4, alpha=0.3, color=f"C{k}", edgecolors="none")
        ax.plot([-lim, lim], [-lim, lim], "k:", lw=0.8)
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xlabel="$W^T$",
               ylabel="B (scaled to rms of W)" if k == 0 else None)
        ax.set_title(f"{LABELS[method]}, {final_time(ds, method)} s", fontsize=9)
    for ax, name, label in ((axes[-2], "angle", "angle(B, $W^T$) [deg]"),
                            (axes[-1], "sign_agreement", "sign agreement")):
        for k, method in enumerate(methods):
            t = final_time(ds, method)
            d = ds[name].sel({"method": method, "time": slice(0, t)})
            quantile_band(ax, d.time, d, "seed", f"C{k}", LABELS[method])
        ax.set_xlabel("simulated time [s]")
        ax.set_ylabel(label)
    axes[-2].legend(fontsize=8)
    fig.suptitle(ds.attrs.get("name", "weight inference"), fontsize=10)
    return save(fig, path)


def simulated_ms(protocol) -> float:
    """A segment of the method with the longest second: SAL's network steps per copy (1 ms each), or
    RDD's and STDWI's 1000 ms."""
    sal = protocol["sal"]
    second = max(sal["network_steps_per_second"] // sal["copies"], 1000)
    return float(protocol["experiment"]["checkpoint_every"] * second)

def neurons(protocol) -> int:
    """The largest method's layers: SAL's copies, or STDWI's inputs, lower and upper layer."""
    layer = protocol["layer"]
    return (layer["n_in"] + layer["n_out"]) * layer["n_seeds"] * max(protocol["sal"]["copies"], 3)

register(ExperimentKind(
    name="weight_inference",
    description="SAL, RDD and STDWI infer the forward weights of a layer head to head (paper Fig. 7)",
    schema=SCHEMA, epochs=WeightInference, check=check, plot=plot_weight_inference, summary=summary,
    simulators=("nest", "brian2"),
    experiment={"checkpoint_every": Field(int, 10, at_least(1),
                                          doc="simulated seconds per segment (a segment never spans two methods); "
                                              "part of the run's identity"),
                "seed": Field(int, 1, seed_range, doc="the layers, the stimuli and NEST's streams")},
    simulated_ms=simulated_ms,
    neurons=neurons,
))
