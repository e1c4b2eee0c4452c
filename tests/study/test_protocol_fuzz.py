"""The protocol loader fuzzed: every bundled protocol, changed at random, is either valid or refused.

``salnest check`` runs every check that ``salnest run`` runs before its first simulation (the same
function), without simulating. Property (hypothesis, fixed seed, bounded examples): for any
mutation of a bundled protocol (a field given a wrong type, NaN, an infinity, a huge, negative or
empty value, a key or section removed or added, a section replaced by a value, the file cut short
or given bytes that are not text), ``salnest check`` exits 0, or exits 2 with one line that names
the file; never a traceback, and nothing written where the results would go.
"""

import contextlib
import io
import math
import os
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salnest.cli import main
from salnest.resources import protocols

BUNDLED = protocols()
ODD = [math.nan, math.inf, -math.inf, 0, -1, -1.5, 10 ** 20, -(10 ** 20), 2 ** 63, 2 ** 53 + 1, 1e308, -1e308, "",
       "x" * 500, "\u0000", "../..", True, [], [[]], [math.nan], [1, "a"], {}, {"a": 1}]
VALUES = st.one_of(st.sampled_from(ODD), st.integers(), st.floats(), st.text(max_size=12), st.booleans(),
                   st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=3)), max_size=4),
                   st.dictionaries(st.text(max_size=4), st.integers(), max_size=2), st.datetimes())
KINDS = ("value", "remove", "unknown key", "unknown section", "section value", "cut", "bytes")
#: Examples per bundled protocol: 40 (about 20 s in all) in the suite; more, and from random seeds
#: (SALNEST_FUZZ_EXPLORE=1), to search further by hand (300 each from random seeds found nothing more).
EXAMPLES = int(os.environ.get("SALNEST_FUZZ_EXAMPLES", 40))
EXPLORE = bool(os.environ.get("SALNEST_FUZZ_EXPLORE"))


def _mutate(raw: dict, text: str, data) -> bytes:
    """The file content after one random change of the protocol ``raw`` (as TOML ``text``)."""
    kind = data.draw(st.sampled_from(KINDS), label="mutation")
    if kind == "cut":
        return text[: data.draw(st.integers(0, len(text)), label="length")].encode()
    if kind == "bytes":
        junk = data.draw(st.binary(min_size=1, max_size=8), label="bytes")
        at = data.draw(st.integers(0, len(text)), label="at")
        return text.encode()[:at] + junk + text.encode()[at:]
    section = data.draw(st.sampled_from(sorted(raw)), label="section")
    if kind == "unknown section":
        raw[data.draw(st.text(min_size=1, max_size=6), label="name")] = {"x": 1}
    elif kind == "section value":
        raw[section] = data.draw(VALUES, label="value")
    elif kind == "unknown key":
        raw[section][data.draw(st.text(min_size=1, max_size=6), label="key")] = data.draw(VALUES, label="value")
    else:
        key = data.draw(st.sampled_from(sorted(raw[section])), label="key")
        if kind == "remove":
            del raw[section][key]
        else:
            raw[section][key] = data.draw(VALUES, label="value")
    return tomli_w.dumps(raw).encode()


def _check(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["check", str(path)])
    return status, err.getvalue()


@pytest.mark.parametrize("name", sorted(BUNDLED))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not EXPLORE,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_protocol_is_valid_or_refused_in_one_line(salnest_module, tmp_path, monkeypatch, name, data):
    monkeypatch.chdir(tmp_path)  # where relative outputs (results/...) would go
    text = BUNDLED[name].read_text()
    path = tmp_path / "mutated protocol.toml"
    path.write_bytes(_mutate(tomllib.loads(text), text, data))
    status, err = _check(path)
    assert status in (0, 2), f"exit {status}: {err}"
    assert "Traceback" not in err
    if status == 2:
        assert err.count("\n") == 1 and err.startswith("salnest: "), err
        assert str(path) in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing written, no folder made


@pytest.mark.parametrize("change, message", [
    ("w12 = 1.5", "w12 = nan"), ("w12 = 1.5", "w12 = inf"), ("b = [-0.5, -0.2]", "b = [-inf, -0.2]"),
    ("steps = 200_000", "steps = 10_000_000_000_000_000_000")])
def test_the_reported_inputs_are_refused(salnest_module, tmp_path, monkeypatch, change, message):
    """The rows of issue #29's table: numbers TOML allows that no simulation can use."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "p.toml"
    path.write_text(BUNDLED["fig2c_stdd"].read_text().replace(change, message))
    status, err = _check(path)
    assert status == 2 and err.count("\n") == 1 and str(path) in err, err
    assert "finite" in err or "2**53" in err


def test_control_a_loader_without_the_finiteness_check_lets_nan_through(salnest_module, tmp_path, monkeypatch):
    """Without the check that numbers are finite, a NaN weight passes validation: the property above
    would catch it only through that check."""
    from salnest.study import protocol

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(protocol, "_bad_number", lambda value, finite: None)
    path = tmp_path / "p.toml"
    path.write_text(BUNDLED["fig2c_stdd"].read_text().replace("w12 = 1.5", "w12 = nan"))
    assert _check(path)[0] == 0
