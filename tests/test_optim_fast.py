"""The opt-in fast path (`dlfund.optim.fast`) equals the plain rules up to rounding.

Bitwise equality is NOT asserted between different code paths: numpy's OpenBLAS picks an axpy
kernel per CPU (Haswell fuses multiply-add for some entries and not others, depending on the
call's length and position; SkylakeX fuses all; older kernels none), so a fused, blocked or
grouped update may differ from the plain formula in the last bits. Every comparison here uses a
tolerance derived from the dtype's machine epsilon and the values' scale (`close`), and the
number of steps taken.
"""

import copy

import numpy as np
import pytest

from dlfund import MLP
from dlfund.optim import fast, optimizers, rules
from dlfund.optim.fast import pack_parameters

SHAPES = {"W1": (6, 5), "b1": (5,), "W2": (5, 3), "b2": (3,)}


def close(ours, ref, dtype, steps=1, ulps=32):
    """|ours - ref| <= ulps * steps * eps(dtype) * (scale of ref), element-wise with one scale."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    scale = max(float(np.max(np.abs(ref), initial=0.0)), float(np.finfo(dtype).tiny))
    tol = ulps * steps * np.finfo(dtype).eps * scale
    err = float(np.max(np.abs(ours.astype(np.float64) - ref.astype(np.float64)), initial=0.0))
    assert err <= tol, f"max |difference| {err:.3g} > tolerance {tol:.3g} ({steps} steps, scale {scale:.3g})"


def _problem(seed=0, dtype=np.float64, n=5, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    params = {k: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()}
    grads = [
        {"d" + k: (10.0 ** rng.integers(-3, 2) * rng.standard_normal(s)).astype(dtype) for k, s in shapes.items()}
        for _ in range(n)
    ]
    return params, grads


# ----- the in-place rules against the plain rules -------------------------------------------------


def _state(shape, n, dtype, rng):
    return [np.abs(rng.standard_normal(shape)).astype(dtype) for _ in range(n)]


# name -> (fast in-place call(p, g, states), plain call(p, g, states) -> (p, *states), number of states)
RULES = {
    "sgd": (lambda p, g, s: fast.sgd_step_inplace(p, g, 0.1), lambda p, g, s: (rules.sgd_step(p, g, 0.1),), 0),
    "momentum": (
        lambda p, g, s: fast.sgd_step_inplace(p, g, 0.1, s[0], 0.9),
        lambda p, g, s: rules.momentum_step(p, g, s[0], 0.1, 0.9),
        1,
    ),
    "nesterov": (
        lambda p, g, s: fast.sgd_step_inplace(p, g, 0.1, s[0], 0.9, 0.5, nesterov=True),
        lambda p, g, s: rules.momentum_step(p, g, s[0], 0.1, 0.9, 0.5, nesterov=True),
        1,
    ),
    "adagrad": (
        lambda p, g, s: fast.adagrad_step_inplace(p, g, s[0], 0.1),
        lambda p, g, s: rules.adagrad_step(p, g, s[0], 0.1),
        1,
    ),
    "rmsprop": (
        lambda p, g, s: fast.rmsprop_step_inplace(p, g, s[0], 0.01, 0.9),
        lambda p, g, s: rules.rmsprop_step(p, g, s[0], 0.01, 0.9),
        1,
    ),
    "adadelta": (
        lambda p, g, s: fast.adadelta_step_inplace(p, g, s[0], s[1]),
        lambda p, g, s: rules.adadelta_step(p, g, s[0], s[1]),
        2,
    ),
    "adam": (
        lambda p, g, s: fast.adam_step_inplace(p, g, s[0], s[1], 3, 1e-2),
        lambda p, g, s: rules.adam_step(p, g, s[0], s[1], 3, 1e-2),
        2,
    ),
    "adamw": (
        lambda p, g, s: fast.adam_step_inplace(p, g, s[0], s[1], 3, 1e-2, weight_decay=0.1),
        lambda p, g, s: rules.adamw_step(p, g, s[0], s[1], 3, 1e-2, weight_decay=0.1),
        2,
    ),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("block_bytes", [10**9, 100], ids=["one-call", "blocked"])
def test_inplace_rule_equals_plain_rule(name, dtype, block_bytes, monkeypatch):
    """Three steps on a (37, 29) array, whole or in blocks of 100 bytes (the last block shorter)."""
    monkeypatch.setattr(fast, "BLOCK_BYTES", block_bytes * np.dtype(dtype).itemsize // 8)
    inplace, plain, n_state = RULES[name]
    rng = np.random.default_rng(0)
    p0, g = rng.standard_normal((37, 29)).astype(dtype), rng.standard_normal((37, 29)).astype(dtype)
    s0 = _state(p0.shape, n_state, dtype, rng)
    p, s, g_before = p0.copy(), [a.copy() for a in s0], g.copy()
    ref, ref_s = p0, s0
    for step in range(1, 4):
        inplace(p, g, s)
        ref, *ref_s = plain(ref, g, ref_s)
        close(p, ref, dtype, steps=step)
        for a, b in zip(s, ref_s):
            close(a, b, dtype, steps=step)
    assert p.dtype == dtype and not np.array_equal(p, p0)
    np.testing.assert_array_equal(g, g_before)  # the gradient is never modified


def test_blocked_update_reaches_every_entry(monkeypatch):
    monkeypatch.setattr(fast, "BLOCK_BYTES", 64 * 8)
    p = np.zeros((50, 21))
    fast.sgd_step_inplace(p, np.ones_like(p), lr=0.5)
    np.testing.assert_array_equal(p, -0.5)  # exact: 0 - 0.5 * 1 in any order


def test_non_contiguous_parameter_is_updated_in_place(monkeypatch):
    """A transposed (Fortran-ordered) parameter cannot be cut into flat views: one whole call."""
    monkeypatch.setattr(fast, "BLOCK_BYTES", 16 * 8)
    rng = np.random.default_rng(1)
    base = rng.standard_normal((30, 20))
    g = rng.standard_normal((20, 30))
    m, v = np.zeros((20, 30)), np.zeros((20, 30))
    ref, _, _ = rules.adam_step(base.T.copy(), g, m, v, 1, 0.01)
    fast.adam_step_inplace(base.T, g, m, v, 1, 0.01)
    close(base.T, ref, np.float64)  # the caller's array itself changed


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_add_scaled_matches_numpy(dtype):
    rng = np.random.default_rng(3)
    p = rng.standard_normal((13, 7)).astype(dtype)
    x = rng.standard_normal((13, 7)).astype(dtype)
    expected = p - dtype(0.3) * x
    x_before = x.copy()
    fast._add_scaled(p, -0.3, x)
    close(p, expected, dtype, ulps=4)
    np.testing.assert_array_equal(x, x_before)
    assert p.dtype == dtype


def test_add_scaled_falls_back_for_views_and_other_dtypes():
    rng = np.random.default_rng(4)
    base = rng.standard_normal((6, 8))
    p = base[:, ::2]  # strided view: must still change in place
    x = rng.standard_normal((6, 4))
    expected = p - 2.0 * x
    fast._add_scaled(p, -2.0, x)
    close(base[:, ::2], expected, np.float64, ulps=4)
    p16 = np.ones(5, dtype=np.float16)  # no BLAS routine for float16
    fast._add_scaled(p16, -0.5, np.ones(5, dtype=np.float16))
    np.testing.assert_array_equal(p16, np.full(5, 0.5, dtype=np.float16))


def test_add_scaled_writes_back_when_blas_returns_a_copy(monkeypatch):
    """If the BLAS wrapper ever hands back a new array instead of updating p, p still changes."""
    monkeypatch.setitem(fast._AXPY, "d", lambda x, y, a: y + a * x)
    p = np.arange(6.0).reshape(2, 3)
    fast._add_scaled(p, -0.5, np.ones((2, 3)))
    np.testing.assert_array_equal(p, np.arange(6.0).reshape(2, 3) - 0.5)


# ----- fast classes against plain classes --------------------------------------------------------

#: hyperparameters per fast class; a new fast optimizer must be added here (test below)
FAST_SETTINGS = {
    "GD": dict(lr=0.05),
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adagrad": dict(lr=0.1, lr_decay=0.01, weight_decay=0.01),
    "Adadelta": dict(weight_decay=0.01),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01),
    "Adam": dict(lr=0.01, weight_decay=0.01),
    "AdamW": dict(lr=0.01, weight_decay=0.1),
}


def test_every_fast_optimizer_is_tested_and_has_a_plain_twin():
    assert set(FAST_SETTINGS) == set(fast.OPTIMIZERS)
    assert set(fast.OPTIMIZERS) <= set(optimizers.OPTIMIZERS)
    for name, cls in fast.OPTIMIZERS.items():
        assert issubclass(cls, optimizers.OPTIMIZERS[name])


def _run(opt, params, grads):
    for g in grads:
        opt.step(params, g)
    return params


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["separate", "packed", "single"])
@pytest.mark.parametrize("name", sorted(FAST_SETTINGS))
def test_fast_class_equals_plain_class(name, layout, dtype, monkeypatch):
    """Every array alone (single), small arrays grouped and copied (separate) or grouped in
    their own buffer (packed): the same parameters and state as the plain class, up to rounding."""
    if layout == "single":
        monkeypatch.setattr(fast, "SMALL_ARRAY", 0)
    params0, grads = _problem(dtype=dtype)
    plain = _run(optimizers.OPTIMIZERS[name](**FAST_SETTINGS[name]), copy.deepcopy(params0), grads)
    params = pack_parameters(params0) if layout == "packed" else copy.deepcopy(params0)
    opt = fast.OPTIMIZERS[name](**FAST_SETTINGS[name])
    buffer = params["W1"].base
    _run(opt, params, grads)
    for k in params0:
        close(params[k], plain[k], dtype, steps=len(grads))
        assert params[k].dtype == dtype
        if layout == "packed":
            assert np.shares_memory(params[k], buffer)  # updated in the buffer itself
    grouped = [len(g.keys) for g in opt._groups]
    assert max(grouped) == (1 if layout == "single" else 2 if name == "AdamW" else 4)


def test_fast_state_equals_plain_state():
    params0, grads = _problem()
    plain_opt, fast_opt = optimizers.Adam(0.01), fast.Adam(0.01)
    _run(plain_opt, copy.deepcopy(params0), grads)
    _run(fast_opt, pack_parameters(params0), grads)
    assert set(fast_opt.state) == set(plain_opt.state)
    for dk, st in plain_opt.state.items():
        assert set(fast_opt.state[dk]) == set(st) == {"m", "v"}
        for name, arr in st.items():
            assert fast_opt.state[dk][name].shape == arr.shape
            close(fast_opt.state[dk][name], arr, np.float64, steps=len(grads))


def test_adamw_keeps_biases_out_of_the_decayed_group():
    params, grads = _problem()
    opt = fast.AdamW(0.01, weight_decay=0.1)
    opt.step(pack_parameters(params), grads[0])
    assert sorted(sorted(g.keys) for g in opt._groups) == [["W1", "W2"], ["b1", "b2"]]


def test_replaced_parameter_array_is_the_one_updated():
    """After `params[k] = new_array` the optimizer must update the new array, not the old buffer."""
    params0, grads = _problem()
    packed = pack_parameters(params0)
    opt = fast.Adam(0.01)
    opt.step(packed, grads[0])
    buffer = packed["W1"].base
    old_w2_slot = buffer[35:50].copy()  # W1 has 30 entries, b1 5, W2 15
    packed["W2"] = packed["W2"].copy()
    w2_before = packed["W2"].copy()
    opt.step(packed, grads[1])
    assert not np.array_equal(packed["W2"], w2_before)
    np.testing.assert_array_equal(buffer[35:50], old_w2_slot)
    reference = _run(optimizers.Adam(0.01), copy.deepcopy(params0), grads[:2])
    for k in params0:
        close(packed[k], reference[k], np.float64, steps=2)


def test_pack_parameters_makes_consecutive_views():
    params, _ = _problem()
    packed = pack_parameters(params)
    assert list(packed) == list(params)
    base = packed["W1"].base
    assert base.shape == (sum(v.size for v in params.values()),)
    for k in params:
        np.testing.assert_array_equal(packed[k], params[k])
        assert packed[k].base is base and not np.shares_memory(packed[k], params[k])
    assert pack_parameters({}) == {}


def test_models_are_plain_by_default_and_the_fast_path_is_opt_in():
    model = MLP([4, 8, 2], output="softmax", rng=0)
    assert model.params["W1"].base is None  # not packed unless asked
    model.params = pack_parameters(model.params)
    base = model.params["W1"].base
    X = np.random.default_rng(1).standard_normal((40, 4))
    y = (X[:, 0] > 0).astype(int)
    before = base.copy()
    opt = fast.Adam(0.01)
    model.fit(X, y, epochs=3, batch_size=8, optimizer=opt, rng=0, progress=False)
    assert not np.array_equal(base, before)
    assert len(opt._groups) == 1 and opt._groups[0].arrays is not None  # the in-place path was taken


def test_fast_version_copies_hyperparameters():
    opt = fast.fast_version(optimizers.AdamW(0.02, betas=(0.8, 0.9), weight_decay=0.3, include_biases=True))
    assert type(opt) is fast.AdamW and repr(opt).startswith("AdamW(lr=0.02, betas=(0.8, 0.9)")
    with pytest.raises(TypeError, match="no fast version of str"):
        fast.fast_version("adam")


def test_fast_changed_layout_names_the_parameter():
    params, grads = _problem()
    opt = fast.Adam()
    opt.step(params, grads[0])
    params["b1"], grads[0]["db1"] = np.zeros(7), np.zeros(7)
    with pytest.raises(ValueError, match=r"'b1' was \(5,\) float64, now \(7,\) float64.*reset\(\)"):
        opt.step(params, grads[0])
