"""The paper's convolutional network (Fig. 8) with the feedback of each training condition, in PyTorch.

Two 5x5 convolutions with 64 channels (``channels``) (no bias), each followed by ReLU, BatchNorm and 2x2
max-pooling, then fully connected layers ``[n_0, 384, 192, n_classes]`` with ReLU and BatchNorm
after each hidden one. The network ends in the logits: the loss is cross-entropy on them (the
reference ends in a softmax and then applies cross-entropy, a second softmax, so that its loss
cannot go below about 1.46).

Feedback of the fully connected layers: ``B[l]`` shaped like ``W[l]^T`` (n_l, n_(l+1)) carries
the error back, ``delta_l = delta_(l+1) B[l]^T``, where backpropagation uses ``W[l]``:

========== ======================================================================================
condition  feedback
========== ======================================================================================
bp         backpropagation everywhere
bp_fa_conv backpropagation in the FC layers, fixed random feedback in the conv layers (the upper
           limit of any method that aligns only the FC feedback)
fa         fixed random B (Lillicrap et al. 2016, doi:10.1038/ncomms13276)
scfa       sign-concordant: ``|B_0| * sign(W^T)`` (Liao, Leibo, Poggio 2016, arXiv:1510.05067)
kp         Kolen-Pollack: B gets W's gradient (transposed), weight decay on both (Akrout et al.
           2019, arXiv:1904.05391)
sal        B from a SAL phase in NEST before every epoch (:mod:`salnest.networks.sal_phase`)
rdd        B from an RDD phase in NEST before every epoch (:mod:`salnest.networks.rdd_phase`)
========== ======================================================================================

The conv layers use fixed random feedback in every condition but ``bp``. PyTorch is an optional
dependency (``pip install salnest[deep]``); this module imports it.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from salnest.deep.conditions import CONDITIONS


class _FeedbackLinear(torch.autograd.Function):
    """``y = x W^T + b`` whose input gradient runs through ``feedback`` (n_in, n_out) instead of W^T;
    ``learn_feedback``: ``feedback`` also gets the gradient W^T would get (Kolen-Pollack)."""

    @staticmethod
    def forward(ctx, x, weight, bias, feedback, learn_feedback):
        ctx.save_for_backward(x, feedback)
        ctx.learn_feedback = learn_feedback
        return F.linear(x, weight, bias)

    @staticmethod
    def backward(ctx, grad):
        x, feedback = ctx.saved_tensors
        grad_weight = grad.t().mm(x)
        grad_feedback = grad_weight.t() if ctx.learn_feedback else None
        return grad.mm(feedback.t()), grad_weight, grad.sum(0), grad_feedback, None


class FeedbackLinear(nn.Module):
    """A fully connected layer with its own feedback matrix ``feedback`` (n_in, n_out).

    ``mode``: ``"fa"`` (fixed B; also SAL and RDD, which set B between epochs), ``"scfa"``
    (``|B| * sign(W^T)``, B its fixed magnitudes) or ``"kp"`` (B learns W's transposed gradient).
    W, b and B are drawn as PyTorch's ``nn.Linear`` draws W and b, B as W's transpose would be.
    """

    def __init__(self, n_in: int, n_out: int, mode: str):
        super().__init__()
        self.mode = mode
        self.weight = nn.Parameter(torch.empty(n_out, n_in))
        self.bias = nn.Parameter(torch.empty(n_out))
        B = torch.empty(n_out, n_in)
        bound = 1.0 / math.sqrt(n_in)
        nn.init.uniform_(self.weight, -bound, bound)  # = kaiming_uniform_(a=sqrt(5)), nn.Linear's draw
        nn.init.uniform_(B, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)
        self.feedback = nn.Parameter(B.t().contiguous().abs() if mode == "scfa" else B.t().contiguous(),
                                     requires_grad=mode == "kp")

    def used_feedback(self) -> torch.Tensor:
        """The matrix the error actually runs back through, (n_in, n_out)."""
        if self.mode == "scfa":
            return self.feedback * torch.sign(self.weight.t())
        return self.feedback

    def forward(self, x):
        return _FeedbackLinear.apply(x, self.weight, self.bias, self.used_feedback(), self.mode == "kp")


class _FeedbackConv2d(torch.autograd.Function):
    """A valid, stride-1 convolution whose input gradient runs through fixed ``feedback`` kernels."""

    @staticmethod
    def forward(ctx, x, weight, feedback):
        ctx.save_for_backward(x, weight, feedback)
        return F.conv2d(x, weight)

    @staticmethod
    def backward(ctx, grad):
        x, weight, feedback = ctx.saved_tensors
        grad_x = torch.nn.grad.conv2d_input(x.shape, feedback, grad) if ctx.needs_input_grad[0] else None
        return grad_x, torch.nn.grad.conv2d_weight(x, weight.shape, grad), None


class FeedbackConv2d(nn.Module):
    """A conv layer without bias with fixed random feedback kernels, drawn as its weights."""

    def __init__(self, c_in: int, c_out: int, kernel: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(c_out, c_in, kernel, kernel))
        self.feedback = nn.Parameter(torch.empty(c_out, c_in, kernel, kernel), requires_grad=False)
        for p in (self.weight, self.feedback):
            nn.init.kaiming_uniform_(p, a=math.sqrt(5))  # nn.Conv2d's draw

    def forward(self, x):
        return _FeedbackConv2d.apply(x, self.weight, self.feedback)


def fc_input_size(shape: tuple[int, int, int], channels: int) -> int:
    """Features after the two conv blocks (5x5 valid convolution, 2x2 pooling) of an input
    (channels, height, width)."""
    def block(n):
        return (n - 4) // 2

    return channels * block(block(shape[1])) * block(block(shape[2]))


class ConvNet(nn.Module):
    """The paper's network (see the module docstring) under one of :data:`CONDITIONS`.

    Parameters
    ----------
    condition
        One of :data:`CONDITIONS`.
    shape
        Input (channels, height, width); at least 16 x 16.
    n_classes
        Outputs.
    hidden
        Hidden FC widths (the paper: 384, 192).
    channels
        Channels of both conv layers (the paper: 64).
    """

    def __init__(self, condition: str, shape: tuple[int, int, int], n_classes: int = 10,
                 hidden: tuple[int, ...] = (384, 192), channels: int = 64):
        super().__init__()
        if condition not in CONDITIONS:
            raise ValueError(f"condition must be one of {', '.join(CONDITIONS)}; got {condition!r}")
        self.condition = condition
        conv = ((lambda i, o: nn.Conv2d(i, o, 5, bias=False)) if condition == "bp"
                else (lambda i, o: FeedbackConv2d(i, o, 5)))
        self.features = nn.Sequential(
            conv(shape[0], channels), nn.ReLU(), nn.BatchNorm2d(channels), nn.MaxPool2d(2),
            conv(channels, channels), nn.ReLU(), nn.BatchNorm2d(channels), nn.MaxPool2d(2), nn.Flatten())
        self.sizes = [fc_input_size(shape, channels), *hidden, n_classes]
        mode = {"scfa": "scfa", "kp": "kp"}.get(condition, "fa")
        self.fc = nn.ModuleList(
            nn.Linear(n_in, n_out) if condition in ("bp", "bp_fa_conv") else FeedbackLinear(n_in, n_out, mode)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(n) for n in hidden)

    def forward(self, x):
        x = self.features(x)
        for fc, norm in zip(self.fc[:-1], self.norms):
            x = norm(F.relu(fc(x)))
        return self.fc[-1](x)

    def forward_weights(self) -> list[np.ndarray]:
        """W of every FC layer, (n_(l+1), n_l)."""
        return [fc.weight.detach().cpu().numpy().astype(float) for fc in self.fc]

    def biases(self) -> list[np.ndarray]:
        """Biases of every FC layer, (n_(l+1),)."""
        return [fc.bias.detach().cpu().numpy().astype(float) for fc in self.fc]

    def used_feedback(self) -> list[np.ndarray]:
        """The feedback each FC layer's error runs through, (n_l, n_(l+1)): W^T under bp and bp_fa_conv."""
        return [(fc.used_feedback() if isinstance(fc, FeedbackLinear) else fc.weight.t()).detach().cpu().numpy()
                .astype(float) for fc in self.fc]

    def set_feedback(self, B: list[np.ndarray]) -> None:
        """Set every FC layer's B (n_l, n_(l+1)): the result of a SAL or RDD phase."""
        with torch.no_grad():
            for fc, b in zip(self.fc, B):
                fc.feedback.copy_(torch.as_tensor(np.asarray(b), dtype=fc.feedback.dtype))

    def optimizer(self, lr: float, momentum: float, kp_weight_decay: float) -> torch.optim.SGD:
        """SGD as the reference: under kp weight decay on the FC weights and feedback only."""
        if self.condition != "kp":
            return torch.optim.SGD([p for p in self.parameters() if p.requires_grad], lr=lr, momentum=momentum)
        fc = [p for layer in self.fc for p in (layer.weight, layer.feedback)]
        ids = {id(p) for p in fc}
        other = [p for p in self.parameters() if p.requires_grad and id(p) not in ids]
        return torch.optim.SGD([{"params": fc, "weight_decay": kp_weight_decay}, {"params": other}],
                               lr=lr, momentum=momentum)


def state_vector(net: ConvNet, optimizer: torch.optim.Optimizer) -> np.ndarray:
    """Everything that determines the network's future (parameters, BatchNorm statistics, momentum
    buffers) as one float64 vector, in :func:`load_state_vector`'s order."""
    parts = [t.detach().cpu().double().ravel() for t in net.state_dict().values()]
    for group in optimizer.param_groups:
        for p in group["params"]:
            buffer = optimizer.state.get(p, {}).get("momentum_buffer")
            parts.append((torch.zeros_like(p) if buffer is None else buffer).detach().cpu().double().ravel())
    return torch.cat(parts).numpy()


def load_state_vector(net: ConvNet, optimizer: torch.optim.Optimizer, vector: np.ndarray) -> None:
    """Inverse of :func:`state_vector`. A zero momentum buffer acts as a missing one: with no
    dampening SGD's first step sets the buffer to the gradient either way."""
    vector = torch.as_tensor(np.asarray(vector, dtype=float))
    state = net.state_dict()
    needed = sum(t.numel() for t in state.values()) + sum(
        p.numel() for group in optimizer.param_groups for p in group["params"])
    if vector.numel() != needed:
        raise ValueError(f"state vector has {vector.numel()} values, the network needs {needed}")
    at = 0

    def take(like):
        nonlocal at
        part = vector[at:at + like.numel()].reshape(like.shape).to(like.dtype)
        at += like.numel()
        return part

    net.load_state_dict({name: take(t) for name, t in state.items()})
    for group in optimizer.param_groups:
        for p in group["params"]:
            optimizer.state[p]["momentum_buffer"] = take(p.detach()).to(p.device).clone()
