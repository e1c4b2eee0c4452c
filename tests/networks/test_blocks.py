"""Replicas side by side: connection lists and the (replica, post, pre) index of a projection's connections."""

import numpy as np

from pynn_networks.blocks import BlockConnections, connection_rows


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
    from salnest.pynn_types import SALSynapse, SamplingNeuron

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
