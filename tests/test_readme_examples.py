"""The Python examples in the README run and print what they promise."""

import os
import re
import subprocess
import sys

import pytest
from checkout import REPO

README = REPO / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_the_four_examples():
    assert len(BLOCKS) == 4
    assert len(BLOCKS[0].strip().splitlines()) <= 15  # "PyNEST in 15 lines"
    assert len([line for line in BLOCKS[1].strip().splitlines() if line.strip()]) <= 10  # NEST's own neurons


def _numbers(text):
    return [float(x) for x in re.findall(r"-?\d+\.\d*(?:e-?\d+)?", text)]


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(salnest_module, index):
    proc = subprocess.run([sys.executable, "-c", BLOCKS[index]], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYNEST_QUIET": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    if index == 0:
        w12, w21 = map(float, re.search(r"W12 = ([-\d.]+), W21 = ([-\d.]+)", proc.stdout).groups())
        assert abs(w12 - 1.0) < 0.15 and abs(w21 - 1.0) < 0.15  # started at 1.5 and 0.5
    elif index == 1:  # iaf_psc_alpha, from 300 and 50 pA: within 10 % of the start's difference, sum kept
        w12, w21 = _numbers(proc.stdout.strip().splitlines()[-1])
        assert abs(w12 - w21) < 25.0 and abs(w12 + w21 - 350.0) < 10.0
    elif index == 2:
        numbers = _numbers(proc.stdout)
        assert len(numbers) == 2 and abs(numbers[0] - numbers[1]) < 0.4  # started 1.0 apart
    else:  # IF_curr_alpha, from 0.3 and 0.05 nA
        w21, w12 = _numbers(proc.stdout)
        assert abs(w12 - w21) < 0.025 and abs(w12 + w21 - 0.35) < 0.02
