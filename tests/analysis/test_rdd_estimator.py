"""The RDD estimator outside the neurons (salnest.analysis.rdd_estimator) against the estimator of
``rdd_neuron`` itself: neurons that estimate from feedback connections and also keep their window
record; the estimator on that record and the recorded spikes above must give their fits bit for bit."""

import numpy as np
import pytest

from salnest.analysis.rdd_estimator import RDDEstimator, rdd_kernel

N_REP, N_IN, N_OUT = 2, 40, 8


def _both_estimators(stretches: int, delay: int = 1, carry: bool = True):
    """Per stretch of 700 steps, the neurons' fits and the fits of an estimator on their records.

    ``delay``: the estimator's feedback delay (the connections' is 1 step); ``carry=False`` starts
    a new estimator in every stretch with the fits so far but no spikes or windows in flight."""
    import nest

    from salnest.networks.kernel import kernel
    from salnest.networks.weight_inference import RDDLayers, build_rdd_layers, he_uniform, kernel_step
    from salnest.parallel import node_values
    from salnest.stimulus.trains import subset_trains

    rng = np.random.default_rng(3)
    W = np.stack([he_uniform(rng, N_OUT, N_IN) for _ in range(N_REP)])
    W = 0.2 * N_IN * W / W.std(axis=(1, 2), keepdims=True)
    out = []
    with kernel(2, 1) as sim:
        layers = build_rdd_layers(sim, W, estimator="neuron")
        lower = layers.lower.node_collection
        lower.set(record_windows=True)
        recorder = nest.Create("spike_recorder")
        nest.Connect(layers.upper.node_collection, recorder)
        kappa = rdd_kernel(10.0, 3.0, 30.0, sim.get_time_step())

        def estimator():
            return RDDEstimator(N_REP, N_IN, N_OUT, kappa, 30, 1.0, 0.001, delay=delay)

        shadow = RDDLayers(sim, layers.lower, layers.upper, layers.drive, N_OUT, estimator(), recorder)
        for _ in range(stretches):
            if not carry:
                fits = shadow.estimator.fits
                shadow.estimator = estimator()
                shadow.estimator.set_fits(fits)
            start = kernel_step()
            layers.drive.feed(subset_trains(rng, N_REP * N_IN, 700, 100, 0.3, 0.2, poisson=True))
            sim.run(700.0)
            shadow.estimate(start, kernel_step())
            neurons = node_values(lower, "rdd_fits").reshape(N_REP * N_IN, N_OUT, 4)
            out.append((neurons, shadow.estimator.fits.copy()))
    return out


def test_estimator_on_the_record_equals_the_neurons_bit_for_bit(salnest_module):
    """Four stretches, 2 replicas: windows open in one stretch and end in the next, so the spikes,
    feedback inputs and start values carried between stretches are checked too."""
    stretches = _both_estimators(4)
    for neurons, outside in stretches:
        assert np.count_nonzero(neurons) > N_REP * N_IN * N_OUT  # windows ended and were fitted
        np.testing.assert_array_equal(outside, neurons)


@pytest.mark.parametrize("broken", ["delay", "carry"])
def test_control_an_estimator_off_by_a_step_or_forgetting_the_last_stretch_differs(salnest_module, broken):
    """Controls: spikes arriving one step late, or nothing carried over between stretches, must
    change the fits (so the test above can fail)."""
    stretches = _both_estimators(2, delay=2 if broken == "delay" else 1, carry=broken != "carry")
    assert not np.array_equal(*stretches[-1])


def test_windows_are_recorded_when_asked_and_cleared_only_to_empty(nest_kernel):
    import nest

    # a drive spike every step, weighted to hold v at theta (from below): windows follow each other
    neurons = nest.Create("rdd_neuron", 2)
    neurons[0].set(record_windows=True)
    drive = nest.Create("spike_generator", params={"spike_times": np.arange(1.0, 200.0)})
    nest.Connect(drive, neurons, syn_spec={"weight": (7 / 6) / rdd_kernel(10.0, 3.0, 30.0, 1.0).sum(),
                                           "receptor_type": 1})
    nest.Simulate(200.0)
    assert len(neurons[1].windows) == 0  # not recorded by default
    neuron = neurons[0]
    record = np.asarray(neuron.windows).reshape(-1, 3)
    assert record[0, 1] == -1 and (record[1:, 1] == 0).all() and (record[1:, 2] <= 1.0).all()
    assert len(record) > 3 and (np.diff(record[:, 0]) == 30).all()  # opened, then each ends 30 steps on
    with pytest.raises(nest.NESTError, match="windows can only be cleared"):
        neuron.set(windows=[1.0, 2.0, 3.0])
    neuron.set(windows=[])
    assert len(neuron.windows) == 0


def test_estimator_refuses_records_it_cannot_place():
    est = RDDEstimator(1, 2, 3, rdd_kernel(10.0, 3.0, 30.0, 1.0), 30, 1.0, 0.001)
    with pytest.raises(ValueError, match="windows of 2 neurons"):
        est.update(10, [], [], [[]])
    with pytest.raises(ValueError, match="outside the stretch"):
        est.update(10, [], [], [[12.0, -1.0, 0.0], []])
    with pytest.raises(ValueError, match="of shape"):
        est.set_fits(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="delay >= 1"):
        RDDEstimator(1, 2, 3, rdd_kernel(10.0, 3.0, 30.0, 1.0), 30, 1.0, 0.001, delay=0)
