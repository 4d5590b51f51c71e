"""Bad input to the models, layers, penalties and clipping: a clear error naming the argument,
or a correct result (issue "Checking tools that never say passed wrongly", the model/layer part)."""

import numpy as np
import pytest

from dlfund import MLP, BatchNorm1d, layers, optim
from dlfund.clipping import clip_grad_norm, global_grad_norm
from dlfund.init import he_normal, initialize_parameters
from dlfund.regularization import elastic_net_penalty, is_weight, l1_penalty_grad, l2_penalty, proximal_l1_step

X = np.random.default_rng(0).standard_normal((8, 3))
Y = (X[:, 0] > 0).astype(int)

# (call, exception type, words the message must contain)
BAD = [
    (lambda: layers.dense_backward(np.ones((8, 2)), None), TypeError, ["cache", "dense_forward", "NoneType"]),
    (lambda: layers.activation_backward(np.ones((8, 2)), None), TypeError, ["cache", "activation_forward"]),
    (lambda: layers.dropout_backward(np.ones((8, 2)), None), TypeError, ["cache", "dropout_forward"]),
    (lambda: layers.batchnorm_backward(np.ones((8, 3)), None), TypeError, ["cache", "batchnorm_forward"]),
    (
        lambda: layers.batchnorm_backward(np.ones((8, 3)), layers.dense_forward(X, np.ones((3, 3)), np.zeros(3))[1]),
        TypeError,
        ["batchnorm_forward", "DenseCache"],
    ),
    (lambda: layers.batchnorm_backward(np.ones((8, 3)), {"x_hat": X}), TypeError, ["x_hat", "inv_std"]),
    (lambda: layers.residual_backward(np.ones((8, 3)), None), TypeError, ["cache", "residual_forward"]),
    (lambda: BatchNorm1d(4).forward(X, np.ones(4), np.zeros(4)), ValueError, ["X has 3 features", "(m, 4)"]),
    (lambda: layers.batchnorm_forward(X, np.ones(4), np.zeros(4)), ValueError, ["X has 3 features", "gamma"]),
    (lambda: MLP([3, 2], output="softmax", rng=0).backward(np.ones((8, 2)), Y, None), TypeError, ["caches", "forward"]),
    (
        lambda: MLP([3, 2], output="softmax", rng=0).predict(np.where(X > 1, np.nan, X)),
        ValueError,
        ["X must hold finite numbers", "NaN"],
    ),
    (
        lambda: MLP([3, 1], rng=0).fit(np.where(X > 1, np.nan, X), X[:, 0], epochs=1, progress=False),
        ValueError,
        ["X must hold finite numbers", "NaN"],
    ),
    (
        lambda: MLP([3, 1], rng=0).fit(X, np.where(X[:, 0] > 1, np.inf, 0.0), epochs=1, progress=False),
        ValueError,
        ["Y must hold finite numbers"],
    ),
    (lambda: MLP([3, 2], dtype=int), TypeError, ["dtype", "floating", "int64"]),
    (lambda: MLP([3, 2], dtype=np.int32), TypeError, ["dtype", "int32"]),
    (lambda: initialize_parameters([3, 2], dtype=int, rng=0), TypeError, ["dtype", "floating"]),
    (lambda: he_normal(3, 2, 0, dtype=np.int8), TypeError, ["dtype"]),
    (lambda: MLP([3, 2], dropuot=0.5), TypeError, ["dropuot", "did you mean 'dropout'"]),
    (
        lambda: MLP([3, 2], output="softmax", rng=0).fit(
            X, Y, epochs=1, optimizer=lambda p, g, lr: None, progress=False
        ),
        TypeError,
        ["must return the new parameter dict", "NoneType"],
    ),
    (
        lambda: MLP([3, 2], output="softmax", rng=0).fit(X, Y, epochs=1, optimizer=optim.Adam, progress=False),
        TypeError,
        ["class Adam", "instance", "Adam(lr=0.01)"],
    ),
    (lambda: l2_penalty({"b1": np.ones(2)}, 0.1), ValueError, ["no weight", "['b1']", "include_biases"]),
    (lambda: elastic_net_penalty({"gamma1": np.ones(2), "beta1": np.ones(2)}, l1=0.1), ValueError, ["no weight"]),
    (lambda: l1_penalty_grad({"x": np.ones(2)}, 0.1), ValueError, ["no weight", "is_weight"]),
    (lambda: proximal_l1_step({"b": np.ones(2)}, {"db": np.ones(2)}, 0.1, 0.1), ValueError, ["no weight"]),
    (lambda: optim.AdamW().step({"b1": np.ones(2)}, {"db1": np.ones(2)}), ValueError, ["AdamW", "no weight"]),
    (
        lambda: optim.update_parameters_with_adamw(
            {"b1": np.ones(2)}, {"db1": np.ones(2)}, {"db1": np.zeros(2)}, {"db1": np.zeros(2)}, 1
        ),
        ValueError,
        ["no weight"],
    ),
]


@pytest.mark.parametrize("call, exc, words", BAD, ids=[f"case{i}" for i in range(len(BAD))])
def test_bad_input_gets_a_clear_error(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in: {info.value}"


@pytest.mark.parametrize(
    "name, weight",
    [
        ("W1", True),
        ("Wx2", True),
        ("Wh1", True),
        ("Wy", True),
        ("w", True),
        ("w1", True),
        ("b1", False),
        ("bhn1", False),
        ("by", False),
        ("gamma1", False),
        ("beta1", False),
        ("x", False),
    ],
)
def test_is_weight_is_the_one_rule(name, weight):
    assert is_weight(name) is weight


def test_lowercase_w_is_penalised_not_silently_zero():
    assert l2_penalty({"w1": np.array([3.0, 4.0])}, 0.1) == pytest.approx(0.5 * 0.1 * 25.0)


def test_batchnorm_gamma_is_neither_penalised_nor_decayed():
    """One rule: gamma is not a weight, for the L2 penalty and for AdamW alike."""
    model = MLP([3, 4, 2], output="softmax", batchnorm=True, l2=1.0, rng=0)
    model.params["gamma1"][...] = 5.0
    weights_only = sum(0.5 * float(np.sum(model.params[k] ** 2)) for k in ("W1", "W2"))
    assert model.penalty() == pytest.approx(weights_only)
    params = {k: v.copy() for k, v in model.params.items()}
    zero = {"d" + k: np.zeros_like(v) for k, v in params.items()}
    optim.AdamW(lr=0.1, weight_decay=0.5).step(params, zero)
    np.testing.assert_array_equal(params["gamma1"], 5.0)
    np.testing.assert_allclose(params["W1"], model.params["W1"] * (1 - 0.1 * 0.5), rtol=1e-15)


def test_clip_grad_norm_survives_overflowing_squares():
    """The norm falls back to a scaled sum when the squares overflow: entries of 1e300 square to
    inf, yet the norm is 2e300 and the clipped gradient has norm max_norm (PyTorch's unscaled
    norm would be inf and zero it)."""
    grads = {"dW": np.full(4, 1e300), "db": np.zeros(2)}
    with np.errstate(over="ignore"):
        assert np.isinf(np.sum(grads["dW"] ** 2))  # the naive sum of squares overflows
    assert global_grad_norm(grads) == pytest.approx(2e300, rel=1e-12)
    clipped, norm = clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(2e300, rel=1e-12)
    np.testing.assert_allclose(clipped["dW"], 0.5, rtol=1e-12)
    assert global_grad_norm(clipped) == pytest.approx(1.0, rel=1e-9)
    tiny = {"dW": np.full(4, 1e-300)}  # squares underflow to 0 unscaled
    assert global_grad_norm(tiny) == pytest.approx(2e-300, rel=1e-12)
