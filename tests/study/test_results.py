"""Results files: atomic writes, clear errors for missing, truncated or foreign files, resuming only the same protocol."""

import numpy as np
import pytest
import xarray as xr

from salnest.study.results import ResultsFileError, previous_results, read_dataset, write_dataset


def _dataset():
    return xr.Dataset({"w": ("t", np.arange(5.0))}, attrs={"salnest_kind": "test"})


def test_round_trip(tmp_path):
    path = write_dataset(_dataset(), tmp_path / "sub" / "r.nc")
    ds = read_dataset(path, kind="test")
    np.testing.assert_array_equal(ds.w, np.arange(5.0))
    assert [p.name for p in path.parent.iterdir()] == ["r.nc"]  # no temporary file left


def test_truncated_file_gives_clear_error(tmp_path):
    path = write_dataset(_dataset(), tmp_path / "r.nc")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ResultsFileError, match="truncated or damaged"):
        read_dataset(path)


def test_foreign_and_wrong_kind_and_missing(tmp_path):
    foreign = tmp_path / "f.nc"
    xr.Dataset({"x": ("t", [1.0])}).to_netcdf(foreign)
    with pytest.raises(ResultsFileError, match="not written by salnest"):
        read_dataset(foreign)
    path = write_dataset(_dataset(), tmp_path / "r.nc")
    with pytest.raises(ResultsFileError, match="expected 'pair'"):
        read_dataset(path, kind="pair")
    with pytest.raises(ResultsFileError, match="not found"):
        read_dataset(tmp_path / "none.nc")


def test_failed_write_keeps_previous_file(tmp_path, monkeypatch):
    path = write_dataset(_dataset(), tmp_path / "r.nc")
    before = path.read_bytes()

    def broken(self, target, *args, **kwargs):
        open(target, "wb").write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.Dataset, "to_netcdf", broken)
    with pytest.raises(KeyboardInterrupt):
        write_dataset(_dataset(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.nc"]


def test_previous_results_resumes_only_the_same_protocol(tmp_path):
    assert previous_results(tmp_path / "none.nc", "test", "abc") is None  # nothing to resume: start
    ds = _dataset()
    ds.attrs["protocol_hash"] = "abc"
    path = write_dataset(ds, tmp_path / "r.nc")
    assert previous_results(path, "test", "abc").attrs["protocol_hash"] == "abc"
    with pytest.raises(ResultsFileError, match="another protocol"):
        previous_results(path, "test", "edited")


def test_previous_results_refuses_to_overwrite_a_foreign_or_damaged_file(tmp_path):
    foreign = tmp_path / "f.nc"
    xr.Dataset({"x": ("t", [1.0])}).to_netcdf(foreign)
    with pytest.raises(ResultsFileError, match="not written by salnest"):
        previous_results(foreign, "test", "abc")
    damaged = write_dataset(_dataset(), tmp_path / "d.nc")
    damaged.write_bytes(damaged.read_bytes()[:100])
    with pytest.raises(ResultsFileError, match="truncated or damaged"):
        previous_results(damaged, "test", "abc")
