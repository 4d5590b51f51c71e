"""Weight initialisers. Each returns W of shape (n_in, n_out) drawn with an explicit `rng`.

Variance targets: Xavier/Glorot Var(W) = 2 / (n_in + n_out) (uniform bound sqrt(6 / (n_in + n_out)));
He Var(W) = 2 / n_in (for ReLU). A uniform U(-a, a) has variance a**2 / 3.
"""

import numpy as np

from ._validate import check_float_dtype, check_positive, check_rng


def _dims(n_in, n_out, dtype=np.float64):
    check_float_dtype(dtype)
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n_in), int(n_out)


def zeros(n_in, n_out, rng=None, dtype=np.float64):
    """All zeros: every unit in a layer stays identical (the symmetry problem)."""
    n_in, n_out = _dims(n_in, n_out, dtype)
    return np.zeros((n_in, n_out), dtype=dtype)


def scaled_normal(n_in, n_out, rng, scale=0.01, dtype=np.float64):
    """N(0, scale**2): the naive small-random initialisation; `scale` is the standard deviation."""
    n_in, n_out = _dims(n_in, n_out, dtype)
    scale = check_positive(scale, "scale")
    return (scale * check_rng(rng).standard_normal((n_in, n_out))).astype(dtype)


def xavier_uniform(n_in, n_out, rng, dtype=np.float64):
    """U(-a, a) with a = sqrt(6 / (n_in + n_out)), so Var(W) = 2 / (n_in + n_out)."""
    n_in, n_out = _dims(n_in, n_out, dtype)
    a = np.sqrt(6.0 / (n_in + n_out))
    return check_rng(rng).uniform(-a, a, (n_in, n_out)).astype(dtype)


def xavier_normal(n_in, n_out, rng, dtype=np.float64):
    """N(0, 2 / (n_in + n_out))."""
    n_in, n_out = _dims(n_in, n_out, dtype)
    std = np.sqrt(2.0 / (n_in + n_out))
    return (std * check_rng(rng).standard_normal((n_in, n_out))).astype(dtype)


def he_uniform(n_in, n_out, rng, dtype=np.float64):
    """U(-a, a) with a = sqrt(6 / n_in), so Var(W) = 2 / n_in."""
    n_in, n_out = _dims(n_in, n_out, dtype)
    a = np.sqrt(6.0 / n_in)
    return check_rng(rng).uniform(-a, a, (n_in, n_out)).astype(dtype)


def he_normal(n_in, n_out, rng, dtype=np.float64):
    """N(0, 2 / n_in)."""
    n_in, n_out = _dims(n_in, n_out, dtype)
    std = np.sqrt(2.0 / n_in)
    return (std * check_rng(rng).standard_normal((n_in, n_out))).astype(dtype)


INITIALIZERS = {
    "zeros": zeros,
    "normal": scaled_normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}


def initialize_parameters(layer_sizes, method="he_normal", rng=None, dtype=np.float64, **kwargs):
    """Parameters {"W1", "b1", ..., "WL", "bL"} for layer sizes [n_0, n_1, ..., n_L].

    W{l} has shape (n_{l-1}, n_l), b{l} shape (n_l,) and starts at zero. `method` is a name
    from INITIALIZERS or a function (n_in, n_out, rng) -> W.
    """
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least an input and an output size, got {sizes}")
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in sizes):
        raise ValueError(f"layer_sizes must hold positive integers, got {sizes}")
    init = INITIALIZERS.get(method, method) if isinstance(method, str) else method
    if not callable(init):
        raise ValueError(f"unknown init method {method!r}; choose one of {sorted(INITIALIZERS)}")
    dtype = check_float_dtype(dtype)
    rng = check_rng(rng)
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = np.asarray(init(sizes[l - 1], sizes[l], rng=rng, **kwargs), dtype=dtype)
        params[f"b{l}"] = np.zeros(_dims(sizes[l - 1], sizes[l])[1], dtype=dtype)
    return params
