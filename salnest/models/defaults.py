"""The default parameter values that the NESTML sources declare, read without NEST.

The C++ models and their NESTML twins declare the same defaults (``tests/models/test_defaults.py``
compares them with what NEST reports for the built models); simulators other than NEST (the
Brian2 types of :mod:`salnest.pynn.brian2`) take them from here, so that no default is typed twice.
"""

from __future__ import annotations

import functools
import math
import re

from salnest.resources import nestml_models

#: ``name type = value [unit]`` at the start of a line in a ``parameters:`` block
_DECLARATION = re.compile(r"^\s*(\w+)\s+(real|integer|boolean|ms|mV|pA|nS|pF|Hz)\s*=\s*([^\[#]+)")
_NUMBER = re.compile(r"^\s*(-?\s*(?:inf|[0-9.]+(?:e[+-]?[0-9]+)?))\s*(ms)?\s*$")


@functools.cache
def nestml_defaults(model: str) -> dict[str, float | int]:
    """The parameters of ``nestml_models/<model>.nestml`` and their default values.

    Parameters
    ----------
    model : str
        Name of the NESTML source (``"sampling_neuron"``, ``"sal_synapse"``).

    Returns
    -------
    dict
        Parameter name to default value; durations in ms, integers as int.
    """
    text = (nestml_models() / f"{model}.nestml").read_text()
    block = re.search(r"^\s*parameters:\s*$(.*?)^\s*(?:internals|input|state|equations|output|update|"
                      r"onReceive|function)\b", text, re.S | re.M)
    if block is None:
        raise ValueError(f"{model}.nestml has no parameters block")
    defaults: dict[str, float | int] = {}
    for line in block.group(1).splitlines():
        match = _DECLARATION.match(line)
        if match is None:
            continue
        name, kind, literal = match.groups()
        number = _NUMBER.match(literal)
        if number is None:
            raise ValueError(f"{model}.nestml: default of {name} is not a number: {literal.strip()!r}")
        value = float(number.group(1).replace(" ", ""))
        defaults[name] = int(value) if kind == "integer" and not math.isinf(value) else value
    return defaults
