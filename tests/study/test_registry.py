"""A new experiment kind is one module: registered by a test module (``dummy_kind``), with no
edit anywhere else, it runs end to end through ``salnest run``, ``salnest plot`` and
``salnest describe``."""

import dummy_kind
import numpy as np
import pytest

from salnest.study.registry import ExperimentKind, get, kinds, register

PROTOCOL = """
[experiment]
kind = "spike_counts_test"
seed = 3
[network]
n_neurons = 4
[schedule]
epochs = 5
steps = 300
"""


def test_a_kind_from_a_test_module_runs_through_the_command(salnest_module, tmp_path, capsys):
    from salnest.cli import main
    from salnest.study.results import read_dataset

    assert "spike_counts_test" in kinds() and get("spike_counts_test").module == dummy_kind.__name__
    protocol = tmp_path / "counts.toml"
    protocol.write_text(PROTOCOL)
    out = tmp_path / "counts.nc"
    assert main(["run", str(protocol), "--output", str(out)]) == 0
    ds = read_dataset(out, kind="spike_counts_test")
    assert ds.attrs["completed_epochs"] == 5 and ds.attrs["salnest_kind_module"] == dummy_kind.__name__
    # sigma(0) = 1/2 of the time refractory for tau_ref = 10: about 15 spikes per neuron per 300 steps
    assert np.all(ds.counts.values[1:] > 0) and np.all(ds.counts.values[1:] < 40)
    assert (tmp_path / "figures" / "counts.png").is_file()
    capsys.readouterr()
    figure = tmp_path / "again.png"
    assert main(["plot", str(out), "--figure", str(figure)]) == 0
    printed = capsys.readouterr().out
    assert figure.is_file() and f"{int(ds.counts.values[1:].sum())} spikes in 5 epochs" in printed
    assert main(["describe", "spike_counts_test"]) == 0
    described = capsys.readouterr().out
    assert "independent sampling neurons" in described and "checkpoint_every" in described
    assert "default 2" in described  # the kind's own default for checkpoint_every


def test_the_kinds_cross_field_check_runs_before_anything(tmp_path, capsys):
    from salnest.cli import main

    protocol = tmp_path / "bad.toml"
    protocol.write_text(PROTOCOL.replace("steps = 300", "steps = 20"))
    assert main(["run", str(protocol), "--output", str(tmp_path / "x.nc")]) == 2
    assert "schedule.steps must be at least 10 per neuron" in capsys.readouterr().err
    assert not (tmp_path / "x.nc").exists()


def test_describe_lists_every_kind(capsys):
    from salnest.cli import main

    assert main(["describe"]) == 0
    listed = capsys.readouterr().out
    for name in ("pair_trajectory", "pair_stdd", "pair_phase_plane", "wake_sleep", "microcircuit",
                 "spike_counts_test"):
        assert name in listed
    assert main(["describe", "no_such_kind"]) == 2


def test_a_second_module_cannot_take_a_kinds_name():
    taken = get("wake_sleep")
    with pytest.raises(ValueError, match="registered by salnest.experiments.wake_sleep already"):
        register(ExperimentKind(**{**taken.__dict__, "module": "someone.else"}))
    with pytest.raises(ValueError, match="exactly one of run"):
        ExperimentKind(name="x", description="", schema={}, plot=dummy_kind._plot)


def test_every_field_of_every_kind_is_documented():
    for kind in kinds().values():
        for section, fields in kind.protocol_schema().items():
            for key, spec in fields.items():
                assert spec.doc, f"{kind.name}: {section}.{key} has no documentation"
