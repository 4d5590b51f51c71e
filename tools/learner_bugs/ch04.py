"""Chapter 4: mini-batches and optimizers (dict form, state keyed like the gradients).

Positional state arguments only, so that renaming the state parameters does not break the set."""

import copy
import math

import numpy as np

from . import bug, valid

# ---------------------------------------------------------------- random_mini_batches


@bug(
    "random_mini_batches",
    "X and Y shuffled with two different permutations",
    r"same permutation",
    r"pair",
    r"\bY\b.*(match|row)|rows? of Y",
)
def rmb_two_perms(X, Y, batch_size, rng):
    m = X.shape[0]
    Xs, Ys = X[rng.permutation(m)], Y[rng.permutation(m)]
    return [(Xs[k : k + batch_size], Ys[k : k + batch_size]) for k in range(0, m, batch_size)]


@bug("random_mini_batches", "drops the last, smaller batch", r"last", r"partial|smaller|remainder|left over|m % ")
def rmb_drop_last(X, Y, batch_size, rng):
    m = X.shape[0]
    perm = rng.permutation(m)
    Xs, Ys = X[perm], Y[perm]
    return [
        (Xs[k * batch_size : (k + 1) * batch_size], Ys[k * batch_size : (k + 1) * batch_size])
        for k in range(m // batch_size)
    ]


@bug(
    "random_mini_batches", "np.random.permutation instead of the given rng", r"\brng\b", r"seed", r"generator|reproduc"
)
def rmb_np_random(X, Y, batch_size, rng):
    m = X.shape[0]
    perm = np.random.permutation(m)
    Xs, Ys = X[perm], Y[perm]
    return [(Xs[k : k + batch_size], Ys[k : k + batch_size]) for k in range(0, m, batch_size)]


@bug("random_mini_batches", "forgot to shuffle", r"shuffl", r"permut")
def rmb_no_shuffle(X, Y, batch_size, rng):
    m = X.shape[0]
    return [(X[k : k + batch_size], Y[k : k + batch_size]) for k in range(0, m, batch_size)]


@bug(
    "random_mini_batches",
    "range(0, m - batch_size, batch_size): loses the last batch(es)",
    r"last",
    r"number of batches|batches? missing|missing",
)
def rmb_range_off(X, Y, batch_size, rng):
    m = X.shape[0]
    perm = rng.permutation(m)
    Xs, Ys = X[perm], Y[perm]
    return [(Xs[k : k + batch_size], Ys[k : k + batch_size]) for k in range(0, m - batch_size, batch_size)]


@bug(
    "random_mini_batches",
    "rng.shuffle(X) and rng.shuffle(Y): in place, and two different orders",
    r"modif",
    r"in.place",
)
def rmb_shuffle_inplace(X, Y, batch_size, rng):
    rng.shuffle(X)
    rng.shuffle(Y)
    m = X.shape[0]
    return [(X[k : k + batch_size], Y[k : k + batch_size]) for k in range(0, m, batch_size)]


@bug(
    "random_mini_batches",
    "rng.choice(m, m): sampled with replacement",
    r"replacement",
    r"permutation",
    r"duplicat|twice|repeat",
)
def rmb_choice(X, Y, batch_size, rng):
    m = X.shape[0]
    idx = rng.choice(m, m)
    Xs, Ys = X[idx], Y[idx]
    return [(Xs[k : k + batch_size], Ys[k : k + batch_size]) for k in range(0, m, batch_size)]


@bug("random_mini_batches", "returns (list of X batches, list of Y batches)", r"pair", r"list of", r"structure|tuple")
def rmb_two_lists(X, Y, batch_size, rng):
    m = X.shape[0]
    perm = rng.permutation(m)
    Xs, Ys = X[perm], Y[perm]
    starts = range(0, m, batch_size)
    return [Xs[k : k + batch_size] for k in starts], [Ys[k : k + batch_size] for k in starts]


@bug("random_mini_batches", "always appends a last batch, empty when batch_size divides m", r"empty")
def rmb_empty_last(X, Y, batch_size, rng):
    m = X.shape[0]
    perm = rng.permutation(m)
    Xs, Ys = X[perm], Y[perm]
    n_full = m // batch_size
    batches = [
        (Xs[k * batch_size : (k + 1) * batch_size], Ys[k * batch_size : (k + 1) * batch_size]) for k in range(n_full)
    ]
    batches.append((Xs[n_full * batch_size :], Ys[n_full * batch_size :]))
    return batches


@valid("random_mini_batches", "index slices of the permutation, math.ceil batch count, tuples built in a loop")
def rmb_valid(X, Y, batch_size, rng):
    m = X.shape[0]
    perm = rng.permutation(m)
    out = []
    for k in range(math.ceil(m / batch_size)):
        idx = perm[k * batch_size : min(m, (k + 1) * batch_size)]
        out.append((X[idx], Y[idx]))
    return out


# ---------------------------------------------------------------- initialize_velocity


@bug("initialize_velocity", "keyed like the parameters ('W1' instead of 'dW1')", r"key", r"\bdW1\b")
def iv_keys(parameters):
    return {k: np.zeros_like(v) for k, v in parameters.items()}


@bug("initialize_velocity", "biases' velocity as a column (n, 1)", r"shape")
def iv_bias_column(parameters):
    return {"d" + k: (np.zeros_like(v) if v.ndim == 2 else np.zeros((v.shape[0], 1))) for k, v in parameters.items()}


@bug(
    "initialize_velocity",
    "zeroes the parameter arrays themselves (v[k] *= 0 on a shallow copy)",
    r"modif",
    r"in.place",
    r"alias|same array|the parameters",
)
def iv_zero_params(parameters):
    v = {}
    for k, p in parameters.items():
        p *= 0
        v["d" + k] = p
    return v


@bug("initialize_velocity", "velocity only for the weights", r"missing", r"\bdb1\b", r"bias", r"key")
def iv_weights_only(parameters):
    return {"d" + k: np.zeros_like(v) for k, v in parameters.items() if k.startswith("W")}


@bug("initialize_velocity", "integer zeros", r"dtype", r"int")
def iv_int(parameters):
    return {"d" + k: np.zeros(v.shape, dtype=int) for k, v in parameters.items()}


@bug("initialize_velocity", "scalars 0 instead of arrays", r"array", r"scalar", r"shape")
def iv_scalars(parameters):
    return dict.fromkeys(("d" + k for k in parameters), 0.0)


@valid("initialize_velocity", "np.zeros(shape) in a loop")
def iv_loop(parameters):
    v = {}
    for name in parameters:
        v["d" + name] = np.zeros(parameters[name].shape)
    return v


# ---------------------------------------------------------------- momentum


def _mom(parameters, grads, v, beta, lr, vel, step):
    new_p, new_v = {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        new_v[dk] = vel(v[dk], grads[dk], beta, lr)
        new_p[k] = step(W, new_v[dk], v[dk], grads[dk], lr)
    return new_p, new_v


def _ema(v, g, beta, lr):
    return beta * v + (1 - beta) * g


def _step(W, nv, ov, g, lr):
    return W - lr * nv


@bug(
    "momentum",
    "the classical form v = beta v + lr dW, W -= v",
    r"classical",
    r"EMA|moving average",
    r"1 ?- ?β|1 ?- ?beta",
)
def mom_classical(parameters, grads, v, beta=0.9, learning_rate=0.01):
    return _mom(
        parameters, grads, v, beta, learning_rate, lambda v, g, b, lr: b * v + lr * g, lambda W, nv, ov, g, lr: W - nv
    )


@bug("momentum", "forgot (1 - beta) on the gradient", r"1 ?- ?β|1 ?- ?beta|\(1-β\)")
def mom_no_one_minus(parameters, grads, v, beta=0.9, learning_rate=0.01):
    return _mom(parameters, grads, v, beta, learning_rate, lambda v, g, b, lr: b * v + g, _step)


@bug("momentum", "steps with the old velocity", r"old", r"previous", r"updated|new velocity|new v")
def mom_old_v(parameters, grads, v, beta=0.9, learning_rate=0.01):
    return _mom(parameters, grads, v, beta, learning_rate, _ema, lambda W, nv, ov, g, lr: W - lr * ov)


@bug("momentum", "W + lr v: wrong sign", r"\bsigns?\b", r"\bUP\b|uphill|climb")
def mom_sign(parameters, grads, v, beta=0.9, learning_rate=0.01):
    return _mom(parameters, grads, v, beta, learning_rate, _ema, lambda W, nv, ov, g, lr: W + lr * nv)


@bug("momentum", "updates the velocity dict and the parameter arrays in place", r"modif", r"in.place")
def mom_inplace(parameters, grads, v, beta=0.9, learning_rate=0.01):
    for k in parameters:
        dk = "d" + k
        v[dk] = beta * v[dk] + (1 - beta) * grads[dk]
        parameters[k] -= learning_rate * v[dk]
    return parameters, v


@bug("momentum", "beta and (1 - beta) swapped", r"swap", r"β|beta")
def mom_swapped(parameters, grads, v, beta=0.9, learning_rate=0.01):
    return _mom(parameters, grads, v, beta, learning_rate, lambda v, g, b, lr: (1 - b) * v + b * g, _step)


@bug("momentum", "returns (v, parameters)", r"order")
def mom_order(parameters, grads, v, beta=0.9, learning_rate=0.01):
    p, nv = _mom(parameters, grads, v, beta, learning_rate, _ema, _step)
    return nv, p


@bug("momentum", "new velocity keyed like the parameters", r"key", r"\bdW1\b")
def mom_keys(parameters, grads, v, beta=0.9, learning_rate=0.01):
    p, nv = _mom(parameters, grads, v, beta, learning_rate, _ema, _step)
    return p, {k[1:]: a for k, a in nv.items()}


@bug(
    "momentum",
    "computes the velocity but steps with the raw gradient",
    r"velocity|\bv\b",
    r"plain|raw gradient|SGD|gradient descent",
)
def mom_uses_grad(parameters, grads, v, beta=0.9, learning_rate=0.01):
    return _mom(parameters, grads, v, beta, learning_rate, _ema, lambda W, nv, ov, g, lr: W - lr * g)


@valid("momentum", "deep copies, update with -= on the copies")
def mom_copy(parameters, grads, v, beta=0.9, learning_rate=0.01):
    new_p, new_v = copy.deepcopy(parameters), copy.deepcopy(v)
    for k in new_p:
        new_v["d" + k] *= beta
        new_v["d" + k] += (1 - beta) * grads["d" + k]
        new_p[k] -= learning_rate * new_v["d" + k]
    return new_p, new_v


@valid("momentum", "the EMA written as v + (1 - beta)(dW - v)")
def mom_lerp(parameters, grads, v, beta=0.9, learning_rate=0.01):
    new_v = {dk: v[dk] + (1 - beta) * (grads[dk] - v[dk]) for dk in v}
    return {k: W - learning_rate * new_v["d" + k] for k, W in parameters.items()}, new_v


# ---------------------------------------------------------------- rmsprop


def _rms(parameters, grads, s, lr, beta, eps, acc=None, step=None):
    acc = acc or (lambda s, g, b: b * s + (1 - b) * g**2)
    step = step or (lambda W, g, ns, os, lr, eps: W - lr * g / (np.sqrt(ns) + eps))
    new_p, new_s = {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        new_s[dk] = acc(s[dk], grads[dk], beta)
        new_p[k] = step(W, grads[dk], new_s[dk], s[dk], lr, eps)
    return new_p, new_s


@bug("rmsprop", "forgot to square the gradient in the average", r"square")
def rms_no_square(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    return _rms(parameters, grads, s, learning_rate, beta, epsilon, acc=lambda s, g, b: b * s + (1 - b) * g)


@bug("rmsprop", "epsilon inside the square root", r"(eps|ε).{0,40}(inside|outside)|(inside|outside).{0,40}(eps|ε)")
def rms_eps_inside(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    return _rms(
        parameters,
        grads,
        s,
        learning_rate,
        beta,
        epsilon,
        step=lambda W, g, ns, os, lr, eps: W - lr * g / np.sqrt(ns + eps),
    )


@bug("rmsprop", "divides by the old s", r"old", r"previous", r"updated|new s")
def rms_old_s(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    return _rms(
        parameters,
        grads,
        s,
        learning_rate,
        beta,
        epsilon,
        step=lambda W, g, ns, os, lr, eps: W - lr * g / (np.sqrt(os) + eps),
    )


@bug("rmsprop", "forgot the square root", r"sqrt|square root|root")
def rms_no_sqrt(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    return _rms(
        parameters, grads, s, learning_rate, beta, epsilon, step=lambda W, g, ns, os, lr, eps: W - lr * g / (ns + eps)
    )


@bug("rmsprop", "beta and (1 - beta) swapped", r"swap", r"β|beta")
def rms_swapped(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    return _rms(parameters, grads, s, learning_rate, beta, epsilon, acc=lambda s, g, b: (1 - b) * s + b * g**2)


@bug("rmsprop", "updates s in the given dict", r"modif", r"in.place")
def rms_inplace(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    new_p = {}
    for k, W in parameters.items():
        dk = "d" + k
        s[dk] = beta * s[dk] + (1 - beta) * grads[dk] ** 2
        new_p[k] = W - learning_rate * grads[dk] / (np.sqrt(s[dk]) + epsilon)
    return new_p, s


@bug(
    "rmsprop",
    "precedence: dW / sqrt(s) + eps",
    r"parenth",
    r"preced",
    r"(eps|ε).{0,40}(added to|outside the (fraction|division|step))",
)
def rms_precedence(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    return _rms(
        parameters,
        grads,
        s,
        learning_rate,
        beta,
        epsilon,
        step=lambda W, g, ns, os, lr, eps: W - lr * g / np.sqrt(ns) + eps,
    )


@bug("rmsprop", "returns (s, parameters)", r"order")
def rms_order(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    p, ns = _rms(parameters, grads, s, learning_rate, beta, epsilon)
    return ns, p


@bug("rmsprop", "W + step: wrong sign", r"\bsigns?\b", r"\bUP\b|uphill|climb")
def rms_sign(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    return _rms(
        parameters,
        grads,
        s,
        learning_rate,
        beta,
        epsilon,
        step=lambda W, g, ns, os, lr, eps: W + lr * g / (np.sqrt(ns) + eps),
    )


@valid("rmsprop", "np.square, np.power(., 0.5), separate denominator")
def rms_valid(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    new_s = {dk: beta * s[dk] + (1 - beta) * np.square(g) for dk, g in grads.items()}
    out = {}
    for k in parameters:
        denom = np.power(new_s["d" + k], 0.5) + epsilon
        out[k] = parameters[k] - learning_rate * (grads["d" + k] / denom)
    return out, new_s


# ---------------------------------------------------------------- initialize_adam


@bug("initialize_adam", "returns the same dict twice", r"same", r"alias|shared|separate|distinct")
def ia_same_dict(parameters):
    v = {"d" + k: np.zeros_like(p) for k, p in parameters.items()}
    return v, v


@bug("initialize_adam", "two dicts sharing the same zero arrays", r"same", r"alias|shared|separate|distinct")
def ia_same_arrays(parameters):
    v = {"d" + k: np.zeros_like(p) for k, p in parameters.items()}
    return v, dict(v)


@bug("initialize_adam", "keys like the parameters", r"key", r"\bdW1\b")
def ia_keys(parameters):
    return ({k: np.zeros_like(p) for k, p in parameters.items()}, {k: np.zeros_like(p) for k, p in parameters.items()})


@bug("initialize_adam", "one dict {'v': ..., 's': ...}", r"tuple|pair|two", r"structure|type")
def ia_one_dict(parameters):
    return {
        "v": {"d" + k: np.zeros_like(p) for k, p in parameters.items()},
        "s": {"d" + k: np.zeros_like(p) for k, p in parameters.items()},
    }


@bug("initialize_adam", "biases' state as columns (n, 1)", r"shape")
def ia_bias_column(parameters):
    def z(p):
        return np.zeros_like(p) if p.ndim == 2 else np.zeros((p.shape[0], 1))

    return {"d" + k: z(p) for k, p in parameters.items()}, {"d" + k: z(p) for k, p in parameters.items()}


@bug(
    "initialize_adam", "also returns a step counter t = 0", r"three|3|two|2|length|number of (outputs|items)", r"tuple"
)
def ia_with_t(parameters):
    return (
        {"d" + k: np.zeros_like(p) for k, p in parameters.items()},
        {"d" + k: np.zeros_like(p) for k, p in parameters.items()},
        0,
    )


@valid("initialize_adam", "one dict, deep-copied for the second")
def ia_deepcopy(parameters):
    v = {}
    for k, p in parameters.items():
        v["d" + k] = np.zeros(p.shape, dtype=p.dtype)
    return v, copy.deepcopy(v)


# ---------------------------------------------------------------- adam


def _adam(
    parameters,
    grads,
    v,
    s,
    t,
    lr,
    b1,
    b2,
    eps,
    *,
    c1=None,
    c2=None,
    ret_hat=False,
    old=False,
    step=None,
    sq=lambda g: g**2,
):
    c1 = (1 - b1**t) if c1 is None else c1
    c2 = (1 - b2**t) if c2 is None else c2
    step = step or (lambda W, vh, sh: W - lr * vh / (np.sqrt(sh) + eps))
    new_p, new_v, new_s = {}, {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        new_v[dk] = b1 * v[dk] + (1 - b1) * grads[dk]
        new_s[dk] = b2 * s[dk] + (1 - b2) * sq(grads[dk])
        src_v, src_s = (v[dk], s[dk]) if old else (new_v[dk], new_s[dk])
        vh, sh = src_v / c1, src_s / c2
        new_p[k] = step(W, vh, sh)
        if ret_hat:
            new_v[dk], new_s[dk] = vh, sh
    return new_p, new_v, new_s


@bug("adam", "bias correction with t - 1", r"t ?- ?1", r"step counter|off.by.one")
def adam_t_minus_1(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _adam(
            parameters,
            grads,
            v,
            s,
            t,
            learning_rate,
            beta1,
            beta2,
            epsilon,
            c1=1 - beta1 ** (t - 1),
            c2=1 - beta2 ** (t - 1),
        )


@bug("adam", "no bias correction", r"bias.correct")
def adam_no_bc(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c1=1.0, c2=1.0)


@bug("adam", "returns the bias-corrected moments as the new state", r"raw", r"corrected", r"state")
def adam_returns_hat(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, ret_hat=True)


@bug("adam", "beta1 and beta2 swapped", r"swap", r"β1|beta1")
def adam_betas_swapped(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta2, beta1, epsilon)


@bug("adam", "epsilon inside the square root", r"(eps|ε).{0,40}(inside|outside)|(inside|outside).{0,40}(eps|ε)")
def adam_eps_inside(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(
        parameters,
        grads,
        v,
        s,
        t,
        learning_rate,
        beta1,
        beta2,
        epsilon,
        step=lambda W, vh, sh: W - learning_rate * vh / np.sqrt(sh + epsilon),
    )


@bug(
    "adam", "bias-corrects the old moments (before this step's update)", r"old", r"previous", r"updated|new (moments|v)"
)
def adam_old_moments(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, old=True)


@bug("adam", "1 - beta * t instead of 1 - beta ** t", r"\*\*|power", r"β\^?t|beta\^?t|β₁\^t")
def adam_times_t(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _adam(
            parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c1=1 - beta1 * t, c2=1 - beta2 * t
        )


@bug("adam", "second moment of the gradient, not of its square", r"square")
def adam_no_square(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    with np.errstate(invalid="ignore"):
        return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, sq=lambda g: g)


@bug("adam", "W + step: wrong sign", r"\bsigns?\b", r"\bUP\b|uphill|climb")
def adam_sign(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(
        parameters,
        grads,
        v,
        s,
        t,
        learning_rate,
        beta1,
        beta2,
        epsilon,
        step=lambda W, vh, sh: W + learning_rate * vh / (np.sqrt(sh) + epsilon),
    )


@bug("adam", "bias corrections swapped: v / (1 - beta2^t), s / (1 - beta1^t)", r"swap", r"bias.correct")
def adam_bc_swapped(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c1=1 - beta2**t, c2=1 - beta1**t)


@bug("adam", "writes the new moments into the given dicts", r"modif", r"in.place")
def adam_inplace(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_p = {}
    for k, W in parameters.items():
        dk = "d" + k
        v[dk] = beta1 * v[dk] + (1 - beta1) * grads[dk]
        s[dk] = beta2 * s[dk] + (1 - beta2) * grads[dk] ** 2
        new_p[k] = W - learning_rate * (v[dk] / (1 - beta1**t)) / (np.sqrt(s[dk] / (1 - beta2**t)) + epsilon)
    return new_p, v, s


@bug("adam", "forgot the square root of s_hat", r"sqrt|square root|root")
def adam_no_sqrt(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(
        parameters,
        grads,
        v,
        s,
        t,
        learning_rate,
        beta1,
        beta2,
        epsilon,
        step=lambda W, vh, sh: W - learning_rate * vh / (sh + epsilon),
    )


@bug("adam", "bias correction 1 - beta^(t+1) (counter incremented first)", r"t ?\+ ?1", r"step counter|off.by.one")
def adam_t_plus_1(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    t = t + 1
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)


@valid("adam", "corrections computed once, moments named m1/m2, update written as a product")
def adam_valid(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    bc1, bc2 = 1.0 - beta1**t, 1.0 - beta2**t
    new_v = {dk: beta1 * v[dk] + (1.0 - beta1) * g for dk, g in grads.items()}
    new_s = {dk: beta2 * s[dk] + (1.0 - beta2) * g * g for dk, g in grads.items()}
    new_p = {}
    for k, W in parameters.items():
        m1 = new_v["d" + k] / bc1
        m2 = new_s["d" + k] / bc2
        new_p[k] = W - learning_rate * m1 * (1.0 / (np.sqrt(m2) + epsilon))
    return new_p, new_v, new_s


# ---------------------------------------------------------------- adamw


def _adam_ok(parameters, grads, v, s, t, lr, b1, b2, eps):
    return _adam(parameters, grads, v, s, t, lr, b1, b2, eps)


@bug("adamw", "L2 added to the gradient (Adam with weight decay, not AdamW)", r"L2", r"decoupl", r"gradient")
def adamw_l2(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01):
    g = {dk: (gr + weight_decay * parameters[dk[1:]] if dk[1:].startswith("W") else gr) for dk, gr in grads.items()}
    return _adam_ok(parameters, g, v, s, t, learning_rate, beta1, beta2, epsilon)


@bug("adamw", "decays the biases too", r"bias", r"\bb1\b|\bb2\b", r"weights only")
def adamw_biases(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    d = {k: W * (1 - learning_rate * weight_decay) for k, W in parameters.items()}
    return _adam_ok(d, grads, v, s, t, learning_rate, beta1, beta2, epsilon)


@bug("adamw", "decays the weights after the Adam step", r"after", r"current|order|before")
def adamw_after(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    p, nv, ns = _adam_ok(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
    return {k: (W * (1 - learning_rate * weight_decay) if k.startswith("W") else W) for k, W in p.items()}, nv, ns


@bug("adamw", "decay without the learning rate: W (1 - lambda)", r"learning.rate", r"\blr\b|η")
def adamw_no_lr(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    d = {k: (W * (1 - weight_decay) if k.startswith("W") else W) for k, W in parameters.items()}
    return _adam_ok(d, grads, v, s, t, learning_rate, beta1, beta2, epsilon)


@bug("adamw", "decay with the wrong sign: W (1 + lr lambda)", r"\bsigns?\b", r"SHRINK")
def adamw_sign(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    d = {k: (W * (1 + learning_rate * weight_decay) if k.startswith("W") else W) for k, W in parameters.items()}
    return _adam_ok(d, grads, v, s, t, learning_rate, beta1, beta2, epsilon)


@bug(
    "adamw",
    "subtracts lr * lambda instead of multiplying W by (1 - lr * lambda)",
    r"times W|proportional|multipl|\bW\s*\(1",
    r"shrink",
)
def adamw_subtract_const(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    d = {k: (W - learning_rate * weight_decay if k.startswith("W") else W) for k, W in parameters.items()}
    return _adam_ok(d, grads, v, s, t, learning_rate, beta1, beta2, epsilon)


@bug("adamw", "Adam part without bias correction", r"bias.correct")
def adamw_no_bc(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    d = {k: (W * (1 - learning_rate * weight_decay) if k.startswith("W") else W) for k, W in parameters.items()}
    return _adam(d, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c1=1.0, c2=1.0)


@bug("adamw", "decays the given weight arrays in place", r"modif", r"in.place")
def adamw_inplace(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    for k in parameters:
        if k.startswith("W"):
            parameters[k] *= 1 - learning_rate * weight_decay
    return _adam_ok(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)


@bug("adamw", "bias correction with t - 1 in the Adam part", r"t ?- ?1", r"step counter|off.by.one")
def adamw_t_minus_1(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    d = {k: (W * (1 - learning_rate * weight_decay) if k.startswith("W") else W) for k, W in parameters.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        return _adam(
            d, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c1=1 - beta1 ** (t - 1), c2=1 - beta2 ** (t - 1)
        )


@valid("adamw", "decay written as W - lr * lambda * W inside one loop")
def adamw_valid(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01
):
    new_p, new_v, new_s = {}, {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        if k[0] == "W":
            W = W - learning_rate * weight_decay * W
        new_v[dk] = beta1 * v[dk] + (1 - beta1) * grads[dk]
        new_s[dk] = beta2 * s[dk] + (1 - beta2) * np.square(grads[dk])
        step = (new_v[dk] / (1 - beta1**t)) / (np.sqrt(new_s[dk] / (1 - beta2**t)) + epsilon)
        new_p[k] = W - learning_rate * step
    return new_p, new_v, new_s


# ---------------------------------------------------------------- warmup_cosine_lr


@bug("warmup_cosine_lr", "warm-up t / warmup_steps: step 0 at rate 0", r"t \+ 1", r"step 0|first step|one step late")
def wc_warmup_from_zero(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if t < warmup_steps:
        return lr_max * t / warmup_steps
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * progress)) / 2


@bug("warmup_cosine_lr", "math.cos(progress): pi forgotten", r"\bpi\b", r"radian")
def wc_no_pi(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if t < warmup_steps:
        return lr_max * (t + 1) / warmup_steps
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + (lr_max - lr_min) * (1 + math.cos(progress)) / 2


@bug("warmup_cosine_lr", "angle in degrees: cos(180 * progress)", r"degree", r"radian")
def wc_degrees(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if t < warmup_steps:
        return lr_max * (t + 1) / warmup_steps
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + (lr_max - lr_min) * 0.5 * (1 + np.cos(180 * progress))


@bug("warmup_cosine_lr", "cosine down to 0, lr_min ignored", r"lr_min", r"not at 0|floor")
def wc_to_zero(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if t < warmup_steps:
        return lr_max * (t + 1) / warmup_steps
    return 0.5 * lr_max * (1 + math.cos(math.pi * (t - warmup_steps) / (total_steps - warmup_steps)))


@bug(
    "warmup_cosine_lr",
    "cosine phase counted from t = 0, not from the end of the warm-up",
    r"warm-?up ends|t - warmup_steps",
    r"shift|start",
)
def wc_not_shifted(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if t < warmup_steps:
        return lr_max * (t + 1) / warmup_steps
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * t / total_steps)) / 2


@bug("warmup_cosine_lr", "no warm-up: lr_max for the first warmup_steps steps", r"warm-?up", r"linear")
def wc_flat_warmup(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if t < warmup_steps:
        return lr_max
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * progress)) / 2


@bug("warmup_cosine_lr", "lr_min added on top of the full cosine", r"lr_max - lr_min", r"above lr_max|scale")
def wc_min_added(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if t < warmup_steps:
        return lr_max * (t + 1) / warmup_steps
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + lr_max * (1 + math.cos(math.pi * progress)) / 2


@bug(
    "warmup_cosine_lr",
    "warm-up counted from 1 (t + 1) but the cosine shifted by warmup_steps - 1",
    r"warm-?up ends|t - warmup_steps",
    r"off.by.one",
)
def wc_shift_minus_one(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if t < warmup_steps:
        return lr_max * (t + 1) / warmup_steps
    progress = (t - warmup_steps + 1) / (total_steps - warmup_steps + 1)
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * progress)) / 2


@valid("warmup_cosine_lr", "as a product of a warm-up factor and the cosine, with min()")
def wc_valid_min(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if warmup_steps and t < warmup_steps:
        return lr_max * min(1.0, (t + 1) / warmup_steps)
    angle = math.pi * (t - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + math.cos(angle))


@valid("warmup_cosine_lr", "vectorised with np.where over an array of one step, returned as float")
def wc_valid_where(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    tt = np.asarray(t, dtype=float)
    warm = lr_max * (tt + 1) / max(warmup_steps, 1)
    frac = np.clip((tt - warmup_steps) / (total_steps - warmup_steps), 0.0, 1.0)
    cos = lr_min + (lr_max - lr_min) * (np.cos(np.pi * frac) + 1) / 2
    return float(np.where(tt < warmup_steps, warm, cos))
