"""Changes to NESTML 9.0's code generation, applied while salnest builds a module.

- :func:`only_paired_neurons`: NESTML emits both ``N`` and ``N__with_S`` for a neuron
  co-generated with a synapse. Only the second can be the target of ``S``; dropping the first
  keeps users from meeting a neuron that looks right but rejects SAL synapses.
- :func:`mark_continuous_history_read`: NESTML 9.0 keeps a neuron's continuous-variable history
  until *every* plastic synapse onto it has read it, but only synapses with continuous post
  ports ever do (see its docstring); salnest inserts the read into the others before compiling.
- :func:`restore_on_refused_invariants`: NESTML 9.0 writes a model's new values before it checks
  the invariants, so a refused value stays set; salnest puts the old values back before the
  refusal.
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
def continuous_history_read(target: Path) -> list[str]:
    """:func:`mark_continuous_history_read` on the generated code in ``target``."""
    return mark_continuous_history_read(target)


#: How NESTML 9.0 refuses a value: a throw per invariant, after the values were written.
_INVARIANT_THROW = ("throw nest::BadProperty(\"The constraint", "throw BadProperty(\"The constraint")
_NEURON_WRITE_BACK = "  // if we get here, temporaries contain consistent set of properties\n"
_SYNAPSE_BASE_SET = "  ConnectionBase::set_status( __d, cm );\n"


@workaround("nestml-invariants-keep-refused-values", *NESTML, once=False,
            symptom="a value that violates a model's invariant is refused with BadProperty but stays set: NESTML's "
                    "set_status writes every value before it checks the invariants",
            upstream="tests/compat/test_nestml.py::test_nestml_checks_invariants_after_writing_the_values")
def restore_on_refused_invariants(target: Path) -> list[str]:
    """Make a refused ``set_status`` change nothing: keep the model's values before NESTML writes the
    new ones, and put them back before a violated invariant throws (a neuron's parameters and
    state; a synapse's whole connection, which NEST copies anyway). Returns the patched files."""
    patched = []
    for header in sorted(target.glob("*.h")):
        code = header.read_text()
        if not any(throw in code for throw in _INVARIANT_THROW) or "__salnest_before" in code:
            continue
        if _SYNAPSE_BASE_SET in code:  # a synapse: copy the connection before its base class is set
            keep = "  const auto __salnest_before = *this;  // salnest: see salnest.compat.nestml\n"
            code = code.replace(_SYNAPSE_BASE_SET, keep + _SYNAPSE_BASE_SET, 1)
            restore = "*this = __salnest_before; "
        elif _NEURON_WRITE_BACK in code:
            keep = ("  const Parameters_ __salnest_before_P = P_;  // salnest: see salnest.compat.nestml\n"
                    "  const State_ __salnest_before_S = S_;\n")
            code = code.replace(_NEURON_WRITE_BACK, _NEURON_WRITE_BACK + keep, 1)
            restore = "P_ = __salnest_before_P; S_ = __salnest_before_S; "
        else:
            continue
        for throw in _INVARIANT_THROW:
            code = code.replace(throw, restore + throw)
        header.write_text(code)
        patched.append(header.name)
    return patched


@contextlib.contextmanager
def patches_before_compiling(target: Path):
    """Apply the workarounds of generated code (:func:`continuous_history_read`,
    :func:`restore_on_refused_invariants`) between NESTML's code generation and compilation."""
    from pynestml.codegeneration.nest_builder import NESTBuilder

    original = NESTBuilder.build

    def build(self):
        for patch in (continuous_history_read, restore_on_refused_invariants):
            patched = patch(target)
            if patched:
                log.info("%s: patched %s", patch.__name__, ", ".join(patched))
        return original(self)

    NESTBuilder.build = build
    try:
        yield
    finally:
        NESTBuilder.build = original
