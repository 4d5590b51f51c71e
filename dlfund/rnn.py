"""Recurrent layers in NumPy: vanilla RNN (tanh or ReLU), LSTM and GRU, verified against PyTorch.

Shapes (samples are rows, as everywhere in dlfund)::

    x                 (batch, seq_len, n_in)          the input sequence, batch first
    out               (batch, seq_len, H)             h_t of the LAST layer for every t
    h0, c0, h_n, c_n  (num_layers, batch, H)          initial and final states of EVERY layer

Only `x` and `out` are batch-first; the states always put the layer axis first (PyTorch's
convention too, whatever `batch_first` says).

Weight layout. Layer l = 1, 2, ... has G gate blocks of width H (RNN G = 1, GRU G = 3, LSTM G = 4)::

    params["Wx{l}"]   (n_in_l, G*H)   input-to-hidden weights (n_in_1 = n_in, n_in_l = H for l > 1)
    params["Wh{l}"]   (H, G*H)        hidden-to-hidden weights
    params["b{l}"]    (G*H,)          one bias per gate unit
    params["bhn{l}"]  (H,)            GRU only: the hidden-side bias of the candidate n (see below)

Gradients use the same keys with a "d" in front ("dWx1", "dWh1", "db1", "dbhn1", ...).
One step computes all gate pre-activations with one matmul per weight matrix,

    a_t = x_t @ Wx + h_{t-1} @ Wh + b                 (batch, G*H)

and cuts the columns of a_t into blocks of H, in PyTorch's order::

    RNN   [h]              h_t = tanh(a_t)  or  relu(a_t)
    LSTM  [i | f | g | o]  i, f, o = sigmoid(.), g = tanh(.)
                           c_t = f * c_{t-1} + i * g
                           h_t = o * tanh(c_t)                   (no weight on c_t)
    GRU   [r | z | n]      r, z = sigmoid(.)
                           n = tanh(x_t Wx_n + b_n + r * (h_{t-1} Wh_n + bhn))
                           h_t = (1 - z) * n + z * h_{t-1}

PyTorch stores the transposes, ``weight_ih_l{k} = Wx{k+1}.T`` (G*H, n_in) and
``weight_hh_l{k} = Wh{k+1}.T`` (G*H, H), and two bias vectors per layer, ``bias_ih_l{k}`` and
``bias_hh_l{k}``. Only their sum enters a_t, so we keep one, ``b = bias_ih + bias_hh`` -- except
for the GRU candidate, whose hidden bias sits inside ``r * (...)`` and so is a parameter of its
own: ``b_n = bias_ih_n`` and ``bhn = bias_hh_n``. `to_torch_layout` / `from_torch_layout`
convert; `count_recurrent_parameters(..., torch_layout=True)` counts PyTorch's extra biases.

Speed: x_t @ Wx + b is computed for all t in one matmul before the time loop; the backward
pass stores the gate gradients of every step and forms dWx, dWh and db with one matmul each
after the loop. Only h_{t-1} @ Wh (and its backward) is left inside the loop, because step t
needs h_{t-1}. float32 input stays float32.
"""

import numpy as np

from ._validate import as_array, check_rng

#: number of gate blocks per cell type
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
#: names of the LSTM and GRU gate blocks, in weight-column order
LSTM_GATES = ("input", "forget", "candidate", "output")
GRU_GATES = ("reset", "update", "candidate")


def _sigmoid(a):
    """Logistic sigmoid written as 0.5 * tanh(a / 2) + 0.5: cannot overflow and keeps float32."""
    s = np.multiply(a, 0.5)
    np.tanh(s, out=s)
    s *= 0.5
    s += 0.5
    return s


# ----------------------------------------------------------------------------------------------
# One time step. `xw_t = x_t @ Wx + b` arrives precomputed, so a layer can form it for all t at
# once; the public cell functions below compute it for a single step.
# ----------------------------------------------------------------------------------------------


def rnn_step(xw_t, h_prev, Wh, nonlinearity):
    """One vanilla RNN step from xw_t = x_t @ Wx + b (batch, H): h_t = tanh(xw_t + h_prev @ Wh) (or relu)."""
    a = xw_t + h_prev @ Wh
    return np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)


def rnn_step_backward(dh, h, Wh_T, nonlinearity):
    """Gradient of the pre-activation a_t (from dL/dh_t and h_t), and dL/dh_{t-1}. Wh_T = Wh.T."""
    da = dh * (1 - h * h) if nonlinearity == "tanh" else dh * (h > 0)
    return da, da @ Wh_T


def lstm_step(xw_t, h_prev, c_prev, Wh):
    """One LSTM step from xw_t = x_t @ Wx + b (batch, 4H): returns (h_t, c_t, step cache)."""
    H = h_prev.shape[1]
    a = xw_t + h_prev @ Wh  # (batch, 4H), blocks [i | f | g | o]
    i_f = _sigmoid(a[:, : 2 * H])
    i, f = i_f[:, :H], i_f[:, H:]
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = _sigmoid(a[:, 3 * H :])
    c = f * c_prev + i * g  # the cell state: an additive path through time
    tanh_c = np.tanh(c)
    h = o * tanh_c  # the output gate scales tanh(c); no extra weight
    return h, c, (i, f, g, o, c_prev, tanh_c)


def lstm_step_backward(dh, dc, step_cache, Wh_T):
    """From dL/dh_t and dL/dc_t: gradient of a_t (batch, 4H), dL/dh_{t-1} and dL/dc_{t-1}. Wh_T = Wh.T."""
    i, f, g, o, c_prev, tanh_c = step_cache
    dc = dc + dh * o * (1 - tanh_c * tanh_c)  # c_t reaches the loss directly and through h_t
    da = np.concatenate(
        [
            dc * g * i * (1 - i),  # input gate
            dc * c_prev * f * (1 - f),  # forget gate
            dc * i * (1 - g * g),  # candidate g
            dh * tanh_c * o * (1 - o),  # output gate
        ],
        axis=1,
    )
    return da, da @ Wh_T, dc * f  # dc_{t-1} = dc_t * f: the gradient highway


def gru_step(xw_t, h_prev, Wh, bhn):
    """One GRU step from xw_t = x_t @ Wx + b (batch, 3H): returns (h_t, step cache)."""
    H = h_prev.shape[1]
    hw = h_prev @ Wh  # (batch, 3H), blocks [r | z | n]
    hw_n = hw[:, 2 * H :] + bhn
    r_z = _sigmoid(xw_t[:, : 2 * H] + hw[:, : 2 * H])
    r, z = r_z[:, :H], r_z[:, H:]
    n = np.tanh(xw_t[:, 2 * H :] + r * hw_n)  # the reset gate scales the hidden part only
    h = n + z * (h_prev - n)  # = (1 - z) * n + z * h_prev
    return h, (r, z, n, hw_n, h_prev)


def gru_step_backward(dh, step_cache, Wh_T):
    """Gradients of the input-side and hidden-side pre-activations (batch, 3H) and dL/dh_{t-1}. Wh_T = Wh.T."""
    r, z, n, hw_n, h_prev = step_cache
    dn = dh * (1 - z) * (1 - n * n)  # gradient of n's pre-activation
    dz = dh * (h_prev - n) * z * (1 - z)
    dr = dn * hw_n * r * (1 - r)
    da_x = np.concatenate([dr, dz, dn], axis=1)  # w.r.t. x_t @ Wx + b
    da_h = np.concatenate([dr, dz, dn * r], axis=1)  # w.r.t. h_{t-1} @ Wh (+ bhn for n)
    return da_x, da_h, dh * z + da_h @ Wh_T


# ----------------------------------------------------------------------------------------------
# Public single-step cells: params {"Wx", "Wh", "b"} (GRU also "bhn"), shapes as above.
# ----------------------------------------------------------------------------------------------


def _check_cell_inputs(x_t, states, params, cell):
    keys = ("Wx", "Wh", "b") + (("bhn",) if cell == "gru" else ())
    missing = [k for k in keys if k not in params]
    if missing:
        raise ValueError(f"params for a {cell} cell need keys {list(keys)}; missing {missing}")
    p = {k: as_array(params[k], k, ndim=1 if k in ("b", "bhn") else 2) for k in keys}
    H = p["Wh"].shape[0]
    _check_layer_shapes(p["Wx"], p["Wh"], p["b"], p.get("bhn"), cell, "", H)
    x_t = _check_dtype(
        as_array(x_t, "x_t", ndim=2, dtype=None if _floating(x_t) else p["Wx"].dtype), "x_t", p["Wx"].dtype
    )
    if x_t.shape[1] != p["Wx"].shape[0]:
        raise ValueError(
            f"x_t has {x_t.shape[1]} features (shape {x_t.shape}) but Wx has shape "
            f"{p['Wx'].shape}; Wx must be (n_in, {GATES[cell]}*H) = ({x_t.shape[1]}, {GATES[cell] * H})"
        )
    out = []
    for name, s in states:
        s = _check_dtype(as_array(s, name, ndim=2, dtype=None if _floating(s) else x_t.dtype), name, x_t.dtype)
        if s.shape != (x_t.shape[0], H):
            raise ValueError(f"{name} must have shape (batch, H) = ({x_t.shape[0]}, {H}), got {s.shape}")
        out.append(s)
    return x_t, out, p


def rnn_cell_forward(x_t, h_prev, params, nonlinearity="tanh"):
    """One vanilla RNN step h_t = tanh(x_t @ Wx + h_prev @ Wh + b) (or relu).

    x_t (batch, n_in), h_prev (batch, H), params {"Wx": (n_in, H), "Wh": (H, H), "b": (H,)}.
    Returns (h_t of shape (batch, H), cache).
    """
    _check_nonlinearity(nonlinearity)
    x_t, (h_prev,), p = _check_cell_inputs(x_t, [("h_prev", h_prev)], params, "rnn")
    h = rnn_step(x_t @ p["Wx"] + p["b"], h_prev, p["Wh"], nonlinearity)
    return h, (x_t, h_prev, h, p, nonlinearity)


def rnn_cell_backward(dh_t, cache):
    """Backward of one RNN step. dh_t (batch, H) -> {"dx", "dh_prev", "dWx", "dWh", "db"}."""
    x_t, h_prev, h, p, nonlinearity = cache
    da, dh_prev = rnn_step_backward(_check_grad(dh_t, h.shape, h.dtype, "dh_t"), h, p["Wh"].T, nonlinearity)
    return {"dx": da @ p["Wx"].T, "dh_prev": dh_prev, "dWx": x_t.T @ da, "dWh": h_prev.T @ da, "db": da.sum(axis=0)}


def lstm_cell_forward(x_t, h_prev, c_prev, params):
    """One LSTM step. x_t (batch, n_in), h_prev and c_prev (batch, H),
    params {"Wx": (n_in, 4H), "Wh": (H, 4H), "b": (4H,)} with gate blocks [i | f | g | o].

    Returns (h_t, c_t, cache), both states of shape (batch, H).
    """
    x_t, (h_prev, c_prev), p = _check_cell_inputs(x_t, [("h_prev", h_prev), ("c_prev", c_prev)], params, "lstm")
    h, c, step = lstm_step(x_t @ p["Wx"] + p["b"], h_prev, c_prev, p["Wh"])
    return h, c, (x_t, h_prev, step, p)


def lstm_cell_backward(dh_t, dc_t, cache):
    """Backward of one LSTM step. dh_t, dc_t (batch, H) are the gradients reaching h_t and c_t.

    Returns {"dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"}.
    """
    x_t, h_prev, step, p = cache
    dh_t = _check_grad(dh_t, h_prev.shape, h_prev.dtype, "dh_t")
    dc_t = _check_grad(dc_t, h_prev.shape, h_prev.dtype, "dc_t")
    da, dh_prev, dc_prev = lstm_step_backward(dh_t, dc_t, step, p["Wh"].T)
    return {
        "dx": da @ p["Wx"].T,
        "dh_prev": dh_prev,
        "dc_prev": dc_prev,
        "dWx": x_t.T @ da,
        "dWh": h_prev.T @ da,
        "db": da.sum(axis=0),
    }


def gru_cell_forward(x_t, h_prev, params):
    """One GRU step (PyTorch's formula). x_t (batch, n_in), h_prev (batch, H),
    params {"Wx": (n_in, 3H), "Wh": (H, 3H), "b": (3H,), "bhn": (H,)} with blocks [r | z | n].

    Returns (h_t of shape (batch, H), cache).
    """
    x_t, (h_prev,), p = _check_cell_inputs(x_t, [("h_prev", h_prev)], params, "gru")
    h, step = gru_step(x_t @ p["Wx"] + p["b"], h_prev, p["Wh"], p["bhn"])
    return h, (x_t, h_prev, step, p)


def gru_cell_backward(dh_t, cache):
    """Backward of one GRU step. dh_t (batch, H) -> {"dx", "dh_prev", "dWx", "dWh", "db", "dbhn"}."""
    x_t, h_prev, step, p = cache
    H = h_prev.shape[1]
    da_x, da_h, dh_prev = gru_step_backward(_check_grad(dh_t, h_prev.shape, h_prev.dtype, "dh_t"), step, p["Wh"].T)
    return {
        "dx": da_x @ p["Wx"].T,
        "dh_prev": dh_prev,
        "dWx": x_t.T @ da_x,
        "dWh": h_prev.T @ da_h,
        "db": da_x.sum(axis=0),
        "dbhn": da_h[:, 2 * H :].sum(axis=0),
    }


# ----------------------------------------------------------------------------------------------
# One layer over a whole sequence, time-major inside: x (T, batch, n_in), hs (T + 1, batch, H)
# with hs[0] = h0 and hs[t + 1] = h_t.
# ----------------------------------------------------------------------------------------------


def start_layer(x, Wx, b, h0, H):
    """What a layer computes before its time loop: xw[t] = x_t @ Wx + b for every t in one
    product, and the states hs (T + 1, batch, H) with hs[0] = h0."""
    T, B, _ = x.shape
    xw = (x.reshape(T * B, -1) @ Wx).reshape(T, B, -1) + b
    hs = np.empty((T + 1, B, H), dtype=x.dtype)
    hs[0] = h0  # the state is set ONCE, before the time loop
    return xw, hs


def rnn_layer_forward(x, Wx, Wh, b, h0, nonlinearity):
    """One RNN layer over x (T, batch, n_in): returns (hs, None), hs (T + 1, batch, H) with hs[0] = h0."""
    xw, hs = start_layer(x, Wx, b, h0, Wh.shape[0])
    for t in range(x.shape[0]):
        hs[t + 1] = rnn_step(xw[t], hs[t], Wh, nonlinearity)
    return hs, None


def rnn_layer_backward(dhs, dh_last, x, Wx, Wh, hs, nonlinearity):
    """BPTT through one RNN layer: dhs (T, batch, H) from above, dh_last into h_T -> (dx, dWx, dWh, db, dh0)."""
    da = np.empty_like(dhs)
    Wh_T = np.ascontiguousarray(Wh.T)  # one contiguous copy: faster products in the loop
    dh = dh_last
    for t in reversed(range(dhs.shape[0])):  # backpropagation through time
        da[t], dh = rnn_step_backward(dhs[t] + dh, hs[t + 1], Wh_T, nonlinearity)
    return weight_grads_over_time(da, da, x, hs, Wx) + (dh,)


def lstm_layer_forward(x, Wx, Wh, b, h0, c0):
    """One LSTM layer over x (T, batch, n_in): returns (hs, c_T, per-step caches)."""
    xw, hs = start_layer(x, Wx, b, h0, Wh.shape[0])
    c, steps = c0, []
    for t in range(x.shape[0]):
        hs[t + 1], c, step = lstm_step(xw[t], hs[t], c, Wh)
        steps.append(step)
    return hs, c, steps


def lstm_layer_backward(dhs, dh_last, dc_last, x, Wx, Wh, hs, steps):
    """BPTT through one LSTM layer -> (dx, dWx, dWh, db, dh0, dc0)."""
    T, B, H = dhs.shape
    da = np.empty((T, B, 4 * H), dtype=dhs.dtype)
    Wh_T = np.ascontiguousarray(Wh.T)
    dh, dc = dh_last, dc_last
    for t in reversed(range(T)):
        da[t], dh, dc = lstm_step_backward(dhs[t] + dh, dc, steps[t], Wh_T)
    return weight_grads_over_time(da, da, x, hs, Wx) + (dh, dc)


def gru_layer_forward(x, Wx, Wh, b, bhn, h0):
    """One GRU layer over x (T, batch, n_in): returns (hs, per-step caches)."""
    xw, hs = start_layer(x, Wx, b, h0, Wh.shape[0])
    steps = []
    for t in range(x.shape[0]):
        hs[t + 1], step = gru_step(xw[t], hs[t], Wh, bhn)
        steps.append(step)
    return hs, steps


def gru_layer_backward(dhs, dh_last, x, Wx, Wh, hs, steps):
    """BPTT through one GRU layer -> (dx, dWx, dWh, db, dbhn, dh0)."""
    T, B, H = dhs.shape
    da_x = np.empty((T, B, 3 * H), dtype=dhs.dtype)
    da_h = np.empty_like(da_x)
    Wh_T = np.ascontiguousarray(Wh.T)
    dh = dh_last
    for t in reversed(range(T)):
        da_x[t], da_h[t], dh = gru_step_backward(dhs[t] + dh, steps[t], Wh_T)
    dx, dWx, dWh, db = weight_grads_over_time(da_x, da_h, x, hs, Wx)
    return dx, dWx, dWh, db, da_h[:, :, 2 * H :].sum(axis=(0, 1)), dh


def weight_grads_over_time(da_x, da_h, x, hs, Wx):
    """After the time loop: dx, dWx, dWh, db from the stored pre-activation gradients of all steps.

    Summing x_t.T @ da_t over t is one matmul of the (T*batch, n_in) and (T*batch, G*H) stacks.
    """
    T, B, GH = da_x.shape
    da_x2 = da_x.reshape(T * B, GH)
    dx = (da_x2 @ Wx.T).reshape(T, B, -1)
    dWx = x.reshape(T * B, -1).T @ da_x2
    dWh = hs[:-1].reshape(T * B, -1).T @ da_h.reshape(T * B, GH)  # h_{t-1} pairs with step t
    return dx, dWx, dWh, da_x2.sum(axis=0)


# ----------------------------------------------------------------------------------------------
# Stacked layers over a sequence (the public API)
# ----------------------------------------------------------------------------------------------


def recurrent_forward(x, params, cell="lstm", h0=None, c0=None, nonlinearity="tanh"):
    """Run a (stacked) RNN, LSTM or GRU over a batch of sequences.

    x (batch, seq_len, n_in); params {"Wx1", "Wh1", "b1", ...} (see the module docstring);
    h0, c0 (num_layers, batch, H), zeros when None (c0 only for cell="lstm").
    Layer l's sequence h_1..h_T is layer l+1's input.

    Returns (out, state, cache): out (batch, seq_len, H) are the last layer's h_t; state is
    h_n (num_layers, batch, H), or the pair (h_n, c_n) for an LSTM, as in PyTorch.
    """
    x, h0, c0, layers = _check_sequence_inputs(x, params, cell, h0, c0, nonlinearity)
    inp = np.ascontiguousarray(x.transpose(1, 0, 2))  # time-major: x_t is inp[t]
    h_n = np.empty_like(h0)
    c_n = np.empty_like(h0) if cell == "lstm" else None
    caches = []
    for l, p in enumerate(layers):
        if cell == "lstm":
            hs, c_n[l], steps = lstm_layer_forward(inp, p["Wx"], p["Wh"], p["b"], h0[l], c0[l])
        elif cell == "gru":
            hs, steps = gru_layer_forward(inp, p["Wx"], p["Wh"], p["b"], p["bhn"], h0[l])
        else:
            hs, steps = rnn_layer_forward(inp, p["Wx"], p["Wh"], p["b"], h0[l], nonlinearity)
        h_n[l] = hs[-1]
        caches.append((inp, hs, steps, p))
        inp = hs[1:]  # feeds the next layer
    out = np.ascontiguousarray(inp.transpose(1, 0, 2))
    state = (h_n, c_n) if cell == "lstm" else h_n
    return out, state, {"cell": cell, "nonlinearity": nonlinearity, "layers": caches, "x_shape": x.shape}


def recurrent_backward(dout, cache, dh_n=None, dc_n=None):
    """Backpropagation through time for `recurrent_forward`.

    dout (batch, seq_len, H) is dL/dout (None means zeros, e.g. when only h_n is used);
    dh_n, dc_n (num_layers, batch, H) are the gradients reaching the final states (None: zeros).
    Returns {"dx": (batch, seq_len, n_in), "dh0", ("dc0" for LSTM), "dWx1", "dWh1", "db1", ...}.
    """
    cell, layers = cache["cell"], cache["layers"]
    B, T, _ = cache["x_shape"]
    L, H = len(layers), layers[0][1].shape[2]
    dtype = layers[0][1].dtype
    if dc_n is not None and cell != "lstm":
        raise ValueError(f"dc_n is only defined for an LSTM, not for cell={cell!r}")
    state_shape = (L, B, H)
    dhs = (
        np.zeros((T, B, H), dtype)
        if dout is None
        else np.ascontiguousarray(_check_grad(dout, (B, T, H), dtype, "dout").transpose(1, 0, 2))
    )
    dh_n = np.zeros(state_shape, dtype) if dh_n is None else _check_grad(dh_n, state_shape, dtype, "dh_n")
    dc_n = np.zeros(state_shape, dtype) if dc_n is None else _check_grad(dc_n, state_shape, dtype, "dc_n")
    grads, dh0, dc0 = {}, np.empty(state_shape, dtype), np.empty(state_shape, dtype)
    for l in reversed(range(L)):
        inp, hs, steps, p = layers[l]
        n = l + 1
        if cell == "lstm":
            dhs, dWx, dWh, db, dh0[l], dc0[l] = lstm_layer_backward(
                dhs, dh_n[l], dc_n[l], inp, p["Wx"], p["Wh"], hs, steps
            )
        elif cell == "gru":
            dhs, dWx, dWh, db, grads[f"dbhn{n}"], dh0[l] = gru_layer_backward(
                dhs, dh_n[l], inp, p["Wx"], p["Wh"], hs, steps
            )
        else:
            dhs, dWx, dWh, db, dh0[l] = rnn_layer_backward(
                dhs, dh_n[l], inp, p["Wx"], p["Wh"], hs, cache["nonlinearity"]
            )
        grads[f"dWx{n}"], grads[f"dWh{n}"], grads[f"db{n}"] = dWx, dWh, db
        # dhs is now dL/d(input of layer l) = dL/d(h sequence of layer l - 1)
    out = {"dx": np.ascontiguousarray(dhs.transpose(1, 0, 2)), "dh0": dh0}
    if cell == "lstm":
        out["dc0"] = dc0
    for n in range(1, L + 1):
        for k in ("dWx", "dWh", "db", "dbhn"):
            if f"{k}{n}" in grads:
                out[f"{k}{n}"] = grads[f"{k}{n}"]
    return out


def lstm_gate_activations(x, params, h0=None, c0=None, layer=1):
    """Gate values of one LSTM layer at every step, for inspection and plots.

    Returns a dict of arrays (batch, seq_len, H): "input", "forget", "candidate", "output",
    "cell" (c_t) and "hidden" (h_t).
    """
    _, (_, c_n), cache = recurrent_forward(x, params, "lstm", h0, c0)
    if not 1 <= layer <= len(cache["layers"]):
        raise ValueError(f"layer must be in 1..{len(cache['layers'])}, got {layer}")
    _, hs, steps, _ = cache["layers"][layer - 1]
    i, f, g, o, c_prev, _ = (np.stack(v, axis=1) for v in zip(*steps))
    cell = np.concatenate([c_prev[:, 1:], c_n[layer - 1][:, None]], axis=1)  # c_t = c_prev of step t + 1
    return {"input": i, "forget": f, "candidate": g, "output": o, "cell": cell, "hidden": hs[1:].transpose(1, 0, 2)}


# ----------------------------------------------------------------------------------------------
# Parameters: initialisation, counting, conversion to and from PyTorch
# ----------------------------------------------------------------------------------------------


def initialize_recurrent_parameters(
    cell, input_size, hidden_size, num_layers=1, rng=None, dtype=np.float64, forget_bias=0.0
):
    """Parameters {"Wx1", "Wh1", "b1", ...} drawn like PyTorch: U(-k, k) with k = 1/sqrt(H).

    `forget_bias` is added to the bias of the gate that keeps the old state: the forget gate f
    of an LSTM, the update gate z of a GRU (h_t = (1 - z) * n + z * h_{t-1}); ignored for the
    RNN. A positive value (1 to 3) keeps the memory open at the start of training. The GRU also
    gets "bhn{l}".
    """
    _check_cell(cell)
    for name, v in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    rng = check_rng(rng)
    G, H = GATES[cell], int(hidden_size)
    k = 1.0 / np.sqrt(H)
    params = {}
    for l in range(1, num_layers + 1):
        n_in = input_size if l == 1 else H
        params[f"Wx{l}"] = rng.uniform(-k, k, (n_in, G * H)).astype(dtype)
        params[f"Wh{l}"] = rng.uniform(-k, k, (H, G * H)).astype(dtype)
        params[f"b{l}"] = rng.uniform(-k, k, G * H).astype(dtype)
        if cell != "rnn":
            params[f"b{l}"][H : 2 * H] += forget_bias  # block 2 is f (LSTM) or z (GRU)
        if cell == "gru":
            params[f"bhn{l}"] = rng.uniform(-k, k, H).astype(dtype)
    return params


def count_recurrent_parameters(cell, input_size, hidden_size, num_layers=1, torch_layout=False):
    """Number of parameters of a stacked recurrent layer.

    Per layer G * (n_in*H + H*H + H) with G = 1 (RNN), 3 (GRU), 4 (LSTM), plus H for the GRU's
    bhn. PyTorch keeps two full bias vectors, so `torch_layout=True` gives G * (n_in*H + H*H + 2H);
    n_in is `input_size` for layer 1 and H above it.
    """
    _check_cell(cell)
    G, H = GATES[cell], hidden_size
    total = 0
    for l in range(num_layers):
        n_in = input_size if l == 0 else H
        total += G * (n_in * H + H * H + H)
        if torch_layout:
            total += G * H
        elif cell == "gru":
            total += H
    return total


def to_torch_layout(params):
    """Our parameters -> a dict of NumPy arrays named like a PyTorch RNN/LSTM/GRU state_dict.

    Load it with ``module.load_state_dict({k: torch.from_numpy(v) for k, v in d.items()})``.
    Our single bias goes to bias_ih; bias_hh is zero except the GRU's n block, which gets bhn.
    """
    cell, layers = _layers_from_params(params)
    out = {}
    for k, p in enumerate(layers):
        H = p["Wh"].shape[0]
        bias_hh = np.zeros_like(p["b"])
        if cell == "gru":
            bias_hh[2 * H :] = p["bhn"]
        out[f"weight_ih_l{k}"] = np.ascontiguousarray(p["Wx"].T)
        out[f"weight_hh_l{k}"] = np.ascontiguousarray(p["Wh"].T)
        out[f"bias_ih_l{k}"] = p["b"].copy()
        out[f"bias_hh_l{k}"] = bias_hh
    return out


def from_torch_layout(state_dict):
    """A PyTorch RNN/LSTM/GRU state_dict (tensors or arrays) -> our parameter dict (new arrays).

    The cell type follows from the shapes: weight_hh_l0 is (H, H), (3H, H) or (4H, H).
    Missing biases (a module built with bias=False) count as zeros.
    """
    arrays = {k: _to_numpy(v) for k, v in dict(state_dict).items()}
    if any(k.endswith("_reverse") for k in arrays):
        raise ValueError("bidirectional modules are not supported (found '*_reverse' weights)")
    if "weight_hh_l0" not in arrays:
        raise ValueError(f"state_dict has no 'weight_hh_l0'; keys are {sorted(arrays)}")
    rows, H = arrays["weight_hh_l0"].shape
    if rows % H or rows // H not in (1, 3, 4):
        raise ValueError(f"weight_hh_l0 has shape {(rows, H)}; expected (G*H, H) with G = 1, 3 or 4")
    G = rows // H
    params, k = {}, 0
    while f"weight_ih_l{k}" in arrays:
        W_ih, W_hh = arrays[f"weight_ih_l{k}"], arrays[f"weight_hh_l{k}"]
        b_ih = arrays.get(f"bias_ih_l{k}", np.zeros(G * H, dtype=W_ih.dtype))
        b_hh = arrays.get(f"bias_hh_l{k}", np.zeros(G * H, dtype=W_ih.dtype))
        params[f"Wx{k + 1}"] = np.ascontiguousarray(W_ih.T)
        params[f"Wh{k + 1}"] = np.ascontiguousarray(W_hh.T)
        if G == 3:  # GRU: only the r and z hidden biases can be folded into b
            params[f"b{k + 1}"] = b_ih + np.concatenate([b_hh[: 2 * H], np.zeros(H, dtype=b_hh.dtype)])
            params[f"bhn{k + 1}"] = b_hh[2 * H :].copy()
        else:
            params[f"b{k + 1}"] = b_ih + b_hh
        k += 1
    return params


# ----------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------


def _to_numpy(v):
    if hasattr(v, "detach"):  # a torch tensor, without importing torch
        v = v.detach().cpu().numpy()
    return np.array(v, copy=True)


def _floating(a):
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _check_cell(cell):
    if cell not in GATES:
        raise ValueError(f"cell must be one of {sorted(GATES)}, got {cell!r}")


def _check_nonlinearity(nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def _check_dtype(arr, name, dtype):
    if arr.dtype != dtype:
        raise TypeError(
            f"{name} is {arr.dtype} but the parameters are {np.dtype(dtype)}; convert one of them "
            f"(e.g. {name}.astype(np.{np.dtype(dtype).name})) -- dtypes are never changed silently"
        )
    return arr


def _check_grad(g, shape, dtype, name):
    g = as_array(g, name, dtype=dtype)
    if g.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {g.shape}")
    return g


def _check_layer_shapes(Wx, Wh, b, bhn, cell, suffix, H):
    G = GATES[cell]
    if Wh.shape != (H, G * H):
        raise ValueError(
            f"Wh{suffix} has shape {Wh.shape}; a {cell} layer with H = {H} needs (H, {G}*H) = ({H}, {G * H})"
        )
    if Wx.ndim != 2 or Wx.shape[1] != G * H:
        raise ValueError(f"Wx{suffix} has shape {Wx.shape}; expected (n_in, {G}*H) = (n_in, {G * H})")
    if b.shape != (G * H,):
        raise ValueError(f"b{suffix} has shape {b.shape}; expected ({G * H},)")
    if cell == "gru" and (bhn is None or bhn.shape != (H,)):
        raise ValueError(f"bhn{suffix} must have shape ({H},), got {None if bhn is None else bhn.shape}")
    if len({Wx.dtype, Wh.dtype, b.dtype} | ({bhn.dtype} if bhn is not None else set())) > 1:
        raise TypeError(f"the parameters of layer {suffix or 1} have mixed dtypes")


def _layers_from_params(params, cell=None):
    """Split {"Wx1", "Wh1", "b1", ...} into a list of per-layer dicts; infer the cell from Wh1."""
    if "Wx1" not in params or "Wh1" not in params:
        raise ValueError(f"params must contain 'Wx1', 'Wh1', 'b1', ... ; got keys {sorted(params)}")
    Wh1 = as_array(params["Wh1"], "Wh1", ndim=2)
    H = Wh1.shape[0]
    if cell is None:
        cell = {1: "rnn", 3: "gru", 4: "lstm"}.get(Wh1.shape[1] // H if Wh1.shape[1] % H == 0 else 0)
        if cell is None:
            raise ValueError(f"Wh1 has shape {Wh1.shape}; expected (H, G*H) with G = 1, 3 or 4")
    layers, l = [], 1
    while f"Wx{l}" in params:
        keys = ("Wx", "Wh", "b") + (("bhn",) if cell == "gru" else ())
        missing = [f"{k}{l}" for k in keys if f"{k}{l}" not in params]
        if missing:
            raise ValueError(f"params has 'Wx{l}' but no {missing}; a {cell} layer needs {[k + str(l) for k in keys]}")
        p = {k: as_array(params[f"{k}{l}"], f"{k}{l}", ndim=1 if k in ("b", "bhn") else 2) for k in keys}
        _check_layer_shapes(p["Wx"], p["Wh"], p["b"], p.get("bhn"), cell, str(l), H)
        if l > 1 and p["Wx"].shape[0] != H:
            raise ValueError(
                f"Wx{l} has shape {p['Wx'].shape}; layer {l} reads the hidden states of layer "
                f"{l - 1}, so it must be ({H}, {GATES[cell] * H})"
            )
        layers.append(p)
        l += 1
    return cell, layers


def _check_sequence_inputs(x, params, cell, h0, c0, nonlinearity):
    _check_cell(cell)
    if cell == "rnn":
        _check_nonlinearity(nonlinearity)
    _, layers = _layers_from_params(params, cell)
    dtype = layers[0]["Wx"].dtype
    x = as_array(x, "x", dtype=None if _floating(x) else dtype)
    if x.ndim != 3:
        hint = " (a single sequence? use x[None] for batch 1)" if x.ndim == 2 else ""
        raise ValueError(f"x must be a 3-D array (batch, seq_len, n_in), got shape {x.shape}{hint}")
    _check_dtype(x, "x", dtype)
    B, T, n_in = x.shape
    if T < 1 or B < 1:
        raise ValueError(f"x must have batch >= 1 and seq_len >= 1, got shape {x.shape}")
    if n_in != layers[0]["Wx"].shape[0]:
        raise ValueError(
            f"x has {n_in} features per step (shape {x.shape}) but Wx1 has shape "
            f"{layers[0]['Wx'].shape}, i.e. expects {layers[0]['Wx'].shape[0]} input features"
        )
    L, H = len(layers), layers[0]["Wh"].shape[0]
    states = []
    for name, s in (("h0", h0), ("c0", c0)):
        if s is None:
            states.append(np.zeros((L, B, H), dtype=dtype))
            continue
        if name == "c0" and cell != "lstm":
            raise ValueError(f"c0 is only used by an LSTM, not by cell={cell!r}")
        s = _check_dtype(as_array(s, name, dtype=None if _floating(s) else dtype), name, dtype)
        if s.ndim != 3:
            raise ValueError(f"{name} must be 3-D (num_layers, batch, H) = ({L}, {B}, {H}), got shape {s.shape}")
        if s.shape[1] != B:
            raise ValueError(
                f"{name} has batch size {s.shape[1]} (shape {s.shape}) but x has batch size {B}; "
                f"states are (num_layers, batch, H) = ({L}, {B}, {H})"
            )
        if s.shape != (L, B, H):
            raise ValueError(f"{name} must have shape (num_layers, batch, H) = ({L}, {B}, {H}), got {s.shape}")
        states.append(s)
    return x, states[0], states[1], layers
