"""Declarative protocols: TOML files validated against a schema before anything runs.

A protocol names its ``kind`` (which runner executes it) and gives the
parameters of its sections. Every field has a type, a default (or is
required) and a check; unknown keys, wrong types and impossible values raise
:class:`ProtocolError` naming the offending field, e.g.
``protocols/pair.toml: network.tau_ref: must be >= 1, got 0``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


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


def one_of(*options):
    return lambda v: None if v in options else f"must be one of {list(options)}, got {v!r}"


def pair_of_numbers(v):
    if len(v) != 2 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return f"must be a list of two numbers, got {v!r}"
    return None


def list_of_pairs(v):
    for i, item in enumerate(v):
        if not isinstance(item, list) or pair_of_numbers(item):
            return f"item {i} must be a list of two numbers, got {item!r}"
    return None


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


def load(path: str | Path, schemas: dict[str, Schema]) -> dict[str, dict[str, Any]]:
    """Read and validate a protocol file; ``schemas`` maps each ``experiment.kind`` to its schema."""
    path = Path(path)
    if not path.is_file():
        raise ProtocolError(f"protocol file not found: {path}")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: not valid TOML: {exc}") from exc
    kind = raw.get("experiment", {}).get("kind")
    if kind not in schemas:
        raise ProtocolError(f"{path}: experiment.kind must be one of {sorted(schemas)}, got {kind!r}")
    protocol = validate(raw, schemas[kind], str(path))
    protocol["experiment"]["source"] = str(path)
    return protocol
