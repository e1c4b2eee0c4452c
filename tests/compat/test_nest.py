"""NEST 3.10's behaviours that salnest.compat.nest works around still exist on one process
(the MPI ones are shown in tests/mpi)."""

import pytest


@pytest.fixture
def plain_kernel():
    import nest

    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    return nest


def _rounds_logged(nest, steps: int) -> int:
    nodes = nest.Create("parrot_neuron", 3)
    nest.Connect(nodes, nodes)
    nest.Simulate(float(steps))
    return len(nest.spike_buffer_resize_log["times"])


def test_nest_logs_every_round_while_buffers_may_shrink(plain_kernel):
    from salnest.compat.nest import quiet_spike_buffer_log

    nest = plain_kernel
    assert _rounds_logged(nest, 300) == 300  # one entry per round (min_delay = resolution)
    nest.ResetKernel()
    quiet_spike_buffer_log()
    assert _rounds_logged(nest, 300) == 0


@pytest.mark.filterwarnings(r"ignore:\s*GetLocalNodeCollection:UserWarning")
def test_pynest_local_nodes_of_one_node_fail(plain_kernel):
    from salnest.compat.nest import local_node_ids

    nest = plain_kernel
    one = nest.Create("iaf_psc_alpha", 1)
    assert isinstance(one.local, bool)  # a bare bool, not a tuple of one
    with pytest.raises(IndexError):
        nest.GetLocalNodeCollection(one)
    assert local_node_ids(one) == one.tolist()
    three = nest.Create("iaf_psc_alpha", 3)
    assert local_node_ids(three) == three.tolist()


def _python_lines(read) -> int:
    """Python lines executed while ``read()`` runs, a loop's line once per pass (work done in C, e.g.
    through ``map``, not counted). Lines, not calls: Python 3.12 inlines comprehensions (PEP 709)."""
    import sys

    lines = 0

    def trace(frame, event, arg):
        nonlocal lines
        lines += event == "line"
        return trace

    sys.settrace(trace)
    try:
        read()
    finally:
        sys.settrace(None)
    return lines


def test_pynest_reads_connections_in_python_per_connection(plain_kernel):
    import numpy as np

    from salnest.compat.nest import connection_values

    nest = plain_kernel
    pre, post = nest.Create("iaf_psc_alpha", 40), nest.Create("iaf_psc_alpha", 30)
    nest.Connect(pre, post, "all_to_all", {"weight": nest.random.uniform(-1.0, 1.0), "delay": 1.5})
    conns = nest.GetConnections(pre, post)
    names = ["source", "target", "weight", "delay"]
    expected = conns.get(names)
    got = connection_values(conns, names)  # (its first call also checks NEST's version)
    for name in names:  # the same values, in the same order
        assert np.array_equal(got[name], expected[name]), name
    # the defect: a Python list per connection (PyNEST's list comprehension over the status dicts)
    assert _python_lines(lambda: conns.get(names)) >= len(conns) == 1200
    assert _python_lines(lambda: connection_values(conns, names)) < 50  # per call, not per connection
    assert got["source"].dtype == np.int64 and got["weight"].dtype == np.float64
    assert [len(v) for v in connection_values(conns[:0], names).values()] == [0] * 4
