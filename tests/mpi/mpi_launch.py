"""Start salnest commands and scripts on one or more MPI ranks, as a user would, in subprocesses."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict:
    env = dict(os.environ, PYNEST_QUIET="1", PYTHONWARNINGS="ignore")
    # CI and containers run as root; Open MPI refuses that unless told
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               # containers forbid the cross-memory attach Open MPI uses between ranks by default
               OMPI_MCA_btl_vader_single_copy_mechanism="none")
    return env


def _command(args: list, ranks: int) -> list[str]:
    cmd = [sys.executable, *map(str, args)]
    if ranks > 1:
        cmd = [shutil.which("mpirun") or "mpirun", "-np", str(ranks), "--oversubscribe", "--bind-to", "none", *cmd]
    return cmd


def run(args: list, ranks: int = 1, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``args`` (a Python script and its arguments, or ``-m module ...``) on ``ranks`` MPI ranks."""
    return subprocess.run(_command(args, ranks), cwd=REPO, env=_env(), capture_output=True, text=True,
                          timeout=timeout)


def start(args: list, ranks: int = 1) -> subprocess.Popen:
    """:func:`run` without waiting for the job (``mpirun`` itself for several ranks)."""
    return subprocess.Popen(_command(args, ranks), cwd=REPO, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def run_ok(args: list, ranks: int = 1, timeout: float = 600) -> subprocess.CompletedProcess:
    """:func:`run`, failing the test with the job's output when it exits non-zero."""
    proc = run(args, ranks, timeout)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} on {ranks} rank(s) exited {proc.returncode}:\n"
                    f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc
