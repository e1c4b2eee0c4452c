"""``python -m salnest``: the ``salnest`` command (also ``mpirun -np N python -m salnest run ...``)."""

import sys

from salnest.cli import main

sys.exit(main())
