"""Workarounds for NEST 3.10 and its Python interface (PyNEST).

:func:`salnest.install` applies the kernel settings after every reset
(:func:`use_safe_spike_exchange`, :func:`quiet_spike_buffer_log`);
:mod:`salnest.pynn.nest` installs :func:`parameter_lists_under_mpi`;
:func:`local_node_ids` replaces ``nest.GetLocalNodeCollection`` and :func:`connection_values`
``SynapseCollection.get`` in :mod:`salnest.parallel`.
The defects are shown in ``tests/compat/test_nest.py`` and, where they need several ranks, in
``tests/mpi/test_compat_mpi.py`` and ``tests/mpi/test_spike_exchange.py``.
"""

from __future__ import annotations

import importlib
import operator

import numpy as np

from salnest.compat import workaround

NEST = ("nest-simulator", "3.10.0")

#: The fix in nest_patches/ that makes NEST's compressed spike exchange safe under MPI.
TARGET_DATA_FIX = "compressed-target-data-end-markers"


def nest_has_target_data_fix() -> bool:
    """True when the NEST in use was built with salnest's fix of its compressed spike exchange
    (``nest_patches/``; ``bash setup.sh mpi`` builds such a NEST)."""
    try:
        fixes = importlib.import_module("nest.salnest_fixes").FIXES
    except ImportError:
        return False
    return TARGET_DATA_FIX in fixes


@workaround("nest-compressed-spike-exchange", *NEST, once=False,
            symptom="under MPI the compressed spike exchange delivers spikes through other neurons' "
                    "connections, e.g. in a kernel that follows another one in the same process",
            upstream="ConnectionManager::fill_target_buffer skips end markers; fix in nest_patches/, "
                     "reproduction tests/mpi/nest_target_data_bug.py")
def use_safe_spike_exchange() -> None:
    """Under MPI with an unfixed NEST, switch to NEST's uncompressed spike exchange.

    NEST 3.10's compressed exchange (the default) can deliver spikes through connections
    of other neurons. When building its routing tables, a rank whose buffer share for one
    other rank fills stops writing for that round without marking where its data for the
    remaining ranks end (``ConnectionManager::fill_target_buffer``). Those ranks then read
    on into whatever the buffer held before, data of an earlier kernel in the same process
    for instance (the buffer survives ``ResetKernel``), and add the entries as targets.

    ``nest_patches/`` fixes NEST itself, and ``bash setup.sh mpi`` builds NEST with it; on such
    a NEST (:func:`nest_has_target_data_fix`) this does nothing. Otherwise the uncompressed
    exchange is correct but slower for networks with many targets per neuron and rank
    (docs/performance.md, "Scaling"). Without MPI nothing changes: one process reads only its own,
    complete data. It must come before the first ``Connect`` after a reset.
    """
    import nest

    if int(nest.NumProcesses()) > 1 and not nest_has_target_data_fix():
        nest.use_compressed_spikes = False


@workaround("nest-spike-buffer-log", *NEST, once=False,
            symptom="spike_buffer_resize_log grows by one entry per communication round, so every "
                    "GetKernelStatus (PyNN calls it several times per run()) gets slower: 40 ms after 3e5 steps",
            upstream="tests/compat/test_nest.py::test_nest_logs_every_round_while_buffers_may_shrink")
def quiet_spike_buffer_log() -> None:
    """Keep spike buffers from shrinking, which stops NEST from logging every round."""
    import nest

    nest.spike_buffer_shrink_limit = 0.0


@workaround("pynest-parameter-lists-under-mpi", *NEST,
            symptom="SynapseCollection.set refuses any list of values under MPI ('not supported in "
                    "MPI-parallel simulations'), although collection and list are both local",
            upstream="tests/mpi/test_compat_mpi.py::test_pynest_refuses_parameter_lists_under_mpi")
def parameter_lists_under_mpi() -> None:
    """Under MPI, pass a dictionary of lists of the collection's length as one dictionary per connection.

    PyNN sets every synapse parameter other than weight and delay of a projection's first
    connections with such lists; a list of dictionaries is accepted.
    """
    import nest
    from nest.lib.hl_api_types import SynapseCollection

    original = SynapseCollection.set

    def set_status(self, params=None, **kwargs):
        values = kwargs if params is None else params
        if isinstance(values, dict) and len(self) and nest.NumProcesses() > 1:
            lists = {k: v for k, v in values.items() if not isinstance(v, str) and np.ndim(v) > 0}
            if lists:
                if any(len(v) != len(self) for v in lists.values()):
                    raise ValueError(f"parameter lists must have one value per local connection ({len(self)})")
                return original(self, [{**values, **{k: v[i] for k, v in lists.items()}} for i in range(len(self))])
        return original(self, params, **kwargs)

    set_status.__salnest_original__ = original
    SynapseCollection.set = set_status


@workaround("pynest-local-nodes-of-one-node", *NEST, once=False,
            symptom="nest.GetLocalNodeCollection fails for a one-node collection (IndexError): "
                    "NodeCollection.local of one node is a bare bool, used as an index",
            upstream="tests/compat/test_nest.py::test_pynest_local_nodes_of_one_node_fail")
def local_node_ids(nodes) -> list[int]:
    """Global ids of the nodes of ``nodes`` on this MPI rank (works for one node too)."""
    return np.asarray(nodes.tolist())[np.atleast_1d(nodes.local)].tolist()


@workaround("pynest-connection-reads", *NEST, once=False,
            symptom="SynapseCollection.get(keys) picks the keys out of each connection's dictionary in a "
                    "Python list per connection and regroups them: 45 % of reading 5e5 connections' ids",
            upstream="tests/compat/test_nest.py::test_pynest_reads_connections_in_python_per_connection")
def connection_values(conns, names: list[str]) -> dict[str, np.ndarray]:
    """``names`` of every connection of the ``nest.SynapseCollection`` ``conns`` (this rank's), in its order.

    One status read per connection, as ``conns.get(names)``, but each key taken from the
    kernel's dictionaries in one pass: about 1.8x faster, which is most of building a deep
    network's phase (docs/performance.md).
    """
    from nest.lib.hl_api_types import nestkernel

    status = nestkernel.llapi_get_connection_status(conns._datum) if len(conns) else []
    return {name: np.array(list(map(operator.itemgetter(name), status))) for name in names}
