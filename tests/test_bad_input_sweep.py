"""Property sweep over the public array functions: for random shapes, dtypes and NaN placement,
each call either returns a correct result or raises the package's own ValueError/TypeError
(raised by dlfund code, not deep inside NumPy) — never another exception type.

"Correct" is checked against an independent float64 formula (scipy where it has one). For
finite inputs the result must be finite. Non-finite values are refused where they would poison
a result silently (targets, data, gradient checks); element-wise activations and predictions fed
to a loss propagate them (NaN in -> NaN out at the same place), as the modules document, so that
training loops can detect divergence. `--hypothesis-show-statistics` shows how often each
outcome occurred; TALLY counts them over a whole run.
"""

import os
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy import special

import dlfund
from dlfund import activations as act
from dlfund import losses
from dlfund.data import (
    difference,
    house_price_truth,
    inverse_difference,
    lagged_forecast,
    saddle,
    sliding_windows,
    standardize,
)
from dlfund.gradcheck import gradient_check, numerical_gradient, relative_error

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the float64 references warn on inf - inf
PACKAGE = Path(dlfund.__file__).parent
# 40 examples per property keep CI cheap; DLFUND_SWEEP_EXAMPLES=1000 sweeps wider locally
SWEEP = settings(
    max_examples=int(os.environ.get("DLFUND_SWEEP_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FLOATS = ("float64", "float32", "float16")
KINDS = FLOATS + (
    "float64",
    "float64",
    "int64",
    "bool",
    "list",
    "complex",
    "str",
    "object-None",
    "None",
    "ragged",
    "scalar",
)  # float64 three times: valid input is drawn about half the time


@st.composite
def arrays(draw, kinds=KINDS, min_dims=0, max_dims=3, max_side=4, shape=None, low=-20.0, high=20.0):
    """(value, kind): an array-like of a random kind and shape; floats may hold one NaN/inf at a random place."""
    kind = draw(st.sampled_from(kinds))
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(0, max_side), min_size=min_dims, max_size=max_dims)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    base = rng.uniform(low, high, size=shape)
    if kind in FLOATS:
        x = base.astype(kind)
        bad = draw(st.sampled_from([None, None, None, None, np.nan, np.inf, -np.inf]))
        if bad is not None and x.size:
            x.flat[draw(st.integers(0, x.size - 1))] = bad
        return x, kind
    return {
        "int64": lambda: np.round(base).astype(np.int64),
        "bool": lambda: base > 0,
        "list": lambda: base.tolist(),
        "complex": lambda: base + 1j,
        "str": lambda: base.astype(str),
        "object-None": lambda: [None] + list(base.ravel()),
        "None": lambda: None,
        "ragged": lambda: [[1.0, 2.0], [3.0]],
        "scalar": lambda: float(base.ravel()[0]) if base.size else 1.5,
    }[kind](), kind


@st.composite
def pairs(draw, kinds_a=KINDS, kinds_b=KINDS, **kw):
    """Two array-likes; in most draws the second has the first one's shape (the valid case)."""
    a = draw(arrays(kinds=kinds_a, **kw))
    same = isinstance(a[0], np.ndarray) and draw(st.integers(0, 3)) > 0
    b = draw(arrays(kinds=kinds_b, shape=a[0].shape if same else None, **kw))
    return a, b


TALLY = Counter()  # outcomes of every call, for measuring the sweep (see the module docstring)


def outcome(fn, *args, **kwargs):
    """fn(*args, **kwargs), or None when it raised the package's own ValueError/TypeError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN propagation may warn; that is not an error
            result = fn(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        tb = exc.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        where = Path(tb.tb_frame.f_code.co_filename)
        assert PACKAGE in where.parents, f"{type(exc).__name__} from {where}, not from dlfund: {exc}"
        event(f"{fn.__name__}: clear {type(exc).__name__}")
        TALLY[f"clear {type(exc).__name__}"] += 1
        return None
    event(f"{fn.__name__}: result")
    TALLY["result"] += 1
    return result


def as64(x):
    return np.asarray(x, dtype=np.float64)


def tolerance(dtype):
    return {"float16": 1e-2, "float32": 1e-5}.get(str(dtype), 1e-12)


def is_finite(x):
    """True for a real array (or NumPy scalar, for 0-D input) with no NaN/inf."""
    x = np.asarray(x)
    return x.dtype.kind in "fiub" and bool(np.all(np.isfinite(x)))


def assert_close(got, want, dtype):
    tol = tolerance(dtype)
    np.testing.assert_allclose(as64(got), want, rtol=tol, atol=tol, equal_nan=True)


# ---------------------------------------------------------------- activations
REFERENCE = {
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
    "sigmoid": (special.expit, lambda z: special.expit(z) * (1 - special.expit(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.1 * z), lambda z: np.where(z > 0, 1.0, 0.1)),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
@SWEEP
@given(data=arrays())
def test_elementwise_activations(name, data):
    z, kind = data
    kw = {"alpha": 0.1} if name == "leaky_relu" else {}
    for fn, ref in zip(act.get_activation(name), REFERENCE[name]):
        out = outcome(fn, z, **kw)
        if out is None:
            assert kind not in FLOATS + ("int64", "bool", "list", "scalar"), f"{name} refused valid {kind} input"
            continue
        want = ref(as64(z))
        assert out.shape == np.shape(z)
        assert out.dtype == (z.dtype if kind in FLOATS else np.float64)
        assert_close(out, want, out.dtype)
        if np.all(np.isfinite(as64(z))):
            assert is_finite(out)


@SWEEP
@given(data=arrays(min_dims=1), axis=st.sampled_from([-1, 0, 1, 2, 5, "rows", None]))
def test_softmax(data, axis):
    z, _ = data
    out = outcome(act.softmax, z, axis=axis)
    if out is None:
        return
    assert out.shape == np.shape(z) and isinstance(axis, int)
    if out.size:
        with np.errstate(invalid="ignore"):
            assert_close(out, special.softmax(as64(z).astype(out.dtype).astype(np.float64), axis=axis), out.dtype)
    if is_finite(as64(z)):
        assert is_finite(out)


@SWEEP
@given(ab=pairs(kinds_a=FLOATS + ("list", "str", "None"), kinds_b=FLOATS + ("list", "None"), min_dims=1))
def test_softmax_backward(ab):
    (dA, _), (A, _) = ab
    out = outcome(act.softmax_backward, dA, A)
    if out is not None:
        a, d = as64(A).astype(out.dtype).astype(np.float64), as64(dA).astype(out.dtype).astype(np.float64)
        want = a * (d - np.sum(d * a, axis=-1, keepdims=True))
        if out.size and np.all(np.isfinite(want)):
            scale = np.abs(a).max() * (np.abs(d).max() + np.abs(d * a).sum(axis=-1).max())  # rounding grows with it
            np.testing.assert_allclose(out, want, rtol=0, atol=4 * np.finfo(out.dtype).eps * (scale + 1))
        else:
            assert_close(out, want, out.dtype)


# ---------------------------------------------------------------- losses
REGRESSION = {
    "mse": (losses.mse_loss, losses.mse_grad, lambda d: np.mean(d**2), lambda d: 2 * d / d.size),
    "mae": (losses.mae_loss, losses.mae_grad, lambda d: np.mean(np.abs(d)), lambda d: np.sign(d) / d.size),
    "huber": (
        losses.huber_loss,
        losses.huber_grad,
        lambda d: np.mean(np.where(np.abs(d) <= 1, 0.5 * d * d, np.abs(d) - 0.5)),
        lambda d: np.clip(d, -1, 1) / d.size,
    ),
}


@pytest.mark.parametrize("name", sorted(REGRESSION))
@SWEEP
@given(pred=arrays(), target=arrays(), same_shape=st.booleans())
def test_regression_losses(name, pred, target, same_shape):
    (y_hat, kind), (y, _) = pred, target
    if same_shape and isinstance(y_hat, np.ndarray) and isinstance(y, np.ndarray):
        y = np.resize(y, y_hat.shape).astype(y.dtype)
    loss, grad, ref_loss, ref_grad = REGRESSION[name]
    value, g = outcome(loss, y_hat, y), outcome(grad, y_hat, y)
    assert (value is None) == (g is None), "the loss and its gradient must accept the same inputs"
    if value is None:
        return
    dtype = y_hat.dtype if kind in FLOATS else np.float64
    d = as64(y_hat).astype(dtype).astype(np.float64) - as64(y).astype(dtype).astype(np.float64)
    assert np.all(np.isfinite(as64(y))), "a non-finite target must be refused"
    want = ref_loss(d)
    tol = 5 * tolerance(dtype) * max(1.0, abs(want) if np.isfinite(want) else 1.0)
    assert value == pytest.approx(want, rel=tol, abs=tol, nan_ok=True)
    assert_close(g, ref_grad(d), dtype)
    if np.all(np.isfinite(d)):
        assert np.isfinite(value) and is_finite(g)


@st.composite
def logits_and_labels(draw):
    z, kind = draw(
        arrays(
            kinds=FLOATS + ("float64", "list", "int64"),
            min_dims=2 - draw(st.integers(0, 3)) // 3,
            max_dims=2 + draw(st.integers(0, 3)) // 3,
        )
    )
    rows = np.shape(z)[0] if np.ndim(z) else 1
    cols = np.shape(z)[1] if np.ndim(z) > 1 else 1
    label = st.integers(0, max(cols - 1, 0))
    if draw(st.integers(0, 3)) == 0:  # now and then a wrong one: out of range, fractional, NaN, inf
        label = st.one_of(st.integers(-1, cols + 1), st.floats(allow_nan=True, allow_infinity=True))
    n = rows if draw(st.integers(0, 4)) else draw(st.integers(0, 5))
    return (z, kind), draw(st.lists(label, min_size=n, max_size=n))


@SWEEP
@given(data=logits_and_labels())
def test_softmax_cross_entropy(data):
    (z, kind), labels = data
    value = outcome(losses.softmax_cross_entropy, z, labels)
    g = outcome(losses.softmax_cross_entropy_grad, z, labels)
    assert (value is None) == (g is None)
    if value is None:
        return
    z64 = as64(z)
    m, k = z64.shape
    y = np.asarray(labels).astype(np.int64)
    assert np.all(as64(labels) == y) and y.min() >= 0 and y.max() < k
    with np.errstate(invalid="ignore"):
        want = -np.mean(special.log_softmax(z64, axis=1)[np.arange(m), y])
    if np.all(np.isfinite(z64)):
        assert value == pytest.approx(want, rel=1e-2 if kind == "float16" else 1e-9, abs=1e-2)
        assert np.isfinite(value) and is_finite(g)
    else:
        assert not np.isfinite(value)  # non-finite logits: a non-finite loss, never a number


@SWEEP
@given(
    p=arrays(kinds=FLOATS + ("list", "str"), low=-0.2, high=1.2),
    y=arrays(kinds=FLOATS + ("bool", "None"), low=0.0, high=1.0),
    logits=st.booleans(),
)
def test_binary_cross_entropy(p, y, logits):
    (p, _), (y, _) = p, y
    if isinstance(p, np.ndarray) and isinstance(y, np.ndarray):
        y = np.round(np.resize(y, p.shape))  # targets in {0, 1}, NaN kept where it was
    loss = losses.binary_cross_entropy_with_logits if logits else losses.binary_cross_entropy
    value = outcome(loss, p, y)
    if value is None:
        return
    y64, p64 = as64(y), as64(p)
    assert np.all(np.isfinite(y64)) and np.all((y64 >= 0) & (y64 <= 1))
    if not logits:
        assert not np.any((p64 < 0) | (p64 > 1)), "a probability outside [0, 1] must be refused"
    if np.all(np.isfinite(p64)):
        assert np.isfinite(value)


# ---------------------------------------------------------------- gradient checking
C = 1.5


@SWEEP
@given(x=arrays(kinds=FLOATS + ("list", "int64", "None"), max_dims=2), eps=st.sampled_from([1e-6, 1e-4, 0, -1e-6]))
def test_numerical_gradient(x, eps):
    x, kind = x
    before = np.array(x, copy=True) if isinstance(x, np.ndarray) else None
    g = outcome(numerical_gradient, lambda: float(C * np.sum(x**2)), x, eps=eps)
    if before is not None:
        np.testing.assert_array_equal(x, before)  # restored whatever happened
    if g is None:
        return
    assert kind == "float64" and eps > 0 and np.all(np.isfinite(x))
    np.testing.assert_allclose(g, 2 * C * x, rtol=1e-5, atol=1e-6)


@SWEEP
@given(
    x=arrays(kinds=FLOATS, max_dims=2),
    corrupt=st.sampled_from([None, "nan", "inf", "sign"]),
    max_entries=st.sampled_from([None, None, 1, 3, 0, -2]),
)
def test_gradient_check(x, corrupt, max_entries):
    x, kind = x
    g = np.array(2 * C * as64(x))
    if corrupt and g.size:
        g.flat[0] = {"nan": np.nan, "inf": np.inf, "sign": -g.flat[0] - 1.0}[corrupt]
    res = outcome(
        gradient_check, lambda p: float(C * np.sum(p["W"] ** 2)), {"W": x}, {"dW": g}, max_entries=max_entries
    )
    if res is None:
        return
    assert kind == "float64" and x.size > 0 and np.all(np.isfinite(x)) and (max_entries is None or max_entries >= 1)
    if corrupt is None:
        assert res.passed(), str(res)
    elif max_entries is None:
        assert not res.passed(), str(res)  # every entry is checked, so the bad one is seen


@SWEEP
@given(ab=pairs(kinds_a=FLOATS + ("list", "None", "str"), kinds_b=FLOATS + ("list",)))
def test_relative_error(ab):
    (a, _), (b, _) = ab
    r = outcome(relative_error, a, b)
    if r is not None:
        a64, b64 = as64(a), as64(b)
        want = np.max(np.abs(a64 - b64) / np.maximum(np.abs(a64) + np.abs(b64), 1e-12)) if a64.size else 0.0
        assert np.isfinite(r) and r == pytest.approx(want, rel=1e-12, abs=1e-300)


# ---------------------------------------------------------------- data helpers
@SWEEP
@given(
    s=arrays(min_dims=1, max_dims=3, max_side=8),
    window=st.sampled_from([1, 2, 3, 0, 2.5]),
    horizon=st.sampled_from([1, 1, 2, -1]),
)
def test_sliding_windows(s, window, horizon):
    s, _ = s
    out = outcome(sliding_windows, s, window, horizon)
    if out is None:
        return
    X, Y = out
    s64 = as64(s)
    assert is_finite(s64) and s64.ndim in (1, 2) and X.shape[0] == len(s64) - window - horizon + 1
    np.testing.assert_array_equal(
        X[-1].reshape(window, -1), s64[-window - horizon : len(s64) - horizon].reshape(window, -1)
    )
    np.testing.assert_array_equal(Y[0].reshape(horizon, -1), s64[window : window + horizon].reshape(horizon, -1))


@SWEEP
@given(s=arrays(min_dims=1, max_dims=2, max_side=8), lag=st.sampled_from([1, 2, 0]), order=st.sampled_from([1, 2, "1"]))
def test_difference_round_trip(s, lag, order):
    s, kind = s
    d = outcome(difference, s, lag, order)
    if d is None:
        return
    s64 = as64(s)
    assert is_finite(s64) and len(s64) > lag * order
    want = s64
    for _ in range(order):
        want = want[lag:] - want[:-lag]
    assert_close(d, want, d.dtype)
    back = outcome(inverse_difference, d, np.asarray(s)[: lag * order], lag, order)
    assert back is not None
    assert_close(back, s64, "float16" if kind == "float16" else d.dtype)
    f = outcome(lagged_forecast, s, lag * order, lag)
    if f is not None:
        np.testing.assert_array_equal(f, as64(s).astype(f.dtype)[lag * order - lag : len(s64) - lag])


@SWEEP
@given(pair=pairs(kinds_b=FLOATS + ("list", "None"), min_dims=1, max_dims=2, max_side=6))
def test_standardize(pair):
    (train, _), (other, _) = pair
    out = outcome(standardize, train, other)
    if out is None:
        return
    t, o, (mean, _) = out
    assert is_finite(as64(train)) and is_finite(as64(other)) and is_finite(t) and is_finite(o)
    np.testing.assert_allclose(mean, as64(train).astype(t.dtype).mean(axis=0), rtol=1e-2, atol=1e-2)


@SWEEP
@given(X=arrays(min_dims=2, max_dims=2, max_side=6, low=0.0, high=100.0), five=st.booleans())
def test_house_price_truth(X, five):
    X, _ = X
    if five and isinstance(X, np.ndarray):
        X = np.resize(X, (len(X), 5)).astype(X.dtype)
    y = outcome(house_price_truth, X)
    if y is not None:
        assert np.shape(X)[1:] == (5,) and y.shape == (len(X),) and is_finite(y)


@SWEEP
@given(xy=arrays(max_dims=3, max_side=3, low=-2.0, high=2.0))
def test_surface_value_and_gradient(xy):
    xy, _ = xy
    surf = saddle()
    v, g = outcome(surf.value, xy), outcome(surf.gradient, xy)
    assert (v is None) == (g is None)
    if v is None:
        return
    p = as64(xy).astype(np.asarray(g).dtype).astype(np.float64)
    x, y = p[..., 0], p[..., 1]
    assert_close(v, x**2 + y**4 / 4 - y**2 / 2, np.asarray(g).dtype)
    assert_close(g, np.stack([2 * x, y**3 - y], axis=-1), np.asarray(g).dtype)
