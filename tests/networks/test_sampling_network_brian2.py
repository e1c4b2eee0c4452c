"""pynn_networks/sampling_network.py on Brian2: the population form built, read and set through
PyNN's API samples the exact network chain, and the script takes --simulator brian2."""

import subprocess
import sys

import numpy as np
import pytest
from checkout import REPO

from salnest.theory.network_chain import network_state_distribution

pytestmark = pytest.mark.brian2


def test_sampled_states_match_the_exact_chain_after_new_weights():
    """10 replicas of a 3-neuron network, set to new weights and biases through set_state(), then
    sampled 10^5 steps: every state within 4 s.e. (over replicas) of the exact chain; weights 20 %
    weaker are outside (the control). The spike counts of read_sums() equal the recorded spikes."""
    from salnest.networks.kernel import kernel
    from salnest.networks.sampling_network import build_networks

    rng = np.random.default_rng(3)
    W = rng.normal(0.0, 1.0, (3, 3))
    W = (W + W.T) / 2
    np.fill_diagonal(W, 0.0)
    b = rng.normal(-0.3, 0.5, 3)
    with kernel(4, simulator="brian2") as sim:
        nets = build_networks(sim, np.zeros((10, 3, 3)), np.zeros((10, 3)), 10, state_recorder=True)
        nets.set_state(np.repeat(W[None], 10, axis=0), np.repeat(b[None], 10, axis=0))
        ws_sum, sal_sum, counts = nets.sleep(2000)
        assert counts.sum() > 0 and np.all(np.isfinite(ws_sum)) and np.any(sal_sum != 0)
        spikes = nets.population.get_spike_counts()
        assert counts.sum() == sum(spikes.values())
        p = nets.sample(100_000)
    mean, se = p.mean(axis=0), p.std(axis=0, ddof=1) / np.sqrt(len(p))
    exact = network_state_distribution(W, b, 10)
    assert np.all(np.abs(mean - exact) < 4 * se), (mean - exact) / se
    assert np.any(np.abs(mean - network_state_distribution(0.8 * W, b, 10)) > 4 * se)


def test_script_runs_on_brian2(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "pynn_networks" / "sampling_network.py"), "--neurons", "3",
                           "--tau-ref", "10", "--steps", "100000", "--simulator", "brian2"], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    dkl = float(proc.stdout.strip().splitlines()[-1].rsplit("=", 1)[1])
    # the discrete-time network is not exactly Boltzmann at tau_ref = 10 (NEST: 0.00056 here)
    assert "on brian2" in proc.stdout and dkl < 0.01
    refused = subprocess.run([sys.executable, str(REPO / "pynn_networks" / "sampling_network.py"), "--simulator",
                              "brian2", "--model", "sampling_network"], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "NEST's" in refused.stderr
