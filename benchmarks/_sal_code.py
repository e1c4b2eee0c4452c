"""unibe-cns/sal-code's SAL network as the benchmarks run it (measured at commit d1c07c0).

Shared by ``inference_speed.py`` and ``deep_phase_speed.py`` so that both step the authors'
``symmnet.sal_net.SALNetBase`` exactly as its ``train_sal`` and ``salnet_symm.py`` do.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def sal_code_network(repo: Path, sizes: list[int], W: list[np.ndarray], B: list[np.ndarray],
                     b: list[np.ndarray], copies: int, tau_ref: int, eta: float, seed: int, **options):
    """sal-code's ``SALNetBase(sizes)`` on one CPU thread, batch ``copies``, with the given weights.

    Parameters
    ----------
    repo : Path
        A clone of unibe-cns/sal-code.
    sizes : list of int
        Units per layer, input first.
    W, B, b : list of numpy.ndarray
        Forward weights ``W[l]`` (n_(l+1), n_l), feedback weights ``B[l]`` (n_l, n_(l+1)) and
        biases ``b[l]`` (n_l,), one per layer (``b``) or per pair of layers (``W``, ``B``).
    copies : int
        Batch size: independent copies of the network sampled side by side.
    tau_ref : int
        Refractory period (steps).
    eta : float
        SAL learning rate ``eta_sal``.
    seed : int
        PyTorch's seed.
    **options
        Further keyword arguments of ``SALNetBase`` (``buffer_length``).
    """
    sys.path.insert(0, str(repo / "symmnet" / "src"))
    import torch
    from symmnet.sal_net import SALNetBase

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    net = SALNetBase(sizes, tau_ref, eta, batch_size=copies, **options)
    with torch.no_grad():
        for l, layer in enumerate(net.layers):
            if l > 0:
                layer.weight.copy_(torch.from_numpy(W[l - 1]))
            if l < len(sizes) - 1:
                layer.fb_weight.copy_(torch.from_numpy(B[l]))
            layer.bias.copy_(torch.from_numpy(b[l]))
    return net


def sal_code_phase(net, steps: int) -> None:
    """One SAL phase of ``steps`` steps, as ``train_sal``: sample, accumulate, then update B once."""
    import torch

    with torch.no_grad():
        for _ in range(steps):
            net.update_mempot()
            net.update_spikes()
            net.fb_stdp_online()
        net.apply_fb_weight_update()
