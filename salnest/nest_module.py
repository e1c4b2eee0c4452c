"""Load salnest's NEST extension module into the running NEST kernel.

This is the one place that knows NEST-specific loading details:
``nest.ResetKernel()`` (and so ``pyNN.nest.setup()``) unloads modules and model
copies, so :func:`install` checks the kernel and loads again when needed.
NESTML names co-generated models ``N__with_S`` and ``S__with_N``; the module is
registered under the clean names of :data:`MODEL_NAMES` as well.
"""

from __future__ import annotations

import logging
from pathlib import Path

from salnest.build import ModuleSpec, build_module, default_module_spec

log = logging.getLogger(__name__)

#: Clean model names -> names of the generated models.
MODEL_NAMES = {
    "sampling_neuron": "sampling_neuron__with_sal_synapse",
    "sal_synapse": "sal_synapse__with_sampling_neuron",
}

#: Codes of the ``sal_window`` parameter of ``sal_synapse``.
SAL_WINDOWS = {"exponential": 0, "triangular": 1}

#: Codes of the ``psp_shape`` parameter of ``sampling_neuron``.
PSP_SHAPES = {"rectangular": 0, "exponential": 1}


def _is_loaded(nest, spec: ModuleSpec) -> bool:
    models = set(nest.node_models) | set(nest.synapse_models)
    # NESTML names a neuron paired with synapses S1, S2 "N__with_S1_and_S2"
    return all(f"{neuron}__with_{'_and_'.join(syns)}" in models for neuron, syns in spec.pairs)


def install(spec: ModuleSpec | None = None, aliases: dict[str, str] | None = None,
            build: bool = True) -> Path:
    """Make the models of ``spec`` available in the current NEST kernel.

    Builds the module first when it is not in the cache (``build=True``), loads
    it unless it is already loaded, and registers the clean ``aliases``
    (default :data:`MODEL_NAMES`) with ``nest.CopyModel``. Call it after
    ``nest.ResetKernel()`` or ``pyNN.nest.setup()``; it is cheap when nothing
    needs doing. Under MPI it also makes NEST's spike exchange safe
    (:func:`salnest.parallel.use_safe_spike_exchange`). Returns the module path.
    """
    import nest

    from salnest.parallel import use_safe_spike_exchange

    spec = spec or default_module_spec()
    if aliases is None:
        aliases = MODEL_NAMES if spec.name == default_module_spec().name else {}
    path = build_module(spec) if build else _cached_or_raise(spec)
    if not _is_loaded(nest, spec):
        if nest.network_size > 0:
            raise RuntimeError(
                "NEST loads extension modules only before the first node is created. With PyNEST, "
                "call salnest.install() right after nest.ResetKernel(); with PyNN, import "
                "salnest.pynn_types before calling sim.setup()")
        nest.Install(str(path))
        log.debug("installed %s", path)
        # the first load after a reset: no connections yet, so the exchange can still be chosen
        use_safe_spike_exchange()
    # NEST 3.10 appends to spike_buffer_resize_log at every communication round
    # while buffers may shrink, so every GetKernelStatus (PyNN calls it several
    # times per run()) gets slower the longer a simulation ran: 40 ms after
    # 3e5 steps. Buffers that never shrink log nothing.
    nest.spike_buffer_shrink_limit = 0.0
    for clean, generated in aliases.items():
        if clean not in nest.node_models and clean not in nest.synapse_models:
            nest.CopyModel(generated, clean)
    return path


def _cached_or_raise(spec: ModuleSpec) -> Path:
    from salnest.build import module_path

    path = module_path(spec)
    if path is None:
        raise RuntimeError(f"module {spec.name} is not built for this NEST; run 'salnest build' first")
    return path
