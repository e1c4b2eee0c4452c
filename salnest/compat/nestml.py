"""Changes to NESTML 9.0's code generation, applied while salnest builds a module.

- :func:`only_paired_neurons`: NESTML emits both ``N`` and ``N__with_S`` for a neuron
  co-generated with a synapse. Only the second can be the target of ``S``; dropping the first
  keeps users from meeting a neuron that looks right but rejects SAL synapses.
- :func:`mark_continuous_history_read`: NESTML 9.0 keeps a neuron's continuous-variable history
  until *every* plastic synapse onto it has read it, but only synapses with continuous post
  ports ever do (see its docstring); salnest inserts the read into the others before compiling.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from salnest.compat import workaround

log = logging.getLogger(__name__)

NESTML = ("nestml", "9.0.0")


@workaround("nestml-plain-neuron-copies", *NESTML, once=False,
            symptom="a neuron co-generated with a synapse is also built alone, under its own name, as a model "
                    "that looks right but ends the process when a SAL synapse connects to it",
            upstream="tests/compat/test_nestml.py::test_nestml_builds_a_plain_copy_of_a_paired_neuron")
@contextlib.contextmanager
def only_paired_neurons(paired: set[str]):
    """Within the block, NESTML generates no plain copy of the neurons named in ``paired``."""
    from pynestml.frontend import pynestml_frontend as frontend

    original = frontend.transform_models

    def transform_models(transformers, models):
        models, metadata = original(transformers, models)
        return [m for m in models if m.get_name() not in paired], metadata

    frontend.transform_models = transform_models
    try:
        yield
    finally:
        frontend.transform_models = original


HISTORY_CALL = "      __target->get_history__( t_lastspike_ - __dendritic_delay,"


def mark_continuous_history_read(target: Path) -> list[str]:
    """Let synapses without continuous post ports mark the neuron's continuous history as read.

    NESTML 9.0 writes the continuous-variable history of a co-generated neuron
    every step and prunes an entry only after *every* plastic synapse onto the
    neuron has read it, but only synapses with continuous post ports read it.
    On a neuron with both kinds (hidden pyramidal neurons: ``us_synapse`` and
    ``sal_synapse``) the history then grows by one entry per step, memory grows
    without bound and every presynaptic spike scans it (measured: 10 -> 79 us
    per step within 6e4 steps). Inserting the read into the other synapses'
    ``send()`` restores pruning. Returns the patched files.
    """
    patched = []
    for header in sorted(target.glob("*__with_*.h")):
        neuron = header.stem.split("__with_", 1)[1]
        neuron_header = target / f"{neuron}.h"
        code = header.read_text()
        if (not neuron_header.is_file() or "get_continuous_variable_history" not in neuron_header.read_text()
                or "get_continuous_variable_history" in code or HISTORY_CALL not in code):
            continue
        read = (f"      {{  // salnest: mark the continuous history read, see salnest.compat.nestml\n"
                f"        std::deque< continuous_variable_histentry_{neuron} >::iterator c_start, c_finish;\n"
                f"        ((post_neuron_t*)(__target))->get_continuous_variable_history( t_lastspike_, __t_spike, "
                f"&c_start, &c_finish );\n      }}\n")
        header.write_text(code.replace(HISTORY_CALL, read + HISTORY_CALL, 1))
        patched.append(header.name)
    return patched


@workaround("nestml-continuous-history-pruning", *NESTML, once=False,
            symptom="a neuron's continuous-variable history grows by one entry per step when a synapse "
                    "without continuous ports (the SAL synapse) is paired with it: memory and time grow without bound",
            upstream="tests/compat/test_nestml.py::test_nestml_synapses_without_continuous_ports_never_read_it")
@contextlib.contextmanager
def history_fix_before_compiling(target: Path):
    """Apply :func:`mark_continuous_history_read` between NESTML's code generation and compilation."""
    from pynestml.codegeneration.nest_builder import NESTBuilder

    original = NESTBuilder.build

    def build(self):
        patched = mark_continuous_history_read(target)
        if patched:
            log.info("patched continuous-history pruning in %s", ", ".join(patched))
        return original(self)

    NESTBuilder.build = build
    try:
        yield
    finally:
        NESTBuilder.build = original
