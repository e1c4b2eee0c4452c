"""Build NEST extension modules, from NESTML sources or hand-written C++, with a cache.

A module is identified by a key made of its sources, the neuron-synapse pairs to
co-generate (NESTML), the NEST installation, the NESTML version and the compiler.
``build_module`` returns at once when a module with that key exists, so it is cheap to call
before every simulation; it rebuilds only when a source
or the installed NEST changes. Concurrent builds of the same key (several MPI
ranks, parallel test workers) wait for each other through a file lock.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from salnest.compat.nest_wheel import nest_path_for_nestml
from salnest.compat.nestml import only_paired_neurons, patches_before_compiling
from salnest.models.catalogue import CORE_MODULE, CppModuleSpec, ModuleSpec
from salnest.models.nest_install import NestInstall, find_nest

log = logging.getLogger(__name__)

#: Bump when the build procedure changes in a way that changes the binary.
BUILD_RECIPE_VERSION = "4"


class BuildError(RuntimeError):
    """Raised when a module cannot be generated or compiled."""


class MissingPrerequisiteError(BuildError):
    """Raised when a system package needed for compiling is missing."""


def cache_root() -> Path:
    """Where built modules live: ``$SALNEST_CACHE`` or ``~/.cache/salnest``."""
    env = os.environ.get("SALNEST_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "salnest"


def _compiler() -> str:
    cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")
    if not cxx:
        raise MissingPrerequisiteError(
            "No C++ compiler found. On Debian/Ubuntu: apt-get install g++ "
            "(or set CXX to your compiler)."
        )
    return cxx


def check_prerequisites(nest: NestInstall) -> str:
    """Check the system tools a module build needs; return the compiler path."""
    missing = [tool for tool in ("cmake", "make") if shutil.which(tool) is None]
    if missing:
        raise MissingPrerequisiteError(
            f"{' and '.join(missing)} not found. On Debian/Ubuntu: apt-get install {' '.join(missing)}"
        )
    cxx = _compiler()
    # NEST's headers include these; fail early with the package name instead of a compile error
    for header, package in (("boost/type_index.hpp", "libboost-dev"), ("ltdl.h", "libltdl-dev")):
        probe = subprocess.run(
            [cxx, "-x", "c++", "-fsyntax-only", "-std=c++17", "-"],
            input=f"#include <{header}>\n", capture_output=True, text=True,
        )
        if probe.returncode != 0:
            raise MissingPrerequisiteError(
                f"{header} not found (NEST's headers include it). "
                f"On Debian/Ubuntu: apt-get install {package}"
            )
    return cxx


@functools.lru_cache(maxsize=None)
def _compiler_version(cxx: str) -> str:
    out = subprocess.run([cxx, "--version"], capture_output=True, text=True)
    return out.stdout.splitlines()[0] if out.stdout else cxx


def module_key(spec: ModuleSpec | CppModuleSpec, nest: NestInstall, cxx: str) -> str:
    """Hash of everything that determines the compiled module."""
    import pynestml

    h = hashlib.sha256()
    for src in sorted(spec.sources):
        h.update(src.name.encode())
        h.update(src.read_bytes())
    h.update(json.dumps(spec.codegen_opts(), sort_keys=True).encode())
    h.update(spec.name.encode())
    h.update(nest.fingerprint.encode())
    h.update(pynestml.__version__.encode())
    h.update(_compiler_version(cxx).encode())
    h.update(BUILD_RECIPE_VERSION.encode())
    return h.hexdigest()[:16]


def module_path(spec: ModuleSpec | CppModuleSpec = CORE_MODULE) -> Path | None:
    """Path of the built module (without ``.so``) if it is in the cache, else None."""
    nest = find_nest()
    key = module_key(spec, nest, _compiler())
    so = cache_root() / f"{spec.name}-{key}" / "install" / f"{spec.name}.so"
    return so.with_suffix("") if so.is_file() else None


def build_module(spec: ModuleSpec | CppModuleSpec = CORE_MODULE, force: bool = False, jobs: int | None = None) -> Path:
    """Generate (NESTML) and compile ``spec`` unless it is cached; return the module path.

    The returned path has no ``.so`` suffix, as ``nest.Install`` expects.
    """
    for src in spec.sources:
        if not src.is_file():
            raise BuildError(f"NESTML source not found: {src}")
    nest = find_nest()
    cxx = _compiler()
    key = module_key(spec, nest, cxx)
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{spec.name}-{key}"
    so = final / "install" / f"{spec.name}.so"
    with open(root / f"{spec.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if so.is_file() and not force:
            return so.with_suffix("")
        check_prerequisites(nest)
        log.info("building %s (key %s) against NEST %s", spec.name, key, nest.version)
        work = Path(tempfile.mkdtemp(prefix=f"{spec.name}-", dir=root))
        try:
            try:
                if isinstance(spec, CppModuleSpec):
                    _compile_cpp(spec, nest, cxx, work, jobs)
                else:
                    _generate_and_compile(spec, nest, cxx, work, jobs)
            except BuildError as exc:
                failed = root / f"{spec.name}-{key}-failed"
                shutil.rmtree(failed, ignore_errors=True)
                work.rename(failed)
                raise BuildError(f"{exc}. Generated code and build logs are kept in {failed}") from exc
            (work / "build_info.json").write_text(json.dumps({
                "module": spec.name, "key": key, "nest_version": nest.version,
                "nest_package": str(nest.package_dir), "old_string_abi": nest.old_string_abi,
                "compiler": _compiler_version(cxx),
                "sources": [str(s) for s in spec.sources],
            }, indent=2))
            if final.exists():
                shutil.rmtree(final)
            work.rename(final)  # atomic: a half-built module is never visible
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    if not so.is_file():
        raise BuildError(f"build finished but {so} is missing")
    return so.with_suffix("")


def cpp_flags(nest: NestInstall) -> list[str]:
    """Compiler flags for a module of NEST's own API against ``nest``: NEST's flags, its C++ string
    ABI (the PyPI wheel uses the old one) and its headers. No link flags: the kernel is loaded
    into the process with RTLD_GLOBAL, so a module resolves its symbols at load time."""
    return [*nest.module_cflags.split(), "-fPIC", "-DLTX_MODULE", *(f"-I{d}" for d in (nest.include_dir,
                                                                                     *nest.extra_includes))]


def _compile_cpp(spec: CppModuleSpec, nest: NestInstall, cxx: str, work: Path, jobs: int | None) -> None:
    """Compile the module's .cpp files in parallel (up to ``jobs``) and link them into ``install/NAME.so``."""
    flags = cpp_flags(nest) + [f"-I{spec.sources[0].parent}"]
    objects, pending = [], []
    log = work / "build.log"
    with open(log, "w") as out:
        for src in (s for s in spec.sources if s.suffix == ".cpp"):
            obj = work / f"{src.stem}.o"
            objects.append(obj)
            while len(pending) >= max(1, jobs or os.cpu_count() or 1):
                _wait(pending.pop(0), log)
            pending.append(subprocess.Popen([cxx, *flags, "-c", str(src), "-o", str(obj)], stdout=out,
                                            stderr=subprocess.STDOUT))
        for proc in pending:
            _wait(proc, log)
        (work / "install").mkdir()
        _wait(subprocess.Popen([cxx, "-shared", *flags, *map(str, objects), "-o",
                                str(work / "install" / f"{spec.name}.so")], stdout=out, stderr=subprocess.STDOUT), log)


def _wait(proc: subprocess.Popen, log: Path) -> None:
    if proc.wait() != 0:
        raise BuildError(f"compiling failed ({' '.join(map(str, proc.args[:1]))} ... exited {proc.returncode}); "
                         f"compiler output in {log.name}:\n{log.read_text()[-3000:]}")


def _generate_and_compile(spec: ModuleSpec, nest: NestInstall, cxx: str, work: Path, jobs: int | None) -> None:
    from pynestml.frontend.pynestml_frontend import generate_nest_target

    nest_path = nest_path_for_nestml(work, nest, cxx)
    src_dir = work / "src"
    src_dir.mkdir()
    for src in spec.sources:
        shutil.copy(src, src_dir / src.name)
    opts = spec.codegen_opts()
    opts["nest_path"] = str(nest_path)
    # compiler output goes to files; a failure message points at them
    opts["redirect_build_output"] = True
    opts["build_output_dir"] = str(work)
    opts["max_n_compiler_processes"] = jobs or os.cpu_count() or 1
    try:
        with only_paired_neurons({neuron for neuron, _ in spec.pairs}), patches_before_compiling(work / "target"):
            generate_nest_target(
                input_path=[str(src_dir / s.name) for s in spec.sources],
                target_path=str(work / "target"),
                install_path=str(work / "install"),
                module_name=spec.name,
                logging_level="ERROR",
                codegen_opts=opts,
            )
    except Exception as exc:  # NESTML raises many types; report them as one
        raise BuildError(f"generating or compiling {spec.name} failed: {exc!r}") from exc
    built = list((work / "install").rglob(f"{spec.name}.so"))
    if not built:
        raise BuildError(f"NESTML finished but produced no {spec.name}.so in {work / 'install'}")
    if built[0] != work / "install" / f"{spec.name}.so":
        shutil.move(str(built[0]), work / "install" / f"{spec.name}.so")
