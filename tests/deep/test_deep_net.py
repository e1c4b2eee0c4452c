"""The conv net's feedback conditions: each backward pass is the one its rule defines, checked
against autograd's exact gradients of equivalent networks."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the deep extra (pip install 'salnest[deep]') is not installed")

from salnest.deep import net as deep_net  # noqa: E402


def _linear(mode, n_in=6, n_out=4, seed=0):
    torch.manual_seed(seed)
    return deep_net.FeedbackLinear(n_in, n_out, mode)


def test_fa_input_gradient_runs_through_B_and_weight_gradient_is_exact():
    layer = _linear("fa")
    x = torch.randn(5, 6, dtype=torch.float32, requires_grad=True)
    g = torch.randn(5, 4)
    layer(x).backward(g)
    np.testing.assert_allclose(x.grad.numpy(), (g @ layer.feedback.t()).detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(layer.weight.grad.numpy(), (g.t() @ x).detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(layer.bias.grad.numpy(), g.sum(0).numpy(), rtol=1e-6, atol=1e-6)
    assert layer.feedback.grad is None


def test_fa_with_B_equal_to_W_transposed_is_backpropagation():
    layer = _linear("fa")
    with torch.no_grad():
        layer.feedback.copy_(layer.weight.t())
    reference = torch.nn.Linear(6, 4)
    with torch.no_grad():
        reference.weight.copy_(layer.weight)
        reference.bias.copy_(layer.bias)
    x = torch.randn(5, 6)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    (layer(x1) ** 2).sum().backward()
    (reference(x2) ** 2).sum().backward()
    np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weight.grad.numpy(), reference.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


def _feedback_reference(x, W, b, B):
    """``x W^T + b`` built from plain tensors, whose input gradient autograd runs through ``B`` (n_in, n_out):
    the second term is zero in value and has the input gradient ``g B^T``, and the input of the first is
    detached, so its weight and bias gradients are autograd's of the plain linear map."""
    return x.detach() @ W.t() + b + (x @ B.detach() - (x @ B).detach())


def test_kolen_pollack_B_gets_the_weight_gradient_of_an_equivalent_network():
    """Two KP layers (ReLU between, cross-entropy on the output) against a network built from plain
    tensors with the same weights, whose gradients autograd computes: with B != W^T the lower layer's
    error runs through B, and KP gives each B the transpose of the gradient that its W gets there."""
    layers = [_linear("kp", 6, 5, seed=0), _linear("kp", 5, 3, seed=1)]  # x and y drawn after seed 1
    assert not np.allclose(layers[1].feedback.detach().numpy(), layers[1].weight.detach().t().numpy(), atol=0.1)
    x, y = torch.randn(7, 6), torch.randint(0, 3, (7,))
    torch.nn.functional.cross_entropy(layers[1](torch.relu(layers[0](x))), y).backward()
    plain = [[p.detach().clone().requires_grad_() for p in (layer.weight, layer.bias, layer.feedback)]
             for layer in layers]
    h = torch.relu(_feedback_reference(x, *plain[0]))
    torch.nn.functional.cross_entropy(_feedback_reference(h, *plain[1]), y).backward()
    for layer, (W, b, B) in zip(layers, plain):
        assert B.grad is None  # the reference treats B as a constant
        np.testing.assert_allclose(layer.weight.grad.numpy(), W.grad.numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(layer.bias.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(layer.feedback.grad.numpy(), W.grad.t().numpy(), rtol=1e-5, atol=1e-7)
    # control: backpropagation (the error through W, not B) gives the lower layer another gradient
    bp = [[p.detach().clone().requires_grad_() for p in (layer.weight, layer.bias)] for layer in layers]
    out = torch.nn.functional.linear(torch.relu(torch.nn.functional.linear(x, *bp[0])), *bp[1])
    torch.nn.functional.cross_entropy(out, y).backward()
    assert not np.allclose(layers[0].weight.grad.numpy(), bp[0][0].grad.numpy(), rtol=1e-5, atol=1e-7)


def test_sign_concordant_feedback_is_B_magnitudes_with_the_signs_of_W():
    layer = _linear("scfa")
    assert bool((layer.feedback >= 0).all())
    used = layer.used_feedback().detach()
    np.testing.assert_array_equal(np.sign(used.numpy()), np.sign(layer.weight.t().detach().numpy()))
    x = torch.randn(3, 6, requires_grad=True)
    g = torch.randn(3, 4)
    layer(x).backward(g)
    np.testing.assert_allclose(x.grad.numpy(), (g @ used.t()).numpy(), rtol=1e-6, atol=1e-6)


def test_fa_conv_input_gradient_uses_the_feedback_kernels():
    torch.manual_seed(1)
    layer = deep_net.FeedbackConv2d(2, 3, 5)
    reference = torch.nn.Conv2d(2, 3, 5, bias=False)
    with torch.no_grad():
        reference.weight.copy_(layer.feedback)  # autograd through the feedback kernels
    x = torch.randn(2, 2, 9, 9)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    g = torch.randn(2, 3, 5, 5)
    layer(x1).backward(g)
    reference(x2).backward(g)
    np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), rtol=1e-5, atol=1e-5)
    exact = torch.nn.Conv2d(2, 3, 5, bias=False)
    with torch.no_grad():
        exact.weight.copy_(layer.weight)
    x3 = x.clone().requires_grad_()
    exact(x3).backward(g)
    np.testing.assert_allclose(layer.weight.grad.numpy(), exact.weight.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("condition", deep_net.CONDITIONS)
def test_network_shapes_and_used_feedback(condition):
    torch.manual_seed(0)
    net = deep_net.ConvNet(condition, (1, 28, 28), 10, (12, 8), channels=4)
    assert net.sizes == [deep_net.fc_input_size((1, 28, 28), 4), 12, 8, 10] == [64, 12, 8, 10]
    assert net(torch.randn(3, 1, 28, 28)).shape == (3, 10)
    for B, W in zip(net.used_feedback(), net.forward_weights()):
        assert B.shape == W.T.shape
        if condition in ("bp", "bp_fa_conv"):
            np.testing.assert_array_equal(B, W.T)


def test_state_vector_round_trip_continues_training_identically():
    def step(net, opt, x, y):
        loss = torch.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    torch.manual_seed(0)
    x, y = torch.randn(8, 1, 20, 20), torch.randint(0, 10, (8,))
    nets = []
    for _ in range(2):
        torch.manual_seed(3)
        net = deep_net.ConvNet("kp", (1, 20, 20), 10, (6,), channels=2)
        nets.append((net, net.optimizer(0.01, 0.9, 0.001)))
    (a, opt_a), (b, opt_b) = nets
    for _ in range(2):
        step(a, opt_a, x, y)
    deep_net.load_state_vector(b, opt_b, deep_net.state_vector(a, opt_a))
    step(a, opt_a, x, y)
    step(b, opt_b, x, y)
    np.testing.assert_array_equal(deep_net.state_vector(a, opt_a), deep_net.state_vector(b, opt_b))
    with pytest.raises(ValueError, match="state vector"):
        deep_net.load_state_vector(b, opt_b, np.zeros(5))


def test_unknown_condition_is_refused():
    with pytest.raises(ValueError, match="condition must be one of"):
        deep_net.ConvNet("dfa", (1, 28, 28))
