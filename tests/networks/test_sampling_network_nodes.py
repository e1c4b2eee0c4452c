"""The two forms of the sampling networks (pynn_networks/sampling_network.py): a PyNN population with
SAL synapses, and one sampling_network node per network; the same phases, the same process."""

import numpy as np
import pytest

from salnest.networks.sampling_network import BUILDERS

N, TAU, REPLICAS, STEPS = 5, 10, 24, 20_000


def _phases(model, seed, tau=TAU):
    """Sleep statistics of REPLICAS copies of one network, then their sampled distributions."""
    from salnest.networks.kernel import kernel

    rng = np.random.default_rng(7)
    W = np.triu(rng.uniform(-1, 1, (N, N)), 1)
    W = W + W.T
    b = rng.uniform(-1, 1, N)
    with kernel(seed) as sim:
        nets = BUILDERS[model](sim, np.repeat(W[None], REPLICAS, 0), np.repeat(b[None], REPLICAS, 0), tau,
                               state_recorder=True)
        nets.set_state(np.repeat(W[None], REPLICAS, 0), np.repeat(b[None], REPLICAS, 0))
        ws, sal, counts = nets.sleep(STEPS)
        p = nets.sample(STEPS)
        again = nets.sleep(STEPS // 10)
    return {"ws_sum": ws, "sal_sum": sal, "spike_count": counts, "p": p}, again


@pytest.mark.parametrize("model", sorted(BUILDERS))
def test_phases_return_what_they_promise(pynn_sim, model):
    """Shapes, no self-pairs, distributions that sum to 1, and sums that sample() and set_state() reset."""
    stats, again = _phases(model, seed=11)
    assert stats["ws_sum"].shape == stats["sal_sum"].shape == (REPLICAS, N, N)
    assert stats["spike_count"].shape == (REPLICAS, N) and stats["p"].shape == (REPLICAS, 2 ** N)
    assert np.all(np.diagonal(stats["ws_sum"], axis1=1, axis2=2) == 0)
    np.testing.assert_allclose(stats["p"].sum(axis=1), 1.0)
    # the counts after sample() start from 0: a tenth of the steps gives a tenth of the spikes (the network is
    # stationary by then; the first sleep's start from rest shifts it by about its burn-in, a few tau_ref in
    # 20,000 steps, below 0.1 % of it); per replica, again - fraction * first, in standard errors from the
    # spread between the 24 replicas (0.3-0.4 % of the expected count here), within 4.5 (t, 23 degrees of freedom:
    # a chance failure 2e-4)
    first, second = stats["spike_count"].sum(axis=1), again[2].sum(axis=1)

    def counts_match(fraction):
        d = second - fraction * first
        z = d.mean() / (d.std(ddof=1) / np.sqrt(REPLICAS))
        print(f"fraction {fraction}: z = {z:+.1f}")
        return abs(z) < 4.5

    assert counts_match(0.1)
    assert not counts_match(1.1)  # control: sample() not resetting the counts (its STEPS steps would add 1.0)
    assert not counts_match(0.103)  # control: a count 3 % off


def test_both_forms_sample_the_same_process(pynn_sim):
    """24 replicas each, other draws: per neuron (spike counts), per connection (wake-sleep and SAL
    window sums) and per state (sampled distribution), the means over replicas of the two forms
    differ by less than 4.5 standard errors of their difference (5 + 2 x 20 + 32 comparisons: a chance
    failure of one of them about 5e-4)."""
    neurons, _ = _phases("sampling_neuron", seed=11)
    nodes, _ = _phases("sampling_network", seed=12)
    assert _largest_z(neurons, nodes) < 4.5
    # control: refractory period and PSP one step longer in the node form
    longer, _ = _phases("sampling_network", seed=12, tau=TAU + 1)
    assert _largest_z(neurons, longer) > 4.5


def _largest_z(first, second):
    """The largest |difference of the means over replicas| / its s.e., over every quantity of both forms."""
    off = ~np.eye(N, dtype=bool)
    largest = 0.0
    for key in first:
        a, b = (x[:, off] if key.endswith("_sum") else x for x in (first[key], second[key]))
        se = np.sqrt(a.var(axis=0, ddof=1) / REPLICAS + b.var(axis=0, ddof=1) / REPLICAS)
        largest = max(largest, float((np.abs(a.mean(axis=0) - b.mean(axis=0)) / np.where(se > 0, se, np.inf)).max()))
    return largest


def test_nodes_need_a_kernel_without_connections_for_their_update_interval(pynn_sim):
    import nest

    from salnest.networks.kernel import kernel
    from salnest.networks.sampling_network import build_network_nodes

    W, b = np.zeros((1, 3, 3)), np.zeros((1, 3))
    with kernel(1) as sim:
        a, c = nest.Create("parrot_neuron", 2)
        nest.Connect(a, c)
        with pytest.raises(ValueError, match="min_delay"):
            build_network_nodes(sim, W, b, 5)
        build_network_nodes(sim, W, b, 5, min_delay_steps=1)  # leaves the kernel as it is
        with pytest.raises(ValueError, match="min_delay_steps"):
            build_network_nodes(sim, W, b, 5, min_delay_steps=0)
