"""L1 / L2 / elastic-net penalties vs autograd, weight-decay equivalence, proximal L1 (E23)."""

import numpy as np
import pytest
import torch

from _torchref import assert_close_torch

from dlfund.gradcheck import gradient_check
from dlfund.regularization import (
    elastic_net_penalty,
    elastic_net_penalty_grad,
    l1_penalty,
    l1_penalty_grad,
    l2_penalty,
    l2_penalty_grad,
    proximal_l1_step,
    soft_threshold,
)


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(size=(4, 3)),
        "b1": rng.normal(size=3),
        "gamma1": rng.normal(size=3),
        "beta1": rng.normal(size=3),
        "W2": rng.normal(size=(3, 2)),
        "b2": rng.normal(size=2),
    }


@pytest.mark.parametrize("l1,l2", [(0.0, 0.3), (0.2, 0.0), (0.05, 0.7)])
@pytest.mark.parametrize("include_biases", [False, True])
def test_penalty_and_gradient_match_autograd(l1, l2, include_biases):
    params = _params(1)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    keys = list(tp) if include_biases else ["W1", "W2"]
    total = sum(l1 * tp[k].abs().sum() + l2 / 2 * (tp[k] ** 2).sum() for k in keys)
    total.backward()
    assert abs(elastic_net_penalty(params, l1, l2, include_biases) - total.item()) < 1e-12
    grads = elastic_net_penalty_grad(params, l1, l2, include_biases)
    assert list(grads) == ["d" + k for k in params]
    for k, t in tp.items():
        if t.grad is None:  # not in the penalty: no gradient at all
            assert not include_biases and k not in ("W1", "W2")
            assert np.all(grads["d" + k] == 0)  # biases and batch-norm parameters excluded
        else:
            assert_close_torch(grads["d" + k], t.grad, "penalty gradient", rtol=1e-14, atol=1e-15)


def test_named_wrappers():
    p = _params(2)
    assert l2_penalty(p, 0.4) == pytest.approx(0.2 * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2)), rel=1e-14)
    assert l1_penalty(p, 0.4) == pytest.approx(0.4 * (np.abs(p["W1"]).sum() + np.abs(p["W2"]).sum()), rel=1e-14)
    np.testing.assert_allclose(l2_penalty_grad(p, 0.4)["dW2"], 0.4 * p["W2"])
    np.testing.assert_allclose(l1_penalty_grad(p, 0.4)["dW1"], 0.4 * np.sign(p["W1"]))


def test_l1_gradient_at_zero_is_zero_like_autograd():
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    t.abs().sum().backward()
    np.testing.assert_array_equal(l1_penalty_grad({"W1": np.zeros(3)}, 1.0)["dW1"], t.grad.numpy())


def test_gradient_check_elastic_net():
    p = _params(3)
    res = gradient_check(
        lambda q: elastic_net_penalty(q, 0.1, 0.3, True), p, elastic_net_penalty_grad(p, 0.1, 0.3, True)
    )
    assert res.max_relative_error < 1e-8, str(res)


def test_l2_gradient_step_equals_torch_sgd_weight_decay():
    """With the lam/2 convention, GD on loss + L2 is SGD(weight_decay=lam)."""
    rng = np.random.default_rng(4)
    W, g = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    lr, lam = 0.1, 0.05
    ours = W - lr * (g + l2_penalty_grad({"W1": W}, lam)["dW1"])
    w = torch.tensor(W, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr, weight_decay=lam)
    w.grad = torch.tensor(g)
    opt.step()
    assert_close_torch(ours, w, "L2 step vs SGD weight_decay", rtol=1e-14, atol=1e-15)


def test_soft_threshold_matches_torch_softshrink():
    x = np.linspace(-2, 2, 41)
    theirs = torch.nn.functional.softshrink(torch.tensor(x), 0.5).numpy()
    assert_close_torch(soft_threshold(x, 0.5), theirs, "soft_threshold vs softshrink", rtol=1e-15, atol=0)
    assert np.sum(soft_threshold(x, 0.5) == 0) == 11


def test_e23_proximal_reaches_zero_subgradient_oscillates():
    """min 1/2 (w - 0.05)^2 + 0.1 |w| has its minimiser at 0."""
    lr, lam = 0.01, 0.1
    w_sub, w_prox = {"W1": np.array([1.0])}, {"W1": np.array([1.0])}
    tail = []
    for step in range(2000):
        g = w_sub["W1"] - 0.05
        w_sub = {"W1": w_sub["W1"] - lr * (g + l1_penalty_grad(w_sub, lam)["dW1"])}
        w_prox = proximal_l1_step(w_prox, {"dW1": w_prox["W1"] - 0.05}, lr, lam)
        if step >= 1990:
            tail.append(w_sub["W1"][0])
    assert w_prox["W1"][0] == 0.0
    assert all(v != 0.0 for v in tail) and max(abs(v) for v in tail) < 2e-3
    assert min(tail) < 0 < max(tail)  # it keeps jumping across 0


def test_proximal_step_leaves_biases_to_plain_gd_and_inputs_alone():
    p = {"W1": np.array([0.3, -0.001]), "b1": np.array([0.001])}
    g = {"dW1": np.zeros(2), "db1": np.array([1.0])}
    before = {k: v.copy() for k, v in p.items()}
    new = proximal_l1_step(p, g, lr=0.1, l1=0.1)
    np.testing.assert_allclose(new["W1"], [0.29, 0.0])
    np.testing.assert_allclose(new["b1"], [0.001 - 0.1])
    for k in p:
        np.testing.assert_array_equal(p[k], before[k])


def test_bad_strengths():
    with pytest.raises(ValueError, match="l2"):
        l2_penalty(_params(), -1.0)
    with pytest.raises(ValueError, match="l1"):
        proximal_l1_step({"W1": np.ones(2)}, {"dW1": np.ones(2)}, 0.1, -0.1)
    with pytest.raises(ValueError, match="missing gradient"):
        proximal_l1_step({"W1": np.ones(2)}, {}, 0.1, 0.1)
