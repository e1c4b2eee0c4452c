"""The Python examples in the README run and print what they promise."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_the_two_examples():
    assert len(BLOCKS) == 2
    assert len(BLOCKS[0].strip().splitlines()) <= 15  # "PyNEST in 15 lines"


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(salnest_module, index):
    proc = subprocess.run([sys.executable, "-c", BLOCKS[index]], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYNEST_QUIET": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    if index == 0:
        w12, w21 = map(float, re.search(r"W12 = ([-\d.]+), W21 = ([-\d.]+)", proc.stdout).groups())
        assert abs(w12 - 1.0) < 0.15 and abs(w21 - 1.0) < 0.15  # started at 1.5 and 0.5
    else:
        numbers = [float(x) for x in re.findall(r"-?\d+\.\d+", proc.stdout)]
        assert len(numbers) == 2 and abs(numbers[0] - numbers[1]) < 0.4  # started 1.0 apart
