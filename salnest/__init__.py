"""salnest: spike-based alignment learning (SAL) for NEST and PyNN.

:func:`install` loads salnest's NEST models into the running kernel (building them first if
needed); :data:`MODELS` names them. The package is laid out by layer, in the order data flows:

- :mod:`salnest.study`: protocols (read, validated), the registry of experiment kinds, the
  driver that runs them with checkpoints and provenance, results files, figures;
- :mod:`salnest.experiments`: one module per kind of experiment (schema, checks, run glue,
  figure, summary);
- :mod:`salnest.networks`: the PyNN networks and the phases run on them (the repository's
  ``pynn_networks/``, whose scripts also run alone);
- :mod:`salnest.pynn`: the PyNN cell and synapse types of salnest's models;
- :mod:`salnest.models`: the model catalogue, building and loading the NEST modules, and the
  SAL synapse co-generated with your own NESTML neuron;
- beside the flow: :mod:`salnest.theory` (exact references), :mod:`salnest.stimulus` (spike
  trains fed in), :mod:`salnest.analysis` (what is read from recorded activity),
  :mod:`salnest.deep` (the PyTorch side of the deep-network study), :mod:`salnest.parallel`
  (MPI), :mod:`salnest.compat` (workarounds of upstream defects), :mod:`salnest.resources`
  (the bundled sources and protocols) and :mod:`salnest.cli` (the ``salnest`` command).
"""

__version__ = "0.2.0"

from salnest.models import MODELS, PSP_SHAPES, SAL_WINDOWS, install, nest_model  # noqa: E402

__all__ = ["MODELS", "PSP_SHAPES", "SAL_WINDOWS", "install", "nest_model", "__version__"]
