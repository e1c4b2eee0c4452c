"""The SAL-phase network of the deep-network study: wiring, and SAL's sums against the exact pair chain."""

import numpy as np

from salnest.networks.kernel import kernel
from salnest.networks.sal_phase import build_sal_phase


def test_weights_and_biases_are_set_in_every_copy(salnest_module):
    from salnest.parallel import node_values

    rng = np.random.default_rng(2)
    sizes, copies, replicas = [4, 3, 2], 3, 2
    W = [rng.uniform(-1, 1, (replicas, sizes[l + 1], sizes[l])) for l in range(2)]
    B = [rng.uniform(-1, 1, (replicas, sizes[l], sizes[l + 1])) for l in range(2)]
    b = [rng.uniform(-1, 1, (replicas, n)) for n in sizes]
    with kernel(1, 1) as sim:
        phase = build_sal_phase(sim, sizes, copies, 5, replicas=replicas)
        phase.set_state(W, B, b)
        for conns, w in zip(phase.forward + phase.feedback, W + B):
            np.testing.assert_array_equal(conns.get(), np.repeat(w, copies, axis=0))
        for population, bias in zip(phase.layers, b):
            np.testing.assert_array_equal(node_values(population.node_collection, "b"),
                                          np.repeat(bias, copies, axis=0).ravel())
        phase.set_feedback([B[0][0], B[1][0]])  # one matrix for every replica
        np.testing.assert_array_equal(phase.feedback[1].get(), np.repeat(B[1][:1], copies * replicas, axis=0))


def test_sums_of_a_two_neuron_phase_drift_as_the_exact_pair_chain(salnest_module):
    """[1, 1] with 2000 copies, W and B fixed, in chunks of 1000 steps: the copies' mean all-to-all
    window sum per step of B
    (lower neuron post, upper pre) against the exact drift, within 4 standard errors of the
    independent copies (the network starts from rest, not from the chain's stationary state: the
    first tau_ref of 5000 steps, about 0.2 %, below 0.1 s.e.)."""
    from salnest.theory.pair_chain import all_to_all_drift
    from salnest.theory.windows import sal_window

    W, B, b_low, b_up, tau, copies, steps = 1.2, -0.6, -0.3, 0.4, 10, 2000, 5000
    with kernel(11, 1) as sim:
        phase = build_sal_phase(sim, [1, 1], copies, tau)
        phase.set_state([np.full((1, 1), W)], [np.full((1, 1), B)], [np.full(1, b_low), np.full(1, b_up)])
        per_copy = phase.run(steps, per_copy=True)[0].ravel() / steps
    exact = all_to_all_drift(B, W, b_low, b_up, tau, lambda dt: sal_window(dt, tau), tau)[0]
    se = per_copy.std() / np.sqrt(copies)
    assert abs(per_copy.mean() - exact) < 4 * se, (per_copy.mean(), exact, se)
    assert abs(exact) > 10 * se
