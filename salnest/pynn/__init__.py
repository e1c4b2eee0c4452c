"""PyNN cell and synapse types of salnest's models.

:mod:`salnest.pynn.nest` has the types for ``pyNN.nest`` (:class:`SamplingNeuron`,
:class:`SALSynapse`, :class:`RDDNeuron`, :class:`STDWISynapse`), :mod:`salnest.pynn.microcircuit`
those of the dendritic microcircuit. Importing them, before or after ``pyNN.nest``, makes
every later ``sim.setup()`` load salnest's NEST modules (:mod:`salnest.compat.pynn`).
"""

from salnest.pynn.nest import RDDNeuron, SALSynapse, SamplingNeuron, STDWISynapse

__all__ = ["RDDNeuron", "SALSynapse", "SamplingNeuron", "STDWISynapse"]
