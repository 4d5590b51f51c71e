"""Chapter 3: dense layer, losses, the 3-4-1 network, gradient descent, a training step."""

import numpy as np

from dlfund.activations import sigmoid

from . import bug, valid

# ---------------------------------------------------------------- dense_forward


@bug("dense_forward", "transposed W: A_prev @ W.T", r"transpos", r"W\.T|Wᵀ")
def densef_transposed(A_prev, W, b):
    return A_prev @ W.T + b, (A_prev, W)


@bug("dense_forward", "cache in the order (W, A_prev)", r"order", r"cache")
def densef_cache_order(A_prev, W, b):
    return A_prev @ W + b, (W, A_prev)


@bug("dense_forward", "cache (A_prev, W, b): three items", r"cache")
def densef_cache_b(A_prev, W, b):
    return A_prev @ W + b, (A_prev, W, b)


@bug("dense_forward", "forgot the bias", r"bias", r"\bb\b")
def densef_no_bias(A_prev, W, b):
    return A_prev @ W, (A_prev, W)


@bug("dense_forward", "returns Z only, no cache", r"cache", r"tuple", r"pair")
def densef_no_cache(A_prev, W, b):
    return A_prev @ W + b


@bug("dense_forward", "bias reshaped to a column (n_out, 1)", r"bias", r"broadcast", r"column")
def densef_bias_column(A_prev, W, b):
    return np.dot(A_prev, W) + b.reshape(-1, 1), (A_prev, W)


@bug("dense_forward", "element-wise * instead of a matrix product", r"matmul|matrix product|@", r"element")
def densef_elementwise(A_prev, W, b):
    return A_prev * W + b, (A_prev, W)


@bug("dense_forward", "cache holds Z instead of W", r"cache", r"\bW\b")
def densef_cache_z(A_prev, W, b):
    Z = A_prev @ W + b
    return Z, (A_prev, Z)


@valid("dense_forward", "einsum, and copies in the cache")
def densef_einsum(A_prev, W, b):
    return np.einsum("mi,io->mo", A_prev, W) + b[None, :], (A_prev.copy(), W.copy())


@valid("dense_forward", "np.dot and a list cache")
def densef_dot(A_prev, W, b):
    Z = np.dot(A_prev, W)
    Z = Z + b
    return Z, (A_prev, W)


# ---------------------------------------------------------------- dense_backward


@bug("dense_backward", "dW = dZ.T @ A_prev: the transpose of the gradient", r"transpos", r"shape")
def denseb_dw_transposed(dZ, cache):
    A_prev, W = cache
    return dZ @ W.T, dZ.T @ A_prev, dZ.sum(axis=0)


@bug("dense_backward", "db summed over axis 1", r"axis", r"rows")
def denseb_db_axis1(dZ, cache):
    A_prev, W = cache
    return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=1)


@bug("dense_backward", "db as a mean over the rows: an extra 1/m", r"1/m", r"mean", r"\bsum\b")
def denseb_db_mean(dZ, cache):
    A_prev, W = cache
    return dZ @ W.T, A_prev.T @ dZ, dZ.mean(axis=0)


@bug("dense_backward", "divides dW by m again (dZ already carries 1/m)", r"1/m", r"\bm\b", r"factor")
def denseb_dw_over_m(dZ, cache):
    A_prev, W = cache
    m = A_prev.shape[0]
    return dZ @ W.T, A_prev.T @ dZ / m, dZ.sum(axis=0)


@bug("dense_backward", "dA_prev = dZ @ W without the transpose", r"transpos", r"W\.T|Wᵀ")
def denseb_da_no_t(dZ, cache):
    A_prev, W = cache
    return dZ @ W, A_prev.T @ dZ, dZ.sum(axis=0)


@bug("dense_backward", "db with keepdims=True: shape (1, n_out)", r"shape", r"keepdims")
def denseb_db_keepdims(dZ, cache):
    A_prev, W = cache
    return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0, keepdims=True)


@bug("dense_backward", "returns (dW, db, dA_prev)", r"order")
def denseb_order(dZ, cache):
    A_prev, W = cache
    return A_prev.T @ dZ, dZ.sum(axis=0), dZ @ W.T


@bug("dense_backward", "unpacks the cache as (W, A_prev)", r"cache", r"order", r"unpack")
def denseb_unpack(dZ, cache):
    W, A_prev = cache
    return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0)


@valid("dense_backward", "einsum everywhere")
def denseb_einsum(dZ, cache):
    A_prev, W = cache
    return np.einsum("mo,io->mi", dZ, W), np.einsum("mi,mo->io", A_prev, dZ), np.einsum("mo->o", dZ)


@valid("dense_backward", "loop over the samples for dW and db")
def denseb_loop(dZ, cache):
    A_prev, W = cache
    dW = np.zeros_like(W)
    db = np.zeros(W.shape[1])
    for r in range(dZ.shape[0]):
        dW += np.outer(A_prev[r], dZ[r])
        db += dZ[r]
    return dZ @ W.T, dW, db


# ---------------------------------------------------------------- mse_loss


@bug("mse_loss", "sum instead of mean", r"mean", r"1/n", r"\bsum\b")
def mse_sum(y_hat, y):
    return float(np.sum((y_hat - y) ** 2))


@bug("mse_loss", "square of the mean error instead of mean of the squares", r"square", r"mean of")
def mse_square_of_mean(y_hat, y):
    return float(np.mean(y_hat - y) ** 2)


@bug("mse_loss", "an extra 1/2 (the 'convenient' form)", r"1/2", r"half", r"factor")
def mse_half(y_hat, y):
    return float(np.sum((y_hat - y) ** 2) / (2 * y.shape[0]))


@bug("mse_loss", "mean over axis 0: an array, not a float", r"float", r"scalar", r"shape")
def mse_array(y_hat, y):
    return np.mean((y_hat - y) ** 2, axis=0)


@bug("mse_loss", "mean absolute error", r"absolute", r"MAE", r"square")
def mse_mae(y_hat, y):
    return float(np.mean(np.abs(y_hat - y)))


@bug("mse_loss", "root mean squared error", r"root|sqrt|RMSE")
def mse_rmse(y_hat, y):
    return float(np.sqrt(np.mean((y_hat - y) ** 2)))


@bug("mse_loss", "divides by the number of rows, not of entries", r"entries", r"size", r"rows", r"\bn\b")
def mse_rows(y_hat, y):
    return float(np.sum((y_hat - y) ** 2) / y.shape[0])


@valid("mse_loss", "dot product of the flattened error")
def mse_dot(y_hat, y):
    d = (y_hat - y).ravel()
    return float(d @ d / d.size)


@valid("mse_loss", "a Python loop over the entries")
def mse_loop(y_hat, y):
    total = 0.0
    for a, b in zip(np.ravel(y_hat), np.ravel(y)):
        total += (a - b) ** 2
    return total / np.size(y)


# ---------------------------------------------------------------- mse_grad


@bug("mse_grad", "forgot the factor 2", r"factor", r"\b2\b")
def mseg_no_two(y_hat, y):
    return (y_hat - y) / y.size


@bug("mse_grad", "forgot the 1/n", r"1/n", r"mean", r"factor")
def mseg_no_n(y_hat, y):
    return 2 * (y_hat - y)


@bug("mse_grad", "sign: 2 (y - y_hat) / n", r"\bsigns?\b")
def mseg_sign(y_hat, y):
    return 2 * (y - y_hat) / y.size


@bug("mse_grad", "divides by the number of rows", r"entries", r"size", r"rows", r"\bn\b")
def mseg_rows(y_hat, y):
    return 2 * (y_hat - y) / len(y)


@bug("mse_grad", "averages the gradient to a scalar", r"shape", r"scalar")
def mseg_scalar(y_hat, y):
    return np.mean(2 * (y_hat - y))


@bug(
    "mse_grad",
    "2/n written as 2 / y.size * ... but with y.size ** 2 from a copy-paste of the loss",
    r"1/n",
    r"factor",
    r"\bn\b",
)
def mseg_n_squared(y_hat, y):
    n = y.size
    return 2 * (y_hat - y) / n / n


@valid("mse_grad", "np.subtract and a multiplier computed first")
def mseg_valid(y_hat, y):
    k = 2.0 / np.size(y_hat)
    return k * np.subtract(y_hat, y)


# ---------------------------------------------------------------- binary_cross_entropy


@bug("binary_cross_entropy", "no clipping: log(0) gives inf/nan", r"clip", r"log\(0\)")
def bce_no_clip(p, y):
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@bug("binary_cross_entropy", "forgot the minus sign", r"\bsigns?\b", r"minus", r"negative")
def bce_no_minus(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@bug("binary_cross_entropy", "sum instead of mean", r"mean", r"1/m", r"\bsum\b")
def bce_sum(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


@bug("binary_cross_entropy", "log(p) in both terms (forgot 1 - p)", r"1 ?- ?p")
def bce_log_p_twice(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(p)))


@bug("binary_cross_entropy", "returns a (1,) array (mean over axis 0)", r"float", r"scalar", r"shape")
def bce_array(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=0)


@bug("binary_cross_entropy", "clips p in place (out=p)", r"modif", r"in.place")
def bce_clip_inplace(p, y):
    np.clip(p, 1e-12, 1 - 1e-12, out=p)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@bug("binary_cross_entropy", "log10 instead of the natural log", r"log10", r"natural", r"\bln\b")
def bce_log10(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p)))


@bug("binary_cross_entropy", "clips only from below: log(1 - p) = -inf at p = 1", r"clip", r"1 ?- ?p")
def bce_clip_low(p, y):
    p = np.maximum(p, 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@valid("binary_cross_entropy", "np.where on the label, clipped")
def bce_where(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.mean(np.where(y == 1, -np.log(p), -np.log(1 - p))))


@valid("binary_cross_entropy", "a loop that sums then divides by m")
def bce_loop(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    total = 0.0
    for pi, yi in zip(p.ravel(), y.ravel()):
        total -= yi * np.log(pi) + (1 - yi) * np.log1p(-pi)
    return float(total / p.shape[0])


# ---------------------------------------------------------------- binary_cross_entropy_grad


@bug("binary_cross_entropy_grad", "forgot the 1/m", r"1/m", r"mean", r"factor")
def bceg_no_m(p, y):
    return (p - y) / (p * (1 - p))


@bug("binary_cross_entropy_grad", "sign flipped: (y - p)", r"\bsigns?\b")
def bceg_sign(p, y):
    return (y - p) / (p * (1 - p)) / y.shape[0]


@bug(
    "binary_cross_entropy_grad",
    "(p - y)/m: the gradient with respect to the logit",
    r"logit",
    r"sigmoid",
    r"p ?\(1 ?- ?p\)|p\s*\*\s*\(1 ?- ?p\)",
)
def bceg_logit(p, y):
    return (p - y) / y.shape[0]


@bug(
    "binary_cross_entropy_grad",
    "sign of the second term: -y/p - (1-y)/(1-p)",
    r"\bsigns?\b",
    r"1 ?- ?p",
    r"second term",
)
def bceg_second_sign(p, y):
    return (-y / p - (1 - y) / (1 - p)) / y.shape[0]


@bug("binary_cross_entropy_grad", "precedence: (p - y) / p * (1 - p)", r"parenth", r"preced", r"p ?\(1 ?- ?p\)")
def bceg_precedence(p, y):
    return (p - y) / p * (1 - p) / y.shape[0]


@bug("binary_cross_entropy_grad", "m taken as p.shape[1] (= 1)", r"1/m", r"\bm\b", r"factor")
def bceg_wrong_m(p, y):
    return (p - y) / (p * (1 - p)) / p.shape[1]


@valid("binary_cross_entropy_grad", "the two-term form")
def bceg_two_terms(p, y):
    m = p.shape[0]
    return (-y / p + (1 - y) / (1 - p)) / m


# ---------------------------------------------------------------- two_layer_forward


def _cache(Z1, A1, Z2, A2):
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


@bug("two_layer_forward", "sigmoid in the hidden layer and tanh at the output", r"tanh", r"sigmoid", r"swap")
def tlf_swapped_acts(X, parameters):
    Z1 = X @ parameters["W1"] + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = A1 @ parameters["W2"] + parameters["b2"]
    A2 = np.tanh(Z2)
    return A2, _cache(Z1, A1, Z2, A2)


@bug("two_layer_forward", "ReLU in the hidden layer", r"tanh", r"relu")
def tlf_relu(X, parameters):
    Z1 = X @ parameters["W1"] + parameters["b1"]
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ parameters["W2"] + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, _cache(Z1, A1, Z2, A2)


@bug("two_layer_forward", "Z2 from Z1 instead of A1 (skipped the activation)", r"\bA1\b", r"\bZ1\b", r"activation")
def tlf_z1(X, parameters):
    Z1 = X @ parameters["W1"] + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = Z1 @ parameters["W2"] + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, _cache(Z1, A1, Z2, A2)


@bug("two_layer_forward", "caches Z1 under 'A1'", r"\bA1\b", r"cache")
def tlf_cache_a1(X, parameters):
    Z1 = X @ parameters["W1"] + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ parameters["W2"] + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, _cache(Z1, Z1, Z2, A2)


@bug("two_layer_forward", "forgot b2", r"\bb2\b", r"bias")
def tlf_no_b2(X, parameters):
    Z1 = X @ parameters["W1"] + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ parameters["W2"]
    A2 = sigmoid(Z2)
    return A2, _cache(Z1, A1, Z2, A2)


@bug("two_layer_forward", "returns (cache, A2)", r"order")
def tlf_order(X, parameters):
    Z1 = X @ parameters["W1"] + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ parameters["W2"] + parameters["b2"]
    A2 = sigmoid(Z2)
    return _cache(Z1, A1, Z2, A2), A2


@bug("two_layer_forward", "X @ W1.T (weights thought of as (n_out, n_in))", r"transpos", r"shape")
def tlf_transpose(X, parameters):
    Z1 = X @ parameters["W1"].T + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ parameters["W2"] + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, _cache(Z1, A1, Z2, A2)


@bug("two_layer_forward", "lower-case cache keys", r"key", r"\bZ1\b")
def tlf_keys(X, parameters):
    Z1 = X @ parameters["W1"] + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ parameters["W2"] + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"z1": Z1, "a1": A1, "z2": Z2, "a2": A2}


@valid("two_layer_forward", "einsum and the sigmoid through tanh")
def tlf_einsum(X, parameters):
    Z1 = np.einsum("mi,ih->mh", X, parameters["W1"]) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.einsum("mh,ho->mo", A1, parameters["W2"]) + parameters["b2"]
    A2 = 0.5 * (1 + np.tanh(0.5 * Z2))
    cache = {}
    for k, v in (("A2", A2), ("Z2", Z2), ("A1", A1), ("Z1", Z1)):
        cache[k] = v
    return A2, cache


# ---------------------------------------------------------------- two_layer_backward


def _tlb(X, Y, parameters, cache, m=None, dz1=None, sign=1.0, keep=False, dz2_t=False, w2_t=True):
    m = X.shape[0] if m is None else m
    dZ2 = sign * (cache["A2"] - Y) / m
    dW2 = dZ2.T @ cache["A1"] if dz2_t else cache["A1"].T @ dZ2
    db2 = dZ2.sum(axis=0, keepdims=keep)
    dA1 = dZ2 @ (parameters["W2"].T if w2_t else parameters["W2"])
    dZ1 = dA1 * (1 - cache["A1"] ** 2) if dz1 is None else dA1 * dz1(cache)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0, keepdims=keep)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


@bug("two_layer_backward", "forgot the 1/m in dZ2", r"1/m", r"\bm\b", r"factor")
def tlb_no_m(X, Y, parameters, cache):
    return _tlb(X, Y, parameters, cache, m=1)


@bug("two_layer_backward", "tanh derivative from Z1 instead of A1: 1 - Z1**2", r"\bA1\b", r"\bZ1\b", r"tanh")
def tlb_z1(X, Y, parameters, cache):
    return _tlb(X, Y, parameters, cache, dz1=lambda c: 1 - c["Z1"] ** 2)


@bug("two_layer_backward", "biases' gradients with keepdims=True", r"shape", r"keepdims")
def tlb_keepdims(X, Y, parameters, cache):
    return _tlb(X, Y, parameters, cache, keep=True)


@bug("two_layer_backward", "(1 - A1)**2 instead of 1 - A1**2", r"square", r"1 ?- ?A1", r"tanh")
def tlb_paren(X, Y, parameters, cache):
    return _tlb(X, Y, parameters, cache, dz1=lambda c: (1 - c["A1"]) ** 2)


@bug("two_layer_backward", "sigmoid's derivative A1 (1 - A1) for the tanh layer", r"sigmoid", r"tanh")
def tlb_sigmoid_deriv(X, Y, parameters, cache):
    return _tlb(X, Y, parameters, cache, dz1=lambda c: c["A1"] * (1 - c["A1"]))


@bug("two_layer_backward", "dW2 = dZ2.T @ A1: transposed", r"transpos", r"shape")
def tlb_dw2_t(X, Y, parameters, cache):
    return _tlb(X, Y, parameters, cache, dz2_t=True)


@bug("two_layer_backward", "sign: dZ2 = (Y - A2)/m", r"\bsigns?\b")
def tlb_sign(X, Y, parameters, cache):
    return _tlb(X, Y, parameters, cache, sign=-1.0)


@bug("two_layer_backward", "dA1 = dZ2 @ W2 without the transpose", r"transpos", r"\bW2\b", r"shape")
def tlb_w2_no_t(X, Y, parameters, cache):
    return _tlb(X, Y, parameters, cache, w2_t=False)


@bug("two_layer_backward", "keys named like the parameters ('W1' instead of 'dW1')", r"key", r"\bdW1\b")
def tlb_keys(X, Y, parameters, cache):
    g = _tlb(X, Y, parameters, cache)
    return {k[1:]: v for k, v in g.items()}


@bug(
    "two_layer_backward",
    "m = X.shape[1] (features) instead of the number of samples",
    r"1/m",
    r"\bm\b",
    r"samples",
    r"factor",
)
def tlb_m_features(X, Y, parameters, cache):
    return _tlb(X, Y, parameters, cache, m=X.shape[1])


@valid("two_layer_backward", "per-sample loop accumulating the gradients")
def tlb_loop(X, Y, parameters, cache):
    m = X.shape[0]
    g = {
        "dW1": np.zeros_like(parameters["W1"]),
        "db1": np.zeros_like(parameters["b1"]),
        "dW2": np.zeros_like(parameters["W2"]),
        "db2": np.zeros_like(parameters["b2"]),
    }
    for r in range(m):
        a1 = cache["A1"][r]
        dz2 = (cache["A2"][r] - Y[r]) / m
        g["dW2"] += np.outer(a1, dz2)
        g["db2"] += dz2
        dz1 = (parameters["W2"] @ dz2) * (1 - a1 * a1)
        g["dW1"] += np.outer(X[r], dz1)
        g["db1"] += dz1
    return g


# ---------------------------------------------------------------- update_parameters_with_gd


@bug("update_parameters_with_gd", "+ instead of -: gradient ascent", r"\bsigns?\b", r"ascent")
def gd_plus(parameters, grads, learning_rate):
    return {k: v + learning_rate * grads["d" + k] for k, v in parameters.items()}


@bug("update_parameters_with_gd", "updates the given arrays in place with -=", r"modif", r"in.place")
def gd_inplace(parameters, grads, learning_rate):
    for k in parameters:
        parameters[k] -= learning_rate * grads["d" + k]
    return parameters


@bug("update_parameters_with_gd", "forgot the learning rate", r"learning.rate", r"\blr\b|η")
def gd_no_lr(parameters, grads, learning_rate):
    return {k: v - grads["d" + k] for k, v in parameters.items()}


@bug("update_parameters_with_gd", "looks the gradient up under the parameter's key", r"key", r"\bdW1\b|'d' ?\+")
def gd_keys(parameters, grads, learning_rate):
    return {k: v - learning_rate * grads[k] for k, v in parameters.items()}


@bug(
    "update_parameters_with_gd",
    "updates only the weights",
    r"bias",
    r"\bb1\b|\bb2\b",
    r"every parameter|all parameters",
)
def gd_weights_only(parameters, grads, learning_rate):
    return {k: (v - learning_rate * grads["d" + k] if k.startswith("W") else v) for k, v in parameters.items()}


@bug("update_parameters_with_gd", "shallow dict copy, then -= on the shared arrays", r"modif", r"in.place", r"copy")
def gd_shallow_copy(parameters, grads, learning_rate):
    new = parameters.copy()
    for k in new:
        new[k] -= learning_rate * grads["d" + k]
    return new


@valid("update_parameters_with_gd", "deep copy, then rebinding each entry")
def gd_copy(parameters, grads, learning_rate):
    import copy

    new = copy.deepcopy(parameters)
    for k in list(new):
        new[k] = new[k] - learning_rate * grads["d" + k]
    return new


# ---------------------------------------------------------------- training_step


def _fwd(X, p):
    Z1 = X @ p["W1"] + p["b1"]
    A1 = np.tanh(Z1)
    A2 = sigmoid(A1 @ p["W2"] + p["b2"])
    return A2, A1


def _bce(A2, Y):
    A2 = np.clip(A2, 1e-12, 1 - 1e-12)
    return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))


def _bwd(X, Y, p, A1, A2, m=None):
    m = X.shape[0] if m is None else m
    dZ2 = (A2 - Y) / m
    dZ1 = (dZ2 @ p["W2"].T) * (1 - A1**2)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0)}


@bug("training_step", "returns the loss after the update (ran the forward pass again)", r"before", r"after")
def ts_loss_after(X, Y, parameters, learning_rate):
    A2, A1 = _fwd(X, parameters)
    g = _bwd(X, Y, parameters, A1, A2)
    new = {k: v - learning_rate * g["d" + k] for k, v in parameters.items()}
    return new, _bce(_fwd(X, new)[0], Y)


@bug("training_step", "returns (loss, new_parameters)", r"order")
def ts_order(X, Y, parameters, learning_rate):
    A2, A1 = _fwd(X, parameters)
    g = _bwd(X, Y, parameters, A1, A2)
    return _bce(A2, Y), {k: v - learning_rate * g["d" + k] for k, v in parameters.items()}


@bug("training_step", "mean squared error as the loss", r"cross.entropy|BCE", r"MSE|squared")
def ts_mse(X, Y, parameters, learning_rate):
    A2, A1 = _fwd(X, parameters)
    g = _bwd(X, Y, parameters, A1, A2)
    return {k: v - learning_rate * g["d" + k] for k, v in parameters.items()}, float(np.mean((A2 - Y) ** 2))


@bug("training_step", "gradient ascent (+ in the update)", r"\bsigns?\b", r"ascent")
def ts_plus(X, Y, parameters, learning_rate):
    A2, A1 = _fwd(X, parameters)
    g = _bwd(X, Y, parameters, A1, A2)
    return {k: v + learning_rate * g["d" + k] for k, v in parameters.items()}, _bce(A2, Y)


@bug("training_step", "backward pass without the 1/m", r"1/m", r"\bm\b", r"factor")
def ts_no_m(X, Y, parameters, learning_rate):
    A2, A1 = _fwd(X, parameters)
    g = _bwd(X, Y, parameters, A1, A2, m=1)
    return {k: v - learning_rate * g["d" + k] for k, v in parameters.items()}, _bce(A2, Y)


@bug("training_step", "updates the parameter arrays in place", r"modif", r"in.place")
def ts_inplace(X, Y, parameters, learning_rate):
    A2, A1 = _fwd(X, parameters)
    g = _bwd(X, Y, parameters, A1, A2)
    for k in parameters:
        parameters[k] -= learning_rate * g["d" + k]
    return parameters, _bce(A2, Y)


@bug("training_step", "loss returned as a 0-d/1-element array", r"float", r"scalar", r"shape")
def ts_loss_array(X, Y, parameters, learning_rate):
    A2, A1 = _fwd(X, parameters)
    g = _bwd(X, Y, parameters, A1, A2)
    A2c = np.clip(A2, 1e-12, 1 - 1e-12)
    loss = -np.mean(Y * np.log(A2c) + (1 - Y) * np.log(1 - A2c), axis=0)
    return {k: v - learning_rate * g["d" + k] for k, v in parameters.items()}, loss


@bug("training_step", "hard-coded learning rate 0.1", r"learning.rate", r"\blr\b|η")
def ts_fixed_lr(X, Y, parameters, learning_rate):
    A2, A1 = _fwd(X, parameters)
    g = _bwd(X, Y, parameters, A1, A2)
    return {k: v - 0.1 * g["d" + k] for k, v in parameters.items()}, _bce(A2, Y)


@valid("training_step", "everything inline, loss via np.where, sigmoid through tanh")
def ts_inline(X, Y, parameters, learning_rate):
    p = parameters
    m = X.shape[0]
    A1 = np.tanh(X @ p["W1"] + p["b1"])
    A2 = 0.5 * (1.0 + np.tanh(0.5 * (A1 @ p["W2"] + p["b2"])))
    A2c = np.clip(A2, 1e-12, 1 - 1e-12)
    loss = float(np.mean(np.where(Y == 1, -np.log(A2c), -np.log(1 - A2c))))
    dZ2 = (A2 - Y) / m
    dZ1 = dZ2 @ p["W2"].T * (1 - A1 * A1)
    grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(0), "W2": A1.T @ dZ2, "b2": dZ2.sum(0)}
    return {k: p[k] - learning_rate * grads[k] for k in p}, loss
