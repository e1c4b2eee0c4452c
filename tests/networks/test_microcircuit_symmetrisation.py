"""Symmetrisation phase of the microcircuit (paper Fig. 6): SAL moves feedback B toward W_up^T."""

import numpy as np


def test_sal_aligns_feedback_with_forward_weights(pynn_sim):
    """Input -> hidden -> output with forward weights frozen (symmetrisation patterns:
    forward plasticity off, lambda_api = 1, no interneuron path). Four circuits, B starting
    with the wrong sign or far off; after 2x10^5 steps |B - W_up| has shrunk to below half."""
    sim = pynn_sim
    from salnest.pynn.microcircuit import DendriticPredictionSynapse, FeedbackSALSynapse, PyramidalNeuron

    w_up = np.array([1.5, -1.0, 2.0, 0.5])
    b_start = np.array([-1.5, 1.0, -0.5, 2.5])
    m = len(w_up)
    inputs = sim.Population(m, PyramidalNeuron(b=1.0, tau_ref=10.0, tau_syn=10.0))
    hidden = sim.Population(m, PyramidalNeuron(b=-1.0, tau_ref=10.0, tau_syn=10.0, lambda_api=1.0))
    output = sim.Population(m, PyramidalNeuron(b=-1.0, tau_ref=10.0, tau_syn=10.0))
    one = sim.OneToOneConnector()
    sim.Projection(inputs, hidden, one, DendriticPredictionSynapse(weight=1.0, delay=1.0), receptor_type="basal")
    def pairs(weights):
        return sim.FromListConnector([(i, i, w, 1.0) for i, w in enumerate(weights)], column_names=["weight", "delay"])

    forward = sim.Projection(hidden, output, pairs(w_up), DendriticPredictionSynapse(), receptor_type="basal")
    feedback = sim.Projection(output, hidden, pairs(b_start), FeedbackSALSynapse(eta_sal=0.01, tau_sal=10.0),
                              receptor_type="apical")
    sim.run(200_000.0)
    w = np.diag(forward.get("weight", format="array"))
    b = np.diag(feedback.get("weight", format="array"))
    np.testing.assert_allclose(w, w_up)  # frozen, and read back in model units
    assert np.all(np.abs(b - w_up) < 0.5 * np.abs(b_start - w_up)), (b, w_up)
