"""Unit tests of dlfund.rnn and dlfund.sequence_model: behaviour, shapes, dtypes and bad input."""

import numpy as np
import pytest

from dlfund.optim import GD
from dlfund.rnn import (
    count_recurrent_parameters,
    from_torch_layout,
    gru_cell_forward,
    initialize_recurrent_parameters,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_gate_activations,
    recurrent_backward,
    recurrent_forward,
    rnn_cell_forward,
    to_torch_layout,
)
from dlfund.sequence_model import SequenceModel

CELLS = ["rnn", "lstm", "gru"]


def rnn_inputs(cell, B=3, T=5, n_in=4, H=6, L=2, seed=0, dtype=np.float64):
    params = initialize_recurrent_parameters(cell, n_in, H, L, rng=seed, dtype=dtype)
    x = np.random.default_rng(seed).standard_normal((B, T, n_in)).astype(dtype)
    return params, x


# ---------------------------------------------------------------------------------------------
# behaviour
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_shapes(cell):
    params, x = rnn_inputs(cell)
    out, state, cache = recurrent_forward(x, params, cell)
    assert out.shape == (3, 5, 6)
    hn = state[0] if cell == "lstm" else state
    assert hn.shape == (2, 3, 6)
    g = recurrent_backward(np.ones_like(out), cache)
    assert g["dx"].shape == x.shape and g["dh0"].shape == (2, 3, 6)
    assert ("dc0" in g) == (cell == "lstm")
    for k, v in params.items():
        assert g["d" + k].shape == v.shape


@pytest.mark.parametrize("cell", CELLS)
def test_state_carries_information_across_time(cell):
    """E30: h_0 is set once before the loop, so the first input still changes the last state."""
    params, x = rnn_inputs(cell, L=1)
    x2 = x.copy()
    x2[:, 0] += 1.0
    h_T = recurrent_forward(x, params, cell)[0][:, -1]
    h_T2 = recurrent_forward(x2, params, cell)[0][:, -1]
    assert np.max(np.abs(h_T - h_T2)) > 1e-3
    # and the step loop really starts from h0: a different h0 changes the output
    h0 = np.ones((1, 3, 6))
    assert np.max(np.abs(recurrent_forward(x, params, cell, h0=h0)[0][:, -1] - h_T)) > 1e-4


@pytest.mark.parametrize("cell", CELLS)
def test_sequence_equals_repeated_cell_steps(cell):
    """The layer over time is the public cell applied step by step from h0."""
    params, x = rnn_inputs(cell, L=1)
    p = {k[:-1]: v for k, v in params.items()}
    h = np.random.default_rng(1).standard_normal((3, 6))
    c = np.random.default_rng(2).standard_normal((3, 6))
    out, state, _ = recurrent_forward(x, params, cell, h0=h[None], c0=c[None] if cell == "lstm" else None)
    for step in range(x.shape[1]):
        if cell == "lstm":
            h, c, _ = lstm_cell_forward(x[:, step], h, c, p)
        elif cell == "gru":
            h, _ = gru_cell_forward(x[:, step], h, p)
        else:
            h, _ = rnn_cell_forward(x[:, step], h, p)
        np.testing.assert_allclose(out[:, step], h, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("cell", CELLS)
def test_stacking_equals_chained_single_layers(cell):
    """E37: layer l's h sequence is layer l+1's input."""
    params, x = rnn_inputs(cell, L=2)
    out, _, _ = recurrent_forward(x, params, cell)
    first = {k[:-1] + "1": v for k, v in params.items() if k.endswith("1")}
    second = {k[:-1] + "1": v for k, v in params.items() if k.endswith("2")}
    mid, _, _ = recurrent_forward(x, first, cell)
    out2, _, _ = recurrent_forward(mid, second, cell)
    np.testing.assert_allclose(out, out2, rtol=0, atol=1e-15)


def test_lstm_cell_formula_by_hand():
    """E36: h_t = o * tanh(c_t) with c_t = f * c_prev + i * g, gate blocks in the order [i | f | g | o]."""
    rng = np.random.default_rng(0)
    H, n_in = 3, 2
    p = {
        "Wx": rng.standard_normal((n_in, 4 * H)),
        "Wh": rng.standard_normal((H, 4 * H)),
        "b": rng.standard_normal(4 * H),
    }
    x, h, c = rng.standard_normal((1, n_in)), rng.standard_normal((1, H)), rng.standard_normal((1, H))
    a = x @ p["Wx"] + h @ p["Wh"] + p["b"]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    i, f, g, o = sig(a[:, :H]), sig(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), sig(a[:, 3 * H :])
    h1, c1, _ = lstm_cell_forward(x, h, c, p)
    np.testing.assert_allclose(c1, f * c + i * g, rtol=1e-14)
    np.testing.assert_allclose(h1, o * np.tanh(f * c + i * g), rtol=1e-14)


def test_lstm_cell_backward_keys_and_forget_path():
    rng = np.random.default_rng(0)
    p = {k[:-1]: v for k, v in initialize_recurrent_parameters("lstm", 2, 3, rng=0).items()}
    x, h, c = rng.standard_normal((2, 2)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    _, _, cache = lstm_cell_forward(x, h, c, p)
    g = lstm_cell_backward(np.zeros((2, 3)), np.ones((2, 3)), cache)
    assert set(g) == {"dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"}
    f = cache[2][1]
    np.testing.assert_allclose(g["dc_prev"], f)  # dc_{t-1} = dc_t * f when only c_t is used


@pytest.mark.parametrize("cell", CELLS)
def test_float32_stays_float32(cell):
    params, x = rnn_inputs(cell, dtype=np.float32)
    out, state, cache = recurrent_forward(x, params, cell)
    assert out.dtype == np.float32
    g = recurrent_backward(np.ones_like(out), cache)
    assert all(v.dtype == np.float32 for v in g.values())


@pytest.mark.parametrize("cell", CELLS)
def test_inputs_are_not_modified(cell):
    params, x = rnn_inputs(cell)
    before = {k: v.copy() for k, v in params.items()}
    x0 = x.copy()
    h0 = np.ones((2, 3, 6))
    out, _, cache = recurrent_forward(x, params, cell, h0=h0)
    dout = np.ones_like(out)
    recurrent_backward(dout, cache)
    assert np.array_equal(x, x0) and np.array_equal(h0, np.ones((2, 3, 6))) and np.all(dout == 1.0)
    assert all(np.array_equal(before[k], params[k]) for k in params)


def test_backward_without_dout_uses_only_final_state():
    params, x = rnn_inputs("gru", L=1)
    out, hn, cache = recurrent_forward(x, params, "gru")
    S = np.random.default_rng(0).standard_normal(hn.shape)
    g1 = recurrent_backward(None, cache, dh_n=S)
    dout = np.zeros_like(out)
    dout[:, -1] = S[0]  # with one layer, h_n is the last output
    g2 = recurrent_backward(dout, cache)
    for k in g1:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-13, atol=1e-15)


def test_gate_activations_are_consistent():
    params, x = rnn_inputs("lstm", L=2)
    gates = lstm_gate_activations(x, params, layer=2)
    out, (hn, cn), _ = recurrent_forward(x, params, "lstm")
    assert set(gates) == {"input", "forget", "candidate", "output", "cell", "hidden"}
    assert all(v.shape == (3, 5, 6) for v in gates.values())
    np.testing.assert_allclose(gates["hidden"], out, rtol=0, atol=0)
    np.testing.assert_allclose(gates["hidden"], gates["output"] * np.tanh(gates["cell"]), rtol=1e-14)
    np.testing.assert_allclose(gates["cell"][:, -1], cn[1], rtol=0, atol=0)
    c_prev = np.concatenate([np.zeros((3, 1, 6)), gates["cell"][:, :-1]], axis=1)
    np.testing.assert_allclose(
        gates["cell"], gates["forget"] * c_prev + gates["input"] * gates["candidate"], rtol=1e-13, atol=1e-15
    )
    for k in ("input", "forget", "output"):
        assert gates[k].min() > 0 and gates[k].max() < 1
    with pytest.raises(ValueError, match="layer"):
        lstm_gate_activations(x, params, layer=3)


def test_initialisation():
    p = initialize_recurrent_parameters("lstm", 3, 4, 2, rng=0, forget_bias=1.0, dtype=np.float32)
    assert sorted(p) == ["Wh1", "Wh2", "Wx1", "Wx2", "b1", "b2"]
    assert p["Wx1"].shape == (3, 16) and p["Wx2"].shape == (4, 16) and p["b2"].shape == (16,)
    assert all(v.dtype == np.float32 for v in p.values())
    k = 1 / np.sqrt(4)
    assert np.abs(p["Wh1"]).max() <= k
    assert p["b1"][4:8].min() >= 1 - k and np.abs(np.delete(p["b1"], range(4, 8))).max() <= k
    g = initialize_recurrent_parameters("gru", 3, 4, rng=0, forget_bias=2.0)
    assert g["bhn1"].shape == (4,)
    assert g["b1"][4:8].min() >= 2 - k and np.abs(np.delete(g["b1"], range(4, 8))).max() <= k  # update gate z
    r0 = initialize_recurrent_parameters("rnn", 3, 4, rng=0)
    r1 = initialize_recurrent_parameters("rnn", 3, 4, rng=0, forget_bias=2.0)
    assert np.array_equal(r0["b1"], r1["b1"])
    a = initialize_recurrent_parameters("rnn", 3, 4, rng=5)
    b = initialize_recurrent_parameters("rnn", 3, 4, rng=5)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_count_formula():
    # LSTM(I=3, H=5): ours 4 (15 + 25 + 5) = 180, torch keeps 20 more biases
    assert count_recurrent_parameters("lstm", 3, 5) == 180
    assert count_recurrent_parameters("gru", 3, 5) == 3 * (15 + 25 + 5) + 5
    # stacked: layer 2 reads H inputs
    assert count_recurrent_parameters("rnn", 3, 5, 2) == (15 + 25 + 5) + (25 + 25 + 5)


def test_from_torch_layout_accepts_missing_biases_and_rejects_bidirectional():
    rng = np.random.default_rng(0)
    sd = {"weight_ih_l0": rng.standard_normal((8, 3)), "weight_hh_l0": rng.standard_normal((8, 2))}
    p = from_torch_layout(sd)
    assert np.array_equal(p["b1"], np.zeros(8)) and np.array_equal(p["Wx1"], sd["weight_ih_l0"].T)
    p["Wx1"][0, 0] = 99.0
    assert sd["weight_ih_l0"][0, 0] != 99.0  # new arrays, no shared memory
    with pytest.raises(ValueError, match="bidirectional"):
        from_torch_layout({**sd, "weight_ih_l0_reverse": sd["weight_ih_l0"]})
    with pytest.raises(ValueError, match="G = 1, 3 or 4"):
        from_torch_layout({"weight_ih_l0": np.zeros((4, 3)), "weight_hh_l0": np.zeros((4, 2))})
    td = to_torch_layout(initialize_recurrent_parameters("gru", 3, 2, rng=0))
    assert np.array_equal(td["bias_hh_l0"][:4], np.zeros(4))


# ---------------------------------------------------------------------------------------------
# bad input: clear errors that name the problem
# ---------------------------------------------------------------------------------------------


def test_wrong_input_rank():
    params, x = rnn_inputs("lstm")
    with pytest.raises(ValueError, match=r"x must be a 3-D array \(batch, seq_len, n_in\), got shape \(5, 4\)"):
        recurrent_forward(x[0], params, "lstm")
    with pytest.raises(ValueError, match="3-D"):
        recurrent_forward(x[None], params, "lstm")


def test_feature_size_mismatch():
    params, x = rnn_inputs("gru")
    with pytest.raises(ValueError, match=r"x has 3 features per step .* Wx1 has shape \(4, 18\)"):
        recurrent_forward(x[:, :, :3], params, "gru")


@pytest.mark.parametrize("cell", CELLS)
def test_state_with_wrong_batch_size(cell):
    params, x = rnn_inputs(cell)
    with pytest.raises(ValueError, match=r"h0 has batch size 2 .* but x has batch size 3"):
        recurrent_forward(x, params, cell, h0=np.zeros((2, 2, 6)))
    if cell == "lstm":
        with pytest.raises(ValueError, match=r"c0 has batch size 4"):
            recurrent_forward(x, params, cell, c0=np.zeros((2, 4, 6)))


def test_state_with_wrong_layers_or_rank():
    params, x = rnn_inputs("rnn")
    with pytest.raises(ValueError, match=r"h0 must have shape \(num_layers, batch, H\) = \(2, 3, 6\), got \(1, 3, 6\)"):
        recurrent_forward(x, params, "rnn", h0=np.zeros((1, 3, 6)))
    with pytest.raises(ValueError, match=r"h0 must be 3-D"):
        recurrent_forward(x, params, "rnn", h0=np.zeros((3, 6)))
    with pytest.raises(ValueError, match="c0 is only used by an LSTM"):
        recurrent_forward(x, params, "rnn", c0=np.zeros((2, 3, 6)))


def test_wrong_cell_for_weights_and_bad_options():
    params, x = rnn_inputs("gru")
    with pytest.raises(ValueError, match=r"Wh1 has shape \(6, 18\); a lstm layer with H = 6 needs \(H, 4\*H\)"):
        recurrent_forward(x, params, "lstm")
    with pytest.raises(ValueError, match="cell must be one of"):
        recurrent_forward(x, params, "transformer")
    p, x = rnn_inputs("rnn")
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        recurrent_forward(x, p, "rnn", nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="params must contain 'Wx1'"):
        recurrent_forward(x, {"W1": 1}, "rnn")
    bad = dict(p)
    bad["Wx2"] = np.zeros((4, 6))
    with pytest.raises(ValueError, match="layer 2 reads the hidden states of layer 1"):
        recurrent_forward(x, bad, "rnn")
    with pytest.raises(ValueError, match=r"b1 has shape \(5,\)"):
        recurrent_forward(x, {**p, "b1": np.zeros(5)}, "rnn")
    with pytest.raises(ValueError, match="bhn1"):
        recurrent_forward(x, {k: v for k, v in rnn_inputs("gru")[0].items() if k != "bhn1"}, "gru")


def test_dtype_mismatch_is_a_type_error():
    params, x = rnn_inputs("lstm")
    with pytest.raises(TypeError, match="x is float32 but the parameters are float64"):
        recurrent_forward(x.astype(np.float32), params, "lstm")
    out, _, _ = recurrent_forward(x.tolist(), params, "lstm")  # lists become the parameters' dtype
    assert out.dtype == np.float64


def test_backward_gradient_shapes_checked():
    params, x = rnn_inputs("lstm")
    out, _, cache = recurrent_forward(x, params, "lstm")
    with pytest.raises(ValueError, match=r"dout must have shape \(3, 5, 6\)"):
        recurrent_backward(out[:, :-1], cache)
    with pytest.raises(ValueError, match=r"dh_n must have shape \(2, 3, 6\)"):
        recurrent_backward(out, cache, dh_n=np.zeros((3, 6)))
    _, _, gcache = recurrent_forward(x, rnn_inputs("gru")[0], "gru")
    with pytest.raises(ValueError, match="dc_n is only defined for an LSTM"):
        recurrent_backward(None, gcache, dc_n=np.zeros((2, 3, 6)))


def test_cell_bad_input():
    p = {k[:-1]: v for k, v in initialize_recurrent_parameters("lstm", 2, 3, rng=0).items()}
    with pytest.raises(ValueError, match="x_t must be a 2-D array"):
        lstm_cell_forward(np.zeros((4, 2, 1)), np.zeros((4, 3)), np.zeros((4, 3)), p)
    with pytest.raises(ValueError, match=r"x_t has 5 features"):
        lstm_cell_forward(np.zeros((4, 5)), np.zeros((4, 3)), np.zeros((4, 3)), p)
    with pytest.raises(ValueError, match=r"c_prev must have shape \(batch, H\) = \(4, 3\), got \(2, 3\)"):
        lstm_cell_forward(np.zeros((4, 2)), np.zeros((4, 3)), np.zeros((2, 3)), p)
    with pytest.raises(ValueError, match="missing"):
        rnn_cell_forward(np.zeros((4, 2)), np.zeros((4, 3)), {"Wx": p["Wx"]})
    with pytest.raises(ValueError, match=r"Wh has shape \(3, 12\); a rnn layer"):
        rnn_cell_forward(np.zeros((4, 2)), np.zeros((4, 3)), p)
    _, _, cache = lstm_cell_forward(np.zeros((4, 2)), np.zeros((4, 3)), np.zeros((4, 3)), p)
    with pytest.raises(ValueError, match=r"dc_t must have shape \(4, 3\)"):
        lstm_cell_backward(np.zeros((4, 3)), np.zeros((3, 3)), cache)


# ---------------------------------------------------------------------------------------------
# SequenceModel
# ---------------------------------------------------------------------------------------------


def test_sequence_model_shapes_and_counts():
    m = SequenceModel("gru", 3, 5, 2, num_layers=2, rng=0)
    x = np.zeros((4, 6, 3))
    assert m.forward(x)[0].shape == (4, 2)
    assert m.num_parameters == sum(v.size for v in m.params.values())
    mm = SequenceModel("lstm", 3, 5, 1, many_to_many=True, rng=0)
    assert mm.forward(x)[0].shape == (4, 6, 1) and mm.predict(x).shape == (4, 6)
    c = SequenceModel("rnn", 3, 5, 4, task="classification", rng=0)
    proba = c.predict_proba(np.random.default_rng(0).standard_normal((4, 6, 3)))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert c.predict(x).shape == (4,)
    assert "many-to-one" in repr(c) and "parameters" in repr(c)


@pytest.mark.parametrize("cell", CELLS)
def test_sequence_model_learns_a_mean(cell):
    """Many-to-one regression: predict the mean of a short sequence. GD explains > 90 % of the variance."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (256, 5, 1))
    y = x.mean(axis=(1, 2))
    m = SequenceModel(cell, 1, 8, 1, rng=0)
    h = m.fit(
        x, y, epochs=60, batch_size=32, optimizer=GD(0.5), rng=0, validation_data=(x[:50], y[:50]), track_grad_norm=True
    )
    assert len(h["loss"]) == len(h["val_loss"]) == 60 and len(h["grad_norm"]) == 60 * 8
    assert h["loss"][-1] < 0.1 * y.var()
    assert np.mean((m.predict(x) - y) ** 2) < 0.1 * y.var()


def test_fit_clipping_matches_a_manual_clipped_step():
    """clip_norm rescales the gradients before the optimizer step, exactly like clip_grad_norm."""
    x = np.random.default_rng(0).standard_normal((16, 4, 2))
    y = 5 * np.ones(16)
    m = SequenceModel("gru", 2, 3, 1, rng=0)
    manual = SequenceModel("gru", 2, 3, 1, rng=0)
    h = m.fit(x, y, epochs=1, batch_size=None, optimizer=GD(0.1), clip_norm=0.5, rng=0)
    _, grads = manual.loss_and_grads(x, y)
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    assert norm > 0.5 and np.isclose(h["grad_norm"][0], norm)
    for k in manual.params:
        expected = manual.params[k] - 0.1 * grads["d" + k] * (0.5 / (norm + 1e-6))
        np.testing.assert_allclose(m.params[k], expected, rtol=1e-12, atol=1e-14)
    v = SequenceModel("gru", 2, 3, 1, rng=0)
    v.fit(x, y, epochs=1, batch_size=None, optimizer=GD(0.1), clip_value=1e-3, rng=0)
    step = {k: np.abs(v.params[k] - manual.params[k]).max() for k in v.params}
    assert max(step.values()) <= 0.1 * 1e-3 * (1 + 1e-9)  # every entry moved by at most lr * clip_value
    assert "grad_norm" not in v.fit(x, y, epochs=1, optimizer=GD(0.1))


def test_sequence_model_accepts_a_function_optimizer_like_mlp():
    # the training loop is shared with MLP.fit, so the dict API works here too
    from dlfund.optim import update_parameters_with_gd

    m = SequenceModel("rnn", 2, 3, 1, rng=0)
    x = np.random.default_rng(1).normal(size=(4, 5, 2))
    before = {k: v.copy() for k, v in m.params.items()}
    m.fit(x, np.ones(4), epochs=1, batch_size=4, optimizer=update_parameters_with_gd, lr=0.1)
    assert any(not np.allclose(before[k], m.params[k]) for k in before)


def test_sequence_model_bad_input():
    m = SequenceModel("lstm", 2, 3, 1, rng=0)
    x = np.zeros((4, 5, 2))
    with pytest.raises(ValueError, match=r"Y has shape \(3,\) but the model outputs shape \(4, 1\)"):
        m.compute_loss(m.forward(x)[0], np.zeros(3))
    with pytest.raises(ValueError, match="x has 4 sequences but Y has 3"):
        m.fit(x, np.zeros(3), epochs=1)
    with pytest.raises(TypeError, match="step"):
        m.fit(x, np.zeros(4), epochs=1, optimizer="adam")
    with pytest.raises(ValueError, match="clip_norm must be > 0"):
        m.fit(x, np.zeros(4), epochs=1, clip_norm=-1.0)
    with pytest.raises(ValueError, match="task must be"):
        SequenceModel("lstm", 2, 3, 1, task="ranking")
    c = SequenceModel("lstm", 2, 3, 3, task="classification", rng=0)
    with pytest.raises(ValueError, match=r"integer labels of shape \(4,\)"):
        c.compute_loss(c.forward(x)[0], np.zeros((4, 3)))
    with pytest.raises(ValueError, match="only defined for task='classification'"):
        m.predict_proba(x)
