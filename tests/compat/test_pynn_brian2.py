"""The defects of pyNN.brian2 (PyNN 0.13.0, Brian2 2.9.0) that salnest.compat.pynn_brian2 works
around, shown without salnest in a fresh process each: when one of these fails, the defect is gone
and its workaround can go too."""

import sys

import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1] / "pynn"))
from brian2_helpers import run_script  # noqa: E402

# short runs: NumPy code, no compilation (tests/conftest.py)
pytestmark = [pytest.mark.brian2, pytest.mark.brian2_numpy]


def test_pynn_brian2_ignores_rng_seed():
    code = """
        import json
        import numpy as np
        import pyNN.brian2 as sim

        runs = []
        for _ in range(2):
            sim.setup(timestep=1.0, rng_seed=1)
            pop = sim.Population(5, sim.SpikeSourcePoisson(rate=50.0))
            pop.record("spikes")
            sim.run(1000.0)
            runs.append(np.concatenate([st.magnitude for st in pop.get_data().segments[0].spiketrains]).tolist())
            sim.end()
        print(json.dumps(runs))
    """
    first, second = run_script(code)
    assert first != second  # same seed, other spikes


def test_pynn_brian2_indexes_views_by_parent_index():
    code = """
        import json
        import pyNN.brian2 as sim

        sim.setup(timestep=1.0)
        pop = sim.Population(3, sim.IF_curr_exp())
        prj = sim.Projection(pop[1:3], pop[0:2], sim.AllToAllConnector(), sim.StaticSynapse(weight=0.5))
        try:
            prj.get("weight", format="array")
            print(json.dumps("read"))
        except IndexError:
            print(json.dumps("IndexError"))
    """
    assert run_script(code) == "IndexError"


def test_spike_source_array_runs_on_the_default_clock():
    code = """
        import json
        import pyNN.brian2 as sim

        sim.setup(timestep=1.0)
        source = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0]))
        print(json.dumps(float(source.brian2_group.clock.dt / sim.simulator.state.network.clock.dt)))
    """
    assert run_script(code) == pytest.approx(0.1)  # Brian2's default 0.1 ms, not the 1-ms step


def _first_spike(simulator: str) -> float:
    """When an IF_curr_delta cell fires, driven over threshold by one input spike at 10 ms with a
    delay of one step (1 ms)."""
    return run_script(f"""
        import json
        import pyNN.{simulator} as sim

        sim.setup(timestep=1.0, min_delay=1.0)
        source = sim.Population(2, sim.SpikeSourceArray(spike_times=[10.0]))
        cell = sim.Population(2, sim.IF_curr_delta(v_thresh=-50.0, v_rest=-65.0, v_reset=-65.0))
        sim.Projection(source, cell, sim.OneToOneConnector(), sim.StaticSynapse(weight=30.0, delay=1.0))
        cell.record("spikes")
        sim.run(30.0)
        print(json.dumps(float(cell.get_data().segments[0].spiketrains[0].magnitude[0])))
    """)


def test_brian2_delivers_one_step_later_than_nest():
    assert _first_spike("brian2") - _first_spike("nest") == pytest.approx(1.0)
