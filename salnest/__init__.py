"""salnest: spike-based alignment learning (SAL) for NEST and PyNN.

Front door of the package: :func:`install` loads the NEST models into the
running kernel (building them first if needed); :mod:`salnest.models` names
them; :mod:`salnest.pynn_types` has the PyNN types; :mod:`salnest.cogen` pairs
the SAL synapse with your own NESTML neuron; the ``salnest`` command builds,
inspects, describes and runs experiments.
"""

__version__ = "0.1.0"

from salnest.models import MODELS, PSP_SHAPES, SAL_WINDOWS, nest_model  # noqa: E402
from salnest.nest_module import install  # noqa: E402

__all__ = ["MODELS", "PSP_SHAPES", "SAL_WINDOWS", "install", "nest_model", "__version__"]
