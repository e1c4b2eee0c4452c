"""Replicas side by side: connection lists and the (replica, post, pre) index of a projection's connections."""

import numpy as np
import pytest

from salnest.networks.blocks import BlockConnections, BlockWeights, connect_blocks, connection_rows


def test_rows_stay_within_their_replica_and_skip_self_connections():
    w = np.arange(2 * 3 * 3, dtype=float).reshape(2, 3, 3)  # (replica, post, pre)
    rows = connection_rows(w, delay=1.0, recurrent=True)
    assert len(rows) == 2 * 6
    pre, post, weight, delay = rows.T
    assert np.all(pre // 3 == post // 3) and np.all(pre != post) and np.all(delay == 1.0)
    np.testing.assert_array_equal(weight, w[(post // 3).astype(int), (post % 3).astype(int), (pre % 3).astype(int)])
    # feed-forward layers of different sizes: every pre of a replica onto every post of it
    ff = connection_rows(np.ones((3, 2, 4)), delay=2.0)
    assert len(ff) == 3 * 2 * 4 and np.all(ff[:, 0] // 4 == ff[:, 1] // 2)


def test_projection_read_and_written_as_replica_arrays(pynn_sim):
    sim = pynn_sim
    from salnest.pynn.nest import SALSynapse, SamplingNeuron

    rng = np.random.default_rng(3)
    w = rng.uniform(-1, 1, (4, 3, 3))
    pop = sim.Population(12, SamplingNeuron())
    prj = sim.Projection(pop, pop, sim.FromListConnector(connection_rows(w, 1.0, recurrent=True),
                                                         column_names=["weight", "delay"]), SALSynapse(eta_sal=0.0))
    conns = BlockConnections.of(prj, 3, 3, 4)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(conns.get()[:, off], w[:, off], rtol=1e-12)
    assert np.all(conns.get()[:, ~off] == 0)  # no self-connections
    gains = rng.uniform(0.5, 1.5, w.shape)
    conns.set(sal_gain=gains, eta_sal=0.02)
    got = conns.get_many(["sal_gain", "eta_sal"])
    np.testing.assert_allclose(got["sal_gain"][:, off], gains[:, off], rtol=1e-12)
    np.testing.assert_allclose(got["eta_sal"][:, off], 0.02)


def test_blocks_connected_by_nest_are_indexed_and_written_per_replica(pynn_sim):
    sim = pynn_sim
    from salnest.pynn.nest import SamplingNeuron

    pre, post = sim.Population(2 * 4, SamplingNeuron()), sim.Population(2 * 3, SamplingNeuron())
    connect_blocks(pre, post, 4, 3, 2, delay=1.0, weight=0.25)
    conns = BlockConnections.between(pre, post, 4, 3, 2)
    assert len(conns) == 2 * 3 * 4  # every pre of a block onto every post of it, nothing across blocks
    np.testing.assert_array_equal(conns.get(), np.full((2, 3, 4), 0.25))
    w = np.random.default_rng(4).uniform(-1, 1, (2, 3, 4))
    conns.set(weight=w)
    np.testing.assert_array_equal(conns.get(), w)


def test_an_index_made_before_more_connections_lapses_and_index_after_them_holds(pynn_sim):
    """Why SALPhase.index() and RDDPhase.index() wait until every connection is made: NEST sorts
    a model's connections again at the next Simulate once more are made, so handles found
    earlier then point at other connections."""
    sim = pynn_sim
    from salnest.pynn.nest import SamplingNeuron

    c, a, b = (sim.Population(6, SamplingNeuron()) for _ in range(3))
    connect_blocks(a, b, 3, 3, 2, delay=1.0)
    early = BlockConnections.between(a, b, 3, 3, 2)
    connect_blocks(c, a, 3, 3, 2, delay=1.0)  # more static connections, from sources sorted before a's
    late = BlockConnections.between(a, b, 3, 3, 2)
    sim.run(1.0)
    w = np.arange(18, dtype=float).reshape(2, 3, 3) + 1
    late.set(weight=w)
    np.testing.assert_array_equal(BlockConnections.between(a, b, 3, 3, 2).get(), w)
    assert not np.array_equal(early.get(), w)


def test_block_weights_write_every_copy_of_a_replica_as_the_full_index_reads_them(pynn_sim):
    """BlockWeights (no handle per connection kept) against BlockConnections (a handle each)."""
    sim = pynn_sim
    from salnest.pynn.nest import SamplingNeuron

    pre, post = sim.Population(4 * 4, SamplingNeuron()), sim.Population(4 * 3, SamplingNeuron())
    connect_blocks(pre, post, 4, 3, 4, delay=1.0)
    weights = BlockWeights(pre, post, 4, 3, 4)
    w = np.random.default_rng(5).uniform(-1, 1, (2, 3, 4))  # 2 replicas x 2 copies
    weights.write("weight", w, copies=2)
    np.testing.assert_array_equal(BlockConnections.between(pre, post, 4, 3, 4).get(), np.repeat(w, 2, axis=0))
    np.testing.assert_array_equal(weights.get(), np.repeat(w, 2, axis=0))
    with pytest.raises(ValueError, match=r"expected \(4, 3, 4\)"):
        weights.write("weight", w)
