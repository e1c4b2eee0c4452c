"""experiment.simulator: which kinds may run on Brian2, and what is refused before anything runs
(the runs themselves: tests/experiments/test_pair_brian2.py, marker brian2)."""

import importlib.util

import pytest

from salnest.resources import find_protocol
from salnest.study.driver import run_identity
from salnest.study.protocol import ProtocolError, load_protocol


def test_nest_is_the_default_and_leaves_the_run_identity_as_it_was():
    protocol = load_protocol(find_protocol("demo"))
    assert protocol["experiment"]["simulator"] == "nest"
    # results written before the field existed resume: the default is not part of the identity
    without = {**protocol, "experiment": {k: v for k, v in protocol["experiment"].items() if k != "simulator"}}
    assert run_identity(protocol) == run_identity(without)
    brian2 = {**protocol, "experiment": {**protocol["experiment"], "simulator": "brian2"}}
    assert run_identity(brian2) != run_identity(protocol)


@pytest.mark.parametrize("name", ["deep_training_smoke", "microcircuit_smoke", "sal_alignment_smoke"])
def test_nest_only_kinds_refuse_brian2(name):
    with pytest.raises(ProtocolError, match=r"experiment.simulator.*must be one of \['nest'\]"):
        load_protocol(find_protocol(name), overrides={"experiment.simulator": "brian2"})


@pytest.mark.parametrize("overrides, message", [
    ({"network.model": "sampling_network"}, "is a NEST node"),
    ({"experiment.threads": 2}, "threads must be 1"),
])
def test_what_brian2_cannot_run_is_refused(overrides, message):
    with pytest.raises(ProtocolError, match=message):
        load_protocol(find_protocol("fig2c_stdd"), overrides={"experiment.simulator": "brian2", **overrides})


def test_weight_inference_on_brian2_takes_sal_only():
    with pytest.raises(ProtocolError, match=r"methods \['rdd', 'stdwi'\] run on NEST only"):
        load_protocol(find_protocol("weight_inference_smoke"), overrides={"experiment.simulator": "brian2"})


def test_brian2_missing_is_said_in_one_line(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "brian2" else real(name, *a))
    with pytest.raises(ProtocolError, match="needs Brian2, which is not installed here") as err:
        load_protocol(find_protocol("fig2c_stdd"), overrides={"experiment.simulator": "brian2"})
    assert "\n" not in str(err.value) and "fig2c_stdd.toml" in str(err.value)
