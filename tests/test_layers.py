"""Unit tests for dlfund.layers: dense and activation forward/backward pairs."""

import numpy as np
import pytest

from dlfund.layers import activation_backward, activation_forward, dense_backward, dense_forward


def test_dense_forward_by_hand():
    A = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])  # m=3, n_in=2
    W = np.array([[1.0, 0.0, 2.0], [-1.0, 1.0, 0.5]])  # (n_in, n_out) = (2, 3): W[i, j] input i -> unit j
    b = np.array([0.5, -1.0, 0.0])
    Z, cache = dense_forward(A, W, b)
    expected = np.array([[1 - 2 + 0.5, 2 - 1, 2 + 1], [0 + 1 + 0.5, -1 - 1, -0.5], [3 - 1 + 0.5, 1 - 1, 6.5]])
    np.testing.assert_array_equal(Z, expected)
    dA, dW, db = dense_backward(np.ones((3, 3)), cache)
    np.testing.assert_array_equal(dA, np.tile(W.sum(axis=1), (3, 1)))
    np.testing.assert_array_equal(dW, np.tile(A.sum(axis=0)[:, None], (1, 3)))
    np.testing.assert_array_equal(db, [3.0, 3.0, 3.0])  # sum over the batch (dZ already carries 1/m)


@pytest.mark.parametrize("m, n_in, n_out", [(1, 3, 7), (5, 4, 2), (8, 1, 1), (2, 6, 6)])
def test_dense_shapes_and_numerical_gradient(m, n_in, n_out):
    rng = np.random.default_rng(m * 100 + n_in * 10 + n_out)
    A, W, b = rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
    G = rng.normal(size=(m, n_out))  # upstream gradient; scalar objective sum(G * Z)
    Z, cache = dense_forward(A, W, b)
    assert Z.shape == (m, n_out)
    dA, dW, db = dense_backward(G, cache)
    assert dA.shape == A.shape and dW.shape == W.shape and db.shape == b.shape
    h = 1e-6
    for arr, grad in ((A, dA), (W, dW), (b, db)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + h
            fp = np.sum(G * dense_forward(A, W, b)[0])
            arr[idx] = old - h
            fm = np.sum(G * dense_forward(A, W, b)[0])
            arr[idx] = old
            num[idx] = (fp - fm) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-7, atol=1e-9)


def test_dense_inputs_not_modified_and_float32_kept():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 3)).astype(np.float32)
    W = rng.normal(size=(3, 2)).astype(np.float32)
    b = rng.normal(size=2).astype(np.float32)
    copies = [A.copy(), W.copy(), b.copy()]
    Z, cache = dense_forward(A, W, b)
    dZ = np.ones((4, 2), dtype=np.float32)
    grads = dense_backward(dZ, cache)
    assert Z.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    for orig, c in zip((A, W, b), copies):
        np.testing.assert_array_equal(orig, c)
    np.testing.assert_array_equal(dZ, 1.0)


def test_dense_errors_name_argument_and_shapes():
    A, W, b = np.zeros((5, 3)), np.zeros((3, 4)), np.zeros(4)
    with pytest.raises(
        ValueError, match=r"A_prev has 3 features \(shape \(5, 3\)\) but W has shape \(4, 3\).*did you mean W.T"
    ):
        dense_forward(A, W.T, b)
    with pytest.raises(ValueError, match=r"A_prev has 3 features \(shape \(5, 3\)\) but W has shape \(2, 4\)"):
        dense_forward(A, np.zeros((2, 4)), b)
    with pytest.raises(ValueError, match=r"b must have shape \(4,\), got \(3,\)"):
        dense_forward(A, W, np.zeros(3))
    with pytest.raises(ValueError, match=r"b must be a 1-D array, got shape \(1, 4\)"):
        dense_forward(A, W, np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"A_prev must be a 2-D array, got shape \(3,\)"):
        dense_forward(np.zeros(3), W, b)
    _, cache = dense_forward(A, W, b)
    with pytest.raises(ValueError, match=r"dZ must have shape \(5, 4\), got \(4, 5\)"):
        dense_backward(np.zeros((4, 5)), cache)


@pytest.mark.parametrize(
    "name, kw",
    [("linear", {}), ("sigmoid", {}), ("tanh", {}), ("relu", {}), ("leaky_relu", {"alpha": 0.1}), ("softmax", {})],
)
def test_activation_pair_numerical_gradient(name, kw):
    rng = np.random.default_rng(2)
    Z = rng.normal(0, 2, size=(4, 3))
    Z += 0.01 * np.sign(Z)  # away from kinks
    G = rng.normal(size=Z.shape)
    A, cache = activation_forward(Z, name, **kw)
    assert A.shape == Z.shape
    dZ = activation_backward(G, cache)
    h = 1e-6
    num = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        E = np.zeros_like(Z)
        E[idx] = h
        num[idx] = (
            np.sum(G * activation_forward(Z + E, name, **kw)[0]) - np.sum(G * activation_forward(Z - E, name, **kw)[0])
        ) / (2 * h)
    np.testing.assert_allclose(dZ, num, rtol=1e-6, atol=1e-9)


def test_activation_forward_alpha_reaches_leaky_relu():
    A, _ = activation_forward(np.array([[-1.0, 2.0]]), "leaky_relu", alpha=0.3)
    np.testing.assert_allclose(A, [[-0.3, 2.0]], rtol=1e-15)


def test_activation_errors():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        activation_forward(np.zeros((2, 2)), "swish")
    _, cache = activation_forward(np.zeros((2, 3)), "relu")
    with pytest.raises(ValueError, match=r"dA must have shape \(2, 3\), got \(3, 2\)"):
        activation_backward(np.zeros((3, 2)), cache)
