"""The three weight-inference layers against their step-by-step definitions on the same input:
STDWI's leaky integrators and estimates, RDD's estimator wired into two layers, and SAL's drift
on a two-neuron layer against the exact pair chain; SAL's layers with sums from spikes fire as
those with SAL synapses."""

import numpy as np
import pytest

from salnest.stimulus.trains import subset_trains


def _spike_steps(recorder, first_id: int, n: int, steps: int, h: float) -> np.ndarray:
    """(steps, n) booleans: neuron k fired in step s (NEST stamps it (s + 1) h)."""
    ev = recorder.get("events")
    out = np.zeros((steps, n), dtype=bool)
    out[np.round(ev["times"] / h).astype(int) - 1, ev["senders"] - first_id] = True
    return out


def test_subset_trains_drive_exactly_the_fraction_in_each_period():
    counts = subset_trains(np.random.default_rng(1), 10, 250, 100, 0.3, 0.5)
    for start in (0, 100, 200):
        driven = counts[start:start + 100].any(axis=0)
        assert driven.sum() == 3  # 3 of 10 units, each fires (p = 0.5 over >= 50 steps)
    assert set(np.unique(counts)) == {0, 1}
    poisson = subset_trains(np.random.default_rng(1), 10, 1000, 100, 0.2, 2.0, poisson=True)
    # 2 units x 1000 steps at mean 2: the mean count is 2 within 5 standard errors (sd sqrt(2) / sqrt(2000))
    assert abs(poisson.sum() / 2000 - 2.0) < 5 * np.sqrt(2 / 2000)


@pytest.fixture
def stdwi_layers(salnest_module):
    from salnest.networks.kernel import kernel
    from salnest.networks.weight_inference import build_stdwi_layers, he_uniform

    rng = np.random.default_rng(5)
    W, B0 = he_uniform(rng, 4, 6)[None], he_uniform(rng, 6, 4)[None]
    with kernel(3, 1, time_step=0.25) as sim:
        import nest

        layers = build_stdwi_layers(sim, 75 * W, B0)
        inputs = nest.Create("spike_recorder")
        nest.Connect(layers.inputs.node_collection, inputs)
        yield layers, inputs, W, B0


def test_stdwi_layers_are_the_authors_integrators_and_rule(stdwi_layers):
    """Spikes step for step as the authors' leaky integrators (their two-step lag from a spike to its
    first effect included), and estimates equal to STDWI on those spikes, with the postsynaptic
    spikes after each synapse's last presynaptic one applied (stdwi_pending), to 1e-12."""
    from salnest.theory.stdwi import leaky_integrator_run, stdwi_run

    layers, inputs, W, B0 = stdwi_layers
    h, steps = 0.25, 8000
    stimulus = subset_trains(np.random.default_rng(2), 6, steps, 400, 0.5, 0.05)
    B = np.empty((0,))
    for part in range(2):  # two seconds: the estimates are read between them without disturbing the layers
        B = layers.second(stimulus[part * 4000:(part + 1) * 4000])
    # PyNN's first run is one step longer: the second part starts a step later in the kernel
    stimulus = np.insert(stimulus, 4000, 0, axis=0)
    steps += 1
    pre = _spike_steps(inputs, layers.inputs.first_id, 6, steps, h)
    post = _spike_steps(layers.recorder, layers.outputs.first_id, 4, steps, h)
    np.testing.assert_array_equal(pre, leaky_integrator_run(stimulus, 10 * np.eye(6), h))
    np.testing.assert_array_equal(post, leaky_integrator_run(pre, 75 * W[0], h))
    assert pre.sum() > 100 and post.sum() > 20  # the layers were active
    expected = stdwi_run(pre, post, h, B0[0].T).T
    np.testing.assert_allclose(B[0], expected, rtol=0, atol=1e-12)
    assert np.abs(B[0] - B0[0]).min() > 1e-6  # every estimate moved


def test_stdwi_pending_spikes_change_the_raw_estimate(stdwi_layers):
    """Why the estimates are completed: the synapses' own w_inferred lags behind."""
    layers, _, _, B0 = stdwi_layers
    completed = layers.second(subset_trains(np.random.default_rng(4), 6, 4000, 400, 0.5, 0.05))
    raw = layers.forward.get("w_inferred")[0].T
    assert not np.allclose(raw, completed, atol=1e-9)


@pytest.mark.parametrize("estimator", ["layer", "neuron"])
def test_rdd_layers_estimate_as_the_specification_on_the_recorded_feedback(salnest_module, estimator):
    """The lower layer's estimator on its drive and the upper layer's spikes, as it sees them one step
    after they fire, equals salnest.theory.rdd (itself equal to the authors' code), to 1e-12, run
    outside the neurons (layer) or in them (neuron); the fits resume in a new kernel."""
    import nest

    from salnest.networks.kernel import kernel
    from salnest.networks.weight_inference import build_rdd_layers, he_uniform
    from salnest.theory.rdd import rdd_layer_run

    rng = np.random.default_rng(8)
    n_in, n_out, steps = 8, 5, 3000
    W = he_uniform(rng, n_out, n_in)
    W = 10.0 * W / W.std()  # the paper's scale, 0.2 n_in / std(W) for its 50 inputs
    drive = subset_trains(np.random.default_rng(9), n_in, steps, 100, 0.5, 0.2, poisson=True)
    with kernel(4, 1) as sim:
        layers = build_rdd_layers(sim, W[None], estimator=estimator)
        recorders = [nest.Create("spike_recorder") for _ in range(2)]
        nest.Connect(layers.lower.node_collection, recorders[0])
        nest.Connect(layers.upper.node_collection, recorders[1])
        beta, fits = layers.second(drive)
        lower = _spike_steps(recorders[0], layers.lower.first_id, n_in, steps + 1, 1.0)
        upper = _spike_steps(recorders[1], layers.upper.first_id, n_out, steps + 1, 1.0)
    # the drive of step k arrives in step k + 1; upper spikes of step s arrive in step s + 1
    arriving = np.vstack([np.zeros((1, n_in)), drive])
    feedback = np.vstack([np.zeros((1, n_out)), upper[:-1]])
    spec = rdd_layer_run(arriving, feedback, np.zeros((n_in, n_out)), rescale_every=10 ** 9)
    np.testing.assert_array_equal(lower, spec.spikes)
    assert upper.sum() > 50 and (beta != 0).sum() > n_in  # windows closed and were fitted
    np.testing.assert_allclose(beta, spec.beta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fits, spec.fits.transpose(0, 2, 1), rtol=0, atol=1e-12)
    with kernel(4, 1) as sim:  # a new segment starts from the fits
        resumed = build_rdd_layers(sim, W[None], fits=fits, estimator=estimator)
        np.testing.assert_array_equal(resumed.estimates()[0], beta)


@pytest.mark.parametrize("pairing", ["all_to_all", "restricted"])
def test_two_neuron_sal_layer_drifts_as_the_exact_pair_chain(salnest_module, pairing):
    """1 -> 1 layer with B fixed (eta_sal = 0): the mean SAL window sum per step of 2000 copies
    against the exact drift of the pair chain, for both pairings."""
    from salnest.networks.kernel import kernel
    from salnest.networks.weight_inference import build_sal_layers
    from salnest.theory.pair_chain import all_to_all_drift, pair_statistics
    from salnest.theory.windows import sal_window

    W, B, b_in, b_out, tau, copies, steps = 1.2, -0.6, -0.3, 0.4, 10, 2000, 5000
    with kernel(11, 1) as sim:
        layers = build_sal_layers(sim, np.full((1, 1, 1), W), np.full((1, 1, 1), B), np.full((1, 1), b_in),
                                  np.full((1, 1), b_out), copies, tau, pairing=pairing)
        per_copy = layers.window_sums(steps).ravel() / steps  # all_to_all from spikes, restricted from synapses
    # neuron 1 = lower (post of B), neuron 2 = upper: B is w12, W is w21; dt = t1 - t2 = t_post - t_pre
    window = lambda dt: sal_window(dt, tau)  # noqa: E731
    if pairing == "all_to_all":
        exact = all_to_all_drift(B, W, b_in, b_out, tau, window, tau)[0]
    else:
        exact = pair_statistics(B, W, b_in, b_out, tau).drift(window)[0]
    se = per_copy.std() / np.sqrt(copies)
    # copies are independent; 4 standard errors (the start transient of tau steps in 5000 is below 1 se)
    assert abs(per_copy.mean() - exact) < 4 * se, (per_copy.mean(), exact, se)
    assert abs(exact) > 10 * se  # the drift is resolved, not a comparison of two zeros


def test_sal_layers_with_sums_from_spikes_fire_as_with_sal_synapses(salnest_module):
    """The layers built for sums from spikes (static W and B given to NEST's Connect) fire the same
    spikes as those with SAL synapses on B (PyNN's connection lists), step for step; restricted
    pairs need the synapses."""
    import nest

    from salnest.networks.kernel import kernel
    from salnest.networks.weight_inference import build_sal_layers, he_uniform

    rng = np.random.default_rng(12)
    W, B = np.stack([he_uniform(rng, 5, 6) for _ in range(2)]), np.stack([he_uniform(rng, 6, 5) for _ in range(2)])
    b_in, b_out = rng.uniform(-0.4, 0.4, (2, 6)), rng.uniform(-0.4, 0.4, (2, 5))
    trains = []
    for from_spikes in (False, True):
        with kernel(6, 1) as sim:
            layers = build_sal_layers(sim, 3 * W, 3 * B, b_in, b_out, 3, 5, from_spikes=from_spikes)
            recorder = nest.Create("spike_recorder")
            nest.Connect(layers.lower.node_collection + layers.upper.node_collection, recorder)
            layers.window_sums(2000)
            ev = recorder.events
            cell = np.where(ev["senders"] >= layers.upper.first_id, ev["senders"] - layers.upper.first_id + 1000,
                            ev["senders"] - layers.lower.first_id)
            trains.append(sorted(zip(np.asarray(ev["times"]).tolist(), cell.tolist())))
            assert (layers.sums is not None) == from_spikes
    assert len(trains[0]) > 1000
    assert trains[0] == trains[1]
    with kernel(6, 1) as sim, pytest.raises(ValueError, match="all-to-all"):
        build_sal_layers(sim, W, B, b_in, b_out, 3, 5, pairing="restricted", from_spikes=True)
