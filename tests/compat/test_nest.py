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
