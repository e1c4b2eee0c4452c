"""Results files (xarray datasets as netCDF): atomic writes, checked reads, resuming, locking."""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Callable

import xarray as xr


class ResultsFileError(RuntimeError):
    """Raised for a missing, truncated or foreign results file, or one that cannot be written."""


#: How netCDF files start: classic and 64-bit offset (``CDF``), netCDF-4 (HDF5's signature).
NETCDF_SIGNATURES = (b"CDF\x01", b"CDF\x02", b"CDF\x05", b"\x89HDF\r\n\x1a\n")


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


def check_output(path: str | Path, figure: str | Path | None = None) -> None:
    """Refuse, before anything runs, a results path that a run could not write.

    The path must not be a directory or anything but a regular file; its folder (and that of
    ``figure``, if given) must exist or be creatable, i.e. the nearest existing ancestor is a
    writable directory. Whether a file already there may be resumed is :func:`previous_results`'s
    to say. Creates nothing.

    Raises
    ------
    ResultsFileError
        One line naming the path and the problem.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise ResultsFileError(f"results file {path} is a directory; name a file (for instance {path / 'x.nc'})")
        if path.exists() and not path.is_file():
            raise ResultsFileError(f"results file {path} exists and is not a regular file")
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise ResultsFileError(f"results file {path} exists but cannot be read and written")
        for target in (path, *([Path(figure)] if figure is not None else [])):
            _check_folder(target.parent, target)
    except OSError as exc:  # a name too long, a loop of links, ...
        raise ResultsFileError(f"results file {path}: {exc.strerror or exc}") from None


def _check_folder(folder: Path, target: Path) -> None:
    existing = folder
    while not existing.exists():
        if existing.is_symlink():
            raise ResultsFileError(f"cannot write {target}: {existing} is a broken link")
        existing = existing.parent
    if not existing.is_dir():
        raise ResultsFileError(f"cannot write {target}: {existing} is not a directory")
    what = "its folder" if existing == folder else f"{existing}, where its folder would be made,"
    try:  # a probe, not os.access: root passes that test also where nothing can be made (/proc)
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise ResultsFileError(f"cannot write {target}: {what} is not writable ({exc.strerror or exc})") from None


def read_dataset(path: str | Path, kind: str | None = None) -> xr.Dataset:
    """Open a salnest results file; ``kind`` checks its ``salnest_kind`` attribute."""
    path = Path(path)
    if not path.is_file():
        raise ResultsFileError(f"results file not found: {path}")
    try:
        with open(path, "rb") as f:
            magic = f.read(8)
    except OSError as exc:
        raise ResultsFileError(f"{path} cannot be read: {exc.strerror or exc}") from None
    if not magic.startswith(NETCDF_SIGNATURES):
        raise ResultsFileError(f"{path} is not a netCDF file, so not a salnest results file")
    try:
        ds = xr.load_dataset(path)
    except Exception as exc:  # netCDF4/h5py raise many types for damaged files
        first = " ".join(str(exc).split())[:200]
        raise ResultsFileError(f"{path} is not a readable netCDF file (truncated or damaged?): {first}") from exc
    if "salnest_kind" not in ds.attrs:
        raise ResultsFileError(f"{path} was not written by salnest (no 'salnest_kind' attribute)")
    if kind is not None and ds.attrs["salnest_kind"] != kind:
        raise ResultsFileError(f"{path} holds '{ds.attrs['salnest_kind']}' results, expected '{kind}'")
    return ds


def completed_epochs(ds: xr.Dataset, total: int | None = None) -> int:
    """Epochs of a run that a results dataset holds (its ``completed_epochs``, which the driver writes
    with every checkpoint); for a dataset without it, ``total``, or else the last ``epoch``."""
    if "completed_epochs" in ds.attrs:
        return int(ds.attrs["completed_epochs"])
    return int(total if total is not None else ds.epoch.values[-1])


def previous_results(path: str | Path | None, kind: str, protocol_hash: str,
                     explain: Callable[[xr.Dataset], str] | None = None) -> xr.Dataset | None:
    """The checkpoint in ``path`` to resume from, or None when there is no file yet.

    A file that cannot be resumed (damaged, not salnest's, of another kind, or written by
    another protocol) raises :class:`ResultsFileError` instead of being overwritten: it may
    hold hours of someone's results. ``explain(dataset)`` says how the protocols differ.
    """
    if path is None or not Path(path).exists():
        return None
    ds = read_dataset(path, kind=kind)
    found = ds.attrs.get("protocol_hash")
    if found != protocol_hash:
        why = f": {explain(ds)}" if explain is not None else ""
        raise ResultsFileError(f"{path} holds results of another protocol (hash {found}, this one {protocol_hash})"
                               f"{why}. Delete it, or choose another output (--output) to start afresh")
    return ds


class ResultsLocked(ResultsFileError):
    """Another process is writing the results file."""


class ResultsLock:
    """An exclusive lock on a results file for the duration of a run.

    The lock is ``fcntl.flock`` on a file ``.NAME.lock`` beside the results file, which also
    records the holder (process, host, start, command) for the refusal message. The
    operating system releases it when the holder ends, however it ends, so the lock of a
    process that died is simply taken over. On a network file system it needs working
    ``flock`` (NFS emulates it with byte-range locks on Linux).
    """

    def __init__(self, results: str | Path):
        results = Path(results)
        self.results = results
        self.path = results.with_name(f".{results.name}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`ResultsLocked` naming the process that holds it
        (:class:`ResultsFileError` if the lock file cannot be made)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._take()
        except OSError as exc:
            raise ResultsFileError(f"cannot write beside {self.results}: {exc.strerror or exc}") from None

    def _take(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise ResultsLocked(f"{self.results} is being written by another salnest run ({holder}); wait "
                                    f"for it to end or stop it, or choose another output (--output)") from None
            try:  # the file may have been released and removed between open and flock
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        stale = _read_holder(fd, default="")
        if stale:
            print(f"salnest: taking over the lock of {self.results} from a run that no longer holds it ({stale})",
                  file=sys.stderr)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv),
                                  "started": datetime.datetime.now().isoformat(timespec="seconds")}).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        os.close(self._fd)
        self._fd = None


def _read_holder(fd: int, default: str = "holder unknown") -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "null")
        return f"pid {info['pid']} on {info['host']}, since {info['started']}: {info['command']}"
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return default
