"""NEST 3.10 and PyNN 0.13 behaviours under MPI that salnest.compat works around still exist:
each script restores the upstream code (kept as ``__salnest_original__``) and must fail on 2
ranks. (The compressed spike exchange is shown in test_spike_exchange.py.)"""

import subprocess

import pytest
from mpi_launch import run

pytestmark = pytest.mark.mpi

SETUP = """
import salnest.pynn.nest
import pyNN.nest as sim
from salnest.parallel import abort_on_error
"""

ONE_CELL = SETUP + """
from pyNN.nest.populations import Population
Population._create_cells = Population._create_cells.__salnest_original__
sim.setup(timestep=1.0, min_delay=1.0)
abort_on_error()
sim.Population(1, sim.IF_curr_exp()).set(tau_m=15.0)
print("finished")
"""

PARAMETER_LISTS = SETUP + """
import nest
from nest.lib.hl_api_types import SynapseCollection
sim.setup(timestep=1.0, min_delay=1.0)
abort_on_error()
nodes = nest.Create("iaf_psc_alpha", 4)
nest.Connect(nodes, nodes, syn_spec={"synapse_model": "stdp_synapse"})
conns = nest.GetConnections()
SynapseCollection.set.__salnest_original__(conns, {"alpha": [0.5] * len(conns)})
print("finished")
"""

READBACK = SETUP + """
from pyNN.nest.projections import Projection
for name in ("__init__", "_convergent_connect"):
    setattr(Projection, name, getattr(Projection, name).__salnest_original__)
sim.setup(timestep=1.0, min_delay=1.0)
abort_on_error()
pre, post = sim.Population(4, sim.IF_curr_exp()), sim.Population(1, sim.IF_curr_exp())
sim.Projection(pre, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1))
sim.run(10.0)
print("finished")
"""


def _fails_on_two_ranks(tmp_path, script: str, timeout: float = 120) -> str:
    """Run ``script`` on 2 ranks; return its stderr, asserting that the job failed (an error on
    some rank, or a hang)."""
    path = tmp_path / "upstream.py"
    path.write_text(script)
    try:
        proc = run([path], ranks=2, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hung"
    assert proc.returncode != 0 and proc.stdout.count("finished") < 2, proc.stdout[-2000:]
    return proc.stderr


def test_pynn_one_cell_population_fails_on_a_rank_without_it(tmp_path):
    assert " of 2 failed" in _fails_on_two_ranks(tmp_path, ONE_CELL)  # on the rank without the cell


def test_pynest_refuses_parameter_lists_under_mpi(tmp_path):
    assert "MPI-parallel" in _fails_on_two_ranks(tmp_path, PARAMETER_LISTS)


def test_pynn_readback_breaks_on_an_empty_rank(tmp_path):
    """PyNN's collective read-back on the one rank that owns the target: the job crashes or hangs."""
    _fails_on_two_ranks(tmp_path, READBACK, timeout=90)
