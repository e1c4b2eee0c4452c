"""PyNN cell and synapse types of salnest's models, for the PyNN backend you imported.

``from salnest.pynn import SamplingNeuron, SALSynapse`` gives the types of the backend that the
script imported (``pyNN.nest`` or ``pyNN.brian2``), so that a PyNN script moves between
simulators by its one import line:

- :mod:`salnest.pynn.nest`: ``pyNN.nest`` (:class:`SamplingNeuron`, :class:`SALSynapse`,
  :class:`RDDNeuron`, :class:`STDWISynapse`), and :mod:`salnest.pynn.microcircuit` those of the
  dendritic microcircuit. Importing them, before or after ``pyNN.nest``, makes every later
  ``sim.setup()`` load salnest's NEST modules (:mod:`salnest.compat.pynn`).
- :mod:`salnest.pynn.brian2`: ``pyNN.brian2`` (:class:`SamplingNeuron`, :class:`SALSynapse`).

With neither backend imported yet, the NEST types are given (and ``pyNN.nest`` imported); with
both imported, import from the submodule you mean.
"""

from __future__ import annotations

import importlib
import sys

#: The types each backend has.
BACKENDS = {"nest": ("RDDNeuron", "SALSynapse", "SamplingNeuron", "STDWISynapse"),
            "brian2": ("SALSynapse", "SamplingNeuron")}

__all__ = ["RDDNeuron", "SALSynapse", "SamplingNeuron", "STDWISynapse", "backend"]


def backend() -> str:
    """The PyNN backend whose types ``salnest.pynn`` gives: the one imported (``"nest"`` if none)."""
    imported = [name for name in BACKENDS if f"pyNN.{name}" in sys.modules]
    if len(imported) > 1:
        raise ImportError(f"both {' and '.join('pyNN.' + n for n in imported)} are imported: import the types "
                          f"from {' or '.join('salnest.pynn.' + n for n in imported)}")
    return imported[0] if imported else "nest"


def __getattr__(name: str):
    if name not in BACKENDS["nest"]:
        raise AttributeError(f"module 'salnest.pynn' has no attribute {name!r}")
    simulator = backend()
    if name not in BACKENDS[simulator]:
        raise ImportError(f"{name} runs on NEST only (pyNN.nest); pyNN.{simulator} has "
                          f"{', '.join(BACKENDS[simulator])}")
    return getattr(importlib.import_module(f"salnest.pynn.{simulator}"), name)
