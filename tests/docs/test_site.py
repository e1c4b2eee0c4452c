"""The built documentation site (``bash setup.sh docs``: Sphinx with warnings as errors, then these
tests, marker ``docs``) has a page for everything users reach: every model, every experiment
kind, every subcommand, every public module, and a gallery whose every example ran and drew."""

import re

import pytest
from checkout import REPO

pytestmark = pytest.mark.docs

HTML = REPO / "docs" / "_build" / "html"


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no site in {HTML}: build it with 'bash setup.sh docs'")
    return HTML


def _text(path):
    return re.sub(r"<[^>]+>", " ", path.read_text())


def test_every_model_has_its_page_with_every_entry(site, salnest_module):
    import sys

    import nest

    import salnest
    from salnest.models import MICROCIRCUIT_MODULE, MODELS

    sys.path.insert(0, str(REPO / "docs" / "_ext"))
    import salnest_docs

    nest.ResetKernel()
    salnest.install()
    salnest.install(MICROCIRCUIT_MODULE)
    for name, model in MODELS.items():
        page = site / "reference" / "models" / f"{name}.html"
        assert page.is_file(), name
        text = _text(page)
        for entry, *_ in salnest_docs.status_rows(name, nest.GetDefaults(model.nest_model),
                                                   salnest_docs.model_doc(name)):
            assert entry in text, (name, entry)
        assert "undocumented" not in text, name


def test_every_kind_has_its_page(site):
    from salnest.study import registry

    for name, kind in registry.kinds().items():
        if kind.module.startswith("salnest.experiments."):
            assert (site / "reference" / "protocols" / f"{name}.html").is_file(), name


def test_every_subcommand_is_in_the_command_reference(site):
    import argparse

    from salnest.cli import build_parser

    html = (site / "reference" / "cli.html").read_text()
    parser = build_parser()
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert len(subcommands) >= 9
    for name, sub in subcommands.items():
        assert f'id="salnest-{name}"' in html, name
        for action in sub._actions:
            for option in set(action.option_strings) - {"-h", "--help"}:  # sphinx-argparse leaves help out
                assert option in html, (name, option)


@pytest.mark.parametrize("module", ["salnest", "salnest.models.cogen", "salnest.pynn", "salnest.theory.windows",
                                    "salnest.theory.pair_chain", "salnest.study.driver", "salnest.networks.sal_phase"])
def test_public_modules_are_in_the_api_reference(site, module):
    import importlib
    import inspect

    html = (site / "reference" / "api.html").read_text()
    mod = importlib.import_module(module)
    public = [name for name, obj in vars(mod).items() if not name.startswith("_") and inspect.isfunction(obj)
              and obj.__module__ == module and obj.__doc__]
    for name in public:
        assert f'id="{module}.{name}"' in html, (module, name)


def test_every_gallery_example_ran_and_drew(site):
    examples = sorted(p.stem for p in (REPO / "examples").glob("plot_*.py"))
    assert len(examples) >= 6
    for name in examples:
        page = site / "gallery" / f"{name}.html"
        assert page.is_file(), name
        html = page.read_text()
        assert re.search(r'<img[^>]+src="[^"]*sphx_glr_' + name + r'_\d+\.png"', html), f"{name} drew no figure"


def test_figures_of_the_pages_are_in_the_site(site):
    for page in (site / "paper").glob("*.html"):
        for src in re.findall(r'<img[^>]+src="([^"]+)"', page.read_text()):
            assert (page.parent / src).resolve().is_file(), (page.name, src)
