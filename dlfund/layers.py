"""Layers as pure forward/backward pairs with a cache.

    Z, cache = dense_forward(A_prev, W, b)        # Z = A_prev @ W + b
    dA_prev, dW, db = dense_backward(dZ, cache)

Samples are rows: A_prev is (m, n_in), W is (n_in, n_out), b is (n_out,), Z is (m, n_out).
`dZ` is the gradient of the (already averaged) loss, so the backward pass sums over rows.
"""
import numpy as np

from ._validate import as_array, check_shape
from .activations import get_activation, softmax, softmax_backward


def dense_forward(A_prev, W, b):
    """Affine map Z = A_prev @ W + b. Shapes (m, n_in), (n_in, n_out), (n_out,) -> (m, n_out)."""
    A_prev = as_array(A_prev, "A_prev", ndim=2)
    W = as_array(W, "W", ndim=2)
    b = as_array(b, "b", ndim=1)
    if A_prev.shape[1] != W.shape[0]:
        hint = " (did you mean W.T?)" if A_prev.shape[1] == W.shape[1] else ""
        raise ValueError(
            f"A_prev has {A_prev.shape[1]} features (shape {A_prev.shape}) but W has shape {W.shape}; "
            f"W must be (n_in, n_out) = ({A_prev.shape[1]}, n_out){hint}"
        )
    check_shape(b, (W.shape[1],), "b")
    return A_prev @ W + b, (A_prev, W)


def dense_backward(dZ, cache):
    """Gradients of an affine layer: dA_prev = dZ @ W.T, dW = A_prev.T @ dZ, db = sum of dZ rows."""
    A_prev, W = cache
    dZ = as_array(dZ, "dZ", ndim=2)
    check_shape(dZ, (A_prev.shape[0], W.shape[1]), "dZ")
    return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0)


def activation_forward(Z, activation="relu", **kwargs):
    """A = g(Z) for a named activation ('linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'softmax').

    Extra keyword arguments (e.g. alpha for leaky_relu) go to the activation.
    """
    Z = as_array(Z, "Z")
    if activation == "softmax":
        A = softmax(Z, axis=-1)
    else:
        A = get_activation(activation)[0](Z, **kwargs)
    return A, (Z, A, activation, kwargs)


def activation_backward(dA, cache):
    """dZ = dA * g'(Z) (for softmax, the vector-Jacobian product)."""
    Z, A, activation, kwargs = cache
    dA = as_array(dA, "dA")
    check_shape(dA, Z.shape, "dA")
    if activation == "softmax":
        return softmax_backward(dA, A, axis=-1)
    return dA * get_activation(activation)[1](Z, **kwargs)
