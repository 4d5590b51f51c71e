"""Chapter 8 exercises: the RNN cell, a whole sequence, backpropagation through time, and the
LSTM cell forward and backward.

Shapes as in dlfund.rnn: x (batch, seq_len, n_in), states (batch, H). One cell's parameters are
{"Wx": (n_in, G*H), "Wh": (H, G*H), "b": (G*H,)} with G = 1 (RNN) or 4 (LSTM, gate blocks
[i | f | g | o] in PyTorch's order). References are dlfund.rnn functions; small adapters only
rename keys (a layer's "Wx1" is a cell's "Wx").
"""

import numpy as np

from dlfund import rnn

from ..core import Case
from ..diagnose import finding, same, search, variants
from ._util import exercise, mistakes, numeric_grad, rng_for

CH = 8


def _sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def _layer(params):
    return {"Wx1": params["Wx"], "Wh1": params["Wh"], "b1": params["b"]}


# -- RNN cell ------------------------------------------------------------------------------------


def rnn_cell_forward_ref(x_t, h_prev, params):
    return rnn.rnn_cell_forward(x_t, h_prev, params)[0]


def _rnn_inputs(s, salt, G=1, T=None):
    rng = rng_for(s, salt)
    B, n_in, H = int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(3, 6))
    if T is None:
        x = rng.normal(size=(B, n_in))
    else:
        x = rng.normal(size=(B, T, n_in))
    params = {
        "Wx": rng.normal(size=(n_in, G * H)) * 0.6,
        "Wh": rng.normal(size=(H, G * H)) * 0.6,
        "b": rng.normal(size=G * H) * 0.3,
    }
    return x, rng.normal(size=(B, H)) * 0.5, rng.normal(size=(B, H)) * 0.5, params


def _cell_cases(seeds):
    out = []
    for s in (1000,) + tuple(seeds):
        x, h, _, p = _rnn_inputs(s, 81)
        out.append(Case("fixed" if s == 1000 else f"random #{s}", (x, h, p)))
    return out


def _rc(x, h, p, act=np.tanh, rec=True, wh_t=False, bias=True):
    Wh = p["Wh"].T if wh_t else p["Wh"]
    a = x @ p["Wx"] + (h @ Wh if rec else 0) + (p["b"] if bias else 0)
    return act(a)


exercise(
    name="rnn_cell_forward",
    chapter=CH,
    func_name="rnn_cell_forward",
    title="RNN cell, one step",
    reference=rnn_cell_forward_ref,
    arg_names=["x_t", "h_prev", "params"],
    make_cases=_cell_cases,
    mistakes=mistakes(
        (
            "RNN_CELL_NO_RECURRENCE",
            "the new state depends on the previous one: add h_prev @ Wh",
            lambda x, h, p: _rc(x, h, p, rec=False),
        ),
        (
            "RNN_CELL_SIGMOID",
            "the vanilla RNN cell uses tanh (outputs in (-1, 1), centred on 0)",
            lambda x, h, p: _rc(x, h, p, act=_sig),
        ),
        (
            "RNN_CELL_WH_TRANSPOSED",
            "with samples as rows the recurrent term is h_prev @ Wh, Wh of shape (H, H) "
            "mapping unit i of h_prev to unit j of h_t",
            lambda x, h, p: _rc(x, h, p, wh_t=True),
        ),
        ("RNN_CELL_NO_BIAS", "add the bias b", lambda x, h, p: _rc(x, h, p, bias=False)),
        (
            "RNN_CELL_BIAS_OUTSIDE_TANH",
            "the bias belongs inside the tanh: tanh(x_t @ Wx + h_prev @ Wh + b)",
            lambda x, h, p: np.tanh(x @ p["Wx"] + h @ p["Wh"]) + p["b"],
        ),
    ),
)


# -- a whole sequence ---------------------------------------------------------------------------


def rnn_forward_ref(x, h0, params):
    out, h_n, _ = rnn.recurrent_forward(x, _layer(params), cell="rnn", h0=h0[None])
    return out, h_n[0]


def _seq_cases(salt):
    def make(seeds):
        out = []
        for k, s in enumerate((1010,) + tuple(seeds)):
            x, h0, _, p = _rnn_inputs(s, salt, T=[6, 5, 7, 4, 8][k % 5])
            out.append(Case(f"batch {x.shape[0]}, seq_len {x.shape[1]}", (x, h0, p)))
        return out

    return make


def _rf(x, h0, p, reset=False, off_by_one=False, first=False, act=np.tanh, backwards=False):
    B, T, _ = x.shape
    H = p["Wh"].shape[0]
    out = np.zeros((B, T, H))
    h = h0
    for t in reversed(range(T)) if backwards else range(T):
        prev = h0 if reset else h
        h = act(x[:, t] @ p["Wx"] + prev @ p["Wh"] + p["b"])
        out[:, t] = prev if off_by_one else h
    return out, (out[:, 0] if first else h)


def _rnn_time_major(x, h0, params):
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ params["Wx"] + h @ params["Wh"] + params["b"])
        states.append(h)
    return np.stack(states), h


_RF_WORDS = {
    "reset": "every step starts from h0 instead of the previous step's state",
    "off_by_one": "out[:, t] holds the state the step STARTED from (h_{t-1}), not h_t",
    "first": "h_n is the first step's state, not the last one",
    "act": "no tanh is applied",
    "backwards": "the time loop runs backwards (t = seq_len - 1, ..., 0)",
}


def _rnn_fwd_diagnosis(ex, case, outcomes):
    x, h0, p = case.args
    out = outcomes[0].value
    opts = {
        "reset": [False, True],
        "off_by_one": [False, True],
        "first": [False, True],
        "act": [np.tanh, (lambda a: a)],
        "backwards": [False, True],
    }
    hit = search((c for c in variants(opts) if c[1]), out, lambda c: _rf(x, h0, p, **c[0]))
    if hit is not None:
        words = "; ".join(_RF_WORDS[k] for k in hit[1])
        return [
            finding(
                "RNN_FORWARD_RULE",
                f"your outputs match an RNN where {words}",
                "h = h0 once before the loop; for t in range(seq_len): h = tanh(x[:, t] @ Wx + h @ Wh + b); "
                "out[:, t] = h",
            )
        ]
    ref = ex.expected(case)[0]
    try:
        got = np.asarray(out[0], dtype=np.float64)
    except (TypeError, ValueError, IndexError):
        return []
    if got.shape == ref.shape and np.allclose(got[:, 0], ref[:, 0]) and not np.allclose(got, ref):
        return [
            finding(
                "RNN_CARRY",
                "step 0 is right and later steps are wrong: the state carried from one step to the next is the problem",
                "each step starts from the state the previous step computed",
            )
        ]
    return []


exercise(
    name="rnn_forward",
    chapter=CH,
    func_name="rnn_forward",
    title="RNN over a sequence",
    reference=rnn_forward_ref,
    arg_names=["x", "h0", "params"],
    make_cases=_seq_cases(82),
    output_names=["out", "h_n"],
    diagnose=_rnn_fwd_diagnosis,
    mistakes=mistakes(
        (
            "RNN_STATE_RESET",
            "set the state from h0 ONCE, before the time loop; inside the loop each step must use "
            "the previous step's h (otherwise there is no memory)",
            lambda x, h0, p: _rf(x, h0, p, reset=True),
        ),
        (
            "RNN_OUT_OFF_BY_ONE",
            "out[:, t] holds h_t, the state computed at step t (not the one it started from)",
            lambda x, h0, p: _rf(x, h0, p, off_by_one=True),
        ),
        (
            "RNN_H_N_IS_FIRST",
            "h_n is the state after the LAST step, out[:, -1]",
            lambda x, h0, p: _rf(x, h0, p, first=True),
        ),
        (
            "RNN_NO_NONLINEARITY",
            "apply tanh to x_t @ Wx + h_prev @ Wh + b",
            lambda x, h0, p: _rf(x, h0, p, act=lambda a: a),
        ),
        (
            "RNN_TIME_REVERSED",
            "the loop runs forward in time, t = 0, 1, ..., seq_len - 1: reversed(range(...)) "
            "feeds the sequence backwards",
            lambda x, h0, p: _rf(x, h0, p, backwards=True),
        ),
        (
            "RNN_TIME_MAJOR",
            "out is (batch, seq_len, H): np.stack(states) stacks along a NEW FIRST axis, giving "
            "(seq_len, batch, H); use np.stack(states, axis=1)",
            _rnn_time_major,
        ),
    ),
)


# -- backpropagation through time ------------------------------------------------------------------


def rnn_backward_ref(dout, x, h0, params, out):
    _, _, cache = rnn.recurrent_forward(x, _layer(params), cell="rnn", h0=h0[None])
    g = rnn.recurrent_backward(dout, cache)
    return {"dx": g["dx"], "dh0": g["dh0"][0], "dWx": g["dWx1"], "dWh": g["dWh1"], "db": g["db1"]}


def _bptt_cases(seeds):
    cases = []
    for k, s in enumerate((1020,) + tuple(seeds)):
        x, h0, _, p = _rnn_inputs(s, 83, T=[5, 4, 6, 3][k % 4])
        out = rnn_forward_ref(x, h0, p)[0]
        dout = rng_for(s, 84).normal(size=out.shape)

        def numeric(args, kwargs, x=x, h0=h0, p=p, dout=dout):
            x, h0 = x.copy(), h0.copy()
            p = {k: v.copy() for k, v in p.items()}

            def f():
                return float(np.sum(dout * rnn_forward_ref(x, h0, p)[0]))

            return {
                "dx": numeric_grad(f, x),
                "dh0": numeric_grad(f, h0),
                "dWx": numeric_grad(f, p["Wx"]),
                "dWh": numeric_grad(f, p["Wh"]),
                "db": numeric_grad(f, p["b"]),
            }

        cases.append(Case(f"batch {x.shape[0]}, seq_len {x.shape[1]}", (dout, x, h0, p, out), numeric=numeric))
    return cases


def _bptt(
    dout,
    x,
    h0,
    p,
    out,
    carry=True,
    deriv=True,
    wh_uses_h_t=False,
    forward=False,
    dh0_zero=False,
    assign=False,
    wrap=False,
):
    B, T, _ = x.shape
    hs = np.concatenate([h0[:, None], out], axis=1)  # hs[:, t] = h_{t-1} for step t
    g = {
        "dx": np.zeros_like(x),
        "dWx": np.zeros_like(p["Wx"]),
        "dWh": np.zeros_like(p["Wh"]),
        "db": np.zeros_like(p["b"]),
    }
    dh_next = np.zeros_like(h0)
    order = range(T) if forward else reversed(range(T))
    for t in order:
        dh = dout[:, t] + (dh_next if carry else 0)
        h_t = hs[:, t + 1]
        da = dh * (1 - h_t**2) if deriv else dh
        h_prev = out[:, t - 1] if wrap else hs[:, t]  # out[:, -1] at t = 0 when h0 is forgotten
        g["dx"][:, t] = da @ p["Wx"].T
        if assign:
            g["dWx"], g["dWh"], g["db"] = x[:, t].T @ da, (h_t if wh_uses_h_t else h_prev).T @ da, da.sum(axis=0)
        else:
            g["dWx"] += x[:, t].T @ da
            g["dWh"] += (h_t if wh_uses_h_t else h_prev).T @ da
            g["db"] += da.sum(axis=0)
        dh_next = da @ p["Wh"].T
    g["dh0"] = np.zeros_like(h0) if dh0_zero else dh_next
    return g


_BPTT_WORDS = {
    "carry": "the gradient from step t + 1 (dh_next) is not added",
    "deriv": "tanh's derivative (1 - h_t**2) is missing",
    "wh_uses_h_t": "dWh uses h_t instead of h_{t-1}",
    "forward": "the loop runs forward in time",
    "dh0_zero": "dh0 is zero",
    "assign": "dWx, dWh and db are assigned (=) instead of accumulated (+=) over the steps",
    "wrap": "at t = 0 h_{t-1} is taken as out[:, -1] (the last state) instead of h0",
}


def _bptt_diagnosis(ex, case, outcomes):
    got = outcomes[0].value
    if not isinstance(got, dict):
        return []
    opts = {
        "carry": [True, False],
        "deriv": [True, False],
        "wh_uses_h_t": [False, True],
        "forward": [False, True],
        "dh0_zero": [False, True],
        "assign": [False, True],
        "wrap": [False, True],
    }
    hit = search((c for c in variants(opts) if c[1] and len(c[1]) <= 2), got, lambda c: _bptt(*case.args, **c[0]))
    if hit is not None:
        return [
            finding(
                "BPTT_RULE",
                "your gradients match BPTT where " + "; ".join(_BPTT_WORDS[k] for k in hit[1]),
                "go backwards in time; dh = dout[:, t] + dh_next; da = dh * (1 - h_t**2); accumulate with +=",
            )
        ]
    # one step's contribution only (= instead of += somewhere)
    dout, x, h0, p, out = case.args
    hs = np.concatenate([h0[:, None], out], axis=1)
    ref = ex.expected(case)
    dh_next, contrib = np.zeros_like(h0), {}
    for t in reversed(range(x.shape[1])):
        da = (dout[:, t] + dh_next) * (1 - hs[:, t + 1] ** 2)
        contrib[t] = {"dWx": x[:, t].T @ da, "dWh": hs[:, t].T @ da, "db": da.sum(axis=0)}
        dh_next = da @ p["Wh"].T
    for key in ("dWx", "dWh", "db"):
        if key in got and not same(got[key], ref[key]):
            steps = [t for t in contrib if same(got[key], contrib[t][key])]
            if steps:
                return [
                    finding(
                        "BPTT_ONE_STEP",
                        f"your {key} is the contribution of time step {steps[0]} alone",
                        "a weight is used at every step, so its gradient is the SUM over the steps: += "
                        "into a zero array, not =",
                    )
                ]
    return []


exercise(
    name="rnn_backward",
    chapter=CH,
    func_name="rnn_backward",
    title="Backpropagation through time",
    reference=rnn_backward_ref,
    arg_names=["dout", "x", "h0", "params", "out"],
    make_cases=_bptt_cases,
    gradient=True,
    diagnose=_bptt_diagnosis,
    mistakes=mistakes(
        (
            "BPTT_NO_CARRY",
            "h_t also feeds step t + 1: the gradient reaching h_t is dout[:, t] PLUS the gradient "
            "flowing back from step t + 1 (dh_next = da @ Wh.T)",
            lambda *a: _bptt(*a, carry=False),
        ),
        (
            "BPTT_NO_TANH_DERIVATIVE",
            "multiply by tanh's derivative, 1 - h_t**2, before the weight gradients",
            lambda *a: _bptt(*a, deriv=False),
        ),
        (
            "BPTT_DWH_USES_H_T",
            "step t computed h_{t-1} @ Wh, so dWh accumulates h_{t-1}.T @ da_t (not h_t)",
            lambda *a: _bptt(*a, wh_uses_h_t=True),
        ),
        (
            "BPTT_FORWARD_IN_TIME",
            "backpropagation through time runs BACKWARDS: t = T-1, ..., 0, so the gradient "
            "from step t + 1 is known when step t is processed",
            lambda *a: _bptt(*a, forward=True),
        ),
        (
            "BPTT_DH0_ZERO",
            "dh0 is the gradient carried out of the first step (dh_next after the loop)",
            lambda *a: _bptt(*a, dh0_zero=True),
        ),
        (
            "BPTT_ASSIGN_NOT_ACCUMULATE",
            "dWx, dWh and db ADD UP the contributions of every step (+=); with = only "
            "the last step processed (t = 0) is left",
            lambda *a: _bptt(*a, assign=True),
        ),
        (
            "BPTT_H_PREV_WRAPS",
            "at t = 0 the previous state is h0: out[:, t - 1] is out[:, -1], the LAST state, when t = 0",
            lambda *a: _bptt(*a, wrap=True),
        ),
    ),
)


# -- LSTM cell -------------------------------------------------------------------------------------


def lstm_cell_forward_ref(x_t, h_prev, c_prev, params):
    h, c, _ = rnn.lstm_cell_forward(x_t, h_prev, c_prev, params)
    return h, c


def _lstm_cases(seeds):
    out = []
    for s in (1030,) + tuple(seeds):
        x, h, c, p = _rnn_inputs(s, 85, G=4)
        out.append(Case("fixed" if s == 1030 else f"random #{s}", (x, h, c, p)))
    return out


def _lf(x, h, c, p, order="ifgo", tanh_c=True, old_c=False, cand=np.tanh, swap=False):
    H = h.shape[1]
    a = x @ p["Wx"] + h @ p["Wh"] + p["b"]
    blocks = {name: a[:, k * H : (k + 1) * H] for k, name in enumerate(order)}
    i, f, o, g = _sig(blocks["i"]), _sig(blocks["f"]), _sig(blocks["o"]), cand(blocks["g"])
    c_new = i * c + f * g if swap else f * c + i * g
    src = c if old_c else c_new
    return o * (np.tanh(src) if tanh_c else src), c_new


GATES = {"i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o"}
_ACTS = {
    "sigmoid": _sig,
    "tanh": np.tanh,
    "identity": lambda a: a,
    "relu": lambda a: np.maximum(a, 0),
    "missing": lambda a: np.ones_like(a),
}


def _lstm_general(x, h, c, p, acts=None, blocks="ifgo", h_rule="o*tanh(c)"):
    """LSTM step with each gate's activation and column block configurable (for the diagnosis)."""
    acts = {**{"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid"}, **(acts or {})}
    H = h.shape[1]
    a = x @ p["Wx"] + h @ p["Wh"] + p["b"]
    z = {name: a[:, k * H : (k + 1) * H] for k, name in enumerate(blocks)}
    gate = {k: _ACTS[acts[k]](z[k]) for k in "ifgo"}
    c_t = gate["f"] * c + gate["i"] * gate["g"]
    h_t = {
        "o*tanh(c)": lambda: gate["o"] * np.tanh(c_t),
        "o*c": lambda: gate["o"] * c_t,
        "o*tanh(c_prev)": lambda: gate["o"] * np.tanh(c),
        "tanh(o*c)": lambda: np.tanh(gate["o"] * c_t),
    }[h_rule]()
    return h_t, c_t


def _lstm_fwd_diagnosis(ex, case, outcomes):
    """Name the gate: which single change of a gate's activation or column block, or of the output
    rule, reproduces the answer; otherwise say whether c_t or only h_t is wrong."""
    x, h, c, p = case.args
    got = outcomes[0].value
    default = {"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid"}
    cands = []
    for gname in "ifgo":
        for act in _ACTS:
            if act != default[gname]:
                cands.append(
                    (
                        {"acts": {gname: act}},
                        f"the {GATES[gname]} goes through {act}"
                        if act != "missing"
                        else f"the {GATES[gname]} is missing (taken as 1)",
                    )
                )
    for j, k in [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]:
        order = list("ifgo")
        order[j], order[k] = order[k], order[j]
        cands.append(
            (
                {"blocks": "".join(order)},
                f"the column blocks of the {GATES['ifgo'[j]]} and the "
                f"{GATES['ifgo'[k]]} are swapped (the layout is [i | f | g | o])",
            )
        )
    for rule in ("o*c", "o*tanh(c_prev)", "tanh(o*c)"):
        cands.append(({"h_rule": rule}, f"h_t = {rule} instead of o * tanh(c_t)"))
    hit = search(cands, got, lambda cand: _lstm_general(x, h, c, p, **cand[0]))
    if hit is not None:
        gate = next((GATES[k] for k in "ifgo" if GATES[k] in hit[1]), "output path")
        return [
            finding(
                "LSTM_GATE",
                f"{gate}: your outputs match an LSTM where {hit[1]}",
                "i, f, o = sigmoid of blocks 0, 1, 3; g = tanh of block 2; c_t = f * c_prev + i * g; "
                "h_t = o * tanh(c_t)",
            )
        ]
    ref_h, ref_c = ex.expected(case)
    if isinstance(got, tuple) and len(got) == 2 and same(got[1], ref_c) and not same(got[0], ref_h):
        return [
            finding(
                "LSTM_OUTPUT_PATH",
                "c_t is right and h_t is wrong: the output gate o (block 3) or the tanh(c_t) it multiplies",
                "h_t = o * tanh(c_t)",
            )
        ]
    return []


exercise(
    name="lstm_cell_forward",
    chapter=CH,
    func_name="lstm_cell_forward",
    title="LSTM cell, forward",
    reference=lstm_cell_forward_ref,
    arg_names=["x_t", "h_prev", "c_prev", "params"],
    make_cases=_lstm_cases,
    output_names=["h_t", "c_t"],
    diagnose=_lstm_fwd_diagnosis,
    mistakes=mistakes(
        (
            "LSTM_FORGET_TANH",
            "the forget gate is a sigmoid (a fraction in (0, 1) of c_prev kept); only the candidate g uses tanh",
            lambda x, h, c, p: _lstm_general(x, h, c, p, acts={"f": "tanh"}),
        ),
        (
            "LSTM_NO_INPUT_GATE",
            "the input gate scales the candidate: c_t = f * c_prev + i * g",
            lambda x, h, c, p: _lstm_general(x, h, c, p, acts={"i": "missing"}),
        ),
        (
            "LSTM_GATE_ORDER",
            "the columns of a = x Wx + h Wh + b are the blocks [i | f | g | o] (PyTorch's order): "
            "the candidate g is the third block, the output gate o the fourth",
            lambda x, h, c, p: _lf(x, h, c, p, order="ifog"),
        ),
        (
            "LSTM_NO_TANH_ON_C",
            "h_t = o * tanh(c_t): squash the cell state before the output gate",
            lambda x, h, c, p: _lf(x, h, c, p, tanh_c=False),
        ),
        (
            "LSTM_OUTPUT_FROM_OLD_C",
            "h_t uses the NEW cell state c_t = f * c_prev + i * g",
            lambda x, h, c, p: _lf(x, h, c, p, old_c=True),
        ),
        (
            "LSTM_CANDIDATE_SIGMOID",
            "the candidate g uses tanh (values in (-1, 1)); only i, f and o are sigmoids",
            lambda x, h, c, p: _lf(x, h, c, p, cand=_sig),
        ),
        (
            "LSTM_GATES_SWAPPED",
            "the forget gate scales the OLD cell state and the input gate the candidate: c_t = f * c_prev + i * g",
            lambda x, h, c, p: _lf(x, h, c, p, swap=True),
        ),
    ),
)


def lstm_cell_backward_ref(dh_t, dc_t, cache):
    _, _, rc = rnn.lstm_cell_forward(cache["x_t"], cache["h_prev"], cache["c_prev"], cache["params"])
    return rnn.lstm_cell_backward(dh_t, dc_t, rc)


_DERIVS = {"sigmoid": lambda s: s * (1 - s), "tanh": lambda s: 1 - s * s, "none": lambda s: 1.0}
_LB_WORDS = {
    "via_h": "dc lacks the path through h_t (dh_t * o * (1 - tanh(c_t)**2))",
    "with_dc_t": "dc lacks dc_t, the cell-state gradient from the next step",
    "f_on_prev": "dc_prev is not multiplied by the forget gate f",
    "tanh_of_c": "tanh's derivative uses 1 - c_t**2 instead of 1 - tanh(c_t)**2",
    "gate_deriv": "no sigmoid derivative s * (1 - s) on i, f, o",
}


def _lstm_bwd_diagnosis(ex, case, outcomes):
    dh, dc, cache = case.args
    got = outcomes[0].value
    if not isinstance(got, dict):
        return []
    cands = [
        ({k: alt}, _LB_WORDS[k])
        for k, alt in (
            ("via_h", False),
            ("with_dc_t", False),
            ("f_on_prev", False),
            ("tanh_of_c", True),
            ("gate_deriv", False),
        )
    ]
    default = {"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid"}
    for gname in "ifgo":
        for kind in _DERIVS:
            if kind != default[gname]:
                cands.append(
                    (
                        {"deriv": {gname: kind}},
                        f"the {GATES[gname]}'s derivative is {'missing' if kind == 'none' else 'that of ' + kind}",
                    )
                )
    for j, k in [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]:
        order = list("ifgo")
        order[j], order[k] = order[k], order[j]
        cands.append(
            (
                {"order": "".join(order)},
                f"the gradient blocks of the {GATES['ifgo'[j]]} and the {GATES['ifgo'[k]]} are swapped in da",
            )
        )
    hit = search(cands, got, lambda cand: _lb(dh, dc, cache, **cand[0]))
    if hit is not None:
        return [
            finding(
                "LSTM_BWD_RULE",
                f"your gradients match an LSTM backward pass where {hit[1]}",
                "dc = dc_t + dh_t * o * (1 - tanh(c_t)**2); da = [dc*g*i(1-i) | dc*c_prev*f(1-f) | "
                "dc*i*(1-g**2) | dh_t*tanh(c_t)*o(1-o)]",
            )
        ]
    return []


def _lstm_cache(x, h, c, p):
    H = h.shape[1]
    a = x @ p["Wx"] + h @ p["Wh"] + p["b"]
    i, f, g, o = _sig(a[:, :H]), _sig(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), _sig(a[:, 3 * H :])
    return {"x_t": x, "h_prev": h, "c_prev": c, "params": p, "i": i, "f": f, "g": g, "o": o, "c_t": f * c + i * g}


def _lstm_bwd_cases(seeds):
    cases = []
    for s in (1040,) + tuple(seeds):
        x, h, c, p = _rnn_inputs(s, 86, G=4)
        rng = rng_for(s, 87)
        dh, dc = rng.normal(size=h.shape), rng.normal(size=h.shape)
        cache = _lstm_cache(x, h, c, p)

        def numeric(args, kwargs, x=x, h=h, c=c, p=p, dh=dh, dc=dc):
            x, h, c = x.copy(), h.copy(), c.copy()
            p = {k: v.copy() for k, v in p.items()}

            def f():
                h_t, c_t = lstm_cell_forward_ref(x, h, c, p)
                return float(np.sum(dh * h_t) + np.sum(dc * c_t))

            return {
                "dx": numeric_grad(f, x),
                "dh_prev": numeric_grad(f, h),
                "dc_prev": numeric_grad(f, c),
                "dWx": numeric_grad(f, p["Wx"]),
                "dWh": numeric_grad(f, p["Wh"]),
                "db": numeric_grad(f, p["b"]),
            }

        cases.append(
            Case(
                "fixed" if s == 1040 else f"random #{s}",
                (dh, dc, cache),
                numeric=numeric,
                context={"_block": h.shape[1], "_block_names": list(GATES.values())},
            )
        )
    return cases


def _lb(
    dh, dc_t, c, via_h=True, f_on_prev=True, gate_deriv=True, tanh_of_c=False, order="ifgo", with_dc_t=True, deriv=None
):
    i, f, g, o, c_t, c_prev = c["i"], c["f"], c["g"], c["o"], c["c_t"], c["c_prev"]
    p = c["params"]
    t = np.tanh(c_t)
    dc = (dc_t if with_dc_t else 0) + (dh * o * ((1 - c_t**2) if tanh_of_c else (1 - t * t)) if via_h else 0)
    gd = (lambda s: s * (1 - s)) if gate_deriv else (lambda s: 1.0)
    d = {"i": gd, "f": gd, "g": lambda s: 1 - s * s, "o": gd}
    d.update({k: _DERIVS[v] for k, v in (deriv or {}).items()})
    blocks = {"i": dc * g * d["i"](i), "f": dc * c_prev * d["f"](f), "g": dc * i * d["g"](g), "o": dh * t * d["o"](o)}
    da = np.concatenate([blocks[k] for k in order], axis=1)
    return {
        "dx": da @ p["Wx"].T,
        "dh_prev": da @ p["Wh"].T,
        "dc_prev": dc * f if f_on_prev else dc,
        "dWx": c["x_t"].T @ da,
        "dWh": c["h_prev"].T @ da,
        "db": da.sum(axis=0),
    }


exercise(
    name="lstm_cell_backward",
    chapter=CH,
    func_name="lstm_cell_backward",
    title="LSTM cell, backward",
    reference=lstm_cell_backward_ref,
    arg_names=["dh_t", "dc_t", "cache"],
    make_cases=_lstm_bwd_cases,
    gradient=True,
    diagnose=_lstm_bwd_diagnosis,
    mistakes=mistakes(
        (
            "LSTM_BWD_NO_DC_NEXT",
            "the cell state also reaches the loss through the NEXT step: dc = dc_t + "
            "dh_t * o * (1 - tanh(c_t)**2), not only the path through h_t",
            lambda dh, dc, c: _lb(dh, dc, c, with_dc_t=False),
        ),
        (
            "LSTM_BWD_NO_PATH_THROUGH_H",
            "c_t reaches the loss directly (dc_t) AND through h_t = o * tanh(c_t): "
            "dc = dc_t + dh_t * o * (1 - tanh(c_t)**2)",
            lambda dh, dc, c: _lb(dh, dc, c, via_h=False),
        ),
        (
            "LSTM_BWD_DC_PREV_NO_F",
            "c_t = f * c_prev + ..., so dc_prev = dc * f (the gradient highway is scaled by the forget gate)",
            lambda dh, dc, c: _lb(dh, dc, c, f_on_prev=False),
        ),
        (
            "LSTM_BWD_NO_SIGMOID_DERIVATIVE",
            "the gates are sigmoids of their pre-activations: multiply by s * (1 - s) for i, f and o",
            lambda dh, dc, c: _lb(dh, dc, c, gate_deriv=False),
        ),
        (
            "LSTM_BWD_TANH_DERIV_OF_C",
            "the derivative of tanh(c_t) is 1 - tanh(c_t)**2, not 1 - c_t**2",
            lambda dh, dc, c: _lb(dh, dc, c, tanh_of_c=True),
        ),
        (
            "LSTM_BWD_BLOCK_ORDER",
            "concatenate the gate gradients in the weight layout's order [i | f | g | o]",
            lambda dh, dc, c: _lb(dh, dc, c, order="ifog"),
        ),
    ),
)
