"""The core optimizer API the MLP relies on (the optimizers issue tests the rest in test_optim.py)."""

import numpy as np
import pytest

from dlfund.optim import GD, random_mini_batches, update_parameters_with_gd


def _params():
    rng = np.random.default_rng(0)
    return {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=2)}, {
        "dW1": rng.normal(size=(3, 2)),
        "db1": rng.normal(size=2),
    }


def test_gd_function_returns_new_dict_and_leaves_inputs_alone():
    params, grads = _params()
    p0 = {k: v.copy() for k, v in params.items()}
    g0 = {k: v.copy() for k, v in grads.items()}
    new = update_parameters_with_gd(params, grads, 0.1)
    for k in params:
        np.testing.assert_array_equal(new[k], p0[k] - 0.1 * g0["d" + k])
        np.testing.assert_array_equal(params[k], p0[k])
        np.testing.assert_array_equal(grads["d" + k], g0["d" + k])


def test_gd_object_updates_in_place_like_the_function():
    params, grads = _params()
    expected = update_parameters_with_gd(params, grads, 0.3)
    ids = {k: id(v) for k, v in params.items()}
    GD(0.3).step(params, grads)
    for k in params:
        assert id(params[k]) == ids[k]
        np.testing.assert_allclose(params[k], expected[k], rtol=1e-15)


def test_gd_mismatched_dicts():
    params, grads = _params()
    with pytest.raises(ValueError, match=r"missing gradient keys \['db1'\]"):
        update_parameters_with_gd(params, {"dW1": grads["dW1"]}, 0.1)
    with pytest.raises(ValueError, match=r"unexpected gradient keys \['W1'\]"):
        update_parameters_with_gd(params, dict(grads, W1=grads["dW1"]), 0.1)
    with pytest.raises(
        ValueError, match=r"grads\['dW1'\] has shape \(2, 3\) but parameters\['W1'\] has shape \(3, 2\)"
    ):
        GD(0.1).step(params, dict(grads, dW1=grads["dW1"].T))
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        update_parameters_with_gd(params, grads, -0.1)


def test_mini_batches_cover_every_row_once_with_pairs_kept():
    X = np.arange(20.0).reshape(10, 2)
    Y = np.arange(10)
    batches = random_mini_batches(X, Y, 4, rng=0)
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    ys = np.concatenate([yb for _, yb in batches])
    assert sorted(ys) == list(range(10)) and not np.array_equal(ys, np.arange(10))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], 2.0 * yb)
