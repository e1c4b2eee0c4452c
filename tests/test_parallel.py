"""salnest.parallel in one process (the MPI suite, tests/mpi, covers several ranks)."""

import pytest

from salnest.parallel import from_root, num_processes


def test_one_process_keeps_nests_compressed_spike_exchange(nest_kernel):
    """The spike-exchange workaround is for several ranks only: one process reads only its own data."""
    assert num_processes() == 1
    assert nest_kernel.use_compressed_spikes  # install() has run in the fixture


def test_from_root_returns_and_raises_as_the_call_would(nest_kernel):
    assert from_root(lambda: 41 + 1) == 42
    with pytest.raises(ZeroDivisionError):
        from_root(lambda: 1 / 0)
