"""No false fails: valid implementations written differently from the model solutions (loops,
other operation orders, other NumPy functions) pass `check` with full marks and no failing note."""

import numpy as np
import pytest

from dlfund.grading import check


@pytest.fixture(autouse=True)
def _own_progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFUND_HOME", str(tmp_path / "dlfund-home"))


def _sig(a):
    return np.exp(-np.logaddexp(0.0, -a))


def sigmoid_logaddexp(z):
    return np.exp(-np.logaddexp(0.0, -z)).astype(z.dtype)


def sigmoid_masks(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype)


def sigmoid_loop(z):
    out = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        v = z[idx]
        out[idx] = 1 / (1 + np.exp(-v)) if v >= 0 else np.exp(v) / (1 + np.exp(v))
    return out


def sigmoid_derivative_product(z):
    s = sigmoid_masks(z)
    return s - s * s


def tanh_derivative_cosh(z):
    return 1.0 / np.cosh(z) ** 2


def relu_product(z):
    return z * (z > 0)


def relu_derivative_where(z):
    return np.where(z > 0, 1.0, 0.0).astype(z.dtype)


def leaky_relu_where(z, alpha=0.01):
    return np.where(z > 0, z, z * alpha)


def softmax_rows_loop(z):
    out = np.empty_like(z)
    for r in range(z.shape[0]):
        row = z[r] - z[r].max()
        out[r] = np.exp(row) / np.exp(row).sum()
    return out


def softmax_logsumexp(z):
    m = z.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return np.exp(z - lse)


def dense_forward_einsum(A_prev, W, b):
    return np.einsum("mi,ij->mj", A_prev, W) + b[None, :], (A_prev, W)


def dense_backward_loops(dZ, cache):
    A_prev, W = cache
    dW = np.zeros_like(W)
    for i in range(A_prev.shape[0]):
        dW += np.outer(A_prev[i], dZ[i])
    return dZ.dot(W.T), dW, np.add.reduce(dZ, axis=0)


def mse_loss_loop(y_hat, y):
    total = 0.0
    for a, b in zip(y_hat.ravel(), y.ravel()):
        total += (a - b) ** 2
    return total / y.size


def bce_clip(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-(y * np.log(p) + (1 - y) * np.log1p(-p)).mean())


def gd_loop(parameters, grads, learning_rate):
    out = {}
    for name in parameters:
        out[name] = parameters[name] + (-learning_rate) * grads["d" + name]
    return out


def momentum_reordered(parameters, grads, v, beta=0.9, learning_rate=0.01):
    new_v = {dk: v[dk] + (1 - beta) * (grads[dk] - v[dk]) for dk in v}
    return {k: W - new_v["d" + k] * learning_rate for k, W in parameters.items()}, new_v


def rmsprop_inverse(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    new_s = {dk: beta * s[dk] + (1 - beta) * np.square(grads[dk]) for dk in s}
    return {
        k: W - learning_rate * grads["d" + k] * (1.0 / (np.sqrt(new_s["d" + k]) + epsilon))
        for k, W in parameters.items()
    }, new_s


def initialize_adam_zeros(parameters):
    v, s = {}, {}
    for k, W in parameters.items():
        v["d" + k] = np.zeros(W.shape)
        s["d" + k] = np.zeros(W.shape)
    return v, s


def adam_entrywise(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_p, new_v, new_s = {}, {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        P, V, S = W.copy(), v[dk].copy(), s[dk].copy()
        for idx in np.ndindex(W.shape):
            g = grads[dk][idx]
            V[idx] = beta1 * V[idx] + (1 - beta1) * g
            S[idx] = beta2 * S[idx] + (1 - beta2) * g * g
            step = learning_rate * np.sqrt(1 - beta2**t) / (1 - beta1**t)  # Kingma & Ba's reordering
            P[idx] = W[idx] - step * V[idx] / (np.sqrt(S[idx]) + epsilon * np.sqrt(1 - beta2**t))
        new_p[k], new_v[dk], new_s[dk] = P, V, S
    return new_p, new_v, new_s


def l2_penalty_loop(parameters, lam):
    total = 0.0
    for k in sorted(parameters):
        if k[0] == "W":
            total += float((parameters[k] * parameters[k]).sum())
    return 0.5 * lam * total


def dropout_forward_where(A, p_drop, rng, mode="train"):
    if mode != "train":
        return np.array(A, copy=True), (None, 1.0)
    keep = rng.random(A.shape) >= p_drop
    scale = 1 / (1 - p_drop)
    return np.where(keep, A * scale, 0.0), (keep.astype(A.dtype), scale)


def batchnorm_forward_manual(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    if mode == "train":
        m = X.shape[0]
        mean = X.sum(axis=0) / m
        var = ((X - mean) ** 2).sum(axis=0) / m
    else:
        mean, var = running_mean, running_var
    std = np.sqrt(var + eps)
    x_hat = (X - mean) / std
    return x_hat * gamma + beta, {"x_hat": x_hat, "inv_std": 1 / std, "gamma": gamma, "extra": "fine"}


def batchnorm_backward_graph(dout, cache):
    """Step by step through the computation graph instead of the closed form."""
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    m = dout.shape[0]
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * x_hat, axis=0) * (-0.5) * inv_std**2
    xc = x_hat / inv_std
    dmean = -np.sum(dx_hat * inv_std, axis=0) - 2 * dvar * xc.mean(axis=0)
    dX = dx_hat * inv_std + dvar * 2 * xc / m + dmean / m
    return dX, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def clip_grad_norm_concat(grads, max_norm):
    norm = float(np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()])))
    factor = max_norm / norm if norm > max_norm else 1.0
    return {k: g * factor for k, g in grads.items()}, norm


def clip_grad_value_minmax(grads, clip_value):
    return {k: np.minimum(np.maximum(g, -clip_value), clip_value) for k, g in grads.items()}


def rnn_forward_stack(x, h0, params):
    states, h = [], h0
    for x_t in np.moveaxis(x, 1, 0):
        h = np.tanh(h @ params["Wh"] + x_t @ params["Wx"] + params["b"])
        states.append(h)
    return np.stack(states, axis=1), states[-1]


def rnn_backward_list(dout, x, h0, params, out):
    T = x.shape[1]
    hs = [h0] + [out[:, t] for t in range(T)]
    dWx, dWh, db = 0 * params["Wx"], 0 * params["Wh"], 0 * params["b"]
    dxs, dh_next = [None] * T, 0 * h0
    for t in range(T - 1, -1, -1):
        da = (1 - hs[t + 1] ** 2) * (dh_next + dout[:, t])
        dxs[t] = da @ params["Wx"].T
        dWx = dWx + x[:, t].T @ da
        dWh = dWh + hs[t].T @ da
        db = db + da.sum(axis=0)
        dh_next = da @ params["Wh"].T
    return {"dx": np.stack(dxs, axis=1), "dh0": dh_next, "dWx": dWx, "dWh": dWh, "db": db}


def lstm_forward_split(x_t, h_prev, c_prev, params):
    H = h_prev.shape[1]
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    gates = [
        x_t @ Wx[:, k * H : (k + 1) * H] + h_prev @ Wh[:, k * H : (k + 1) * H] + b[k * H : (k + 1) * H]
        for k in range(4)
    ]
    i, f, g, o = _sig(gates[0]), _sig(gates[1]), np.tanh(gates[2]), _sig(gates[3])
    c_t = i * g + c_prev * f
    return np.tanh(c_t) * o, c_t


def lstm_backward_hstack(dh_t, dc_t, cache):
    i, f, g, o = cache["i"], cache["f"], cache["g"], cache["o"]
    tc = np.tanh(cache["c_t"])
    dc = dh_t * o * (1 - tc) * (1 + tc) + dc_t
    da = np.hstack(
        [dc * g * i * (1 - i), dc * cache["c_prev"] * f * (1 - f), dc * i * (1 - g) * (1 + g), dh_t * tc * o * (1 - o)]
    )
    p = cache["params"]
    return {
        "dWx": cache["x_t"].T @ da,
        "dWh": cache["h_prev"].T @ da,
        "db": da.sum(axis=0),
        "dx": da @ p["Wx"].T,
        "dh_prev": da @ p["Wh"].T,
        "dc_prev": f * dc,
    }


VALID = [
    ("sigmoid", sigmoid_logaddexp),
    ("sigmoid", sigmoid_masks),
    ("sigmoid", sigmoid_loop),
    ("sigmoid_derivative", sigmoid_derivative_product),
    ("tanh_derivative", tanh_derivative_cosh),
    ("relu", relu_product),
    ("relu_derivative", relu_derivative_where),
    ("leaky_relu", leaky_relu_where),
    ("softmax", softmax_rows_loop),
    ("softmax", softmax_logsumexp),
    ("dense_forward", dense_forward_einsum),
    ("dense_backward", dense_backward_loops),
    ("mse_loss", mse_loss_loop),
    ("binary_cross_entropy", bce_clip),
    ("update_parameters_with_gd", gd_loop),
    ("momentum", momentum_reordered),
    ("rmsprop", rmsprop_inverse),
    ("initialize_adam", initialize_adam_zeros),
    ("adam", adam_entrywise),
    ("l2_penalty", l2_penalty_loop),
    ("dropout_forward", dropout_forward_where),
    ("batchnorm_forward", batchnorm_forward_manual),
    ("batchnorm_backward", batchnorm_backward_graph),
    ("clip_grad_norm", clip_grad_norm_concat),
    ("clip_grad_value", clip_grad_value_minmax),
    ("rnn_forward", rnn_forward_stack),
    ("rnn_backward", rnn_backward_list),
    ("lstm_cell_forward", lstm_forward_split),
    ("lstm_cell_backward", lstm_backward_hstack),
]


@pytest.mark.parametrize("name, fn", VALID, ids=[f"{n}-{f.__name__}" for n, f in VALID])
def test_valid_unusual_implementation_passes(name, fn):
    result = check(name, fn, show=False, record=False)
    assert result.ok, result.report()
    assert result.score == 1.0
