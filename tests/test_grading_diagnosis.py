"""Realistic buggy implementations, written as learners write them: each fails, and the report
names the mistake — by its catalogue code, or, for variants nobody catalogued, by a diagnosis of
its behaviour (which gate, which bias correction, which time step). Also: every answer kind
(scalars, tuples, dicts, caches, dtypes, aliasing, warnings) gets a report without internal errors,
and reports have a plain-text rendering."""

import numpy as np
import pytest

from dlfund.grading import all_exercises, check


@pytest.fixture(autouse=True)
def _own_progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFUND_HOME", str(tmp_path / "dlfund-home"))


def _check(name, fn):
    return check(name, fn, show=False, record=False)


def _sig(a):
    return np.exp(-np.logaddexp(0.0, -a))


# -- scalars, dtypes, aliasing, warnings, caches ---------------------------------------------------


@pytest.mark.parametrize(
    "name, fn",
    [
        ("mse_loss", lambda y_hat, y: float(np.mean(np.abs(y_hat - y)))),
        ("binary_cross_entropy", lambda p, y: float(np.mean(y * np.log(p + 1e-12)))),
        ("l2_penalty", lambda parameters, lam: lam * sum(float(np.sum(v**2)) for v in parameters.values())),
        ("clip_grad_norm", lambda grads, max_norm: (grads, 1.0)),
    ],
)
def test_a_wrong_scalar_is_compared_not_crashed(name, fn):
    report = _check(name, fn).report()
    assert "expected" in report and "received" in report
    assert "could not read" not in report and "item assignment" not in report


def test_bool_and_int_derivatives_fail():
    result = _check("relu_derivative", lambda z: z > 0)
    assert not result.ok and "BOOL_RESULT" in result.problem_codes
    result = _check("relu_derivative", lambda z: (z > 0).astype(int))
    assert not result.ok and "INT_RESULT" in result.problem_codes and "integer dtype" in result.report()


def test_integer_state_and_float32_weights_fail():
    result = _check(
        "initialize_velocity", lambda parameters: {"d" + k: np.zeros(p.shape, dtype=int) for k, p in parameters.items()}
    )
    assert not result.ok and "INT_RESULT" in result.problem_codes
    result = _check(
        "xavier_uniform",
        lambda n_in, n_out, rng: (
            rng.uniform(-1, 1, (n_in, n_out)).astype(np.float32) * np.float32(np.sqrt(3.0 / (n_in + n_out) * 2))
        ),
    )
    assert not result.ok and "INIT_DTYPE" in result.problem_codes


def test_matrix_product_mismatch_hints_at_a_transpose():
    result = _check("dense_backward", lambda dZ, cache: (dZ @ cache[1], cache[0].T @ dZ, dZ.sum(axis=0)))
    assert not result.ok and "transpose" in result.report()


def test_float32_state_buffer_in_the_rnn_fails():
    def rnn_forward(x, h0, params):
        out = np.zeros((x.shape[0], x.shape[1], h0.shape[1]), dtype=np.float32)
        h = h0
        for t in range(x.shape[1]):
            h = np.tanh(x[:, t] @ params["Wx"] + h @ params["Wh"] + params["b"])
            out[:, t] = h
        return out, h

    result = _check("rnn_forward", rnn_forward)
    assert not result.ok and "DOWNCAST" in result.problem_codes


def test_float32_upcast_note_is_shown_in_a_passing_report():
    result = _check("relu", lambda z: np.maximum(z, 0.0).astype(np.float64))
    assert result.ok
    assert "with 1 note" in result.report() and "float32" in result.report()


def test_moments_sharing_one_dict_fail():
    def initialize_adam(parameters):
        v = {"d" + k: np.zeros_like(W) for k, W in parameters.items()}
        return v, v

    result = _check("initialize_adam", initialize_adam)
    assert not result.ok and "SHARED_ARRAYS" in result.problem_codes


def test_eval_mode_returning_the_input_object_fails():
    def dropout_forward(A, p_drop, rng, mode="train"):
        if mode == "eval":
            return A, (None, 1.0)
        mask = (rng.random(A.shape) >= p_drop).astype(A.dtype)
        return A * mask / (1 - p_drop), (mask, 1 / (1 - p_drop))

    result = _check("dropout_forward", dropout_forward)
    assert not result.ok and "RETURNS_INPUT" in result.problem_codes


def test_naive_sigmoid_fails_the_stability_exercise_with_the_warning_shown():
    result = _check("sigmoid", lambda z: 1 / (1 + np.exp(-z)))
    assert not result.ok and "NUMERIC_WARNING" in result.problem_codes
    assert "overflow" in result.report()


def test_warnings_in_a_passing_exercise_are_shown_as_a_caveat():
    def relu(z):
        np.log(np.zeros(1))  # a stray warning
        return np.maximum(z, 0)

    result = _check("relu", relu)
    assert result.ok and "NumPy warned" in result.report() and "note" in result.report()


def test_clip_grad_norm_dividing_by_a_zero_norm_fails():
    def clip_grad_norm(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        return {k: g * min(1.0, max_norm / norm) for k, g in grads.items()}, float(norm)

    result = _check("clip_grad_norm", clip_grad_norm)
    assert not result.ok and "divide by zero" in result.report()


def test_dense_cache_in_another_order_fails_and_says_what_it_holds():
    result = _check("dense_forward", lambda A_prev, W, b: (A_prev @ W + b, (W, A_prev)))
    assert not result.ok and "CACHE_CONTENT" in result.problem_codes
    assert "(W, A_prev)" in result.report()


def test_dropout_cache_without_the_mask_fails():
    def dropout_forward(A, p_drop, rng, mode="train"):
        if mode == "eval":
            return A.copy(), (None, 1.0)
        mask = rng.random(A.shape) >= p_drop
        return A * mask / (1 - p_drop), 1 / (1 - p_drop)

    result = _check("dropout_forward", dropout_forward)
    assert not result.ok and "CACHE_CONTENT" in result.problem_codes


def test_batchnorm_cache_with_the_std_instead_of_its_inverse_fails():
    def batchnorm_forward(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
        mean, var = (X.mean(axis=0), X.var(axis=0)) if mode == "train" else (running_mean, running_var)
        std = np.sqrt(var + eps)
        x_hat = (X - mean) / std
        return gamma * x_hat + beta, {"x_hat": x_hat, "inv_std": std, "gamma": gamma}

    result = _check("batchnorm_forward", batchnorm_forward)
    assert not result.ok and "inv_std" in result.report()


# -- structure before values --------------------------------------------------------------------


def test_swapped_return_order_is_named_not_blamed_on_broadcasting():
    def dense_backward(dZ, cache):
        A_prev, W = cache
        return A_prev.T @ dZ, dZ @ W.T, dZ.sum(axis=0)

    result = _check("dense_backward", dense_backward)
    codes = result.problem_codes
    assert "ORDER_SWAPPED" in codes and "BROADCAST" not in codes and "REDUCED" not in codes


def test_swapped_moments_are_named():
    from dlfund.optim import update_parameters_with_adam

    def adam(parameters, grads, v, s, t, **kw):
        p, v2, s2 = update_parameters_with_adam(parameters, grads, v, s, t, **kw)
        return p, s2, v2

    result = _check("adam", adam)
    assert "ORDER_SWAPPED" in result.problem_codes and "DICT_KEYS" not in result.problem_codes


def test_time_major_output_gets_an_axes_hint():
    def rnn_forward(x, h0, params):
        hs, h = [], h0
        for t in range(x.shape[1]):
            h = np.tanh(x[:, t] @ params["Wx"] + h @ params["Wh"] + params["b"])
            hs.append(h)
        return np.array(hs), h

    result = _check("rnn_forward", rnn_forward)
    assert "RNN_TIME_MAJOR" in result.mistake_codes and "AXES_ORDER" in result.problem_codes


# -- optimizers: catalogued and diagnosed ------------------------------------------------------------


def _adam(corr_v, corr_s, old=False, sign=-1.0):
    def update_parameters_with_adam(
        parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8
    ):
        P, V, S = {}, {}, {}
        for k, W in parameters.items():
            d = "d" + k
            V[d] = beta1 * v[d] + (1 - beta1) * grads[d]
            S[d] = beta2 * s[d] + (1 - beta2) * grads[d] ** 2
            vv, ss = (v[d], s[d]) if old else (V[d], S[d])
            v_hat, s_hat = vv / corr_v(beta1, t), ss / corr_s(beta2, t)
            P[k] = W + sign * learning_rate * v_hat / (np.sqrt(s_hat) + epsilon)
        return P, V, S

    return update_parameters_with_adam


def _pow(b, t):
    return 1 - b**t


@pytest.mark.parametrize(
    "fn, code",
    [
        (_adam(lambda b, t: 1 - b ** (t - 1), lambda b, t: 1 - b ** (t - 1)), "ADAM_BIAS_T_MINUS_1"),
        (_adam(lambda b, t: (1 - b) * t, lambda b, t: (1 - b) * t), "ADAM_BIAS_LINEAR"),
        (_adam(_pow, _pow, old=True), "ADAM_CORRECTS_OLD_MOMENTS"),
        (_adam(_pow, _pow, sign=1.0), "ADAM_UPHILL"),
    ],
)
def test_adam_bias_correction_mistakes_are_catalogued(fn, code):
    assert code in _check("adam", fn).mistake_codes


@pytest.mark.parametrize(
    "fn, words",
    [
        (_adam(lambda b, t: 1 - b ** (t - 1), _pow), "beta1**(t - 1)"),  # only v's correction is off
        (_adam(_pow, lambda b, t: (1 - b) * t), "(1 - beta2) * t"),  # only s's correction is off
        (_adam(_pow, lambda b, t: 1.0, sign=1.0), "UP the gradient"),  # two slips at once
    ],
)
def test_uncatalogued_adam_variants_are_diagnosed(fn, words):
    result = _check("adam", fn)
    assert not result.ok and not result.mistake_codes
    assert words in result.report()


def test_momentum_with_a_flipped_update_sign():
    def momentum(parameters, grads, v, beta=0.9, learning_rate=0.01):
        new_v = {dk: beta * v[dk] + (1 - beta) * grads[dk] for dk in v}
        return {k: W + learning_rate * new_v["d" + k] for k, W in parameters.items()}, new_v

    assert "MOM_UPHILL" in _check("momentum", momentum).mistake_codes


def test_momentum_stepping_with_the_gradient_uphill_is_diagnosed():
    def momentum(parameters, grads, v, beta=0.9, learning_rate=0.01):
        new_v = {dk: beta * v[dk] + (1 - beta) * grads[dk] for dk in v}
        return {k: W + learning_rate * grads["d" + k] for k, W in parameters.items()}, new_v

    report = _check("momentum", momentum).report()
    assert "moves UP" in report and "raw gradient" in report


def test_rmsprop_without_the_square_is_named_although_it_gives_nan():
    def rmsprop(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
        new_s = {dk: beta * s[dk] + (1 - beta) * grads[dk] for dk in s}
        return {
            k: W - learning_rate * grads["d" + k] / (np.sqrt(new_s["d" + k]) + epsilon) for k, W in parameters.items()
        }, new_s

    result = _check("rmsprop", rmsprop)
    assert "RMS_NO_SQUARE" in result.mistake_codes


def test_softmax_normalised_over_the_whole_array_is_named():
    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum()

    result = _check("softmax", softmax)
    assert "SOFTMAX_SHIFTED_GLOBAL_SUM" in result.mistake_codes and "whole array sums to 1" in result.report()


def test_sigmoid_sign_slip_in_one_branch_is_diagnosed():
    def sigmoid(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), 1 / (1 + e))  # the z < 0 branch should be e / (1 + e)

    result = _check("sigmoid", sigmoid)
    assert "where z < 0" in result.report() and "SIGMOID_SIGN_SLIP" in result.problem_codes


# -- recurrent nets --------------------------------------------------------------------------------


def _lstm(act_f=_sig, act_o=_sig, input_gate=True):
    def lstm_cell_forward(x_t, h_prev, c_prev, params):
        H = h_prev.shape[1]
        a = x_t @ params["Wx"] + h_prev @ params["Wh"] + params["b"]
        i, f, g, o = _sig(a[:, :H]), act_f(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), act_o(a[:, 3 * H :])
        c_t = f * c_prev + (i * g if input_gate else g)
        return o * np.tanh(c_t), c_t

    return lstm_cell_forward


def test_lstm_forget_gate_through_tanh_and_missing_input_gate_are_catalogued():
    assert "LSTM_FORGET_TANH" in _check("lstm_cell_forward", _lstm(act_f=np.tanh)).mistake_codes
    assert "LSTM_NO_INPUT_GATE" in _check("lstm_cell_forward", _lstm(input_gate=False)).mistake_codes


def test_an_uncatalogued_gate_slip_names_the_gate():
    report = _check("lstm_cell_forward", _lstm(act_o=np.tanh)).report()
    assert "output gate o" in report and "tanh" in report


def _lstm_bwd(dc_t_in=True, f_deriv=True):
    def lstm_cell_backward(dh_t, dc_t, cache):
        i, f, g, o, c_t = cache["i"], cache["f"], cache["g"], cache["o"], cache["c_t"]
        p = cache["params"]
        tc = np.tanh(c_t)
        dc = (dc_t if dc_t_in else 0) + dh_t * o * (1 - tc**2)
        da = np.concatenate(
            [
                dc * g * i * (1 - i),
                dc * cache["c_prev"] * (f * (1 - f) if f_deriv else 1),
                dc * i * (1 - g**2),
                dh_t * tc * o * (1 - o),
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

    return lstm_cell_backward


def test_lstm_backward_without_the_next_steps_cell_gradient_is_catalogued():
    assert "LSTM_BWD_NO_DC_NEXT" in _check("lstm_cell_backward", _lstm_bwd(dc_t_in=False)).mistake_codes


def test_lstm_backward_gate_is_named_by_columns_and_by_diagnosis():
    report = _check("lstm_cell_backward", _lstm_bwd(f_deriv=False)).report()
    assert "forget gate f block" in report  # the columns of dWx that differ
    assert "forget gate f's derivative is missing" in report


def _bptt(assign_keys=(), backwards=True, carry=True):
    def rnn_backward(dout, x, h0, params, out):
        T = x.shape[1]
        g = {
            "dx": np.zeros_like(x),
            "dWx": np.zeros_like(params["Wx"]),
            "dWh": np.zeros_like(params["Wh"]),
            "db": np.zeros_like(params["b"]),
        }
        dh_next = np.zeros_like(h0)
        for t in reversed(range(T)) if backwards else range(T):
            h_prev = out[:, t - 1] if t > 0 else h0
            da = (dout[:, t] + (dh_next if carry else 0)) * (1 - out[:, t] ** 2)
            g["dx"][:, t] = da @ params["Wx"].T
            parts = {"dWx": x[:, t].T @ da, "dWh": h_prev.T @ da, "db": da.sum(axis=0)}
            for key, value in parts.items():
                g[key] = value if key in assign_keys else g[key] + value
            dh_next = da @ params["Wh"].T
        g["dh0"] = dh_next
        return g

    return rnn_backward


def test_bptt_assigning_instead_of_accumulating_is_catalogued():
    assert "BPTT_ASSIGN_NOT_ACCUMULATE" in _check("rnn_backward", _bptt(assign_keys=("dWx", "dWh", "db"))).mistake_codes


def test_bptt_assigning_one_gradient_only_is_diagnosed():
    report = _check("rnn_backward", _bptt(assign_keys=("dWh",))).report()
    assert "assigned (=) instead of accumulated" in report or "contribution of time step 0" in report


def test_bptt_loop_in_the_wrong_direction_is_named():
    assert "BPTT_FORWARD_IN_TIME" in _check("rnn_backward", _bptt(backwards=False)).mistake_codes


def test_rnn_forward_loop_reversed_is_catalogued():
    def rnn_forward(x, h0, params):
        out = np.zeros((x.shape[0], x.shape[1], h0.shape[1]))
        h = h0
        for t in reversed(range(x.shape[1])):
            h = np.tanh(x[:, t] @ params["Wx"] + h @ params["Wh"] + params["b"])
            out[:, t] = h
        return out, h

    assert "RNN_TIME_REVERSED" in _check("rnn_forward", rnn_forward).mistake_codes


def test_wrong_time_steps_are_located():
    def rnn_forward(x, h0, params):
        out = np.zeros((x.shape[0], x.shape[1], h0.shape[1]))
        h = h0
        for t in range(x.shape[1]):
            h = np.tanh(x[:, t] @ params["Wx"] + h @ params["Wh"] + params["b"])
            out[:, t] = h
        out[:, -1] *= -1
        return out, out[:, -1]

    report = _check("rnn_forward", rnn_forward).report()
    assert "only time step(s)" in report


# -- presentation ----------------------------------------------------------------------------------


def test_reports_have_a_plain_text_and_an_html_rendering():
    result = _check("relu", lambda z: np.minimum(z, 0))
    bundle = result._repr_mimebundle_()
    assert bundle["text/plain"] == result.report() and bundle["text/plain"].startswith("✗ relu")
    assert bundle["text/html"].startswith('<div class="dlfund-check"')

    class Printer:
        def __init__(self):
            self.out = ""

        def text(self, s):
            self.out += s

    p = Printer()
    result._repr_pretty_(p, False)
    assert p.out == result.report()


def test_reports_are_compact():
    from dlfund.grading.core import describe_inputs

    for ex in all_exercises():
        for case in ex.make_cases((0,)):
            assert len(describe_inputs(ex, case)) <= 180, ex.name


# -- every kind of wrong answer gets a clean report ------------------------------------------------------

WRONG_ANSWERS = [1.5, "abc", None, [1, 2], (np.zeros(2), np.zeros(3)), {"x": 1}, np.full((2, 2), np.nan), True]


@pytest.mark.parametrize("ex", all_exercises(), ids=[e.name for e in all_exercises()])
def test_no_internal_error_for_a_wrong_answer_of_any_type(ex):
    for answer in WRONG_ANSWERS + [("one", "two", "three")]:
        result = check(ex.name, lambda *a, _v=answer, **k: _v, show=False, record=False, seeds=(0,))
        report = result.report()
        assert not result.ok
        for phrase in ("could not read", "Traceback", "object does not support", "has no attribute", "internal error"):
            assert phrase not in report, (ex.name, answer, report)
