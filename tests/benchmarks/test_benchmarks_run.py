"""Every benchmark runs at a tiny size and prints its ratios, so that none rots between the
measurements in docs/performance.md (the numbers themselves are measured by hand on an idle machine)."""

import os
import subprocess
import sys

import pytest
from checkout import REPO

BENCHMARKS = {
    "sampling_throughput.py": (["--runs", "2", "--epochs", "1", "--repeats", "1", "--floor-steps", "500"], "throughput ratio NEST / Numba per core"),
    "microcircuit_throughput.py": (["--replicas", "3", "--patterns", "1", "--numpy-steps", "200", "--threads", "1"],
                                   "ratio NumPy / NEST per circuit-step"),
    "microcircuit_numpy_reference.py": ([], "us per time step"),
    "scaling.py": (["--neurons", "200", "--indegree", "10", "--sim-ms", "50", "--warmup-ms", "10", "--repeats", "1"],
                   "SAL / stdp_synapse events per second"),
    "synapse_cost.py": (["--neurons", "200", "--indegree", "10", "--sim-ms", "50", "--warmup-ms", "10", "--repeats",
                         "1"], "on sampling_neuron: NESTML / C++ time per event"),
    "sal_phase_io.py": (["--sizes", "20", "10", "5", "--copies", "2", "--steps", "100"], "us per connection"),
    "kernel_size.py": (["--pairs", "10", "20", "--neuron-steps", "20000", "--repeats", "1"],
                       "ratio to the smallest kernel"),
    # without Brian2 (the main environment) it measures NEST and says where Brian2 is
    "brian2_speed.py": (["--steps", "2000", "--warmup", "100"], "Brian2 / NEST per network-step"),
    # without the authors' clones it times salnest alone and says where to get them
    "inference_speed.py": (["--seconds", "1", "--neurons", "10"], "authors' code not given"),
    "deep_phase_speed.py": (["--sizes", "12", "8", "6", "4", "--seconds", "1", "--steps", "50", "--copies", "2"],
                            "authors' code not given"),
}


#: Scripts that compare against code that is not on PyPI: here only their refusal without it is run.
NEEDS_EXTERNAL = {"reference_convention.py": "git clone https://github.com/unibe-cns/sal-code",
                  "psp_shapes_crosscheck.py": "git clone https://github.com/unibe-cns/sal-code",
                  "stdwi_crosscheck.py": "git clone https://github.com/nasiryahm/STDWI",
                  "rdd_crosscheck.py": "git clone https://github.com/jordan-g/RDD-Weight-Alignment",
                  "make_author_fixtures.py": "git clone https://github.com/unibe-cns/sal-code"}


def test_every_benchmark_is_covered():
    scripts = {p.name for p in (REPO / "benchmarks").glob("*.py") if not p.name.startswith("_")}  # _x.py: shared
    assert scripts == set(BENCHMARKS) | set(NEEDS_EXTERNAL)


@pytest.mark.parametrize("script", sorted(NEEDS_EXTERNAL))
def test_a_comparison_without_its_external_code_says_how_to_get_it(script):
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / script)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYNEST_QUIET": "1"})
    assert proc.returncode != 0 and NEEDS_EXTERNAL[script] in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("script", sorted(BENCHMARKS))
def test_benchmark_runs_at_a_tiny_size(salnest_module, script):
    args, expected = BENCHMARKS[script]
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), *args], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYNEST_QUIET": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert expected in proc.stdout, proc.stdout[-2000:]
    assert "deprecated" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-2000:]
