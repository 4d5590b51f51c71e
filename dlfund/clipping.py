"""Gradient clipping on a gradient dict {"dW1", "db1", ...}. Inputs are never modified.

    grads, norm = clip_grad_norm(grads, max_norm)   # rescale all gradients together
    grads = clip_grad_value(grads, clip_value)     # clamp each entry to [-c, c]

In a training loop clipping sits between the backward pass and the optimizer step.
"""

import numpy as np

from ._validate import as_array, check_positive


def _check_grads(grads):
    if not isinstance(grads, dict) or not grads:
        raise TypeError(f"grads must be a non-empty dict of arrays, got {type(grads).__name__}")
    return {k: as_array(v, k) for k, v in grads.items()}


def global_grad_norm(grads):
    """Euclidean norm of all gradient entries together: sqrt(sum over keys of sum(g**2)).

    Computed safely: when the plain sum of squares overflows to inf (entries near 1e154 and above
    in float64) or underflows to 0 while some entry is not 0, it is recomputed scaled,
    scale * sqrt(sum((g / scale)**2)) with scale = max |g|. Otherwise the plain sum is used, so
    ordinary norms are bit for bit those of the textbook formula. A NaN entry gives NaN, an
    infinite entry inf.
    """
    grads = _check_grads(grads)
    with np.errstate(over="ignore", under="ignore"):  # handled below
        total = sum(float(np.sum(g * g)) for g in grads.values())
    if 0.0 < total < float("inf") or np.isnan(total):
        return float(np.sqrt(total))
    scale = max(float(np.max(np.abs(g), initial=0.0)) for g in grads.values())
    if scale == 0.0 or not np.isfinite(scale):
        return scale  # all zeros, or an infinite (or NaN) entry
    return scale * float(np.sqrt(sum(float(np.sum((g / scale) ** 2)) for g in grads.values())))


def clip_grad_norm(grads, max_norm):
    """Rescale all gradients by min(1, max_norm / (norm + 1e-6)), norm being the global norm.

    This is `torch.nn.utils.clip_grad_norm_`'s rule (the 1e-6 guards against division by 0;
    the clipped norm is therefore a hair below max_norm). Unlike torch, the norm is computed
    safely (`global_grad_norm` rescales when the squares overflow, |g| ~ 1e154 and above in
    float64), so such gradients are still clipped to max_norm instead of zeroed by a norm of inf.
    Returns (new_grads, norm before clipping).
    """
    max_norm = check_positive(max_norm, "max_norm")
    grads = _check_grads(grads)
    norm = global_grad_norm(grads)
    factor = float(np.minimum(1.0, max_norm / (norm + 1e-6)))  # NaN norm -> NaN grads, as in torch
    return {k: g * g.dtype.type(factor) for k, g in grads.items()}, norm


def clip_grad_value(grads, clip_value):
    """Clamp every gradient entry to [-clip_value, clip_value] (changes the direction). Returns a new dict."""
    c = check_positive(clip_value, "clip_value")
    grads = _check_grads(grads)
    return {k: np.clip(g, -c, c) for k, g in grads.items()}
