"""Unit tests of dlfund.optim: mini-batches, the dictionary API, the optimizer objects, bad input.

Expected values here are derived by hand (first steps, fixed points, closed forms) or taken
from the numeric checks in ERRATA.md; the step-for-step comparison with torch.optim is in
test_optim_torch.py.
"""

import copy

import numpy as np
import pytest

from dlfund import optim as O
from dlfund.data import make_house_prices, standardize
from dlfund.network import MLP


def make_params(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    shapes = {"W1": (3, 4), "b1": (4,), "W2": (4, 2), "b2": (2,)}
    params = {k: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()}
    grads = {"d" + k: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()}
    return params, grads


# ----- random_mini_batches -------------------------------------------------------------------


def test_mini_batches_sizes_last_batch_smaller():
    X, Y = np.zeros((130, 3)), np.zeros(130)
    sizes = [len(xb) for xb, _ in O.random_mini_batches(X, Y, 32, rng=0)]
    assert sizes == [32, 32, 32, 32, 2]


def test_mini_batches_shuffled_each_row_once_and_pairs_kept():
    ids = np.arange(100)
    X = np.column_stack([ids, -ids]).astype(float)
    Y = 10.0 * ids
    X_before = X.copy()
    batches = O.random_mini_batches(X, Y, 16, rng=1)
    order = np.concatenate([xb[:, 0] for xb, _ in batches])
    assert not np.array_equal(order, ids)  # shuffled
    assert np.array_equal(np.sort(order), ids)  # every row exactly once
    for xb, yb in batches:
        assert np.array_equal(yb, 10.0 * xb[:, 0])  # rows stay paired
        assert np.array_equal(xb[:, 1], -xb[:, 0])
    assert np.array_equal(X, X_before)


def test_mini_batches_seeded():
    X, Y = np.arange(50.0).reshape(25, 2), np.arange(25.0)
    first = [yb for _, yb in O.random_mini_batches(X, Y, 4, rng=7)]
    again = [yb for _, yb in O.random_mini_batches(X, Y, 4, rng=np.random.default_rng(7))]
    other = [yb for _, yb in O.random_mini_batches(X, Y, 4, rng=8)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_mini_batches_one_batch_when_batch_size_exceeds_rows():
    X, Y = np.ones((5, 2)), np.ones(5)
    assert [len(xb) for xb, _ in O.random_mini_batches(X, Y, 64, rng=0)] == [5]


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "8"])
def test_mini_batches_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        O.random_mini_batches(np.ones((4, 2)), np.ones(4), batch_size, rng=0)


def test_mini_batches_row_mismatch():
    with pytest.raises(ValueError, match="4 rows but Y has 3"):
        O.random_mini_batches(np.ones((4, 2)), np.ones(3), 2, rng=0)


# ----- the dictionary API: pure functions ----------------------------------------------------


def _dict_calls():
    """(name, call(params, grads) -> tuple of returned dicts, state dicts passed in)."""
    p, _ = make_params()
    v = O.initialize_velocity(p)
    s_ada = O.initialize_adagrad(p, 0.1)
    s_dd, d_dd = O.initialize_adadelta(p)
    s_rms = O.initialize_rmsprop(p)
    m, v2 = O.initialize_adam(p)
    return [
        ("gd", lambda P, G: (O.update_parameters_with_gd(P, G, 0.1),), []),
        ("sgd", lambda P, G: (O.update_parameters_with_sgd(P, G, 0.1, weight_decay=0.1),), []),
        ("momentum", lambda P, G: O.update_parameters_with_momentum(P, G, v, 0.9, 0.1), [v]),
        ("nesterov", lambda P, G: O.update_parameters_with_nesterov(P, G, v, 0.9, 0.1, "classical"), [v]),
        ("adagrad", lambda P, G: O.update_parameters_with_adagrad(P, G, s_ada, 0.1), [s_ada]),
        ("adadelta", lambda P, G: O.update_parameters_with_adadelta(P, G, s_dd, d_dd), [s_dd, d_dd]),
        ("rmsprop", lambda P, G: O.update_parameters_with_rmsprop(P, G, s_rms, 0.1), [s_rms]),
        ("adam", lambda P, G: O.update_parameters_with_adam(P, G, m, v2, 1), [m, v2]),
        ("adamw", lambda P, G: O.update_parameters_with_adamw(P, G, m, v2, 3, weight_decay=0.5), [m, v2]),
    ]


@pytest.mark.parametrize("name, call, states", _dict_calls(), ids=[c[0] for c in _dict_calls()])
def test_dict_api_returns_new_dicts_and_leaves_inputs_alone(name, call, states):
    params, grads = make_params()
    before = copy.deepcopy((params, grads, states))
    out = call(params, grads)
    for a, b in zip((params, grads, *states), before[:2] + tuple(before[2])):
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a), f"{name} modified an input"
    new_params = out[0]
    assert new_params is not params and new_params.keys() == params.keys()
    assert any(not np.array_equal(new_params[k], params[k]) for k in params), f"{name} did not move"
    for k in params:
        assert not np.shares_memory(new_params[k], params[k])
    for new_state, old_state in zip(out[1:], states):
        assert new_state is not old_state
        for k in old_state:
            assert not np.shares_memory(new_state[k], old_state[k])


def test_initializers_are_zeros_keyed_like_grads():
    params, _ = make_params()
    for state in (
        O.initialize_velocity(params),
        O.initialize_rmsprop(params),
        *O.initialize_adam(params),
        *O.initialize_adadelta(params),
    ):
        assert set(state) == {"dW1", "db1", "dW2", "db2"}
        assert all(state["d" + k].shape == params[k].shape and not state["d" + k].any() for k in params)
    assert np.all(O.initialize_adagrad(params, 0.25)["dW1"] == 0.25)


# ----- one implementation: dict API and objects agree exactly --------------------------------
# Both forms call the same plain rule (`optim.rules`) with the same element-wise NumPy operations,
# so they agree bit for bit on every CPU (no BLAS call is involved; the BLAS-based fast path is
# compared with tolerances in test_optim_fast.py).


def _run_dict(update, init, n=15):
    params, _ = make_params(1)
    rng = np.random.default_rng(5)
    state = init(params)
    for t in range(1, n + 1):
        grads = {"d" + k: rng.standard_normal(p.shape) for k, p in params.items()}
        params, *state = update(params, grads, *state, t)
    return params


def _run_object(opt, n=15):
    params, _ = make_params(1)
    rng = np.random.default_rng(5)
    for _ in range(n):
        opt.step(params, {"d" + k: rng.standard_normal(p.shape) for k, p in params.items()})
    return params


PAIRS = [
    ("gd", lambda p, g, t: (O.update_parameters_with_gd(p, g, 0.1),), lambda p: (), O.GD(0.1)),
    (
        "sgd",
        lambda p, g, t: (O.update_parameters_with_sgd(p, g, 0.1, 0.01),),
        lambda p: (),
        O.SGD(0.1, weight_decay=0.01),
    ),
    (
        "adagrad",
        lambda p, g, s, t: O.update_parameters_with_adagrad(p, g, s, 0.1, 1e-9),
        lambda p: (O.initialize_adagrad(p),),
        O.Adagrad(0.1, eps=1e-9),
    ),
    (
        "adadelta",
        lambda p, g, s, d, t: O.update_parameters_with_adadelta(p, g, s, d, 0.8, 0.7, 1e-5),
        O.initialize_adadelta,
        O.Adadelta(0.8, rho=0.7, eps=1e-5),
    ),
    (
        "rmsprop",
        lambda p, g, s, t: O.update_parameters_with_rmsprop(p, g, s, 0.01, 0.95, 1e-7),
        lambda p: (O.initialize_rmsprop(p),),
        O.RMSprop(0.01, alpha=0.95, eps=1e-7),
    ),
    (
        "adam",
        lambda p, g, m, v, t: O.update_parameters_with_adam(p, g, m, v, t, 0.01, 0.8, 0.99, 1e-7),
        O.initialize_adam,
        O.Adam(0.01, betas=(0.8, 0.99), eps=1e-7),
    ),
    (
        "adamw",
        lambda p, g, m, v, t: O.update_parameters_with_adamw(p, g, m, v, t, 0.01, weight_decay=0.3),
        O.initialize_adam,
        O.AdamW(0.01, weight_decay=0.3),
    ),
]


@pytest.mark.parametrize("name, update, init, opt", PAIRS, ids=[p[0] for p in PAIRS])
def test_dict_api_and_object_take_identical_steps(name, update, init, opt):
    a, b = _run_dict(update, init), _run_object(opt)
    for k in a:
        assert np.array_equal(a[k], b[k]), f"{name}: {k} differs between the two forms"


# ----- values derived by hand ----------------------------------------------------------------


def test_gd_and_sgd_step():
    params, grads = make_params()
    new = O.update_parameters_with_gd(params, grads, 0.1)
    wd = O.update_parameters_with_sgd(params, grads, 0.1, weight_decay=0.5)
    for k in params:
        np.testing.assert_allclose(new[k], params[k] - 0.1 * grads["d" + k], rtol=1e-15)
        # for SGD, L2 in the gradient == decoupled shrinking of W (ERRATA E20)
        np.testing.assert_allclose(wd[k], params[k] * (1 - 0.1 * 0.5) - 0.1 * grads["d" + k], rtol=1e-14)


def test_momentum_first_steps_both_conventions():
    params, grads = make_params()
    v0 = O.initialize_velocity(params)
    ema, v_ema = O.update_parameters_with_momentum(params, grads, v0, beta=0.9, learning_rate=0.1)
    cls, v_cls = O.update_parameters_with_momentum(params, grads, v0, 0.9, 0.1, convention="classical")
    nes, _ = O.update_parameters_with_nesterov(params, grads, v0, 0.9, 0.1, convention="classical")
    for k in params:
        g = grads["d" + k]
        np.testing.assert_allclose(v_ema["d" + k], 0.1 * g, rtol=1e-14)  # (1 - beta) g
        np.testing.assert_allclose(ema[k], params[k] - 0.1 * 0.1 * g, rtol=1e-14)
        np.testing.assert_allclose(v_cls["d" + k], 0.1 * g, rtol=1e-14)  # lr g
        np.testing.assert_allclose(cls[k], params[k] - 0.1 * g, rtol=1e-14)
        np.testing.assert_allclose(nes[k], params[k] - 0.1 * (1 + 0.9) * g, rtol=1e-14)


def test_ema_momentum_equals_classical_with_rescaled_rate():
    """ERRATA E14: EMA with lr a == classical with lr a(1 - beta); at the same lr they differ."""
    rng = np.random.default_rng(2)
    p_ema = p_cls = p_same = {"w": np.array([1.0, -2.0])}
    v_ema, v_cls, v_same = ({"dw": np.zeros(2)} for _ in range(3))
    for _ in range(30):
        g = {"dw": rng.standard_normal(2)}
        p_ema, v_ema = O.update_parameters_with_momentum(p_ema, g, v_ema, 0.9, 0.1)
        p_cls, v_cls = O.update_parameters_with_momentum(p_cls, g, v_cls, 0.9, 0.1 * 0.1, "classical")
        p_same, v_same = O.update_parameters_with_momentum(p_same, g, v_same, 0.9, 0.1, "classical")
    np.testing.assert_allclose(p_ema["w"], p_cls["w"], rtol=1e-13)
    assert np.max(np.abs(p_ema["w"] - p_same["w"])) > 0.1


@pytest.mark.parametrize("gamma, amplification", [(0.5, 2.0), (0.9, 10.0), (0.99, 100.0)])
def test_momentum_steady_state_amplification(gamma, amplification):
    """ERRATA E15: under a constant gradient the step tends to lr / (1 - gamma)."""
    opt = O.SGD(0.01, momentum=gamma)
    p = {"w": np.zeros(1)}
    for _ in range(3000):
        before = p["w"].copy()
        opt.step(p, {"dw": np.ones(1)})
    step = float(before[0] - p["w"][0])
    np.testing.assert_allclose(step / 0.01, amplification, rtol=1e-6)


def test_adagrad_and_adam_first_step_is_about_lr_times_sign():
    params, grads = make_params()
    ada, s = O.update_parameters_with_adagrad(params, grads, O.initialize_adagrad(params), 0.1, 1e-10)
    adam, m, v = O.update_parameters_with_adam(
        params, grads, *O.initialize_adam(params), t=1, learning_rate=0.1, epsilon=1e-8
    )
    for k in params:
        g = grads["d" + k]
        np.testing.assert_allclose(s["d" + k], g**2, rtol=1e-15)
        np.testing.assert_allclose(ada[k], params[k] - 0.1 * g / (np.abs(g) + 1e-10), rtol=1e-14)
        # bias correction at t = 1: m_hat = g, v_hat = g**2
        np.testing.assert_allclose(m["d" + k], 0.1 * g, rtol=1e-14)
        np.testing.assert_allclose(v["d" + k], 0.001 * g**2, rtol=1e-12)
        np.testing.assert_allclose(adam[k], params[k] - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_adadelta_first_step():
    params, grads = make_params()
    new, s, u = O.update_parameters_with_adadelta(
        params, grads, *O.initialize_adadelta(params), learning_rate=1.0, rho=0.9, epsilon=1e-6
    )
    for k in params:
        g = grads["d" + k]
        delta = np.sqrt(1e-6) / np.sqrt(0.1 * g**2 + 1e-6) * g
        np.testing.assert_allclose(s["d" + k], 0.1 * g**2, rtol=1e-14)
        np.testing.assert_allclose(u["d" + k], 0.1 * delta**2, rtol=1e-12)
        np.testing.assert_allclose(new[k], params[k] - delta, rtol=1e-12)


def test_rmsprop_eps_outside_the_root():
    """ERRATA E16: g = 1e-6, 5 steps, lr 0.01, beta 0.9: eps outside the root gives -0.10408
    (as torch.optim.RMSprop); eps inside would give about -5e-4."""
    p, s = {"w": np.zeros(1)}, {"dw": np.zeros(1)}
    for _ in range(5):
        p, s = O.update_parameters_with_rmsprop(p, {"dw": np.full(1, 1e-6)}, s, learning_rate=0.01, beta=0.9)
    assert p["w"][0] == pytest.approx(-0.10408, abs=5e-6)


def test_rmsprop_options_first_step():
    p0 = np.array([1.0, -1.0])
    g = np.array([0.5, 2.0])
    centred = {"w": p0.copy()}
    O.RMSprop(0.1, alpha=0.9, centered=True, eps=0.0).step(centred, {"dw": g})
    # s = 0.1 g^2, mean = 0.1 g, denom = sqrt(0.1 g^2 - 0.01 g^2) = 0.3 |g|
    np.testing.assert_allclose(centred["w"], p0 - 0.1 * g / (0.3 * np.abs(g)), rtol=1e-14)


def test_adam_requires_t_from_one():
    params, grads = make_params()
    m, v = O.initialize_adam(params)
    with pytest.raises(ValueError, match="t must be >= 1"):
        O.update_parameters_with_adam(params, grads, m, v, t=0)
    for bad in (1.5, True, "1"):
        with pytest.raises(TypeError, match="t must be an integer"):
            O.update_parameters_with_adam(params, grads, m, v, t=bad)


def test_adamw_decays_current_weights_not_biases():
    """ERRATA E19: with zero gradients W shrinks geometrically, (1 - lr wd)^n; biases stay."""
    params = {"W": np.ones((2, 2)), "b": np.ones(2)}
    zero = {"dW": np.zeros((2, 2)), "db": np.zeros(2)}
    m, v = O.initialize_adam(params)
    p = params
    for t in range(1, 2001):
        p, m, v = O.update_parameters_with_adamw(p, zero, m, v, t, learning_rate=0.01, weight_decay=0.1)
    np.testing.assert_allclose(p["W"], (1 - 0.01 * 0.1) ** 2000, rtol=1e-10)
    assert 0.13 < p["W"][0, 0] < 0.14
    np.testing.assert_array_equal(p["b"], 1.0)
    p2, _, _ = O.update_parameters_with_adamw(
        params, zero, *O.initialize_adam(params), 1, learning_rate=0.5, weight_decay=0.1, include_biases=True
    )
    np.testing.assert_allclose(p2["b"], 0.95, rtol=1e-15)  # E20: 1 - lr * wd
    np.testing.assert_allclose(p2["W"], 0.95, rtol=1e-15)


def test_adam_l2_is_not_adamw_decay():
    """ERRATA E20: Adam(weight_decay) puts wd*W through the adaptive scaling; AdamW does not."""

    def run(opt):
        p = {"w": np.array([1.0, 1.0])}
        for _ in range(100):
            opt.step(p, {"dw": np.array([0.1, 10.0])})
        return p["w"]

    a, w = run(O.Adam(0.01, weight_decay=0.1)), run(O.AdamW(0.01, weight_decay=0.1))
    assert np.max(np.abs(a - w)) > 0.05


# ----- optimizer objects ----------------------------------------------------------------------

#: one example object per registered class (a new optimizer must be added: test below)
EXAMPLES = {
    "GD": O.GD(0.1),
    "SGD": O.SGD(0.1, momentum=0.9, nesterov=True),
    "Adagrad": O.Adagrad(0.1),
    "Adadelta": O.Adadelta(),
    "RMSprop": O.RMSprop(0.01, momentum=0.5, centered=True),
    "Adam": O.Adam(0.01),
    "AdamW": O.AdamW(0.01),
}
ALL_OBJECTS = [EXAMPLES[name] for name in sorted(O.OPTIMIZERS)]


def test_every_registered_optimizer_has_an_example():
    assert set(EXAMPLES) == set(O.OPTIMIZERS)


@pytest.mark.parametrize("opt", ALL_OBJECTS, ids=lambda o: type(o).__name__)
def test_object_step_in_place_and_keeps_dtype(opt):
    opt = copy.deepcopy(opt)
    for dtype in (np.float64, np.float32):
        opt.reset()
        params, grads = make_params(dtype=dtype)
        arrays = {k: v for k, v in params.items()}
        before = {k: v.copy() for k, v in params.items()}
        grads_before = {k: v.copy() for k, v in grads.items()}
        assert opt.step(params, grads) is None
        assert opt.t == 1
        for k in params:
            assert params[k] is arrays[k] and params[k].dtype == dtype
            assert not np.array_equal(params[k], before[k])
            np.testing.assert_array_equal(grads["d" + k], grads_before["d" + k])


def test_dict_api_keeps_float32():
    params, grads = make_params(dtype=np.float32)
    new, m, v = O.update_parameters_with_adam(params, grads, *O.initialize_adam(params), 1)
    assert all(new[k].dtype == np.float32 and v["d" + k].dtype == np.float32 for k in params)


def test_reset_and_repr():
    opt = O.Adam(0.01, betas=(0.8, 0.9))
    params, grads = make_params()
    opt.step(params, grads)
    assert opt.t == 1 and set(opt.state) == set(grads)
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    assert repr(opt) == "Adam(lr=0.01, betas=(0.8, 0.9), eps=1e-08, weight_decay=0.0)"
    assert repr(O.SGD(0.1, momentum=0.9)).startswith("SGD(lr=0.1, momentum=0.9, dampening=0.0")


def test_adagrad_lr_decay_shrinks_later_steps():
    opt = O.Adagrad(1.0, lr_decay=1.0, eps=0.0)
    p = {"w": np.zeros(1)}
    opt.step(p, {"dw": np.ones(1)})  # step 1: 1 * 1 / sqrt(1)
    opt.step(p, {"dw": np.ones(1)})  # step 2: 1/(1 + 1) * 1 / sqrt(2)
    np.testing.assert_allclose(p["w"], -(1.0 + 0.5 / np.sqrt(2)), rtol=1e-15)


@pytest.mark.parametrize(
    "opt",
    [
        O.SGD(0.05, momentum=0.9),
        O.Adagrad(0.1),
        O.Adadelta(),
        O.RMSprop(0.003),
        O.Adam(0.01),
        O.AdamW(0.01),
        O.fast.Adam(0.01),
    ],
    ids=lambda o: type(o).__module__.split(".")[-1] + "." + type(o).__name__,
)
def test_mlp_fit_trains_with_every_optimizer(opt):
    X, y = make_house_prices(n_samples=300, seed=4)
    X, _ = standardize(X)
    y = (y - y.mean()) / y.std()
    model = MLP([5, 16, 1], rng=0)
    history = model.fit(X, y, epochs=30, batch_size=32, optimizer=opt, rng=0, progress=False)
    assert history["loss"][-1] < 0.5 * history["loss"][0]


# ----- bad input ------------------------------------------------------------------------------


def test_mismatched_keys_name_the_key():
    params, grads = make_params()
    missing = {k: v for k, v in grads.items() if k != "dW2"}
    with pytest.raises(ValueError, match="missing gradient keys \\['dW2'\\]"):
        O.update_parameters_with_gd(params, missing, 0.1)
    with pytest.raises(ValueError, match="unexpected gradient keys \\['dW3'\\]"):
        O.Adam().step(params, {**grads, "dW3": np.zeros(1)})


def test_mismatched_shapes_name_the_key():
    params, grads = make_params()
    grads["db1"] = np.zeros(5)
    with pytest.raises(ValueError, match="'db1'.*\\(5,\\).*'b1'.*\\(4,\\)"):
        O.update_parameters_with_sgd(params, grads, 0.1)
    with pytest.raises(ValueError, match="db1"):
        O.SGD(0.1).step(params, grads)


def test_state_dicts_are_checked_by_name():
    params, grads = make_params()
    m, v = O.initialize_adam(params)
    del v["db2"]
    with pytest.raises(ValueError, match="v does not match parameters: missing v keys \\['db2'\\]"):
        O.update_parameters_with_adam(params, grads, m, v, 1)
    s = O.initialize_rmsprop(params)
    s["dW1"] = np.zeros((4, 3))
    with pytest.raises(ValueError, match="s\\['dW1'\\] has shape \\(4, 3\\)"):
        O.update_parameters_with_rmsprop(params, grads, s)


def test_object_state_shape_change_asks_for_reset():
    opt = O.Adam()
    params, grads = make_params()
    opt.step(params, grads)
    with pytest.raises(ValueError, match="reset"):
        opt.step({"W1": np.zeros((2, 2))}, {"dW1": np.zeros((2, 2))})


def test_object_needs_float_arrays():
    with pytest.raises(TypeError, match="params\\['w'\\] must be a floating-point numpy array"):
        O.SGD(0.1).step({"w": [1.0, 2.0]}, {"dw": [0.1, 0.1]})
    with pytest.raises(TypeError, match="floating-point"):
        O.Adam().step({"w": np.array([1, 2])}, {"dw": np.array([1, 1])})


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf")])
def test_non_positive_learning_rate(lr):
    params, grads = make_params()
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        O.update_parameters_with_adam(params, grads, *O.initialize_adam(params), 1, learning_rate=lr)
    with pytest.raises(ValueError, match="lr must be > 0"):
        O.RMSprop(lr=lr)


def test_non_numeric_learning_rate():
    with pytest.raises(TypeError, match="lr must be a number"):
        O.SGD("fast")


@pytest.mark.parametrize(
    "kwargs, name",
    [({"beta1": 1.0}, "beta1"), ({"beta1": -0.1}, "beta1"), ({"beta2": 1.5}, "beta2"), ({"beta2": 1.0}, "beta2")],
)
def test_adam_betas_outside_unit_interval(kwargs, name):
    params, grads = make_params()
    with pytest.raises(ValueError, match=f"{name} must be in \\[0, 1\\)"):
        O.update_parameters_with_adam(params, grads, *O.initialize_adam(params), 1, **kwargs)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: O.Adam(betas=(0.9, 1.0)), "betas\\[1\\] must be in \\[0, 1\\)"),
        (lambda: O.AdamW(betas=(-0.5, 0.9)), "betas\\[0\\] must be in \\[0, 1\\)"),
        (lambda: O.RMSprop(alpha=1.0), "alpha must be in"),
        (lambda: O.Adadelta(rho=1.2), "rho must be in"),
        (lambda: O.SGD(0.1, momentum=1.0), "momentum must be in"),
        (lambda: O.SGD(0.1, momentum=0.9, dampening=-0.1), "dampening must be in"),
        (lambda: O.SGD(0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda: O.SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
        (lambda: O.Adam(eps=-1e-8), "eps must be >= 0"),
        (lambda: O.Adagrad(eps=-1.0), "eps must be >= 0"),
        (lambda: O.Adagrad(lr_decay=-1.0), "lr_decay must be >= 0"),
        (lambda: O.SGD(0.1, weight_decay=-0.01), "weight_decay must be >= 0"),
        (lambda: O.AdamW(weight_decay=-0.01), "weight_decay must be >= 0"),
    ],
)
def test_object_hyperparameter_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_object_betas_must_be_a_pair():
    with pytest.raises(TypeError, match="betas must be a pair"):
        O.Adam(betas=0.9)


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda p, g: O.update_parameters_with_adam(p, g, *O.initialize_adam(p), 1, epsilon=-1e-8),
            "epsilon must be >= 0",
        ),
        (lambda p, g: O.update_parameters_with_rmsprop(p, g, O.initialize_rmsprop(p), epsilon=-1.0), "epsilon"),
        (lambda p, g: O.update_parameters_with_rmsprop(p, g, O.initialize_rmsprop(p), beta=1.0), "beta must be in"),
        (lambda p, g: O.update_parameters_with_adagrad(p, g, O.initialize_adagrad(p), epsilon=-1.0), "epsilon"),
        (lambda p, g: O.update_parameters_with_adadelta(p, g, *O.initialize_adadelta(p), rho=1.0), "rho must be in"),
        (lambda p, g: O.update_parameters_with_momentum(p, g, O.initialize_velocity(p), beta=1.0), "beta must be in"),
        (
            lambda p, g: O.update_parameters_with_momentum(p, g, O.initialize_velocity(p), convention="torch"),
            "convention must be 'ema' or 'classical'",
        ),
        (
            lambda p, g: O.update_parameters_with_nesterov(p, g, O.initialize_velocity(p), learning_rate=0),
            "learning_rate must be > 0",
        ),
        (
            lambda p, g: O.update_parameters_with_adamw(p, g, *O.initialize_adam(p), 1, weight_decay=-1),
            "weight_decay must be >= 0",
        ),
        (lambda p, g: O.update_parameters_with_sgd(p, g, 0.1, weight_decay=-1), "weight_decay must be >= 0"),
        (lambda p, g: O.initialize_adagrad(p, -0.1), "initial_accumulator_value must be >= 0"),
    ],
)
def test_dict_api_hyperparameter_errors(call, match):
    params, grads = make_params()
    with pytest.raises(ValueError, match=match):
        call(params, grads)
