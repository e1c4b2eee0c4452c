"""The PyNN networks of salnest's experiments and the phases run on them.

Installed as :mod:`salnest.networks` from the repository's ``pynn_networks/``; each module with
a ``main()`` also runs on its own as a script (``python pynn_networks/<name>.py``, or under
``mpirun``).
"""
