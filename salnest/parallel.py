"""MPI-aware access to NEST state: every rank sees all values, in one global order.

NEST places each neuron on one MPI rank and each connection on its target's
rank, so ``NodeCollection.get``, ``SynapseCollection.get`` and a recorder's
``events`` return what is local to the calling rank, and the order of
``nest.GetConnections`` depends on how the virtual processes are split into
ranks and threads. The helpers here gather across ranks (with mpi4py, which
PyNN uses as well) and order the result by global ids, so that the same seed
and the same number of virtual processes give the same arrays whether they run
as 1 rank x 2 threads or 2 ranks x 1 thread. Without MPI they cost nothing
extra: no gathering, no mpi4py import.

A Python exception on one rank of an MPI job would leave the other ranks
waiting forever in the next collective call; :func:`abort_on_error` makes it
end the whole job with a message that names the rank.
"""

from __future__ import annotations

import sys
import traceback

import numpy as np

from salnest.compat.nest import connection_values


def num_processes() -> int:
    """Number of MPI ranks of the NEST kernel (1 without MPI)."""
    import nest

    return int(nest.NumProcesses())


def rank() -> int:
    """This process's MPI rank (0 without MPI)."""
    import nest

    return int(nest.Rank())


def is_root() -> bool:
    """True on the rank that writes files and shows progress."""
    return rank() == 0


def _comm():
    from mpi4py import MPI

    return MPI.COMM_WORLD


def allgather(obj) -> list:
    """``obj`` of every rank, in rank order (``[obj]`` without MPI)."""
    if num_processes() == 1:
        return [obj]
    return _comm().allgather(obj)


def from_root(compute):
    """``compute()`` evaluated on rank 0 only and its result handed to every rank.

    For reading files that only rank 0 is sure to see (a checkpoint on node-local disk), so
    that all ranks take the same path afterwards. An exception on rank 0 is raised on every
    rank, so that all of them stop (or handle it) alike instead of waiting for each other.
    """
    if num_processes() == 1:
        return compute()
    outcome = None
    if rank() == 0:
        try:
            outcome = (True, compute())
        except Exception as exc:  # handed on, whatever it is
            outcome = (False, exc)
    succeeded, value = _comm().bcast(outcome, root=0)
    if not succeeded:
        raise value
    return value


def _as_list(values, n: int) -> list:
    # NodeCollection.get returns a bare value, not a tuple, for a single node
    return list(values) if n != 1 else [values]


def node_values(nodes, name: str) -> np.ndarray:
    """Status value ``name`` of every node of ``nodes`` (all ranks), in the collection's order.

    Parameters
    ----------
    nodes
        A ``nest.NodeCollection``.
    name
        A status key (``"spike_count"``, ``"u_sum"``, ...), in NEST's units.
    """
    return np.asarray(node_lists(nodes, name))


def node_lists(nodes, name: str) -> list:
    """As :func:`node_values`, as a list: for values whose lengths differ between nodes (recorded spikes)."""
    if num_processes() == 1:
        return _as_list(nodes.get(name), len(nodes))
    import nest

    from salnest.compat.nest import local_node_ids

    ids = local_node_ids(nodes)
    mine = (ids, _as_list(nest.NodeCollection(ids).get(name), len(ids)) if ids else [])
    position = {node_id: i for i, node_id in enumerate(nodes.tolist())}
    out = [None] * len(nodes)
    for ids, values in allgather(mine):
        for node_id, value in zip(ids, values):
            out[position[node_id]] = value
    return out


def require_local_cells(population, synapse_model: str) -> None:
    """Under MPI, raise ValueError unless the PyNN ``population`` has a cell on every rank.

    For projections whose connections PyNN 0.13 reads back while connecting (see
    :func:`salnest.compat.pynn.no_connection_readback`): that read is a collective
    NEST call made only on ranks that own targets, so a rank without any would leave the
    others waiting or mismatch their collective calls.
    """
    if num_processes() == 1:
        return
    counts = allgather(int(population.local_size))
    empty = [r for r, c in enumerate(counts) if c == 0]
    if empty:
        raise ValueError(
            f"population {population.label!r} has {population.size} cell(s), none on rank(s) {empty} of "
            f"{len(counts)}: PyNN reads connections of {synapse_model!r} back with a collective NEST call that "
            f"only ranks with targets make. Use at most {population.size} MPI rank(s) (threads are not "
            f"affected), more cells, or a static or NESTML synapse model, whose parameters salnest tells PyNN.")


def recorder_events(recorder, names=("senders", "times")) -> dict[str, np.ndarray]:
    """Events of a recording device on all ranks, sorted by time, then sender."""
    events = recorder.get("events")
    parts = allgather({k: np.asarray(events[k]) for k in names})
    merged = {k: np.concatenate([p[k] for p in parts]) for k in names}
    order = np.lexsort((merged["senders"], merged["times"]))
    return {k: v[order] for k, v in merged.items()}


def sources_and_targets(conns, chunk: int = 1 << 19) -> tuple[np.ndarray, np.ndarray]:
    """Source and target node ids of the connections of ``conns`` (this rank's), in its order.

    PyNEST reads connections as one dictionary of every attribute per connection (about 1 kB and
    3 us each): read in chunks and both ids from one read, or 10^7 connections take 10 GB at once.
    """
    ids = np.empty((2, len(conns)), dtype=np.int64)
    for start in range(0, len(conns), chunk):
        part = connection_values(conns[start:start + chunk], ["source", "target"])
        ids[:, start:start + chunk] = [part["source"], part["target"]]
    return ids[0], ids[1]


class Synapses:
    """A set of NEST connections spread over ranks, seen by every rank in one global order.

    Parameters
    ----------
    conns
        A ``nest.SynapseCollection`` (this rank's part of the connections, e.g. a PyNN
        projection's ``nest_connections``).

    The global order sorts connections by (source, target); the collection must
    hold at most one connection per ordered pair of nodes. :meth:`get` returns
    arrays in that order on every rank; :meth:`set` takes them in that order and
    each rank sets its own connections. Values are in NEST's units (weights in model
    units for salnest's models, times in ms).
    """

    def __init__(self, conns):
        self.conns = conns
        self._n_local = len(conns)
        src, tgt = sources_and_targets(conns)
        parts = allgather((src, tgt))
        all_src = np.concatenate([p[0] for p in parts])
        all_tgt = np.concatenate([p[1] for p in parts])
        order = np.lexsort((all_tgt, all_src))
        self.sources, self.targets = all_src[order], all_tgt[order]
        if np.any((np.diff(self.sources) == 0) & (np.diff(self.targets) == 0)):
            raise ValueError("Synapses needs at most one connection per (source, target) pair")
        position = np.empty(len(order), dtype=np.int64)
        position[order] = np.arange(len(order))  # gathered index -> place in the global order
        offset = sum(len(p[0]) for p in parts[: rank()]) if len(parts) > 1 else 0
        self._local = position[offset: offset + self._n_local]
        self._gathered = position

    def __len__(self) -> int:
        return len(self.sources)

    def get(self, name: str) -> np.ndarray:
        """``name`` of every connection, in the global order (a float array)."""
        return self.get_many([name])[name]

    def get_many(self, names: list[str]) -> dict[str, np.ndarray]:
        """Several attributes with one status read per connection (each read builds a dictionary)."""
        mine = np.empty((len(names), 0))
        if self._n_local:
            values = connection_values(self.conns, list(names))
            mine = np.array([values[k].astype(float) for k in names])
        out = np.empty((len(names), len(self)))
        if num_processes() == 1:
            out[:, self._local] = mine
        else:
            out[:, self._gathered] = np.concatenate(allgather(mine), axis=1)
        return dict(zip(names, out))

    def synapse_models(self) -> set[str]:
        """Names of the synapse models of these connections (on all ranks)."""
        mine = {str(m) for m in np.atleast_1d(self.conns.get("synapse_model"))} if self._n_local else set()
        return set().union(*allgather(mine))

    def set(self, **values) -> None:
        """Set attributes: scalars for all connections, or arrays in the global order."""
        if self._n_local:
            self.conns.set(_status_dicts(values, self._local))


def _status_dicts(values: dict, positions: np.ndarray) -> dict | list[dict]:
    """One dictionary for scalars only, else one per element at ``positions`` of the arrays.

    PyNEST expands a dictionary of lists itself only without MPI (synapses) or when
    all nodes are local (nodes), so the per-element form is built here.
    """
    arrays = {k: np.asarray(v)[positions].tolist() for k, v in values.items() if np.ndim(v) > 0}
    scalars = {k: np.asarray(v).item() for k, v in values.items() if np.ndim(v) == 0}
    if not arrays:
        return scalars
    return [{**scalars, **{k: v[i] for k, v in arrays.items()}} for i in range(len(positions))]


def set_node_values(nodes, **values) -> None:
    """Set node parameters: scalars for all nodes, or arrays over the nodes of ``nodes`` (any rank count).

    NEST applies each node's dictionary on the rank that owns the node.
    """
    if len(nodes):
        nodes.set(_status_dicts(values, np.arange(len(nodes))))


def abort_on_error() -> None:
    """Under MPI, make an uncaught exception on any rank end the whole job with a clear message.

    Without it, the other ranks wait in their next collective call forever. A
    no-op when NEST runs on one process.
    """
    if num_processes() == 1 or getattr(sys.excepthook, "_salnest_abort", False):
        return

    def hook(exc_type, exc, tb):
        n, r = num_processes(), rank()
        sys.stderr.write(f"salnest: rank {r} of {n} failed, ending all ranks:\n")
        sys.stderr.write("".join(traceback.format_exception(exc_type, exc, tb)))
        sys.stderr.flush()
        _comm().Abort(1)

    hook._salnest_abort = True
    sys.excepthook = hook


def abort_all(status: int = 1) -> None:
    """Under MPI, end every rank of the job now (the others may be waiting in a collective call);
    without MPI nothing happens and the caller goes on to exit."""
    if num_processes() > 1:
        sys.stderr.flush()
        _comm().Abort(status)
