"""The SAL synapse co-generated with a user's NESTML neuron: NESTML's standard iaf_psc_delta_neuron."""


import numpy as np
import pytest
from checkout import REPO

from salnest.models.build import BuildError
from salnest.models.cogen import neuron_model_name, sal_module_spec

LIF = REPO / "examples" / "own_neuron" / "iaf_psc_delta_neuron.nestml"
STARTS = [(3.0, 0.5), (-2.0, 1.0), (2.0, -1.0), (0.5, 3.0)]  # (W12, W21) in mV
# Annealed learning rate: the restoring drift is weak against the noise of random spike pairs,
# and the stationary fluctuation of W12 - W21 shrinks with sqrt(eta).
ANNEALING = [(0.05, 40_000.0), (0.01, 100_000.0), (0.003, 200_000.0)]  # (eta, ms)


def test_model_name_and_spec(tmp_path):
    assert neuron_model_name(LIF) == "iaf_psc_delta_neuron"
    spec, names = sal_module_spec(LIF)
    assert names.neuron == "iaf_psc_delta_neuron"
    assert names.synapse == "sal_synapse__with_iaf_psc_delta_neuron"
    assert spec.pairs == (("iaf_psc_delta_neuron", ("sal_synapse",)),)
    bad = tmp_path / "two.nestml"
    bad.write_text("model a:\n  pass\nmodel b:\n  pass\n")
    with pytest.raises(BuildError, match="exactly one"):
        sal_module_spec(bad)
    with pytest.raises(BuildError, match="not found"):
        sal_module_spec(tmp_path / "missing.nestml")


def test_reciprocal_lif_pair_symmetrises(salnest_module):
    """Two Poisson-driven LIF neurons (about 28 Hz) with reciprocal SAL synapses: |W12 - W21|
    ends below 10 % of its start, for four starts of either sign, while W12 + W21 stays put."""
    import nest

    from salnest.models.cogen import install_sal_for

    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.resolution = 0.1
    nest.rng_seed = 1
    names = install_sal_for(LIF)
    conns = []
    for w12, w21 in STARTS:
        pair = nest.Create(names.neuron, 2)
        noise = nest.Create("poisson_generator", 2, params={"rate": 1300.0})
        nest.Connect(noise, pair, "one_to_one", syn_spec={"weight": 1.0, "delay": 0.1})
        # delay = resolution: pairing on exact firing times; a narrow window keeps the causal
        # peak of a delta PSP and drops most chance pairs
        spec = {"synapse_model": names.synapse, "delay": 0.1, "tau_sal": 2.0}
        nest.Connect(pair[1], pair[0], syn_spec=dict(spec, weight=w12))
        nest.Connect(pair[0], pair[1], syn_spec=dict(spec, weight=w21))
        conns.append((nest.GetConnections(pair[1], pair[0]), nest.GetConnections(pair[0], pair[1])))
    plastic = nest.GetConnections(synapse_model=names.synapse)
    for eta, duration in ANNEALING:
        plastic.set(eta_sal=eta)
        nest.Simulate(duration)
    for (w12_0, w21_0), (c12, c21) in zip(STARTS, conns):
        w12, w21 = c12.get("weight"), c21.get("weight")
        assert abs(w12 - w21) < 0.1 * abs(w12_0 - w21_0), (w12_0, w21_0, w12, w21)
        assert w12 + w21 == pytest.approx(w12_0 + w21_0, abs=sum(eta for eta, _ in ANNEALING))
    assert np.all(np.array(plastic.get("n_pairs")) > 1000)
