"""Optimizers: the dictionary API of tutorials and small optimizer objects for `MLP.fit`.

Parameters live in a dict {"W1", "b1", ...}; gradients in {"dW1", "db1", ...}.
Functions return a new parameter dict and never modify their inputs; optimizer
objects update the parameter dict they are given in place (like `torch.optim`).
"""
import numpy as np

from ._validate import as_array, check_matching_keys, check_positive, check_rng


def random_mini_batches(X, Y, batch_size=64, rng=None):
    """Shuffle (X, Y) together and cut into batches of `batch_size` rows; the last may be smaller.

    X is (m, n), Y is (m, ...). Returns a list of (X_batch, Y_batch) pairs.
    """
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    perm = check_rng(rng).permutation(X.shape[0])
    return [(X[perm[k:k + batch_size]], Y[perm[k:k + batch_size]]) for k in range(0, X.shape[0], batch_size)]


def update_parameters_with_gd(parameters, grads, learning_rate):
    """One gradient-descent step: W <- W - lr * dW for every parameter. Returns a new dict."""
    lr = check_positive(learning_rate, "learning_rate")
    check_matching_keys(parameters, grads)
    return {k: np.asarray(v) - lr * as_array(grads["d" + k], "d" + k) for k, v in parameters.items()}


class GD:
    """Plain (mini-batch) gradient descent with a fixed learning rate: p -= lr * g, in place."""

    def __init__(self, lr=0.01):
        self.lr = check_positive(lr, "lr")

    def step(self, params, grads):
        check_matching_keys(params, grads)
        for k, p in params.items():
            p -= self.lr * grads["d" + k]

    def __repr__(self):
        return f"GD(lr={self.lr})"
