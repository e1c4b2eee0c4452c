"""Weight inference in salnest against its authors' code: wall time per simulated second of one layer.

Paper Fig. 7's layer, 50 -> 50, W and B_0 He-uniform, one thread, every rule as the weight_inference
kind runs it (its protocol defaults; :mod:`salnest.experiments.weight_inference`) beside the same
rule in its authors' own code, as their scripts drive it:

- **SAL**: salnest's sampling-neuron layers (8 copies x 1,250 steps per simulated second, window
  sums from the recorded spikes) against unibe-cns/sal-code's ``symmnet.sal_net.SALNetBase([50, 50])``
  with batch 8 (PyTorch, CPU, float32), stepped as its ``scripts/symm_net/salnet_symm.py``:
  ``update_mempot``, ``update_spikes``, ``fb_stdp_online`` per step, ``apply_fb_weight_update``
  per simulated second;
- **RDD**: salnest's ``rdd_neuron`` layers at 1 ms against jordan-g/RDD-Weight-Alignment's
  ``rdd_layers.SpikingFA`` (a lower layer with feedback, an upper one driven by it), stepped and
  driven as their ``main.py`` (Poisson drive to a random 20 %, redrawn every 100 ms; B rescaled
  every 10 s);
- **STDWI**: salnest's leaky integrators and ``stdwi_synapse`` at 0.25 ms against
  nasiryahm/STDWI's ``weight_inference.simulator`` (stimulus, two layers of ``lif_dynamics``) and
  ``weight_inference.methods`` (``create_stdwi_trace``, ``stdwi``), on the same stimulus protocol as
  ``benchmarks/make_author_fixtures.py``, in runs of up to 10 simulated seconds (their scripts
  simulate a whole run at once).

salnest's time is the whole run as a protocol runs it, segments of ``--segment`` seconds (the
protocols' ``checkpoint_every``), each building its network in a fresh kernel. The authors' code was
measured at unibe-cns/sal-code d1c07c0, jordan-g/RDD-Weight-Alignment 9288fce and nasiryahm/STDWI
1d6788a. Methods run one after the other, salnest then the authors', ``--repeats`` times
interleaved, and the fastest counts. Without the clones it prints salnest's times alone::

    git clone https://github.com/unibe-cns/sal-code /tmp/sal-code
    git clone https://github.com/jordan-g/RDD-Weight-Alignment /tmp/RDD
    git clone https://github.com/nasiryahm/STDWI /tmp/STDWI
    .venv/bin/python benchmarks/inference_speed.py --sal-code /tmp/sal-code --rdd-repo /tmp/RDD \\
        --stdwi-repo /tmp/STDWI --seconds 20

Its last line with all three clones: ``slowest speed-up over the authors' code: X.XXx (SAL a, RDD b,
STDWI c)``, each the authors' wall time over salnest's (above 1: salnest is faster).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread everywhere, before NumPy, NEST or PyTorch start theirs
os.environ.setdefault("PYNEST_QUIET", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

METHODS = ("sal", "rdd", "stdwi")
LABELS = {"sal": "SAL", "rdd": "RDD", "stdwi": "STDWI"}
#: What each --*-repo must hold, and where to get it.
REPOS = {"sal": ("sal_code", "symmnet/src/symmnet/sal_net.py", "https://github.com/unibe-cns/sal-code"),
         "rdd": ("rdd_repo", "rdd_layers.py", "https://github.com/jordan-g/RDD-Weight-Alignment"),
         "stdwi": ("stdwi_repo", "weight_inference/methods.py", "https://github.com/nasiryahm/STDWI")}
DT = 0.25  # ms, the STDWI authors' step


def layer(n: int, seed: int):
    """W (n, n), B_0 (n, n) and the SAL biases of seed 0 of a weight_inference protocol with ``seed``."""
    from salnest.networks.weight_inference import he_uniform

    rng = np.random.default_rng([seed, 0])
    W, B0 = he_uniform(rng, n, n), he_uniform(rng, n, n)
    return W, B0, rng.uniform(-n ** -0.5, n ** -0.5, n), rng.uniform(-n ** -0.5, n ** -0.5, n)


def salnest_wall(method: str, n: int, seconds: int, segment: int, seed: int) -> float:
    """Wall time (s) of ``seconds`` simulated seconds of one n -> n layer in salnest, segments included."""
    from salnest.experiments.weight_inference import WeightInference
    from salnest.study.driver import kernel_seed
    from salnest.study.protocol import load_protocol

    raw = {"experiment": {"kind": "weight_inference", "seed": seed, "checkpoint_every": segment},
           "layer": {"n_in": n, "n_out": n, "n_seeds": 1}, "schedule": {"methods": [method], "seconds": seconds}}
    experiment = WeightInference(load_protocol(raw))
    experiment.start()
    started, done = time.perf_counter(), 0
    while done < seconds:
        end = experiment.segment_end(done, segment)
        with experiment.open_segment(done, kernel_seed(seed, done)) as layers:
            for epoch in range(done + 1, end + 1):
                experiment.run_epoch(layers, epoch)
        done = end
    return time.perf_counter() - started


def authors_sal(repo: Path, n: int, seconds: int, seed: int, copies: int = 8, steps: int = 1250,
                tau_ref: int = 10, eta: float = 0.05) -> float:
    """Wall time (s) of sal-code's SAL network [n, n], batch ``copies``, ``steps`` steps per second."""
    from _sal_code import sal_code_network, sal_code_phase

    W, B0, b_in, b_out = layer(n, seed)
    net = sal_code_network(repo, [n, n], [W], [B0], [b_in, b_out], copies, tau_ref, eta, seed)
    started = time.perf_counter()
    for _ in range(seconds):
        sal_code_phase(net, steps)
    return time.perf_counter() - started


def authors_rdd(repo: Path, n: int, seconds: int, seed: int, rescale_every: int = 10) -> float:
    """Wall time (s) of RDD-Weight-Alignment's two layers, driven and rescaled as in their ``main.py``."""
    sys.path.insert(0, str(repo))
    import rdd_layers
    import shared_hyperparams as hp

    np.random.seed(seed)
    W, B0, _, _ = layer(n, seed)
    started = time.perf_counter()
    lower, upper = rdd_layers.SpikingFA(n, None, n), rdd_layers.SpikingFA(n, n)
    lower.set_weights(fb_weight=B0.copy())
    upper.set_weights(weight=W)  # their forward scale, 0.2 n W / std(W)
    drive_hist = np.zeros((n, hp.mem), dtype=int)
    rates = np.zeros((n, 1))
    for t in range(1000 * seconds):
        if t % 100 == 0:
            rates[:] = 0.0
            rates[np.random.choice(n, int(0.2 * n), replace=False)] = hp.input_rate
        drive_hist = np.concatenate([drive_hist[:, 1:], np.random.poisson(rates)], axis=-1)
        lower.update(None, upper.spike_hist, driving_input=drive_hist)
        upper.update(lower.spike_hist)
        if (t + 1) % (1000 * rescale_every) == 0:
            lower.update_fb_weights()
    return time.perf_counter() - started


def authors_stdwi(repo: Path, n: int, seconds: int, seed: int, chunk: int = 10, stimulus_weight: float = 10.0,
                  forward_scale: float = 75.0) -> float:
    """Wall time (s) of the STDWI authors' stimulus, leaky-integrator layers and STDWI, ``chunk`` s at a time."""
    sys.path.insert(0, str(repo))
    from stdwi_crosscheck import authors_estimates
    from weight_inference import methods, simulator

    W, B0, _, _ = layer(n, seed)
    started = time.perf_counter()
    estimates = B0.T.copy()
    done = 0
    while done < seconds:
        steps = int(round(1000.0 * min(chunk, seconds - done) / DT))
        sim_time = steps * DT
        trains = simulator.correlated_poisson_spike_train(n, 0.2, 0.0, sim_time, DT, seed=seed + done)
        trains = simulator.random_sample_spike_train(trains, sim_time, DT, 100.0, 0.2, seed=seed + done)
        _, _, in_steps = simulator.lif_dynamics(simulator.spike_trains_to_xpsps(trains, sim_time, DT),
                                                stimulus_weight * np.eye(n), DT)
        _, _, out_steps = simulator.lif_dynamics(simulator.spike_trains_to_xpsps(in_steps, sim_time, DT),
                                                 forward_scale * W, DT)
        z_in, z_out = np.zeros((steps, n), dtype=np.int8), np.zeros((steps, n), dtype=np.int8)
        for z, spike_steps in ((z_in, in_steps), (z_out, out_steps)):
            for k, s in enumerate(spike_steps):
                z[np.asarray(s, dtype=int), k] = 1
        estimates = authors_estimates(methods, z_in, z_out, estimates)
        done += min(chunk, seconds - done)
    return time.perf_counter() - started


AUTHORS = {"sal": authors_sal, "rdd": authors_rdd, "stdwi": authors_stdwi}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sal-code", type=Path, default=None, help="a clone of unibe-cns/sal-code")
    parser.add_argument("--rdd-repo", type=Path, default=None, help="a clone of jordan-g/RDD-Weight-Alignment")
    parser.add_argument("--stdwi-repo", type=Path, default=None, help="a clone of nasiryahm/STDWI")
    parser.add_argument("--seconds", type=int, default=20, help="simulated seconds per method and run")
    parser.add_argument("--segment", type=int, default=10, help="salnest's seconds per kernel (checkpoint_every)")
    parser.add_argument("--neurons", type=int, default=50, help="n_in = n_out")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved runs; the fastest counts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.segment < 1 or args.neurons < 5 or args.repeats < 1:
        parser.error("need --seconds, --segment, --repeats >= 1 and --neurons >= 5")
    repos = {}
    for method, (dest, marker, url) in REPOS.items():
        path = getattr(args, dest)
        if path is not None and not (path / marker).is_file():
            parser.error(f"{path} has no {marker}: git clone {url} DIR and pass its DIR")
        if path is not None:
            repos[method] = path
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # stdwi_crosscheck, for the authors' STDWI

    for method in METHODS:  # NEST's start, loading salnest's module: not a method's time
        salnest_wall(method, 5, 1, 1, args.seed)
    walls = {m: {"salnest": np.inf, "authors": np.inf} for m in METHODS}
    for _ in range(args.repeats):
        for method in METHODS:
            walls[method]["salnest"] = min(walls[method]["salnest"],
                                           salnest_wall(method, args.neurons, args.seconds, args.segment, args.seed))
            if method in repos:
                walls[method]["authors"] = min(walls[method]["authors"],
                                               AUTHORS[method](repos[method], args.neurons, args.seconds, args.seed))
    print(f"{args.neurons} -> {args.neurons} layer, {args.seconds} simulated s per method, 1 thread, fastest of "
          f"{args.repeats}; wall s per simulated s of one layer")
    print(f"{'method':>6} {'salnest':>9} {'authors':>9} {'authors / salnest':>18}")
    ratios = {}
    for method in METHODS:
        ours = walls[method]["salnest"] / args.seconds
        if method in repos:
            theirs = walls[method]["authors"] / args.seconds
            ratios[method] = theirs / ours
            print(f"{LABELS[method]:>6} {ours:9.3f} {theirs:9.3f} {ratios[method]:17.2f}x")
        else:
            print(f"{LABELS[method]:>6} {ours:9.3f} {'-':>9} {'-':>18}")
    missing = [f"--{REPOS[m][0].replace('_', '-')} ({REPOS[m][2]})" for m in METHODS if m not in repos]
    if missing:
        print("authors' code not given: " + ", ".join(missing))
        return
    parts = ", ".join(f"{LABELS[m]} {ratios[m]:.2f}x" for m in METHODS)
    print(f"slowest speed-up over the authors' code: {min(ratios.values()):.2f}x ({parts})")


if __name__ == "__main__":
    main()
