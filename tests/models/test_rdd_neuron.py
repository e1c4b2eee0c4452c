"""rdd_neuron against the step-by-step specification of RDD (salnest.theory.rdd), on the same input."""

import numpy as np
import pytest

from salnest.stimulus.injection import rdd_on_trains
from salnest.theory.rdd import RDDParameters, rdd_layer_run

PAD = 2  # leading steps without input: a spike generator's first spike time is 1 ms


def _rdd_layer(nest, drive, feedback):
    """n rdd_neurons with drive counts (steps, n) and feedback spikes (steps, m), arriving in the steps
    given, at the specification's alpha. Returns the neurons and their spike steps."""
    return rdd_on_trains(nest, drive, feedback, RDDParameters().alpha)


def _input(rng, steps, n, m):
    drive = np.zeros((steps, n), dtype=int)
    for k in range(0, steps, 100):
        active = rng.random(n) < 0.4
        drive[k:k + 100, active] = rng.poisson(0.2, (min(100, steps - k), active.sum()))
    feedback = (rng.random((steps, m)) < 0.05).astype(int)
    drive[:PAD], feedback[:PAD] = 0, 0
    return drive, feedback


def test_equals_the_specification_on_the_same_input(nest_kernel):
    """Drive and feedback spikes of 5 neurons and 3 sources over 8000 steps: identical spike
    trains, fits and jumps equal to rounding (1e-12 of their largest value)."""
    rng = np.random.default_rng(0)
    drive, feedback = _input(rng, 8000, 5, 3)
    neurons, spikes = _rdd_layer(nest_kernel, drive, feedback)
    ref = rdd_layer_run(drive, feedback, np.ones((5, 3)), rescale_every=10**9)
    assert spikes.sum() > 200 and np.count_nonzero(ref.beta) == ref.beta.size
    np.testing.assert_array_equal(spikes, ref.spikes)
    beta = np.array(neurons.get("beta"))
    fits = np.array(neurons.get("rdd_fits")).reshape(5, 3, 4).transpose(0, 2, 1)
    scale = np.abs(ref.fits).max()
    np.testing.assert_allclose(fits, ref.fits, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(beta, ref.beta, rtol=0, atol=1e-12 * scale)


def test_a_feedback_spike_from_an_unknown_source_is_an_error(nest_kernel):
    nest = nest_kernel
    neuron, parrot = nest.Create("rdd_neuron"), nest.Create("parrot_neuron")
    g = nest.Create("spike_generator", params={"spike_times": [5.0]})
    nest.Connect(g, parrot)
    nest.Connect(parrot, neuron, syn_spec={"receptor_type": 2})
    with pytest.raises(Exception, match="feedback_sources"):
        nest.Simulate(20.0)


@pytest.mark.parametrize("bad", [{"t_ref": 2.5}, {"tau_L": 3.0}, {"v_reset": 2.0}, {"eta_rdd": -1.0},
                                 {"window": 0.0}])
def test_bad_parameters_are_refused(nest_kernel, bad):
    with pytest.raises(Exception, match="rdd_neuron"):
        nest_kernel.Create("rdd_neuron", params=bad)


def test_receptor_0_is_refused(nest_kernel):
    nest = nest_kernel
    with pytest.raises(Exception, match="receptor|Receptor"):
        nest.Connect(nest.Create("parrot_neuron"), nest.Create("rdd_neuron"))


def test_setting_the_fits_resumes_an_estimate(nest_kernel):
    """rdd_fits is the estimator's memory (a checkpoint restores it): setting it sets beta, and a
    wrong length is refused."""
    nest = nest_kernel
    sources = nest.Create("parrot_neuron", 2)
    neuron = nest.Create("rdd_neuron", params={"feedback_sources": sources.tolist()})
    fits = [0.1, 0.2, 1.5, -0.5, 0.3, -0.1, 0.7, 0.9]  # c0, c1, c2, c3 per source
    neuron.set(rdd_fits=fits)
    np.testing.assert_array_equal(neuron.rdd_fits, fits)
    theta = neuron.theta
    np.testing.assert_allclose(neuron.beta, [(1.5 * theta + 0.1) - (-0.5 * theta + 0.2),
                                             (0.7 * theta + 0.3) - (0.9 * theta - 0.1)], rtol=1e-15)
    with pytest.raises(Exception, match="4 values"):
        neuron.set(rdd_fits=fits[:6])
