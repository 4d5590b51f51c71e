"""Layers as pure forward/backward pairs with a cache.

    Z, cache = dense_forward(A_prev, W, b)        # Z = A_prev @ W + b
    dA_prev, dW, db = dense_backward(dZ, cache)

Samples are rows: A_prev is (m, n_in), W is (n_in, n_out), b is (n_out,), Z is (m, n_out).
Also: dropout, batch normalization (with `BatchNorm1d` for running statistics) and a residual block.
`dZ` is the gradient of the (already averaged) loss, so the backward pass sums over rows.

Each forward function returns a small named cache (`DenseCache`, `ActivationCache`,
`DropoutCache`, `BatchNormCache`, still unpackable as a tuple); its backward function checks
that it got one (or a tuple of the same fields) and names the forward function otherwise.
The layer objects that `MLP` is built from wrap these pairs: see `dlfund.modules`.
"""

from typing import NamedTuple

import numpy as np

from ._validate import as_array, check_rng, check_shape, check_unit_interval
from .activations import get_activation, softmax, softmax_backward


class DenseCache(NamedTuple):
    """What `dense_backward` needs from `dense_forward`: the layer's input and weights."""

    A_prev: np.ndarray
    W: np.ndarray


class ActivationCache(NamedTuple):
    """What `activation_backward` needs: Z, A = g(Z), the activation's name and extra arguments."""

    Z: np.ndarray
    A: np.ndarray
    activation: str
    kwargs: dict


class DropoutCache(NamedTuple):
    """The mask (None in eval mode) and the scale factor of `dropout_forward`."""

    mask: object
    factor: object


class BatchNormCache(NamedTuple):
    """What `batchnorm_backward` needs; fields also readable by name, cache["x_hat"]."""

    x_hat: np.ndarray
    inv_std: np.ndarray
    gamma: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    mode: str

    def __getitem__(self, key):
        return getattr(self, key) if isinstance(key, str) else tuple.__getitem__(self, key)

    def keys(self):
        return self._fields


def check_cache(cache, kind, forward, name="cache"):
    """Return `cache` as a `kind` (a cache NamedTuple) or raise a TypeError naming `forward`.

    Accepts the cache object itself, a tuple of the same fields, or (for batch norm) a dict
    with those keys: what a learner's own forward function might return.
    """
    if isinstance(cache, kind):
        return cache
    fields = ", ".join(kind._fields)
    if isinstance(cache, dict) and set(kind._fields) <= set(cache):
        return kind(*(cache[f] for f in kind._fields))
    if type(cache) is tuple and len(cache) == len(kind._fields):
        return kind(*cache)
    got = type(cache).__name__ if not isinstance(cache, tuple) else f"{type(cache).__name__} of {len(cache)} items"
    raise TypeError(f"{name} must be the cache returned by {forward} ({kind.__name__}: {fields}), got {got}")


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
    Z = A_prev @ W + b
    return Z, DenseCache(A_prev, W)


def dense_backward(dZ, cache):
    """Gradients of an affine layer from dZ (m, n_out): returns (dA_prev, dW, db)."""
    A_prev, W = check_cache(cache, DenseCache, "dense_forward")
    dZ = as_array(dZ, "dZ", ndim=2)
    check_shape(dZ, (A_prev.shape[0], W.shape[1]), "dZ")
    dA_prev = dZ @ W.T
    dW = A_prev.T @ dZ
    db = dZ.sum(axis=0)
    return dA_prev, dW, db


def activation_forward(Z, activation="relu", **kwargs):
    """A = g(Z) for a named activation ('linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'softmax').

    Extra keyword arguments (e.g. alpha for leaky_relu) go to the activation.
    """
    Z = as_array(Z, "Z")
    if activation == "softmax":
        A = softmax(Z, axis=-1)
    else:
        A = get_activation(activation)[0](Z, **kwargs)
    return A, ActivationCache(Z, A, activation, kwargs)


def activation_backward(dA, cache):
    """dZ = dA * g'(Z) (for softmax, the vector-Jacobian product)."""
    Z, A, activation, kwargs = check_cache(cache, ActivationCache, "activation_forward")
    dA = as_array(dA, "dA")
    check_shape(dA, Z.shape, "dA")
    if activation == "softmax":
        return softmax_backward(dA, A, axis=-1)
    return dA * get_activation(activation)[1](Z, **kwargs)


# --------------------------------------------------------------------------- dropout

_DROPOUT_KINDS = ("inverted", "classic")
_MODES = ("train", "eval")


def _check_mode(mode):
    if mode not in _MODES:
        raise ValueError(f"mode must be 'train' or 'eval', got {mode!r}")


def check_drop_probability(p_drop, name="p_drop"):
    """Return `p_drop` as a float after checking 0 <= p_drop < 1 (the probability of DROPPING a unit)."""
    return check_unit_interval(p_drop, name, meaning=" is the probability of dropping a unit and")


def dropout_forward(A, p_drop, rng=None, mode="train", kind="inverted"):
    """Dropout on activations A of any shape; `p_drop` is the probability of DROPPING each unit.

    Training: a Bernoulli mask keeps each entry with probability 1 - p_drop.
      kind="inverted" (default, as in PyTorch): kept entries are scaled by 1 / (1 - p_drop),
      so E[out] = A while training and evaluation is the identity.
      kind="classic": kept entries are not scaled while training; evaluation multiplies by
      (1 - p_drop), the keep probability, so the expected activation matches.
    Randomness comes only from `rng` (Generator or int seed). Returns (out, cache);
    the cache holds the mask so the backward pass reuses it.
    """
    A = as_array(A, "A")
    p = check_drop_probability(p_drop)
    _check_mode(mode)
    if kind not in _DROPOUT_KINDS:
        raise ValueError(f"kind must be 'inverted' or 'classic', got {kind!r}")
    if mode == "eval":
        factor = 1.0 if kind == "inverted" else 1.0 - p
        return A * A.dtype.type(factor), DropoutCache(None, A.dtype.type(factor))
    keep = 1.0 - p
    mask = (check_rng(rng).random(A.shape) < keep).astype(A.dtype)
    factor = A.dtype.type(1.0 / keep if kind == "inverted" else 1.0)
    return A * mask * factor, DropoutCache(mask, factor)


def dropout_backward(dout, cache):
    """Gradient of dropout: dA = dout * mask * scale (the same mask as the forward pass)."""
    mask, factor = check_cache(cache, DropoutCache, "dropout_forward")
    dout = as_array(dout, "dout")
    if mask is None:
        return dout * factor
    check_shape(dout, mask.shape, "dout")
    return dout * mask * factor


# ----------------------------------------------------------------------- batch norm


def batchnorm_forward(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    """Batch normalization over the features of X (m, n): out = gamma * (X - mu) / sqrt(var + eps) + beta.

    mode="train": mu and var are the batch mean and the *biased* batch variance (divide by m),
    as in the original paper and PyTorch. The running statistics are not touched here (see
    `update_running_stats` or the `BatchNorm1d` class that keeps them).
    mode="eval": mu and var are `running_mean` and `running_var`, which must be given.
    gamma, beta: (n,). Returns (out, BatchNormCache); cache.mean, cache.var hold the statistics used.
    """
    X = as_array(X, "X", ndim=2)
    gamma = as_array(gamma, "gamma", ndim=1)
    beta = as_array(beta, "beta", ndim=1)
    n = gamma.shape[0]
    if X.shape[1] != n:
        raise ValueError(
            f"X has {X.shape[1]} features (shape {X.shape}) but gamma has {n} entries "
            f"(batch norm over {n} features): X must be (m, {n})"
        )
    check_shape(beta, (n,), "beta")
    _check_mode(mode)
    if mode == "train":
        if X.shape[0] < 2:
            raise ValueError(
                f"batch norm in training mode needs at least 2 samples per batch, got X of shape {X.shape}"
            )
        mean = X.mean(axis=0)
        var = X.var(axis=0)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch norm in eval mode needs running statistics (running_mean, running_var); "
                "none exist yet: run at least one training batch first"
            )
        mean = as_array(running_mean, "running_mean", ndim=1)
        var = as_array(running_var, "running_var", ndim=1)
        check_shape(mean, (n,), "running_mean")
        check_shape(var, (n,), "running_var")
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (X - mean) * inv_std
    out = gamma * x_hat + beta
    return out, BatchNormCache(x_hat, inv_std, gamma, mean, var, mode)


def batchnorm_backward(dout, cache):
    """Backward pass of `batchnorm_forward`: returns (dX, dgamma, dbeta), shapes (m, n), (n,), (n,).

    Training mode (the batch statistics depend on X):
        dX = gamma * inv_std / m * (m * dout - sum(dout) - x_hat * sum(dout * x_hat))
    Eval mode (fixed running statistics): dX = gamma * inv_std * dout.
    """
    cache = check_cache(cache, BatchNormCache, "batchnorm_forward")
    x_hat, inv_std, gamma = cache.x_hat, cache.inv_std, cache.gamma
    dout = as_array(dout, "dout", ndim=2)
    check_shape(dout, x_hat.shape, "dout")
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    if cache.mode == "eval":
        return dout * (gamma * inv_std), dgamma, dbeta
    m = dout.shape[0]
    dX = (gamma * inv_std / m) * (m * dout - dbeta - x_hat * dgamma)
    return dX, dgamma, dbeta


def update_running_stats(running_mean, running_var, batch_mean, batch_var, m, momentum=0.1):
    """PyTorch's update: new = (1 - momentum) * old + momentum * batch statistic.

    `batch_var` is the biased batch variance used to normalise; the running variance is fed
    the *unbiased* estimate batch_var * m / (m - 1), as torch.nn.BatchNorm1d does.
    Returns new arrays (the inputs are not modified).
    """
    if not 0.0 < float(momentum) <= 1.0:
        raise ValueError(f"momentum must be in (0, 1], got {momentum!r}")
    if m < 2:
        raise ValueError(f"the unbiased variance needs a batch of m >= 2 samples, got m={m}")
    new_mean = (1.0 - momentum) * running_mean + momentum * batch_mean
    new_var = (1.0 - momentum) * running_var + momentum * batch_var * (m / (m - 1.0))
    return new_mean, new_var


class BatchNorm1d:
    """Running statistics for batch norm over `n_features`; gamma and beta stay in the parameter dict.

        bn = BatchNorm1d(4)                              # running_mean = 0, running_var = 1
        out, cache = bn.forward(X, gamma, beta, mode="train")   # updates the running statistics
        dX, dgamma, dbeta = batchnorm_backward(dout, cache)
        out, _ = bn.forward(X, gamma, beta, mode="eval")        # uses the running statistics

    Same start values and momentum convention as torch.nn.BatchNorm1d. Eval mode raises a
    ValueError until at least one training batch has been seen (`num_batches_tracked`).
    """

    def __init__(self, n_features, momentum=0.1, eps=1e-5, dtype=np.float64):
        if not isinstance(n_features, (int, np.integer)) or n_features < 1:
            raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
        if not 0.0 < float(momentum) <= 1.0:
            raise ValueError(f"momentum must be in (0, 1], got {momentum!r}")
        self.n_features, self.momentum, self.eps = int(n_features), float(momentum), float(eps)
        self.running_mean = np.zeros(n_features, dtype=dtype)
        self.running_var = np.ones(n_features, dtype=dtype)
        self.num_batches_tracked = 0

    def forward(self, X, gamma, beta, mode="train"):
        """Normalise X (m, n_features); in training mode also update the running statistics."""
        _check_mode(mode)
        X = as_array(X, "X", ndim=2)
        if X.shape[1] != self.n_features:
            raise ValueError(
                f"X has {X.shape[1]} features (shape {X.shape}) but this BatchNorm1d normalises "
                f"{self.n_features}: X must be (m, {self.n_features})"
            )
        if mode == "eval" and self.num_batches_tracked == 0:
            raise ValueError(
                "BatchNorm1d in eval mode has no running statistics yet: run at least one batch in training mode first"
            )
        out, cache = batchnorm_forward(X, gamma, beta, mode, self.running_mean, self.running_var, self.eps)
        if mode == "train":
            self.running_mean, self.running_var = update_running_stats(
                self.running_mean, self.running_var, cache.mean, cache.var, X.shape[0], self.momentum
            )
            self.num_batches_tracked += 1
        return out, cache

    backward = staticmethod(batchnorm_backward)

    def __repr__(self):
        return (
            f"BatchNorm1d({self.n_features}, momentum={self.momentum}, eps={self.eps}, "
            f"batches seen={self.num_batches_tracked})"
        )


# ------------------------------------------------------------------- residual block


def residual_forward(X, weights, activation="relu", **act_kwargs):
    """Residual (skip) block y = X + F(X), F a stack of dense layers each followed by an activation.

    X: (m, n). `weights`: list of (W, b) pairs, W_k of shape (n_{k-1}, n_k) with n_0 = n_last = n,
    so F maps back to X's width. `activation`: one name for every layer or a list of names
    ('linear' for none). Returns (y, cache).
    """
    X = as_array(X, "X", ndim=2)
    weights = list(weights)
    if not weights:
        raise ValueError("weights must hold at least one (W, b) pair")
    acts = [activation] * len(weights) if isinstance(activation, str) else list(activation)
    if len(acts) != len(weights):
        raise ValueError(f"got {len(acts)} activations for {len(weights)} layers")
    H, caches = X, []
    for (W, b), name in zip(weights, acts):
        Z, dense_cache = dense_forward(H, W, b)
        H, act_cache = activation_forward(Z, name, **act_kwargs)
        caches.append((dense_cache, act_cache))
    if H.shape != X.shape:
        raise ValueError(
            f"F(X) has shape {H.shape} but X has shape {X.shape}; the last W must map back to {X.shape[1]} features"
        )
    return X + H, caches


def residual_backward(dY, cache):
    """Backward pass of `residual_forward`: dX = dY + (gradient through F), i.e. J = I + dF/dX.

    Returns (dX, [(dW1, db1), (dW2, db2), ...]).
    """
    dY = as_array(dY, "dY", ndim=2)
    if not isinstance(cache, list) or not all(isinstance(c, tuple) and len(c) == 2 for c in cache):
        raise TypeError(
            f"cache must be the list of (dense, activation) caches returned by residual_forward, "
            f"got {type(cache).__name__}"
        )
    dH, grads = dY, []
    for dense_cache, act_cache in reversed(cache):
        dZ = activation_backward(dH, act_cache)
        dH, dW, db = dense_backward(dZ, dense_cache)
        grads.append((dW, db))
    return dY + dH, grads[::-1]
