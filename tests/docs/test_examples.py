"""The Python examples of the README and the tutorials run and print what they promise."""

import os
import re
import subprocess
import sys

import pytest
from checkout import REPO


def _blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO / page).read_text(), flags=re.DOTALL)


def _numbers(text):
    return [float(x) for x in re.findall(r"-?\d+\.\d*(?:e-?\d+)?", text)]


def _pair(stdout):
    """W12 and W21 from a printed PyNN weight array: W12 = [1, 0], W21 = [0, 1]."""
    w21, w12 = _numbers(stdout)
    return w12, w21


# (page, block, what it must print); every Python block of these pages is here
# (test_every_block_is_tested), tolerances as the tests of each model: the pair started 1.0 apart
# (or 250 pA, 0.25 nA apart), SAL closes the gap to within a tenth or so and keeps the sum
def _pynest_pair(out):
    w12, w21 = map(float, re.search(r"W12 = ([-\d.]+), W21 = ([-\d.]+)", out).groups())
    assert abs(w12 - 1.0) < 0.15 and abs(w21 - 1.0) < 0.15  # started at 1.5 and 0.5


def _iaf_pair(out):  # iaf_psc_alpha, from 300 and 50 pA: within 10 % of the start's difference, sum kept
    w12, w21 = _numbers(out.strip().splitlines()[-1])
    assert abs(w12 - w21) < 25.0 and abs(w12 + w21 - 350.0) < 10.0


def _sampling_pair(out):
    w12, w21 = _pair(out)
    assert abs(w12 - w21) < 0.4  # started 1.0 apart


def _if_curr_pair(out):  # IF_curr_alpha, from 0.3 and 0.05 nA
    w12, w21 = _pair(out)
    assert abs(w12 - w21) < 0.025 and abs(w12 + w21 - 0.35) < 0.02


def _results(out):
    measured, exact, total_variation = _numbers(out)[:3]
    # 8 pairs x 200,000 steps: some 10^4 pairs, so a probability mass is known to a few 0.01
    assert abs(measured - exact) < 0.03, (measured, exact)
    assert 0.0 < total_variation < 0.1  # measured 0.012 with the protocol's 20 pairs, 0.019 with 8
    assert "NEST 3." in out


EXAMPLES = {
    ("docs/tutorials/pynest.md", 0): _pynest_pair,
    ("docs/tutorials/pynest.md", 1): _iaf_pair,
    ("docs/tutorials/pynn.md", 0): _sampling_pair,
    ("docs/tutorials/pynn.md", 1): _if_curr_pair,
    ("docs/tutorials/protocols.md", 0): _results,
}


#: pages whose examples need another environment, and the test that runs them there
ELSEWHERE = {"docs/brian2.md": "tests/pynn/test_brian2_types.py::test_brian2_page_example_runs"}


def test_every_block_is_tested():
    pages = {page for page, _ in EXAMPLES} | set(ELSEWHERE)
    assert {(page, i) for page in pages - set(ELSEWHERE) for i in range(len(_blocks(page)))} == set(EXAMPLES)
    for page in (REPO / "docs").rglob("*.md"):
        if "_build" not in page.parts:
            assert not _blocks(page.relative_to(REPO)) or str(page.relative_to(REPO)) in pages, page


def test_readme_example_is_the_tutorials_first():
    """The README's one example is the PyNEST tutorial's, in 15 lines (tested there)."""
    readme = _blocks("README.md")
    assert readme == _blocks("docs/tutorials/pynest.md")[:1]
    assert len(readme[0].strip().splitlines()) <= 15


@pytest.mark.parametrize("page, index", sorted(EXAMPLES))
def test_example_runs(salnest_module, tmp_path, page, index):
    if page.endswith("protocols.md"):  # it reads the results of the tutorial's run, smaller
        subprocess.run([sys.executable, "-m", "salnest", "run", "fig2c_stdd", "--set", "run.replicates=8",
                        "--no-plot"], cwd=tmp_path, check=True, capture_output=True, timeout=600)
    proc = subprocess.run([sys.executable, "-c", _blocks(page)[index]], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path, env={**os.environ, "PYNEST_QUIET": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    EXAMPLES[page, index](proc.stdout)
