"""Numerical gradient checking with centred differences.

    rel = |analytic - numeric| / max(|analytic| + |numeric|, tiny)

`gradient_check` reports, per parameter, the norm-based error |a - n| / (|a| + |n|) over the
checked entries, and names the entry with the largest absolute difference.
Rough guide in float64 with eps = 1e-6: below 1e-7 the backward pass is right; 1e-7 to 1e-4
look at kinks (ReLU at 0) before you worry; above 1e-3 something is wrong.
"""
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_rng


def relative_error(a, b):
    """Largest element-wise relative error |a - b| / max(|a| + |b|, 1e-12) between two arrays."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}; they must match")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


def numerical_gradient(f, x, eps=1e-6, indices=None):
    """Centred-difference estimate of df/dx for a scalar function f of the array x.

    x is perturbed in place and restored. `indices` (a list of index tuples) limits the
    estimate to those entries; the others are returned as NaN.
    """
    if not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)):
        raise TypeError("x must be a floating-point numpy array (it is perturbed in place)")
    grad = np.full(x.shape, np.nan) if indices is not None else np.zeros(x.shape)
    it = indices if indices is not None else list(np.ndindex(x.shape))
    for idx in it:
        old = x[idx]
        x[idx] = old + eps
        f_plus = float(f())
        x[idx] = old - eps
        f_minus = float(f())
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


@dataclass
class GradCheckResult:
    """Outcome of `gradient_check`: the worst per-parameter relative error and its worst entry."""

    max_relative_error: float
    worst_key: str
    worst_index: tuple
    analytic: float
    numeric: float
    per_key: dict = field(default_factory=dict)

    def passed(self, threshold=1e-6):
        return self.max_relative_error < threshold

    def __str__(self):
        lines = [f"max relative error {self.max_relative_error:.2e} in {self.worst_key}; largest difference at "
                 f"{self.worst_key}{list(self.worst_index)} (analytic {self.analytic:.6g}, numeric {self.numeric:.6g})"]
        lines += [f"  {k:>6}: {v:.2e}" for k, v in self.per_key.items()]
        return "\n".join(lines)


def gradient_check(loss_fn, params, grads, eps=1e-6, max_entries=None, rng=0, prefix="d"):
    """Compare analytic `grads` ({"dW1": ...}) with centred differences of `loss_fn(params)`.

    `loss_fn` takes the parameter dict and returns a scalar; `params` is perturbed in place
    and restored. `max_entries` checks a random subset of that many entries per parameter.
    Returns a GradCheckResult naming the worst entry.
    """
    rng = check_rng(rng)
    worst = (-1.0, None, (), 0.0, 0.0)
    per_key = {}
    for key, value in params.items():
        gkey = prefix + key
        if gkey not in grads:
            raise ValueError(f"grads has no entry {gkey!r} for parameter {key!r}")
        g = np.asarray(grads[gkey])
        if g.shape != value.shape:
            raise ValueError(f"grads[{gkey!r}] has shape {g.shape} but params[{key!r}] has shape {value.shape}")
        idx = list(np.ndindex(value.shape))
        if max_entries is not None and len(idx) > max_entries:
            idx = [idx[i] for i in sorted(rng.choice(len(idx), size=max_entries, replace=False))]
        num = numerical_gradient(lambda: loss_fn(params), value, eps=eps, indices=idx)
        a = np.array([g[i] for i in idx], dtype=np.float64)
        n = np.array([num[i] for i in idx], dtype=np.float64)
        # norm-based relative error per parameter: robust when single entries are ~0
        per_key[key] = float(np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-12))
        j = int(np.argmax(np.abs(a - n))) if len(idx) else 0
        if len(idx) and per_key[key] > worst[0]:
            worst = (per_key[key], key, idx[j], float(a[j]), float(n[j]))
    return GradCheckResult(worst[0], worst[1], tuple(int(i) for i in worst[2]), worst[3], worst[4], per_key)
