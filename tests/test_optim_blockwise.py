"""Large-array paths of the optimizer rules: block-by-block updates and the one-pass p -= a * x.

`_blockwise` cuts arrays larger than BLOCK_BYTES into blocks; the rules are element-wise, so the
result must be bit-for-bit that of one call on the whole arrays. The tests shrink BLOCK_BYTES so
small arrays take the blocked path (with a last block shorter than the others).
"""
import numpy as np
import pytest

import dlfund.optim as optim
from dlfund.optim import (SGD, Adam, AdamW, adadelta_step_inplace, adagrad_step_inplace, adam_step_inplace,
                          rmsprop_step_inplace, sgd_step_inplace)

RULES = {
    "sgd": (sgd_step_inplace, 1, lambda s: dict(lr=0.1)),
    "momentum": (sgd_step_inplace, 1, lambda s: dict(lr=0.1, v=s[0], beta=0.9)),
    "nesterov_wd": (sgd_step_inplace, 1, lambda s: dict(lr=0.1, v=s[0], beta=0.9, nesterov=True, weight_decay=0.01)),
    "adagrad": (adagrad_step_inplace, 1, lambda s: dict(sum_sq=s[0], lr=0.1)),
    "adadelta": (adadelta_step_inplace, 2, lambda s: dict(sq_avg=s[0], delta_avg=s[1])),
    "rmsprop_centered_momentum": (rmsprop_step_inplace, 3,
                                  lambda s: dict(sq_avg=s[0], lr=0.01, momentum=0.9, buf=s[1], grad_avg=s[2])),
    "adamw": (adam_step_inplace, 2, lambda s: dict(m=s[0], v=s[1], t=3, lr=1e-3, decoupled_weight_decay=0.1)),
}


def _arrays(shape, n_state, dtype, seed=0):
    rng = np.random.default_rng(seed)
    p, g = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    state = [np.abs(rng.standard_normal(shape)).astype(dtype) for _ in range(n_state)]
    if n_state == 3:          # centred RMSProp: the running mean of g starts at 0, so sq_avg >= mean**2
        state[2][...] = 0
    return p, g, state


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_blocked_update_equals_one_call(name, dtype, monkeypatch):
    rule, n_state, kwargs = RULES[name]
    shape = (37, 29)                                   # 1073 entries
    p1, g, s1 = _arrays(shape, n_state, dtype)
    p2, _, s2 = _arrays(shape, n_state, dtype)
    g_before = g.copy()
    monkeypatch.setattr(optim, "BLOCK_BYTES", 10 ** 9)  # whole-array call
    for _ in range(3):
        rule(p1, g, **kwargs(s1))
    monkeypatch.setattr(optim, "BLOCK_BYTES", 100 * np.dtype(dtype).itemsize)  # 11 blocks, the last of 73
    for _ in range(3):
        rule(p2, g, **kwargs(s2))
    np.testing.assert_array_equal(p2, p1)
    for a, b in zip(s2, s1):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(g, g_before)        # the gradient is never modified
    assert p2.dtype == dtype and np.all(np.isfinite(p2))
    assert not np.array_equal(p2, _arrays(shape, n_state, dtype)[0])   # the rule did move p


def test_blocked_update_reaches_every_entry(monkeypatch):
    monkeypatch.setattr(optim, "BLOCK_BYTES", 64 * 8)
    p = np.zeros((50, 21))
    sgd_step_inplace(p, np.ones_like(p), lr=0.5)
    np.testing.assert_array_equal(p, -0.5)


def test_non_contiguous_arrays_are_updated_in_place(monkeypatch):
    """A transposed (Fortran-ordered) parameter cannot be cut into flat views: one whole call."""
    monkeypatch.setattr(optim, "BLOCK_BYTES", 16 * 8)
    rng = np.random.default_rng(1)
    base = rng.standard_normal((30, 20))
    p = base.T                                        # a view, not C-contiguous
    g = rng.standard_normal((20, 30))
    m, v = np.zeros((20, 30)), np.zeros((20, 30))
    before = base.copy()
    expected = base.copy().T                          # same layout, so the same arithmetic
    m_ref, v_ref = m.copy(), v.copy()
    monkeypatch.setattr(optim, "BLOCK_BYTES", 10 ** 9)
    adam_step_inplace(expected, g, m_ref, v_ref, 1, 0.01)
    monkeypatch.setattr(optim, "BLOCK_BYTES", 16 * 8)
    adam_step_inplace(p, g, m, v, 1, 0.01)
    np.testing.assert_array_equal(base.T, expected)   # the caller's array itself changed
    assert not np.array_equal(base, before)
    np.testing.assert_array_equal(m, m_ref)


@pytest.mark.parametrize("cls,kw", [(Adam, {}), (AdamW, {"weight_decay": 0.1}), (SGD, {"momentum": 0.9})])
def test_optimizer_objects_same_with_and_without_blocks(cls, kw, monkeypatch):
    rng = np.random.default_rng(2)
    params0 = {"W1": rng.standard_normal((40, 30)), "b1": rng.standard_normal(30)}
    grads = {"dW1": rng.standard_normal((40, 30)), "db1": rng.standard_normal(30)}
    results = []
    for block_bytes in (10 ** 9, 64 * 8):
        monkeypatch.setattr(optim, "BLOCK_BYTES", block_bytes)
        params = {k: v.copy() for k, v in params0.items()}
        opt = cls(lr=0.01, **kw)
        for _ in range(4):
            opt.step(params, grads)
        results.append(params)
    for k in params0:
        np.testing.assert_array_equal(results[1][k], results[0][k])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_add_scaled_matches_numpy(dtype):
    rng = np.random.default_rng(3)
    p = rng.standard_normal((13, 7)).astype(dtype)
    x = rng.standard_normal((13, 7)).astype(dtype)
    expected = p - dtype(0.3) * x
    x_before = x.copy()
    optim._add_scaled(p, -0.3, x)
    np.testing.assert_allclose(p, expected, rtol=1e-6 if dtype == np.float32 else 1e-14, atol=0)
    np.testing.assert_array_equal(x, x_before)
    assert p.dtype == dtype


def test_add_scaled_falls_back_for_views_and_other_dtypes():
    rng = np.random.default_rng(4)
    base = rng.standard_normal((6, 8))
    p = base[:, ::2]                                  # strided view: must still change in place
    x = rng.standard_normal((6, 4))
    expected = p - 2.0 * x
    optim._add_scaled(p, -2.0, x)
    np.testing.assert_allclose(base[:, ::2], expected, rtol=1e-14)
    p16 = np.ones(5, dtype=np.float16)                # no BLAS routine for float16
    optim._add_scaled(p16, -0.5, np.ones(5, dtype=np.float16))
    np.testing.assert_array_equal(p16, np.full(5, 0.5, dtype=np.float16))


def test_add_scaled_writes_back_when_blas_returns_a_copy(monkeypatch):
    """If the BLAS wrapper ever hands back a new array instead of updating p, p still changes."""
    monkeypatch.setitem(optim._AXPY, "d", lambda x, y, a: y + a * x)   # returns a copy
    p = np.arange(6.0).reshape(2, 3)
    optim._add_scaled(p, -0.5, np.ones((2, 3)))
    np.testing.assert_array_equal(p, np.arange(6.0).reshape(2, 3) - 0.5)
