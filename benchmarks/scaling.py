"""Scaling of the SAL synapse in a large noise-driven network, against NEST's built-in synapses.

The network: N stochastic sampling neurons (their own firing noise drives them; no external
input), each receiving K random connections (``fixed_indegree``), so N*K synapses, all of one
model: ``sal_synapse`` (plastic, both SAL windows), NEST's ``stdp_synapse`` (plastic, pair-based
STDP) or ``static_synapse`` (the floor). Every configuration runs in its own process (under
``mpirun`` for several ranks) and reports

- synaptic events per wall-clock second during ``Simulate`` (spikes x out-degree, counted
  exactly from the connections and each neuron's spike count),
- memory per synapse: growth of the resident set size of all ranks from just before
  ``Connect`` to after the first ``Simulate`` (NEST allocates its buffers there), divided
  by the number of synapses.

Then it prints the ratios measured side by side in this one run: SAL against stdp_synapse
(speed, memory), 1 -> 2 threads and 1 -> 2 ranks, the cost of the uncompressed spike exchange
that salnest falls back to on a NEST without its fix (:func:`salnest.compat.nest.use_safe_spike_exchange`),
and the weak-scaling model of docs/performance.md ("Scaling") fitted to these numbers, extrapolated to
cluster sizes.

    python benchmarks/scaling.py                       # 10^4 neurons, 10^6 synapses
    python benchmarks/scaling.py --neurons 20000 --indegree 100 --sim-ms 2000

Needs a NEST with MPI for the rank runs (``bash setup.sh mpi``; the ``.venv-mpi`` Python);
without it those rows are left out and say so. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("PYNEST_QUIET", "1")

SYNAPSES = ("sal_synapse", "stdp_synapse", "static_synapse")
#: every synapse model the worker can measure (benchmarks/synapse_cost.py uses the others)
ALL_SYNAPSES = (*SYNAPSES, "sal_synapse_hom", "sal_synapse_nestml", "stdp_nn_restr_synapse")
SAMPLING_NEURONS = ("sampling_neuron", "sampling_neuron_nestml")
NEURONS = (*SAMPLING_NEURONS, "iaf_psc_alpha")


def synapse_spec(synapse: str, tau: float, mean_weight: float) -> dict:
    """Connection parameters of ``synapse``: plastic, windows of ``tau`` ms, and a change per pair of
    about 1 % of the mean weight at most, so that no rule changes the network's rates (NEST's STDP
    synapses keep the weight's sign and need a positive Wmax). The common properties of
    ``sal_synapse_hom`` are set on the model (:func:`worker`)."""
    if synapse in ("sal_synapse", "sal_synapse_nestml"):
        return {"eta_sal": 0.01 * mean_weight, "tau_sal": tau}
    if synapse == "sal_synapse_hom":
        return {"eta_sal": 0.01 * mean_weight}
    if synapse in ("stdp_synapse", "stdp_nn_restr_synapse"):
        return {"lambda": 1e-5, "Wmax": 1000.0 * mean_weight, "tau_plus": tau}
    return {}


def _rss_bytes() -> int:
    """Resident set size after handing freed heap pages back to the system.

    Without the trim, memory that NEST frees while creating neurons is reused by Connect
    and the synapses seem to cost nothing.
    """
    import ctypes

    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def worker(args) -> None:
    """One configuration, in this process (one rank of it under mpirun); rank 0 prints a JSON line."""
    import nest

    from salnest.models.loading import install
    from salnest.parallel import allgather, rank

    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": args.resolution, "local_num_threads": args.threads,
                          "rng_seed": args.seed})
    install()  # also salnest's choice of spike exchange
    if args.uncompressed_spikes:
        nest.use_compressed_spikes = False
    h = args.resolution
    rss_empty = _rss_bytes()
    if args.neuron in SAMPLING_NEURONS:
        params = {"b": args.bias, "tau_ref": args.tau_ref, "tau_syn": args.tau_ref}
        if args.neuron == "sampling_neuron_nestml":  # its rectangular PSPs live in a ring buffer
            params["psp_buffer_size"] = int(round(args.tau_ref / h)) + 1
        neurons = nest.Create(args.neuron, args.neurons, params=params)
        counter = None
    else:  # a built-in neuron, driven by independent Poisson input to a few Hz
        neurons = nest.Create(args.neuron, args.neurons)
        nest.Connect(nest.Create("poisson_generator", params={"rate": args.drive_rate}), neurons,
                     syn_spec={"weight": args.drive_weight})
        counter = nest.Create("spike_recorder")
        nest.Connect(neurons, counter)
    weight = nest.random.uniform(0.0, 2.0 * args.mean_weight)
    syn = {"synapse_model": args.synapse, "weight": weight, "delay": args.delay,
           **synapse_spec(args.synapse, args.tau_ref, args.mean_weight)}
    if args.synapse == "sal_synapse_hom":
        nest.SetDefaults("sal_synapse_hom", {"tau_sal": args.tau_ref})
    rss0 = _rss_bytes()
    t0 = time.perf_counter()
    nest.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": args.indegree, "allow_autapses": False},
                 syn)
    build_s = time.perf_counter() - t0
    nest.Simulate(args.warmup_ms)  # allocates communication buffers; rates settle
    rss1 = _rss_bytes()
    local = nest.GetLocalNodeCollection(neurons)
    if counter is None:
        local.set(spike_count=0.0)
    else:
        counter.n_events = 0
    t0 = time.perf_counter()
    nest.Simulate(args.sim_ms)
    sim_s = time.perf_counter() - t0
    if counter is None:
        spikes = dict(zip(local.tolist(), np.atleast_1d(local.get("spike_count")))) if len(local) else {}
    else:
        senders, counts = np.unique(counter.events["senders"], return_counts=True)
        spikes = dict(zip(senders.tolist(), counts.tolist()))
    conns = nest.GetConnections(synapse_model=args.synapse)  # those on this rank
    n_local_syn = len(conns)
    sources = np.asarray(conns.get("source"), dtype=np.int64) if len(conns) else np.empty(0, np.int64)
    mine = {"rss_growth": rss1 - rss0, "rss_neurons": rss0 - rss_empty, "n_syn": int(n_local_syn), "spikes": spikes,
            "outdegree": np.bincount(sources).tolist(), "sim_s": sim_s, "build_s": build_s}
    parts = allgather(mine)
    if rank() != 0:
        return
    spikes = {k: v for p in parts for k, v in p["spikes"].items()}
    outdeg = np.zeros(max(len(p["outdegree"]) for p in parts), dtype=np.int64)
    for p in parts:
        outdeg[: len(p["outdegree"])] += p["outdegree"]
    n_spikes = np.zeros(len(outdeg))
    for node_id, count in spikes.items():
        n_spikes[node_id] = count
    events = float(n_spikes @ outdeg)
    n_syn = sum(p["n_syn"] for p in parts)
    wall = max(p["sim_s"] for p in parts)
    print(json.dumps({
        "synapse": args.synapse, "neuron": args.neuron, "ranks": len(parts), "threads": args.threads,
        "compressed_spikes": bool(nest.use_compressed_spikes), "forced_uncompressed": args.uncompressed_spikes,
        "neurons": args.neurons,
        "synapses": n_syn, "sim_ms": args.sim_ms, "wall_s": wall, "build_s": max(p["build_s"] for p in parts),
        "rate_hz": sum(spikes.values()) / args.neurons / (args.sim_ms / 1000.0),
        "events": events, "events_per_s": events / wall,
        "bytes_per_synapse": sum(p["rss_growth"] for p in parts) / n_syn,
        "bytes_per_neuron": sum(p["rss_neurons"] for p in parts) / args.neurons,
    }), flush=True)


def _mpi_env() -> dict:
    return dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                OMPI_MCA_btl_vader_single_copy_mechanism="none", PYNEST_QUIET="1", PYTHONWARNINGS="ignore")


def _have_mpi() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import nest; print(nest.build_info['have_mpi'])"],
                           capture_output=True, text=True, env=_mpi_env())
    return probe.stdout.strip().endswith("True") and shutil.which("mpirun") is not None


def run_config(args, synapse: str, ranks: int, threads: int, repeats: int = 1, uncompressed: bool = False) -> dict:
    """The fastest of ``repeats`` runs of one configuration (all wall times kept in ``wall_s_all``).

    ``uncompressed`` forces NEST's uncompressed spike exchange (salnest's fallback on a NEST
    without its fix); otherwise the exchange is salnest's choice for the NEST in use.
    """
    runs = [_run_once(args, synapse, ranks, threads, uncompressed) for _ in range(repeats)]
    best = min(runs, key=lambda r: r["wall_s"])
    return {**best, "wall_s_all": [r["wall_s"] for r in runs]}


#: options of a run that the worker gets from the driver
FORWARDED = ("neuron", "neurons", "indegree", "sim_ms", "warmup_ms", "resolution", "delay", "tau_ref", "bias",
             "mean_weight", "drive_rate", "drive_weight", "seed")


def _run_once(args, synapse: str, ranks: int, threads: int, uncompressed: bool = False) -> dict:
    """One configuration in a fresh process (under ``mpirun`` for several ranks); its JSON result."""
    cmd = [sys.executable, __file__, "--worker", "--synapse", synapse, "--threads", str(threads)]
    if uncompressed:
        cmd.append("--uncompressed-spikes")
    for name in FORWARDED:
        cmd += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    if ranks > 1:
        cmd = ["mpirun", "-np", str(ranks), "--oversubscribe", "--bind-to", "none", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_mpi_env())
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return json.loads(lines[-1])


#: Assumptions of the weak-scaling model for a cluster interconnect (not measured here).
INTERCONNECT_LATENCY_S = 2e-6      # per tree level of a collective (InfiniBand-class)
INTERCONNECT_BANDWIDTH_B_S = 10e9  # per node
SPIKE_BYTES = 8                    # one 64-bit SpikeData entry per spike and target rank (compressed
                                   # exchange) or per synapse (uncompressed, see weak_scaling)


def weak_scaling(local_s: float, round_s: float, rate_hz: float, neurons_per_vp: float, indegree: int,
                 delay_ms: float, vps_per_node: int, bytes_per_neuron: float, bytes_per_synapse: float,
                 compressed: bool = True, nodes=(1, 4, 16, 64, 256, 1024)) -> list[dict]:
    """Wall time per simulated second on ``nodes`` nodes when every VP keeps its measured load.

    T(P) = T_local + R * (c_round + L * log2(nodes)) + R * V(P) / BW, with
      T_local   wall time of the measured load on one VP (the 1 rank x 2 threads run),
      R         communication rounds per simulated second (1000 ms / min_delay),
      c_round   the measured extra cost of one round between 2 ranks (:func:`round_cost`),
      L         interconnect latency per level of the collective's tree (assumed, above),
      V(P)      bytes a node sends per round: its spikes per round times the SpikeData entries per
                spike, times SPIKE_BYTES. With random connectivity a spike has targets on at most
                min(P, K) ranks, one entry each (``compressed``, the default; safe with salnest's
                NEST fix). Uncompressed (salnest's fallback on an unfixed NEST), NEST 3.10 does not
                sort connections by source, so every one of the K synapses is an entry of its own,
      BW        interconnect bandwidth per node (assumed, above).
    Assumes random connectivity, constant rate and load per VP, and one MPI rank per node.
    """
    rounds = 1000.0 / delay_ms
    rows = []
    for n_nodes in nodes:
        vps = n_nodes * vps_per_node
        spikes_per_round = neurons_per_vp * vps_per_node * rate_hz * delay_ms / 1000.0
        entries = min(n_nodes, indegree) if compressed else indegree
        volume = spikes_per_round * entries * SPIKE_BYTES
        comm = rounds * (round_s + INTERCONNECT_LATENCY_S * np.log2(n_nodes)) if n_nodes > 1 else 0.0
        t = local_s + comm + rounds * volume / INTERCONNECT_BANDWIDTH_B_S * (n_nodes > 1)
        rows.append({"nodes": n_nodes, "vps": vps, "neurons": neurons_per_vp * vps,
                     "synapses": neurons_per_vp * vps * indegree, "wall_s_per_s": t,
                     "gib_per_node": vps_per_node * neurons_per_vp * (bytes_per_neuron + indegree * bytes_per_synapse)
                     / 2 ** 30})
    for row in rows:
        row["efficiency"] = rows[0]["wall_s_per_s"] / row["wall_s_per_s"]
    return rows


def round_cost(args) -> float:
    """Extra wall time per communication round of 2 ranks over 2 threads, in seconds.

    Measured on a network so small (100 neurons, 10 static synapses each) that the rounds,
    not the neurons, dominate: (T(2 ranks x 1 thread) - T(1 rank x 2 threads)) / rounds.
    """
    probe = argparse.Namespace(**{**vars(args), "neurons": 100, "indegree": 10, "sim_ms": 20_000.0})
    threads = run_config(probe, "static_synapse", 1, 2, args.repeats)["wall_s"]
    ranks = run_config(probe, "static_synapse", 2, 1, args.repeats)["wall_s"]
    return max(0.0, ranks - threads) / (probe.sim_ms / args.delay)


def report(results: list[dict], args, vps_per_node: int, round_s: float | None = None) -> str:
    """The table of all runs, the ratios and the weak-scaling extrapolation, as text."""
    def find(synapse, ranks, threads, uncompressed=False):
        for r in results:
            if (r["synapse"], r["ranks"], r["threads"], r.get("forced_uncompressed", False)) == \
                    (synapse, ranks, threads, uncompressed):
                return r
        return None

    lines = [f"{args.neurons} neurons, indegree {args.indegree} ({args.neurons * args.indegree:.0e} synapses), "
             f"resolution {args.resolution} ms, delay {args.delay} ms, {args.sim_ms:.0f} ms simulated",
             f"{'synapse':16s} {'ranks x threads':>15s} {'exchange':>10s} {'rate Hz':>8s} {'events/s':>10s} "
             f"{'wall s':>7s} {'B/synapse':>10s} {'B/neuron':>9s}"]
    for r in results:
        exchange = "-" if r["ranks"] == 1 else "compressed" if r["compressed_spikes"] else "uncompr."
        lines.append(f"{r['synapse']:16s} {r['ranks']:>9d} x {r['threads']:<3d} {exchange:>10s} {r['rate_hz']:8.1f} "
                     f"{r['events_per_s']:10.3g} {r['wall_s']:7.2f} {r['bytes_per_synapse']:10.1f} "
                     f"{r['bytes_per_neuron']:9.0f}")
    lines.append("")
    lines.append("ratios, measured side by side in this run:")
    for split in ((1, 1), (1, 2), (2, 1)):
        sal, stdp = find("sal_synapse", *split), find("stdp_synapse", *split)
        if sal and stdp:
            lines.append(f"  SAL / stdp_synapse events per second, {split[0]} rank x {split[1]} thread: "
                         f"{sal['events_per_s'] / stdp['events_per_s']:.2f}")
    sal, stdp, static = (find(s, 1, 1) for s in SYNAPSES)
    lines.append(f"  memory per synapse: SAL {sal['bytes_per_synapse']:.0f} B, stdp_synapse "
                 f"{stdp['bytes_per_synapse']:.0f} B, static_synapse {static['bytes_per_synapse']:.0f} B "
                 f"(SAL / stdp {sal['bytes_per_synapse'] / stdp['bytes_per_synapse']:.2f})")
    for syn in SYNAPSES:
        one, threads2, ranks2 = find(syn, 1, 1), find(syn, 1, 2), find(syn, 2, 1)
        speedups = [f"1 -> 2 threads {one['wall_s'] / threads2['wall_s']:.2f}x" if threads2 else None,
                    f"1 -> 2 ranks {one['wall_s'] / ranks2['wall_s']:.2f}x" if ranks2 else "ranks: no MPI NEST"]
        lines.append(f"  {syn}: speed-up " + ", ".join(x for x in speedups if x))
    chosen, fallback = find("sal_synapse", 2, 1), find("sal_synapse", 2, 1, uncompressed=True)
    if chosen and fallback and chosen["compressed_spikes"]:
        lines.append(f"  sal_synapse on 2 ranks, uncompressed spike exchange (salnest's fallback on an unfixed NEST) "
                     f"/ compressed: {fallback['events_per_s'] / chosen['events_per_s']:.2f} of the events per second, "
                     f"{fallback['bytes_per_synapse'] - chosen['bytes_per_synapse']:+.0f} B per synapse")
    elif chosen:
        lines.append("  this NEST lacks salnest's fix (nest_patches/): the rank runs used the uncompressed exchange")
    threads2 = find("sal_synapse", 1, 2)
    if threads2 and round_s is not None:
        local_s = threads2["wall_s"] * 1000.0 / args.sim_ms
        model = (local_s, round_s, threads2["rate_hz"], args.neurons / 2, args.indegree, args.delay, vps_per_node,
                 threads2["bytes_per_neuron"], threads2["bytes_per_synapse"])
        rows = weak_scaling(*model)
        rows_fallback = weak_scaling(*model, compressed=False)
        lines += ["", f"weak-scaling model (SAL synapses; {args.neurons // 2} neurons and "
                      f"{args.neurons // 2 * args.indegree:.0e} synapses per VP, {vps_per_node} VPs per node; "
                      f"measured: {local_s:.2f} s per simulated s on one VP-pair, "
                      f"{round_s * 1e6:.1f} us extra per communication round on 2 ranks):",
                  f"{'nodes':>6s} {'VPs':>7s} {'neurons':>9s} {'synapses':>9s} {'wall s / sim s':>15s} "
                  f"{'efficiency':>10s} {'fallback':>10s} {'GiB/node':>9s}"]
        for row, other in zip(rows, rows_fallback):
            lines.append(f"{row['nodes']:6d} {row['vps']:7d} {row['neurons']:9.2g} {row['synapses']:9.2g} "
                         f"{row['wall_s_per_s']:15.2f} {row['efficiency']:10.2f} {other['efficiency']:10.2f} "
                         f"{row['gib_per_node']:9.1f}")
        lines.append("(efficiency with the compressed spike exchange, safe on a NEST with salnest's fix; "
                     "'fallback': uncompressed, as on an unfixed NEST)")
    return "\n".join(lines)


def network_options(parser: argparse.ArgumentParser, neuron: str = "sampling_neuron", mean_weight: float = 0.01) -> None:
    """The options that describe the measured network (shared with benchmarks/synapse_cost.py)."""
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--synapse", choices=ALL_SYNAPSES, default="sal_synapse", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--uncompressed-spikes", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--neuron", choices=NEURONS, default=neuron, help=argparse.SUPPRESS)
    parser.add_argument("--drive-rate", type=float, default=8000.0, help="Hz of Poisson input per built-in neuron")
    parser.add_argument("--drive-weight", type=float, default=7.8, help="pA per Poisson input spike")
    parser.add_argument("--neurons", type=int, default=10_000)
    parser.add_argument("--indegree", type=int, default=100)
    parser.add_argument("--sim-ms", type=float, default=1000.0, help="measured simulated time")
    parser.add_argument("--warmup-ms", type=float, default=100.0)
    parser.add_argument("--resolution", type=float, default=1.0, help="ms (salnest's protocols: 1 step = 1 ms)")
    parser.add_argument("--delay", type=float, default=1.0, help="ms; also the communication interval")
    parser.add_argument("--tau-ref", type=float, default=10.0, help="ms; refractory period = PSP duration")
    parser.add_argument("--bias", type=float, default=-0.5, help="bias of the sampling neurons")
    parser.add_argument("--mean-weight", type=float, default=mean_weight,
                        help="mean recurrent weight (model units; pA for built-in neurons)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3, help="runs per configuration; the fastest counts")
    parser.add_argument("--json", type=Path, default=None, help="also write all measurements here")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    network_options(parser)
    parser.add_argument("--vps-per-node", type=int, default=64, help="for the weak-scaling model")
    args = parser.parse_args(argv)
    if args.synapse == "sal_synapse_nestml" and args.neuron != "sampling_neuron_nestml":
        parser.error("sal_synapse_nestml connects only to sampling_neuron_nestml (NESTML pairs them)")
    if args.worker:
        worker(args)
        return
    if args.neurons < 2 or args.indegree < 1 or args.indegree >= args.neurons or args.sim_ms <= 0:
        parser.error("need 1 <= --indegree < --neurons and --sim-ms > 0")
    configs = [(1, 1), (1, 2)] + ([(2, 1)] if _have_mpi() else [])
    results = []
    for synapse in SYNAPSES:
        for ranks, threads in configs:
            print(f"running {synapse} on {ranks} rank(s) x {threads} thread(s) ...", file=sys.stderr, flush=True)
            results.append(run_config(args, synapse, ranks, threads, args.repeats))
    if (2, 1) in configs:
        print("running sal_synapse on 2 ranks with the uncompressed spike exchange ...", file=sys.stderr, flush=True)
        results.append(run_config(args, "sal_synapse", 2, 1, args.repeats, uncompressed=True))
    round_s = None
    if (2, 1) in configs:
        print("measuring the cost of a communication round ...", file=sys.stderr, flush=True)
        round_s = round_cost(args)
    print(report(results, args, args.vps_per_node, round_s))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"arguments": vars(args) | {"json": str(args.json)}, "runs": results,
                                         "round_s": round_s},
                                        indent=1))


if __name__ == "__main__":
    main()
