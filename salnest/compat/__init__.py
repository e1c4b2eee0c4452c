"""Workarounds of upstream behaviour, kept apart from salnest's own logic.

One module per upstream project: :mod:`salnest.compat.nestml` (code generation) and
:mod:`salnest.compat.nest_wheel` (the PyPI wheel of NEST). Each workaround says which
version it was written for and what it works around, so that it can go when upstream
changes.
"""
