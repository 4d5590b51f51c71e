"""Per-layer gradient-norm probe vs the norms of a torch twin's gradients."""

import numpy as np
import pytest
import torch

from _torchref import assert_close_torch

from dlfund.network import MLP
from dlfund.probes import layer_grad_norms, weight_grad_norms


def test_layer_norms_match_torch_for_a_deep_net():
    sizes = [4] + [6] * 11 + [1]
    model = MLP(sizes, hidden_activation="sigmoid", init="xavier_normal", rng=0)
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(16, 4)), rng.normal(size=16)
    norms = layer_grad_norms(model, X, y)
    Ws = [torch.tensor(model.params[f"W{l}"], requires_grad=True) for l in range(1, 13)]
    bs = [torch.tensor(model.params[f"b{l}"]) for l in range(1, 13)]
    A = torch.tensor(X)
    for l in range(12):
        A = A @ Ws[l] + bs[l]
        if l < 11:
            A = torch.sigmoid(A)
    torch.nn.functional.mse_loss(A[:, 0], torch.tensor(y)).backward()
    expected = np.array([W.grad.norm().item() for W in Ws])
    assert norms.shape == (12,)
    assert_close_torch(norms, expected, "per-layer gradient norms")
    assert norms[0] < norms[-1] / 1e3  # sigmoid: gradients vanish toward the input


def test_order_is_numeric_not_alphabetical():
    grads = {f"dW{l}": np.full((1, 1), float(l)) for l in (10, 2, 1, 11)} | {"db1": np.ones(1)}
    np.testing.assert_array_equal(weight_grad_norms(grads), [1.0, 2.0, 10.0, 11.0])


def test_no_weight_gradients_raises():
    with pytest.raises(ValueError, match="dW1"):
        weight_grad_norms({"db1": np.ones(2)})
