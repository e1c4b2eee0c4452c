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
