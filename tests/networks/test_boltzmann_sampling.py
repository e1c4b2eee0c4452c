"""A network of sampling neurons with symmetric static weights samples its Boltzmann distribution."""

import numpy as np

from salnest.analysis.sampling import state_distribution_from_spikes, states_from_spikes
from salnest.theory.boltzmann import boltzmann_distribution, kl_divergence, product_of_marginals

TAU_REF = 50  # steps, as in the paper's sampling networks
H = 1.0
Z_LIMIT = 4.5  # standard errors per state


def test_states_from_spikes_match_recorded_z(nest_kernel):
    nest = nest_kernel
    neurons = nest.Create("sampling_neuron", 3, params={"b": 0.5, "tau_ref": 5.0})
    mm = nest.Create("multimeter", params={"record_from": ["z"], "interval": H})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, neurons)
    nest.Connect(neurons, sr)
    nest.Simulate(500.0)
    z = states_from_spikes(sr.events["times"], sr.events["senders"], neurons.tolist(), 5, 0.0, 500.0, H)
    ev = mm.events
    for col, nid in enumerate(neurons.tolist()):
        recorded = ev["z"][ev["senders"] == nid]  # the multimeter has not yet sampled the last step
        assert len(recorded) >= 490
        np.testing.assert_array_equal(z[: len(recorded), col], recorded)


def _simulate_copies(nest, W, b, copies, steps, burn_in):
    """Sampled state distributions of ``copies`` independent networks in one kernel, each over ``steps``
    steps after ``burn_in`` steps from the all-free start; (copies, 2^n)."""
    n = len(b)
    sr = nest.Create("spike_recorder")
    ids = []
    for _ in range(copies):
        neurons = nest.Create("sampling_neuron", n, params={
            "b": list(b), "tau_ref": TAU_REF * H, "tau_syn": TAU_REF * H})
        for post in range(n):
            for pre in range(n):
                if pre != post:
                    nest.Connect(neurons[pre], neurons[post], syn_spec={"weight": W[post, pre], "delay": H})
        nest.Connect(neurons, sr)
        ids.append(neurons.tolist())
    nest.Simulate((burn_in + steps) * H)
    ev = sr.events
    return np.array([state_distribution_from_spikes(ev["times"], ev["senders"], c, TAU_REF, burn_in * H,
                                                    (burn_in + steps) * H, H) for c in ids])


def _state_z(p_copies, p_model):
    """Per state, (mean over copies - p_model) / its standard error from the spread between copies."""
    se = p_copies.std(axis=0, ddof=1) / np.sqrt(len(p_copies))
    return (p_copies.mean(axis=0) - p_model) / se


def _samples(p_copies, p_model):
    """True if every state's sampled probability is within Z_LIMIT standard errors of p_model's."""
    return bool(np.abs(_state_z(p_copies, p_model)).max() < Z_LIMIT)


def test_five_neuron_network_samples_boltzmann_distribution(nest_kernel):
    """40 independent copies x 5x10^4 steps (1,000 tau_ref each, after a burn-in of 20 tau_ref), seed fixed.

    Per state, the mean of the copies' sampled probabilities is compared with the Boltzmann one,
    in units of its standard error from the spread between copies (batch means over independent
    copies, so the autocorrelation of the states is in it): relative standard errors of 1-8 % here.
    The limit is 4.5 s.e. for each of the 32 states (Student t with 39 degrees of freedom: a chance
    failure of one of them about 2e-3). The discrete-time network does not sample p* exactly
    (docs/models.md, section 7: D_KL ~ 1e-4 to 6e-4 for networks like this at tau_ref = 50), a shift
    of order one standard error here; runs 5x longer would begin to see it.

    Controls, the same data tested against broken models' exact distributions, must fail: every
    weight 20 % weaker, every bias 0.1 too high, each single coupling W_ij = W_ji removed (the weakest,
    0.13, too), and independent neurons with the sampled marginals. Most of them are within
    D_KL(p* || p_broken) = 0.01, the old test's limit (20 % weaker 0.0069, biases 0.0048, the weakest
    coupling 0.0008).
    """
    nest = nest_kernel
    rng = np.random.default_rng(2024)
    n = 5
    W = np.triu(rng.uniform(-1, 1, (n, n)), 1)
    W = W + W.T
    b = rng.uniform(-1, 1, n)
    p_target = boltzmann_distribution(W, b)
    p_copies = _simulate_copies(nest, W, b, copies=40, steps=50_000, burn_in=1_000)
    z = _state_z(p_copies, p_target)
    print(f"max |z| = {np.abs(z).max():.2f} (limit {Z_LIMIT}); D_KL(p*||p) = "
          f"{kl_divergence(p_target, p_copies.mean(axis=0)):.5f}")
    assert _samples(p_copies, p_target), z
    controls = {"weights 20 % weaker": boltzmann_distribution(0.8 * W, b),
                "biases 0.1 too high": boltzmann_distribution(W, b + 0.1),
                "independent neurons": product_of_marginals(p_copies.mean(axis=0), n)}
    for i in range(n):
        for j in range(i + 1, n):
            missing = W.copy()
            missing[i, j] = missing[j, i] = 0.0
            controls[f"W_{i}{j} = {W[i, j]:+.2f} missing"] = boltzmann_distribution(missing, b)
    for name, p_broken in controls.items():
        print(f"control {name}: max |z| = {np.abs(_state_z(p_copies, p_broken)).max():.1f}, "
              f"D_KL(p*||p_broken) = {kl_divergence(p_target, p_broken):.4f}")
        assert not _samples(p_copies, p_broken), name
