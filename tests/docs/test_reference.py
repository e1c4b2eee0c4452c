"""The generated model and protocol references (docs/_ext/salnest_docs.py) say what each entry is.

The model pages take every entry NEST reports for a built model and look its meaning up in the
tables of the model's single source; an entry the source does not explain shows as
"undocumented", and these tests fail on it. The pages themselves are built by ``bash setup.sh
docs`` (tests/docs/test_site.py); these checks need no Sphinx and run in the main suite.
"""

import dataclasses
import sys

import pytest
from checkout import REPO

sys.path.insert(0, str(REPO / "docs" / "_ext"))
import salnest_docs

from salnest.models import MICROCIRCUIT_MODULE, MODELS


@pytest.fixture(scope="module")
def defaults(salnest_module):
    import nest

    import salnest

    nest.ResetKernel()
    salnest.install()
    salnest.install(MICROCIRCUIT_MODULE)
    return {name: nest.GetDefaults(model.nest_model) for name, model in MODELS.items()}


def test_every_model_has_a_source():
    assert set(salnest_docs.SOURCES) == set(MODELS)
    for source in salnest_docs.SOURCES.values():
        assert (REPO / source).is_file(), source


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_entry_of_every_model_has_a_meaning(defaults, name):
    rows = salnest_docs.status_rows(name, defaults[name], salnest_docs.model_doc(name))
    assert len(rows) >= 3, rows  # a model reports its parameters; an empty table is a broken reader
    undocumented = [row[0] for row in rows if row[4] == "undocumented"]
    assert not undocumented, f"{name}: document these in {salnest_docs.SOURCES[name]}: {undocumented}"


def test_control_an_entry_missing_from_the_source_shows_as_undocumented(defaults):
    doc = salnest_docs.model_doc("sal_synapse")
    assert "tau_sal" in doc.meanings
    crippled = dataclasses.replace(doc, meanings={k: v for k, v in doc.meanings.items() if k != "tau_sal"})
    rows = {row[0]: row for row in salnest_docs.status_rows("sal_synapse", defaults["sal_synapse"], crippled)}
    assert rows["tau_sal"][4] == "undocumented"


def test_model_page_states_nests_defaults_and_domains(defaults):
    page = salnest_docs.model_page("sal_synapse", MODELS["sal_synapse"].nest_model, defaults["sal_synapse"])
    rows = {row[0]: row for row in salnest_docs.status_rows("sal_synapse", defaults["sal_synapse"],
                                                             salnest_docs.model_doc("sal_synapse"))}
    assert rows["tau_sal"][1:4] == ("ms", f"{defaults['sal_synapse']['tau_sal']:g}", "finite, > 0")
    assert rows["eta_sal"][3] == "finite, >= 0"
    assert "``tau_sal``" in page and "SAL window time constant" in page
    assert "``frozen``" not in page.split("Every entry and its default")[1].split("list-table")[1]  # NEST's own


def test_simple_table_rows_reads_continuation_lines():
    rst = ("===== ==== ==========\n"
           "a, b  ms   first row\n"
           "           continued\n"
           "c     1    second\n"
           "===== ==== ==========\n")
    assert salnest_docs.simple_table_rows(rst) == [["a, b", "ms", "first row continued"], ["c", "1", "second"]]


def test_every_kind_has_a_page_with_every_field():
    from salnest.study import registry

    for name, kind in registry.kinds().items():
        if not kind.module.startswith("salnest.experiments."):
            continue
        page = salnest_docs.protocol_page(kind)
        for section, fields in kind.protocol_schema().items():
            assert f"[{section}]" in page, (name, section)
            for key in fields:
                assert f"``{key}``" in page, (name, section, key)


def test_plain_text_is_shown_as_is():
    assert salnest_docs._plain("mean |W| and a_b *x*") == r"mean \|W\| and a\_b \*x\*"
