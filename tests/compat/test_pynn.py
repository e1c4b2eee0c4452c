"""PyNN 0.13's behaviours that salnest.compat.pynn works around still exist (each test would fail
once PyNN changes; then the workaround can go), and the workarounds do what they say. Those that
show only under MPI are in tests/mpi/test_compat_mpi.py."""

import inspect
import subprocess
import sys
import warnings

import numpy as np


def test_pynn_divides_weights_read_back_by_1000(pynn_sim):
    sim = pynn_sim
    from pyNN.nest.projections import Projection

    from salnest.pynn.nest import SALSynapse, SamplingNeuron

    pop = sim.Population(2, SamplingNeuron())
    prj = sim.Projection(pop, pop, sim.FromListConnector([(0, 1, 0.5, 1.0)], column_names=["weight", "delay"]),
                         SALSynapse(eta_sal=0.0))
    upstream = Projection._get_attributes_as_arrays.__salnest_original__(prj, ["weight"])[0]
    assert np.nanmax(upstream) == 0.5e-3  # PyNN's read-back, whatever the cell's units
    assert np.nanmax(prj.get("weight", format="array")) == 0.5  # salnest's, in model units


def test_a_kernel_reset_unloads_salnests_models(nest_kernel):
    from salnest.models import nest_model

    nest = nest_kernel
    assert nest_model("sampling_neuron") in nest.node_models
    nest.ResetKernel()
    assert nest_model("sampling_neuron") not in nest.node_models  # so every sim.setup() must load it


def test_pynn_still_calls_deprecated_nest_functions(pynn_sim):
    import nest
    import pyNN.nest.projections
    import pyNN.nest.simulator
    from nest.lib import hl_api_helper

    assert "nest.GetStatus(" in inspect.getsource(pyNN.nest.projections)
    assert "nest.SetStatus(" in inspect.getsource(pyNN.nest.simulator)
    assert {"GetStatus", "SetStatus"} <= set(hl_api_helper._deprecation_warning)
    # through salnest's view PyNN's calls are quiet, a user's own still warn
    from salnest.pynn.nest import SamplingNeuron

    flags = hl_api_helper._deprecation_warning
    for flag in flags.values():
        flag["deprecation_issued"] = False
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        pop = pynn_sim.Population(2, SamplingNeuron())
        pop.record("spikes")
        pynn_sim.run(10.0)
        pop.get_data()
        assert not [w for w in seen if "deprecated" in str(w.message)], [str(w.message) for w in seen]
        nest.GetStatus(pop.node_collection, "b")
        assert any("GetStatus() is deprecated" in str(w.message) for w in seen)


def test_importing_salnests_types_before_or_after_pynn_behaves_the_same(tmp_path):
    """The same warnings (PyNN's own, which salnest no longer filters) and the same weights, whichever
    comes first; and the types' module loads at setup() in both orders."""
    body = ("sim.setup(timestep=1.0, min_delay=1.0, rng_seed=3)\n"
            "pop = sim.Population(2, SamplingNeuron(b=[-0.5, -0.2], tau_ref=10.0, tau_syn=10.0))\n"
            "c = sim.FromListConnector([(1, 0, 1.5, 1.0), (0, 1, 0.5, 1.0)], column_names=['weight', 'delay'])\n"
            "prj = sim.Projection(pop, pop, c, SALSynapse(eta_sal=0.01, tau_sal=10.0))\n"
            "sim.run(5000.0)\n"
            "print(prj.get('weight', format='list'))\n")
    salnest_first = "from salnest.pynn import SALSynapse, SamplingNeuron\nimport pyNN.nest as sim\n"
    pynn_first = "import pyNN.nest as sim\nfrom salnest.pynn import SALSynapse, SamplingNeuron\n"

    def run(code):
        proc = subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path, env={"PYNEST_QUIET": "1", "PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout, sorted(set(line for line in proc.stderr.splitlines() if "Warning" in line))

    upstream = run("import pyNN.nest")[1]
    assert any("Cannot find nest-config" in w or "Problem running cmake" in w for w in upstream), upstream
    weights_a, warnings_a = run(salnest_first + body)
    weights_b, warnings_b = run(pynn_first + body)
    assert warnings_a == warnings_b == upstream
    assert weights_a == weights_b and "1.5" not in weights_a  # the same run, and W12 moved
