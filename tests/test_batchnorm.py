"""Batch normalization vs torch.nn.BatchNorm1d (training and eval, several steps), gradient checks."""

import numpy as np
import pytest
import torch

from _torchref import assert_close_torch

from dlfund.gradcheck import gradient_check
from dlfund.layers import BatchNorm1d, batchnorm_backward, batchnorm_forward, update_running_stats


def _torch_bn(n, gamma, beta, momentum, eps):
    bn = torch.nn.BatchNorm1d(n, momentum=momentum, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(beta))
    return bn


def _compare_step(ours, theirs, gamma, beta, mode, rng, m, n):
    """One forward and backward pass on new data in both; compares output, dX, dgamma, dbeta."""
    X = rng.normal(2.0, 3.0, size=(m, n))
    dout = rng.normal(size=(m, n))
    out, cache = ours.forward(X, gamma, beta, mode=mode)
    Xt = torch.tensor(X, requires_grad=True)
    out_t = theirs(Xt)
    out_t.backward(torch.tensor(dout))
    dX, dgamma, dbeta = batchnorm_backward(dout, cache)
    assert_close_torch(out, out_t, f"batchnorm {mode} output")
    assert_close_torch(dX, Xt.grad, f"batchnorm {mode} dX")
    assert_close_torch(dgamma, theirs.weight.grad, f"batchnorm {mode} dgamma")
    assert_close_torch(dbeta, theirs.bias.grad, f"batchnorm {mode} dbeta")
    return dgamma, dbeta


@pytest.mark.parametrize("m,n,momentum,eps", [(16, 5, 0.1, 1e-5), (3, 4, 0.3, 1e-3), (64, 2, 1.0, 1e-5)])
def test_training_steps_then_eval_match_torch(m, n, momentum, eps):
    """Outputs, running statistics and dX, dgamma, dbeta over several steps, then eval mode."""
    rng = np.random.default_rng(m + n)
    gamma, beta = rng.uniform(0.5, 2.0, n), rng.normal(size=n)
    ours = BatchNorm1d(n, momentum=momentum, eps=eps)
    theirs = _torch_bn(n, gamma, beta, momentum, eps).train()
    for step in range(4):
        dgamma, dbeta = _compare_step(ours, theirs, gamma, beta, "train", rng, m, n)
        assert_close_torch(ours.running_mean, theirs.running_mean, "batchnorm running_mean")
        assert_close_torch(ours.running_var, theirs.running_var, "batchnorm running_var")
        assert ours.num_batches_tracked == int(theirs.num_batches_tracked) == step + 1
        # a gradient step on gamma and beta in both, so later steps use new parameters
        gamma, beta = gamma - 0.1 * dgamma, beta - 0.1 * dbeta
        with torch.no_grad():
            theirs.weight -= 0.1 * theirs.weight.grad
            theirs.bias -= 0.1 * theirs.bias.grad
        theirs.zero_grad()
    theirs.eval()
    _compare_step(ours, theirs, gamma, beta, "eval", rng, m, n)
    assert ours.num_batches_tracked == 4  # eval does not touch the statistics


def test_initial_running_statistics_match_torch():
    bn, tb = BatchNorm1d(3), torch.nn.BatchNorm1d(3, dtype=torch.float64)
    np.testing.assert_array_equal(bn.running_mean, tb.running_mean.numpy())
    np.testing.assert_array_equal(bn.running_var, tb.running_var.numpy())


def test_float32_stays_float32():
    X = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    g, b = np.ones(3, np.float32), np.zeros(3, np.float32)
    bn = BatchNorm1d(3, dtype=np.float32)
    out, cache = bn.forward(X, g, b)
    assert out.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert all(a.dtype == np.float32 for a in batchnorm_backward(np.ones_like(X), cache))


def test_inputs_not_modified():
    rng = np.random.default_rng(0)
    X, g, b = rng.normal(size=(5, 2)), rng.normal(size=2), rng.normal(size=2)
    copies = [a.copy() for a in (X, g, b)]
    bn = BatchNorm1d(2)
    rm, rv = bn.running_mean, bn.running_var
    rm_copy, rv_copy = rm.copy(), rv.copy()
    out, cache = bn.forward(X, g, b)
    batchnorm_backward(np.ones_like(X), cache)
    for a, c in zip((X, g, b), copies):
        np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(rm, rm_copy)  # the old arrays are replaced, not mutated
    np.testing.assert_array_equal(rv, rv_copy)


# -------------------------------------------------------------- ERRATA E24, E25
def test_e24_only_two_moments_are_standardised():
    rng = np.random.default_rng(0)
    X = rng.exponential(size=(20_000, 1))
    out, _ = batchnorm_forward(X, np.array([3.0]), np.array([5.0]))

    def skew(v):
        return float(np.mean((v - v.mean()) ** 3) / v.std() ** 3)

    assert skew(X) > 1.9
    assert abs(skew(out) - skew(X)) < 1e-9  # the shape is unchanged
    assert abs(out.mean() - 5.0) < 1e-9 and abs(out.std() - 3.0) < 1e-3  # mean beta, std ~gamma


def test_e25_bias_redundant_and_running_var_unbiased():
    rng = np.random.default_rng(1)
    X, W, b = rng.normal(size=(8, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    g, be = np.ones(3), np.zeros(3)
    out_b, _ = batchnorm_forward(X @ W + b, g, be)
    out_nob, _ = batchnorm_forward(X @ W, g, be)
    np.testing.assert_allclose(out_b, out_nob, atol=1e-14)
    bn = BatchNorm1d(3, momentum=1.0)
    bn.forward(X @ W, g, be)
    np.testing.assert_allclose(bn.running_var, (X @ W).var(axis=0, ddof=1), rtol=1e-13)
    assert np.all(bn.running_var > (X @ W).var(axis=0))


def test_update_running_stats_formula():
    new_mean, new_var = update_running_stats(
        np.zeros(2), np.ones(2), np.array([1.0, 2.0]), np.array([4.0, 8.0]), m=5, momentum=0.2
    )
    np.testing.assert_allclose(new_mean, [0.2, 0.4])
    np.testing.assert_allclose(new_var, [0.8 + 0.2 * 5.0, 0.8 + 0.2 * 10.0])


# -------------------------------------------------------------- gradient checks
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_gradient_check(mode):
    rng = np.random.default_rng(5)
    params = {"X": rng.normal(1.0, 2.0, size=(6, 3)), "gamma": rng.uniform(0.5, 2, 3), "beta": rng.normal(size=3)}
    rm, rv = rng.normal(size=3), rng.uniform(0.5, 2.0, 3)
    R = rng.normal(size=(6, 3))

    def loss(p):
        out, _ = batchnorm_forward(p["X"], p["gamma"], p["beta"], mode, rm, rv)
        return float(np.sum(np.tanh(out) * R))

    out, cache = batchnorm_forward(params["X"], params["gamma"], params["beta"], mode, rm, rv)
    dX, dg, db = batchnorm_backward(R * (1 - np.tanh(out) ** 2), cache)
    res = gradient_check(loss, params, {"dX": dX, "dgamma": dg, "dbeta": db})
    assert res.max_relative_error < 1e-7, str(res)


# -------------------------------------------------------------------- bad input
def test_eval_before_any_statistics_raises():
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError, match="no running statistics"):
        bn.forward(np.ones((4, 3)), np.ones(3), np.zeros(3), mode="eval")
    with pytest.raises(ValueError, match="running statistics"):
        batchnorm_forward(np.ones((4, 3)), np.ones(3), np.zeros(3), mode="eval")


def test_single_sample_training_batch_raises():
    with pytest.raises(ValueError, match="at least 2 samples"):
        BatchNorm1d(3).forward(np.ones((1, 3)), np.ones(3), np.zeros(3))


@pytest.mark.parametrize("kwargs,match", [({"momentum": 0.0}, "momentum"), ({"momentum": 1.5}, "momentum")])
def test_bad_momentum(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BatchNorm1d(3, **kwargs)


def test_bad_shapes_and_mode():
    with pytest.raises(ValueError, match="gamma"):
        batchnorm_forward(np.ones((4, 3)), np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match="X must be a 2-D"):
        batchnorm_forward(np.ones(4), np.ones(4), np.zeros(4))
    with pytest.raises(ValueError, match="mode"):
        batchnorm_forward(np.ones((4, 3)), np.ones(3), np.zeros(3), mode="inference")
    with pytest.raises(ValueError, match="n_features"):
        BatchNorm1d(0)
