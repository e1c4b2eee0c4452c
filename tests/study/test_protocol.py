"""Protocol files are validated on load; every error names the file and the field."""

import subprocess
import sys

import pytest

from salnest.resources import protocols
from salnest.study.protocol import ProtocolError, load_protocol

GOOD = """
[experiment]
kind = "pair_stdd"
output = "OUT"
[network]
w12 = 1.5
w21 = 0.5
b = [-0.5, -0.2]
tau_ref = 25
[run]
steps = 1000
"""


def _file(tmp_path, text):
    path = tmp_path / "p.toml"
    path.write_text(text.replace("OUT", str(tmp_path / "out.nc")))
    return path


def test_valid_protocol_gets_defaults(tmp_path):
    p = load_protocol(_file(tmp_path, GOOD))
    assert p["run"]["replicates"] == 20
    assert p["network"]["window"] == "exponential"
    assert p["network"]["w12"] == 1.5


@pytest.mark.parametrize("change, message", [
    (("tau_ref = 25", "tau_rf = 25"), "network.tau_rf: unknown key"),
    (("tau_ref = 25", 'tau_ref = "25"'), "network.tau_ref: expected integer, got str"),
    (("tau_ref = 25", "tau_ref = 0"), "network.tau_ref: must be >= 1, got 0"),
    (("steps = 1000", "steps = -5"), "run.steps: must be >= 1"),
    (("b = [-0.5, -0.2]", "b = [-0.5]"), "network.b: must be a list of two numbers"),
    (("w12 = 1.5", "w12 = true"), "network.w12: expected number, got boolean"),
    (('kind = "pair_stdd"', 'kind = "pair_sdd"'), "experiment.kind must be one of"),
    (("[run]", "[runs]"), "unknown section [runs]"),
    (("w12 = 1.5", "w12 = 1.5\nwindow = \"gaussian\""), "network.window: must be one of"),
    (("[run]", "[run\n"), "not valid TOML"),
])
def test_invalid_protocols_name_the_field(tmp_path, change, message):
    path = _file(tmp_path, GOOD.replace(*change))
    with pytest.raises(ProtocolError) as err:
        load_protocol(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ProtocolError, match="not found"):
        load_protocol(tmp_path / "none.toml")


def test_cli_rejects_invalid_protocol_before_running(tmp_path):
    good = _file(tmp_path, GOOD)
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("tau_ref = 25", "tau_ref = -1"))
    proc = subprocess.run([sys.executable, "-m", "salnest.cli", "run", str(good), str(bad)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "network.tau_ref: must be >= 1" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.nc").exists()  # the valid file did not run either


def test_shipped_protocols_are_valid():

    from salnest.study.protocol import ProtocolError

    # paper-scale protocols that need a GPU and a dataset on disk: here refused for exactly that
    needs = {"deep_training_paper.toml": ("sees no CUDA device", "data: ")}
    files = list(protocols().values())
    assert len(files) >= 4
    for path in files:
        if path.name in needs:
            try:
                load_protocol(path)
            except ProtocolError as err:
                assert any(reason in str(err) for reason in needs[path.name]), err
            continue
        load_protocol(path)  # also the checks across fields


def test_every_kind_declares_the_time_one_kernel_simulates():
    from salnest.study import registry

    bundled = [kind for kind in registry.kinds().values() if kind.module.startswith("salnest.experiments.")]
    assert len(bundled) == 13 and all(kind.simulated_ms is not None for kind in bundled)


#: Per kind, a field that makes one NEST kernel simulate beyond NEST's largest time when huge.
LONG = {"pair_trajectory": "run.steps", "pair_stdd": "run.steps", "pair_phase_plane": "grid.steps",
        "psp_stdd": "run.steps", "psp_fixed_points": "simulation.steps", "ei_drift_field": "grid.steps",
        "ei_rates": "rates.steps", "sampling_accuracy": "sampling.steps", "wake_sleep": "schedule.epoch_length",
        "microcircuit": "schedule.pattern_length", "sal_alignment": "schedule.epoch_steps",
        "weight_inference": "sal.network_steps_per_second", "deep_training": "sal.iteration_steps"}


@pytest.mark.parametrize("kind", sorted(LONG))
def test_a_run_longer_than_nest_can_simulate_is_refused_on_load(kind):
    """2**52 steps pass the check of integers, but not NEST's largest time (2**60 tics, 1.15e15 ms)."""
    from salnest.resources import protocols
    from salnest.study.protocol import read

    name = next(n for n, p in protocols().items() if read(p)["experiment"]["kind"] == kind
                and (kind != "deep_training" or n.endswith("smoke")))
    with pytest.raises(ProtocolError, match="more than NEST can"):
        load_protocol(protocols()[name], overrides={LONG[kind]: 2 ** 52})
    load_protocol(protocols()[name], overrides={LONG[kind]: 10 ** 6})  # long, but NEST can


#: Per kind, a count that puts more neurons into one NEST kernel than a protocol may when huge.
MANY = {"pair_trajectory": "run.replicates", "pair_stdd": "run.replicates", "pair_phase_plane": "grid.seeds_per_point",
        "psp_stdd": "run.replicates", "psp_fixed_points": "simulation.replicates",
        "ei_drift_field": "grid.seeds_per_point", "ei_rates": "rates.replicates", "sampling_accuracy": "sampling.replicas",
        "wake_sleep": "runs.n_inits", "microcircuit": "student.n_seeds", "sal_alignment": "network.copies",
        "weight_inference": "layer.n_seeds", "deep_training": "sal.copies"}


@pytest.mark.parametrize("kind", sorted(MANY))
def test_a_kernel_of_more_neurons_than_a_machine_holds_is_refused_on_load(kind):
    from salnest.resources import protocols
    from salnest.study.protocol import MAX_NEURONS, read

    assert set(MANY) == set(LONG)
    name = next(n for n, p in protocols().items() if read(p)["experiment"]["kind"] == kind
                and (kind != "deep_training" or n.endswith("smoke")))
    with pytest.raises(ProtocolError, match="neurons, more than"):
        load_protocol(protocols()[name], overrides={MANY[kind]: MAX_NEURONS})
