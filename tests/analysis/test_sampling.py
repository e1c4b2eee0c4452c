"""Network states from spike trains: the dense and the event-based computation agree exactly."""

import numpy as np
import pytest

from salnest.analysis.sampling import state_distribution_from_spikes, states_from_spikes
from salnest.theory.boltzmann import empirical_distribution


def _trains(rng, n, tau, t_stop, t_first=-30.0):
    times, senders = [], []
    for i in range(n):
        t = t_first + np.cumsum(tau + rng.geometric(0.08, 400)).astype(float)
        t = t[t <= t_stop]
        times.append(t)
        senders.append(np.full(len(t), 10 + i))
    return np.concatenate(times), np.concatenate(senders)


@pytest.mark.parametrize("t_start", [0.0, 137.0])
def test_event_based_distribution_equals_dense(t_start):
    rng = np.random.default_rng(4)
    times, senders = _trains(rng, 4, 7, 3000.0)
    ids = [10, 11, 12, 13]
    dense = empirical_distribution(states_from_spikes(times, senders, ids, 7, t_start, 3000.0, 1.0))
    events = state_distribution_from_spikes(times, senders, ids, 7, t_start, 3000.0, 1.0)
    np.testing.assert_allclose(events, dense, atol=1e-15)
    assert events.sum() == pytest.approx(1.0)


def test_no_spikes_means_all_silent():
    p = state_distribution_from_spikes([], [], [1, 2], 5, 0.0, 100.0, 1.0)
    np.testing.assert_array_equal(p, [1.0, 0.0, 0.0, 0.0])
