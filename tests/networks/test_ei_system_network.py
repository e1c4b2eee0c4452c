"""E-I systems in NEST (salnest.networks.ei_system): wiring and read-back."""

import numpy as np
import pytest

from salnest.theory.ei_system import CONNECTIONS, NEURONS


def test_systems_are_wired_post_pre_and_read_back_per_system(salnest_module):
    import nest

    from salnest.networks.ei_system import build_systems
    from salnest.networks.kernel import kernel

    weights = {c: 0.1 * (k + 1) for k, c in enumerate(CONNECTIONS)}
    weights["e1_e2"] = np.array([0.5, 1.5, 2.5])
    biases = {"e1": 0.0, "e2": 0.1, "i1": -2.0, "i2": -2.1}
    with kernel(3) as sim:
        systems = build_systems(sim, weights, biases, 10, eta_sal=0.0)
        np.testing.assert_allclose(systems.read(), np.column_stack([weights["e1_e2"], np.full(3, weights["e2_e1"])]))
        first = systems.population.first_id
        for c, (post, pre) in CONNECTIONS.items():
            for k in range(3):
                conn = nest.GetConnections(source=nest.NodeCollection([first + 4 * k + pre]),
                                           target=nest.NodeCollection([first + 4 * k + post]))
                assert len(conn) == 1
                expected = weights[c][k] if np.ndim(weights[c]) else weights[c]
                assert conn.get("weight") == pytest.approx(expected)  # model units in NEST, too
                assert conn.get("synapse_model").startswith("sal_synapse") == (c in ("e1_e2", "e2_e1"))
        b = np.array(systems.population.get("b")).reshape(3, len(NEURONS))
        np.testing.assert_allclose(b[1], [biases[n] for n in NEURONS])


def test_all_to_all_pairing_reaches_the_synapses(salnest_module):
    from salnest.networks.ei_system import build_systems
    from salnest.networks.kernel import kernel

    weights = dict.fromkeys(CONNECTIONS, 0.5)
    biases = dict.fromkeys(NEURONS, 0.0)
    with kernel(1) as sim:
        systems = build_systems(sim, weights, biases, 10, pairing="all_to_all")
        assert set(systems.sal.synapses.get("sal_pairing")) == {1}
        with pytest.raises(ValueError, match="unknown pairing"):
            build_systems(sim, weights, biases, 10, pairing="nearest")


def test_missing_weights_are_refused_before_building(salnest_module):
    from salnest.networks.ei_system import build_systems
    from salnest.networks.kernel import kernel

    with kernel(1) as sim, pytest.raises(ValueError, match="missing"):
        build_systems(sim, {"e1_e2": 0.0}, {"e1": 0.0}, 10)
