"""The MPI suite: runs salnest under ``mpirun`` in subprocesses and compares with one-rank runs.

It needs a NEST built with MPI (``bash setup.sh test-mpi`` makes one in ``.venv-mpi``). On a NEST
without MPI every test fails with that message rather than being skipped: the suite is only run
where MPI is the point.
"""

import shutil
import sys

import pytest
from mpi_launch import run, run_ok


@pytest.fixture(scope="session", autouse=True)
def mpi_nest():
    """Fail every test of the suite at once when NEST or mpirun has no MPI."""
    if shutil.which("mpirun") is None:
        pytest.fail("mpirun not found: install Open MPI (apt-get install openmpi-bin libopenmpi-dev)")
    probe = run(["-c", "import nest; print(nest.build_info['have_mpi'])"])
    if probe.stdout.strip().splitlines()[-1:] != ["True"]:
        pytest.fail(f"this NEST ({sys.executable}) is built without MPI; run the MPI suite with "
                    f"'bash setup.sh test-mpi' (builds an MPI NEST in .venv-mpi)\n{probe.stderr[-2000:]}")
    # build the module once here, not in two ranks at a time inside the timed runs
    run_ok(["-m", "salnest.cli", "build"])
