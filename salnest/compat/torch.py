"""PyTorch 2.13 (the CPU wheel) beside NEST in one process."""

from __future__ import annotations

import contextlib

from salnest.compat import workaround


@workaround("torch-threads-beside-nest", "torch", "2.13.0", once=False,
            symptom="PyTorch's and NEST's wheels each ship a libgomp; the one loaded first serves both (and "
                    "salnest's module), so torch.set_num_threads(n) also sets the team size of NEST's OpenMP "
                    "regions, which NEST assumes equal to its local_num_threads: with another n, ResetKernel "
                    "ends the process with a segmentation fault and devices go missing on threads (UnknownNode)",
            upstream="nest-simulator#725 (threading issues when OMP_NUM_THREADS != local_num_threads); "
                     "tests/compat/test_torch.py")
@contextlib.contextmanager
def nest_section():
    """Run NEST calls (kernel setup, building, simulation, kernel reset) with OpenMP's team size at
    NEST's thread count; PyTorch's thread count is restored afterwards. NEST itself sets the team
    size when its thread count changes (``setup(threads=...)``) inside the section."""
    import nest
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(nest.local_num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
