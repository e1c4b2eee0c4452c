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


def test_kolen_pollack_B_gets_the_transposed_weight_gradient():
    layer = _linear("kp")
    x = torch.randn(5, 6)
    layer(x).backward(torch.randn(5, 4))
    np.testing.assert_allclose(layer.feedback.grad.numpy(), layer.weight.grad.t().numpy(), rtol=1e-6)


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
