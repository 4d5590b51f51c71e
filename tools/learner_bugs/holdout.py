"""Held-out learner bugs: written after the grader was improved from the chapter modules, and
never used to change it. Other code for the same kinds of mistakes, and some new ones."""

import numpy as np

from dlfund.activations import sigmoid

from . import bug, valid


@bug(
    "sigmoid",
    "np.where over both formulas: both are evaluated, so exp overflows anyway",
    r"overflow",
    r"np\.where|both branches",
)
def h_sigmoid_where(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


@bug("tanh_derivative", "1 - 2 tanh(z): differentiated t**2 as 2t", r"square", r"tanh\(z\)\s*\*\*\s*2|tanh²")
def h_tanhd_two_t(z):
    return 1 - 2 * np.tanh(z)


@bug("relu", "np.where(z < 0, 0, z).astype(np.float32)", r"dtype", r"float32")
def h_relu_f32(z):
    return np.where(z < 0, 0, z).astype(np.float32)


@bug("relu_derivative", "(z > 0) * 1: integers", r"int", r"dtype")
def h_relud_times_one(z):
    return (z > 0) * 1


@bug("leaky_relu", "np.where(z >= 0, z, z * 0.01): alpha ignored", r"alpha|α")
def h_leaky_fixed(z, alpha=0.01):
    return np.where(z >= 0, z, z * 0.01)


@bug("softmax", "shift per row but normalise over axis 0", r"axis", r"column")
def h_softmax_mixed_axes(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@bug("dense_forward", "Z = A_prev.dot(W) - b", r"bias", r"\bsigns?\b|\+ ?b")
def h_dense_minus_b(A_prev, W, b):
    return A_prev.dot(W) - b, (A_prev, W)


@bug("dense_backward", "db = np.sum(dZ, axis=0) / dZ.shape[0]", r"1/m", r"mean", r"\bsum\b")
def h_denseb_db_over_m(dZ, cache):
    A_prev, W = cache
    return np.dot(dZ, W.T), np.dot(A_prev.T, dZ), np.sum(dZ, axis=0) / dZ.shape[0]


@bug("mse_loss", "mean over axis 1 then sum over the rows", r"mean", r"1/n", r"\bsum\b", r"entries")
def h_mse_rowsum(y_hat, y):
    return float(((y_hat - y) ** 2).mean(axis=1).sum())


@bug("binary_cross_entropy", "no clipping, sum divided by len(p)", r"clip", r"log\(0\)")
def h_bce_noclip(p, y):
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / len(p))


@bug("binary_cross_entropy_grad", "two-term form without the 1/m", r"1/m", r"mean")
def h_bceg_no_m(p, y):
    return -(y / p) + (1 - y) / (1 - p)


@bug("two_layer_forward", "bias b1 added after the tanh", r"\bb1\b|bias", r"inside|before")
def h_tlf_bias_after_tanh(X, parameters):
    Z1 = X @ parameters["W1"]
    A1 = np.tanh(Z1) + parameters["b1"]
    Z2 = A1 @ parameters["W2"] + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


@bug("two_layer_backward", "dW1 divided by m once more", r"1/m", r"factor", r"\bm\b")
def h_tlb_dw1_over_m(X, Y, parameters, cache):
    m = X.shape[0]
    dZ2 = (cache["A2"] - Y) / m
    dZ1 = dZ2 @ parameters["W2"].T * (1 - cache["A1"] ** 2)
    return {"dW1": X.T @ dZ1 / m, "db1": dZ1.sum(0), "dW2": cache["A1"].T @ dZ2, "db2": dZ2.sum(0)}


@bug("update_parameters_with_gd", "iterates over the gradient keys: returns 'dW1', ...", r"key", r"\bdW1\b|\bW1\b")
def h_gd_grad_keys(parameters, grads, learning_rate):
    return {k: parameters[k[1:]] - learning_rate * g for k, g in grads.items()}


@bug(
    "momentum",
    "learning rate folded into the velocity: v = beta v + (1 - beta) lr dW, W -= v",
    r"velocity|\bv\b",
    r"learning.rate|\blr\b",
)
def h_mom_lr_in_v(parameters, grads, v, beta=0.9, learning_rate=0.01):
    new_v = {dk: beta * v[dk] + (1 - beta) * learning_rate * grads[dk] for dk in v}
    return {k: W - new_v["d" + k] for k, W in parameters.items()}, new_v


@bug("rmsprop", "average of |dW| instead of dW**2", r"square")
def h_rms_abs(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    new_s = {dk: beta * s[dk] + (1 - beta) * np.abs(grads[dk]) for dk in s}
    return {
        k: W - learning_rate * grads["d" + k] / (np.sqrt(new_s["d" + k]) + epsilon) for k, W in parameters.items()
    }, new_s


@bug("adam", "(1 - beta1) ** t instead of 1 - beta1 ** t", r"bias.correct", r"\*\*|power|β\^?t|beta\*\*t")
def h_adam_power_misplaced(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_p, new_v, new_s = {}, {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        new_v[dk] = beta1 * v[dk] + (1 - beta1) * grads[dk]
        new_s[dk] = beta2 * s[dk] + (1 - beta2) * grads[dk] ** 2
        new_p[k] = W - learning_rate * (new_v[dk] / (1 - beta1) ** t) / (
            np.sqrt(new_s[dk] / (1 - beta2) ** t) + epsilon
        )
    return new_p, new_v, new_s


@bug(
    "adam",
    "the paper's 'efficient' form: lr_t = lr sqrt(1 - b2^t)/(1 - b1^t), eps on the raw sqrt(s)",
    r"(eps|ε).{0,60}(s_hat|corrected|outside|inside)|bias.correct",
)
def h_adam_efficient(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    lr_t = learning_rate * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    new_v = {dk: beta1 * v[dk] + (1 - beta1) * g for dk, g in grads.items()}
    new_s = {dk: beta2 * s[dk] + (1 - beta2) * g * g for dk, g in grads.items()}
    return (
        {k: W - lr_t * new_v["d" + k] / (np.sqrt(new_s["d" + k]) + epsilon) for k, W in parameters.items()},
        new_v,
        new_s,
    )


@valid("adamw", "decay folded into the step: W - lr (step + wd W)")
def h_adamw_folded(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    new_p, new_v, new_s = {}, {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        new_v[dk] = beta1 * v[dk] + (1 - beta1) * grads[dk]
        new_s[dk] = beta2 * s[dk] + (1 - beta2) * grads[dk] ** 2
        step = new_v[dk] / (1 - beta1**t) / (np.sqrt(new_s[dk] / (1 - beta2**t)) + epsilon)
        new_p[k] = W - learning_rate * (step + (weight_decay * W if k.startswith("W") else 0))
    return new_p, new_v, new_s


@valid("dropout_forward", "an integer 0/1 mask from rng.binomial")
def h_dropout_binomial(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), (None, 1.0)
    mask = rng.binomial(1, 1.0 - p_drop, size=A.shape)
    scale = 1.0 / (1.0 - p_drop)
    return A * mask * scale, (mask, scale)


@bug("dropout_forward", "keeps with u > p_drop but scales by 1 / p_drop", r"scale", r"1 ?/ ?\(1 ?- ?p")
def h_dropout_scale_p(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), (None, 1.0)
    mask = (rng.random(A.shape) > p_drop).astype(A.dtype)
    return A * mask / p_drop, (mask, 1.0 / p_drop)


@bug("l2_penalty", "np.sum over a list of every parameter's sum of squares (biases included)", r"bias")
def h_l2_all(parameters, lam):
    return float(lam / 2 * np.sum([np.sum(W**2) for W in parameters.values()]))


@bug(
    "batchnorm_forward",
    "x_hat = (X - mean) / (X.std(0) + eps)",
    r"(eps|ε).{0,40}(inside|outside)|(inside|outside).{0,40}(eps|ε)",
)
def h_bn_std_eps(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    if mode == "train":
        mean, std = X.mean(axis=0), X.std(axis=0)
    else:
        mean, std = running_mean, np.sqrt(running_var)
    inv_std = 1.0 / (std + eps)
    x_hat = (X - mean) * inv_std
    return gamma * x_hat + beta, {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}


@bug("batchnorm_backward", "mean form divided by m again", r"1/m", r"\bm\b", r"factor")
def h_bnb_mean_over_m(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    m = dout.shape[0]
    dX = gamma * inv_std * (dout - dout.mean(0) - x_hat * (dout * x_hat).mean(0)) / m
    return dX, (dout * x_hat).sum(0), dout.sum(0)


@bug("xavier_uniform", "a = np.sqrt(6) / (n_in + n_out)", r"sqrt|root")
def h_xu_sqrt_num(n_in, n_out, rng):
    a = np.sqrt(6) / (n_in + n_out)
    return rng.uniform(-a, a, size=(n_in, n_out))


@bug("he_normal", "mean and std swapped in rng.normal", r"mean|centred|centered")
def h_he_swapped(n_in, n_out, rng):
    return rng.normal(np.sqrt(2 / n_in), 0.0 + 1.0, size=(n_in, n_out))


@bug("clip_grad_norm", "returns the input dict itself when no clipping is needed", r"copy|same|alias|new (dict|array)")
def h_clip_alias(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    if norm > max_norm:
        return {k: g * max_norm / norm for k, g in grads.items()}, norm
    return grads, norm


@bug("rnn_forward", "starts from zeros, ignoring h0", r"\bh0\b", r"initial")
def h_rnn_ignores_h0(x, h0, params):
    out = np.zeros((x.shape[0], x.shape[1], params["Wh"].shape[0]))
    h = np.zeros_like(h0)
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ params["Wx"] + h @ params["Wh"] + params["b"])
        out[:, t] = h
    return out, h


@bug("lstm_cell_forward", "tanh applied twice to the candidate", r"tanh", r"\bg\b|candidate")
def h_lstm_double_tanh(x_t, h_prev, c_prev, params):
    H = h_prev.shape[1]
    a = x_t @ params["Wx"] + h_prev @ params["Wh"] + params["b"]
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
    c_t = f * c_prev + i * np.tanh(g)
    return o * np.tanh(c_t), c_t


@bug("lstm_cell_backward", "dc_prev = dc_t * f (the incoming gradient only)", r"dc_prev", r"\bdc\b")
def h_lstmb_dc_prev_incoming(dh_t, dc_t, cache):
    i, f, g, o, c_t = cache["i"], cache["f"], cache["g"], cache["o"], cache["c_t"]
    p = cache["params"]
    tc = np.tanh(c_t)
    dc = dc_t + dh_t * o * (1 - tc**2)
    da = np.concatenate(
        [dc * g * i * (1 - i), dc * cache["c_prev"] * f * (1 - f), dc * i * (1 - g**2), dh_t * tc * o * (1 - o)], axis=1
    )
    return {
        "dx": da @ p["Wx"].T,
        "dh_prev": da @ p["Wh"].T,
        "dc_prev": dc_t * f,
        "dWx": cache["x_t"].T @ da,
        "dWh": cache["h_prev"].T @ da,
        "db": da.sum(axis=0),
    }
