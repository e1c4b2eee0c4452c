"""Facts about the installed NEST, found without starting its kernel.

NESTML builds a module with ``nest-config``. The nest-simulator wheel from PyPI
ships a ``nest-config`` whose paths point into the build machine's temporary
directory, and its kernel uses the old libstdc++ string ABI. A NEST built from
source has a working ``nest-config`` and the new ABI. This module tells which
case we are in, so that :mod:`salnest.models.build` can compile a module that loads.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


class NestNotFoundError(RuntimeError):
    """Raised when no usable NEST installation is found."""


@dataclass(frozen=True)
class NestInstall:
    """What salnest needs to know about one NEST installation."""

    version: str
    package_dir: Path          # the ``nest`` Python package
    nest_config: Path | None   # the nest-config script, if any
    prefix: Path | None        # install prefix, if it exists on this machine
    include_dir: Path          # directory with nest.h, kernel headers
    kernel_libraries: tuple[Path, ...]
    cflags: str                # compiler flags NEST was built with
    old_string_abi: bool       # kernel built with -D_GLIBCXX_USE_CXX11_ABI=0
    extra_includes: tuple[Path, ...] = ()  # other headers NEST's headers include (MPI's, for one)

    @property
    def module_cflags(self) -> str:
        """Compiler flags for an extension module: NEST's own, and the C++ string ABI of its kernel
        (a module with the other ABI builds but fails to load with a misleading 'file not found')."""
        return self.cflags + (" -D_GLIBCXX_USE_CXX11_ABI=0" if self.old_string_abi else "")

    @property
    def fingerprint(self) -> str:
        """A string that changes whenever the NEST kernel changes.

        It hashes the kernel libraries' contents, not their paths or times, so that a
        fresh virtual environment with the same NEST (a CI run in a new clone, say)
        finds the modules built before.
        """
        parts = [self.version]
        for lib in self.kernel_libraries:
            st = lib.stat()
            parts.append(f"{lib.name}:{_content_digest(lib, st.st_size, st.st_mtime_ns)}")
        return "|".join(parts)


@functools.lru_cache(maxsize=None)
def _content_digest(path: Path, size: int, mtime_ns: int) -> str:
    # size and time are part of the cache key only: a changed file is hashed again
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _nest_package_dir() -> Path:
    spec = importlib.util.find_spec("nest")
    if spec is None or not spec.submodule_search_locations:
        raise NestNotFoundError(
            "NEST is not installed in this Python environment "
            f"({sys.executable}). Install it with 'pip install nest-simulator==3.10.0' "
            "or build it from source (see docs/install.md)."
        )
    return Path(list(spec.submodule_search_locations)[0])


def _find_nest_config(package_dir: Path) -> Path | None:
    candidates = [Path(sys.prefix) / "bin" / "nest-config"]
    on_path = shutil.which("nest-config")
    if on_path:
        candidates.append(Path(on_path))
    # a source build installs the package under <prefix>/lib*/python3.X/site-packages
    candidates.append(package_dir.parents[3] / "bin" / "nest-config")
    for cand in candidates:
        if cand.is_file() and os.access(cand, os.X_OK):
            return cand
    return None


def _query(nest_config: Path, option: str) -> str:
    out = subprocess.run([str(nest_config), option], capture_output=True, text=True, check=False)
    return out.stdout.strip() if out.returncode == 0 else ""


def _kernel_libraries(package_dir: Path, prefix: Path | None) -> tuple[Path, ...]:
    libs = sorted(package_dir.glob("nestkernel_api*.so"))
    if prefix is not None:
        for libdir in ("lib", "lib64"):
            libs += sorted((prefix / libdir / "nest").glob("libnest*.so"))
    return tuple(libs)


def _uses_old_string_abi(libraries: tuple[Path, ...]) -> bool:
    """True when NEST's own symbols use the pre-C++11 std::string ABI.

    A module compiled with the other ABI builds fine but fails to load with a
    misleading "file not found", so the flag must follow the kernel. Only
    symbols of namespace ``nest`` count: the wheel links parts of libstdc++
    statically, and those carry ``__cxx11`` names whatever NEST used.
    """
    nest_symbols = re.compile(rb"_ZN?K?4nest[A-Za-z0-9_]+")
    found_any = False
    for lib in libraries:
        for sym in nest_symbols.findall(lib.read_bytes()):
            found_any = True
            if b"__cxx11" in sym:
                return False
    return found_any


def _existing_include_dirs(includes: str, nest_include_dir: Path) -> tuple[Path, ...]:
    """The ``-I`` directories of ``nest-config --includes`` that exist here, NEST's own excepted.

    A NEST built with MPI includes ``mpi.h`` from its headers, so modules need MPI's include
    directories; a wheel's nest-config lists them beside its build machine's NEST path.
    """
    dirs = []
    for flag in includes.split():
        if flag.startswith("-I"):
            path = Path(flag[2:])
            if path.is_dir() and path != nest_include_dir and path not in dirs and str(path) != "/usr/include":
                dirs.append(path)
    return tuple(dirs)


@functools.lru_cache(maxsize=1)
def find_nest() -> NestInstall:
    """Describe the NEST installation that ``import nest`` would load (cached per process)."""
    package_dir = _nest_package_dir()
    nest_config = _find_nest_config(package_dir)
    version = ""
    prefix = None
    cflags = "-O2 -std=c++20"
    extra_includes: tuple[Path, ...] = ()
    include_dir = package_dir / "include" / "nest"
    if nest_config is not None:
        version = _query(nest_config, "--version")
        reported = Path(_query(nest_config, "--prefix") or "/nonexistent")
        if reported.is_dir():
            prefix = reported
            include_dir = prefix / "include" / "nest"
        cflags = _query(nest_config, "--cflags") or cflags
        extra_includes = _existing_include_dirs(_query(nest_config, "--includes"), include_dir)
    if not version:
        init = (package_dir / "__init__.py").read_text(errors="replace")
        match = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", init)
        version = match.group(1) if match else "unknown"
    if not (include_dir / "nest.h").is_file():
        raise NestNotFoundError(
            f"NEST {version} at {package_dir} has no C++ headers (looked in {include_dir}); "
            "salnest needs them to compile its module. Use the nest-simulator wheel "
            "from PyPI or a NEST installed from source with 'make install'."
        )
    libraries = _kernel_libraries(package_dir, prefix)
    return NestInstall(
        version=version,
        package_dir=package_dir,
        nest_config=nest_config,
        prefix=prefix,
        include_dir=include_dir,
        kernel_libraries=libraries,
        cflags=cflags,
        old_string_abi=_uses_old_string_abi(libraries),
        extra_includes=extra_includes,
    )
