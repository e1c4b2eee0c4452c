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


def previous_results(path: str | Path | None, kind: str, protocol_hash: str) -> xr.Dataset | None:
    """The checkpoint in ``path`` to resume from, or None when there is no file yet.

    A file that cannot be resumed (damaged, not salnest's, of another kind, or written by
    another protocol) raises :class:`ResultsFileError` instead of being overwritten: it may
    hold hours of someone's results.
    """
    if path is None or not Path(path).exists():
        return None
    ds = read_dataset(path, kind=kind)
    found = ds.attrs.get("protocol_hash")
    if found != protocol_hash:
        raise ResultsFileError(f"{path} holds results of another protocol (hash {found}, this one {protocol_hash}): "
                               f"delete it, or choose another output (--output) to start afresh")
    return ds
