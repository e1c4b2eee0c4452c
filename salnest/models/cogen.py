"""Co-generate the SAL synapse with a NESTML neuron supplied by the user.

NESTML 9 can build a synapse that reads postsynaptic spikes only together
with a NESTML neuron (it adds the spike archive the synapse reads to that
neuron). This module makes that one call::

    from salnest.models.cogen import install_sal_for
    names = install_sal_for("my_neuron.nestml")   # builds once, then cached
    nest.Create(names.neuron); nest.Connect(..., syn_spec={"synapse_model": names.synapse})

A co-generated synapse connects only to the neuron it was generated with; on NEST's built-in
neurons use the C++ ``sal_synapse`` (docs/tutorials/pynest.md).
The generated names follow :mod:`salnest.models`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from salnest.models.build import BuildError, build_module
from salnest.models.catalogue import NESTML_MODELS_DIR, SAL_SYNAPSE_CODEGEN, ModuleSpec


@dataclass(frozen=True)
class CogenModels:
    """NEST names of a co-generated neuron and its SAL synapse."""

    module: str
    neuron: str          #: the neuron's own name, registered as a copy of ``paired_neuron``
    synapse: str
    paired_neuron: str   #: the neuron as NESTML co-generated it with the synapse


def neuron_model_name(neuron_file: Path) -> str:
    """The name after ``model`` in a NESTML file (exactly one model per file)."""
    try:
        text = Path(neuron_file).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{neuron_file}: cannot be read as a NESTML file ({exc})") from None
    names = re.findall(r"^model\s+(\w+)\s*:", text, flags=re.MULTILINE)
    if len(names) != 1:
        raise BuildError(f"{neuron_file}: expected exactly one 'model NAME:' declaration, found {names or 'none'}")
    return names[0]


def sal_module_spec(neuron_file: str | Path, module_name: str | None = None) -> tuple[ModuleSpec, CogenModels]:
    """Module spec and model names for the SAL synapse co-generated with ``neuron_file``."""
    neuron_file = Path(neuron_file).resolve()
    if not neuron_file.is_file():
        raise BuildError(f"NESTML neuron file not found: {neuron_file}")
    neuron = neuron_model_name(neuron_file)
    module = module_name or f"sal{neuron.replace('_', '')}module"
    if not re.fullmatch(r"[A-Za-z_]\w*", module):
        raise BuildError(f"module name {module!r} must be a C identifier")
    spec = ModuleSpec(
        name=module,
        sources=(neuron_file, NESTML_MODELS_DIR / "sal_synapse.nestml"),
        pairs=((neuron, ("sal_synapse",)),),
        synapses=(SAL_SYNAPSE_CODEGEN,),
    )
    return spec, CogenModels(module=module, neuron=neuron, synapse=spec.synapse_model("sal_synapse", neuron),
                             paired_neuron=spec.neuron_model(neuron))


def build_sal_module_for(neuron_file: str | Path, module_name: str | None = None) -> tuple[Path, CogenModels]:
    """Build (or find in the cache) the module; return its path and the model names."""
    spec, names = sal_module_spec(neuron_file, module_name)
    return build_module(spec), names


def install_sal_for(neuron_file: str | Path, module_name: str | None = None) -> CogenModels:
    """Build if needed and load into the current NEST kernel.

    The neuron is available under its own name (e.g. ``iaf_psc_delta_neuron``),
    the synapse as ``sal_synapse__with_<neuron>``.
    """
    from salnest.models.loading import install

    spec, names = sal_module_spec(neuron_file, module_name)
    install(spec, aliases={names.neuron: names.paired_neuron})
    return names
