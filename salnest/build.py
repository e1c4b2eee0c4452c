"""Generate and compile NEST extension modules from NESTML sources, with a cache.

A module is identified by a key made of its NESTML sources, the neuron-synapse
pairs to co-generate, the NEST installation, the NESTML version and the
compiler. ``build_module`` returns at once when a module with that key exists,
so it is cheap to call before every simulation; it rebuilds only when a source
or the installed NEST changes. Concurrent builds of the same key (several MPI
ranks, parallel test workers) wait for each other through a file lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from salnest.nest_install import NestInstall, find_nest

log = logging.getLogger(__name__)

#: The salnest checkout (salnest is installed editable: models and networks stay user-editable).
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Folder of the NESTML sources shipped with salnest.
NESTML_MODELS_DIR = REPO_ROOT / "nestml_models"

#: Bump when the build procedure changes in a way that changes the binary.
BUILD_RECIPE_VERSION = "3"


class BuildError(RuntimeError):
    """Raised when a module cannot be generated or compiled."""


class MissingPrerequisiteError(BuildError):
    """Raised when a system package needed for compiling is missing."""


@dataclass(frozen=True)
class SynapseCodegen:
    """How NESTML should treat one synapse model.

    NESTML moves state variables that change only on postsynaptic spikes into
    the postsynaptic neuron, which would make them per-neuron instead of
    per-connection; ``synaptic_vars`` keeps the named ones in the synapse.
    """

    name: str
    weight_var: str = "w"
    delay_var: str = "d"
    synaptic_vars: tuple[str, ...] = ()
    #: postsynaptic ports: spike port names, or (synapse port, neuron variable) for continuous ones
    post_ports: tuple = ("post_spikes",)


@dataclass(frozen=True)
class ModuleSpec:
    """A NEST extension module to generate from NESTML sources.

    ``pairs`` maps each neuron model to the synapse models co-generated with it
    (synapses that read postsynaptic spikes must be). ``synapse_options``
    names the weight and delay variables of each synapse.
    """

    name: str
    sources: tuple[Path, ...]
    pairs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    synapses: tuple[SynapseCodegen, ...] = ()

    def codegen_opts(self) -> dict:
        """NESTML 9 code generator options for this module."""
        opts: dict = {
            "neuron_synapse_pairs": [
                {"neuron": neuron, "synapses": {syn: {"post_ports": self._post_ports(syn)} for syn in syns}}
                for neuron, syns in self.pairs
            ],
            "weight_variable": {syn.name: syn.weight_var for syn in self.synapses},
            "delay_variable": {syn.name: syn.delay_var for syn in self.synapses},
            "strictly_synaptic_vars": {syn.name: list(syn.synaptic_vars) for syn in self.synapses},
        }
        return opts

    def _post_ports(self, synapse: str) -> list:
        for syn in self.synapses:
            if syn.name == synapse:
                return [p if isinstance(p, str) else list(p) for p in syn.post_ports]
        return ["post_spikes"]


#: The SAL synapse keeps all its state per connection.
SAL_SYNAPSE_CODEGEN = SynapseCodegen(
    name="sal_synapse",
    synaptic_vars=("sal_sum", "ws_sum", "n_pairs", "t_pre_last", "t_pre_before", "t_post_last"),
)


#: Dendritic prediction plasticity reads two running averages of the postsynaptic neuron.
#: NESTML 9 applies the post ports of a neuron's first paired synapse to all of them, so
#: this list also names the SAL synapse's spike port and us_synapse must come first.
US_SYNAPSE_CODEGEN = SynapseCodegen(
    name="us_synapse",
    post_ports=("post_spikes", ("post_avg_u", "avg_u"), ("post_avg_vb", "avg_vb")),
)


def microcircuit_module_spec() -> ModuleSpec:
    """The microcircuit module: the pyramidal neuron with dendritic-prediction and SAL synapses."""
    return ModuleSpec(
        name="salmicrocircuitmodule",
        sources=tuple(NESTML_MODELS_DIR / f for f in ("pyramidal_neuron.nestml", "us_synapse.nestml",
                                                       "sal_synapse.nestml")),
        pairs=(("pyramidal_neuron", ("us_synapse", "sal_synapse")),),
        synapses=(US_SYNAPSE_CODEGEN, SAL_SYNAPSE_CODEGEN),
    )


def default_module_spec() -> ModuleSpec:
    """The salnest module: the sampling neuron with the SAL synapse."""
    return ModuleSpec(
        name="salnestmodule",
        sources=(
            NESTML_MODELS_DIR / "sampling_neuron.nestml",
            NESTML_MODELS_DIR / "sal_synapse.nestml",
        ),
        pairs=(("sampling_neuron", ("sal_synapse",)),),
        synapses=(SAL_SYNAPSE_CODEGEN,),
    )


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


def module_key(spec: ModuleSpec, nest: NestInstall, cxx: str) -> str:
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


def _write_nest_config_shim(prefix_dir: Path, nest: NestInstall, cxx: str) -> None:
    """A nest-config that reports this machine's real paths.

    The wheel's nest-config names directories of the machine that built it.
    Modules need no link flags: the kernel is loaded into the process with
    RTLD_GLOBAL, so a module resolves its symbols at load time.
    """
    cflags = nest.cflags
    if nest.old_string_abi:
        cflags += " -D_GLIBCXX_USE_CXX11_ABI=0"
    answers = {
        "--prefix": str(prefix_dir),
        "--exec-prefix": str(prefix_dir),
        "--version": nest.version,
        "--includes": " ".join(f"-I{d}" for d in (nest.include_dir, *nest.extra_includes)),
        "--cflags": cflags,
        "--libs": "",
        "--compiler": cxx,
        "--compiler-name": "GNU",
        "--static-libraries": "OFF",
        "--libdir": "lib",
        "--datadir": "share/nest",
        "--docdir": "share/doc/nest",
        "--python-executable": sys.executable,
    }
    cases = "\n".join(f'    {opt}) echo "{val}" ;;' for opt, val in answers.items())
    script = f"""#!/bin/sh
# Written by salnest: reports the real locations of NEST {nest.version} on this machine.
case "$1" in
{cases}
    *) echo "nest-config (salnest shim): unknown option $1" >&2; exit 1 ;;
esac
"""
    bin_dir = prefix_dir / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / "nest-config"
    path.write_text(script)
    path.chmod(0o755)


def _nest_path_for_nestml(work: Path, nest: NestInstall, cxx: str) -> Path:
    if nest.prefix is not None and not nest.old_string_abi:
        return nest.prefix
    shim = work / "nest_prefix"
    _write_nest_config_shim(shim, nest, cxx)
    return shim


def module_path(spec: ModuleSpec | None = None) -> Path | None:
    """Path of the built module (without ``.so``) if it is in the cache, else None."""
    spec = spec or default_module_spec()
    nest = find_nest()
    key = module_key(spec, nest, _compiler())
    so = cache_root() / f"{spec.name}-{key}" / "install" / f"{spec.name}.so"
    return so.with_suffix("") if so.is_file() else None


def build_module(spec: ModuleSpec | None = None, force: bool = False, jobs: int | None = None) -> Path:
    """Generate and compile ``spec`` unless it is cached; return the module path.

    The returned path has no ``.so`` suffix, as ``nest.Install`` expects.
    """
    spec = spec or default_module_spec()
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


@contextlib.contextmanager
def _only_paired_neurons(spec: ModuleSpec):
    """Leave out the plain copy of each neuron that is co-generated with a synapse.

    NESTML emits both ``N`` and ``N__with_S``. Only the second can be the
    target of ``S``; dropping the first lets :mod:`salnest.nest_module` give the
    paired model the clean name ``N``, so users never meet a neuron that looks
    right but rejects SAL synapses.
    """
    from pynestml.frontend import pynestml_frontend as frontend

    paired = {neuron for neuron, _ in spec.pairs}
    original = frontend.transform_models

    def transform_models(transformers, models):
        models, metadata = original(transformers, models)
        return [m for m in models if m.get_name() not in paired], metadata

    frontend.transform_models = transform_models
    try:
        yield
    finally:
        frontend.transform_models = original


_HISTORY_CALL = "      __target->get_history__( t_lastspike_ - __dendritic_delay,"


def mark_continuous_history_read(target: Path) -> list[str]:
    """Let synapses without continuous post ports mark the neuron's continuous history as read.

    NESTML 9.0 writes the continuous-variable history of a co-generated neuron
    every step and prunes an entry only after *every* plastic synapse onto the
    neuron has read it, but only synapses with continuous post ports read it.
    On a neuron with both kinds (hidden pyramidal neurons: ``us_synapse`` and
    ``sal_synapse``) the history then grows by one entry per step, memory grows
    without bound and every presynaptic spike scans it (measured: 10 -> 79 us
    per step within 6e4 steps). Inserting the read into the other synapses'
    ``send()`` restores pruning. Returns the patched files.
    """
    patched = []
    for header in sorted(target.glob("*__with_*.h")):
        neuron = header.stem.split("__with_", 1)[1]
        neuron_header = target / f"{neuron}.h"
        code = header.read_text()
        if (not neuron_header.is_file() or "get_continuous_variable_history" not in neuron_header.read_text()
                or "get_continuous_variable_history" in code or _HISTORY_CALL not in code):
            continue
        read = (f"      {{  // salnest: mark the continuous history read, see salnest.build.mark_continuous_history_read\n"
                f"        std::deque< continuous_variable_histentry_{neuron} >::iterator c_start, c_finish;\n"
                f"        ((post_neuron_t*)(__target))->get_continuous_variable_history( t_lastspike_, __t_spike, "
                f"&c_start, &c_finish );\n      }}\n")
        header.write_text(code.replace(_HISTORY_CALL, read + _HISTORY_CALL, 1))
        patched.append(header.name)
    return patched


@contextlib.contextmanager
def _patched_before_compiling(target: Path):
    """Apply :func:`mark_continuous_history_read` between NESTML's code generation and compilation."""
    from pynestml.codegeneration.nest_builder import NESTBuilder

    original = NESTBuilder.build

    def build(self):
        patched = mark_continuous_history_read(target)
        if patched:
            log.info("patched continuous-history pruning in %s", ", ".join(patched))
        return original(self)

    NESTBuilder.build = build
    try:
        yield
    finally:
        NESTBuilder.build = original


def _generate_and_compile(spec: ModuleSpec, nest: NestInstall, cxx: str, work: Path, jobs: int | None) -> None:
    from pynestml.frontend.pynestml_frontend import generate_nest_target

    nest_path = _nest_path_for_nestml(work, nest, cxx)
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
        with _only_paired_neurons(spec), _patched_before_compiling(work / "target"):
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
