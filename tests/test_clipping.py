"""Gradient clipping vs torch.nn.utils.clip_grad_norm_ / clip_grad_value_, E29, bad input."""

import numpy as np
import pytest
import torch

from _torchref import assert_close_torch

from dlfund.clipping import clip_grad_norm, clip_grad_value, global_grad_norm


def _grads(seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    return {
        "dW1": scale * rng.normal(size=(5, 4)),
        "db1": scale * rng.normal(size=4),
        "dW2": scale * rng.normal(size=(4, 1)),
        "db2": scale * rng.normal(size=1),
    }


def _torch_params(grads):
    ps = []
    for g in grads.values():
        p = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(g)
        ps.append(p)
    return ps


@pytest.mark.parametrize("max_norm", [0.5, 5.0, 1e3])
def test_clip_grad_norm_matches_torch(max_norm):
    grads = _grads(1)
    ps = _torch_params(grads)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    new, norm = clip_grad_norm(grads, max_norm)
    assert abs(norm - total.item()) < 1e-12 * total.item()
    for g, p in zip(new.values(), ps):
        assert_close_torch(g, p.grad, "clip_grad_norm", rtol=1e-14, atol=1e-15)
    if max_norm > norm:
        for k in grads:
            np.testing.assert_array_equal(new[k], grads[k])  # below the threshold: untouched


@pytest.mark.parametrize("clip_value", [0.1, 1.0, 100.0])
def test_clip_grad_value_matches_torch(clip_value):
    grads = _grads(2)
    ps = _torch_params(grads)
    torch.nn.utils.clip_grad_value_(ps, clip_value)
    new = clip_grad_value(grads, clip_value)
    for g, p in zip(new.values(), ps):
        assert_close_torch(g, p.grad, "clip_grad_value", rtol=0, atol=0)


def test_inputs_never_modified():
    grads = _grads(3)
    before = {k: v.copy() for k, v in grads.items()}
    clip_grad_norm(grads, 0.1)
    clip_grad_value(grads, 0.1)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])


def test_e29_clipped_norm_is_threshold_up_to_torch_epsilon():
    grads = {"dW1": np.array([[13.68, -18.24]])}  # norm 22.80
    new, norm = clip_grad_norm(grads, 1.0)
    assert abs(norm - 22.80) < 1e-12
    assert abs(global_grad_norm(new) - 1.0) < 1e-6
    exact = grads["dW1"] / norm  # the textbook formula c * g / ||g||
    assert 0 < np.abs(new["dW1"] - exact).max() < 1e-7


def test_global_norm_is_over_all_entries():
    grads = {"dW1": np.array([3.0]), "db1": np.array([4.0])}
    assert global_grad_norm(grads) == 5.0


def test_nan_gradients_propagate_like_torch():
    grads = {"dW1": np.array([np.nan, 1.0])}
    ps = _torch_params(grads)
    torch.nn.utils.clip_grad_norm_(ps, 1.0)
    new, norm = clip_grad_norm(grads, 1.0)
    assert np.isnan(norm)
    np.testing.assert_array_equal(np.isnan(new["dW1"]), np.isnan(ps[0].grad.numpy()))


def test_float32_stays_float32():
    grads = {"dW1": np.ones((2, 2), np.float32) * 10}
    assert clip_grad_norm(grads, 1.0)[0]["dW1"].dtype == np.float32
    assert clip_grad_value(grads, 1.0)["dW1"].dtype == np.float32


@pytest.mark.parametrize("bad", [0, -1.0, np.nan])
def test_non_positive_threshold_raises(bad):
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(_grads(), bad)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value(_grads(), bad)


def test_bad_grads_type():
    with pytest.raises(TypeError, match="grads"):
        clip_grad_norm([np.ones(2)], 1.0)
