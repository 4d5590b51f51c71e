"""Numerical gradient checking with centred differences.

    rel = |analytic - numeric| / max(|analytic| + |numeric|, tiny)

`gradient_check` reports, per parameter, the norm-based error |a - n| / (|a| + |n|) over the
checked entries, and names the entry with the largest absolute difference.
Rough guide in float64 with eps = 1e-6: below 1e-7 the backward pass is right; 1e-7 to 1e-4
look at kinks (ReLU at 0) before you worry; above 1e-3 something is wrong.

These tools never say "passed" by accident: a NaN/inf loss, a non-finite analytic gradient,
nothing to check, or a step lost in rounding (float16/float32 arrays) is an error or a failed
check that names the cause, and the parameters are restored even when the loss raises.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ._validate import as_array, check_callable, check_finite, check_int, check_positive, check_rng, did_you_mean


def relative_error(a, b):
    """Largest element-wise relative error |a - b| / max(|a| + |b|, 1e-12) between two arrays (NaN/inf refused)."""
    a = as_array(a, "a", dtype=np.float64, finite=True)
    b = as_array(b, "b", dtype=np.float64, finite=True)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}; they must match")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


def _check_float64(x, name, eps):
    """Centred differences need float64 (or wider): refuse float16/float32 with advice."""
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        raise TypeError(
            f"{name} must be a floating-point numpy array (it is perturbed in place), "
            f"got {type(x).__name__}" + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    if x.dtype.itemsize < 8:
        raise ValueError(
            f"{name} has dtype {x.dtype}: centred differences need float64. In {x.dtype} a step of eps={eps:g} "
            f"is lost in rounding or leaves errors of 1e-4 and more for a correct gradient. Check a float64 copy "
            f"({name}.astype(np.float64), or a model built with dtype=np.float64) with gradients computed in float64"
        )


def _loss_value(f, where):
    value = f()
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"the loss must return one number, got {np.shape(value) if np.ndim(value) else type(value).__name__}"
            f" ({where})"
        ) from None
    if not np.isfinite(v):
        raise ValueError(
            f"the loss returned {v} {where}; centred differences need a finite loss near the checked "
            "point (look for log(0), overflow or NaN in the inputs)"
        )
    return v


def numerical_gradient(f, x, eps=1e-6, indices=None):
    """Centred-difference estimate of df/dx for a scalar function f() that reads the float64 array x.

    x is perturbed in place and always restored, even if f raises. `indices` (a list of index
    tuples) limits the estimate to those entries; the others are returned as NaN. Raises
    ValueError for a non-finite loss, a step lost in rounding, or float16/float32 x.
    """
    check_callable(f, "f", "a function of no arguments returning the loss")
    eps = check_positive(eps, "eps")
    _check_float64(x, "x", eps)
    check_finite(x, "x")
    if indices is None:
        return _centred_differences(f, x, eps, list(np.ndindex(x.shape)), np.zeros(x.shape), "x")
    idx = [_index(i, x.shape) for i in indices]
    return _centred_differences(f, x, eps, idx, np.full(x.shape, np.nan), "x")


def _index(i, shape):
    """One entry's index as a tuple of ints of length len(shape) (an int is accepted for 1-D x)."""
    t = (i,) if isinstance(i, (int, np.integer)) else tuple(i) if isinstance(i, (tuple, list, np.ndarray)) else None
    if t is None or len(t) != len(shape) or not all(isinstance(k, (int, np.integer)) for k in t):
        raise ValueError(
            f"indices must hold index tuples of {len(shape)} integers (one entry of x, shape {shape}), got {i!r}"
        )
    if not all(-n <= k < n for k, n in zip(t, shape)):
        raise ValueError(f"index {t} is out of range for x of shape {shape}")
    return tuple(int(k) for k in t)


def _centred_differences(f, x, eps, indices, grad, name):
    """Fill grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / step for i in indices; x is restored whatever happens."""
    for idx in indices:
        old = x[idx]
        try:
            x[idx] = old + eps
            up = x[idx]  # the value actually stored: the true step is up - down
            f_plus = _loss_value(f, f"at {name}{list(idx)} + eps")
            x[idx] = old - eps
            down = x[idx]
            f_minus = _loss_value(f, f"at {name}{list(idx)} - eps")
        finally:
            x[idx] = old
        step = float(up) - float(down)
        if step == 0:
            raise ValueError(
                f"eps={eps:g} is lost in rounding at {name}{list(idx)} = {float(old):g} ({x.dtype} "
                f"spacing {float(np.spacing(np.abs(old))):.2g}); use a larger eps or rescale"
            )
        grad[idx] = (f_plus - f_minus) / step
    return grad


@dataclass
class GradCheckResult:
    """Outcome of `gradient_check`: the worst per-parameter relative error and its worst entry.

    `problems` lists causes found on the way (non-finite analytic gradient, a loss that ignores a
    parameter); any problem makes the check fail.
    """

    max_relative_error: float
    worst_key: str
    worst_index: tuple
    analytic: float
    numeric: float
    per_key: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def passed(self, threshold=1e-6):
        threshold = check_positive(threshold, "threshold")
        return not self.problems and bool(self.max_relative_error < threshold)

    def __str__(self):
        lines = [f"FAILED: {p}" for p in self.problems]
        lines.append(
            f"max relative error {self.max_relative_error:.2e} in {self.worst_key}; largest difference at "
            f"{self.worst_key}{list(self.worst_index)} (analytic {self.analytic:.6g}, numeric {self.numeric:.6g})"
        )
        lines += [f"  {k:>6}: {v:.2e}" for k, v in self.per_key.items()]
        return "\n".join(lines)


def _checked_params(params, grads, prefix, eps):
    """Validate the dicts; return [(key, value, analytic gradient as float64)]."""
    for name, d in (("params", params), ("grads", grads)):
        if not isinstance(d, Mapping):
            raise TypeError(f"{name} must be a dict of arrays like {{'W1': ...}}, got {type(d).__name__}")
    if not params:
        raise ValueError("params is empty: there is nothing to check")
    out = []
    for key, value in params.items():
        _check_float64(value, f"params[{key!r}]", eps)
        check_finite(value, f"params[{key!r}]")
        gkey = prefix + key
        if gkey not in grads:
            unused = [k for k in grads if not (isinstance(k, str) and k[len(prefix) :] in params)]
            raise ValueError(f"grads has no entry {gkey!r} for parameter {key!r}" + did_you_mean(gkey, unused))
        g = as_array(grads[gkey], f"grads[{gkey!r}]", dtype=np.float64)
        if g.shape != value.shape:
            raise ValueError(f"grads[{gkey!r}] has shape {g.shape} but params[{key!r}] has shape {value.shape}")
        out.append((key, value, g))
    if sum(v.size for _, v, _ in out) == 0:
        raise ValueError("every parameter in params is empty (size 0): there is nothing to check")
    return out


def gradient_check(loss_fn, params, grads, eps=1e-6, max_entries=None, rng=0, prefix="d"):
    """Compare analytic `grads` ({"dW1": ...}) with centred differences of `loss_fn(params)`.

    `loss_fn` takes the parameter dict and returns a scalar; `params` (float64 arrays) is
    perturbed in place and always restored. `max_entries` (>= 1) checks a random subset of that
    many entries per parameter. Returns a GradCheckResult naming the worst entry; a non-finite
    analytic gradient fails the check, a non-finite loss raises ValueError.
    """
    check_callable(loss_fn, "loss_fn", "a function of the params dict returning the loss")
    eps = check_positive(eps, "eps")
    if max_entries is not None:
        max_entries = check_int(max_entries, "max_entries (None checks every entry)", minimum=1)
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str such as 'd', got {type(prefix).__name__}")
    rng = check_rng(rng)
    worst = (-1.0, None, (), 0.0, 0.0)
    per_key, problems = {}, []
    for key, value, g in _checked_params(params, grads, prefix, eps):
        idx = list(np.ndindex(value.shape))
        if not idx:
            continue
        if max_entries is not None and len(idx) > max_entries:
            idx = [idx[i] for i in sorted(rng.choice(len(idx), size=max_entries, replace=False))]
        num = _centred_differences(
            lambda: loss_fn(params), value, eps, idx, np.full(value.shape, np.nan), f"params[{key!r}]"
        )
        a = np.array([g[i] for i in idx], dtype=np.float64)
        n = np.array([num[i] for i in idx], dtype=np.float64)
        bad = ~np.isfinite(a)
        if bad.any():
            j = int(np.argmax(bad))
            problems.append(
                f"grads[{prefix + key!r}] holds {a[j]} at {list(idx[j])} ({int(bad.sum())} of "
                f"{len(idx)} checked entries are NaN or inf): the backward pass is wrong"
            )
            per_key[key] = float("inf")
            worst = (float("inf"), key, idx[j], float(a[j]), float(n[j]))
            continue
        if not n.any() and a.any():
            problems.append(
                f"the loss did not change when params[{key!r}] was nudged (numerical gradient exactly 0): "
                "does loss_fn compute the loss from the params dict it is given?"
            )
        # norm-based relative error per parameter: robust when single entries are ~0
        per_key[key] = float(np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-12))
        j = int(np.argmax(np.abs(a - n)))
        if per_key[key] > worst[0]:
            worst = (per_key[key], key, idx[j], float(a[j]), float(n[j]))
    return GradCheckResult(worst[0], worst[1], tuple(int(i) for i in worst[2]), worst[3], worst[4], per_key, problems)
