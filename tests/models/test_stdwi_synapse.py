"""stdwi_synapse against its definition (salnest.theory.stdwi.stdwi_run) on controlled spike trains."""

import numpy as np
import pytest

from salnest.stimulus.injection import stdwi_on_trains
from salnest.theory.stdwi import stdwi_run

DT = 0.25  # ms, the resolution of the authors' STDWI code


def _run(nest, pre, post, w0, params, delay_steps=1):
    return stdwi_on_trains(nest, pre, post, w0, params, DT, delay_steps)


@pytest.mark.parametrize("delay_steps", [1, 4])
def test_estimates_equal_the_step_by_step_definition(nest_kernel, delay_steps):
    """Random trains (5 % and 3 % per step, coincidences included) over 4000 steps of 0.25 ms;
    the synapse decays traces as exp(-dt / tau) over whole intervals, the definition step by step:
    equal to rounding (1e-12)."""
    rng = np.random.default_rng(0)
    steps, n_pre, n_post = 4000, 5, 3
    pre = (rng.random((steps, n_pre)) < 0.05).astype(int)
    post = (rng.random((steps, n_post)) < 0.03).astype(int)
    pre[100, 0] = post[100, 0] = 1  # a coincidence, for sure
    w0 = rng.normal(0, 0.1, (n_post, n_pre))
    params = {"eta_stdwi": 0.02, "decay": 0.1, "tau_fast": 10.0, "tau_slow": 200.0}
    w, _ = _run(nest_kernel, pre, post, w0, params, delay_steps)
    expected = stdwi_run(pre, post, DT, w0, eta=0.02, decay=0.1, tau_fast=10.0, tau_slow=200.0)
    assert np.ptp(expected - w0) > 0.1  # the rule moved the estimates
    np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-12)


def test_a_coincident_presynaptic_spike_counts_fully(nest_kernel):
    """One pre and one post spike in the same step: w = eta (1 - tau_fast / tau_slow)."""
    pre, post = np.zeros((50, 1), int), np.zeros((50, 1), int)
    pre[20, 0] = post[20, 0] = 1
    w, conns = _run(nest_kernel, pre, post, np.zeros((1, 1)), {"eta_stdwi": 0.5, "tau_fast": 10.0, "tau_slow": 200.0})
    assert w[0, 0] == pytest.approx(0.5 * (1 - 10.0 / 200.0), rel=1e-14)
    assert conns.get("weight") == 1.0  # the transmitted weight is not touched


def test_a_postsynaptic_spike_before_any_input_decays_only(nest_kernel):
    pre, post = np.zeros((50, 1), int), np.zeros((50, 1), int)
    post[5, 0] = 1
    w, _ = _run(nest_kernel, pre, post, np.full((1, 1), 2.0), {"eta_stdwi": 0.1, "decay": 0.5})
    assert w[0, 0] == pytest.approx(2.0 - 0.1 * 0.5 * 2.0, rel=1e-14)


@pytest.mark.parametrize("bad", [{"tau_fast": 0.0}, {"tau_slow": 5.0}, {"eta_stdwi": -1.0}, {"decay": -0.1},
                                 {"w_inferred": float("nan")}])
def test_bad_parameters_are_refused_before_simulation(nest_kernel, bad):
    nest = nest_kernel
    a, b = nest.Create("parrot_neuron", 2)
    with pytest.raises(Exception, match="stdwi_synapse"):
        nest.Connect(a, b, syn_spec={"synapse_model": "stdwi_synapse", **bad})


def test_a_target_without_spike_history_is_refused(nest_kernel):
    nest = nest_kernel
    a = nest.Create("parrot_neuron")
    rec = nest.Create("spike_recorder")
    with pytest.raises(Exception, match="stdwi_synapse|archive|not"):
        nest.Connect(a, rec, syn_spec={"synapse_model": "stdwi_synapse"})
