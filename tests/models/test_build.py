"""Module build: cache key, nest-config shim, ABI detection, prerequisite messages."""

import shutil
import subprocess
from pathlib import Path

import pytest
from checkout import REPO

from salnest.compat.nest_wheel import write_nest_config_shim
from salnest.models import CORE_MODULE, ModuleSpec
from salnest.models import build as b
from salnest.models.catalogue import NESTML_MODELS_DIR
from salnest.models.nest_install import _uses_old_string_abi, find_nest


def _spec_with_copies(tmp_path):
    sources = []
    for src in CORE_MODULE.sources:
        dst = tmp_path / src.name
        shutil.copy(src, dst)
        sources.append(dst)
    spec = CORE_MODULE
    return ModuleSpec(name=spec.name, sources=tuple(sources), pairs=spec.pairs, synapses=spec.synapses)


def test_key_changes_with_sources_and_nest_only(tmp_path):
    nest_install = find_nest()
    cxx = b._compiler()
    spec = _spec_with_copies(tmp_path)
    key = b.module_key(spec, nest_install, cxx)
    assert b.module_key(spec, nest_install, cxx) == key  # stable
    src = spec.sources[1]
    src.write_text(src.read_text() + "\n# a comment changes the source\n")
    assert b.module_key(spec, nest_install, cxx) != key
    other_nest = type(nest_install)(**{**nest_install.__dict__, "version": "9.9.9"})
    assert b.module_key(spec, other_nest, cxx) != b.module_key(spec, nest_install, cxx)


def test_cached_module_is_reused(salnest_module, monkeypatch):
    """A second build of unchanged sources must not call NESTML at all."""
    def fail(*args, **kwargs):
        raise AssertionError("rebuilt although nothing changed")

    monkeypatch.setattr(b, "_generate_and_compile", fail)
    assert b.build_module() == salnest_module


def test_abi_detection_reads_nest_symbols_only(tmp_path):
    old = tmp_path / "old.so"
    old.write_bytes(b"\0_ZN4nest6Kernel3runERKSs\0_ZNSt7__cxx1112basic_stringIcE\0")  # libstdc++ noise
    new = tmp_path / "new.so"
    new.write_bytes(b"\0_ZN4nest6Kernel3runERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE\0")
    assert _uses_old_string_abi((old,)) is True
    assert _uses_old_string_abi((new,)) is False


def test_installed_wheel_detected_with_its_abi():
    nest_install = find_nest()
    assert (nest_install.include_dir / "nest.h").is_file()
    assert nest_install.kernel_libraries
    if nest_install.prefix is None:  # the PyPI wheel: built with the old ABI
        assert nest_install.old_string_abi


def test_nest_config_shim_reports_real_paths(tmp_path):
    nest_install = find_nest()
    write_nest_config_shim(tmp_path, nest_install, "/usr/bin/g++")
    tool = tmp_path / "bin" / "nest-config"

    def ask(option):
        return subprocess.run([str(tool), option], capture_output=True, text=True, check=True).stdout.strip()

    assert ask("--prefix") == str(tmp_path)
    assert ask("--includes").split() == [f"-I{d}" for d in (nest_install.include_dir, *nest_install.extra_includes)]
    assert ask("--compiler") == "/usr/bin/g++"
    assert ("-D_GLIBCXX_USE_CXX11_ABI=0" in ask("--cflags")) == nest_install.old_string_abi
    assert subprocess.run([str(tool), "--bogus"], capture_output=True).returncode != 0


def test_include_dirs_of_an_mpi_nest_are_kept(tmp_path):
    """A NEST built with MPI includes mpi.h: its nest-config's MPI directories must reach the module
    build, while its build machine's paths (which do not exist here) and NEST's own are dropped."""
    from salnest.models.nest_install import _existing_include_dirs

    own, mpi = tmp_path / "nest", tmp_path / "openmpi" / "include"
    own.mkdir()
    mpi.mkdir(parents=True)
    reported = f" -I/tmp/build-machine/include/nest -I{own} -I/usr/include -I{mpi} -I{mpi} "
    assert _existing_include_dirs(reported, own) == (mpi,)


def test_missing_cmake_is_named(monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(b.shutil, "which", lambda tool: None if tool == "cmake" else real_which(tool))
    with pytest.raises(b.MissingPrerequisiteError, match="apt-get install cmake"):
        b.check_prerequisites(find_nest())


def test_missing_source_is_reported(tmp_path):
    spec = ModuleSpec(name="x", sources=(tmp_path / "missing.nestml",))
    with pytest.raises(b.BuildError, match="not found"):
        b.build_module(spec)


def test_models_dir_holds_the_sources():
    names = {p.name for p in NESTML_MODELS_DIR.glob("*.nestml")}
    assert {"sampling_neuron.nestml", "sal_synapse.nestml"} <= names
    assert Path(REPO / "pyproject.toml").is_file()


def test_continuous_history_read_by_every_synapse(tmp_path):
    """NESTML 9.0 prunes a neuron's continuous-variable history only once every plastic synapse has
    read it; synapses without continuous ports get the read inserted, once, before their spike-history
    read; synapses that already read it and neurons without such a history are left alone."""
    from salnest.compat.nestml import HISTORY_CALL, mark_continuous_history_read

    neuron = "pyr__with_us_and_sal"
    (tmp_path / f"{neuron}.h").write_text("void get_continuous_variable_history(double, double);\n")
    (tmp_path / "plain__with_sal.h").write_text(HISTORY_CALL)
    (tmp_path / "plain.h").write_text("// no continuous history\n")
    (tmp_path / f"us__with_{neuron}.h").write_text("get_continuous_variable_history(a, b);\n" + HISTORY_CALL)
    (tmp_path / f"sal__with_{neuron}.h").write_text("send() {\n" + HISTORY_CALL + " ... }\n")
    assert mark_continuous_history_read(tmp_path) == [f"sal__with_{neuron}.h"]
    code = (tmp_path / f"sal__with_{neuron}.h").read_text()
    assert code.index("get_continuous_variable_history") < code.index(HISTORY_CALL.strip())
    assert f"continuous_variable_histentry_{neuron}" in code
    assert mark_continuous_history_read(tmp_path) == []  # idempotent
    assert (tmp_path / "plain__with_sal.h").read_text() == HISTORY_CALL


def test_microcircuit_module_has_the_history_fix():
    """The built module's SAL synapse reads the pyramidal neuron's continuous history (see above)."""
    from salnest.models import MICROCIRCUIT_MODULE
    from salnest.models.build import build_module

    target = build_module(MICROCIRCUIT_MODULE).parent.parent / "target"
    code = next(target.glob("sal_synapse__with_pyramidal_neuron*.h")).read_text()
    assert "get_continuous_variable_history" in code
