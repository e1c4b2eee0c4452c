"""salnest's NEST models: the catalogue, building the extension modules, loading them, co-generation.

- :mod:`salnest.models.catalogue`: the modules salnest builds and the names users call models by;
- :mod:`salnest.models.nest_install`: facts about the installed NEST (headers, C++ string ABI);
- :mod:`salnest.models.build`: generating (NESTML) and compiling modules, with a cache;
- :mod:`salnest.models.loading`: :func:`install`, loading them into the running kernel;
- :mod:`salnest.models.cogen`: the SAL synapse co-generated with your own NESTML neuron.

The NESTML and C++ sources are package data (:mod:`salnest.resources`).
"""

from salnest.models.catalogue import (
    CORE_MODULE,
    CPP_MODULE,
    DEFAULT_MODULES,
    MICROCIRCUIT_MODULE,
    MODELS,
    PSP_SHAPES,
    SAL_PAIRINGS,
    SAL_SYNAPSE_CODEGEN,
    SAL_WINDOWS,
    CppModuleSpec,
    ModuleSpec,
    SynapseCodegen,
    is_cogenerated,
    nest_model,
)
from salnest.models.loading import install

__all__ = ["CORE_MODULE", "CPP_MODULE", "DEFAULT_MODULES", "MICROCIRCUIT_MODULE", "MODELS", "PSP_SHAPES",
           "SAL_PAIRINGS", "SAL_SYNAPSE_CODEGEN", "SAL_WINDOWS", "CppModuleSpec", "ModuleSpec", "SynapseCodegen",
           "install", "is_cogenerated", "nest_model"]
