"""A ``nest-config`` for NEST wheels whose own one describes the machine that built them.

NEST 3.10.0's wheel on PyPI (and a wheel built from its sdist) ships a ``nest-config`` whose
paths point into the build machine's temporary directory; NESTML 9.0's builder then stops with
``InvalidPathException: NEST path ... is not a directory``. NESTML accepts
``codegen_opts={"nest_path": DIR}`` and runs ``DIR/bin/nest-config``, so salnest writes one
that reports this machine's real locations (:func:`nest_path_for_nestml`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from salnest.compat import workaround

if TYPE_CHECKING:
    from salnest.models.nest_install import NestInstall


def write_nest_config_shim(prefix_dir: Path, nest: NestInstall, cxx: str) -> None:
    """Write ``prefix_dir/bin/nest-config`` reporting the real paths of ``nest``.

    Modules need no link flags: the kernel is loaded into the process with
    RTLD_GLOBAL, so a module resolves its symbols at load time. The old C++ string
    ABI of the PyPI wheel is passed on as a compiler flag (``NestInstall.module_cflags``).
    """
    cflags = nest.module_cflags
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


@workaround("nest-wheel-nest-config", "nest-simulator", "3.10.0", once=False,
            symptom="the wheel's nest-config reports the build machine's directories, so NESTML stops with "
                    "'InvalidPathException: NEST path ... is not a directory'",
            upstream="tests/compat/test_nest_wheel.py::test_the_wheels_nest_config_names_another_machine")
def nest_path_for_nestml(work: Path, nest: NestInstall, cxx: str) -> Path:
    """The NEST path to give NESTML: NEST's own prefix when its nest-config is usable, else a shim in ``work``."""
    if nest.prefix is not None and not nest.old_string_abi:
        return nest.prefix
    shim = work / "nest_prefix"
    write_nest_config_shim(shim, nest, cxx)
    return shim
