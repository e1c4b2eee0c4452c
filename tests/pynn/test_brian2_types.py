"""salnest's PyNN types on Brian2 (salnest.pynn.brian2): the SAL rule on given spike trains against
the NumPy reference, parameters, read-back, recording, and the README's examples with pyNN.brian2."""

import numpy as np
import pytest
from brian2_helpers import FORCE, FORCED, run_script
from checkout import REPO

from salnest.models import SAL_WINDOWS
from salnest.theory.windows import all_to_all_sal_sum, sal_synapse_run

# short runs: NumPy code, no compilation (tests/conftest.py)
pytestmark = [pytest.mark.brian2, pytest.mark.brian2_numpy]

# The Brian2 synapse and the NumPy reference evaluate the same expressions on the same firing
# times (Brian2 in double precision through Cython); sums of some hundred pairs agree to about
# 1e-14, so 1e-9 (the bound) leaves room for the order of additions only.
TOL = 1e-9

CASES = {
    "exponential": dict(sal_window=SAL_WINDOWS["exponential"], eta_sal=0.05, tau_sal=8.0),
    "triangular": dict(sal_window=SAL_WINDOWS["triangular"], eta_sal=0.05, tau_sal=8.0),
    "accumulate": dict(eta_sal=0.0, eta_ws=0.0, tau_sal=6.0, tau_ws=6.0, sal_gain=0.7, ws_gain=1.3, ws_phase=-1.0),
    "wake_sleep": dict(eta_sal=0.02, eta_ws=0.03, tau_ws=12.0, a_causal=-0.5, a_anticausal=2.0),
    "bounds": dict(eta_sal=0.4, tau_sal=20.0, Wmin=-0.3, Wmax=0.35),
}


@pytest.fixture
def brian2_sim():
    import pyNN.brian2 as sim

    import salnest.pynn.brian2  # noqa: F401

    sim.setup(timestep=1.0, min_delay=1.0, rng_seed=11)
    yield sim
    sim.end()


def _trains(rng, n_trains, horizon=200):
    """Random trains on the 1-ms grid (simultaneous spikes and runs of one side included), each ending
    in a late presynaptic spike, so that every pair is formed before the end."""
    trains = []
    for _ in range(n_trains):
        pre = np.sort(rng.choice(np.arange(2, horizon), size=rng.integers(3, 12), replace=False)).astype(float)
        post = np.sort(rng.choice(np.arange(2, horizon), size=rng.integers(3, 12), replace=False)).astype(float)
        trains.append((list(pre) + [horizon + 50.0], list(post)))
    return trains


def _sal_on_given_trains(sim, trains, synapse, weight=0.1):
    """Per (pre, post) trains: a SpikeSourceArray as the presynaptic neuron, a forced SamplingNeuron
    firing one step after each driver spike as the postsynaptic one, and ``synapse`` between them.
    Returns the synapses' final state and the postsynaptic firing times as recorded."""
    from salnest.pynn.brian2 import SamplingNeuron

    n = len(trains)
    pre = sim.Population(n, sim.SpikeSourceArray(spike_times=[sim.Sequence(p) for p, _ in trains]))
    # the driver spikes one step before each wanted postsynaptic spike
    driver = sim.Population(n, sim.SpikeSourceArray(spike_times=[sim.Sequence(np.asarray(q) - 1.0)
                                                                 for _, q in trains]))
    post = sim.Population(n, SamplingNeuron(**FORCED))
    sim.Projection(driver, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=FORCE, delay=1.0))
    prj = sim.Projection(pre, post, sim.OneToOneConnector(), synapse)
    prj.set(weight=weight)
    post.record("spikes")
    sim.run(max(max(p + q) for p, q in trains) + 5.0)
    state = {name: np.diag(prj.get(name, format="array")) for name in ("weight", "sal_sum", "ws_sum", "n_pairs")}
    fired = [np.asarray(st.magnitude) for st in post.get_data().segments[0].spiketrains]
    return state, fired


# every case on NumPy code (tests/conftest.py), the one with most of the synapse's code also on Cython,
# Brian2's default
@pytest.mark.parametrize("case", [*sorted(CASES), pytest.param("wake_sleep", marks=pytest.mark.brian2_cython,
                                                                id="wake_sleep-cython")])
def test_sal_synapse_matches_reference_on_given_trains(brian2_sim, case):
    """Restricted pairing, both windows, bounds and the sums, event by event, against
    salnest.theory.windows.sal_synapse_run with NEST's one-step delay, where its pairing is exact."""
    from salnest.pynn.brian2 import SALSynapse

    sim = brian2_sim
    trains = _trains(np.random.default_rng(4), 12)
    params = dict(CASES[case])
    state, fired = _sal_on_given_trains(sim, trains, SALSynapse(delay=1.0, **params))
    shape = "triangular" if params.pop("sal_window", 0) == 1 else "exponential"
    resolved = 0
    for k, (pre, post) in enumerate(trains):
        # the forced neuron fired exactly when asked (a stray spike would change the reference)
        assert np.array_equal(fired[k], post)
        ref = sal_synapse_run(pre, post, delay=1.0, weight=0.1, shape=shape, **params)
        for name in ("weight", "sal_sum", "ws_sum", "n_pairs"):
            assert abs(state[name][k] - ref[name]) < TOL, (case, k, name, state[name][k], ref[name])
        # control: a synapse that saw the postsynaptic spikes one step late
        late = sal_synapse_run(pre, np.asarray(post) + 1.0, delay=1.0, weight=0.1, shape=shape, **params)
        resolved += any(abs(late[name] - ref[name]) > 1e3 * TOL for name in ("sal_sum", "ws_sum"))
    # ... differs on every train, so the comparison resolves a one-step error
    assert resolved == len(trains)


def test_all_to_all_pairing_matches_reference(brian2_sim):
    """sal_pairing = 1: the sum over all pairs of pre- and postsynaptic spikes (exponential window)."""
    from salnest.pynn.brian2 import SALSynapse

    sim = brian2_sim
    trains = _trains(np.random.default_rng(8), 10)
    state, _ = _sal_on_given_trains(sim, trains, SALSynapse(delay=1.0, eta_sal=0.0, tau_sal=7.0, sal_pairing=1))
    for k, (pre, post) in enumerate(trains):
        expected = all_to_all_sal_sum(pre, post, 7.0)
        assert abs(state["sal_sum"][k] - expected) < TOL
        # control: restricted pairing of the same trains gives another sum
        restricted = sal_synapse_run(pre, post, delay=1.0, eta_sal=0.0, tau_sal=7.0)["sal_sum"]
        assert abs(restricted - expected) > 1e3 * TOL


def test_weights_delays_and_sums_read_back_as_set(brian2_sim):
    """Model units onto SamplingNeuron, NEST's delays (also through views), sums reset by set()."""
    from salnest.pynn.brian2 import SALSynapse, SamplingNeuron

    sim = brian2_sim
    pop = sim.Population(3, SamplingNeuron(b=0.0, tau_ref=2.0, tau_syn=2.0))
    prj = sim.Projection(pop[0:2], pop[1:3], sim.FromListConnector([(0, 1, 0.7, 2.0), (1, 0, -0.4, 1.0)],
                                                                   column_names=["weight", "delay"]),
                         SALSynapse(eta_sal=0.0))
    w = prj.get("weight", format="array")
    assert w[0, 1] == pytest.approx(0.7, abs=1e-12) and w[1, 0] == pytest.approx(-0.4, abs=1e-12)
    assert np.isnan(w[0, 0]) and np.isnan(w[1, 1])
    d = sorted(prj.get("delay", format="list"))
    assert [round(x[2], 9) for x in d] == [2.0, 1.0]
    prj.set(delay=3.0)
    assert np.allclose([x[2] for x in prj.get("delay", format="list")], 3.0)
    sim.run(2000.0)
    n_pairs, sal_sum = prj.get(["n_pairs", "sal_sum"], format="array")
    assert np.nansum(n_pairs) > 0 and np.all(np.isnan(sal_sum) == np.isnan(w))


def test_recorded_z_is_the_refractory_state(brian2_sim):
    """z = 1 for exactly tau_ref steps from each spike: for a spike at time s, at the recording
    times s + 1 ... s + tau_ref (NEST: s ... s + tau_ref - 1, see salnest.pynn.brian2)."""
    from salnest.pynn.brian2 import SamplingNeuron

    sim = brian2_sim
    pop = sim.Population(2, SamplingNeuron(b=1.0, tau_ref=4.0, tau_syn=4.0))
    pop.record(["spikes", "z", "u"])
    sim.run(3000.0)
    block = pop.get_data().segments[0]
    z = np.asarray(block.filter(name="z")[0].magnitude)    # (times, neurons), at t = 0, 1, ...
    u = np.asarray(block.filter(name="u")[0].magnitude)
    for k, st in enumerate(block.spiketrains):
        steps = np.rint(np.asarray(st.magnitude)).astype(int)
        assert steps.size > 100
        expected = np.zeros(z.shape[0], dtype=bool)
        for s in steps:
            expected[s + 1:s + 5] = True
        assert np.array_equal(z[:, k] > 0.5, expected[: z.shape[0]])
        assert np.all(np.diff(steps) >= 4)   # refractory for tau_ref steps
    assert np.allclose(u[1:], 1.0)  # no input: u = b


@pytest.mark.parametrize("kwargs, message", [
    (dict(tau_ref=-1.0), "tau_ref"), (dict(b=float("nan")), "b"), (dict(psp_shape="square"), "PSP shape"),
    (dict(tau_syn=0.0), "tau_syn"),
])
def test_bad_neuron_parameters_rejected_at_construction(kwargs, message):
    from salnest.pynn.brian2 import SamplingNeuron

    with pytest.raises(ValueError, match=message):
        SamplingNeuron(**kwargs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(eta_sal=-0.1), "eta_sal"), (dict(window="gaussian"), "window"), (dict(tau_sal=float("inf")), "tau_sal"),
    (dict(Wmin=1.0, Wmax=0.0), "Wmin"), (dict(ws_phase=0.5), "ws_phase"),
])
def test_bad_synapse_parameters_rejected_at_construction(kwargs, message):
    from salnest.pynn.brian2 import SALSynapse

    with pytest.raises(ValueError, match=message):
        SALSynapse(**kwargs)


def test_off_grid_and_too_long_psps_rejected_before_simulation(brian2_sim):
    from salnest.pynn.brian2 import MAX_RECTANGULAR_STEPS, SamplingNeuron

    sim = brian2_sim
    with pytest.raises(ValueError, match="tau_ref must be a positive multiple of the resolution"):
        sim.Population(1, SamplingNeuron(tau_ref=2.5))
    with pytest.raises(ValueError, match="at most"):
        sim.Population(1, SamplingNeuron(tau_syn=MAX_RECTANGULAR_STEPS + 1.0))
    sim.Population(1, SamplingNeuron(tau_syn=2.5, psp_shape="exponential"))  # only rectangular PSPs need the grid


def test_defaults_are_the_nestml_sources():
    from salnest.models.defaults import nestml_defaults
    from salnest.pynn.brian2 import SALSynapse, SamplingNeuron

    neuron, synapse = nestml_defaults("sampling_neuron"), nestml_defaults("sal_synapse")
    assert SamplingNeuron.default_parameters == {k: neuron[k] for k in ("b", "tau_ref", "tau_syn", "psp_shape")}
    assert all(SALSynapse.default_parameters[k] == synapse[k] for k in SALSynapse.parameters if k != "sal_pairing")


# The README's two PyNN examples (docs/tutorials/pynn.md), with pyNN.brian2 in place of pyNN.nest
# and nothing else changed, each in a fresh process, checked as tests/docs/test_examples.py checks
# them on NEST.
def _python_blocks(page: str) -> list[str]:
    import re

    return re.findall(r"```python\n(.*?)```", (REPO / page).read_text(), flags=re.DOTALL)


def _tutorial_pair(index: int, page: str = "docs/tutorials/pynn.md") -> tuple[float, float]:
    code = _python_blocks(page)[index]
    if page.endswith("pynn.md"):
        assert code.startswith("import pyNN.nest as sim\n")
        code = code.replace("import pyNN.nest as sim", "import pyNN.brian2 as sim", 1)
    code = code.replace('print(prj.get("weight", format="array"))', "_w = prj.get('weight', format='array')")
    code += "import json\nprint(json.dumps([_w[1, 0], _w[0, 1]]))\n"
    return tuple(run_script(code))


@pytest.mark.brian2_cython  # as a user runs it
def test_tutorial_pair_aligns_on_brian2():
    w12, w21 = _tutorial_pair(0)
    # as on NEST: started 1.0 apart, within 0.4 after the 200 s printed (Brian2 measured 0.05-0.26
    # apart over seeds 1-3, NEST 0.02-0.06)
    assert abs(w12 - w21) < 0.4 and abs(w12 + w21 - 2.0) < 0.05


@pytest.mark.brian2_cython  # as a user runs it
def test_brian2_page_example_runs():
    """docs/brian2.md's one example (the tutorial's pair, seeded), as printed."""
    assert len(_python_blocks("docs/brian2.md")) == 1
    w12, w21 = _tutorial_pair(0, page="docs/brian2.md")
    assert abs(w12 - w21) < 0.4 and abs(w12 + w21 - 2.0) < 0.05  # as test_tutorial_pair_aligns_on_brian2


@pytest.mark.brian2_cython  # as a user runs it
def test_tutorial_standard_cells_align_on_brian2():
    w12, w21 = _tutorial_pair(1)
    # IF_curr_alpha, from 0.3 and 0.05 nA (0.25 apart): NEST's test asks for 0.025 apart after 200 s;
    # Brian2 (unseeded, as the tutorial) ended 0.022 and 0.027 apart in two runs, about 90 % of the
    # gap closed as on NEST; 0.05 is a fifth of the start's gap. The sum is kept as on NEST.
    assert abs(w12 - w21) < 0.05 and abs(w12 + w21 - 0.35) < 0.02


def test_salnest_pynn_gives_the_types_of_the_imported_backend():
    code = """
        import json
        import pyNN.brian2
        from salnest.pynn import SALSynapse, SamplingNeuron
        said = [SALSynapse.__module__, SamplingNeuron.__module__]
        try:
            from salnest.pynn import RDDNeuron
        except ImportError as exc:
            said.append(str(exc))
        import pyNN.nest
        try:
            from salnest.pynn import SALSynapse
        except ImportError as exc:
            said.append(str(exc))
        print(json.dumps(said))
    """
    brian2_types, brian2_types_too, nest_only, both = run_script(code)
    assert brian2_types == brian2_types_too == "salnest.pynn.brian2"
    assert "RDDNeuron runs on NEST only" in nest_only
    assert "both pyNN.nest and pyNN.brian2 are imported" in both
