"""Dropout: forward/backward, train/eval behaviour vs torch.nn.Dropout, gradient check, bad input."""

import numpy as np
import pytest
import torch

from _torchref import assert_close_torch

from dlfund.gradcheck import gradient_check
from dlfund.layers import dropout_backward, dropout_forward


def test_inverted_training_keeps_or_zeros_and_scales():
    A = np.random.default_rng(0).normal(size=(50, 40))
    out, (mask, _) = dropout_forward(A, 0.3, rng=1)
    assert set(np.unique(mask)) <= {0.0, 1.0}
    kept = mask == 1
    np.testing.assert_allclose(out[kept], A[kept] / 0.7, rtol=1e-15)
    assert np.all(out[~kept] == 0)


def test_classic_training_does_not_scale_and_eval_scales_by_keep_probability():
    A = np.random.default_rng(0).normal(size=(30, 20))
    out, (mask, _) = dropout_forward(A, 0.25, rng=3, kind="classic")
    np.testing.assert_array_equal(out, A * mask)
    out_eval, _ = dropout_forward(A, 0.25, mode="eval", kind="classic")
    np.testing.assert_allclose(out_eval, 0.75 * A, rtol=1e-15)


def test_inverted_eval_is_identity_and_returns_a_copy():
    A = np.arange(6.0).reshape(2, 3)
    out, _ = dropout_forward(A, 0.5, mode="eval")
    np.testing.assert_array_equal(out, A)
    out[0, 0] = 99.0
    assert A[0, 0] == 0.0


def test_same_seed_same_mask_and_input_not_modified():
    A = np.ones((10, 10))
    before = A.copy()
    m1 = dropout_forward(A, 0.5, rng=7)[1][0]
    m2 = dropout_forward(A, 0.5, rng=7)[1][0]
    m3 = dropout_forward(A, 0.5, rng=8)[1][0]
    np.testing.assert_array_equal(m1, m2)
    assert np.any(m1 != m3)
    np.testing.assert_array_equal(A, before)


def test_zero_drop_probability_is_identity_in_training():
    A = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_array_equal(dropout_forward(A, 0.0, rng=0)[0], A)


def test_float32_stays_float32():
    A = np.ones((4, 3), dtype=np.float32)
    out, cache = dropout_forward(A, 0.5, rng=0)
    assert out.dtype == np.float32
    assert dropout_backward(np.ones_like(A), cache).dtype == np.float32
    assert dropout_forward(A, 0.5, mode="eval", kind="classic")[0].dtype == np.float32


def test_e21_expectation_is_keep_probability_times_activation():
    """E21: with p = 0.3, a = 2: classic training mean -> (1-p) a = 1.4, not p a = 0.6."""
    A = np.full(400_000, 2.0)
    out, _ = dropout_forward(A, 0.3, rng=0, kind="classic")
    assert abs(out.mean() - 1.4) < 0.01
    out_inv, _ = dropout_forward(A, 0.3, rng=0)
    assert abs(out_inv.mean() - 2.0) < 0.01  # inverted keeps the mean while training
    np.testing.assert_allclose(out_inv[out_inv > 0], 2.0 / 0.7)  # 2.857 for kept units


# ------------------------------------------------------------------ vs PyTorch
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_backward_matches_autograd_for_fixed_mask(p):
    rng = np.random.default_rng(4)
    A = rng.normal(size=(7, 9))
    dout = rng.normal(size=(7, 9))
    out, cache = dropout_forward(A, p, rng=5)
    mask = cache[0]
    At = torch.tensor(A, requires_grad=True)
    # the same computation as torch.nn.functional.dropout, with the mask made explicit
    out_t = At * torch.tensor(mask) / (1 - p)
    out_t.backward(torch.tensor(dout))
    assert_close_torch(out, out_t, "dropout forward (fixed mask)", rtol=1e-14, atol=0)
    assert_close_torch(dropout_backward(dout, cache), At.grad, "dropout backward (fixed mask)", rtol=1e-14, atol=0)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_training_statistics_match_torch_dropout(p):
    """Same drop rate, same kept value a/(1-p), same mean as torch.nn.Dropout (statistically)."""
    n = 200_000
    A = np.full(n, 3.0)
    ours, _ = dropout_forward(A, p, rng=11)
    torch.manual_seed(0)
    layer = torch.nn.Dropout(p).train()
    theirs = layer(torch.full((n,), 3.0, dtype=torch.float64)).numpy()
    sigma = np.sqrt(p * (1 - p) / n)  # std of a drop fraction
    for out in (ours, theirs):
        assert abs(np.mean(out == 0) - p) < 5 * sigma
        assert abs(out.mean() - 3.0) < 5 * 3.0 / (1 - p) * sigma
    assert_close_torch(
        np.unique(ours[ours != 0]), np.unique(theirs[theirs != 0]), "dropout kept value a/(1-p)", rtol=1e-15, atol=0
    )


def test_eval_matches_torch_dropout_eval():
    A = np.random.default_rng(0).normal(size=(6, 5))
    theirs = torch.nn.Dropout(0.4).eval()(torch.tensor(A)).numpy()
    assert_close_torch(dropout_forward(A, 0.4, mode="eval")[0], theirs, "dropout eval", rtol=0, atol=0)


# -------------------------------------------------------------- gradient checks
@pytest.mark.parametrize(
    "kind,mode", [("inverted", "train"), ("classic", "train"), ("inverted", "eval"), ("classic", "eval")]
)
def test_gradient_check(kind, mode):
    rng = np.random.default_rng(2)
    params = {"A": rng.normal(size=(6, 4))}
    R = rng.normal(size=(6, 4))

    def loss(p):  # the same seed every call: a fixed mask
        return float(np.sum(dropout_forward(p["A"], 0.4, rng=3, mode=mode, kind=kind)[0] * R))

    _, cache = dropout_forward(params["A"], 0.4, rng=3, mode=mode, kind=kind)
    res = gradient_check(loss, params, {"dA": dropout_backward(R, cache)})
    assert res.max_relative_error < 1e-8, str(res)


# -------------------------------------------------------------------- bad input
@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, np.nan])
def test_drop_probability_outside_unit_interval_raises(p):
    with pytest.raises(ValueError, match=r"p_drop .*\[0, 1\)"):
        dropout_forward(np.ones((2, 2)), p, rng=0)


def test_bad_mode_kind_and_type():
    with pytest.raises(ValueError, match="mode"):
        dropout_forward(np.ones(3), 0.5, rng=0, mode="test")
    with pytest.raises(ValueError, match="kind"):
        dropout_forward(np.ones(3), 0.5, rng=0, kind="gaussian")
    with pytest.raises(TypeError, match="p_drop"):
        dropout_forward(np.ones(3), "half", rng=0)


def test_backward_shape_mismatch_raises():
    _, cache = dropout_forward(np.ones((3, 2)), 0.5, rng=0)
    with pytest.raises(ValueError, match="dout"):
        dropout_backward(np.ones((2, 3)), cache)
