"""NEST 3.10 and PyNN 0.13 behaviours under MPI that salnest.compat works around still exist:
each script restores the upstream code (kept as ``__salnest_original__``) and must fail on 2
ranks with that defect's own error, not any error. (The compressed spike exchange is shown in
test_spike_exchange.py.)"""

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


def _fails_on_two_ranks(tmp_path, script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``script`` on 2 ranks; return the job, asserting that it failed (exit status not 0, not
    every rank finished). Which failure it was, each test asks: an unrelated one (a typo, an import
    error) also ends a job, through :func:`salnest.parallel.abort_on_error` with status 1."""
    path = tmp_path / "upstream.py"
    path.write_text(script)
    proc = run([path], ranks=2, timeout=timeout)  # a hang is no signature of these defects: TimeoutExpired fails
    assert proc.returncode != 0 and proc.stdout.count("finished") < 2, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def _python_errors(stderr: str) -> list[str]:
    """The exception lines of the tracebacks in ``stderr`` (``IndexError: ...``), one per failed rank."""
    lines = stderr.splitlines()
    return [lines[i] for i in range(1, len(lines)) if lines[i - 1].startswith("  ") and not lines[i].startswith(" ")
            and "Error: " in lines[i]]


def test_pynn_one_cell_population_fails_on_a_rank_without_it(tmp_path):
    """On the rank that does not own the cell, PyNN indexes its local mask, a bare bool made a 0-d array:
    each failing rank ends in that IndexError (and the owner may finish before the job ends)."""
    proc = _fails_on_two_ranks(tmp_path, ONE_CELL)
    errors = _python_errors(proc.stderr)
    assert errors and set(errors) == {"IndexError: too many indices for array: array is 0-dimensional, but 1 were "
                                      "indexed"}, proc.stderr[-3000:]
    assert "self._mask_local[0]" in proc.stderr and proc.stderr.count(" of 2 failed, ending all ranks") == 1


def test_pynest_refuses_parameter_lists_under_mpi(tmp_path):
    proc = _fails_on_two_ranks(tmp_path, PARAMETER_LISTS)
    assert set(_python_errors(proc.stderr)) == {"NotImplementedError: Passing lists of synapse parameter values is "
                                                "not supported in MPI-parallel simulations."}, proc.stderr[-3000:]


#: Open MPI's error class of a message longer than its receive buffer; MPI_ERRORS_ARE_FATAL, the
#: default handler, ends the job with it as the exit status (mpi4py: MPI.ERR_TRUNCATE).
MPI_ERR_TRUNCATE = 15


def test_pynn_readback_breaks_on_an_empty_rank(tmp_path):
    """PyNN's collective read-back on the one rank that owns the target: its Allreduce meets another
    collective call of the other rank and the job ends with MPI_ERR_TRUNCATE (22 runs of 22 by hand,
    each in 2 s, no hang). Open MPI's message says so, unless its help text arrives garbled
    (ORTE_ERROR_LOG of show_help.c: 6 of the 22, 5 of them with two jobs at once); the exit status
    is MPI_ERR_TRUNCATE's in both. No Python error: a failure of the script ends with status 1."""
    proc = _fails_on_two_ranks(tmp_path, READBACK, timeout=90)
    assert proc.returncode == MPI_ERR_TRUNCATE, (proc.returncode, proc.stderr[-3000:])
    assert "MPI_ERR_TRUNCATE" in proc.stderr or "show_help.c" in proc.stderr, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
