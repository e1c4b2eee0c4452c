"""NESTML 9.0's code generation still does what salnest.compat.nestml works around. Code is
generated (not compiled) with and without the workarounds."""

import contextlib

import pytest

from salnest.models import CORE_MODULE, MICROCIRCUIT_MODULE, build
from salnest.models.nest_install import find_nest


def _generate(spec, work, monkeypatch, workarounds: bool):
    from pynestml.codegeneration.nest_builder import NESTBuilder

    monkeypatch.setattr(NESTBuilder, "build", lambda self: None)  # code only, no compiler
    if not workarounds:
        monkeypatch.setattr(build, "only_paired_neurons", lambda paired: contextlib.nullcontext())
        monkeypatch.setattr(build, "patches_before_compiling", lambda target: contextlib.nullcontext())
    work.mkdir()
    with pytest.raises(build.BuildError, match="produced no"):
        build._generate_and_compile(spec, find_nest(), build._compiler(), work, jobs=1)
    return work / "target"


def test_nestml_builds_a_plain_copy_of_a_paired_neuron(tmp_path, monkeypatch):
    upstream = _generate(CORE_MODULE, tmp_path / "upstream", monkeypatch, workarounds=False)
    assert (upstream / "sampling_neuron.h").is_file() and (upstream / "sampling_neuron__with_sal_synapse.h").is_file()
    monkeypatch.undo()
    salnest = _generate(CORE_MODULE, tmp_path / "salnest", monkeypatch, workarounds=True)
    assert not (salnest / "sampling_neuron.h").exists() and (salnest / "sampling_neuron__with_sal_synapse.h").is_file()


def test_nestml_synapses_without_continuous_ports_never_read_it(tmp_path, monkeypatch):
    """The pyramidal neuron keeps a continuous history for us_synapse; the SAL synapse paired with
    it does not read it, so NESTML never prunes it (salnest inserts the read)."""
    neuron = MICROCIRCUIT_MODULE.neuron_model("pyramidal_neuron")
    sal = MICROCIRCUIT_MODULE.synapse_model("sal_synapse", "pyramidal_neuron")
    upstream = _generate(MICROCIRCUIT_MODULE, tmp_path / "upstream", monkeypatch, workarounds=False)
    assert "get_continuous_variable_history" in (upstream / f"{neuron}.h").read_text()
    assert "get_continuous_variable_history" not in (upstream / f"{sal}.h").read_text()
    monkeypatch.undo()
    salnest = _generate(MICROCIRCUIT_MODULE, tmp_path / "salnest", monkeypatch, workarounds=True)
    assert "get_continuous_variable_history" in (salnest / f"{sal}.h").read_text()


def test_nestml_checks_invariants_after_writing_the_values(tmp_path, monkeypatch):
    """NESTML's set_status writes the new values, then throws for a violated invariant: the refused
    value stays (salnest keeps the old values and puts them back before the throw)."""
    neuron = CORE_MODULE.neuron_model("sampling_neuron")
    synapse = CORE_MODULE.synapse_model("sal_synapse", "sampling_neuron")
    upstream = _generate(CORE_MODULE, tmp_path / "upstream", monkeypatch, workarounds=False)
    for name, write in ((neuron, "set_b(tmp_b);"), (synapse, "set_eta_sal(tmp_eta_sal);")):
        code = (upstream / f"{name}.h").read_text()
        assert code.index(write) < code.index("The constraint"), name  # written first, checked after
        assert "__salnest_before" not in code
    monkeypatch.undo()
    salnest = _generate(CORE_MODULE, tmp_path / "salnest", monkeypatch, workarounds=True)
    for name in (neuron, synapse):
        code = (salnest / f"{name}.h").read_text()
        throws = code.count('throw nest::BadProperty("The constraint') + code.count('throw BadProperty("The constraint')
        assert throws and code.count("__salnest_before") >= throws + 1, name  # kept once, restored before each
