"""The NEST wheel's nest-config still names the machine that built it (salnest.compat.nest_wheel)."""

import subprocess
from pathlib import Path

from salnest.models.nest_install import find_nest


def test_the_wheels_nest_config_names_another_machine():
    nest = find_nest()
    assert nest.nest_config is not None
    reported = subprocess.run([str(nest.nest_config), "--prefix"], capture_output=True, text=True).stdout.strip()
    assert reported and not Path(reported).is_dir(), reported  # NESTML would stop at this path
    assert nest.prefix is None  # so salnest builds through its own nest-config
