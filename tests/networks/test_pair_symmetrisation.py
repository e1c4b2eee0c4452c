"""Two reciprocally coupled sampling neurons: SAL removes the asymmetry of W12 and W21."""

import pytest

from salnest.models import SAL_WINDOWS

TAU = 10.0  # tau_ref = tau_syn = tau_sal, in steps of 1 ms
STARTS = {"excitatory": (1.5, 0.5), "inhibitory": (-1.5, -0.5), "mixed": (1.0, -1.0), "mixed-wide": (-2.0, 1.0)}
# Decreasing learning rates: fast convergence first, then small steps so that the
# stationary fluctuation of W12 - W21 (which scales with sqrt(eta)) is below 5 %.
ANNEALING = [(0.01, 100_000), (0.002, 200_000), (0.0005, 400_000), (0.0002, 800_000)]


def _pairs(nest, starts, plastic_both=True, shape="exponential"):
    """One independent neuron pair per start; returns [(conn_12, conn_21)] with W12 = weight 2 -> 1."""
    conns = []
    for w12, w21 in starts:
        n = nest.Create("sampling_neuron", 2, params={"b": 0.0, "tau_ref": TAU, "tau_syn": TAU})
        spec = {"synapse_model": "sal_synapse", "delay": 1.0, "tau_sal": TAU, "sal_window": SAL_WINDOWS[shape]}
        nest.Connect(n[1], n[0], syn_spec=dict(spec, weight=w12))
        nest.Connect(n[0], n[1], syn_spec=dict(spec, weight=w21, eta_sal=0.01 if plastic_both else 0.0))
        conns.append((nest.GetConnections(n[1], n[0]), nest.GetConnections(n[0], n[1])))
    return conns


def _anneal(nest, plastic):
    for eta, steps in ANNEALING:
        plastic.set(eta_sal=eta)
        nest.Simulate(float(steps))


@pytest.mark.parametrize("shape", ["exponential", "triangular"])
def test_both_plastic_converge_to_common_mean(nest_kernel, shape):
    nest = nest_kernel
    conns = _pairs(nest, STARTS.values(), shape=shape)
    _anneal(nest, nest.GetConnections(synapse_model="sal_synapse"))
    for (name, (w12_0, w21_0)), (c12, c21) in zip(STARTS.items(), conns):
        w12, w21 = c12.get("weight"), c21.get("weight")
        assert abs(w12 - w21) < 0.05 * abs(w12_0 - w21_0), (name, w12, w21)
        # the sum is conserved up to one pending pair per learning-rate switch (at most eta * max|K|)
        assert abs((w12 + w21) - (w12_0 + w21_0)) <= sum(eta for eta, _ in ANNEALING) + 1e-12, name


@pytest.mark.parametrize("shape", ["exponential", "triangular"])
def test_sum_conserved_up_to_one_pending_pair(nest_kernel, shape):
    """Every pair changes W12 and W21 by exactly opposite amounts; at any time at most one pair
    (the causal pair of the synapse whose presynaptic neuron has not fired since) is pending."""
    nest = nest_kernel
    eta = 0.01
    conns = _pairs(nest, STARTS.values(), shape=shape)
    nest.GetConnections(synapse_model="sal_synapse").set(eta_sal=eta)
    max_k = 1.0  # |K| <= max(|a_causal|, |a_anticausal|) = 1
    worst = 0.0
    for _ in range(100):
        nest.Simulate(1000.0)
        for (w12_0, w21_0), (c12, c21) in zip(STARTS.values(), conns):
            worst = max(worst, abs(c12.get("weight") + c21.get("weight") - w12_0 - w21_0))
    assert worst <= eta * max_k + 1e-12
    assert worst > 0  # pending pairs do occur: the check is not vacuous


def test_one_plastic_converges_to_the_fixed_weight(nest_kernel):
    nest = nest_kernel
    conns = _pairs(nest, STARTS.values(), plastic_both=False)
    for eta, steps in ANNEALING:
        for c12, _ in conns:
            c12.set(eta_sal=eta)
        nest.Simulate(float(steps))
    for (name, (w12_0, w21_0)), (c12, c21) in zip(STARTS.items(), conns):
        assert c21.get("weight") == w21_0  # the fixed direction did not move
        assert abs(c12.get("weight") - w21_0) < 0.05 * abs(w12_0 - w21_0), (name, c12.get("weight"))
