"""More known mistakes, written as the natural buggy code a learner types.

Found by measuring the grader on a set of realistic learner implementations
(`tools/learner_bugs/`, `python tools/learner_bugs_run.py`): each entry below is a mistake whose
report named nothing before. `exercise(...)` in `_util` appends `NATURAL[name]` to the
exercise's own catalogue, so a chapter module stays the place for its exercise's cases.
"""

import numpy as np


def _sig(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _clip01(p):
    return np.clip(p, 1e-12, 1 - 1e-12)


def _softmax_global_max(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=1, keepdims=True)


def _bce(p, y, log=np.log, second=lambda q: 1 - q):
    q = _clip01(p)
    return float(-np.mean(y * log(q) + (1 - y) * log(second(q))))


def _bn_swapped(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    mean, var = (X.mean(axis=0), X.var(axis=0)) if mode == "train" else (running_mean, running_var)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (X - mean) * inv_std
    return beta * x_hat + gamma, {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}


def _xavier_no_sqrt(n_in, n_out, rng):
    a = 6.0 / (n_in + n_out)
    return rng.uniform(-a, a, size=(n_in, n_out))


def _clip_always(grads, max_norm):
    n = float(np.sqrt(sum(np.sum(v**2) for v in grads.values())))
    return {k: v * (max_norm / n if n > 0 else 1.0) for k, v in grads.items()}, n


# -- chapter 3 ----------------------------------------------------------------------------------


def _two_layer(X, p, hidden=np.tanh, out=_sig, from_z1=False, b2=True):
    Z1 = X @ p["W1"] + p["b1"]
    A1 = hidden(Z1)
    Z2 = (Z1 if from_z1 else A1) @ p["W2"] + (p["b2"] if b2 else 0)
    A2 = out(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def _two_layer_bwd(X, Y, p, c, m=None, dtanh=lambda A1: 1 - A1**2):
    m = X.shape[0] if m is None else m
    dZ2 = (c["A2"] - Y) / m
    dZ1 = (dZ2 @ p["W2"].T) * dtanh(c["A1"])
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": c["A1"].T @ dZ2, "db2": dZ2.sum(axis=0)}


def _step(X, Y, p, lr, loss="bce", m=None):
    A2, c = _two_layer(X, p)
    g = _two_layer_bwd(X, Y, p, c, m=m)
    if loss == "bce":
        value = float(-np.mean(Y * np.log(_clip01(A2)) + (1 - Y) * np.log(1 - _clip01(A2))))
    else:
        value = float(np.mean((A2 - Y) ** 2))
    return {k: v - lr * g["d" + k] for k, v in p.items()}, value


# -- chapter 4 ----------------------------------------------------------------------------------


def _adam(
    parameters,
    grads,
    m1,
    m2,
    t,
    learning_rate=0.001,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    c1=None,
    c2=None,
    decay=None,
):
    c1 = 1 - beta1**t if c1 is None else c1
    c2 = 1 - beta2**t if c2 is None else c2
    new_p, new_1, new_2 = {}, {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        if decay is not None and k.startswith("W"):
            W = decay(W)
        new_1[dk] = beta1 * m1[dk] + (1 - beta1) * grads[dk]
        new_2[dk] = beta2 * m2[dk] + (1 - beta2) * grads[dk] ** 2
        new_p[k] = W - learning_rate * (new_1[dk] / c1) / (np.sqrt(new_2[dk] / c2) + epsilon)
    return new_p, new_1, new_2


def _adam_times_t(parameters, grads, m1, m2, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, m1, m2, t, learning_rate, beta1, beta2, epsilon, c1=1 - beta1 * t, c2=1 - beta2 * t)


def _adam_corrections_swapped(parameters, grads, m1, m2, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, m1, m2, t, learning_rate, beta1, beta2, epsilon, c1=1 - beta2**t, c2=1 - beta1**t)


def _adamw(decay_of):
    def adamw(
        parameters, grads, m1, m2, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
    ):
        return _adam(
            parameters,
            grads,
            m1,
            m2,
            t,
            learning_rate,
            beta1,
            beta2,
            epsilon,
            decay=lambda W: decay_of(W, learning_rate, weight_decay),
        )

    return adamw


def _rms_eps_added(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    new_p, new_s = {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        new_s[dk] = beta * s[dk] + (1 - beta) * grads[dk] ** 2
        new_p[k] = W - learning_rate * grads[dk] / np.sqrt(new_s[dk]) + epsilon
    return new_p, new_s


# -- chapter 5 ----------------------------------------------------------------------------------


def _weights(p):
    return [W for k, W in p.items() if k.startswith("W")]


def _bn_bwd(dout, cache, sign=-1.0, m=None, dgamma_xhat=True):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    m = dout.shape[0] if m is None else m
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0) if dgamma_xhat else dout.sum(axis=0)
    return gamma * inv_std / m * (m * dout - dbeta + sign * x_hat * dgamma), dgamma, dbeta


# -- chapter 6 ----------------------------------------------------------------------------------


def _res_bwd(dY, X, W1, b1, W2, b2, mask_no_bias=False, dw2_from_z1=False):
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    dZ1 = (dY @ W2.T) * ((X @ W1 > 0) if mask_no_bias else (Z1 > 0))
    return dY + dZ1 @ W1.T, X.T @ dZ1, dZ1.sum(axis=0), (Z1 if dw2_from_z1 else A1).T @ dY, dY.sum(axis=0)


# -- chapter 7 ----------------------------------------------------------------------------------


def _clip_with_norm(norm_of):
    def clip(grads, max_norm):
        n = float(norm_of(grads))
        f = min(1.0, max_norm / n) if n > 0 else 1.0
        return {k: g * f for k, g in grads.items()}, n

    return clip


# -- chapter 8 ----------------------------------------------------------------------------------


def _rnn_short_loop(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((batch, T, params["Wh"].shape[0]))
    h = h0
    for t in range(T - 1):
        h = np.tanh(x[:, t] @ params["Wx"] + h @ params["Wh"] + params["b"])
        out[:, t] = h
    return out, h


def _bptt(dout, x, h0, params, out, deriv=lambda h, hp: 1 - h**2, add_after=False):
    g = {
        "dx": np.zeros_like(x),
        "dWx": np.zeros_like(params["Wx"]),
        "dWh": np.zeros_like(params["Wh"]),
        "db": np.zeros_like(params["b"]),
    }
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_t = out[:, t]
        h_prev = out[:, t - 1] if t > 0 else h0
        if add_after:
            da = dout[:, t] * deriv(h_t, h_prev) + dh_next
        else:
            da = (dout[:, t] + dh_next) * deriv(h_t, h_prev)
        g["dx"][:, t] = da @ params["Wx"].T
        g["dWx"] += x[:, t].T @ da
        g["dWh"] += h_prev.T @ da
        g["db"] += da.sum(axis=0)
        dh_next = da @ params["Wh"].T
    g["dh0"] = dh_next
    return g


def _lstm_bwd(dh_t, dc_t, cache, do_from_dc=False, tanh_sq=True, f_from_c_t=False):
    i, f, g, o, c_t = cache["i"], cache["f"], cache["g"], cache["o"], cache["c_t"]
    p = cache["params"]
    tc = np.tanh(c_t)
    dc = dc_t + dh_t * o * ((1 - tc**2) if tanh_sq else (1 - tc))
    da = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * (c_t if f_from_c_t else cache["c_prev"]) * f * (1 - f),
            dc * i * (1 - g**2),
            (dc if do_from_dc else dh_t) * tc * o * (1 - o),
        ],
        axis=1,
    )
    return {
        "dx": da @ p["Wx"].T,
        "dh_prev": da @ p["Wh"].T,
        "dc_prev": dc * f,
        "dWx": cache["x_t"].T @ da,
        "dWh": cache["h_prev"].T @ da,
        "db": da.sum(axis=0),
    }


NATURAL = {
    "sigmoid_derivative": [
        (
            "SIGMOID_DERIV_ONE_MINUS_Z",
            ("s(1 - s) uses s = sigmoid(z) twice: sigmoid(z) * (1 - sigmoid(z)), not sigmoid(z) * (1 - z)"),
            lambda z: _sig(z) * (1 - z),
        ),
        (
            "SIGMOID_DERIV_TANH_PATTERN",
            "1 - s**2 is the pattern of tanh's derivative; the sigmoid's is s * (1 - s)",
            lambda z: 1 - _sig(z) ** 2,
        ),
    ],
    "tanh_derivative": [
        (
            "TANH_DERIV_SQUARE_INSIDE",
            "square tanh(z), not z: 1 - np.tanh(z)**2, not 1 - np.tanh(z**2)",
            lambda z: 1 - np.tanh(z**2),
        ),
        (
            "TANH_DERIV_SIGMOID_PATTERN",
            "t * (1 - t) is the sigmoid's pattern; tanh's derivative is 1 - t**2",
            lambda z: np.tanh(z) * (1 - np.tanh(z)),
        ),
    ],
    "relu": [
        (
            "RELU_CAPPED",
            "ReLU has no upper bound: np.clip(z, 0, 1) caps it at 1; use np.maximum(z, 0)",
            lambda z: np.clip(z, 0, 1),
        ),
        (
            "RELU_LEAKY",
            "np.maximum(z, 0.01 * z) is a leaky ReLU (slope 0.01 below 0); ReLU is exactly 0 for z <= 0",
            lambda z: np.maximum(z, 0.01 * z),
        ),
    ],
    "relu_derivative": [
        (
            "RELU_DERIV_NP_SIGN",
            "np.sign(z) is -1 for negative z; the derivative is 0 there: (z > 0).astype(z.dtype)",
            lambda z: np.sign(z),
        )
    ],
    "leaky_relu": [
        (
            "LEAKY_DEFAULT_ALPHA",
            "the default slope is alpha=0.01 (as in the stub's signature), not 0.1",
            lambda z, alpha=0.1: np.where(z > 0, z, alpha * z),
        )
    ],
    "leaky_relu_derivative": [
        (
            "LEAKY_DERIV_ALPHA_TIMES_Z",
            ("the slope on the negative side is alpha itself, not alpha * z (that is the function)"),
            lambda z, alpha=0.01: np.where(z > 0, 1.0, alpha * z),
        ),
        (
            "LEAKY_DERIV_BRANCHES_SWAPPED",
            "1 for z > 0 and alpha for z <= 0: the branches of np.where are swapped",
            lambda z, alpha=0.01: np.where(z > 0, alpha, 1.0),
        ),
        (
            "LEAKY_DERIV_DEFAULT_ALPHA",
            "the default slope is alpha=0.01 (as in the stub's signature), not 0.1",
            lambda z, alpha=0.1: np.where(z > 0, 1.0, alpha),
        ),
    ],
    "softmax": [
        (
            "SOFTMAX_GLOBAL_MAX",
            (
                "shift each row by its OWN maximum (z.max(axis=1, keepdims=True)): with one maximum "
                "for the whole array, a row far below it gives exp(-1000) = 0 everywhere and 0 / 0"
            ),
            _softmax_global_max,
        )
    ],
    "mse_loss": [
        (
            "MSE_SQUARE_OF_MEAN",
            ("square each error first, then average: np.mean((y_hat - y)**2), not np.mean(y_hat - y)**2"),
            lambda y_hat, y: float(np.mean(y_hat - y) ** 2),
        ),
        (
            "MSE_ABSOLUTE",
            "np.abs gives the mean ABSOLUTE error; the mean squared error squares the errors",
            lambda y_hat, y: float(np.mean(np.abs(y_hat - y))),
        ),
    ],
    "binary_cross_entropy": [
        (
            "BCE_LOG_P_TWICE",
            "the second term is (1 - y) * log(1 - p): the probability of the other class",
            lambda p, y: _bce(p, y, second=lambda q: q),
        ),
        (
            "BCE_LOG10",
            "np.log is the natural log; np.log10 scales the loss by 1 / ln(10) = 0.434",
            lambda p, y: _bce(p, y, log=np.log10),
        ),
    ],
    "binary_cross_entropy_grad": [
        (
            "BCE_GRAD_SECOND_TERM_SIGN",
            ("d/dp of -(1 - y) log(1 - p) is +(1 - y) / (1 - p): the second term's sign is +"),
            lambda p, y: (-y / p - (1 - y) / (1 - p)) / y.shape[0],
        ),
        (
            "BCE_GRAD_PRECEDENCE",
            ("a / b * c is (a / b) * c: put the whole denominator in parentheses, (p - y) / (p * (1 - p))"),
            lambda p, y: (p - y) / p * (1 - p) / y.shape[0],
        ),
    ],
    "two_layer_forward": [
        (
            "TWO_LAYER_ACTIVATIONS_SWAPPED",
            (
                "tanh belongs to the hidden layer and the sigmoid to the output "
                "(a probability): yours are the other way round"
            ),
            lambda X, p: _two_layer(X, p, hidden=_sig, out=np.tanh),
        ),
        (
            "TWO_LAYER_RELU_HIDDEN",
            "the hidden layer of this network uses tanh, not ReLU",
            lambda X, p: _two_layer(X, p, hidden=lambda z: np.maximum(z, 0)),
        ),
        (
            "TWO_LAYER_Z1_FORWARDED",
            "the second layer reads the ACTIVATION: Z2 = A1 @ W2 + b2, not Z1 @ W2 + b2",
            lambda X, p: _two_layer(X, p, from_z1=True),
        ),
        ("TWO_LAYER_NO_B2", "add the output bias: Z2 = A1 @ W2 + b2", lambda X, p: _two_layer(X, p, b2=False)),
    ],
    "two_layer_backward": [
        (
            "TWO_LAYER_TANH_DERIV_PARENS",
            "tanh' = 1 - A1**2 (square A1, then subtract), not (1 - A1)**2",
            lambda X, Y, p, c: _two_layer_bwd(X, Y, p, c, dtanh=lambda A1: (1 - A1) ** 2),
        ),
        (
            "TWO_LAYER_TANH_AS_SIGMOID",
            ("A1 * (1 - A1) is the sigmoid's derivative; the hidden layer is tanh: 1 - A1**2"),
            lambda X, Y, p, c: _two_layer_bwd(X, Y, p, c, dtanh=lambda A1: A1 * (1 - A1)),
        ),
        (
            "TWO_LAYER_M_IS_FEATURES",
            "m is the number of SAMPLES, X.shape[0] (rows), not X.shape[1]",
            lambda X, Y, p, c: _two_layer_bwd(X, Y, p, c, m=X.shape[1]),
        ),
    ],
    "training_step": [
        (
            "STEP_MSE_LOSS",
            ("the loss of this network is the binary cross-entropy of A2 against Y, not the mean squared error"),
            lambda X, Y, p, lr: _step(X, Y, p, lr, loss="mse"),
        ),
        (
            "STEP_NO_MEAN",
            "the gradients of a MEAN loss carry 1/m: dZ2 = (A2 - Y) / m",
            lambda X, Y, p, lr: _step(X, Y, p, lr, m=1),
        ),
    ],
    "rmsprop": [
        (
            "RMS_EPS_ADDED_TO_STEP",
            ("dW / np.sqrt(s) + eps adds eps to the result, outside the division: dW / (np.sqrt(s) + eps)"),
            _rms_eps_added,
        )
    ],
    "adam": [
        ("ADAM_BIAS_TIMES_T", "the correction uses a power: 1 - beta1**t, not 1 - beta1 * t", _adam_times_t),
        (
            "ADAM_CORRECTIONS_SWAPPED",
            ("v_hat divides by 1 - beta1**t and s_hat by 1 - beta2**t: your bias corrections are swapped"),
            _adam_corrections_swapped,
        ),
    ],
    "adamw": [
        (
            "ADAMW_DECAY_SIGN",
            "decay SHRINKS the weights: W * (1 - lr * weight_decay), not (1 + ...)",
            _adamw(lambda W, lr, wd: W * (1 + lr * wd)),
        ),
        (
            "ADAMW_DECAY_NOT_PROPORTIONAL",
            ("the decay is proportional to W: W * (1 - lr * wd) = W - lr * wd * W, not W - lr * wd"),
            _adamw(lambda W, lr, wd: W - lr * wd),
        ),
    ],
    "dropout_backward": [
        (
            "DROPOUT_BWD_DIVIDES",
            "multiply by the scale, as the forward pass did: dout * mask * scale",
            lambda dout, c: dout * c[0] / c[1],
        )
    ],
    "l2_penalty": [
        (
            "L2_NORM_NOT_SQUARED",
            ("np.linalg.norm(W) is the square ROOT of the sum of squares: square it, or use np.sum(W**2)"),
            lambda p, lam: float(lam / 2 * sum(np.linalg.norm(W) for W in _weights(p))),
        ),
        (
            "L2_ABS_HALF",
            "the sum of |W| is the L1 penalty; L2 sums the SQUARES: lam / 2 * sum(W**2)",
            lambda p, lam: float(lam / 2 * sum(np.sum(np.abs(W)) for W in _weights(p))),
        ),
        (
            "L2_FIRST_LAYER_ONLY",
            "sum over EVERY weight matrix (W1, W2, ... all keys starting with 'W')",
            lambda p, lam: float(lam / 2 * np.sum(p["W1"] ** 2)),
        ),
        (
            "L2_SQUARE_OF_SUM",
            "square each entry, then sum: np.sum(W**2), not np.sum(W)**2",
            lambda p, lam: float(lam / 2 * sum(np.sum(W) ** 2 for W in _weights(p))),
        ),
    ],
    "l2_penalty_grad": [
        (
            "L2_GRAD_SQUARED",
            "the derivative of lam / 2 * W**2 is lam * W (no square)",
            lambda p, lam: {"d" + k: (lam * v**2 if k.startswith("W") else np.zeros_like(v)) for k, v in p.items()},
        )
    ],
    "batchnorm_forward": [("BN_GAMMA_BETA_SWAPPED", "gamma SCALES and beta SHIFTS: gamma * x_hat + beta", _bn_swapped)],
    "batchnorm_backward": [
        (
            "BN_BWD_SIGN_XHAT_TERM",
            "the x_hat term is SUBTRACTED: m * dout - sum(dout) - x_hat * sum(dout * x_hat)",
            lambda dout, c: _bn_bwd(dout, c, sign=1.0),
        ),
        (
            "BN_BWD_M_IS_FEATURES",
            "m is the number of ROWS (samples), dout.shape[0], not dout.shape[1]",
            lambda dout, c: _bn_bwd(dout, c, m=dout.shape[1]),
        ),
        (
            "BN_BWD_DGAMMA_NO_XHAT",
            ("gamma multiplies x_hat, so dgamma = sum over the batch of dout * x_hat (and dX uses that dgamma)"),
            lambda dout, c: _bn_bwd(dout, c, dgamma_xhat=False),
        ),
    ],
    "xavier_uniform": [
        ("XAVIER_BOUND_NO_SQRT", "the bound is the square ROOT: a = sqrt(6 / (n_in + n_out))", _xavier_no_sqrt)
    ],
    "xavier_normal": [
        (
            "XAVIER_N_USES_HE",
            "Xavier averages both fans, variance 2 / (n_in + n_out); 2 / n_in is He's",
            lambda n_in, n_out, rng: rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out)),
        ),
        (
            "XAVIER_N_SQRT_OF_NUMERATOR",
            ("take the root of the whole fraction: np.sqrt(2 / (n_in + n_out)), not np.sqrt(2) / (n_in + n_out)"),
            lambda n_in, n_out, rng: rng.normal(0.0, np.sqrt(2.0) / (n_in + n_out), size=(n_in, n_out)),
        ),
    ],
    "residual_block_forward": [
        (
            "RES_NO_B2",
            "F's second layer has a bias too: relu(X @ W1 + b1) @ W2 + b2",
            lambda X, W1, b1, W2, b2: X + np.maximum(X @ W1 + b1, 0) @ W2,
        ),
        (
            "RES_TANH",
            "the hidden activation of this block is ReLU, np.maximum(Z1, 0), not tanh",
            lambda X, W1, b1, W2, b2: X + np.tanh(X @ W1 + b1) @ W2 + b2,
        ),
        (
            "RES_NP_MAX",
            "np.max(Z1, 0) is a reduction along axis 0; ReLU is the element-wise np.maximum(Z1, 0)",
            lambda X, W1, b1, W2, b2: X + np.max(X @ W1 + b1, 0) @ W2 + b2,
        ),
    ],
    "residual_block_backward": [
        (
            "RES_BWD_MASK_WITHOUT_B1",
            "the ReLU mask is Z1 > 0 with Z1 = X @ W1 + b1: the bias b1 is part of Z1",
            lambda dY, X, W1, b1, W2, b2: _res_bwd(dY, X, W1, b1, W2, b2, mask_no_bias=True),
        ),
        (
            "RES_BWD_DW2_FROM_Z1",
            "W2 multiplies the ACTIVATION A1 = relu(Z1): dW2 = A1.T @ dY, not Z1.T @ dY",
            lambda dY, X, W1, b1, W2, b2: _res_bwd(dY, X, W1, b1, W2, b2, dw2_from_z1=True),
        ),
    ],
    "clip_grad_norm": [
        (
            "CLIP_L1_NORM",
            "the norm is the Euclidean (L2) one: sqrt of the sum of SQUARES, not the sum of |g|",
            _clip_with_norm(lambda g: sum(np.sum(np.abs(v)) for v in g.values())),
        ),
        (
            "CLIP_SUM_OF_NORMS",
            "the global norm is sqrt(sum of all squares), not the sum of the per-gradient norms",
            _clip_with_norm(lambda g: sum(np.linalg.norm(v) for v in g.values())),
        ),
        (
            "CLIP_ALWAYS_RESCALES",
            (
                "only rescale when the norm exceeds max_norm: factor min(1, max_norm / norm); "
                "smaller gradients pass unchanged"
            ),
            _clip_always,
        ),
    ],
    "clip_grad_value": [
        (
            "CLIPVAL_SIGN_TIMES_C",
            ("only entries beyond ±clip_value change; np.sign(g) * c replaces every entry: np.clip(g, -c, c)"),
            lambda g, c: {k: np.sign(v) * c for k, v in g.items()},
        )
    ],
    "rnn_cell_forward": [
        (
            "RNN_CELL_TANH_OF_INPUT_ONLY",
            "tanh wraps the whole sum: tanh(x_t @ Wx + h_prev @ Wh + b)",
            lambda x, h, p: np.tanh(x @ p["Wx"]) + h @ p["Wh"] + p["b"],
        ),
        (
            "RNN_CELL_RELU",
            "the vanilla RNN cell uses tanh, not ReLU",
            lambda x, h, p: np.maximum(x @ p["Wx"] + h @ p["Wh"] + p["b"], 0),
        ),
    ],
    "rnn_forward": [
        (
            "RNN_LOOP_MISSES_LAST_STEP",
            (
                "the loop covers every step, range(seq_len): with range(seq_len - 1) the last "
                "step is never computed (out[:, -1] stays 0)"
            ),
            _rnn_short_loop,
        )
    ],
    "rnn_backward": [
        (
            "BPTT_TANH_DERIV_NO_SQUARE",
            "tanh' at step t is 1 - h_t**2 (squared), not 1 - h_t",
            lambda *a: _bptt(*a, deriv=lambda h, hp: 1 - h),
        ),
        (
            "BPTT_TANH_DERIV_AT_H_PREV",
            ("the tanh at step t produced h_t: its derivative is 1 - h_t**2, not 1 - h_prev**2"),
            lambda *a: _bptt(*a, deriv=lambda h, hp: 1 - hp**2),
        ),
        (
            "BPTT_DH_NEXT_SKIPS_TANH",
            ("add dh_next to dout[:, t] BEFORE multiplying by tanh': da = (dout[:, t] + dh_next) * (1 - h_t**2)"),
            lambda *a: _bptt(*a, add_after=True),
        ),
    ],
    "lstm_cell_backward": [
        (
            "LSTM_BWD_DO_FROM_DC",
            "the output gate only acts through h_t = o * tanh(c_t): da_o uses dh_t, not dc",
            lambda dh, dc, c: _lstm_bwd(dh, dc, c, do_from_dc=True),
        ),
        (
            "LSTM_BWD_TANH_NO_SQUARE",
            "tanh'(c_t) = 1 - tanh(c_t)**2 (squared), not 1 - tanh(c_t)",
            lambda dh, dc, c: _lstm_bwd(dh, dc, c, tanh_sq=False),
        ),
        (
            "LSTM_BWD_DF_USES_C_T",
            "the forget gate multiplies c_prev: da_f = dc * c_prev * f * (1 - f), not c_t",
            lambda dh, dc, c: _lstm_bwd(dh, dc, c, f_from_c_t=True),
        ),
    ],
}
