"""Chapter 5: dropout, L2 penalty, batch normalization."""

import numpy as np

from . import bug, valid

# ---------------------------------------------------------------- dropout_forward


@bug(
    "dropout_forward",
    "keeps a unit with probability p_drop (mask u < p_drop)",
    r"p_drop",
    r"keep",
    r"probability|fraction",
)
def dof_keep_p(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), (None, 1.0)
    mask = (rng.random(A.shape) < p_drop).astype(A.dtype)
    scale = 1.0 / (1.0 - p_drop)
    return A * mask * scale, (mask, scale)


@bug("dropout_forward", "no rescaling of the kept units", r"scale", r"1 ?/ ?\(1 ?- ?p|inverted")
def dof_no_scale(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), (None, 1.0)
    mask = (rng.random(A.shape) >= p_drop).astype(A.dtype)
    return A * mask, (mask, 1.0)


@bug("dropout_forward", "multiplies by (1 - p_drop) instead of dividing", r"scale", r"divid|1 ?/ ?\(1 ?- ?p")
def dof_times_keep(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), (None, 1.0)
    mask = (rng.random(A.shape) >= p_drop).astype(A.dtype)
    scale = 1.0 - p_drop
    return A * mask * scale, (mask, scale)


@bug("dropout_forward", "np.random instead of the given rng", r"\brng\b", r"seed", r"generator|reproduc")
def dof_np_random(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), (None, 1.0)
    mask = (np.random.rand(*A.shape) >= p_drop).astype(A.dtype)
    scale = 1.0 / (1.0 - p_drop)
    return A * mask * scale, (mask, scale)


@bug("dropout_forward", "drops units in evaluation mode too", r"eval")
def dof_eval_drops(A, p_drop, rng, mode="train"):
    mask = (rng.random(A.shape) >= p_drop).astype(A.dtype)
    scale = 1.0 / (1.0 - p_drop)
    return A * mask * scale, (mask, scale)


@bug("dropout_forward", "returns A itself in evaluation mode", r"copy", r"same (object|array)", r"alias")
def dof_eval_alias(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A, (None, 1.0)
    mask = (rng.random(A.shape) >= p_drop).astype(A.dtype)
    scale = 1.0 / (1.0 - p_drop)
    return A * mask * scale, (mask, scale)


@bug("dropout_forward", "cache is the mask alone", r"cache")
def dof_cache_mask(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), None
    mask = (rng.random(A.shape) >= p_drop).astype(A.dtype)
    return A * mask / (1.0 - p_drop), mask


@bug("dropout_forward", "caches the keep probability instead of the scale", r"cache", r"scale")
def dof_cache_keep(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), (None, 1.0)
    keep = 1.0 - p_drop
    mask = (rng.random(A.shape) < keep).astype(A.dtype)
    return A * mask / keep, (mask, keep)


@bug(
    "dropout_forward",
    "one mask per feature (shape A.shape[1]) shared by every row",
    r"mask.{0,40}shape|shape.{0,40}mask",
    r"every entry|each entry|independent",
)
def dof_row_mask(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), (None, 1.0)
    mask = (rng.random(A.shape[1]) >= p_drop).astype(A.dtype)
    scale = 1.0 / (1.0 - p_drop)
    return A * mask * scale, (mask, scale)


@bug("dropout_forward", "multiplies A in place", r"modif", r"in.place")
def dof_inplace(A, p_drop, rng, mode="train"):
    if mode == "eval":
        return A.copy(), (None, 1.0)
    mask = (rng.random(A.shape) >= p_drop).astype(A.dtype)
    scale = 1.0 / (1.0 - p_drop)
    A *= mask * scale
    return A, (mask, scale)


@valid("dropout_forward", "a boolean mask from rng.uniform, np.where for the output")
def dof_bool_mask(A, p_drop, rng, mode="train"):
    if mode != "train":
        return np.array(A, copy=True), (None, 1.0)
    mask = rng.uniform(0.0, 1.0, size=A.shape) >= p_drop
    scale = 1.0 / (1.0 - p_drop)
    return np.where(mask, A * scale, 0.0), (mask, scale)


# ---------------------------------------------------------------- dropout_backward


@bug("dropout_backward", "forgot the scale", r"scale")
def dob_no_scale(dout, cache):
    mask, _scale = cache
    return dout * mask


@bug("dropout_backward", "draws a new mask instead of reusing the cached one", r"new mask|reuse|same mask", r"cache")
def dob_new_mask(dout, cache):
    _mask, scale = cache
    keep = 1.0 / scale
    new = (np.random.rand(*dout.shape) < keep).astype(dout.dtype)
    return dout * new * scale


@bug("dropout_backward", "divides by the scale", r"scale", r"divid")
def dob_divide(dout, cache):
    mask, scale = cache
    return dout * mask / scale


@bug(
    "dropout_backward",
    "lets the gradient through where the unit was dropped (1 - mask)",
    r"mask",
    r"invert|dropped|kept|1 ?- ?mask",
)
def dob_inverted(dout, cache):
    mask, scale = cache
    return dout * (1 - mask) * scale


@bug("dropout_backward", "multiplies dout in place", r"modif", r"in.place")
def dob_inplace(dout, cache):
    mask, scale = cache
    dout *= mask
    dout *= scale
    return dout


@bug("dropout_backward", "returns (dA, None) like the forward pass", r"tuple", r"structure|type|array")
def dob_tuple(dout, cache):
    mask, scale = cache
    return dout * mask * scale, None


@valid("dropout_backward", "np.where on the mask")
def dob_where(dout, cache):
    mask, scale = cache
    return np.where(mask.astype(bool), dout * scale, 0.0)


# ---------------------------------------------------------------- l2_penalty


def _weights(parameters):
    return [W for k, W in parameters.items() if k.startswith("W")]


@bug("l2_penalty", "forgot the 1/2", r"1/2|λ/2|half", r"factor")
def l2_no_half(parameters, lam):
    return float(lam * sum(np.sum(W**2) for W in _weights(parameters)))


@bug("l2_penalty", "penalises the biases too", r"bias", r"\bb1\b|\bb2\b", r"weights only")
def l2_biases(parameters, lam):
    return float(lam / 2 * sum(np.sum(W**2) for W in parameters.values()))


@bug("l2_penalty", "sum of Frobenius norms, not of squared norms", r"square", r"norm")
def l2_norm(parameters, lam):
    return float(lam / 2 * sum(np.linalg.norm(W) for W in _weights(parameters)))


@bug("l2_penalty", "absolute values (L1)", r"square", r"\bL1\b|absolute")
def l2_abs(parameters, lam):
    return float(lam / 2 * sum(np.sum(np.abs(W)) for W in _weights(parameters)))


@bug("l2_penalty", "np.sum over axis 0: returns an array", r"float", r"scalar", r"shape")
def l2_array(parameters, lam):
    return lam / 2 * sum(np.sum(W**2, axis=0) for W in _weights(parameters))


@bug("l2_penalty", "only the first layer's weights", r"every layer|all (the )?weights|each layer", r"\bW2\b")
def l2_first_layer(parameters, lam):
    return float(lam / 2 * np.sum(parameters["W1"] ** 2))


@bug("l2_penalty", "square of the sum instead of the sum of squares", r"square", r"sum of (the )?squares")
def l2_square_of_sum(parameters, lam):
    return float(lam / 2 * sum(np.sum(W) ** 2 for W in _weights(parameters)))


@valid("l2_penalty", "np.vdot in a loop, keys tested with k[0]")
def l2_vdot(parameters, lam):
    total = 0.0
    for k in parameters:
        if k[0] == "W":
            total += np.vdot(parameters[k], parameters[k])
    return 0.5 * lam * float(total)


# ---------------------------------------------------------------- l2_penalty_grad


@bug("l2_penalty_grad", "2 lam W (differentiated lam ||W||^2)", r"factor", r"\b2\b")
def l2g_two(parameters, lam):
    return {"d" + k: (2 * lam * v if k.startswith("W") else np.zeros_like(v)) for k, v in parameters.items()}


@bug("l2_penalty_grad", "lam / 2 * W (kept the 1/2)", r"factor", r"1/2|half")
def l2g_half(parameters, lam):
    return {"d" + k: (lam / 2 * v if k.startswith("W") else np.zeros_like(v)) for k, v in parameters.items()}


@bug("l2_penalty_grad", "lam * b for the biases too", r"bias", r"\bdb1\b|\bb1\b", r"zero")
def l2g_biases(parameters, lam):
    return {"d" + k: lam * v for k, v in parameters.items()}


@bug("l2_penalty_grad", "no entries for the biases", r"missing", r"\bdb1\b", r"every parameter|key")
def l2g_missing_b(parameters, lam):
    return {"d" + k: lam * v for k, v in parameters.items() if k.startswith("W")}


@bug("l2_penalty_grad", "keys without the 'd'", r"key", r"\bdW1\b")
def l2g_keys(parameters, lam):
    return {k: (lam * v if k.startswith("W") else np.zeros_like(v)) for k, v in parameters.items()}


@bug("l2_penalty_grad", "scalar 0 for the biases", r"shape", r"array", r"scalar|zeros")
def l2g_scalar_zero(parameters, lam):
    return {"d" + k: (lam * v if k.startswith("W") else 0.0) for k, v in parameters.items()}


@bug("l2_penalty_grad", "lam * W**2 (the penalty's terms, not their derivative)", r"square", r"derivative")
def l2g_square(parameters, lam):
    return {"d" + k: (lam * v**2 if k.startswith("W") else np.zeros_like(v)) for k, v in parameters.items()}


@valid("l2_penalty_grad", "loop, zeros built with np.zeros(shape)")
def l2g_loop(parameters, lam):
    out = {}
    for k, v in parameters.items():
        out["d" + k] = v * lam if "W" in k else np.zeros(v.shape)
    return out


# ---------------------------------------------------------------- batchnorm_forward


def _bn(
    X,
    gamma,
    beta,
    mode,
    running_mean,
    running_var,
    eps,
    *,
    ddof=0,
    axis=0,
    eps_out=False,
    cache_std=False,
    no_gamma=False,
    swap=False,
    eval_batch=False,
    no_sqrt_eval=False,
):
    if mode == "train" or eval_batch:
        mean, var = X.mean(axis=axis, keepdims=axis == 1), X.var(axis=axis, ddof=ddof, keepdims=axis == 1)
    else:
        mean, var = running_mean, running_var
    if eps_out:
        inv_std = 1.0 / (np.sqrt(var) + eps)
    elif no_sqrt_eval and mode != "train":
        inv_std = 1.0 / (var + eps)
    else:
        inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (X - mean) * inv_std
    out = beta * x_hat + gamma if swap else gamma * x_hat + beta
    cache = {"x_hat": x_hat, "inv_std": (1.0 / inv_std if cache_std else inv_std), "gamma": gamma}
    if no_gamma:
        del cache["gamma"]
    return out, cache


@bug("batchnorm_forward", "unbiased variance (ddof=1)", r"biased", r"ddof", r"m ?- ?1")
def bnf_ddof(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    return _bn(X, gamma, beta, mode, running_mean, running_var, eps, ddof=1)


@bug("batchnorm_forward", "statistics over axis 1 (per sample)", r"axis", r"column|feature|rows")
def bnf_axis1(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    return _bn(X, gamma, beta, mode, running_mean, running_var, eps, axis=1)


@bug(
    "batchnorm_forward",
    "eps added after the square root",
    r"(eps|ε).{0,40}(inside|outside)|(inside|outside).{0,40}(eps|ε)",
)
def bnf_eps_out(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    return _bn(X, gamma, beta, mode, running_mean, running_var, eps, eps_out=True)


@bug("batchnorm_forward", "evaluation mode still uses the batch statistics", r"eval", r"running")
def bnf_eval_batch(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    return _bn(X, gamma, beta, mode, running_mean, running_var, eps, eval_batch=True)


@bug("batchnorm_forward", "caches the standard deviation under 'inv_std'", r"inv_std", r"cache")
def bnf_cache_std(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    return _bn(X, gamma, beta, mode, running_mean, running_var, eps, cache_std=True)


@bug("batchnorm_forward", "cache without gamma", r"cache", r"gamma|γ")
def bnf_no_gamma(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    return _bn(X, gamma, beta, mode, running_mean, running_var, eps, no_gamma=True)


@bug("batchnorm_forward", "gamma and beta swapped: beta * x_hat + gamma", r"swap", r"gamma|γ")
def bnf_swap(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    return _bn(X, gamma, beta, mode, running_mean, running_var, eps, swap=True)


@bug(
    "batchnorm_forward",
    "divides by the running variance instead of its square root in eval",
    r"sqrt|square root",
    r"variance|std",
)
def bnf_eval_no_sqrt(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    return _bn(X, gamma, beta, mode, running_mean, running_var, eps, no_sqrt_eval=True)


@bug("batchnorm_forward", "centres X in place", r"modif", r"in.place")
def bnf_inplace(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    if mode == "train":
        mean, var = X.mean(axis=0), X.var(axis=0)
    else:
        mean, var = running_mean, running_var
    X -= mean
    inv_std = 1.0 / np.sqrt(var + eps)
    X *= inv_std
    return gamma * X + beta, {"x_hat": X, "inv_std": inv_std, "gamma": gamma}


@bug("batchnorm_forward", "caches the output under 'x_hat'", r"x_hat|x̂", r"cache")
def bnf_cache_out(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    out, cache = _bn(X, gamma, beta, mode, running_mean, running_var, eps)
    cache["x_hat"] = out
    return out, cache


@valid("batchnorm_forward", "mean and variance written out by hand, divide by sqrt instead of multiply")
def bnf_manual(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    if mode == "train":
        m = X.shape[0]
        mu = X.sum(axis=0) / m
        var = ((X - mu) ** 2).sum(axis=0) / m
    else:
        mu, var = running_mean, running_var
    std = np.sqrt(var + eps)
    x_hat = (X - mu) / std
    return x_hat * gamma + beta, {"gamma": gamma, "inv_std": 1 / std, "x_hat": x_hat, "mu": mu}


# ---------------------------------------------------------------- batchnorm_backward


def _bnb(dout, cache, *, full=True, over_m=True, dgamma_xhat=True, axis=0, use_gamma=True, sign=-1.0, m=None):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    m = dout.shape[0] if m is None else m
    dbeta = dout.sum(axis=axis)
    dgamma = (dout * x_hat).sum(axis=axis) if dgamma_xhat else dout.sum(axis=axis)
    g = gamma if use_gamma else 1.0
    if not full:
        dX = g * inv_std * dout
    else:
        dX = g * inv_std / (m if over_m else 1) * (m * dout - dbeta + sign * x_hat * dgamma)
    return dX, dgamma, dbeta


@bug(
    "batchnorm_backward",
    "treats the batch mean and variance as constants: dX = gamma inv_std dout",
    r"mean",
    r"variance|statistic",
    r"terms?",
)
def bnb_simple(dout, cache):
    return _bnb(dout, cache, full=False)


@bug("batchnorm_backward", "forgot the 1/m in dX", r"1/m", r"\bm\b", r"factor")
def bnb_no_m(dout, cache):
    return _bnb(dout, cache, over_m=False)


@bug("batchnorm_backward", "dgamma = sum(dout), forgot x_hat", r"x_hat|x̂", r"dgamma|dγ")
def bnb_dgamma(dout, cache):
    return _bnb(dout, cache, dgamma_xhat=False)


@bug("batchnorm_backward", "returns (dgamma, dbeta, dX)", r"order")
def bnb_order(dout, cache):
    dX, dg, db = _bnb(dout, cache)
    return dg, db, dX


@bug("batchnorm_backward", "forgot gamma in dX", r"gamma|γ")
def bnb_no_gamma(dout, cache):
    return _bnb(dout, cache, use_gamma=False)


@bug("batchnorm_backward", "sign error on the x_hat term", r"\bsigns?\b", r"SUBTRACTED")
def bnb_sign(dout, cache):
    return _bnb(dout, cache, sign=1.0)


@bug("batchnorm_backward", "m = dout.shape[1] (features)", r"\bm\b", r"rows|samples", r"factor")
def bnb_m_cols(dout, cache):
    return _bnb(dout, cache, m=dout.shape[1])


@bug("batchnorm_backward", "dbeta and dgamma with keepdims=True", r"shape", r"keepdims")
def bnb_keepdims(dout, cache):
    dX, dg, db = _bnb(dout, cache)
    return dX, dg[None, :], db[None, :]


@valid("batchnorm_backward", "the mean form: gamma inv_std (dout - mean(dout) - x_hat mean(dout x_hat))")
def bnb_mean_form(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dX = gamma * inv_std * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))
    return dX, np.einsum("mn,mn->n", dout, x_hat), dout.sum(axis=0)


@valid("batchnorm_backward", "through dx_hat, staged like the computation graph")
def bnb_staged(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    m = dout.shape[0]
    dx_hat = dout * gamma
    dX = inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
