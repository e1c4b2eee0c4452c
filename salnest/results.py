"""Writing and reading results files (xarray datasets as netCDF)."""

from __future__ import annotations

import os
from pathlib import Path

import xarray as xr


class ResultsFileError(RuntimeError):
    """Raised for a missing, truncated or foreign results file."""


def write_dataset(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` atomically: to a temporary file beside ``path``, then rename.

    An interrupted write never leaves a truncated file under ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        ds.to_netcdf(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_dataset(path: str | Path, kind: str | None = None) -> xr.Dataset:
    """Open a salnest results file; ``kind`` checks its ``salnest_kind`` attribute."""
    path = Path(path)
    if not path.is_file():
        raise ResultsFileError(f"results file not found: {path}")
    try:
        ds = xr.load_dataset(path)
    except Exception as exc:  # netCDF4/h5py raise many types for damaged files
        raise ResultsFileError(f"{path} is not a readable netCDF file (truncated or damaged?): {exc}") from exc
    if "salnest_kind" not in ds.attrs:
        raise ResultsFileError(f"{path} was not written by salnest (no 'salnest_kind' attribute)")
    if kind is not None and ds.attrs["salnest_kind"] != kind:
        raise ResultsFileError(f"{path} holds '{ds.attrs['salnest_kind']}' results, expected '{kind}'")
    return ds


def previous_results(path: str | Path | None, kind: str) -> xr.Dataset | None:
    """The results of ``kind`` in ``path`` if a readable salnest file is there (to resume), else None."""
    if path is None or not Path(path).exists():
        return None
    try:
        return read_dataset(path, kind=kind)
    except ResultsFileError:
        return None
