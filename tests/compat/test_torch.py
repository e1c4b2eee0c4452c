"""The PyTorch 2.13 behaviour that salnest.compat.torch works around still exists: NEST crashes
after PyTorch sets its thread count, unless NEST's calls run in ``nest_section``."""

import subprocess
import sys

import pytest

pytest.importorskip("torch", reason="the deep extra (pip install 'salnest[deep]') is not installed")

SCRIPT = """
import os, sys
os.environ["PYNEST_QUIET"] = "1"
import nest, torch
from salnest.compat.torch import nest_section
torch.set_num_threads(2)
x = torch.randn(64, 64)
for _ in range(2):
    float((x @ x).sum())
    with (nest_section() if sys.argv[1] == "workaround" else open(os.devnull)):
        nest.ResetKernel()
        nest.local_num_threads = 2
        nest.Create("iaf_psc_alpha", 4)
        nest.Simulate(5.0)
print("done", torch.get_num_threads())
"""


def _run(mode):
    return subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=120)


def test_nest_crashes_after_torch_sets_its_threads():
    assert _run("plain").returncode == -11  # SIGSEGV
    ok = _run("workaround")
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "done 2" in ok.stdout  # PyTorch's threads are back afterwards
