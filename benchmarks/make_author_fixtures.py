"""Small fixtures made once by the authors' own code, which the test suite checks salnest against.

The cross-checks ``benchmarks/stdwi_crosscheck.py`` and ``benchmarks/rdd_crosscheck.py`` need the
authors' repositories, which are not on PyPI; this script runs the authors' code once on small,
seeded inputs and writes inputs and outputs to ``tests/fixtures/authors/`` so that
``tests/reference/test_authors_code.py`` can compare salnest with them in every run of the suite,
with no clone and no network::

    git clone https://github.com/nasiryahm/STDWI /tmp/STDWI
    git clone https://github.com/jordan-g/RDD-Weight-Alignment /tmp/RDD
    git clone https://github.com/unibe-cns/sal-code /tmp/sal-code
    .venv/bin/python benchmarks/make_author_fixtures.py --stdwi-repo /tmp/STDWI --rdd-repo /tmp/RDD \\
        --sal-code /tmp/sal-code --out tests/fixtures/authors

The authors' code runs as it is, imported from the clones (sal-code's ``symmnet`` needs PyTorch,
salnest's ``deep`` extra); a clone with uncommitted changes is refused. Each ``.npz`` holds the
inputs, the authors' outputs and ``meta``, a JSON string with the repository, its commit, the
functions called, this script's command line, salnest's commit and the library versions:

``stdwi.npz``
    nasiryahm/STDWI ``weight_inference.methods.create_stdwi_trace`` and ``stdwi`` on Bernoulli
    pre- and postsynaptic trains (0.25 ms steps), as ``stdwi_crosscheck.py`` calls them.
``leaky_integrator.npz``
    nasiryahm/STDWI's pipeline of ``paper_scripts/LIF_Comparison``: their stimulus
    (``simulator.correlated_poisson_spike_train``, ``random_sample_spike_train``), their leaky
    integrators (``simulator.spike_trains_to_xpsps``, ``lif_dynamics``) for the input layer
    (stimulus weight x identity) and the output layer (forward weights), and STDWI on the two
    layers' trains: the network of salnest's STDWI layers
    (``salnest.theory.stdwi.leaky_integrator_run``, ``build_stdwi_layers``). The stimulus ends
    with one empty step: PyNN's first run is one step longer than asked.
``rdd.npz``
    jordan-g/RDD-Weight-Alignment ``rdd_layers.SpikingFA`` fed given drive counts and feedback
    spikes, as ``rdd_crosscheck.py`` does, with the jumps beta at every rescale of the feedback
    weights (``update_fb_weights``). The first two steps carry no input (a NEST spike generator's
    first spike arrives in step 2).
``sal_sums.npz``
    unibe-cns/sal-code ``symmnet.sal_net.GLMHiddenLayer.fb_stdp_online`` (the SAL phase of the
    paper's deep networks) on a given raster of the layer's spikes (post) and the spikes of the
    layer above (pre), in float64, with the window buffer of the paper (``buffer_length = 2``:
    2 tau_ref steps) and with one covering the whole raster; and ``apply_fb_weight_update``'s dw.
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the cross-check scripts beside this one

from rdd_crosscheck import drive_counts
from stdwi_crosscheck import DECAY, DT, ETA, TAU_FAST, TAU_SLOW, authors_estimates

URLS = {"stdwi": "https://github.com/nasiryahm/STDWI", "rdd": "https://github.com/jordan-g/RDD-Weight-Alignment",
        "sal": "https://github.com/unibe-cns/sal-code"}


def commit_of(repo: Path, refuse_dirty: bool = True) -> str:
    """HEAD of a clone; refused if it has uncommitted changes to tracked files."""
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=True).stdout.strip()
    if dirty and refuse_dirty:
        raise SystemExit(f"{repo} has uncommitted changes; fixtures are made from a commit:\n{dirty}")
    return head.stdout.strip() + ("-dirty" if dirty else "")


def meta(key: str, repo: Path, functions: list[str], **extra) -> np.ndarray:
    """The provenance of a fixture, a JSON string stored as a 0-d unicode array (no pickle)."""
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    if key == "sal":
        import torch

        versions["torch"] = torch.__version__
    info = {"repository": URLS[key], "commit": commit_of(repo), "functions": functions,
            "command": shlex.join([Path(sys.executable).name, *sys.argv]),
            "salnest_commit": commit_of(HERE.parent, refuse_dirty=False), "versions": versions, **extra}
    return np.array(json.dumps(info, indent=1))


def save(out: Path, name: str, **arrays) -> None:
    path = out / name
    np.savez_compressed(path, **arrays)
    print(f"{path}: {path.stat().st_size / 1024:.1f} KiB")


def stdwi_fixture(repo: Path, out: Path, seed: int = 0, steps: int = 4000, n_pre: int = 6, n_post: int = 4):
    """(a) the authors' STDWI estimates on Bernoulli trains, as stdwi_crosscheck.py (smaller)."""
    sys.path.insert(0, str(repo))
    from weight_inference import methods

    rng = np.random.default_rng(seed)
    pre = (rng.random((steps, n_pre)) < 0.05).astype(np.int8)
    post = (rng.random((steps, n_post)) < 0.03).astype(np.int8)
    pre[100, 0] = post[100, 0] = 1  # a coincidence for sure: the same step's presynaptic spike counts fully
    w0 = rng.uniform(-0.1, 0.1, (n_post, n_pre))
    theirs = authors_estimates(methods, pre, post, w0)
    save(out, "stdwi.npz", pre=pre, post=post, w0=w0, estimates=theirs,
         params=np.array([DT, ETA, DECAY, TAU_FAST, TAU_SLOW]),
         meta=meta("stdwi", repo, ["weight_inference.methods.create_stdwi_trace", "weight_inference.methods.stdwi"],
                   seed=seed, params="dt (ms), eta, decay, tau_fast (ms), tau_slow (ms)",
                   arrays="pre (steps, n_pre), post (steps, n_post), w0 and estimates (n_post, n_pre)"))


def leaky_integrator_fixture(repo: Path, out: Path, seed: int = 1, steps: int = 8000, n_in: int = 6, n_out: int = 4,
                             stimulus_weight: float = 10.0, forward_scale: float = 75.0):
    """(c) the authors' stimulus -> leaky integrators -> leaky integrators -> STDWI, on 0.25 ms steps."""
    sys.path.insert(0, str(repo))
    from weight_inference import methods, simulator

    rng = np.random.default_rng(seed)
    W = forward_scale * rng.uniform(-1.0, 1.0, (n_out, n_in))  # he_uniform's bound for 6 inputs is 1
    B0 = rng.uniform(-1.0, 1.0, (n_in, n_out))
    # their stimulus protocol (200 Hz, half of the units driven, redrawn every 100 ms), their seeds
    trains = simulator.correlated_poisson_spike_train(n_in, 0.2, 0.0, steps * DT, DT, seed=seed)
    trains = simulator.random_sample_spike_train(trains, steps * DT, DT, 100.0, 0.5, seed=seed)
    total = steps + 1  # one empty step at the end (PyNN's first run is one step longer)
    sim_time = total * DT

    def binary(spike_steps):
        z = np.zeros((total, len(spike_steps)), dtype=np.int8)
        for k, s in enumerate(spike_steps):
            z[np.asarray(s, dtype=int), k] = 1
        return z

    stim_x = simulator.spike_trains_to_xpsps(trains, sim_time, DT)
    _, _, in_steps = simulator.lif_dynamics(stim_x, stimulus_weight * np.eye(n_in), DT)
    in_x = simulator.spike_trains_to_xpsps(in_steps, sim_time, DT)
    _, _, out_steps = simulator.lif_dynamics(in_x, W, DT)
    stimulus, z_in, z_out = binary(trains), binary(in_steps), binary(out_steps)
    estimates = authors_estimates(methods, z_in, z_out, B0.T)
    print(f"leaky integrators: {stimulus.sum()} stimulus, {z_in.sum()} input and {z_out.sum()} output spikes")
    save(out, "leaky_integrator.npz", stimulus=stimulus, inputs=z_in, outputs=z_out, W=W, B0=B0,
         estimates=estimates, params=np.array([DT, stimulus_weight, ETA, DECAY, TAU_FAST, TAU_SLOW]),
         meta=meta("stdwi", repo, ["weight_inference.simulator.correlated_poisson_spike_train",
                                   "weight_inference.simulator.random_sample_spike_train",
                                   "weight_inference.simulator.spike_trains_to_xpsps",
                                   "weight_inference.simulator.lif_dynamics",
                                   "weight_inference.methods.create_stdwi_trace", "weight_inference.methods.stdwi"],
                   seed=seed, params="dt (ms), stimulus weight, STDWI eta, decay, tau_fast (ms), tau_slow (ms)",
                   arrays="stimulus, inputs, outputs: spikes (steps + 1, n); W (n_out, n_in) their units; "
                          "B0 (n_in, n_out); estimates (n_out, n_in) after the whole run"))


def rdd_fixture(repo: Path, out: Path, seed: int = 0, steps: int = 6000, units: int = 5, above: int = 3,
                rescale_every: int = 2000):
    """(b) the authors' SpikingFA on given drive and feedback, as rdd_crosscheck.py (smaller)."""
    sys.path.insert(0, str(repo))
    import rdd_layers
    import shared_hyperparams

    rng = np.random.default_rng(seed)
    drive = drive_counts(units, steps, rng, fraction=0.4)
    feedback = (rng.random((steps, above)) < 0.05).astype(int)
    drive[:2], feedback[:2] = 0, 0
    B0 = rng.uniform(-1, 1, (units, above))
    memory = shared_hyperparams.mem
    layer = rdd_layers.SpikingFA(units, None, above)
    layer.reset()
    layer.set_weights(fb_weight=B0.copy())
    drive_hist, fb_hist = np.zeros((units, memory), dtype=int), np.zeros((above, memory), dtype=int)
    history, betas, spikes = [layer.fb_weight.copy()], [], []
    for t in range(steps):  # as rdd_crosscheck.authors_layer, keeping beta at each rescale
        drive_hist = np.concatenate([drive_hist[:, 1:], drive[t][:, None]], axis=1)
        fb_hist = np.concatenate([fb_hist[:, 1:], feedback[t][:, None]], axis=1)
        layer.update(None, fb_hist, driving_input=drive_hist)
        spikes.append(layer.fired[:, 0].copy())
        if (t + 1) % rescale_every == 0:
            betas.append(layer.beta.copy())
            layer.update_fb_weights()
            history.append(layer.fb_weight.copy())
    spikes = np.asarray(spikes, dtype=bool)
    print(f"RDD: {spikes.sum()} spikes, {np.count_nonzero(layer.beta)} of {layer.beta.size} jumps estimated")
    save(out, "rdd.npz", drive=drive.astype(np.int8), feedback=feedback.astype(np.int8), B0=B0,
         rescale_every=np.array(rescale_every), spikes=spikes, fits=layer.RDD_params, beta=layer.beta,
         betas=np.asarray(betas), feedback_history=np.asarray(history),
         meta=meta("rdd", repo, ["rdd_layers.SpikingFA.update", "rdd_layers.SpikingFA.update_fb_weights"],
                   seed=seed, arrays="drive (steps, n) counts, feedback (steps, m) spikes, B0 (n, m); spikes "
                                     "(steps, n); fits (n, 4, m) c0 c1 c2 c3; beta (n, m) at the end; betas "
                                     "(rescales, n, m) before each rescale; feedback_history (rescales + 1, n, m)"))


def sal_sums_fixture(repo: Path, out: Path, seed: int = 2, steps: int = 300, batch: int = 3, n_post: int = 4,
                     n_pre: int = 3, t_ref: int = 5):
    """(d) sal-code's SAL window sums of a hidden layer's feedback weights on a given raster."""
    sys.path.insert(0, str(repo / "symmnet" / "src"))
    import torch
    from symmnet.sal_net import GLMHiddenLayer, SimpleSpikeBuffer

    rng = np.random.default_rng(seed)
    z_post = (rng.random((batch, steps, n_post)) < 0.12).astype(np.int8)
    z_pre = (rng.random((batch, steps, n_pre)) < 0.10).astype(np.int8)
    z_post[0, 50, 0] = z_pre[0, 50, 0] = 1  # a coincidence for sure (the window pairs it with 0)
    torch.set_default_dtype(torch.float64)  # the paper runs float32; float64 compares the arithmetic
    torch.manual_seed(seed)
    long_buffer = -(-steps // t_ref)  # the window covers the whole raster: no pair is cut off
    results = {}
    for name, buffer_length in (("paper", 2), ("long", long_buffer)):
        layer = GLMHiddenLayer(1, n_post, n_pre, t_ref, stdp_lr=1.0, batch_size=batch, buffer_length=buffer_length)
        above = SimpleSpikeBuffer(n_pre, buffer_length * t_ref, batch_size=batch)
        for t in range(steps):  # SALNetBase's order: update_spikes appends to every buffer, then fb_stdp_online
            layer.spikes.append(torch.from_numpy(z_post[:, t].astype(np.float64)))
            above.append(torch.from_numpy(z_pre[:, t].astype(np.float64)))
            layer.fb_stdp_online(above.get())
        results[f"sums_{name}"] = layer.delta_fb_weight.detach().numpy().copy()
        results[f"dw_{name}"] = layer.apply_fb_weight_update().detach().numpy().copy()
        results[f"window_{name}"] = np.array(buffer_length * t_ref)
    torch.set_default_dtype(torch.float32)
    save(out, "sal_sums.npz", z_pre=z_pre, z_post=z_post, t_ref=np.array(t_ref), **results,
         meta=meta("sal", repo, ["symmnet.sal_net.SimpleSpikeBuffer.append",
                                 "symmnet.sal_net.GLMHiddenLayer.fb_stdp_online",
                                 "symmnet.sal_net.GLMHiddenLayer.apply_fb_weight_update"],
                   seed=seed, dtype="float64 (torch.set_default_dtype)",
                   arrays="z_pre (batch, steps, n_pre) spikes of the layer above, z_post (batch, steps, n_post) "
                          "the layer's; sums_* (batch, n_post, n_pre) delta_fb_weight; dw_* "
                          "apply_fb_weight_update() with stdp_lr = 1; window_* the buffer in steps "
                          "(buffer_length x t_ref)"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stdwi-repo", type=Path, default=None, help="a clone of nasiryahm/STDWI")
    parser.add_argument("--rdd-repo", type=Path, default=None, help="a clone of jordan-g/RDD-Weight-Alignment")
    parser.add_argument("--sal-code", type=Path, default=None, help="a clone of unibe-cns/sal-code")
    parser.add_argument("--out", type=Path, default=HERE.parent / "tests" / "fixtures" / "authors")
    args = parser.parse_args(argv)
    probes = (("--stdwi-repo", args.stdwi_repo, "weight_inference/methods.py"),
              ("--rdd-repo", args.rdd_repo, "rdd_layers.py"),
              ("--sal-code", args.sal_code, "symmnet/src/symmnet/sal_net.py"))
    missing = [f"{option} ({path} has no {probe})" for option, path, probe in probes
               if path is None or not (path / probe).is_file()]
    if missing:
        parser.error("needs the authors' code: git clone https://github.com/nasiryahm/STDWI, "
                     "git clone https://github.com/jordan-g/RDD-Weight-Alignment and "
                     "git clone https://github.com/unibe-cns/sal-code, then --stdwi-repo, --rdd-repo and --sal-code "
                     f"name the clones; missing: {', '.join(missing)}")
    args.out.mkdir(parents=True, exist_ok=True)
    stdwi_fixture(args.stdwi_repo, args.out)
    leaky_integrator_fixture(args.stdwi_repo, args.out)
    rdd_fixture(args.rdd_repo, args.out)
    sal_sums_fixture(args.sal_code, args.out)


if __name__ == "__main__":
    main()
