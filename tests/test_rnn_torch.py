"""Reference tests: dlfund.rnn against torch.nn.RNN / LSTM / GRU (batch_first=True), float64.

Mapping (see the dlfund.rnn docstring): Wx{k+1} = weight_ih_l{k}.T, Wh{k+1} = weight_hh_l{k}.T,
b{k+1} = bias_ih_l{k} + bias_hh_l{k}; for the GRU the n block of bias_hh_l{k} is bhn{k+1} and
is not folded into b. Hence torch's bias_ih and bias_hh gradients both equal our db (the GRU's
bias_hh n block equals dbhn). Every test feeds random upstream gradients into out, h_n and c_n
so that every path of the backward pass is exercised.
"""

import numpy as np
import pytest
import torch

from _torchref import assert_close_torch
from dlfund.gradcheck import gradient_check, numerical_gradient, relative_error
from dlfund.rnn import (
    count_recurrent_parameters,
    from_torch_layout,
    gru_cell_backward,
    gru_cell_forward,
    initialize_recurrent_parameters,
    lstm_cell_backward,
    lstm_cell_forward,
    recurrent_backward,
    recurrent_forward,
    rnn_cell_backward,
    rnn_cell_forward,
    to_torch_layout,
)
from dlfund.sequence_model import SequenceModel

RTOL, ATOL = 1e-10, 1e-12
torch.set_num_threads(1)

# (cell, nonlinearity) as named by PyTorch's modules
KINDS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", None)]
# (batch, seq_len, n_in, hidden, num_layers)
SIZES = [(1, 1, 1, 1, 1), (1, 6, 3, 4, 1), (4, 1, 2, 5, 2), (3, 7, 4, 6, 2), (5, 4, 3, 3, 3)]


def torch_module(cell, nonlinearity, n_in, H, L, seed, dtype=torch.float64):
    torch.manual_seed(seed)
    if cell == "rnn":
        m = torch.nn.RNN(n_in, H, L, nonlinearity=nonlinearity, batch_first=True)
    elif cell == "lstm":
        m = torch.nn.LSTM(n_in, H, L, batch_first=True)
    else:
        m = torch.nn.GRU(n_in, H, L, batch_first=True)
    m = m.to(dtype)
    with torch.no_grad():  # larger than the default init, so ReLU units and gates move away from 0
        for p in m.parameters():
            p.uniform_(-0.8, 0.8)
    return m


def t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def run_both(cell, nonlinearity, B, T, n_in, H, L, seed, with_state=True):
    """Forward and backward in torch and dlfund; returns the pairs to compare (name -> (ours, torch))."""
    rng = np.random.default_rng(seed)
    m = torch_module(cell, nonlinearity, n_in, H, L, seed)
    params = from_torch_layout(m.state_dict())
    x = rng.standard_normal((B, T, n_in))
    h0 = rng.standard_normal((L, B, H)) if with_state else None
    c0 = rng.standard_normal((L, B, H)) if with_state and cell == "lstm" else None
    R = rng.standard_normal((B, T, H))  # upstream gradients
    S = rng.standard_normal((L, B, H))
    U = rng.standard_normal((L, B, H))

    xt = t(x, True)
    h0t = t(h0 if with_state else np.zeros((L, B, H)), True)
    c0t = t(c0 if c0 is not None else np.zeros((L, B, H)), True)
    if cell == "lstm":
        out_t, (hn_t, cn_t) = m(xt, (h0t, c0t))
        loss = (out_t * t(R)).sum() + (hn_t * t(S)).sum() + (cn_t * t(U)).sum()
    else:
        out_t, hn_t = m(xt, h0t)
        loss = (out_t * t(R)).sum() + (hn_t * t(S)).sum()
    loss.backward()

    out, state, cache = recurrent_forward(x, params, cell, h0, c0, nonlinearity or "tanh")
    if cell == "lstm":
        (hn, cn) = state
        g = recurrent_backward(R, cache, S, U)
    else:
        hn = state
        g = recurrent_backward(R, cache, S)

    pairs = {"out": (out, out_t), "h_n": (hn, hn_t), "dx": (g["dx"], xt.grad), "dh0": (g["dh0"], h0t.grad)}
    if cell == "lstm":
        pairs["c_n"] = (cn, cn_t)
        pairs["dc0"] = (g["dc0"], c0t.grad)
    named = dict(m.named_parameters())
    for k in range(L):
        pairs[f"dWx{k + 1}"] = (g[f"dWx{k + 1}"], named[f"weight_ih_l{k}"].grad.T)
        pairs[f"dWh{k + 1}"] = (g[f"dWh{k + 1}"], named[f"weight_hh_l{k}"].grad.T)
        pairs[f"db{k + 1} vs bias_ih"] = (g[f"db{k + 1}"], named[f"bias_ih_l{k}"].grad)
        bias_hh = named[f"bias_hh_l{k}"].grad
        if cell == "gru":
            pairs[f"db{k + 1}[r,z] vs bias_hh"] = (g[f"db{k + 1}"][: 2 * H], bias_hh[: 2 * H])
            pairs[f"dbhn{k + 1}"] = (g[f"dbhn{k + 1}"], bias_hh[2 * H :])
        else:
            pairs[f"db{k + 1} vs bias_hh"] = (g[f"db{k + 1}"], bias_hh)
    return {name: (ours, theirs.detach().numpy()) for name, (ours, theirs) in pairs.items()}


def max_deviation(pairs):
    return max(float(np.max(np.abs(a - b))) for a, b in pairs.values())


@pytest.mark.parametrize("cell,nonlinearity", KINDS, ids=[c + (f"_{n}" if n else "") for c, n in KINDS])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: "B{}_T{}_I{}_H{}_L{}".format(*s))
def test_sequence_matches_torch(cell, nonlinearity, size):
    pairs = run_both(cell, nonlinearity, *size, seed=sum(size))
    kind = cell + (f"_{nonlinearity}" if nonlinearity else "")
    for name, (ours, theirs) in pairs.items():
        assert_close_torch(ours, theirs, f"{kind} {name.split()[0].rstrip('0123456789')}")
    if cell == "rnn" and nonlinearity == "relu":  # the ReLU branch really had both signs
        out = pairs["out"][0]
        assert (out > 0).any() and (out == 0).any() or out.size < 4


@pytest.mark.parametrize("cell,nonlinearity", KINDS, ids=[c + (f"_{n}" if n else "") for c, n in KINDS])
def test_default_zero_state_matches_torch(cell, nonlinearity):
    pairs = run_both(cell, nonlinearity, 3, 5, 2, 4, 2, seed=11, with_state=False)
    kind = cell + (f"_{nonlinearity}" if nonlinearity else "")
    for name, (ours, theirs) in pairs.items():
        assert_close_torch(ours, theirs, f"{kind} {name.split()[0].rstrip('0123456789')} (zero state)")


def test_largest_deviation_per_cell_type():
    """The number quoted in the chapter: the worst absolute difference over all sizes, per cell."""
    worst = {}
    for cell, nl in KINDS:
        name = cell + (f"_{nl}" if nl else "")
        worst[name] = max(max_deviation(run_both(cell, nl, *s, seed=sum(s))) for s in SIZES)
    print(
        "\nlargest |dlfund - torch| over outputs, states and all gradients:",
        ", ".join(f"{k} {v:.1e}" for k, v in worst.items()),
    )
    assert all(v < 1e-12 for v in worst.values()), worst


@pytest.mark.parametrize("cell,nonlinearity", KINDS, ids=[c + (f"_{n}" if n else "") for c, n in KINDS])
def test_to_torch_layout_loads_into_torch(cell, nonlinearity):
    B, T, n_in, H, L = 2, 5, 3, 4, 2
    params = initialize_recurrent_parameters(cell, n_in, H, L, rng=3, forget_bias=0.5)
    m = torch_module(cell, nonlinearity, n_in, H, L, seed=0)
    m.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_layout(params).items()})
    x = np.random.default_rng(1).standard_normal((B, T, n_in))
    out, state, _ = recurrent_forward(x, params, cell, nonlinearity=nonlinearity or "tanh")
    out_t, state_t = m(t(x))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    hn, hn_t = (state[0], state_t[0]) if cell == "lstm" else (state, state_t)
    np.testing.assert_allclose(hn, hn_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    back = from_torch_layout(m.state_dict())  # round trip gives the same parameters
    assert set(back) == set(params)
    for k in params:
        np.testing.assert_allclose(back[k], params[k], rtol=0, atol=1e-15)


@pytest.mark.parametrize("cell,nonlinearity", KINDS, ids=[c + (f"_{n}" if n else "") for c, n in KINDS])
def test_single_cell_matches_torch_cell(cell, nonlinearity):
    B, n_in, H = 3, 4, 5
    rng = np.random.default_rng(5)
    torch.manual_seed(5)
    if cell == "rnn":
        m = torch.nn.RNNCell(n_in, H, nonlinearity=nonlinearity).double()
    elif cell == "lstm":
        m = torch.nn.LSTMCell(n_in, H).double()
    else:
        m = torch.nn.GRUCell(n_in, H).double()
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.8, 0.8)
    layer = from_torch_layout({k + "_l0": v for k, v in m.state_dict().items()})
    params = {k[:-1]: v for k, v in layer.items()}  # "Wx1" -> "Wx"
    x, h, c = (rng.standard_normal(s) for s in ((B, n_in), (B, H), (B, H)))
    dh, dc = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    xt, ht, ct = t(x, True), t(h, True), t(c, True)
    if cell == "lstm":
        h1t, c1t = m(xt, (ht, ct))
        ((h1t * t(dh)).sum() + (c1t * t(dc)).sum()).backward()
        h1, c1, cache = lstm_cell_forward(x, h, c, params)
        g = lstm_cell_backward(dh, dc, cache)
        np.testing.assert_allclose(c1, c1t.detach().numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(g["dc_prev"], ct.grad.numpy(), rtol=RTOL, atol=ATOL)
    else:
        h1t = m(xt, ht)
        (h1t * t(dh)).sum().backward()
        if cell == "rnn":
            h1, cache = rnn_cell_forward(x, h, params, nonlinearity)
            g = rnn_cell_backward(dh, cache)
        else:
            h1, cache = gru_cell_forward(x, h, params)
            g = gru_cell_backward(dh, cache)
    np.testing.assert_allclose(h1, h1t.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(g["dx"], xt.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(g["dh_prev"], ht.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(g["dWx"], m.weight_ih.grad.numpy().T, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(g["dWh"], m.weight_hh.grad.numpy().T, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(g["db"], m.bias_ih.grad.numpy(), rtol=RTOL, atol=ATOL)
    if cell == "gru":
        np.testing.assert_allclose(g["dbhn"], m.bias_hh.grad.numpy()[2 * H :], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cell,nonlinearity", KINDS, ids=[c + (f"_{n}" if n else "") for c, n in KINDS])
def test_float32_matches_torch_and_stays_float32(cell, nonlinearity):
    B, T, n_in, H, L = 4, 6, 3, 8, 2
    m = torch_module(cell, nonlinearity, n_in, H, L, seed=2, dtype=torch.float32)
    params = from_torch_layout(m.state_dict())
    assert all(v.dtype == np.float32 for v in params.values())
    x = np.random.default_rng(0).standard_normal((B, T, n_in)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    out_t = m(xt)[0]
    out_t.sum().backward()
    out, _, cache = recurrent_forward(x, params, cell, nonlinearity=nonlinearity or "tanh")
    g = recurrent_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(v.dtype == np.float32 for v in g.values())
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g["dx"], xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(g["dWh1"], m.weight_hh_l0.grad.numpy().T, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cell,nonlinearity", KINDS, ids=[c + (f"_{n}" if n else "") for c, n in KINDS])
@pytest.mark.parametrize("n_in,H,L", [(1, 1, 1), (3, 5, 1), (4, 7, 3)])
def test_parameter_count_equals_torch(cell, nonlinearity, n_in, H, L):
    m = torch_module(cell, nonlinearity, n_in, H, L, seed=0)
    assert count_recurrent_parameters(cell, n_in, H, L, torch_layout=True) == sum(p.numel() for p in m.parameters())
    ours = from_torch_layout(m.state_dict())
    assert count_recurrent_parameters(cell, n_in, H, L) == sum(v.size for v in ours.values())
    # the difference is exactly the redundant bias_hh entries torch keeps (GRU: all but the n block)
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    diff = count_recurrent_parameters(cell, n_in, H, L, torch_layout=True) - count_recurrent_parameters(
        cell, n_in, H, L
    )
    assert diff == L * (G * H - (H if cell == "gru" else 0))


def test_lstm_parameter_formula_example():
    """4 (H*I + H^2 + 2H) for torch's LSTM(I=3, H=5): 4 * (15 + 25 + 10) = 200."""
    assert count_recurrent_parameters("lstm", 3, 5, torch_layout=True) == 200
    assert sum(p.numel() for p in torch.nn.LSTM(3, 5).parameters()) == 200


def test_stacked_torch_shapes_and_output_is_last_hidden():
    """E37: with batch_first, x and out are batch-first, the states are (num_layers, batch, H)."""
    m = torch_module("lstm", None, 3, 5, 2, seed=0)
    x = np.random.default_rng(0).standard_normal((7, 4, 3))
    out_t, (hn_t, cn_t) = m(t(x))
    out, (hn, cn), _ = recurrent_forward(x, from_torch_layout(m.state_dict()), "lstm")
    assert out.shape == tuple(out_t.shape) == (7, 4, 5)
    assert hn.shape == tuple(hn_t.shape) == cn.shape == tuple(cn_t.shape) == (2, 7, 5)
    np.testing.assert_allclose(out[:, -1], hn[-1], rtol=0, atol=0)


# ---------------------------------------------------------------------------------------------
# Gradient checks (centred differences) of every parameter, the input and the initial states
# ---------------------------------------------------------------------------------------------


def _weighted_loss(cell, x, params, h0, c0, R, S, U, nonlinearity):
    out, state, _ = recurrent_forward(x, params, cell, h0, c0, nonlinearity)
    hn, cn = state if cell == "lstm" else (state, None)
    loss = np.sum(out * R) + np.sum(hn * S)
    return loss + (np.sum(cn * U) if cn is not None else 0.0)


@pytest.mark.parametrize("cell,nonlinearity", KINDS, ids=[c + (f"_{n}" if n else "") for c, n in KINDS])
def test_gradient_check_all_inputs(cell, nonlinearity):
    B, T, n_in, H, L = 2, 4, 3, 4, 2
    rng = np.random.default_rng(7)
    params = initialize_recurrent_parameters(cell, n_in, H, L, rng=7)
    for v in params.values():
        v *= 2.0
    x = rng.standard_normal((B, T, n_in))
    h0 = rng.standard_normal((L, B, H))
    c0 = rng.standard_normal((L, B, H)) if cell == "lstm" else None
    R, S, U = rng.standard_normal((B, T, H)), rng.standard_normal((L, B, H)), rng.standard_normal((L, B, H))
    nl = nonlinearity or "tanh"
    _, _, cache = recurrent_forward(x, params, cell, h0, c0, nl)
    g = recurrent_backward(R, cache, S, U if cell == "lstm" else None)

    res = gradient_check(lambda p: _weighted_loss(cell, x, p, h0, c0, R, S, U, nl), params, g)
    assert res.max_relative_error < 1e-7, str(res)
    for name, arr in (("x", x), ("h0", h0), ("c0", c0)):
        if arr is None:
            continue
        num = numerical_gradient(lambda: _weighted_loss(cell, x, params, h0, c0, R, S, U, nl), arr)
        assert relative_error(g["d" + name], num) < 1e-6, name


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    "many_to_many,task",
    [(False, "classification"), (True, "regression"), (False, "regression"), (True, "classification")],
)
def test_sequence_model_gradient_check(cell, many_to_many, task):
    rng = np.random.default_rng(3)
    model = SequenceModel(cell, 3, 4, 3, num_layers=2, many_to_many=many_to_many, task=task, rng=3)
    x = rng.standard_normal((5, 4, 3))
    shape = (5, 4) if many_to_many else (5,)
    Y = rng.integers(0, 3, shape) if task == "classification" else rng.standard_normal(shape + (3,))
    _, grads = model.loss_and_grads(x, Y)
    assert set(grads) == {"d" + k for k in model.params}
    res = gradient_check(lambda p: model.loss_and_grads(x, Y, params=p)[0], model.params, grads)
    assert res.max_relative_error < 1e-6, str(res)


def test_sequence_model_loss_equals_torch():
    """An LSTM + Linear head with cross-entropy: loss and all gradients equal torch's."""
    rng = np.random.default_rng(0)
    model = SequenceModel("lstm", 3, 5, 4, num_layers=2, task="classification", rng=0)
    x = rng.standard_normal((6, 7, 3))
    y = rng.integers(0, 4, 6)
    loss, grads = model.loss_and_grads(x, y)

    lstm = torch.nn.LSTM(3, 5, 2, batch_first=True).double()
    lstm.load_state_dict(
        {
            k: torch.from_numpy(v)
            for k, v in to_torch_layout({k: v for k, v in model.params.items() if k not in ("Wy", "by")}).items()
        }
    )
    head = torch.nn.Linear(5, 4).double()
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(model.params["Wy"].T))
        head.bias.copy_(torch.from_numpy(model.params["by"]))
    out, _ = lstm(t(x))
    loss_t = torch.nn.functional.cross_entropy(head(out[:, -1]), torch.tensor(y))
    loss_t.backward()
    assert abs(loss - loss_t.item()) < 1e-12
    np.testing.assert_allclose(grads["dWy"], head.weight.grad.numpy().T, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grads["dWh2"], lstm.weight_hh_l1.grad.numpy().T, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grads["dWx1"], lstm.weight_ih_l0.grad.numpy().T, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grads["db1"], lstm.bias_ih_l0.grad.numpy(), rtol=RTOL, atol=ATOL)
