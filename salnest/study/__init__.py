"""The study machinery: from a protocol file to a results file and its figure.

:mod:`~salnest.study.protocol` reads and validates protocols against the schema that a kind
declares in :mod:`~salnest.study.registry`; :mod:`~salnest.study.driver` runs them (segments,
checkpoints, resume, locks, interruptions, MPI) and writes :mod:`~salnest.study.results` files
with :mod:`~salnest.study.provenance`; :mod:`~salnest.study.figures` draws them.
"""
