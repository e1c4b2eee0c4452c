"""The package's layers import only what stands below them (docs/developer/architecture.md).

Every import in every module counts, those inside functions too; the only exception is a network
script's ``main()``, an entry point like the ``salnest`` command, which may run protocols.
"""

import ast
from pathlib import Path

import pytest
from checkout import REPO

#: What each layer may import besides itself ("salnest": the root package, for its version).
ALLOWED = {
    "salnest.theory": set(),
    "salnest.resources": set(),
    "salnest.compat": {"salnest.models", "salnest.parallel"},
    "salnest.parallel": {"salnest.compat"},
    "salnest.models": {"salnest.compat", "salnest.resources"},
    "salnest.analysis": {"salnest.theory"},
    "salnest.stimulus": {"salnest.models"},
    "salnest.pynn": {"salnest.models", "salnest.compat", "salnest.parallel"},
    "salnest.networks": {"salnest.pynn", "salnest.models", "salnest.compat", "salnest.parallel", "salnest.theory",
                         "salnest.analysis", "salnest.stimulus"},
    "salnest.deep": {"salnest.networks", "salnest.compat", "salnest.parallel", "salnest.stimulus",
                     "salnest.analysis"},
    "salnest.study": {"salnest", "salnest.parallel", "salnest.resources"},
    "salnest.experiments": {"salnest.study", "salnest.networks", "salnest.deep", "salnest.analysis",
                            "salnest.stimulus", "salnest.theory", "salnest.compat", "salnest.parallel",
                            "salnest.models", "salnest.pynn"},
}

#: Single modules with one more allowance: the registry discovers the experiment modules (the plug-in point).
ALSO = {"salnest.study.registry": {"salnest.experiments"}}


def _modules():
    for path in sorted((REPO / "salnest").rglob("*.py")):
        yield ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"), path
    for path in sorted((REPO / "pynn_networks").glob("*.py")):
        yield "salnest.networks." + path.stem if path.stem != "__init__" else "salnest.networks", path


def _layer(module: str) -> str | None:
    return max((layer for layer in ALLOWED if module == layer or module.startswith(layer + ".")), key=len,
               default=None)


def _imports(path: Path) -> set[str]:
    """The salnest modules ``path`` imports, outside any function called ``main``."""
    found = set()

    def visit(node, in_main):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_main = in_main or node.name == "main"
        if not in_main:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module != "salnest":  # from salnest import x: only x counts
                    found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, in_main)

    visit(ast.parse(path.read_text()), False)
    return {name for name in found if name == "salnest" or name.startswith("salnest.")}


@pytest.mark.parametrize("module,path", list(_modules()), ids=lambda x: x if isinstance(x, str) else "")
def test_a_module_imports_only_layers_below_it(module, path):
    layer = _layer(module)
    if layer is None:  # the root package and the command stand above everything
        assert module in ("salnest", "salnest.cli", "salnest.__main__"), f"{module} belongs to no layer"
        return
    allowed = ALLOWED[layer] | {layer} | ALSO.get(module, set())
    wrong = sorted(name for name in _imports(path)
                   if not any(name == a or name.startswith(a + ".") for a in allowed - {"salnest"})
                   and not (name == "salnest" and "salnest" in allowed)
                   and _layer(name) != layer)
    assert not wrong, f"{module} ({layer}) imports {wrong}"


def test_the_deep_network_no_longer_imports_its_experiment():
    """The former circle: salnest.deep_net took CONDITIONS from the experiment that imports it."""
    assert not any(name.startswith("salnest.experiments") for name in _imports(REPO / "salnest/deep/net.py"))
