"""Chapter 6: initialisations and the residual block."""

import numpy as np

from . import bug, valid

# ---------------------------------------------------------------- xavier_uniform


@bug("xavier_uniform", "bound from the fan-in only: sqrt(6 / n_in)", r"fan", r"n_out|n_in ?\+ ?n_out")
def xu_fan_in(n_in, n_out, rng):
    a = np.sqrt(6.0 / n_in)
    return rng.uniform(-a, a, size=(n_in, n_out))


@bug(
    "xavier_uniform",
    "the variance formula used as the bound: sqrt(2 / (n_in + n_out))",
    r"bound",
    r"\b6\b|a\^?2 ?/ ?3|a²/3",
    r"variance",
)
def xu_variance_bound(n_in, n_out, rng):
    a = np.sqrt(2.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


@bug("xavier_uniform", "U(0, a): not centred", r"symmetric|centred|centered|-a", r"mean")
def xu_not_centred(n_in, n_out, rng):
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(0, a, size=(n_in, n_out))


@bug("xavier_uniform", "np.random.uniform instead of rng", r"\brng\b", r"seed", r"generator|reproduc")
def xu_np_random(n_in, n_out, rng):
    a = np.sqrt(6.0 / (n_in + n_out))
    return np.random.uniform(-a, a, size=(n_in, n_out))


@bug("xavier_uniform", "shape (n_out, n_in)", r"shape")
def xu_shape(n_in, n_out, rng):
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_out, n_in))


@bug("xavier_uniform", "forgot the square root: a = 6 / (n_in + n_out)", r"sqrt|square root")
def xu_no_sqrt(n_in, n_out, rng):
    a = 6.0 / (n_in + n_out)
    return rng.uniform(-a, a, size=(n_in, n_out))


@bug("xavier_uniform", "normal with std a instead of uniform", r"uniform", r"distribution|normal")
def xu_normal(n_in, n_out, rng):
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.normal(0, a, size=(n_in, n_out))


@bug("xavier_uniform", "float32 weights", r"dtype", r"float32")
def xu_float32(n_in, n_out, rng):
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out)).astype(np.float32)


@valid("xavier_uniform", "a (2 rng.random - 1)")
def xu_affine(n_in, n_out, rng):
    a = (6.0 / (n_in + n_out)) ** 0.5
    return a * (2.0 * rng.random((n_in, n_out)) - 1.0)


# ---------------------------------------------------------------- xavier_normal


@bug(
    "xavier_normal",
    "variance passed where numpy wants the standard deviation",
    r"standard deviation|\bstd\b",
    r"sqrt|square root",
)
def xn_variance_as_std(n_in, n_out, rng):
    return rng.normal(0.0, 2.0 / (n_in + n_out), size=(n_in, n_out))


@bug("xavier_normal", "1 / (n_in + n_out): forgot the factor 2", r"factor", r"\b2\b")
def xn_no_two(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / (n_in + n_out)), size=(n_in, n_out))


@bug("xavier_normal", "uniform distribution with the same variance", r"normal", r"distribution|uniform")
def xn_uniform(n_in, n_out, rng):
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


@bug("xavier_normal", "np.random.normal instead of rng", r"\brng\b", r"seed", r"generator|reproduc")
def xn_np_random(n_in, n_out, rng):
    return np.random.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))


@bug("xavier_normal", "shape (n_out, n_in)", r"shape")
def xn_shape(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))


@bug("xavier_normal", "He's variance 2 / n_in", r"fan", r"n_out|n_in ?\+ ?n_out|\bHe\b")
def xn_he(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


@bug(
    "xavier_normal", "sqrt(2) / (n_in + n_out): square root of the numerator only", r"sqrt|square root", r"variance|std"
)
def xn_sqrt_numerator(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0) / (n_in + n_out), size=(n_in, n_out))


@valid("xavier_normal", "standard normal of the transposed shape, transposed back, times std")
def xn_transposed(n_in, n_out, rng):
    return np.sqrt(2.0 / (n_in + n_out)) * rng.standard_normal((n_out, n_in)).T


# ---------------------------------------------------------------- he_normal


@bug(
    "he_normal",
    "variance passed as the std: rng.normal(0, 2 / n_in)",
    r"standard deviation|\bstd\b",
    r"sqrt|square root",
)
def hn_variance_as_std(n_in, n_out, rng):
    return rng.normal(0.0, 2.0 / n_in, size=(n_in, n_out))


@bug("he_normal", "LeCun's 1 / n_in: forgot the 2", r"factor", r"\b2\b")
def hn_lecun(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_in, n_out))


@bug("he_normal", "fan-out instead of fan-in", r"fan", r"n_in|n_out")
def hn_fan_out(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / n_out), size=(n_in, n_out))


@bug("he_normal", "np.random instead of rng", r"\brng\b", r"seed", r"generator|reproduc")
def hn_np_random(n_in, n_out, rng):
    return np.random.randn(n_in, n_out) * np.sqrt(2.0 / n_in)


@bug("he_normal", "He uniform (same variance) instead of normal", r"normal", r"distribution|uniform")
def hn_uniform(n_in, n_out, rng):
    a = np.sqrt(6.0 / n_in)
    return rng.uniform(-a, a, size=(n_in, n_out))


@bug("he_normal", "shape (n_out, n_in)", r"shape")
def hn_shape(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


@bug("he_normal", "Xavier's variance 2 / (n_in + n_out)", r"Xavier|Glorot", r"fan|n_out")
def hn_xavier(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))


@valid("he_normal", "standard_normal times std, std computed with ** 0.5")
def hn_std_normal(n_in, n_out, rng):
    return rng.standard_normal(size=(n_in, n_out)) * (2 / n_in) ** 0.5


# ---------------------------------------------------------------- residual_block_forward


def _relu(z):
    return np.maximum(z, 0)


@bug("residual_block_forward", "ReLU after the addition", r"after the addition|after adding", r"activation|relu")
def rbf_relu_after(X, W1, b1, W2, b2):
    return _relu(X + _relu(X @ W1 + b1) @ W2 + b2)


@bug("residual_block_forward", "forgot the skip connection", r"skip|identity|residual", r"\bX ?\+")
def rbf_no_skip(X, W1, b1, W2, b2):
    return _relu(X @ W1 + b1) @ W2 + b2


@bug("residual_block_forward", "ReLU on the second layer too", r"relu", r"linear|second layer")
def rbf_relu_second(X, W1, b1, W2, b2):
    return X + _relu(_relu(X @ W1 + b1) @ W2 + b2)


@bug("residual_block_forward", "forgot b2", r"\bb2\b", r"bias")
def rbf_no_b2(X, W1, b1, W2, b2):
    return X + _relu(X @ W1 + b1) @ W2


@bug("residual_block_forward", "tanh as the hidden activation", r"relu", r"tanh")
def rbf_tanh(X, W1, b1, W2, b2):
    return X + np.tanh(X @ W1 + b1) @ W2 + b2


@bug("residual_block_forward", "adds F(X) into X in place", r"modif", r"in.place")
def rbf_inplace(X, W1, b1, W2, b2):
    X += _relu(X @ W1 + b1) @ W2 + b2
    return X


@bug("residual_block_forward", "np.max instead of np.maximum", r"np\.max\b", r"maximum", r"reduc")
def rbf_np_max(X, W1, b1, W2, b2):
    return X + np.max(X @ W1 + b1, 0) @ W2 + b2


@valid("residual_block_forward", "einsum and a multiplicative ReLU")
def rbf_einsum(X, W1, b1, W2, b2):
    Z1 = np.einsum("mn,nh->mh", X, W1) + b1
    A1 = Z1 * (Z1 > 0)
    return np.einsum("mh,hn->mn", A1, W2) + b2 + X


# ---------------------------------------------------------------- residual_block_backward


def _rbb(dY, X, W1, b1, W2, b2, *, skip=True, mask=None, w2_t=True, dw2_from_z=False, keep=False):
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    dW2 = (Z1 if dw2_from_z else A1).T @ dY
    db2 = dY.sum(axis=0, keepdims=keep)
    dA1 = dY @ (W2.T if w2_t else W2)
    dZ1 = dA1 * ((Z1 > 0) if mask is None else mask(Z1, X))
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0, keepdims=keep)
    dX = (dY if skip else 0) + dZ1 @ W1.T
    return dX, dW1, db1, dW2, db2


@bug("residual_block_backward", "forgot the identity path: dX = dZ1 W1^T", r"identity|skip", r"\bdY\b")
def rbb_no_skip(dY, X, W1, b1, W2, b2):
    return _rbb(dY, X, W1, b1, W2, b2, skip=False)


@bug("residual_block_backward", "ReLU mask recomputed without the bias: X @ W1 > 0", r"\bb1\b", r"\bZ1\b", r"mask")
def rbb_mask_no_bias(dY, X, W1, b1, W2, b2):
    return _rbb(dY, X, W1, b1, W2, b2, mask=lambda Z1, X: X @ W1 > 0)


@bug("residual_block_backward", "dY @ W2 without the transpose", r"transpos", r"\bW2\b", r"shape")
def rbb_w2_no_t(dY, X, W1, b1, W2, b2):
    return _rbb(dY, X, W1, b1, W2, b2, w2_t=False)


@bug("residual_block_backward", "dW2 from Z1 instead of A1", r"\bA1\b", r"\bZ1\b", r"relu")
def rbb_dw2_z1(dY, X, W1, b1, W2, b2):
    return _rbb(dY, X, W1, b1, W2, b2, dw2_from_z=True)


@bug("residual_block_backward", "bias gradients with keepdims=True", r"shape", r"keepdims")
def rbb_keepdims(dY, X, W1, b1, W2, b2):
    return _rbb(dY, X, W1, b1, W2, b2, keep=True)


@bug("residual_block_backward", "returns (dW1, db1, dW2, db2, dX)", r"order")
def rbb_order(dY, X, W1, b1, W2, b2):
    dX, dW1, db1, dW2, db2 = _rbb(dY, X, W1, b1, W2, b2)
    return dW1, db1, dW2, db2, dX


@bug("residual_block_backward", "forgot the ReLU derivative", r"relu", r"mask|derivative")
def rbb_no_mask(dY, X, W1, b1, W2, b2):
    return _rbb(dY, X, W1, b1, W2, b2, mask=lambda Z1, X: 1.0)


@valid("residual_block_backward", "mask from A1 > 0, einsum for the weight gradients")
def rbb_valid(dY, X, W1, b1, W2, b2):
    A1 = np.maximum(X @ W1 + b1, 0)
    dZ1 = np.where(A1 > 0, dY @ W2.T, 0.0)
    return (dZ1 @ W1.T + dY, np.einsum("mn,mh->nh", X, dZ1), dZ1.sum(0), np.einsum("mh,mn->hn", A1, dY), dY.sum(0))
