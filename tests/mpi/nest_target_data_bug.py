"""Plain PyNEST reproduction: NEST 3.10 on 2 MPI ranks delivers spikes through wrong connections.

Run with ``mpirun -np 2 python tests/mpi/nest_target_data_bug.py --previous``. Every
parrot neuron relays the same spike train; every target is an integrator (no leak to
speak of, no threshold), so its V_m is the sum of the weights of the spikes it received,
known exactly in advance. Rank 0 prints, as one JSON line, the V_m of every target and
the expected value.

With ``--previous`` a first, different network is simulated and the kernel reset before
the network of interest is built. With NEST's default compressed spike exchange, the
targets on rank 1 then receive more input than they can: while building the routing
tables, rank 1 fills its buffer share for rank 0 and stops that round without marking
the end of its share for itself (``ConnectionManager::fill_target_buffer``), so it reads
the first network's leftover entries as targets of its own neurons. A NEST built with
``nest_patches/`` delivers exactly. ``--safe`` applies salnest's choice
(:func:`salnest.compat.nest.use_safe_spike_exchange`) after every reset.
"""

import json
import sys

import nest
import numpy as np

SPIKE_TIMES = [float(t) for t in range(2, 95, 7)]
STEPS = 100.0


def network(n_sources: int, pairs: list[tuple[int, int]]):
    """Parrots relaying SPIKE_TIMES onto integrators; connection (s, t) has weight 1 + s."""
    nest.ResetKernel()
    if "--safe" in sys.argv:
        from salnest.compat.nest import use_safe_spike_exchange

        use_safe_spike_exchange()
    nest.resolution = 1.0
    generators = nest.Create("spike_generator", n_sources, params={"spike_times": SPIKE_TIMES})
    sources = nest.Create("parrot_neuron", n_sources)
    nest.Connect(generators, sources, "one_to_one")
    targets = nest.Create("iaf_psc_delta", max(t for _, t in pairs) + 1,
                          params={"tau_m": 1e12, "V_th": 1e12, "E_L": 0.0, "V_m": 0.0, "V_reset": 0.0,
                                  "t_ref": 0.0, "C_m": 1.0})
    for s, t in pairs:
        nest.Connect(sources[s], targets[t], syn_spec={"weight": 1.0 + s})
    nest.Simulate(STEPS)
    return targets


def main() -> None:
    from mpi4py import MPI

    nest.set_verbosity("M_ERROR")
    if "--previous" in sys.argv:
        # targets (all on one rank) with input from many sources on their own rank
        network(80, [(s, t) for s in range(80) for t in range(0, 40, 2) if (s + t) % 5 == 0])
    # the network of interest: the targets on each rank get input from many sources on rank 0, few on rank 1
    pairs = [(s, t) for s in range(60) for t in range(6) if (s % 2 == 0 or s < 6) and (s + t) % 3 == 0]
    targets = network(60, pairs)
    mine = {n.global_id: float(n.get("V_m")) for n in targets if n.local}
    gathered = MPI.COMM_WORLD.gather(mine, root=0)
    if nest.Rank() == 0:
        v_m = {k: v for part in gathered for k, v in part.items()}
        expected = np.zeros(len(targets))
        for s, t in pairs:
            expected[t] += (1.0 + s) * len(SPIKE_TIMES)
        print(json.dumps({"v_m": [v_m[n] for n in targets.tolist()], "expected": expected.tolist(),
                          "use_compressed_spikes": nest.use_compressed_spikes, "ranks": nest.NumProcesses()}))


if __name__ == "__main__":
    main()
