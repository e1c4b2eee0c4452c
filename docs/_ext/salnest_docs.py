"""Sphinx extension: salnest's model and protocol references, generated at build time.

Model pages come from each model's single source, the user-docs block of its C++ header
(``BeginUserDocs`` ... ``EndUserDocs``, reStructuredText as NEST's own models) or the header of its
NESTML file (reStructuredText in comments, as NESTML's model library), followed by a table of every
entry NEST reports for the built model: its default (read from the model), the values it takes
(:data:`salnest.models.parameters.DOMAINS`, with the codes of coded parameters) and its meaning,
taken from the source's parameter table. Protocol pages come from the registry of experiment
kinds: every field with its type, default and documentation, and the bundled protocols of the
kind. Nothing in these pages is written twice; ``tests/docs/test_reference.py`` checks that every
entry NEST reports for a salnest model has a meaning in its source.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: The source of each model's page, by the name users call the model (salnest.models.MODELS).
SOURCES = {
    "sampling_neuron": "cpp_models/sampling_neuron.h",
    "sampling_network": "cpp_models/sampling_network.h",
    "sal_synapse": "cpp_models/sal_synapse.h",
    "sal_synapse_hom": "cpp_models/sal_synapse.h",
    "stdwi_synapse": "cpp_models/stdwi_synapse.h",
    "rdd_neuron": "cpp_models/rdd_neuron.h",
    "sampling_neuron_nestml": "nestml_models/sampling_neuron.nestml",
    "sal_synapse_nestml": "nestml_models/sal_synapse.nestml",
    "pyramidal_neuron": "nestml_models/pyramidal_neuron.nestml",
    "us_synapse": "nestml_models/us_synapse.nestml",
    "pyramidal_sal_synapse": "nestml_models/sal_synapse.nestml",
}

#: Entries every NEST node or connection reports, which NEST documents (not salnest's parameters).
NEST_ENTRIES = {
    "available", "capacity", "element_type", "elementsize", "frozen", "global_id", "instantiations", "local",
    "model", "model_id", "node_uses_wfr", "recordables", "supports_precise_spikes", "thread", "thread_local_id",
    "type_id", "vp", "archiver_length", "Ca", "beta_Ca", "tau_Ca", "post_trace", "tau_minus", "tau_minus_triplet",
    "synaptic_elements", "t_spike", "ignore_and_spike", "ignore_and_spike_interval", "ignore_and_spike_offset",
    "receptor_types", "synapse_model", "synapse_modelid", "has_delay", "num_connections", "requires_symmetric",
    "weight_recorder", "sizeof", "receptor_type", "delay", "__h", "d",
}


@dataclass
class ModelDoc:
    """A model's page: its title, the source's text (reStructuredText) and the meanings of the
    parameter tables in it, by name."""

    name: str
    source: Path
    title: str
    body: str
    meanings: dict[str, tuple[str, str]]


def _user_docs(text: str) -> str:
    """The reStructuredText of a C++ header's user-docs block."""
    block = text.split("BeginUserDocs", 1)[1].split("EndUserDocs", 1)[0]
    return block.split("\n", 1)[1]


def _nestml_header(text: str) -> str:
    """The reStructuredText of a NESTML file's header comment (``#`` lines before the model)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(lines)


def _section(rst: str, name: str) -> str:
    """The text of the reStructuredText section ``name`` (underlined with ``+``), up to the next one."""
    match = re.search(rf"(?m)^{re.escape(name)}\n\++\n(.*?)(?=^\S[^\n]*\n\++\n|\Z)", rst, flags=re.DOTALL)
    return match.group(1) if match else ""


_RULE = re.compile(r"=+( +=+)+ *")


def simple_table_rows(rst: str) -> list[list[str]]:
    """The body rows of the reStructuredText simple tables in ``rst``, cut into cells by the columns
    of each table's first rule line; a row whose first cell is empty continues the one before.

    A table runs from a rule line to the last rule line before an empty line: with three rules the
    lines between the first two are its header, with two there is none.
    """
    rows, lines, i = [], rst.splitlines(), 0
    while i < len(lines):
        if not _RULE.fullmatch(lines[i]):
            i += 1
            continue
        rules, j = [i], i + 1
        while j < len(lines) and lines[j].strip():
            if _RULE.fullmatch(lines[j]):
                rules.append(j)
            j += 1
        spans = [m.span() for m in re.finditer(r"=+", lines[i])]
        first = rules[1] if len(rules) >= 3 else rules[0]
        for line in lines[first + 1:rules[-1]]:
            if _RULE.fullmatch(line):
                continue
            cells = [line[a:(b if k + 1 < len(spans) else None)].strip() for k, (a, b) in enumerate(spans)]
            if not cells[0] and rows:
                rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells)]
            elif any(cells):
                rows.append(cells)
        i = rules[-1] + 1
    return rows


def _meanings(rst: str) -> dict[str, tuple[str, str]]:
    """Name -> (unit or type, meaning) from the simple tables of ``rst`` whose first column names
    parameters; a table of three or more columns has the unit or type in its second."""
    meanings = {}
    for row in simple_table_rows(rst):
        names = [n.strip().strip("`") for n in re.split(r",\s*", row[0])]
        if all(re.fullmatch(r"[A-Za-z_]\w*", n) for n in names):
            unit, rest = (row[1], row[2:]) if len(row) >= 3 else ("", row[1:])
            for name in names:
                meanings[name] = (unit, " ".join(c for c in rest if c))
    return meanings


def model_doc(name: str) -> ModelDoc:
    """The documentation of model ``name`` from its source."""
    source = REPO / SOURCES[name]
    text = source.read_text()
    if source.suffix == ".h":
        rst = _user_docs(text)
        short = " ".join(_section(rst, "Short description").split())
    else:
        rst = _nestml_header(text)
        first, rst = rst.split("\n", 1)
        rst = rst.split("\n", 1)[1]  # the title's underline
        short = first.split(" - ", 1)[1].strip()
    return ModelDoc(name, source, short, textwrap.dedent(rst).strip(), _meanings(rst))


def _rst_cell(text) -> str:
    return " ".join(str(text).split()) or " "


def _plain(text) -> str:
    """Plain text (a field's documentation, also printed by ``salnest describe``) as reStructuredText
    that shows it as it is: ``|W|`` is not a substitution, ``*`` no emphasis."""
    return re.sub(r"([\\*|`_])", r"\\\1", _rst_cell(text))


def _default_text(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[]" if not value else f"[{len(value)} values]"
    return str(value)


def status_rows(name: str, defaults: dict, doc: ModelDoc) -> list[tuple[str, str, str, str, str]]:
    """(entry, unit, default, values, meaning) of every salnest entry NEST reports for model
    ``name``; the meaning is "undocumented" where the source's tables do not name the entry."""
    from salnest.models.parameters import ARRAYS, DOMAINS

    domains = {**DOMAINS.get(name, {}), **ARRAYS.get(name, {})}
    rows = []
    for key in sorted(defaults, key=str.lower):
        if key in NEST_ENTRIES or key.startswith("__"):
            continue
        unit, meaning = doc.meanings.get(key, ("", "undocumented"))
        if meaning == "undocumented" and key in ("w", "weight"):  # NESTML's w is NEST's weight
            unit, meaning = doc.meanings.get("weight") or doc.meanings.get("w") or (unit, meaning)
        domain = domains.get(key)
        rows.append((key, unit, _default_text(defaults[key]), domain.text if domain else "", meaning))
    return rows


def model_page(name: str, nest_name: str, defaults: dict) -> str:
    """The reStructuredText of model ``name``'s page."""
    doc = model_doc(name)
    title = f"{name}: {doc.title}"
    rows = status_rows(name, defaults, doc)
    table = "\n".join(f"   * - ``{k}``\n     - {_rst_cell(u)}\n     - {_rst_cell(d)}\n     - {_rst_cell(v)}"
                      f"\n     - {_rst_cell(m)}" for k, u, d, v, m in rows)
    built = f" (built as ``{nest_name}``)" if nest_name != name else ""
    return f""".. _model-{name}:

{title}
{'=' * len(title)}

*Source:* ``{doc.source.relative_to(REPO)}``{built}. In PyNEST: ``salnest.install()``, then
``nest.Create("{name}")`` or ``syn_spec={{"synapse_model": "{name}"}}``.

{doc.body}

Every entry and its default
+++++++++++++++++++++++++++

Read from the built model (``nest.GetDefaults("{name}")``) when these pages were made; the values
are those the model takes (any other is refused with ``BadProperty`` naming it). NEST's own entries
(``frozen``, ``delay``, ``recordables``, ...) are NEST's.

.. list-table::
   :header-rows: 1
   :widths: 16 8 12 24 40

   * - entry
     - unit
     - default
     - values
     - meaning
{table}
"""


def protocol_page(kind) -> str:
    """The reStructuredText of an experiment kind's page."""
    from salnest import resources
    from salnest.study.protocol import REQUIRED, _type_name, read

    title = f"{kind.name}"
    bundled = []
    for name, path in resources.protocols().items():
        experiment = read(path).get("experiment", {})
        if experiment.get("kind") == kind.name:
            bundled.append(f"* ``{name}``: {experiment.get('name', '')}")
    lines = [f".. _kind-{kind.name}:", "", title, "=" * len(title), "", _plain(kind.description[0].upper()
             + kind.description[1:]) + ".", "",
             f"Implemented in ``{kind.module}``; runs "
             + ("in epochs, with checkpoints and resume." if kind.runs_in_epochs else "in one piece."),
             "``salnest describe " + kind.name + "`` prints the same fields.", ""]
    if bundled:
        lines += ["Bundled protocols (``salnest run NAME``; ``salnest protocols copy NAME`` to edit one):", ""]
        lines += bundled + [""]
    for section, fields in kind.protocol_schema().items():
        lines += [f"[{section}]", "-" * (len(section) + 2), "", ".. list-table::", "   :header-rows: 1",
                  "   :widths: 22 14 14 50", "", "   * - field", "     - type", "     - default", "     - meaning"]
        for key, spec in fields.items():
            default = "required" if spec.default is REQUIRED else "none" if spec.default is None else repr(spec.default)
            lines += [f"   * - ``{key}``", f"     - {_type_name(spec.type)}", f"     - ``{default}``",
                      f"     - {_plain(spec.doc)}"]
        lines.append("")
    return "\n".join(lines)


def workarounds_page() -> str:
    """The reStructuredText table of every workaround of an upstream defect (salnest.compat)."""
    from salnest.compat import declared

    lines = ["Workarounds of upstream defects", "===============================", "",
             "Every workaround in ``salnest.compat``, from its declaration (``salnest info`` lists them "
             "with the installed versions). Applied to another version than the one it was written for, "
             "it warns: the defect may be fixed upstream.", "", ".. list-table::", "   :header-rows: 1",
             "   :widths: 20 14 36 30", "", "   * - workaround", "     - written for", "     - symptom without it",
             "     - upstream issue or reproduction"]
    for name, w in sorted(declared().items()):
        lines += [f"   * - ``{name}``", f"     - {w.package} {w.version}", f"     - {_plain(w.symptom)}",
                  f"     - {_plain(w.upstream)}"]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    """Write only when the text changed, so that Sphinx rebuilds only what changed."""
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def generate(app) -> None:
    import nest

    import salnest
    from salnest.models import MICROCIRCUIT_MODULE, MODELS
    from salnest.study import registry

    models_dir = Path(app.srcdir) / "reference" / "models"
    nest.ResetKernel()
    salnest.install()
    salnest.install(MICROCIRCUIT_MODULE)
    for name, model in MODELS.items():
        _write(models_dir / f"{name}.rst", model_page(name, model.nest_model, nest.GetDefaults(model.nest_model)))
    _write(Path(app.srcdir) / "developer" / "workarounds.rst", workarounds_page())
    protocols_dir = Path(app.srcdir) / "reference" / "protocols"
    for name, kind in registry.kinds().items():
        if kind.module.startswith("salnest.experiments."):
            _write(protocols_dir / f"{name}.rst", protocol_page(kind))


def setup(app):
    app.connect("builder-inited", generate)
    return {"version": "1", "parallel_read_safe": True}
