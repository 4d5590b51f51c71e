"""Tests for dlfund.gradcheck, and gradient checks of the MLP for every head and activation."""

import zlib

import numpy as np
import pytest

from dlfund import MLP
from dlfund.gradcheck import GradCheckResult, gradient_check, numerical_gradient, relative_error

# ---------------------------------------------------------------- the tools themselves


def test_relative_error_values():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    # |1 - 3| / (1 + 3) = 0.5 is the largest of the element-wise errors
    assert relative_error([1.0, 2.0], [3.0, 2.2]) == pytest.approx(0.5, rel=1e-15)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0  # no division by zero
    assert relative_error([], []) == 0.0
    with pytest.raises(ValueError, match=r"a has shape \(2,\) but b has shape \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_of_known_function_and_restores_x():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    x0 = x.copy()
    g = numerical_gradient(lambda: np.sum(x**3), x, eps=1e-5)
    np.testing.assert_allclose(g, 3 * x0**2, rtol=1e-9)
    np.testing.assert_array_equal(x, x0)  # perturbed in place, restored exactly
    some = numerical_gradient(lambda: np.sum(x**3), x, indices=[(1, 0)])
    assert some[1, 0] == pytest.approx(12.0, rel=1e-8) and np.isnan(some[0, 0])
    with pytest.raises(TypeError, match="floating-point numpy array"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])


def _quadratic():
    """loss = sum(A * W^2) + sum(c * b); gradients 2 A W and c."""
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    A, c = rng.uniform(0.5, 2.0, size=(3, 4)), rng.normal(size=4)

    def loss(p):
        return float(np.sum(A * p["W"] ** 2) + np.sum(c * p["b"]))

    grads = {"dW": 2 * A * params["W"], "db": c.copy()}
    return loss, params, grads


def test_gradient_check_passes_on_correct_gradients():
    loss, params, grads = _quadratic()
    before = {k: v.copy() for k, v in params.items()}
    res = gradient_check(loss, params, grads)
    assert isinstance(res, GradCheckResult) and res.passed() and res.max_relative_error < 1e-8
    assert set(res.per_key) == {"W", "b"}
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])  # restored


def test_gradient_check_detects_and_names_a_broken_entry():
    loss, params, grads = _quadratic()
    grads["dW"][2, 1] += 0.5  # one wrong entry
    res = gradient_check(loss, params, grads)
    assert not res.passed() and res.max_relative_error > 1e-3
    assert res.worst_key == "W" and res.worst_index == (2, 1)
    assert res.analytic == pytest.approx(res.numeric + 0.5, rel=1e-6)
    assert "W[2, 1]" in str(res)
    assert res.per_key["b"] < 1e-8


def test_gradient_check_detects_a_sign_error_in_a_bias():
    loss, params, grads = _quadratic()
    grads["db"] = -grads["db"]
    res = gradient_check(loss, params, grads)
    assert res.worst_key == "b" and res.per_key["b"] == pytest.approx(1.0, rel=1e-6)


def test_gradient_check_subset_of_entries():
    loss, params, grads = _quadratic()
    grads["dW"][:] *= 2.0  # every entry wrong: any subset must see it
    res = gradient_check(loss, params, grads, max_entries=3, rng=1)
    assert res.per_key["W"] > 0.3
    assert res.worst_key == "W"


def test_gradient_check_errors():
    loss, params, grads = _quadratic()
    with pytest.raises(ValueError, match=r"grads has no entry 'db' for parameter 'b'"):
        gradient_check(loss, params, {"dW": grads["dW"]})
    with pytest.raises(ValueError, match=r"grads\['dW'\] has shape \(4, 3\) but params\['W'\] has shape \(3, 4\)"):
        gradient_check(loss, params, {"dW": grads["dW"].T, "db": grads["db"]})


# ---------------------------------------------------------------- the MLP, every head and activation

HEADS = {
    "linear-mse": dict(output="linear", loss=None, k=2),
    "linear-huber": dict(output="linear", loss="huber", k=2),
    "linear-bce_logits": dict(output="linear", loss="bce_logits", k=2),
    "linear-softmax_ce": dict(output="linear", loss="softmax_ce", k=3),
    "sigmoid-bce": dict(output="sigmoid", loss=None, k=1),
    "sigmoid-bce-multilabel": dict(output="sigmoid", loss=None, k=3),
    "softmax-ce": dict(output="softmax", loss=None, k=3),
}


def _targets(head, k, m, rng):
    if head in ("linear-mse", "linear-huber"):
        return rng.normal(0, 2, size=(m, k))
    if head in ("linear-softmax_ce", "softmax-ce"):
        return rng.integers(0, k, size=m)
    return rng.integers(0, 2, size=(m, k)).astype(float)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "linear"])
@pytest.mark.parametrize("head", sorted(HEADS))
def test_mlp_gradient_check(head, activation):
    spec = HEADS[head]
    rng = np.random.default_rng(zlib.crc32(f"{head}/{activation}".encode()))
    m = 7
    X = rng.normal(size=(m, 4))
    Y = _targets(head, spec["k"], m, rng)
    model = MLP(
        [4, 5, 3, spec["k"]],
        hidden_activation=activation,
        output=spec["output"],
        loss=spec["loss"],
        init="xavier_normal",
        rng=rng,
        alpha=0.1,
    )
    for key in model.params:
        if key.startswith("b"):
            model.params[key] = rng.normal(0, 0.1, size=model.params[key].shape)
    _, grads = model.loss_and_grads(X, Y)
    res = gradient_check(lambda p: model.loss_and_grads(X, Y, params=p)[0], model.params, grads, eps=1e-6)
    assert res.max_relative_error < 1e-6, str(res)


def test_mlp_gradient_check_catches_a_missing_average():
    """A backward pass that sums over the batch instead of averaging (ERRATA E10) fails the check."""
    rng = np.random.default_rng(11)
    X, Y = rng.normal(size=(8, 4)), rng.normal(size=(8, 1))
    model = MLP([4, 5, 1], hidden_activation="tanh", rng=rng)
    _, grads = model.loss_and_grads(X, Y)
    summed = {k: 8 * v for k, v in grads.items()}
    res = gradient_check(lambda p: model.loss_and_grads(X, Y, params=p)[0], model.params, summed)
    assert res.max_relative_error == pytest.approx(7 / 9, rel=1e-6)  # |8g - g| / (8|g| + |g|)


# ---------------------------------------------------------------- failing loudly (issue 14)
# Bad arguments (eps, max_entries, float32, NaN loss, ...) are in the table of tests/_bad_inputs.py.


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_analytic_gradient_fails_the_check_and_says_why(bad):
    loss, params, grads = _quadratic()
    grads["dW"][1, 2] = bad
    res = gradient_check(loss, params, grads)
    assert not res.passed() and not res.passed(threshold=1e9)
    assert res.worst_key == "W" and res.worst_index == (1, 2) and res.max_relative_error == np.inf
    assert "grads['dW'] holds" in str(res) and "[1, 2]" in str(res) and str(res).startswith("FAILED")
    assert res.per_key["b"] < 1e-8  # the other parameter is still checked


def test_a_nan_gradient_fails_a_sampled_check():
    loss, params, grads = _quadratic()
    grads["db"][:] = np.nan  # every entry: any sample sees it
    assert not gradient_check(loss, params, grads, max_entries=2).passed()


def test_a_loss_that_ignores_its_params_argument_is_named():
    loss, params, grads = _quadratic()
    frozen = {k: v.copy() for k, v in params.items()}
    res = gradient_check(lambda p: loss(frozen), params, grads)
    assert not res.passed() and "did not change when params['W'] was nudged" in str(res)


@pytest.mark.parametrize("fail_at", [1, 2, 5])
def test_parameters_are_restored_when_the_loss_raises(fail_at):
    loss, params, grads = _quadratic()
    before = {k: v.copy() for k, v in params.items()}
    calls = []

    def flaky(p):
        calls.append(1)
        if len(calls) == fail_at:
            raise RuntimeError("loss failed")
        return loss(p)

    with pytest.raises(RuntimeError, match="loss failed"):
        gradient_check(flaky, params, grads)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    x = np.array([1.0, 2.0])
    with pytest.raises(RuntimeError):
        numerical_gradient(lambda: (_ for _ in ()).throw(RuntimeError("boom")), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_a_nan_loss_leaves_the_parameters_restored():
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"loss returned nan at x\[0\] \+ eps"):
        numerical_gradient(lambda: float("nan") if x[0] > 1 else 0.0, x)  # NaN only at the nudged point
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_the_step_actually_taken_is_used():
    """1 + 1e-10 is not representable: dividing by 2 * eps would give ~1 +- 1e-7, the stored step gives 1."""
    x = np.array([1.0])
    assert numerical_gradient(lambda: float(x[0]), x, eps=1e-10)[0] == 1.0
    assert (1.0 + 1e-10) - (1.0 - 1e-10) != 2e-10  # the premise


def test_float32_model_is_refused_with_advice_and_its_float64_copy_passes():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    net32 = MLP([3, 4, 1], hidden_activation="tanh", rng=0, dtype=np.float32)
    _, grads32 = net32.loss_and_grads(X.astype(np.float32), Y.astype(np.float32))
    with pytest.raises(ValueError, match=r"params\['W1'\] has dtype float32: centred differences need float64"):
        gradient_check(lambda p: net32.loss_and_grads(X, Y, p)[0], net32.params, grads32)
    net64 = MLP([3, 4, 1], hidden_activation="tanh", rng=0)
    net64.params = {k: v.astype(np.float64) for k, v in net32.params.items()}
    _, grads64 = net64.loss_and_grads(X, Y)
    assert gradient_check(lambda p: net64.loss_and_grads(X, Y, p)[0], net64.params, grads64).passed()
