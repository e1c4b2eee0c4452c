"""Load salnest's NEST extension modules into the running NEST kernel.

This is the one place that knows NEST-specific loading details:
``nest.ResetKernel()`` (and so ``pyNN.nest.setup()``) unloads modules and model
copies, so :func:`install` checks the kernel and loads again when needed, and
registers the user-facing names of the module's models (:mod:`salnest.models`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from salnest.models.build import build_module
from salnest.models.catalogue import DEFAULT_MODULES, CppModuleSpec, ModuleSpec
from salnest.models.catalogue import aliases as model_aliases

log = logging.getLogger(__name__)


def _is_loaded(nest, spec: ModuleSpec | CppModuleSpec) -> bool:
    return spec.built_models() <= set(nest.node_models) | set(nest.synapse_models)


def install(spec: ModuleSpec | CppModuleSpec | None = None, aliases: dict[str, str] | None = None,
            build: bool = True) -> Path | list[Path]:
    """Make the models of ``spec`` available in the current NEST kernel.

    Parameters
    ----------
    spec
        The module; default: :data:`salnest.models.DEFAULT_MODULES`, i.e. ``sampling_neuron``
        (NESTML) and ``sal_synapse``, ``sal_synapse_hom`` (C++, for every neuron that archives
        spikes). :data:`salnest.models.MICROCIRCUIT_MODULE` has the microcircuit's models.
    aliases
        Names to register with ``nest.CopyModel`` (name -> NEST model); default: the
        user-facing names of the module's models in :data:`salnest.models.MODELS`.
        PyNN's types pass ``{}``: a model copy fixes the resolution, which PyNN sets later.
    build
        Build the module first when it is not in the cache; else raise.

    Returns
    -------
    Path or list of Path
        The module path (without ``.so``); a list of them for the default modules.

    Call it after ``nest.ResetKernel()`` or ``pyNN.nest.setup()``; it is cheap when nothing
    needs doing. Under MPI it also makes NEST's spike exchange safe
    (:func:`salnest.compat.nest.use_safe_spike_exchange`).
    """
    import nest

    from salnest.compat.nest import quiet_spike_buffer_log, use_safe_spike_exchange

    if spec is None:
        return [install(module, aliases, build) for module in DEFAULT_MODULES]
    if aliases is None:
        aliases = model_aliases(spec)
    path = build_module(spec) if build else _cached_or_raise(spec)
    if not _is_loaded(nest, spec):
        if nest.network_size > 0:
            raise RuntimeError(
                "NEST loads extension modules only before the first node is created. With PyNEST, "
                "call salnest.install() right after nest.ResetKernel(); with PyNN, import "
                "salnest.pynn.nest before calling sim.setup()")
        nest.Install(str(path))
        log.debug("installed %s", path)
        # the first load after a reset: no connections yet, so the exchange can still be chosen
        use_safe_spike_exchange()
    quiet_spike_buffer_log()
    for clean, generated in aliases.items():
        if clean not in nest.node_models and clean not in nest.synapse_models:
            nest.CopyModel(generated, clean)
    return path


def _cached_or_raise(spec: ModuleSpec | CppModuleSpec) -> Path:
    from salnest.models.build import module_path

    path = module_path(spec)
    if path is None:
        raise RuntimeError(f"module {spec.name} is not built for this NEST; run 'salnest build' first")
    return path
