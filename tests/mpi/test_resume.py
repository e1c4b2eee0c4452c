"""A job killed on 2 ranks (as by a batch system's time limit) and submitted again resumes from
its last checkpoint and ends with exactly the results of an uninterrupted job."""

import json
import signal
import time

import numpy as np
import pytest
from mpi_launch import run_ok, start
from mpi_protocols import wake_sleep

from salnest.study.results import ResultsFileError, read_dataset

pytestmark = pytest.mark.mpi

EPOCHS, CHECKPOINT = 200, 10

WAKE_SLEEP = wake_sleep(seed=8, epochs=EPOCHS, checkpoint_every=CHECKPOINT, epoch_length=100,
                        validation_every=100)


def _completed(path) -> int:
    try:
        return int(read_dataset(path).attrs["completed_epochs"])
    except ResultsFileError:  # not written yet
        return -1


def test_killed_job_resumes_identically(tmp_path):
    protocol = tmp_path / "ws.toml"
    protocol.write_text(WAKE_SLEEP)

    def command(out):
        return ["-m", "salnest.cli", "run", protocol, "--threads", 1, "--output", out, "--no-plot"]

    run_ok(command(tmp_path / "full.nc"), ranks=2)
    out = tmp_path / "killed.nc"
    job = start(command(out), ranks=2)
    try:
        deadline = time.monotonic() + 300
        while _completed(out) < CHECKPOINT and job.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        job.send_signal(signal.SIGTERM)  # mpirun passes it on to both ranks
        job.wait(timeout=60)
    finally:
        if job.poll() is None:
            job.kill()
    killed_at = _completed(out)
    assert CHECKPOINT <= killed_at < EPOCHS, f"the kill came at epoch {killed_at}, not mid-run"

    run_ok(command(out), ranks=2)
    resumed, full = read_dataset(out), read_dataset(tmp_path / "full.nc")
    assert json.loads(resumed.attrs["seeds"])["resumed_at_epochs"] == [killed_at]
    assert resumed.attrs["completed_epochs"] == EPOCHS
    for name in ("W", "b", "asymmetry", "dkl", "p_sampled"):
        np.testing.assert_array_equal(resumed[name].values, full[name].values, err_msg=name)
