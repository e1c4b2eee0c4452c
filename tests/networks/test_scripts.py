"""Every network module with a ``main()`` runs on its own as a script, from the repository's
``pynn_networks/`` (its own folder first on ``sys.path``, as ``python pynn_networks/X.py`` puts it)."""

import re
import subprocess
import sys

import pytest
from checkout import REPO

SCRIPTS = sorted(p for p in (REPO / "pynn_networks").glob("*.py") if re.search(r"^def main\(", p.read_text(), re.M))


def test_the_scripts_are_found():
    assert {p.stem for p in SCRIPTS} >= {"reciprocal_pair", "sampling_network", "microcircuit", "weight_inference",
                                         "sal_phase", "rdd_phase", "ei_system"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_a_script_starts_on_its_own(script, tmp_path):
    proc = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("usage:")
