"""The salnest command as a user runs it."""

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from checkout import REPO

from salnest.resources import find_protocol

SALNEST = [sys.executable, "-m", "salnest.cli"]


def run(*args):
    return subprocess.run([*SALNEST, *args], capture_output=True, text=True, timeout=600)


def test_info_names_versions_module_and_parallelism(salnest_module):
    out = run("info")
    assert out.returncode == 0, out.stderr
    for field in ("nest-simulator", "nestml", "PyNN", "git commit", "module", "MPI", "OpenMP threads"):
        assert field in out.stdout
    assert str(salnest_module) in out.stdout


def test_build_is_up_to_date_when_nothing_changed(salnest_module):
    out = run("build")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("up to date")


def test_cogen_reports_missing_file_clearly(tmp_path):
    out = run("cogen", str(tmp_path / "nope.nestml"))
    assert out.returncode == 2
    assert "not found" in out.stderr
    assert "Traceback" not in out.stderr


def _stationary_sd(w12, w21, b1, b2, tau_ref, eta):
    """Standard deviation of one pair's W12 about the mean field near its fixed point ``w12`` (W21 fixed), as an
    Ornstein-Uhlenbeck process: eta * D / (2 |d drift / d W12|), with the drift's slope from the exact chain and
    D the variance per step of W12's window sum for independent pairs, sum_dt rate(dt) window(dt)^2, taken at the
    start (1.5) where it is largest. Successive pairs of a pair are anticorrelated: the exact chain's asymptotic
    variance is about 0.35 of this (tests/experiments/test_pair_protocols.py has the chain), so this sd is about
    1.7 times too large, on the safe side."""
    from salnest.theory.pair_chain import pair_statistics
    from salnest.theory.windows import sal_window

    def window(dt):
        return sal_window(dt, float(tau_ref), "exponential")

    h = 0.05
    drifts = [pair_statistics(w, w21, b1, b2, tau_ref).drift(window)[0] for w in (w12 - h, w12 + h)]
    slope = (drifts[1] - drifts[0]) / (2 * h)
    spread = max(np.sum(st.pair_rate * window(st.dt) ** 2)
                 for st in (pair_statistics(w, w21, b1, b2, tau_ref) for w in (w12, 1.5)))
    return float(np.sqrt(eta * spread / (2 * abs(slope))))


def test_demo_writes_results_with_provenance(salnest_module, tmp_path):
    out_file = tmp_path / "pair.nc"
    script = REPO / "pynn_networks" / "reciprocal_pair.py"
    proc = subprocess.run([sys.executable, str(script), "--steps", "200000", "--record-interval", "20000",
                           "--out", str(out_file)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    from salnest.study.results import read_dataset

    # the demo is protocols/demo.toml, run by the pair-trajectory runner: both directions plastic, only W12
    ds = read_dataset(out_file, kind="pair_trajectory")
    assert ds.weight.shape == (2, 11, 1, 2) and list(ds.condition.values) == ["both", "w12"]
    for attr in ("git_commit", "versions", "parameters", "seeds", "nest_threads", "nest_mpi_ranks"):
        assert attr in ds.attrs
    # W21 of the one-plastic pair is fixed, W12 moved toward it: 2x10^5 steps are 4.5 relaxation times of the
    # mean field (eta |d drift / d W12| = 1 / 44,000 steps), so W12 ends near the mean field's end, within
    # 4.5 sd of one pair's stationary spread (0.17, conservative; see _stationary_sd). That is closer than
    # the start, 1.0 away, so a W12 that does not learn (the control) fails
    one = ds.weight.sel(condition="w12", replicate=0)
    assert (one.sel(direction="W21") == 0.5).all()
    w12 = float(one.sel(direction="W12")[-1])
    mean_field = float(ds.mean_field_weight.sel(condition="w12", direction="W12").isel(time_mf=-1))
    sd = _stationary_sd(mean_field, 0.5, -0.5, -0.2, 25, eta=0.01)
    print(f"W12 = {w12:.3f}, mean field {mean_field:.3f}, sd {sd:.3f}")

    def learned(final):
        return abs(final - mean_field) < 4.5 * sd

    assert 4.5 * sd < 1.5 - mean_field  # the run resolves the move from the start
    assert learned(w12)
    assert not learned(1.5)  # control: no learning
    assert (tmp_path / "figures" / "pair.png").is_file()


def test_bad_script_argument_is_rejected_before_simulating(tmp_path):
    script = REPO / "pynn_networks" / "reciprocal_pair.py"
    proc = subprocess.run([sys.executable, str(script), "--window", "gaussian", "--out", str(tmp_path / "x.nc")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "network.window: must be one of ['exponential', 'triangular'], got 'gaussian'" in proc.stderr
    assert not (tmp_path / "x.nc").exists()


def test_plot_redraws_a_figure_and_rejects_foreign_files(salnest_module, tmp_path):
    import xarray as xr

    out_file = tmp_path / "pair.nc"
    script = REPO / "pynn_networks" / "reciprocal_pair.py"
    subprocess.run([sys.executable, str(script), "--steps", "5000", "--record-interval", "1000",
                    "--out", str(out_file)], capture_output=True, text=True, timeout=600, check=True)
    figure = tmp_path / "redrawn.png"
    proc = run("plot", str(out_file), "--figure", str(figure))
    assert proc.returncode == 0, proc.stderr
    assert figure.stat().st_size > 10_000
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"x": ("t", [1.0])}).to_netcdf(foreign)
    proc = run("plot", str(foreign))
    assert proc.returncode == 2
    assert "not written by salnest" in proc.stderr


def test_run_checks_every_protocol_before_the_first_simulation(tmp_path):
    """The second file's cross-field error (patterns that do not fit the input layer) stops the run
    before the first, valid, file is simulated."""
    good = find_protocol("microcircuit_smoke")
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("sizes = [1, 1, 1]", "sizes = [2, 3, 1]")
                   .replace('output = "results/microcircuit_smoke.nc"', f'output = "{tmp_path / "bad.nc"}"'))
    proc = run("run", str(good), str(bad), "--output", str(tmp_path / "x.nc"))
    assert proc.returncode == 2
    assert "bad.toml: patterns.training: pattern 0 has 1 input potentials" in proc.stderr
    assert not (tmp_path / "x.nc").exists()
    proc = run("run", str(good), "--threads", "0")
    assert proc.returncode == 2 and "--threads" in proc.stderr


WAKE_SLEEP = """
[experiment]
kind = "wake_sleep"
seed = 5
[network]
n_neurons = 3
[runs]
n_targets = 1
n_inits = 1
[noise]
kind = "synaptic"
levels = [0.8]
[schedule]
epochs = 2
epoch_length = 10
validation_every = 1
validation_length = 10
"""


def test_run_refuses_to_overwrite_results_it_cannot_resume(salnest_module, tmp_path):
    import xarray as xr

    from salnest.study.results import write_dataset

    protocol = tmp_path / "ws.toml"
    protocol.write_text(WAKE_SLEEP)
    out = tmp_path / "ws.nc"
    write_dataset(xr.Dataset(attrs={"salnest_kind": "wake_sleep", "protocol_hash": "0123456789abcdef"}), out)
    before = out.read_bytes()
    proc = run("run", str(protocol), "--output", str(out), "--no-plot")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "another protocol" in proc.stderr and "Traceback" not in proc.stderr
    assert out.read_bytes() == before
    out.unlink()  # afresh, the same command runs
    proc = run("run", str(protocol), "--output", str(out), "--no-plot")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"-> {out}" in proc.stdout


LONG_WAKE_SLEEP = """
[experiment]
kind = "wake_sleep"
seed = 5
checkpoint_every = 20
[network]
n_neurons = 3
tau_ref = 10
[runs]
n_targets = 1
n_inits = 1
[noise]
levels = [0.8]
[learning]
conditions = ["sal"]
[schedule]
epochs = 600
epoch_length = 10
validation_every = 600
validation_length = 1
"""


def _start(*args):
    # a child of a shell without job control may inherit SIGINT ignored; Ctrl-C must reach it
    return subprocess.Popen([*SALNEST, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _stop_after_a_checkpoint(proc, out, timeout=120):
    """SIGSTOP the run as soon as it has replaced ``out`` after its first write (the start's
    checkpoint), so that it cannot finish while the test looks: a stat per poll, since reading the
    netCDF file in the meantime would give a fast run time to end (it takes 3 s on a fast machine)."""
    from salnest.study.results import read_dataset

    def version():
        try:
            st = out.stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns

    first, deadline = None, time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        now = version()
        if first is None:
            first = now
        elif now is not None and now != first:
            proc.send_signal(signal.SIGSTOP)
            assert read_dataset(out).attrs["completed_epochs"] >= 1
            return
        time.sleep(0.005)
    raise AssertionError(f"no checkpoint after the first in {timeout} s")


def _long_run(tmp_path):
    """A wake-sleep protocol of a few seconds: its file, results file and ``salnest`` command."""
    protocol = tmp_path / "ws.toml"
    protocol.write_text(LONG_WAKE_SLEEP)
    out = tmp_path / "ws.nc"
    return protocol, out, ("run", str(protocol), "--output", str(out), "--no-plot")


def test_ctrl_c_says_what_is_saved_and_the_same_command_resumes(salnest_module, tmp_path):
    from salnest.study.results import read_dataset

    protocol, out, command = _long_run(tmp_path)
    proc = _start(*command)
    # frozen while the signal is sent: the run must not finish before Ctrl-C reaches it
    _stop_after_a_checkpoint(proc, out)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGCONT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]
    saved = read_dataset(out).attrs["completed_epochs"]
    assert 20 <= saved < 600
    last = stderr.strip().splitlines()[-1]
    assert last == (f"salnest: {protocol}: interrupted: {saved} of 600 epochs are saved in {out}; "
                    f"the same command resumes from there"), stderr[-2000:]
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    proc = run(*command)
    assert proc.returncode == 0, proc.stderr[-3000:]
    done = read_dataset(out)
    assert done.attrs["completed_epochs"] == 600
    assert json.loads(done.attrs["seeds"])["resumed_at_epochs"] == [saved]


def test_a_second_run_on_the_same_results_is_refused_until_the_first_is_gone(salnest_module, tmp_path):
    from salnest.study.results import read_dataset

    _, out, command = _long_run(tmp_path)
    first = _start(*command)
    try:
        _stop_after_a_checkpoint(first, out)  # holds the lock, and keeps holding it while this test looks
        second = run(*command)
        assert second.returncode == 2
        assert f"is being written by another salnest run (pid {first.pid} on " in second.stderr, second.stderr
        assert "Traceback" not in second.stderr
        saved = read_dataset(out).attrs["completed_epochs"]
    finally:
        first.kill()  # as a node failure would: no clean-up, the lock file stays behind
        first.communicate(timeout=60)
    third = run(*command)
    assert third.returncode == 0, third.stderr[-3000:]
    assert "taking over the lock" in third.stderr and f"pid {first.pid}" in third.stderr
    assert json.loads(read_dataset(out).attrs["seeds"])["resumed_at_epochs"] == [saved]


def test_set_overrides_protocol_fields_and_is_validated_as_the_file(salnest_module, tmp_path):
    """--set changes a field as if the file held it: the results record the changed protocol, and a
    bad override is refused before anything is simulated, naming the field."""
    import json as json_module

    from salnest.study.results import read_dataset

    protocol = tmp_path / "ws.toml"
    protocol.write_text(WAKE_SLEEP)
    out = tmp_path / "ws.nc"
    proc = run("run", str(protocol), "--output", str(out), "--no-plot", "--set", "network.model=sampling_network",
               "--set", "schedule.epochs=3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    saved = json_module.loads(read_dataset(out).attrs["parameters"])
    assert saved["network"]["model"] == "sampling_network" and saved["schedule"]["epochs"] == 3
    for override, message in (("network.model=lif", "network.model"), ("schedule.epochs=0", "schedule.epochs"),
                              ("network.colour=1", "unknown key"), ("epochs=3", "section.field"),
                              ("network.model", "SECTION.FIELD=VALUE")):
        bad = tmp_path / "bad.nc"
        proc = run("run", str(protocol), "--output", str(bad), "--set", override)
        assert proc.returncode == 2 and message in proc.stderr, (override, proc.stderr[-1000:])
        assert not bad.exists()


@pytest.mark.parametrize("case", ["not utf-8", "empty", "directory", "not toml", "output a directory",
                                  "output folder a file", "output not salnest's", "output of another kind"])
def test_run_refuses_bad_files_in_one_line_and_writes_nothing(salnest_module, tmp_path, case):
    """Issue #29's table: each refused before anything runs, in one line naming the file, exit 2, and a file
    already where the results would go is left as it was."""
    import xarray as xr

    from salnest.study.results import write_dataset

    good = find_protocol("fig2c_stdd").read_text().replace("replicates = 20", "replicates = 1")
    protocol, out, named = tmp_path / "p.toml", tmp_path / "out.nc", None
    protocol.write_text(good)
    if case == "not utf-8":
        protocol.write_bytes(b"\xff\xfe" + good.encode())
    elif case == "empty":
        protocol.write_text("  \n")
    elif case == "directory":
        protocol = tmp_path / "folder.toml"
        protocol.mkdir()
    elif case == "not toml":
        protocol.write_text("[experiment\nkind = 1")
    elif case == "output a directory":
        out.mkdir()
    elif case == "output folder a file":
        (tmp_path / "plain").write_text("x")
        out, named = tmp_path / "plain" / "out.nc", tmp_path / "plain"
    elif case == "output not salnest's":
        out.write_bytes(b"my own data")
    else:
        write_dataset(xr.Dataset(attrs={"salnest_kind": "wake_sleep", "protocol_hash": "0"}), out)
    before = sorted((p.name, p.stat().st_size if p.is_file() else None) for p in tmp_path.rglob("*"))
    proc = run("run", str(protocol), "--output", str(out))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(named or (protocol if case in ("not utf-8", "empty", "directory", "not toml") else out)) in proc.stderr
    assert sorted((p.name, p.stat().st_size if p.is_file() else None) for p in tmp_path.rglob("*")) == before


def test_an_unexpected_error_is_one_line_and_a_log(tmp_path, monkeypatch, capsys):
    """A defect reaches the user as one line naming the error and a log with the traceback; --debug
    shows the traceback instead."""
    from salnest import cli

    monkeypatch.setenv("SALNEST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cli, "_cmd_info", lambda args: 1 / 0)
    assert cli.main(["info"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ZeroDivisionError: division by zero" in err and "Traceback" not in err
    log = next((tmp_path / "cache" / "logs").glob("salnest-*.log"))
    assert str(log) in err and "Traceback" in log.read_text() and "ZeroDivisionError" in log.read_text()
    with pytest.raises(ZeroDivisionError):
        cli.main(["--debug", "info"])


def test_set_goes_through_the_same_checks_as_the_file(tmp_path):
    proc = run("check", "fig2c_stdd", "--set", "network.w12=nan", "--output", str(tmp_path / "x.nc"))
    assert proc.returncode == 2 and "network.w12: must be a finite number, got nan" in proc.stderr
    proc = run("check", "fig2c_stdd", "--output", str(tmp_path / "x.nc"))
    assert proc.returncode == 0 and "valid" in proc.stdout and not (tmp_path / "x.nc").exists()
