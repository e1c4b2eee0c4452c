"""Declarative protocols: TOML files validated against a schema before anything runs.

A protocol names its ``kind`` (which runner executes it) and gives the
parameters of its sections. Every field has a type, a default (or is
required) and a check; unknown keys, wrong types and impossible values raise
:class:`ProtocolError` naming the offending field, e.g.
``protocols/pair.toml: network.tau_ref: must be >= 1, got 0``.

Every number in a protocol, also inside lists, must be finite (TOML allows ``nan`` and ``inf``)
unless its field says infinity means something (``Field(finite=False)``, a weight bound), and
every integer must lie within +-:data:`MAX_INTEGER`, so that no value overflows NumPy or NEST.
"""

from __future__ import annotations

import copy
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import tomllib


class ProtocolError(ValueError):
    """An invalid protocol file; the message names the file and the field."""


#: The largest integer a protocol may hold: the largest that a float (NEST's parameters, NumPy's
#: arithmetic) still represents exactly.
MAX_INTEGER = 2 ** 53

#: NEST's random seeds are 32-bit: ``rng_seed`` lies in 1 ... 2**32 - 1.
NEST_MAX_SEED = 2 ** 32 - 1

#: The most neurons a protocol may put into one NEST kernel: a node of NEST takes about 1 kB beside
#: its connections, so 10^7 neurons ask about 10 GB of one machine (split a larger study into
#: several protocols, or run it on more MPI ranks with fewer replicas each).
MAX_NEURONS = 10_000_000

#: The largest time NEST 3.10 can simulate in one kernel, ms: ``Time::max()``, 2^60 tics at its
#: 1000 tics per ms (``nest.GetKernelStatus("T_max")``; tests/study/test_protocol.py compares).
NEST_MAX_TIME_MS = 2 ** 60 / 1000


@dataclass(frozen=True)
class Field:
    """One protocol field: expected type, default (``REQUIRED`` if none) and a check.

    ``finite=False``: infinities are meaningful here (a bound that may be absent), so they reach
    ``check``; NaN never does.
    """

    type: type | tuple[type, ...]
    default: Any
    check: Callable[[Any], str | None] | None = None
    doc: str = ""
    finite: bool = True


REQUIRED = object()


def at_least(lo):
    return lambda v: None if v >= lo else f"must be >= {lo}, got {v}"


def file_name(v):
    """A path a file can have: not empty, no NUL character."""
    if not v.strip():
        return "must name a file, got an empty string"
    return "must not contain a NUL character" if "\0" in v else None


def within(lo, hi):
    """Check of a number in [``lo``, ``hi``]."""
    return lambda v: f"must be >= {lo}, got {v}" if v < lo else f"must be <= {hi}, got {v}" if v > hi else None


def seed(v):
    """A protocol seed: 1 ... :data:`NEST_MAX_SEED`, as NEST's seeds are 32-bit."""
    return within(1, NEST_MAX_SEED)(v)


def positive(v):
    return None if v > 0 else f"must be > 0, got {v}"


def fraction(v):
    """A share of something: in (0, 1]."""
    return None if 0 < v <= 1 else f"must lie in (0, 1], got {v}"


def one_of(*options):
    return lambda v: None if v in options else f"must be one of {list(options)}, got {shown(v)}"


def distinct_choices(options, what: str):
    """Check of a non-empty list of distinct values out of ``options`` (conditions, methods, ...)."""
    def check(values):
        if not values or not all(isinstance(v, str) for v in values):
            return f"must be a non-empty list of {list(options)}, got {shown(values)}"
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
            return f"must be a non-empty list of positive {kind.__name__}s, got {shown(values)}"
        if len(set(values)) != len(values):
            return f"values must not repeat, got {values}"
        return None
    return check


def distinct_at_least(lo):
    """Check of a non-empty list of distinct numbers >= ``lo`` (noise levels, ...)."""
    def check(values):
        if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= lo for v in values):
            return f"must be a non-empty list of numbers >= {lo}, got {shown(values)}"
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
                    f"got {shown(values)}")
        return None
    return check


def pair_of_numbers(v):
    if len(v) != 2 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return f"must be a list of two numbers, got {shown(v)}"
    return None


def list_of_pairs(v):
    for i, item in enumerate(v):
        if not isinstance(item, list) or pair_of_numbers(item):
            return f"item {i} must be a list of two numbers, got {item!r}"
    return None


def distinct_numbers(v):
    """A non-empty list of distinct numbers (grid values of either sign)."""
    if not v or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return f"must be a non-empty list of numbers, got {shown(v)}"
    if len(set(v)) != len(v):
        return f"values must not repeat, got {v}"
    return None


def list_of_number_lists(length: int, names: str):
    """Check of a non-empty list of lists of ``length`` numbers, e.g. points ``[w12, w21, b1, b2]``
    (``names`` spells one out in the message)."""
    def check(v):
        if not v:
            return f"must be a non-empty list of {names}, got {shown(v)}"
        for i, item in enumerate(v):
            if (not isinstance(item, list) or len(item) != length
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in item)):
                return f"item {i} must be {names}, got {item!r}"
        return None
    return check


#: The most values a grid of a protocol may have along one axis.
MAX_GRID_POINTS = 10_000


def grid_points(v) -> int:
    """How many values a valid ``[start, stop, step]`` grid has (``stop`` included, as
    :func:`salnest.experiments._shared.grid_values` makes it)."""
    return math.ceil((v[1] + v[2] / 2 - v[0]) / v[2])


def grid_spec(v):
    """[start, stop, step] with stop > start, step > 0 and at most :data:`MAX_GRID_POINTS` values."""
    if len(v) != 3 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return f"must be [start, stop, step], got {shown(v)}"
    if not (v[1] > v[0] and v[2] > 0):
        return f"needs stop > start and step > 0, got {shown(v)}"
    if (v[1] - v[0]) / v[2] >= MAX_GRID_POINTS:
        return f"would have more than {MAX_GRID_POINTS:,} values, got {shown(v)}"
    return None


Schema = dict[str, dict[str, Field]]


def _type_name(t) -> str:
    if isinstance(t, tuple):
        return " or ".join(_type_name(x) for x in t)
    return {int: "integer", float: "number", str: "string", list: "list", bool: "boolean"}.get(t, t.__name__)


def shown(value, width: int = 60) -> str:
    """``repr(value)`` on one line of at most ``width`` characters, for messages."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 4] + " ..."


def _bad_number(value, finite: bool) -> str | None:
    """What is wrong with the first number of ``value`` (nested lists included) that a protocol
    cannot hold: NaN, an infinity (unless ``finite`` is False), an integer beyond MAX_INTEGER."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        return f"must lie within +-2**53 ({MAX_INTEGER:,}), got {shown(value)}"
    if isinstance(value, float) and (math.isnan(value) or (finite and math.isinf(value))):
        return f"must be a finite number, got {value}"
    if isinstance(value, list):
        for item in value:
            problem = _bad_number(item, finite)
            if problem:
                return problem
    return None


def _check_value(where: str, value, spec: Field):
    expected = spec.type
    ok_types = expected if isinstance(expected, tuple) else (expected,)
    if float in ok_types and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # 1 is a fine number
    if isinstance(value, bool) and bool not in ok_types:
        raise ProtocolError(f"{where}: expected {_type_name(expected)}, got boolean {shown(value)}")
    if not isinstance(value, ok_types):
        raise ProtocolError(f"{where}: expected {_type_name(expected)}, got {type(value).__name__} {shown(value)}")
    problem = _bad_number(value, spec.finite)
    if problem:
        raise ProtocolError(f"{where}: {problem}")
    if spec.check is not None:
        problem = spec.check(value)
        if problem:
            raise ProtocolError(f"{where}: {problem}")
    return value


def validate(raw: dict, schema: Schema, source: str = "protocol") -> dict[str, dict[str, Any]]:
    """Return the protocol with defaults filled in, or raise :class:`ProtocolError`."""
    out: dict[str, dict[str, Any]] = {}
    from salnest.resources import shown_path as label

    for section in raw:
        if section not in schema:
            raise ProtocolError(f"{source}: unknown section [{label(section, 40)}]; known: {sorted(schema)}")
        if not isinstance(raw[section], dict):
            raise ProtocolError(f"{source}: {section} must be a table [{section}]")
    for section, fields in schema.items():
        given = raw.get(section, {})
        for key in given:
            if key not in fields:
                raise ProtocolError(f"{source}: {section}.{label(key, 40)}: unknown key; known keys: {sorted(fields)}")
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
    """The raw content of a protocol file (not validated yet).

    Raises
    ------
    ProtocolError
        One line naming the file: missing, a directory, unreadable, not UTF-8, empty, not TOML.
    """
    from salnest.resources import shown_path

    path, name = Path(path), shown_path(path)
    try:
        if path.is_dir():
            raise ProtocolError(f"{name}: is a directory, not a protocol file")
        if not path.exists():
            raise ProtocolError(f"protocol file not found: {name}")
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ProtocolError(f"{name}: cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start:exc.start + 1]
        raise ProtocolError(f"{name}: not a text file in UTF-8 (byte {exc.start} is {byte!r})") from None
    if not text.strip():
        raise ProtocolError(f"{name}: is empty; a protocol needs at least [experiment] with its kind")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{name}: not valid TOML: {exc}") from None


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
    from salnest.resources import shown_path
    from salnest.study import registry

    if isinstance(source, dict):
        raw = copy.deepcopy(source)
        experiment = raw.get("experiment") if isinstance(raw.get("experiment"), dict) else {}
        origin = str(experiment.pop("source", "protocol"))
    else:
        raw, origin = read(source), str(source)
    where = shown_path(origin)
    for key, value in (overrides or {}).items():
        section, dot, field = key.partition(".")
        if not dot or not section or not field or "." in field:
            raise ProtocolError(f"{where}: an override names section.field, got {shown(key)}")
        if not isinstance(raw.setdefault(section, {}), dict):
            raise ProtocolError(f"{where}: {section} is not a section")
        raw[section][field] = value
    name = raw.get("experiment", {}).get("kind") if isinstance(raw.get("experiment"), dict) else None
    try:
        kind = registry.get(name if isinstance(name, str) else None)
    except registry.UnknownKindError:
        raise ProtocolError(f"{where}: experiment.kind must be one of {sorted(registry.kinds())}, "
                            f"got {shown(name)}") from None
    if threads is not None:  # checked as the file's own value would be
        raw.setdefault("experiment", {})["threads"] = threads
    protocol = validate(raw, kind.protocol_schema(), where)
    protocol["experiment"]["source"] = origin
    # the sizes first: a kind's own check may draw what a run would
    if kind.simulated_ms is not None:
        _check_simulated_time(kind.simulated_ms(protocol), kind, where)
    if kind.neurons is not None and kind.neurons(protocol) > MAX_NEURONS:
        raise ProtocolError(f"{where}: one NEST kernel of this run would hold {kind.neurons(protocol):.3g} neurons, "
                            f"more than {MAX_NEURONS:.0e}: fewer replicates, seeds, copies or smaller layers")
    if kind.check is not None:
        try:
            kind.check(protocol)
        except ProtocolError as exc:  # the kind's own checks need not know the file
            if not str(exc).startswith(where):
                raise ProtocolError(f"{where}: {exc}") from None
            raise
    return protocol


def _check_simulated_time(ms: float, kind, where: str) -> None:
    if ms > NEST_MAX_TIME_MS:
        segments = " or experiment.checkpoint_every" if kind.runs_in_epochs else ""
        raise ProtocolError(f"{where}: one NEST kernel of this run would simulate {ms:.3g} ms, more than NEST can "
                            f"({NEST_MAX_TIME_MS:.3g} ms): lower the steps{segments}")
