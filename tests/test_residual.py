"""Residual block y = x + F(x): values and gradients vs autograd, gradient check, E28."""

import numpy as np
import pytest
import torch

from _torchref import assert_close_torch

from dlfund.gradcheck import gradient_check
from dlfund.layers import residual_backward, residual_forward

_TORCH_ACT = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid, "linear": lambda z: z}


@pytest.mark.parametrize("acts", [["tanh", "linear"], ["relu", "relu"], ["sigmoid"], ["tanh", "relu", "linear"]])
def test_matches_autograd(acts):
    rng = np.random.default_rng(len(acts))
    n, m = 4, 6
    widths = [n] + [5] * (len(acts) - 1) + [n]
    weights = [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(widths[:-1], widths[1:])]
    X = rng.normal(size=(m, n))
    dY = rng.normal(size=(m, n))
    Y, cache = residual_forward(X, weights, acts)
    dX, dweights = residual_backward(dY, cache)

    Xt = torch.tensor(X, requires_grad=True)
    wt = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in weights]
    H = Xt
    for (W, b), a in zip(wt, acts):
        H = _TORCH_ACT[a](H @ W + b)
    Yt = Xt + H
    Yt.backward(torch.tensor(dY))
    assert_close_torch(Y, Yt, "residual forward")
    assert_close_torch(dX, Xt.grad, "residual dX")
    for (dW, db), (W, b) in zip(dweights, wt):
        assert_close_torch(dW, W.grad, "residual dW")
        assert_close_torch(db, b.grad, "residual db")


def test_gradient_check():
    rng = np.random.default_rng(3)
    params = {
        "X": rng.normal(size=(5, 3)),
        "W1": rng.normal(size=(3, 4)),
        "b1": rng.normal(size=4),
        "W2": rng.normal(size=(4, 3)),
        "b2": rng.normal(size=3),
    }
    R = rng.normal(size=(5, 3))

    def forward(p):
        return residual_forward(p["X"], [(p["W1"], p["b1"]), (p["W2"], p["b2"])], ["tanh", "sigmoid"])

    Y, cache = forward(params)
    dX, ((dW1, db1), (dW2, db2)) = residual_backward(R, cache)
    res = gradient_check(
        lambda p: float(np.sum(forward(p)[0] * R)), params, {"dX": dX, "dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    )
    assert res.max_relative_error < 1e-8, str(res)


def test_e28_identity_path_in_the_gradient():
    """y = x + tanh(1.3 x), E = y^2 at x = 0.7: dE/dx = dE/dy (1 + F'(x)) = 4.61572, not dE/dy F'(x)."""
    x = np.array([[0.7]])
    y, cache = residual_forward(x, [(np.array([[1.3]]), np.zeros(1))], "tanh")
    dE_dy = 2 * y
    dx, _ = residual_backward(dE_dy, cache)
    F_prime = 1.3 * (1 - np.tanh(1.3 * 0.7) ** 2)
    xt = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    ((xt + torch.tanh(1.3 * xt)) ** 2).backward()
    assert abs(dx[0, 0] - xt.grad.item()) < 1e-12
    assert abs(dx[0, 0] - 4.61572) < 1e-5
    assert abs(float(dE_dy[0, 0] * F_prime) - 1.77346) < 1e-5  # the formula without the identity


def test_bad_input():
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match="map back"):
        residual_forward(X, [(np.ones((3, 4)), np.zeros(4))])
    with pytest.raises(ValueError, match="at least one"):
        residual_forward(X, [])
    with pytest.raises(ValueError, match="activations"):
        residual_forward(X, [(np.ones((3, 3)), np.zeros(3))], ["relu", "tanh"])
