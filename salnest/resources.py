"""Where salnest's source files are: the NESTML and C++ models and the bundled protocols.

The repository keeps them in top-level folders that scientists edit (``nestml_models/``,
``cpp_models/``, ``protocols/``); a wheel installs them inside the package
(``salnest/models/nestml``, ``salnest/models/cpp``, ``salnest/protocols``, see
``pyproject.toml``). :func:`folder` finds them either way, so nothing here depends on where a
repository was: an installed wheel reads its own copies, an editable install (or a checkout on
``sys.path``) the repository's, which its user may be editing.

Bundled protocols are called by their file name without ``.toml``: :func:`protocols` lists
them, :func:`find_protocol` turns a name or a path into a file (``salnest run fig2c_stdd``) and
:func:`copy_protocol` makes an editable copy (``salnest protocols copy fig2c_stdd``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

#: Each folder of sources: where a wheel installs it (inside the package), and its folder in the repository.
FOLDERS = {"nestml_models": "models/nestml", "cpp_models": "models/cpp", "protocols": "protocols"}


class ResourceError(FileNotFoundError):
    """A folder of salnest's sources or a bundled protocol that is not there."""


def folder(name: str) -> Path:
    """The folder ``name`` (a key of :data:`FOLDERS`): the installed copy, else the repository's.

    Raises
    ------
    ResourceError
        When neither exists (a broken installation).
    """
    if name not in FOLDERS:
        raise KeyError(f"unknown salnest folder {name!r}; known: {sorted(FOLDERS)}")
    installed, checkout = _PACKAGE / FOLDERS[name], _PACKAGE.parent / name
    for candidate in (installed, checkout):
        if candidate.is_dir():
            return candidate
    raise ResourceError(f"salnest's {name} are missing: neither {installed} (an installed wheel) nor {checkout} "
                        f"(a checkout) exists; reinstall salnest")


def nestml_models() -> Path:
    """The folder of the NESTML sources (``nestml_models/``)."""
    return folder("nestml_models")


def cpp_models() -> Path:
    """The folder of the hand-written C++ models (``cpp_models/``)."""
    return folder("cpp_models")


def protocols() -> dict[str, Path]:
    """The bundled protocols by name (file name without ``.toml``), sorted."""
    return {path.stem: path for path in sorted(folder("protocols").glob("*.toml"))}


def find_protocol(name_or_path: str | Path) -> Path:
    """A protocol file: ``name_or_path`` itself if something is there (whether it is a readable
    protocol is :func:`salnest.study.protocol.read`'s to say), else the bundled protocol of that
    name (``fig2c_stdd`` or ``fig2c_stdd.toml``).

    Raises
    ------
    ResourceError
        When it is neither, with the names of the bundled protocols.
    """
    path = Path(name_or_path)
    try:
        if path.exists():
            return path
    except OSError as exc:  # a name too long, say
        raise ResourceError(f"no protocol file {shown_path(path)}: {exc.strerror or exc}") from None
    bundled = protocols()
    name = path.name.removesuffix(".toml")
    if len(path.parts) == 1 and name in bundled:
        return bundled[name]
    if name in bundled:
        raise ResourceError(f"no protocol file {path}; salnest bundles one named {name}: salnest run {name}")
    raise ResourceError(f"no protocol file {shown_path(path)}, and salnest bundles no protocol of that name "
                        f"(salnest protocols lists them)")


def shown_path(path: str | Path, width: int = 100) -> str:
    """A file name for a one-line message: quoted if it holds characters that do not print (a
    newline), and cut to ``width`` characters."""
    text = str(path)
    if not text.isprintable():
        text = repr(text)
    return text if len(text) <= width else text[: width - 4] + " ..."


def copy_protocol(name: str, destination: str | Path | None = None) -> Path:
    """Copy bundled protocol ``name`` to ``destination`` (a file, or a folder; default
    ``./<name>.toml``) to edit it; never overwrites. Returns the new file."""
    source = protocols().get(name.removesuffix(".toml"))
    if source is None:
        raise ResourceError(f"salnest bundles no protocol {name!r} (salnest protocols lists them)")
    target = Path(destination) if destination is not None else Path(source.name)
    if target.is_dir():
        target = target / source.name
    if target.exists():
        raise FileExistsError(f"{target} exists; choose another destination or remove it first")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
