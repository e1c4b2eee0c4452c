"""The driver: a run's identity, segments and resume, refusals, the results lock, interruptions."""

import json
import os

import dummy_kind  # noqa: F401  (registers spike_counts_test)
import numpy as np
import pytest
from interruption import stop_at

from salnest.study.driver import RunInterrupted, kernel_seed, run, run_identity
from salnest.study.protocol import load_protocol
from salnest.study.results import ResultsFileError, ResultsLock, ResultsLocked, read_dataset


def _protocol(tmp_path, checkpoint_every=2, epochs=6, **experiment):
    return load_protocol({
        "experiment": {"kind": "spike_counts_test", "seed": 7, "output": str(tmp_path / "c.nc"),
                       "checkpoint_every": checkpoint_every, **experiment},
        "network": {"n_neurons": 4},
        "schedule": {"epochs": epochs, "steps": 200},
    })


def test_identity_is_what_changes_results(tmp_path):
    p = _protocol(tmp_path)
    same = [_protocol(tmp_path, name="other label"), _protocol(tmp_path, threads=2),
            _protocol(tmp_path / "elsewhere")]
    assert all(run_identity(q) == run_identity(p) for q in same)
    different = [_protocol(tmp_path, checkpoint_every=3), _protocol(tmp_path, seed=8), _protocol(tmp_path, epochs=7)]
    assert len({run_identity(q) for q in different} | {run_identity(p)}) == 4


def test_kernel_seeds_follow_seed_and_epoch():
    assert kernel_seed(3, 0) == 3 * 1_000_003 + 1 and kernel_seed(3, 10) == kernel_seed(3, 0) + 10
    assert kernel_seed(3, -1) == 3 * 1_000_003  # a kernel before the first epoch
    # a seed whose formula would overflow NEST's 32-bit seeds: distinct seeds in NEST's range
    big = [kernel_seed(4_000_000_000, epoch) for epoch in range(-1, 50)]
    assert all(1 <= s <= 2 ** 32 - 1 for s in big) and len(set(big)) == len(big)
    assert kernel_seed(4_000_000_000, 7) == kernel_seed(4_000_000_000, 7)  # reproducible


def test_a_seed_beyond_the_formulas_32_bits_runs(salnest_module, tmp_path):
    """Seed 4e9 makes seed * 1000003 overflow NEST's 32-bit seeds; the kernels get seeds in range."""
    ds = run(_protocol(tmp_path, seed=4_000_000_000), tmp_path / "big.nc")
    assert ds.attrs["completed_epochs"] == 6 and ds.counts.values.sum() > 0
    with pytest.raises(Exception, match="must be <= 4294967295"):
        _protocol(tmp_path, seed=2 ** 32)


def test_segments_restart_the_kernel_so_the_interval_matters(salnest_module, tmp_path):
    """Why checkpoint_every is part of a run's identity: each segment is a fresh kernel seeded at its
    start, so two intervals give two (equally valid) realisations after the first common segment."""
    every2 = run(_protocol(tmp_path, checkpoint_every=2), tmp_path / "a.nc").counts.values
    every3 = run(_protocol(tmp_path, checkpoint_every=3), tmp_path / "b.nc").counts.values
    np.testing.assert_array_equal(every2[:3], every3[:3])  # epochs 1, 2: the same first kernel
    assert not np.array_equal(every2[3:], every3[3:])


def test_killed_run_resumes_bit_identically_and_refuses_another_interval(salnest_module, tmp_path):
    full = run(_protocol(tmp_path), tmp_path / "full.nc")
    out = tmp_path / "c.nc"
    with pytest.raises(RunInterrupted) as stopped:
        run(_protocol(tmp_path), out, stop_at(4))
    assert str(stopped.value) == f"interrupted: 2 of 6 epochs are saved in {out}; the same command resumes from there"
    assert read_dataset(out).attrs["completed_epochs"] == 2  # epoch 3 of the second segment was lost
    before = out.read_bytes()
    with pytest.raises(ResultsFileError, match="experiment.checkpoint_every is 2 there, 3 here") as refused:
        run(_protocol(tmp_path, checkpoint_every=3), out)
    assert "part of a run's identity" in str(refused.value) and "another protocol" in str(refused.value)
    assert out.read_bytes() == before
    resumed = run(_protocol(tmp_path), out)
    np.testing.assert_array_equal(resumed.counts.values, full.counts.values)
    assert json.loads(resumed.attrs["seeds"])["resumed_at_epochs"] == [2]
    sessions = json.loads(resumed.attrs["sessions"])
    assert [s["first_epoch"] for s in sessions] == [0, 2] and all(s["git_commit"] for s in sessions)


def test_provenance_is_written_once_with_the_dataset(salnest_module, tmp_path):
    ds = run(_protocol(tmp_path), tmp_path / "c.nc")
    saved = read_dataset(tmp_path / "c.nc")
    for attr in ("git_commit", "versions", "parameters", "seeds", "nest_threads", "nest_mpi_ranks",
                 "protocol_hash", "salnest_kind_module", "wall_time_s", "sessions"):
        assert attr in saved.attrs and saved.attrs[attr] == ds.attrs[attr]
    assert json.loads(saved.attrs["parameters"])["schedule"] == {"epochs": 6, "steps": 200}


def test_a_complete_run_is_left_alone(salnest_module, tmp_path, capsys):
    run(_protocol(tmp_path), tmp_path / "c.nc")
    before = (tmp_path / "c.nc").read_bytes()
    again = run(_protocol(tmp_path), tmp_path / "c.nc")
    assert "holds the complete run (6 epochs); nothing to do" in capsys.readouterr().err
    assert (tmp_path / "c.nc").read_bytes() == before and again.attrs["completed_epochs"] == 6


def test_resuming_with_other_virtual_processes_is_said(salnest_module, tmp_path, capsys):
    with pytest.raises(RunInterrupted):
        run(_protocol(tmp_path), tmp_path / "c.nc", stop_at(3))
    capsys.readouterr()
    run(_protocol(tmp_path, threads=2), tmp_path / "c.nc")
    assert "written with 1 virtual processes (ranks x threads), with 2" in capsys.readouterr().err


def test_lock_refuses_a_second_holder_and_takes_over_a_dead_ones(tmp_path, capsys):
    results = tmp_path / "r.nc"
    first = ResultsLock(results)
    first.acquire()
    with pytest.raises(ResultsLocked, match=f"another salnest run \\(pid {os.getpid()} on "):
        ResultsLock(results).acquire()
    first.release()
    assert not first.path.exists()
    # a holder that died left its record behind but holds no lock: taken over, and said so
    first.path.write_text(json.dumps({"pid": 999999, "host": "node7", "started": "then", "command": "salnest run x"}))
    second = ResultsLock(results)
    second.acquire()
    assert "taking over the lock" in capsys.readouterr().err
    assert json.loads(second.path.read_text())["pid"] == os.getpid()
    second.release()


def test_a_locked_results_file_is_not_touched(salnest_module, tmp_path):
    out = tmp_path / "c.nc"
    holder = ResultsLock(out)
    holder.acquire()
    try:
        with pytest.raises(ResultsLocked):
            run(_protocol(tmp_path), out)
        assert not out.exists()
    finally:
        holder.release()


class _Stages:
    """An EpochRun without NEST whose epochs come in two stages of 5 that need different kernels."""

    def __init__(self):
        from salnest.study.driver import EpochRun

        class Run(EpochRun):
            epochs = 10

            def __init__(self, protocol):
                self.opened = []

            def start(self):
                self.done = []

            def restore(self, checkpoint):
                self.done = list(checkpoint.done.values)

            def open_segment(self, first_epoch, seed):
                import contextlib

                self.opened.append(first_epoch)
                return contextlib.nullcontext(first_epoch // 5)

            def run_epoch(self, stage, epoch):
                assert stage == (epoch - 1) // 5, "an epoch ran in a kernel of the other stage"
                self.done.append(epoch)

            def dataset(self, completed):
                import xarray as xr

                return xr.Dataset({"done": ("epoch", np.array(self.done + [0] * (10 - len(self.done))))})

            def segment_end(self, completed, every):
                stage_start = completed - completed % 5
                return stage_start + min(5, (completed % 5 // every + 1) * every)

        self.Run = Run


def test_a_kind_may_end_segments_where_its_kernel_changes():
    from salnest.study.driver import run_kind as drive
    from salnest.study.registry import ExperimentKind

    runs = []
    stages = _Stages()

    def make(protocol):
        runs.append(stages.Run(protocol))
        return runs[-1]

    kind = ExperimentKind(name="stages_test", description="two stages", schema={}, epochs=make, plot=None)
    protocol = {"experiment": {"kind": "stages_test", "name": "stages", "seed": 1, "threads": 1,
                               "checkpoint_every": 3}}
    ds = drive(kind, protocol, None, lambda epochs: epochs)
    assert runs[0].opened == [0, 3, 5, 8]  # segments 1-3, 4-5 | 6-8, 9-10: none straddles the stages
    assert list(ds.done.values) == list(range(1, 11))
