"""Chapter 7: gradient clipping."""

import numpy as np

from . import bug, valid

# ---------------------------------------------------------------- clip_grad_norm


def _norm(grads):
    return float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))


@bug(
    "clip_grad_norm",
    "clips each gradient by its own norm",
    r"global",
    r"each|per.(tensor|gradient|array)|together|same factor",
)
def cgn_per_tensor(grads, max_norm):
    out = {}
    for k, g in grads.items():
        n = np.linalg.norm(g)
        out[k] = g * min(1.0, max_norm / n) if n > 0 else g.copy()
    return out, _norm(grads)


@bug("clip_grad_norm", "returns the norm after clipping", r"before", r"after")
def cgn_norm_after(grads, max_norm):
    n = _norm(grads)
    f = min(1.0, max_norm / n) if n > 0 else 1.0
    out = {k: g * f for k, g in grads.items()}
    return out, _norm(out)


@bug("clip_grad_norm", "divides by a zero norm", r"zero norm|norm (is|of) 0|divid.{0,30}(zero|\b0\b)|all.{0,20}zero")
def cgn_zero_div(grads, max_norm):
    n = _norm(grads)
    f = min(1.0, max_norm / n)
    return {k: g * f for k, g in grads.items()}, n


@bug(
    "clip_grad_norm",
    "always rescales to max_norm, even small gradients",
    r"only (when|if)|exceed|below|min\(1",
    r"small",
)
def cgn_always(grads, max_norm):
    n = _norm(grads)
    f = max_norm / n if n > 0 else 1.0
    return {k: g * f for k, g in grads.items()}, n


@bug("clip_grad_norm", "squared norm (forgot the square root)", r"sqrt|square root", r"squared")
def cgn_squared(grads, max_norm):
    n = float(sum(np.sum(g**2) for g in grads.values()))
    f = min(1.0, max_norm / n) if n > 0 else 1.0
    return {k: g * f for k, g in grads.items()}, n


@bug("clip_grad_norm", "scales the gradient arrays in place", r"modif", r"in.place")
def cgn_inplace(grads, max_norm):
    n = _norm(grads)
    f = min(1.0, max_norm / n) if n > 0 else 1.0
    for g in grads.values():
        g *= f
    return grads, n


@bug("clip_grad_norm", "sum of absolute values (L1 norm)", r"\bL2\b|euclid", r"square|L1")
def cgn_l1(grads, max_norm):
    n = float(sum(np.sum(np.abs(g)) for g in grads.values()))
    f = min(1.0, max_norm / n) if n > 0 else 1.0
    return {k: g * f for k, g in grads.items()}, n


@bug("clip_grad_norm", "returns (norm, grads)", r"order")
def cgn_order(grads, max_norm):
    n = _norm(grads)
    f = min(1.0, max_norm / n) if n > 0 else 1.0
    return n, {k: g * f for k, g in grads.items()}


@bug("clip_grad_norm", "sum of the per-tensor norms instead of the global norm", r"global", r"sum of", r"norm")
def cgn_sum_norms(grads, max_norm):
    n = float(sum(np.linalg.norm(g) for g in grads.values()))
    f = min(1.0, max_norm / n) if n > 0 else 1.0
    return {k: g * f for k, g in grads.items()}, n


@valid("clip_grad_norm", "PyTorch's form: max_norm / (norm + 1e-6), concatenated vector")
def cgn_torch(grads, max_norm):
    flat = np.concatenate([g.ravel() for g in grads.values()])
    n = float(np.linalg.norm(flat))
    coef = max_norm / (n + 1e-6)
    if coef < 1:
        return {k: g * coef for k, g in grads.items()}, n
    return {k: g.copy() for k, g in grads.items()}, n


# ---------------------------------------------------------------- clip_grad_value


@bug("clip_grad_value", "lower bound 0 instead of -c", r"-c\b|−c|negative", r"lower")
def cgv_zero_lower(grads, clip_value):
    return {k: np.clip(g, 0, clip_value) for k, g in grads.items()}


@bug("clip_grad_value", "clips in place (out=g)", r"modif", r"in.place")
def cgv_inplace(grads, clip_value):
    for g in grads.values():
        np.clip(g, -clip_value, clip_value, out=g)
    return grads


@bug("clip_grad_value", "np.minimum only: negative entries unbounded", r"-c\b|−c|negative", r"lower", r"both sides")
def cgv_upper_only(grads, clip_value):
    return {k: np.minimum(g, clip_value) for k, g in grads.items()}


@bug(
    "clip_grad_value",
    "rescales each gradient by norm instead of clamping entries",
    r"value",
    r"entr(y|ies)|clamp",
    r"norm",
)
def cgv_norm(grads, clip_value):
    out = {}
    for k, g in grads.items():
        n = np.linalg.norm(g)
        out[k] = g * clip_value / n if n > clip_value else g.copy()
    return out


@bug("clip_grad_value", "sign(g) * c for every entry", r"only|exceed", r"entr(y|ies)|sign")
def cgv_sign(grads, clip_value):
    return {k: np.sign(g) * clip_value for k, g in grads.items()}


@bug("clip_grad_value", "returns a list of arrays", r"dict", r"structure|type|list")
def cgv_list(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads.values()]


@valid("clip_grad_value", "np.minimum(np.maximum(...)) with an explicit loop")
def cgv_minmax(grads, clip_value):
    out = {}
    for k in grads:
        out[k] = np.minimum(np.maximum(grads[k], -clip_value), clip_value)
    return out
