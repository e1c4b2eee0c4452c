"""Declarative protocols: TOML files validated against a schema before anything runs.

A protocol names its ``kind`` (which runner executes it) and gives the
parameters of its sections. Every field has a type, a default (or is
required) and a check; unknown keys, wrong types and impossible values raise
:class:`ProtocolError` naming the offending field, e.g.
``protocols/pair.toml: network.tau_ref: must be >= 1, got 0``.
"""

from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import tomllib


class ProtocolError(ValueError):
    """An invalid protocol file; the message names the file and the field."""


@dataclass(frozen=True)
class Field:
    """One protocol field: expected type, default (``REQUIRED`` if none) and a check."""

    type: type | tuple[type, ...]
    default: Any
    check: Callable[[Any], str | None] | None = None
    doc: str = ""


REQUIRED = object()


def at_least(lo):
    return lambda v: None if v >= lo else f"must be >= {lo}, got {v}"


def positive(v):
    return None if v > 0 else f"must be > 0, got {v}"


def fraction(v):
    """A share of something: in (0, 1]."""
    return None if 0 < v <= 1 else f"must lie in (0, 1], got {v}"


def one_of(*options):
    return lambda v: None if v in options else f"must be one of {list(options)}, got {v!r}"


def distinct_choices(options, what: str):
    """Check of a non-empty list of distinct values out of ``options`` (conditions, methods, ...)."""
    def check(values):
        if not values or not all(isinstance(v, str) for v in values):
            return f"must be a non-empty list of {list(options)}, got {values!r}"
        unknown = [v for v in values if v not in options]
        if unknown:
            return f"unknown {what} {', '.join(repr(v) for v in unknown)}; known {list(options)}"
        if len(set(values)) != len(values):
            return f"{what}s must not repeat, got {values}"
        return None
    return check


def distinct_positive(kind):
    """Check of a non-empty list of distinct positive values of type ``kind`` (int or float)."""
    def check(values):
        if not values or not all(isinstance(v, kind) and not isinstance(v, bool) and v > 0 for v in values):
            return f"must be a non-empty list of positive {kind.__name__}s, got {values!r}"
        if len(set(values)) != len(values):
            return f"values must not repeat, got {values}"
        return None
    return check


def distinct_at_least(lo):
    """Check of a non-empty list of distinct numbers >= ``lo`` (noise levels, ...)."""
    def check(values):
        if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= lo for v in values):
            return f"must be a non-empty list of numbers >= {lo}, got {values!r}"
        if len(set(values)) != len(values):
            return f"values must not repeat, got {values}"
        return None
    return check


def layer_sizes(min_length: int, form: str):
    """Check of a list of at least ``min_length`` integers >= 1 (layer sizes); ``form`` spells it out,
    e.g. ``"[n_in, n_hidden..., n_out]"``."""
    def check(values):
        if len(values) < min_length or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                                for v in values):
            return (f"must be {form} (at least {min_length} integer{'s' if min_length > 1 else ''} >= 1), "
                    f"got {values!r}")
        return None
    return check


def pair_of_numbers(v):
    if len(v) != 2 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return f"must be a list of two numbers, got {v!r}"
    return None


def list_of_pairs(v):
    for i, item in enumerate(v):
        if not isinstance(item, list) or pair_of_numbers(item):
            return f"item {i} must be a list of two numbers, got {item!r}"
    return None


def distinct_numbers(v):
    """A non-empty list of distinct numbers (grid values of either sign)."""
    if not v or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return f"must be a non-empty list of numbers, got {v!r}"
    if len(set(v)) != len(v):
        return f"values must not repeat, got {v}"
    return None


def list_of_number_lists(length: int, names: str):
    """Check of a non-empty list of lists of ``length`` numbers, e.g. points ``[w12, w21, b1, b2]``
    (``names`` spells one out in the message)."""
    def check(v):
        if not v:
            return f"must be a non-empty list of {names}, got {v!r}"
        for i, item in enumerate(v):
            if (not isinstance(item, list) or len(item) != length
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in item)):
                return f"item {i} must be {names}, got {item!r}"
        return None
    return check


def grid_spec(v):
    """[start, stop, step] with stop > start and step > 0."""
    if len(v) != 3 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return f"must be [start, stop, step], got {v!r}"
    if not (v[1] > v[0] and v[2] > 0):
        return f"needs stop > start and step > 0, got {v!r}"
    return None


Schema = dict[str, dict[str, Field]]


def _type_name(t) -> str:
    if isinstance(t, tuple):
        return " or ".join(_type_name(x) for x in t)
    return {int: "integer", float: "number", str: "string", list: "list", bool: "boolean"}.get(t, t.__name__)


def _check_value(where: str, value, spec: Field):
    expected = spec.type
    ok_types = expected if isinstance(expected, tuple) else (expected,)
    if float in ok_types and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # 1 is a fine number
    if isinstance(value, bool) and bool not in ok_types:
        raise ProtocolError(f"{where}: expected {_type_name(expected)}, got boolean {value!r}")
    if not isinstance(value, ok_types):
        raise ProtocolError(f"{where}: expected {_type_name(expected)}, got {type(value).__name__} {value!r}")
    if spec.check is not None:
        problem = spec.check(value)
        if problem:
            raise ProtocolError(f"{where}: {problem}")
    return value


def validate(raw: dict, schema: Schema, source: str = "protocol") -> dict[str, dict[str, Any]]:
    """Return the protocol with defaults filled in, or raise :class:`ProtocolError`."""
    out: dict[str, dict[str, Any]] = {}
    for section in raw:
        if section not in schema:
            raise ProtocolError(f"{source}: unknown section [{section}]; known: {sorted(schema)}")
        if not isinstance(raw[section], dict):
            raise ProtocolError(f"{source}: {section} must be a table [{section}]")
    for section, fields in schema.items():
        given = raw.get(section, {})
        for key in given:
            if key not in fields:
                raise ProtocolError(f"{source}: {section}.{key}: unknown key; known keys: {sorted(fields)}")
        values = {}
        for key, spec in fields.items():
            where = f"{source}: {section}.{key}"
            if key in given:
                values[key] = _check_value(where, given[key], spec)
            elif spec.default is REQUIRED:
                raise ProtocolError(f"{where}: required but missing")
            else:
                values[key] = spec.default
        out[section] = values
    return out


def read(path: str | Path) -> dict:
    """The raw content of a protocol file (not validated yet)."""
    path = Path(path)
    if not path.is_file():
        raise ProtocolError(f"protocol file not found: {path}")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: not valid TOML: {exc}") from exc


def _default_text(spec: Field) -> str:
    if spec.default is REQUIRED:
        return "required"
    if spec.default is None:
        return "no default"
    value = spec.default
    text = f'"{value}"' if isinstance(value, str) else repr(value).replace("True", "true").replace("False", "false")
    return f"default {text}"


def describe(schema: Schema, width: int = 100) -> str:
    """Every section and field of ``schema`` with its type, default and documentation."""
    lines = []
    for section, fields in schema.items():
        lines.append(f"[{section}]")
        for key, spec in fields.items():
            head = f"  {key:<24} {_type_name(spec.type)}, {_default_text(spec)}"
            lines.append(head)
            if spec.doc:
                lines.extend(textwrap.wrap(spec.doc, width=width, initial_indent=" " * 6, subsequent_indent=" " * 6))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def load_protocol(source: str | Path | dict, threads: int | None = None,
                  overrides: dict[str, object] | None = None) -> dict:
    """Read (from a file, or a dictionary as a TOML file would give it), validate and check a protocol.

    ``threads`` overrides ``experiment.threads``; ``overrides`` maps ``"section.field"`` to a value
    that replaces the file's (validated as if the file held it). The kind's schema and cross-field
    check come from :mod:`salnest.study.registry`. Raises :class:`ProtocolError` naming the file
    and the field, before anything is simulated.
    """
    from salnest.study import registry

    if isinstance(source, dict):
        raw, where = copy.deepcopy(source), str(source.get("experiment", {}).get("source", "protocol"))
        raw.get("experiment", {}).pop("source", None)
    else:
        raw, where = read(source), str(source)
    for key, value in (overrides or {}).items():
        section, dot, field = key.partition(".")
        if not dot or not section or not field or "." in field:
            raise ProtocolError(f"{where}: an override names section.field, got {key!r}")
        if not isinstance(raw.setdefault(section, {}), dict):
            raise ProtocolError(f"{where}: {section} is not a section")
        raw[section][field] = value
    name = raw.get("experiment", {}).get("kind") if isinstance(raw.get("experiment"), dict) else None
    try:
        kind = registry.get(name)
    except registry.UnknownKindError:
        raise ProtocolError(f"{where}: experiment.kind must be one of {sorted(registry.kinds())}, "
                            f"got {name!r}") from None
    protocol = validate(raw, kind.protocol_schema(), where)
    protocol["experiment"]["source"] = where
    if threads is not None:
        protocol["experiment"]["threads"] = threads
    if kind.check is not None:
        kind.check(protocol)
    return protocol
