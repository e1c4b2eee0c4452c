"""salnest: spike-based alignment learning (SAL) for NEST and PyNN.

Front door of the package: :func:`install` loads the NEST models into the
running kernel (building them first if needed); :mod:`salnest.pynn_types`
has the PyNN types; :mod:`salnest.cogen` pairs the SAL synapse with your own
NESTML neuron; the ``salnest`` command builds, inspects and runs.
"""

__version__ = "0.1.0"

from salnest.nest_module import MODEL_NAMES, PSP_SHAPES, SAL_WINDOWS, install  # noqa: E402

__all__ = ["MODEL_NAMES", "PSP_SHAPES", "SAL_WINDOWS", "install", "__version__"]
