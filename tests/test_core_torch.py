"""Reference tests: dlfund core against PyTorch in float64 (activations, losses, dense layer, MLP).

Every comparison goes through `assert_close_torch` (rtol 1e-10, atol 1e-12), which also records
the relative error for the one-line summary printed at the end of the test session.
Convention mapping: our W is (n_in, n_out) and Z = A @ W + b; torch.nn.Linear stores
weight (n_out, n_in) and computes A @ weight.T + bias, so weight = W.T and dW = weight.grad.T.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from _torchref import assert_close_torch, t64
from dlfund import activations as act
from dlfund import losses as L
from dlfund.layers import dense_backward, dense_forward
from dlfund.network import MLP

torch.set_num_threads(1)

EXTREMES = np.array([-1000.0, -745.0, -710.0, -50.0, -20.0, -1e-8, 0.0, 1e-8, 20.0, 50.0, 710.0, 745.0, 1000.0])


def _activation_inputs(seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0.0, 3.0, size=37), EXTREMES, rng.normal(0.0, 300.0, size=10)]).reshape(6, 10)


# ---------------------------------------------------------------- activations

TORCH_ACTIVATIONS = {
    "linear": (act.linear, act.linear_derivative, lambda x: x * 1.0),
    "sigmoid": (act.sigmoid, act.sigmoid_derivative, torch.sigmoid),
    "tanh": (act.tanh, act.tanh_derivative, torch.tanh),
    "relu": (act.relu, act.relu_derivative, torch.relu),
    "leaky_relu(0.01)": (act.leaky_relu, act.leaky_relu_derivative, lambda x: F.leaky_relu(x, 0.01)),
    "leaky_relu(0.2)": (
        lambda z: act.leaky_relu(z, alpha=0.2),
        lambda z: act.leaky_relu_derivative(z, alpha=0.2),
        lambda x: F.leaky_relu(x, 0.2),
    ),
}


@pytest.mark.parametrize("name", list(TORCH_ACTIVATIONS))
@pytest.mark.parametrize("seed", [0, 1])
def test_activation_and_derivative(name, seed):
    f, df, tf = TORCH_ACTIVATIONS[name]
    z = _activation_inputs(seed)
    x = t64(z, requires_grad=True)
    y = tf(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert_close_torch(f(z), y, f"{name} forward")
    assert_close_torch(df(z), grad, f"{name} derivative")


@pytest.mark.parametrize(
    "shape, axis",
    [((4, 6), 0), ((4, 6), 1), ((4, 6), -1), ((2, 3, 5), 0), ((2, 3, 5), 1), ((2, 3, 5), 2), ((1, 7), -1), ((5,), 0)],
)
@pytest.mark.parametrize("scale", [1.0, 300.0])
def test_softmax_forward_and_vjp(shape, axis, scale):
    rng = np.random.default_rng(len(shape) * 10 + axis + int(scale))
    z = rng.normal(0.0, scale, size=shape)
    upstream = rng.normal(size=shape)
    x = t64(z, requires_grad=True)
    y = torch.softmax(x, dim=axis)
    (grad,) = torch.autograd.grad(y, x, grad_outputs=t64(upstream))
    A = act.softmax(z, axis=axis)
    assert_close_torch(A, y, f"softmax forward {shape} axis={axis} scale={scale}")
    assert_close_torch(
        act.softmax_backward(upstream, A, axis=axis), grad, f"softmax backward {shape} axis={axis} scale={scale}"
    )


# ---------------------------------------------------------------- losses

SHAPES = [(7,), (5, 1), (4, 3), (1, 1)]


def _check_loss(name, ours, ours_grad, torch_loss, y_hat, y, target_dtype=torch.float64):
    x = t64(y_hat, requires_grad=True)
    target = torch.tensor(np.asarray(y), dtype=target_dtype)
    value = torch_loss(x, target)
    (grad,) = torch.autograd.grad(value, x)
    assert_close_torch(ours(y_hat, y), value, f"{name} value")
    assert_close_torch(ours_grad(y_hat, y), grad, f"{name} gradient")


@pytest.mark.parametrize("shape", SHAPES)
def test_mse(shape):
    rng = np.random.default_rng(1)
    _check_loss(
        f"MSELoss {shape}",
        L.mse_loss,
        L.mse_grad,
        nn.MSELoss(),
        rng.normal(0, 5, size=shape),
        rng.normal(0, 5, size=shape),
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_mae(shape):
    rng = np.random.default_rng(2)
    _check_loss(
        f"L1Loss {shape}",
        L.mae_loss,
        L.mae_grad,
        nn.L1Loss(),
        rng.normal(0, 5, size=shape),
        rng.normal(0, 5, size=shape),
    )


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5])
@pytest.mark.parametrize("shape", SHAPES)
def test_huber(shape, delta):
    rng = np.random.default_rng(3)
    y_hat, y = rng.normal(0, 2.5, size=shape), rng.normal(0, 1, size=shape)
    _check_loss(
        f"HuberLoss(delta={delta}) {shape}",
        lambda a, b: L.huber_loss(a, b, delta=delta),
        lambda a, b: L.huber_grad(a, b, delta=delta),
        nn.HuberLoss(delta=delta),
        y_hat,
        y,
    )


def test_huber_covers_both_regions():
    rng = np.random.default_rng(3)
    d = np.abs(rng.normal(0, 2.5, size=(4, 3)) - rng.normal(0, 1, size=(4, 3)))
    assert (d < 0.5).any() and (d > 2.5).any()  # the (4, 3) case above uses both branches


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_bce(shape, soft):
    rng = np.random.default_rng(4)
    p = rng.uniform(0.01, 0.99, size=shape)
    y = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
    _check_loss(f"BCELoss {shape} soft={soft}", L.binary_cross_entropy, L.binary_cross_entropy_grad, nn.BCELoss(), p, y)


def test_bce_at_exact_zero_and_one():
    """Both clamp each log at -100 and floor p (1 - p) in the gradient.

    Convention difference, mapped here: our floor is 1e-12; PyTorch's is the float32 number
    nearest 1e-12 (9.99999996e-13), so its floored entries are larger by 1e-12 / float32(1e-12).
    """
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-20, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    x = t64(p, requires_grad=True)
    value = nn.BCELoss()(x, t64(y))
    (grad,) = torch.autograd.grad(value, x)
    floored = p * (1 - p) < 1e-12
    torch_floor = float(np.float32(1e-12))
    mapped = grad.numpy() * np.where(floored, torch_floor / 1e-12, 1.0)
    assert_close_torch(L.binary_cross_entropy(p, y), value, "BCELoss p in {0, 1} value")
    assert_close_torch(L.binary_cross_entropy_grad(p, y), mapped, "BCELoss p in {0, 1} gradient (floor mapped)")
    np.testing.assert_array_equal(L.binary_cross_entropy_grad(p, y)[floored], (p - y)[floored] / 1e-12 / 6)


@pytest.mark.parametrize("shape", SHAPES + [(13,)])
def test_bce_with_logits(shape):
    rng = np.random.default_rng(5)
    z = rng.normal(0, 4, size=shape)
    if shape == (13,):
        z = EXTREMES.copy()
    y = rng.uniform(size=shape)
    _check_loss(
        f"BCEWithLogitsLoss {shape}",
        L.binary_cross_entropy_with_logits,
        L.binary_cross_entropy_with_logits_grad,
        nn.BCEWithLogitsLoss(),
        z,
        y,
    )


@pytest.mark.parametrize("m, k, scale", [(1, 3, 1.0), (6, 4, 2.0), (5, 10, 3.0), (4, 3, 500.0)])
def test_cross_entropy_labels(m, k, scale):
    rng = np.random.default_rng(6)
    z = rng.normal(0, scale, size=(m, k))
    labels = rng.integers(0, k, size=m)
    _check_loss(
        f"CrossEntropyLoss labels ({m}, {k}) scale={scale}",
        L.softmax_cross_entropy,
        L.softmax_cross_entropy_grad,
        nn.CrossEntropyLoss(),
        z,
        labels,
        target_dtype=torch.long,
    )


@pytest.mark.parametrize("m, k", [(1, 3), (6, 4), (5, 10)])
def test_cross_entropy_probabilities(m, k):
    rng = np.random.default_rng(7)
    z = rng.normal(0, 2, size=(m, k))
    y = rng.dirichlet(np.ones(k), size=m)
    _check_loss(
        f"CrossEntropyLoss probabilities ({m}, {k})",
        L.softmax_cross_entropy,
        L.softmax_cross_entropy_grad,
        nn.CrossEntropyLoss(),
        z,
        y,
    )


@pytest.mark.parametrize("m, k", [(1, 3), (6, 4), (5, 10)])
def test_cross_entropy_on_probabilities_is_nll_of_log(m, k):
    """Our `cross_entropy(p, y)` (input p = softmax output) against NLLLoss(log p) and its gradient in p."""
    rng = np.random.default_rng(8)
    p = rng.dirichlet(np.ones(k), size=m)
    labels = rng.integers(0, k, size=m)
    _check_loss(
        f"NLLLoss(log p) ({m}, {k})",
        L.cross_entropy,
        L.cross_entropy_grad,
        lambda x, t: F.nll_loss(torch.log(x), t),
        p,
        labels,
        target_dtype=torch.long,
    )


# ---------------------------------------------------------------- dense layer

DENSE_SHAPES = [(1, 3, 7), (5, 4, 2), (8, 1, 1), (3, 6, 6), (1, 1, 5), (16, 9, 3)]


@pytest.mark.parametrize("m, n_in, n_out", DENSE_SHAPES)
def test_dense_forward_backward(m, n_in, n_out):
    rng = np.random.default_rng(m * 100 + n_in * 10 + n_out)
    A, W, b = rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
    dZ = rng.normal(size=(m, n_out))
    lin = nn.Linear(n_in, n_out, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(t64(W.T))
        lin.bias.copy_(t64(b))
    x = t64(A, requires_grad=True)
    out = lin(x)
    dx, dweight, dbias = torch.autograd.grad(out, [x, lin.weight, lin.bias], grad_outputs=t64(dZ))
    Z, cache = dense_forward(A, W, b)
    dA, dW, db = dense_backward(dZ, cache)
    tag = f"dense ({m}, {n_in}) -> {n_out}"
    assert_close_torch(Z, out, f"{tag} Z")
    assert_close_torch(dA, dx, f"{tag} dA_prev")
    assert_close_torch(dW, dweight.T, f"{tag} dW")
    assert_close_torch(db, dbias, f"{tag} db")


# ---------------------------------------------------------------- MLP

TORCH_HIDDEN = {
    "relu": lambda a: nn.ReLU(),
    "tanh": lambda a: nn.Tanh(),
    "sigmoid": lambda a: nn.Sigmoid(),
    "leaky_relu": lambda a: nn.LeakyReLU(a),
}

# (head, our output, our loss, output width)
HEADS = [
    ("linear+MSE", "linear", None, 1),
    ("linear+MSE multi-output", "linear", None, 3),
    ("sigmoid+BCE", "sigmoid", None, 1),
    ("sigmoid+BCE multi-label", "sigmoid", None, 3),
    ("softmax+CE labels", "softmax", None, 4),
    ("softmax+CE one-hot", "softmax", None, 3),
    ("linear+BCEWithLogits", "linear", "bce_logits", 2),
    ("linear+CrossEntropy on logits", "linear", "softmax_ce", 3),
]

ARCHS = [(1, [3, 7]), (5, [4, 6, 2]), (8, [2, 9, 5, 3])]  # batch size, [n_in, hidden...] (non-square)


def _torch_twin(model, hidden_activation, alpha):
    layers = []
    for l in range(1, model.n_layers + 1):
        W, b = model.params[f"W{l}"], model.params[f"b{l}"]
        lin = nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(t64(W.T))
            lin.bias.copy_(t64(b))
        layers.append(lin)
        if l < model.n_layers:
            layers.append(TORCH_HIDDEN[hidden_activation](alpha))
    return nn.Sequential(*layers)


def _torch_head(head, logits, Y):
    """(network output, loss) of the torch twin for a head, from its last-layer pre-activation."""
    if head.startswith("linear+MSE"):
        return logits, F.mse_loss(logits, Y)
    if head.startswith("sigmoid"):
        out = torch.sigmoid(logits)
        return out, F.binary_cross_entropy(out, Y)
    if head.startswith("softmax"):
        return torch.softmax(logits, dim=1), F.cross_entropy(logits, Y)
    if head == "linear+BCEWithLogits":
        return logits, F.binary_cross_entropy_with_logits(logits, Y)
    return logits, F.cross_entropy(logits, Y)


def _targets(head, m, k, rng):
    if "labels" in head or head == "linear+CrossEntropy on logits":
        y = rng.integers(0, k, size=m)
        return y, torch.tensor(y, dtype=torch.long)
    if "one-hot" in head:
        y = np.eye(k)[rng.integers(0, k, size=m)]
    elif "MSE" in head:
        y = rng.normal(0, 2, size=(m, k))
    else:
        y = rng.integers(0, 2, size=(m, k)).astype(float)
    if k == 1 and rng.uniform() < 0.5:
        y = y[:, 0]  # a flat target for a single output: the MLP reshapes it
        return y, t64(y[:, None])
    return y, t64(y)


@pytest.mark.parametrize("arch", range(len(ARCHS)))
@pytest.mark.parametrize("hidden", list(TORCH_HIDDEN))
@pytest.mark.parametrize("head_idx", range(len(HEADS)))
def test_mlp_forward_backward(head_idx, hidden, arch):
    head, output, loss, k = HEADS[head_idx]
    m, sizes = ARCHS[arch]
    rng = np.random.default_rng(1000 * head_idx + 10 * arch + len(hidden))
    alpha = 0.07
    model = MLP(
        sizes + [k], hidden_activation=hidden, output=output, loss=loss, init="xavier_normal", rng=rng, alpha=alpha
    )
    for key in model.params:  # non-zero biases
        if key.startswith("b"):
            model.params[key] = rng.normal(0, 0.5, size=model.params[key].shape)
    X = rng.normal(size=(m, sizes[0]))
    Y, Y_t = _targets(head, m, k, rng)

    twin = _torch_twin(model, hidden, alpha)
    out_t, loss_t = _torch_head(head, twin(t64(X)), Y_t)
    loss_t.backward()

    y_hat, caches = model.forward(X)
    tag = f"MLP {head} {hidden} {sizes + [k]} m={m}"
    assert_close_torch(y_hat, out_t, f"{tag} output")
    assert_close_torch(model.compute_loss(y_hat, Y), loss_t, f"{tag} loss")
    grads = model.backward(y_hat, Y, caches)
    linears = [mod for mod in twin if isinstance(mod, nn.Linear)]
    for l, lin in enumerate(linears, start=1):
        assert_close_torch(grads[f"dW{l}"], lin.weight.grad.T, f"{tag} dW{l}")
        assert_close_torch(grads[f"db{l}"], lin.bias.grad, f"{tag} db{l}")
