"""Weight penalties (L1, L2, elastic net), their gradients, and the proximal L1 step.

Convention (stated once, used everywhere in the course):

    L2(params) = lam / 2 * sum(W**2)      gradient  lam * W
    L1(params) = lam * sum(|W|)           gradient  lam * sign(W)   (0 at W = 0, like autograd)
    elastic net = L1 with strength l1 + L2 with strength l2

With the 1/2 in L2, adding `lam * W` to the gradient is exactly what
`torch.optim.SGD(weight_decay=lam)` does, so plain SGD with an L2 penalty and SGD with
weight decay coincide (for Adam they do not: see AdamW).

Which entries are weights is decided by ONE function, `is_weight(name)`, used by these
penalties, by `AdamW`/`update_parameters_with_adamw` (decoupled decay) and by the book: a
weight's name starts with "W" or "w" (W1, Wx1, Wh1, Wy, w); biases and batch norm's scale and
shift ("b1", "bhn1", "gamma1", "beta1") are not weights. So batch norm's gamma is neither
penalised nor decayed (the usual practice: shrinking a scale towards 0 is not a simpler
model). `include_biases=True` (the one flag name, also in `MLP` and `AdamW`) treats every
entry as a weight, like weight_decay applied to all of a torch model's parameters. A dict
without any weight is refused unless `include_biases=True` (a typo such as {"w1": ...} vs
{"W1": ...} would otherwise give a penalty of 0). Gradient dicts are keyed {"dW1", "db1", ...}.
"""

import numpy as np

from ._validate import as_array, check_matching_keys, check_positive


def is_weight(name):
    """True if the parameter `name` is a weight: its name starts with "W" or "w" (W1, Wx1, Wy, w).

    Biases and batch norm's scale and shift ("b1", "bhn1", "gamma1", "beta1") are not weights.
    This is the one rule for "is this a weight?": penalties (l1/l2), AdamW's decoupled decay
    and the book use it.
    """
    return str(name)[:1] in ("W", "w")


def regularized_keys(params, include_biases=False, who="the penalty"):
    """The keys of `params` that a penalty or weight decay applies to (all of them with
    `include_biases=True`); a dict with no weight at all is refused with a ValueError."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    keys = [k for k in params if include_biases or is_weight(k)]
    if not keys and params:
        raise ValueError(
            f"{who} found no weight among the keys {sorted(map(str, params))}: a weight's name "
            f"starts with 'W' or 'w' (W1, Wx1, Wy; see regularization.is_weight); pass "
            f"include_biases=True to apply it to every entry"
        )
    return set(keys)


def _strength(value, name):
    return check_positive(value, name, allow_zero=True)


def elastic_net_penalty(params, l1=0.0, l2=0.0, include_biases=False):
    """l1 * sum|W| + l2 / 2 * sum W**2 over the penalised entries of `params` (a float)."""
    l1, l2 = _strength(l1, "l1"), _strength(l2, "l2")
    total = 0.0
    keys = regularized_keys(params, include_biases)
    for k, v in params.items():
        if k in keys:
            v = as_array(v, k)
            if l1:
                total += l1 * float(np.abs(v).sum())
            if l2:
                total += 0.5 * l2 * float(np.sum(v * v))
    return total


def elastic_net_penalty_grad(params, l1=0.0, l2=0.0, include_biases=False):
    """Gradient dict {"dW1": l1 * sign(W1) + l2 * W1, "db1": 0, ...} for every key of `params`."""
    l1, l2 = _strength(l1, "l1"), _strength(l2, "l2")
    grads = {}
    keys = regularized_keys(params, include_biases)
    for k, v in params.items():
        v = as_array(v, k)
        g = np.zeros_like(v)
        if k in keys:
            if l1:
                g = g + l1 * np.sign(v)
            if l2:
                g = g + l2 * v
        grads["d" + k] = g
    return grads


def l2_penalty(params, lam, include_biases=False):
    """lam / 2 * sum of squared weights."""
    return elastic_net_penalty(params, l2=lam, include_biases=include_biases)


def l2_penalty_grad(params, lam, include_biases=False):
    """{"dW1": lam * W1, "db1": 0, ...}."""
    return elastic_net_penalty_grad(params, l2=lam, include_biases=include_biases)


def l1_penalty(params, lam, include_biases=False):
    """lam * sum of absolute weights."""
    return elastic_net_penalty(params, l1=lam, include_biases=include_biases)


def l1_penalty_grad(params, lam, include_biases=False):
    """{"dW1": lam * sign(W1), "db1": 0, ...} (a subgradient: 0 where W is exactly 0)."""
    return elastic_net_penalty_grad(params, l1=lam, include_biases=include_biases)


def soft_threshold(x, threshold):
    """Proximal operator of threshold * |x|: sign(x) * max(|x| - threshold, 0), element-wise.

    Entries with |x| <= threshold become exactly 0.
    """
    x = as_array(x, "x")
    t = check_positive(threshold, "threshold", allow_zero=True)
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0).astype(x.dtype)


def proximal_l1_step(params, grads, lr, l1, include_biases=False):
    """One proximal-gradient step for loss + l1 * sum|W|: W <- soft_threshold(W - lr * dW, lr * l1).

    `grads` are the gradients of the loss WITHOUT the L1 term. Parameters that are not
    penalised take a plain gradient step. Returns a new dict, so it can serve as
    `MLP.fit(optimizer=lambda p, g, lr: proximal_l1_step(p, g, lr, l1=1e-3))`.
    Unlike a subgradient step, this sets weights exactly to zero.
    """
    lr = check_positive(lr, "lr")
    l1 = _strength(l1, "l1")
    check_matching_keys(params, grads)
    keys = regularized_keys(params, include_biases, "proximal_l1_step")
    new = {}
    for k, v in params.items():
        step = as_array(v, k) - lr * as_array(grads["d" + k], "d" + k)
        new[k] = soft_threshold(step, lr * l1) if k in keys else step
    return new
