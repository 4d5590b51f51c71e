"""Activation functions and their derivatives, element-wise on arrays of any shape.

Each `f(z)` has a partner `f_derivative(z)` returning df/dz element-wise. Softmax couples
its inputs, so instead of a derivative it has `softmax_backward(dA, A, axis)`, the
vector-Jacobian product used in backpropagation.
"""

import numpy as np

from ._validate import as_array, check_axis, check_choice, check_number


def linear(z):
    """Identity: f(z) = z."""
    return as_array(z, "z").copy()


def linear_derivative(z):
    """f'(z) = 1."""
    return np.ones_like(as_array(z, "z"))


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), stable for large |z| (never overflows)."""
    z = as_array(z, "z")
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])  # z < 0 here, so exp(z) < 1: no overflow
    out[~pos] = ez / (1.0 + ez)
    return out


def sigmoid_derivative(z):
    """s'(z) = s(z) * (1 - s(z)); at most 0.25, reached at z = 0."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent."""
    return np.tanh(as_array(z, "z"))


def tanh_derivative(z):
    """tanh'(z) = 1 - tanh(z)**2."""
    t = np.tanh(as_array(z, "z"))
    return 1.0 - t * t


def relu(z):
    """Rectified linear unit max(0, z)."""
    z = as_array(z, "z")
    return np.maximum(z, 0, dtype=z.dtype)


def relu_derivative(z):
    """1 where z > 0, else 0 (the value 0 at z = 0 is the convention PyTorch uses)."""
    z = as_array(z, "z")
    return (z > 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    """z for z > 0, alpha * z otherwise. `alpha` is a fixed slope, not learned and not a rate."""
    z = as_array(z, "z")
    alpha = check_number(alpha, "alpha")
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def leaky_relu_derivative(z, alpha=0.01):
    """1 for z > 0, alpha otherwise."""
    z = as_array(z, "z")
    alpha = check_number(alpha, "alpha")
    return np.where(z > 0, 1.0, alpha).astype(z.dtype, copy=False)


def softmax(z, axis=-1):
    """Softmax along `axis`, computed as exp(z - max z) / sum, so large logits cannot overflow."""
    z = as_array(z, "z")
    axis = check_axis(axis, z.ndim)
    if z.size == 0:
        return z.copy()
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def softmax_backward(dA, A, axis=-1):
    """Gradient w.r.t. the logits given dA = dL/dA and A = softmax(Z): A * (dA - sum(dA * A))."""
    dA = as_array(dA, "dA")
    A = as_array(A, "A")
    if dA.shape != A.shape:
        raise ValueError(f"dA has shape {dA.shape} but A has shape {A.shape}")
    axis = check_axis(axis, A.ndim)
    return A * (dA - np.sum(dA * A, axis=axis, keepdims=True))


#: name -> (function, derivative). Softmax is handled separately (see `softmax_backward`).
ACTIVATIONS = {
    "linear": (linear, linear_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
}


def get_activation(name):
    """Return (f, f_derivative) for an activation name such as 'relu' (a typo gets a suggestion)."""
    if name == "softmax":
        raise ValueError(
            "unknown activation 'softmax' here: softmax couples its inputs, so it has no element-wise "
            "derivative; use softmax(z) and softmax_backward(dA, A)"
        )
    return ACTIVATIONS[check_choice(name, ACTIVATIONS, "activation")]
