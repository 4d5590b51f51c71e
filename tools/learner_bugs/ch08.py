"""Chapter 8: RNN cell, RNN over a sequence, BPTT, LSTM cell forward and backward."""

import numpy as np

from dlfund.activations import sigmoid

from . import bug, valid

# ---------------------------------------------------------------- rnn_cell_forward


@bug("rnn_cell_forward", "sigmoid instead of tanh", r"tanh", r"sigmoid")
def rcf_sigmoid(x_t, h_prev, params):
    return sigmoid(x_t @ params["Wx"] + h_prev @ params["Wh"] + params["b"])


@bug("rnn_cell_forward", "forgot the bias", r"bias", r"\bb\b")
def rcf_no_bias(x_t, h_prev, params):
    return np.tanh(x_t @ params["Wx"] + h_prev @ params["Wh"])


@bug("rnn_cell_forward", "Wx and Wh swapped", r"swap", r"\bWx\b|\bWh\b")
def rcf_swapped(x_t, h_prev, params):
    return np.tanh(x_t @ params["Wh"] + h_prev @ params["Wx"] + params["b"])


@bug("rnn_cell_forward", "weights transposed: x_t @ Wx.T", r"transpos", r"shape")
def rcf_transposed(x_t, h_prev, params):
    return np.tanh(x_t @ params["Wx"].T + h_prev @ params["Wh"].T + params["b"])


@bug("rnn_cell_forward", "tanh applied to the input term only", r"tanh", r"parenth|whole|sum")
def rcf_tanh_partial(x_t, h_prev, params):
    return np.tanh(x_t @ params["Wx"]) + h_prev @ params["Wh"] + params["b"]


@bug("rnn_cell_forward", "ReLU instead of tanh", r"tanh", r"relu")
def rcf_relu(x_t, h_prev, params):
    return np.maximum(x_t @ params["Wx"] + h_prev @ params["Wh"] + params["b"], 0)


@bug("rnn_cell_forward", "ignores h_prev", r"h_prev|h_\{?t-1\}?", r"\bWh\b|recurren")
def rcf_no_h(x_t, h_prev, params):
    return np.tanh(x_t @ params["Wx"] + params["b"])


@valid("rnn_cell_forward", "einsum and tanh through exp (moderate inputs), written as two terms")
def rcf_einsum(x_t, h_prev, params):
    a = np.einsum("bi,ih->bh", x_t, params["Wx"])
    a += np.einsum("bj,jh->bh", h_prev, params["Wh"])
    return np.tanh(a + params["b"][None, :])


# ---------------------------------------------------------------- rnn_forward


def _cell(x_t, h, p):
    return np.tanh(x_t @ p["Wx"] + h @ p["Wh"] + p["b"])


@bug("rnn_forward", "every step starts from h0 (state not carried)", r"previous (step|state)", r"\bh0\b|carr")
def rf_from_h0(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((batch, T, params["Wh"].shape[0]))
    h = h0
    for t in range(T):
        h = _cell(x[:, t], h0, params)
        out[:, t] = h
    return out, h


@bug(
    "rnn_forward", "stores the state before the step: out[:, t] = h_{t-1}", r"shift|off.by.one", r"before|h_t|h_\{?t-1"
)
def rf_store_prev(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((batch, T, params["Wh"].shape[0]))
    h = h0
    for t in range(T):
        out[:, t] = h
        h = _cell(x[:, t], h, params)
    return out, h


@bug("rnn_forward", "loop over range(seq_len - 1): last step missing", r"last (step|time)", r"seq_len|loop")
def rf_short_loop(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((batch, T, params["Wh"].shape[0]))
    h = h0
    for t in range(T - 1):
        h = _cell(x[:, t], h, params)
        out[:, t] = h
    return out, h


@bug("rnn_forward", "returns the first state as h_n", r"\bh_n\b", r"last")
def rf_hn_first(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((batch, T, params["Wh"].shape[0]))
    h = h0
    for t in range(T):
        h = _cell(x[:, t], h, params)
        out[:, t] = h
    return out, out[:, 0]


@bug("rnn_forward", "time-major output (seq_len, batch, H)", r"shape", r"time.major|batch")
def rf_time_major(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((T, batch, params["Wh"].shape[0]))
    h = h0
    for t in range(T):
        h = _cell(x[:, t], h, params)
        out[t] = h
    return out, h


@bug("rnn_forward", "out = np.zeros_like(x): width n_in instead of H", r"shape", r"\bH\b|n_in")
def rf_zeros_like_x(x, h0, params):
    out = np.zeros_like(x)
    h = h0
    for t in range(x.shape[1]):
        h = _cell(x[:, t], h, params)
        out[:, t] = h
    return out, h


@bug("rnn_forward", "float32 output buffer", r"dtype", r"float32")
def rf_float32(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((batch, T, params["Wh"].shape[0]), dtype=np.float32)
    h = h0
    for t in range(T):
        h = _cell(x[:, t], h, params)
        out[:, t] = h
    return out, h


@bug("rnn_forward", "runs the sequence backwards", r"revers|backward", r"order|direction")
def rf_reversed(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((batch, T, params["Wh"].shape[0]))
    h = h0
    for t in reversed(range(T)):
        h = _cell(x[:, t], h, params)
        out[:, t] = h
    return out, h


@bug("rnn_forward", "returns (h_n, out)", r"order")
def rf_order(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((batch, T, params["Wh"].shape[0]))
    h = h0
    for t in range(T):
        h = _cell(x[:, t], h, params)
        out[:, t] = h
    return h, out


@bug("rnn_forward", "h = h0 then h[:] = ...: overwrites h0", r"modif", r"in.place")
def rf_inplace_h0(x, h0, params):
    batch, T, _ = x.shape
    out = np.zeros((batch, T, params["Wh"].shape[0]))
    h = h0
    for t in range(T):
        h[:] = _cell(x[:, t], h, params)
        out[:, t] = h
    return out, h.copy()


@valid("rnn_forward", "states collected in a list, np.stack(axis=1)")
def rf_stack(x, h0, params):
    hs = []
    h = h0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t, :] @ params["Wx"] + h @ params["Wh"] + params["b"])
        hs.append(h)
    return np.stack(hs, axis=1), hs[-1]


# ---------------------------------------------------------------- rnn_backward


def _bptt(
    dout,
    x,
    h0,
    params,
    out,
    *,
    recur=True,
    accumulate=True,
    hprev_off=False,
    forward=False,
    deriv=lambda h, hp: 1 - h**2,
    first_prev=None,
    dh0=True,
    dx_w="Wx",
    add_after=False,
):
    _batch, T, _ = x.shape
    g = {
        "dx": np.zeros_like(x),
        "dWx": np.zeros_like(params["Wx"]),
        "dWh": np.zeros_like(params["Wh"]),
        "db": np.zeros_like(params["b"]),
    }
    dh_next = np.zeros_like(h0)
    steps = range(T) if forward else reversed(range(T))
    for t in steps:
        h_t = out[:, t]
        if hprev_off:
            h_prev = out[:, t]
        elif t > 0:
            h_prev = out[:, t - 1]
        else:
            h_prev = h0 if first_prev is None else first_prev(out)
        if add_after:
            da = dout[:, t] * deriv(h_t, h_prev) + dh_next
        else:
            da = ((dout[:, t] + dh_next) if recur else dout[:, t]) * deriv(h_t, h_prev)
        g["dx"][:, t] = da @ params[dx_w].T
        if accumulate:
            g["dWx"] += x[:, t].T @ da
            g["dWh"] += h_prev.T @ da
            g["db"] += da.sum(axis=0)
        else:
            g["dWx"] = x[:, t].T @ da
            g["dWh"] = h_prev.T @ da
            g["db"] = da.sum(axis=0)
        dh_next = da @ params["Wh"].T
    g["dh0"] = dh_next if dh0 else np.zeros_like(h0)
    return g


@bug(
    "rnn_backward",
    "forgot dh_next: no gradient through time",
    r"dh_next",
    r"next step|later step|through time|recurren",
)
def rb_no_recur(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, recur=False)


@bug("rnn_backward", "= instead of += for the weight gradients", r"accumul|\+=", r"sum over (time|steps)|every step")
def rb_no_accumulate(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, accumulate=False)


@bug(
    "rnn_backward",
    "h_prev taken as out[:, t] (the current state)",
    r"h_prev|h_\{?t-1\}?|previous state",
    r"off.by.one|shift",
)
def rb_hprev_current(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, hprev_off=True)


@bug("rnn_backward", "loops forward in time", r"backward|revers", r"order|direction")
def rb_forward_loop(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, forward=True)


@bug("rnn_backward", "tanh derivative 1 - h (forgot the square)", r"square", r"tanh")
def rb_no_square(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, deriv=lambda h, hp: 1 - h)


@bug(
    "rnn_backward",
    "at t = 0, h_prev = out[:, -1] (Python's negative index) instead of h0",
    r"\bh0\b",
    r"t ?= ?0|first step",
)
def rb_first_prev(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, first_prev=lambda out: out[:, -1])


@bug("rnn_backward", "dh0 left at zero", r"\bdh0\b")
def rb_no_dh0(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, dh0=False)


@bug("rnn_backward", "dx through Wh instead of Wx", r"\bWx\b", r"\bWh\b")
def rb_dx_wh(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, dx_w="Wh")


@bug("rnn_backward", "tanh derivative at h_prev instead of h_t", r"\bh_t\b", r"h_prev|derivative")
def rb_deriv_prev(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, deriv=lambda h, hp: 1 - hp**2)


@bug("rnn_backward", "adds dh_next after the tanh derivative", r"dh_next", r"tanh|derivative")
def rb_add_after(dout, x, h0, params, out):
    return _bptt(dout, x, h0, params, out, add_after=True)


@valid("rnn_backward", "pre-activation gradients stored first, weight gradients by einsum over time")
def rb_einsum(dout, x, h0, params, out):
    _batch, T, _ = x.shape
    das = np.zeros_like(out)
    dh = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        das[:, t] = (dout[:, t] + dh) * (1 - out[:, t] * out[:, t])
        dh = das[:, t] @ params["Wh"].T
    prev = np.concatenate([h0[:, None, :], out[:, :-1]], axis=1)
    return {
        "dx": np.einsum("bth,ih->bti", das, params["Wx"]),
        "dh0": dh,
        "dWx": np.einsum("bti,bth->ih", x, das),
        "dWh": np.einsum("btj,bth->jh", prev, das),
        "db": das.sum(axis=(0, 1)),
    }


# ---------------------------------------------------------------- lstm_cell_forward


def _lstm(
    x_t,
    h_prev,
    c_prev,
    params,
    *,
    order="ifgo",
    acts=None,
    no_tanh_c=False,
    no_input=False,
    tanh_prev=False,
    H=None,
    ret_swap=False,
):
    H = h_prev.shape[1] if H is None else H
    a = x_t @ params["Wx"] + h_prev @ params["Wh"] + params["b"]
    blocks = {name: a[:, k * H : (k + 1) * H] for k, name in enumerate(order)}
    acts = acts or {}
    i = acts.get("i", sigmoid)(blocks["i"])
    f = acts.get("f", sigmoid)(blocks["f"])
    g = acts.get("g", np.tanh)(blocks["g"])
    o = acts.get("o", sigmoid)(blocks["o"])
    c_t = f * c_prev + (g if no_input else i * g)
    h_t = o * (c_t if no_tanh_c else np.tanh(c_prev if tanh_prev else c_t))
    return (c_t, h_t) if ret_swap else (h_t, c_t)


@bug("lstm_cell_forward", "gate blocks read in the order [f | i | g | o]", r"order", r"block|column|gate")
def lf_fi_order(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, order="figo")


@bug("lstm_cell_forward", "candidate g through sigmoid", r"\bg\b|candidate", r"tanh")
def lf_g_sigmoid(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, acts={"g": sigmoid})


@bug("lstm_cell_forward", "h_t = o * c_t (no tanh)", r"tanh", r"c_t")
def lf_no_tanh_c(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, no_tanh_c=True)


@bug("lstm_cell_forward", "forget gate through tanh", r"forget|\bf\b", r"sigmoid|tanh")
def lf_f_tanh(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, acts={"f": np.tanh})


@bug("lstm_cell_forward", "c_t = f c_prev + g: no input gate", r"input gate|\bi\b")
def lf_no_input(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, no_input=True)


@bug("lstm_cell_forward", "returns (c_t, h_t)", r"order")
def lf_ret_swap(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, ret_swap=True)


@bug("lstm_cell_forward", "h_t = o * tanh(c_prev)", r"c_prev", r"c_t")
def lf_tanh_prev(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, tanh_prev=True)


@bug("lstm_cell_forward", "gate blocks in the order [i | f | o | g]", r"order", r"block|column|gate")
def lf_ifog(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, order="ifog")


@bug("lstm_cell_forward", "block width H read from x_t.shape[1] (n_in)", r"\bH\b|width", r"block|column|shape")
def lf_width_nin(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, H=x_t.shape[1])


@bug("lstm_cell_forward", "output gate through tanh", r"output gate|\bo\b", r"sigmoid|tanh")
def lf_o_tanh(x_t, h_prev, c_prev, params):
    return _lstm(x_t, h_prev, c_prev, params, acts={"o": np.tanh})


@valid("lstm_cell_forward", "np.split into four gates, sigmoid through tanh")
def lf_split(x_t, h_prev, c_prev, params):
    a = np.einsum("bi,ig->bg", x_t, params["Wx"]) + np.einsum("bh,hg->bg", h_prev, params["Wh"]) + params["b"]
    ai, af, ag, ao = np.split(a, 4, axis=1)

    def sig(z):
        return 0.5 * (1 + np.tanh(0.5 * z))

    c_t = sig(af) * c_prev + sig(ai) * np.tanh(ag)
    return sig(ao) * np.tanh(c_t), c_t


# ---------------------------------------------------------------- lstm_cell_backward


def _lstmb(
    dh_t,
    dc_t,
    cache,
    *,
    with_dc_t=True,
    dc_prev_f=True,
    do_from_dc=False,
    order="ifgo",
    tanh_sq=True,
    g_sig=False,
    dwx_t=False,
    keep=False,
    dh_w="Wh",
    f_ct=False,
):
    i, f, g, o, c_t = cache["i"], cache["f"], cache["g"], cache["o"], cache["c_t"]
    p = cache["params"]
    tc = np.tanh(c_t)
    dtanh = (1 - tc**2) if tanh_sq else (1 - tc)
    dc = (dc_t if with_dc_t else 0) + dh_t * o * dtanh
    das = {
        "i": dc * g * i * (1 - i),
        "f": dc * (c_t if f_ct else cache["c_prev"]) * f * (1 - f),
        "g": dc * i * (g * (1 - g) if g_sig else (1 - g**2)),
        "o": (dc if do_from_dc else dh_t) * tc * o * (1 - o),
    }
    da = np.concatenate([das[k] for k in order], axis=1)
    return {
        "dx": da @ p["Wx"].T,
        "dh_prev": da @ p[dh_w].T,
        "dc_prev": dc * f if dc_prev_f else dc,
        "dWx": (da.T @ cache["x_t"]) if dwx_t else cache["x_t"].T @ da,
        "dWh": cache["h_prev"].T @ da,
        "db": da.sum(axis=0, keepdims=keep),
    }


@bug("lstm_cell_backward", "forgot dc_t from the next step in dc", r"dc_t", r"cell.state|next step|later")
def lb_no_dc_t(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, with_dc_t=False)


@bug("lstm_cell_backward", "dc_prev = dc (forgot the forget gate)", r"dc_prev", r"forget|\bf\b")
def lb_dc_prev(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, dc_prev_f=False)


@bug("lstm_cell_backward", "da_o from dc instead of dh_t", r"output gate|\bo\b|da_o", r"dh_t|\bdc\b")
def lb_do_dc(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, do_from_dc=True)


@bug("lstm_cell_backward", "gate gradients concatenated as [f | i | g | o]", r"order", r"block|column|gate")
def lb_order(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, order="figo")


@bug("lstm_cell_backward", "tanh derivative 1 - tanh(c_t) (no square)", r"square", r"tanh")
def lb_no_square(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, tanh_sq=False)


@bug("lstm_cell_backward", "sigmoid's derivative for the candidate g", r"\bg\b|candidate|da_g", r"tanh")
def lb_g_sigmoid(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, g_sig=True)


@bug("lstm_cell_backward", "dWx = da.T @ x_t: transposed", r"transpos", r"shape")
def lb_dwx_t(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, dwx_t=True)


@bug("lstm_cell_backward", "db with keepdims=True", r"shape", r"keepdims")
def lb_keepdims(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, keep=True)


@bug("lstm_cell_backward", "dh_prev through Wx", r"\bWh\b", r"\bWx\b")
def lb_dh_wx(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, dh_w="Wx")


@bug("lstm_cell_backward", "da_f uses c_t instead of c_prev", r"c_prev", r"c_t|forget|\bf\b")
def lb_f_ct(dh_t, dc_t, cache):
    return _lstmb(dh_t, dc_t, cache, f_ct=True)


@valid("lstm_cell_backward", "per-gate weight gradients computed separately and concatenated")
def lb_per_gate(dh_t, dc_t, cache):
    i, f, g, o, c_t = (cache[k] for k in ("i", "f", "g", "o", "c_t"))
    p = cache["params"]
    tc = np.tanh(c_t)
    dc = dh_t * o * (1.0 - tc * tc) + dc_t
    gates = [dc * g * i * (1 - i), dc * cache["c_prev"] * f * (1 - f), dc * i * (1 - g * g), dh_t * tc * o * (1 - o)]
    H = i.shape[1]
    dWx = np.concatenate([cache["x_t"].T @ d for d in gates], axis=1)
    dWh = np.concatenate([cache["h_prev"].T @ d for d in gates], axis=1)
    dx = sum(d @ p["Wx"][:, k * H : (k + 1) * H].T for k, d in enumerate(gates))
    dh_prev = sum(d @ p["Wh"][:, k * H : (k + 1) * H].T for k, d in enumerate(gates))
    return {
        "db": np.concatenate([d.sum(0) for d in gates]),
        "dWh": dWh,
        "dWx": dWx,
        "dc_prev": f * dc,
        "dh_prev": dh_prev,
        "dx": dx,
    }
