"""Independent copies ("replicas") of one small network side by side in PyNN populations.

salnest runs a whole sweep (pairs, sampling networks, microcircuits of many seeds and
conditions) in one NEST kernel: replica r of a layer of n neurons is cells r*n ... r*n + n - 1
of its population, connections stay within a replica, and weights are arrays
``W[replica, post, pre]``. :func:`connection_rows` turns such arrays into PyNN connection
lists; :func:`connect_blocks` makes the dense connections of large layers in NEST directly,
:func:`spike_blocks` reads their recorded spikes back as such arrays;
:class:`BlockConnections` reads and writes connections as such arrays, on every MPI rank
(:class:`salnest.parallel.Synapses`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def connection_rows(weights: np.ndarray, delay: float, recurrent: bool = False) -> np.ndarray:
    """Rows (pre, post, weight, delay) of ``weights[replica, post, pre]``, within each replica.

    Parameters
    ----------
    weights
        Array (replica, n_post, n_pre) of weights (model units).
    delay
        Delay of every connection (ms).
    recurrent
        Pre and post are the same population: no connection of a neuron to itself
        (``n_post == n_pre``; the diagonal of ``weights`` is ignored).

    Returns
    -------
    numpy.ndarray
        (connections, 4), ordered by (replica, post, pre); pre and post are population indices.
    """
    n_rep, n_post, n_pre = weights.shape
    keep = np.ones((n_rep, n_post, n_pre), dtype=bool)
    if recurrent:
        if n_post != n_pre:
            raise ValueError(f"recurrent weights must be square per replica, got {weights.shape}")
        keep &= ~np.eye(n_post, dtype=bool)[None]
    rep, post, pre = np.nonzero(keep)
    return np.column_stack([pre + rep * n_pre, post + rep * n_post, weights[rep, post, pre],
                            np.full(rep.size, float(delay))])


def connect_blocks(pre, post, n_pre: int, n_post: int, blocks: int, delay: float, receptor_type: int = 0,
                   weight: float | np.ndarray = 0.0) -> None:
    """All-to-all static connections from each block of ``n_pre`` cells of PyNN population ``pre``
    to the same block of ``n_post`` cells of ``post``, with weight ``weight`` (NEST's units): one
    for all, or an array (blocks, n_post, n_pre) given to NEST's ``Connect`` block by block, so that
    nothing is written afterwards.

    For dense layers of 10^5 and more connections: NEST's ``all_to_all`` makes them at about
    0.2 us each, PyNN's ``FromListConnector`` at about 30 us (and PyNEST writes a weight at about
    20 us). Index them with :meth:`BlockConnections.between` once every connection of the kernel is
    made.
    """
    import nest

    weights = np.broadcast_to(np.asarray(weight, dtype=float), (blocks, n_post, n_pre))
    sources, targets = pre.node_collection, post.node_collection
    for k in range(blocks):
        w = float(weight) if np.ndim(weight) == 0 else weights[k]
        nest.Connect(sources[k * n_pre:(k + 1) * n_pre], targets[k * n_post:(k + 1) * n_post], "all_to_all",
                     syn_spec={"synapse_model": "static_synapse", "weight": w, "delay": float(delay),
                               "receptor_type": int(receptor_type)})


def spike_blocks(events: dict, population, n: int, blocks: int, t0: int, n_steps: int, h: float = 1.0,
                 dtype=np.float64) -> np.ndarray:
    """The spikes of ``blocks`` blocks of ``n`` cells of PyNN population ``population`` in the
    ``n_steps`` steps after NEST's step ``t0``, from a spike recorder's ``events``: an array
    (blocks, n_steps, n) of 0 and 1. A spike fired in step s is stamped (s + 1) h ms; events of
    other cells or steps are left out."""
    step = np.round(events["times"] / h).astype(np.int64) - 1 - t0
    cell = events["senders"] - population.first_id
    mine = (cell >= 0) & (cell < n * blocks) & (step >= 0) & (step < n_steps)
    z = np.zeros((blocks, n_steps, n), dtype=dtype)
    z[cell[mine] // n, step[mine], cell[mine] % n] = 1.0
    return z


class ProjectionSynapses:
    """The connections of a PyNN projection through PyNN's own API, with the interface of
    :class:`salnest.parallel.Synapses` (values in connection order; ids of sources and targets)."""

    def __init__(self, projection):
        self.projection = projection
        rows = np.asarray(projection.get(["weight"], format="list", with_address=True), dtype=float).reshape(-1, 3)
        pre, post = rows[:, 0].astype(int), rows[:, 1].astype(int)
        self.pre_index, self.post_index = pre, post
        self.sources = np.asarray(projection.pre.all_cells, dtype=int)[pre]
        self.targets = np.asarray(projection.post.all_cells, dtype=int)[post]

    def get(self, name: str) -> np.ndarray:
        rows = self.projection.get([name], format="list", with_address=True)  # in the order of __init__'s
        return np.asarray(rows, dtype=float).reshape(-1, 3)[:, 2]

    def get_many(self, names: list[str]) -> dict[str, np.ndarray]:
        return {name: self.get(name) for name in names}

    def set(self, **values) -> None:
        for name, value in values.items():
            if np.ndim(value) == 0:
                self.projection.set(**{name: float(value)})
            else:
                matrix = np.full((self.projection.pre.size, self.projection.post.size), np.nan)
                matrix[self.pre_index, self.post_index] = value
                self.projection.set(**{name: matrix})


@dataclass
class BlockConnections:
    """A projection's connections (on all MPI ranks) with the (replica, post, pre) index of each.

    Use :meth:`of` to build it from a PyNN projection.
    """

    synapses: object  # salnest.parallel.Synapses
    replica: np.ndarray
    post: np.ndarray
    pre: np.ndarray
    shape: tuple[int, int, int]  # (replicas, n_post, n_pre)

    @classmethod
    def of(cls, projection, n_pre: int, n_post: int, n_replicas: int) -> "BlockConnections":
        """Index the connections of a PyNN ``projection`` between replicated layers of ``n_pre`` and
        ``n_post`` neurons: on NEST read and set in bulk through PyNEST (on every MPI rank), on other
        simulators through PyNN's ``Projection.get`` and ``set``."""
        if hasattr(projection, "nest_connections"):
            from salnest.parallel import Synapses

            synapses = Synapses(projection.nest_connections)
        else:
            synapses = ProjectionSynapses(projection)
        return cls._indexed(synapses, projection.pre.first_id, projection.post.first_id, n_pre, n_post, n_replicas)

    @classmethod
    def between(cls, pre, post, n_pre: int, n_post: int, n_replicas: int) -> "BlockConnections":
        """Index every NEST connection from PyNN population ``pre`` to ``post`` (e.g. those of
        :func:`connect_blocks`; there must be no others between them)."""
        import nest

        from salnest.parallel import Synapses

        synapses = Synapses(nest.GetConnections(source=pre.node_collection, target=post.node_collection))
        return cls._indexed(synapses, pre.first_id, post.first_id, n_pre, n_post, n_replicas)

    @classmethod
    def _indexed(cls, synapses, pre_first: int, post_first: int, n_pre: int, n_post: int, n_replicas: int):
        src, tgt = synapses.sources - pre_first, synapses.targets - post_first
        return cls(synapses, tgt // n_post, tgt % n_post, src % n_pre, (n_replicas, n_post, n_pre))

    def __len__(self) -> int:
        return len(self.replica)

    def to_matrix(self, values: np.ndarray) -> np.ndarray:
        """Values in connection order as an array (replica, post, pre); 0 where there is no connection."""
        out = np.zeros(self.shape)
        out[self.replica, self.post, self.pre] = values
        return out

    def values(self, matrix: np.ndarray) -> np.ndarray:
        """The entries of ``matrix[replica, post, pre]`` in connection order."""
        return np.asarray(matrix)[self.replica, self.post, self.pre]

    def get(self, name: str = "weight") -> np.ndarray:
        """Attribute ``name`` of every connection as an array (replica, post, pre)."""
        return self.to_matrix(self.synapses.get(name))

    def get_many(self, names: list[str]) -> dict[str, np.ndarray]:
        """Several attributes in one status read per connection, each as an array (replica, post, pre)."""
        return {k: self.to_matrix(v) for k, v in self.synapses.get_many(names).items()}

    def set(self, **values) -> None:
        """Set attributes: scalars for every connection, or arrays (replica, post, pre)."""
        self.synapses.set(**{k: self.values(v) if np.ndim(v) == 3 else v for k, v in values.items()})


class BlockWeights:
    """The weights of the NEST connections between blocks of replicated layers (those of
    :func:`connect_blocks`), written block by block from arrays (block, post, pre), on every MPI
    rank its own connections: for the large networks of the deep-network phases, whose weights are
    only written.

    It keeps, per block, PyNEST's handles of this rank's connections (about 170 bytes each) and
    where each reads in the block's array (4 bytes), not the global order of every connection that
    :class:`BlockConnections` keeps for reading and writing in it (about 80 bytes more per
    connection); a write is one call per block. Make it once every connection of the kernel is made
    (see :meth:`BlockConnections.between`).

    Parameters
    ----------
    pre, post
        PyNN populations of ``blocks`` blocks of ``n_pre`` and ``n_post`` cells.
    """

    def __init__(self, pre, post, n_pre: int, n_post: int, blocks: int):
        import nest

        from salnest.parallel import sources_and_targets

        self.pre, self.post = pre.node_collection, post.node_collection
        self.shape = (blocks, n_post, n_pre)
        self.connections, self.positions = [], []  # per block: handles, and post * n_pre + pre of each
        for k in range(blocks):
            conns = nest.GetConnections(source=self.pre[k * n_pre:(k + 1) * n_pre],
                                        target=self.post[k * n_post:(k + 1) * n_post])
            src, tgt = sources_and_targets(conns)
            self.connections.append(conns)
            self.positions.append(((tgt - post.first_id - k * n_post) * n_pre
                                   + (src - pre.first_id - k * n_pre)).astype(np.int32))

    def write(self, name: str, x: np.ndarray, copies: int = 1) -> None:
        """Set attribute ``name`` of every connection from ``x`` (blocks // copies, post, pre): blocks
        ``r * copies ... (r + 1) * copies - 1`` read entry ``r`` (copies of a replica share weights)."""
        blocks, n_post, n_pre = self.shape
        x = np.ascontiguousarray(x, dtype=float)
        if x.shape != (blocks // copies, n_post, n_pre):
            raise ValueError(f"{name} of shape {x.shape}, expected {(blocks // copies, n_post, n_pre)}")
        for k, at in enumerate(self.positions):
            if len(at):  # one dictionary per connection: PyNEST takes arrays only without MPI
                self.connections[k].set([{name: v} for v in x[k // copies].reshape(-1)[at].tolist()])

    def get(self, name: str = "weight") -> np.ndarray:
        """Attribute ``name`` of every connection (all ranks), as an array (block, post, pre)."""
        from salnest.parallel import allgather

        out = np.zeros(self.shape)
        for k, at in enumerate(self.positions):
            mine = np.reshape(self.connections[k].get(name), -1) if len(at) else np.empty(0)
            for positions, values in allgather((at, np.asarray(mine, dtype=float))):
                out[k].reshape(-1)[positions] = values
        return out

