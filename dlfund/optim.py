"""Optimizers: the dictionary API of tutorials and small optimizer objects for `MLP.fit`.

Parameters live in a dict {"W1", "b1", ...}; gradients in {"dW1", "db1", ...}; optimizer
state (velocities, moment estimates) in dicts keyed like the gradients.

Every update rule is written ONCE, as a function that updates one array in place
(`sgd_step_inplace`, `adagrad_step_inplace`, `adadelta_step_inplace`,
`rmsprop_step_inplace`, `adam_step_inplace`). Both public forms call that function:

- the dictionary API (`update_parameters_with_adam(parameters, grads, v, s, t, ...)`)
  copies the parameters and state first, so it returns new dicts and never modifies
  its inputs;
- the optimizer objects (`Adam(lr=1e-3).step(params, grads)`) keep their state and
  update the arrays of `params` in place, like `torch.optim` (the documented exception
  to "functions never modify their inputs").

Hyperparameter names follow the tutorials in the dictionary API (`learning_rate`,
`beta1`, `epsilon`) and PyTorch in the objects (`lr`, `betas`, `eps`), and the objects
match the `torch.optim` class of the same name step for step (tests/test_optim_torch.py).
"""
import functools
import math
from types import MappingProxyType

import numpy as np

from ._validate import as_array, check_matching_keys, check_positive, check_rng, check_unit_interval

# ---------------------------------------------------------------------------------------
# Input checks shared by both forms
# ---------------------------------------------------------------------------------------


def _check_decay(value, name):
    """A decay rate (beta, rho, alpha, momentum) must be a number in [0, 1)."""
    return check_unit_interval(value, name)


def _check_step(t):
    """Adam's step counter: an integer >= 1 (at t = 0 the bias correction divides by 0)."""
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)):
        raise TypeError(f"t must be an integer step counter >= 1, got {t!r}")
    if t < 1:
        raise ValueError(f"t must be >= 1 (the first step is t = 1; at t = 0 the bias "
                         f"correction 1 - beta**t is 0), got {t}")
    return int(t)


def _nonneg(value, name):
    return check_positive(value, name, allow_zero=True)


# ---------------------------------------------------------------------------------------
# The update rules, one array at a time (p, and the state arrays, are updated in place)
# ---------------------------------------------------------------------------------------

#: arrays larger than this many bytes are updated block by block (see `_blockwise`)
BLOCK_BYTES = 4 << 20


def _blockwise(rule):
    """Run an element-wise in-place update rule on a large array one block of entries at a time.

    A rule makes a dozen passes over its arrays (scale, add, square, sqrt, divide, ...). On a
    parameter of millions of entries every pass streams tens of megabytes through memory and
    every temporary is a fresh allocation of that size. Cut into blocks of `BLOCK_BYTES`, the
    passes over one block find it in the CPU cache and the temporaries stay small.
    The rules are element-wise, so the result is exactly that of one call on the whole arrays.

    Every array argument of p's shape is cut the same way. Arrays that are not C-contiguous
    (whose flat version would be a copy, losing the in-place update) get one whole call.
    """
    @functools.wraps(rule)
    def blockwise_rule(p, g, *args, **kwargs):
        if p.nbytes <= BLOCK_BYTES or np.shape(g) != p.shape:     # small arrays: one call
            return rule(p, g, *args, **kwargs)
        n, size = p.size, max(1, BLOCK_BYTES // p.itemsize)
        cut = [isinstance(a, np.ndarray) and a.shape == p.shape for a in args]
        cut_kw = {k: isinstance(a, np.ndarray) and a.shape == p.shape for k, a in kwargs.items()}
        state = [a for a, c in zip(args, cut) if c] + [a for k, a in kwargs.items() if cut_kw[k]]
        if not all(a.flags.c_contiguous for a in [p, *state]):
            return rule(p, g, *args, **kwargs)
        flat = [a.reshape(-1) if c else a for a, c in zip(args, cut)]
        flat_kw = {k: a.reshape(-1) if cut_kw[k] else a for k, a in kwargs.items()}
        p_flat, g_flat = p.reshape(-1), np.reshape(g, -1)
        for start in range(0, n, size):
            block = slice(start, start + size)
            rule(p_flat[block], g_flat[block], *(a[block] if c else a for a, c in zip(flat, cut)),
                 **{k: a[block] if cut_kw[k] else a for k, a in flat_kw.items()})

    return blockwise_rule


_AXPY = {}   # BLAS axpy by dtype character ("f", "d"), looked up on first use


def _add_scaled(y, a, x):
    """y <- y + a * x in place, x unchanged.

    NumPy's `y += a * x` makes two passes (a * x into a temporary, then the addition); BLAS's
    axpy makes one. Used for contiguous float32/float64 arrays of equal shape and dtype;
    anything else gets the NumPy line. The two round differently in the last bit (axpy may
    fuse the multiply and add), like torch's own `add_(x, alpha=a)`.
    """
    char = y.dtype.char
    if (char in "fd" and x.dtype == y.dtype and x.shape == y.shape and y.flags.c_contiguous
            and x.flags.c_contiguous):
        if char not in _AXPY:
            from scipy.linalg.blas import get_blas_funcs   # scipy comes with scikit-learn

            _AXPY[char] = get_blas_funcs("axpy", dtype=y.dtype)
        y_flat = y.reshape(-1)
        out = _AXPY[char](x.reshape(-1), y_flat, a=a)
        if out is not y_flat and not np.shares_memory(out, y_flat):
            y_flat[...] = out          # the wrapper made a copy: write the result back
        return
    y += a * x


@_blockwise
def sgd_step_inplace(p, g, lr, v=None, beta=0.0, grad_scale=1.0, nesterov=False, weight_decay=0.0):
    """One (momentum) SGD step on a single array p, in place; g is not modified.

        g <- g + weight_decay * p                (L2 penalty folded into the gradient)
        v <- beta * v + grad_scale * g           (only when a velocity array v is given)
        p <- p - lr * d,   d = g                 without velocity
                           d = v                 heavy ball
                           d = beta * v + grad_scale * g   Nesterov

    The momentum conventions are choices of (lr, beta, grad_scale), see
    `update_parameters_with_momentum`.
    """
    if weight_decay:
        g = g + weight_decay * p
    if v is None:
        p -= lr * g
        return
    v *= beta
    v += g if grad_scale == 1 else grad_scale * g     # no multiplication by 1 (torch's case)
    if nesterov:
        p -= lr * (beta * v + grad_scale * g)
    else:
        _add_scaled(p, -lr, v)                          # p -= lr * v in one pass


@_blockwise
def adagrad_step_inplace(p, g, sum_sq, lr, eps=1e-10, weight_decay=0.0):
    """One AdaGrad step on a single array, in place (p and sum_sq change):

        sum_sq <- sum_sq + g**2
        p      <- p - lr * g / (sqrt(sum_sq) + eps)
    """
    if weight_decay:
        g = g + weight_decay * p
    sum_sq += np.square(g)
    step = np.sqrt(sum_sq)          # one scratch array, reused for the whole step
    step += eps
    np.divide(g, step, out=step)
    step *= lr
    p -= step


@_blockwise
def adadelta_step_inplace(p, g, sq_avg, delta_avg, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    """One AdaDelta step on a single array, in place (p, sq_avg and delta_avg change):

        sq_avg    <- rho * sq_avg + (1 - rho) * g**2            (EMA of squared gradients)
        delta      = sqrt(delta_avg + eps) / sqrt(sq_avg + eps) * g
        delta_avg <- rho * delta_avg + (1 - rho) * delta**2     (EMA of squared updates)
        p         <- p - lr * delta

    The ratio of the two RMS values gives the step the units of p; lr = 1 is the classic rule.
    """
    if weight_decay:
        g = g + weight_decay * p
    sq_avg *= rho
    sq_avg += (1 - rho) * np.square(g)
    delta = np.sqrt(delta_avg + eps)
    delta /= np.sqrt(sq_avg + eps)
    delta *= g
    delta_avg *= rho
    delta_avg += (1 - rho) * np.square(delta)
    delta *= lr
    p -= delta


@_blockwise
def rmsprop_step_inplace(p, g, sq_avg, lr, alpha=0.99, eps=1e-8, weight_decay=0.0,
                         momentum=0.0, buf=None, grad_avg=None):
    """One RMSProp step on a single array, in place (p and the state arrays change):

        sq_avg <- alpha * sq_avg + (1 - alpha) * g**2     (EMA of g**2, NOT a Hessian)
        denom   = sqrt(sq_avg) + eps                      (eps OUTSIDE the root, as torch)
        p      <- p - lr * g / denom

    Options as in torch: `grad_avg` (centred: also track the EMA of g and use
    sqrt(sq_avg - grad_avg**2) + eps); `buf` with `momentum` (buf <- momentum * buf + g / denom,
    p <- p - lr * buf).
    """
    if weight_decay:
        g = g + weight_decay * p
    sq_avg *= alpha
    sq_avg += (1 - alpha) * np.square(g)
    if grad_avg is None:
        denom = np.sqrt(sq_avg)
    else:
        grad_avg *= alpha
        grad_avg += (1 - alpha) * g
        denom = sq_avg - np.square(grad_avg)
        np.sqrt(denom, out=denom)
    denom += eps
    step = np.divide(g, denom, out=denom)   # g / denom, reusing the scratch array
    if buf is not None:
        buf *= momentum
        buf += step
        step = buf
    p -= lr * step


@_blockwise
def adam_step_inplace(p, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8,
                      weight_decay=0.0, decoupled_weight_decay=0.0):
    """One Adam / AdamW step on a single array at step t >= 1, in place (p, m, v change):

        p <- p * (1 - lr * decoupled_weight_decay)         (AdamW: shrink the CURRENT weights)
        g <- g + weight_decay * p                          (Adam's coupled L2 penalty)
        m <- beta1 * m + (1 - beta1) * g                   (first moment of the gradient)
        v <- beta2 * v + (1 - beta2) * g**2                (second moment of the gradient)
        m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)
    """
    if decoupled_weight_decay:
        p *= 1 - lr * decoupled_weight_decay
    if weight_decay:
        g = g + weight_decay * p
    m *= beta1
    _add_scaled(m, 1 - beta1, g)                      # m += (1 - beta1) * g in one pass
    scratch = np.multiply(g, g)                       # one scratch array, reused below
    v *= beta2
    _add_scaled(v, 1 - beta2, scratch)                # v += (1 - beta2) * g**2
    # lr * m_hat / (sqrt(v_hat) + eps) == lr * c / (1 - beta1**t) * m / (sqrt(v) + eps * c)
    # with c = sqrt(1 - beta2**t): the bias corrections become two scalars, one pass fewer
    # (the reordering Kingma & Ba suggest at the end of their Section 2)
    c = math.sqrt(1 - beta2 ** t)
    np.sqrt(v, out=scratch)
    scratch += eps * c
    np.divide(m, scratch, out=scratch)
    _add_scaled(p, -lr * c / (1 - beta1 ** t), scratch)


# ---------------------------------------------------------------------------------------
# The dictionary API: new dicts out, inputs untouched
# ---------------------------------------------------------------------------------------


def random_mini_batches(X, Y, batch_size=64, rng=None):
    """Shuffle (X, Y) together and cut into batches of `batch_size` rows; the last may be smaller.

    X is (m, n), Y is (m, ...). Returns a list of (X_batch, Y_batch) pairs.
    """
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    perm = check_rng(rng).permutation(X.shape[0])
    return [(X[perm[k:k + batch_size]], Y[perm[k:k + batch_size]]) for k in range(0, X.shape[0], batch_size)]


def _functional_update(parameters, grads, states, rule):
    """Apply `rule(key, p, g, *state_arrays)` to copies of the parameters and states.

    `states` maps a name ("v", "s", ...) to a dict keyed like `grads`. Returns
    (new_parameters, [new_state_dict, ...]); nothing passed in is modified.
    """
    check_matching_keys(parameters, grads)
    for name, state in states.items():
        check_matching_keys(parameters, state, name=name)
    new_params = {k: as_array(p, f"parameters[{k!r}]").copy() for k, p in parameters.items()}
    new_states = [{dk: as_array(a, f"{name}[{dk!r}]").copy() for dk, a in state.items()}
                  for name, state in states.items()]
    for k, p in new_params.items():
        dk = "d" + k
        rule(k, p, as_array(grads[dk], f"grads[{dk!r}]"), *(s[dk] for s in new_states))
    return new_params, new_states


def _zeros_like_grads(parameters, fill=0.0):
    """A state dict keyed like the gradients: {"dW1": zeros like W1, ...}."""
    return {"d" + k: np.full_like(as_array(p, f"parameters[{k!r}]"), fill) for k, p in parameters.items()}


def update_parameters_with_gd(parameters, grads, learning_rate):
    """One gradient-descent step: W <- W - lr * dW for every parameter. Returns a new dict."""
    lr = check_positive(learning_rate, "learning_rate")
    new, _ = _functional_update(parameters, grads, {}, lambda k, p, g: sgd_step_inplace(p, g, lr))
    return new


def update_parameters_with_sgd(parameters, grads, learning_rate, weight_decay=0.0):
    """One stochastic-gradient step on a mini-batch gradient. Returns a new dict.

    The rule is gradient descent's; "stochastic" says the gradient comes from a sample
    or mini-batch. `weight_decay` adds the L2 term weight_decay * W to the gradient (as
    `torch.optim.SGD`); for plain SGD that is the same as decoupled decay W <- W(1 - lr*wd).
    """
    lr = check_positive(learning_rate, "learning_rate")
    wd = _nonneg(weight_decay, "weight_decay")
    new, _ = _functional_update(parameters, grads, {},
                                lambda k, p, g: sgd_step_inplace(p, g, lr, weight_decay=wd))
    return new


def initialize_velocity(parameters):
    """Zero velocity for momentum / Nesterov: {"dW1": zeros like W1, "db1": ..., ...}."""
    return _zeros_like_grads(parameters)


def _momentum_update(parameters, grads, v, beta, learning_rate, convention, nesterov):
    lr = check_positive(learning_rate, "learning_rate")
    beta = _check_decay(beta, "beta")
    if convention == "ema":          # v = beta v + (1 - beta) g ;  W -= lr v
        step, grad_scale = lr, 1 - beta
    elif convention == "classical":  # v = beta v + lr g ;  W -= v
        step, grad_scale = 1.0, lr
    else:
        raise ValueError(f"convention must be 'ema' or 'classical', got {convention!r}")
    new, (new_v,) = _functional_update(
        parameters, grads, {"v": v},
        lambda k, p, g, vk: sgd_step_inplace(p, g, step, v=vk, beta=beta, grad_scale=grad_scale,
                                             nesterov=nesterov))
    return new, new_v


def update_parameters_with_momentum(parameters, grads, v, beta=0.9, learning_rate=0.01, convention="ema"):
    """One momentum step. v is keyed like grads (start with `initialize_velocity`).

    Returns (new_parameters, new_v); the inputs are not modified. Two conventions:

    - "ema" (default, the tutorial code):  v <- beta*v + (1 - beta)*dW;  W <- W - lr*v
    - "classical" (the textbook formula):  v <- beta*v + lr*dW;          W <- W - v

    How they relate (ERRATA E14). With v starting at 0 and a constant learning rate all
    three of these take the same steps:
        classical with lr                 == torch.optim.SGD(lr=lr, momentum=beta)
        ema with lr                       == torch.optim.SGD(lr=lr*(1 - beta), momentum=beta)
    so at the same numbers "ema" moves (1 - beta) times as far (10x shorter at beta = 0.9).
    torch keeps buf <- beta*buf + dW (buf = v/lr for "classical", v/(1 - beta) for "ema") and
    applies lr outside, so under a learning-rate schedule "classical" (lr inside v) differs
    from torch. torch's `dampening=beta` is NOT "ema": torch's first buffer is the raw gradient.
    """
    return _momentum_update(parameters, grads, v, beta, learning_rate, convention, nesterov=False)


def update_parameters_with_nesterov(parameters, grads, v, beta=0.9, learning_rate=0.01, convention="ema"):
    """One Nesterov momentum step (look-ahead form): as momentum, but the step uses
    beta*v_new + c*dW instead of v_new, where c is the gradient's coefficient in v
    (1 - beta for "ema", lr for "classical"). Returns (new_parameters, new_v).

    "classical" with lr == torch.optim.SGD(lr=lr, momentum=beta, nesterov=True), and
    "ema" with lr == torch.optim.SGD(lr=lr*(1 - beta), momentum=beta, nesterov=True).
    """
    return _momentum_update(parameters, grads, v, beta, learning_rate, convention, nesterov=True)


def initialize_adagrad(parameters, initial_accumulator_value=0.0):
    """AdaGrad's running sum of squared gradients, keyed like grads (torch's default start is 0)."""
    return _zeros_like_grads(parameters, fill=_nonneg(initial_accumulator_value, "initial_accumulator_value"))


def update_parameters_with_adagrad(parameters, grads, s, learning_rate=0.01, epsilon=1e-10):
    """One AdaGrad step: s <- s + dW**2;  W <- W - lr * dW / (sqrt(s) + eps).

    Returns (new_parameters, new_s); the inputs are not modified.
    """
    lr = check_positive(learning_rate, "learning_rate")
    eps = _nonneg(epsilon, "epsilon")
    new, (new_s,) = _functional_update(parameters, grads, {"s": s},
                                       lambda k, p, g, sk: adagrad_step_inplace(p, g, sk, lr, eps))
    return new, new_s


def initialize_adadelta(parameters):
    """AdaDelta's two running averages (s of squared gradients, delta of squared updates), zeros."""
    return _zeros_like_grads(parameters), _zeros_like_grads(parameters)


def update_parameters_with_adadelta(parameters, grads, s, delta, learning_rate=1.0, rho=0.9, epsilon=1e-6):
    """One AdaDelta step (see `adadelta_step_inplace`). Returns (new_parameters, new_s, new_delta)."""
    lr = check_positive(learning_rate, "learning_rate")
    rho = _check_decay(rho, "rho")
    eps = _nonneg(epsilon, "epsilon")
    new, (new_s, new_delta) = _functional_update(
        parameters, grads, {"s": s, "delta": delta},
        lambda k, p, g, sk, dk: adadelta_step_inplace(p, g, sk, dk, lr, rho, eps))
    return new, new_s, new_delta


def initialize_rmsprop(parameters):
    """RMSProp's running average of squared gradients, zeros keyed like grads."""
    return _zeros_like_grads(parameters)


def update_parameters_with_rmsprop(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    """One RMSProp step: s <- beta*s + (1 - beta)*dW**2;  W <- W - lr * dW / (sqrt(s) + eps).

    `beta` is the decay rate of the squared-gradient average (torch calls it `alpha`), not a
    momentum. eps sits outside the square root, as in torch. Returns (new_parameters, new_s).
    """
    lr = check_positive(learning_rate, "learning_rate")
    beta = _check_decay(beta, "beta")
    eps = _nonneg(epsilon, "epsilon")
    new, (new_s,) = _functional_update(parameters, grads, {"s": s},
                                       lambda k, p, g, sk: rmsprop_step_inplace(p, g, sk, lr, beta, eps))
    return new, new_s


def initialize_adam(parameters):
    """Adam's first and second moment estimates (v, s), zeros keyed like grads."""
    return _zeros_like_grads(parameters), _zeros_like_grads(parameters)


def _adam_update(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, decay_of):
    lr = check_positive(learning_rate, "learning_rate")
    beta1 = _check_decay(beta1, "beta1")
    beta2 = _check_decay(beta2, "beta2")
    eps = _nonneg(epsilon, "epsilon")
    t = _check_step(t)
    new, (new_v, new_s) = _functional_update(
        parameters, grads, {"v": v, "s": s},
        lambda k, p, g, vk, sk: adam_step_inplace(p, g, vk, sk, t, lr, beta1, beta2, eps,
                                                  decoupled_weight_decay=decay_of(k)))
    return new, new_v, new_s


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.001,
                                beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One Adam step at step counter t (1 on the first step, then 2, 3, ...).

        v <- beta1*v + (1 - beta1)*dW;   s <- beta2*s + (1 - beta2)*dW**2
        W <- W - lr * v_hat / (sqrt(s_hat) + eps),  v_hat = v/(1 - beta1**t), s_hat = s/(1 - beta2**t)

    Returns (new_parameters, new_v, new_s); the inputs are not modified.
    """
    return _adam_update(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                        decay_of=lambda key: 0.0)


def update_parameters_with_adamw(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9,
                                 beta2=0.999, epsilon=1e-8, weight_decay=0.01, decay_biases=False):
    """One AdamW step: Adam plus decoupled weight decay of the CURRENT weights.

        W <- W * (1 - lr * weight_decay), then the Adam step of `update_parameters_with_adam`

    Biases (keys starting with "b") are not decayed unless `decay_biases=True`; the match is by
    name, so batch norm's "beta{l}" is excluded too and its "gamma{l}" is decayed.
    Convention (PyTorch's): the decay is multiplied by the learning rate. Loshchilov &
    Hutter write W <- W - eta_t * (alpha * adam_step + lambda * W), where alpha is the step
    size and eta_t only the schedule multiplier; without a schedule (eta_t = 1) their lambda
    equals lr * weight_decay here, so weight_decay = lambda_paper / lr. Returns
    (new_parameters, new_v, new_s); the inputs are not modified.
    """
    wd = _nonneg(weight_decay, "weight_decay")
    return _adam_update(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                        decay_of=lambda key: wd if decay_biases or not key.startswith("b") else 0.0)


# ---------------------------------------------------------------------------------------
# Optimizer objects: state inside, parameters updated in place (for MLP.fit)
# ---------------------------------------------------------------------------------------


#: parameters with at most this many entries are updated together (see `Optimizer.step`)
SMALL_ARRAY = 1 << 15


class _Group:
    """Parameters that one call of an update rule handles: their keys, shapes and state.

    A group of several small arrays works on flat vectors: the gradients are concatenated
    into `g`, the rule runs once on the parameters as one vector `p`, and its state arrays
    are flat too. If the parameter arrays lie one after another in a single buffer (as
    `pack_parameters` arranges) `p` is that stretch of the buffer and the rule updates the
    parameters directly; otherwise they are copied into `p` and back. A group of one array
    works on that array itself.
    """

    def __init__(self, keys, params):
        self.keys = keys
        arrays = [params[k] for k in keys]
        self.shapes = [a.shape for a in arrays]
        ends = np.cumsum([a.size for a in arrays])
        self.slices = [slice(int(e) - a.size, int(e)) for a, e in zip(arrays, ends)]
        self.flat = len(keys) > 1
        if self.flat:
            self.packed = _stretch(arrays)
            self.arrays = arrays if self.packed is not None else None
            self.p = np.empty(int(ends[-1]), dtype=arrays[0].dtype)
            self.g = np.empty_like(self.p)
        self.state = {}

    def flat_params(self, params):
        """p as one vector, and whether it is the parameters' own memory (else a copy to write back)."""
        if self.arrays is not None and all(params[k] is a for k, a in zip(self.keys, self.arrays)):
            return self.packed, True
        np.concatenate([params[k].reshape(-1) for k in self.keys], out=self.p)
        return self.p, False


def _address(a):
    return a.__array_interface__["data"][0]


def _stretch(arrays):
    """A 1-D view of the memory the arrays occupy if they are contiguous pieces of one buffer,
    one right after the other in this order; else None."""
    base = arrays[0].base
    if base is None or not base.flags.c_contiguous or base.dtype != arrays[0].dtype:
        return None
    if any(a.base is not base or not a.flags.c_contiguous for a in arrays):
        return None
    start = _address(arrays[0])
    end = start
    for a in arrays:
        if _address(a) != end:
            return None
        end += a.nbytes
    first = (start - _address(base)) // base.itemsize
    return base.reshape(-1)[first:first + (end - start) // base.itemsize]


def pack_parameters(params):
    """The same parameters as views of one contiguous buffer, in the dict's order.

    An optimizer then updates a group of them in one call on the buffer itself (see
    `Optimizer.step`) instead of copying them into a vector and back. Returns a new dict.
    """
    arrays = list(params.values())
    if not arrays:
        return {}
    buffer = np.concatenate([np.ravel(a) for a in arrays])
    out, start = {}, 0
    for k, a in params.items():
        out[k] = buffer[start:start + np.size(a)].reshape(np.shape(a))
        start += np.size(a)
    return out


class Optimizer:
    """Base class. `step(params, grads)` updates the arrays of `params` in place.

    `state` shows the optimizer state per gradient key, e.g. `state["dW1"] = {"m": ..., "v": ...}`,
    created on the first step; `t` counts the calls to `step` (1 during the first). `reset()`
    forgets both. Subclasses implement `_update(key, p, g, state)` by calling one
    `*_step_inplace` rule.

    Small arrays share one call of the rule. A rule makes about ten NumPy calls, and each call
    costs a microsecond or so of Python overhead whatever the array's size: for a bias of 10
    entries that overhead is all the work. So on the first step the parameters are sorted into
    groups: every array larger than `SMALL_ARRAY` entries alone, the small ones together (same
    dtype and, via `_group_key`, same hyperparameters). A group of small arrays is updated as one
    flat vector; the rules are element-wise, so the numbers are those of array-by-array updates.
    `torch.optim`'s `foreach` implementations batch their tensors for the same reason.
    """

    _fields = ("lr",)

    def __init__(self, lr):
        self.lr = check_positive(lr, "lr")
        self.reset()

    def reset(self):
        """Forget the step counter and all state."""
        self.t = 0
        self._groups = None
        self._layout = None

    @property
    def state(self):
        """{"dW1": {"m": array shaped like W1, ...}, ...}: the current state of every parameter.

        A read-only mapping of views: the arrays can be changed in place, not replaced."""
        out = {}
        for group in self._groups or ():
            for k, where, shape in zip(group.keys, group.slices, group.shapes):
                out["d" + k] = MappingProxyType({name: arr.reshape(-1)[where].reshape(shape)
                                                 for name, arr in group.state.items()})
        return MappingProxyType(out)

    def _group_key(self, key):
        """Parameters may share an update call only if this value is equal for them."""
        return None

    def _make_groups(self, params):
        small = {}
        groups = []
        for k, p in params.items():
            if p.size > SMALL_ARRAY:
                groups.append(_Group([k], params))
            else:
                small.setdefault((self._group_key(k), p.dtype), []).append(k)
        return groups + [_Group(keys, params) for keys in small.values()]

    def _check_layout(self, params):
        """The parameters must keep the keys, shapes and dtypes of the first step."""
        layout = {k: (p.shape, p.dtype) for k, p in params.items()}
        if self._layout is None:
            self._layout, self._groups = layout, self._make_groups(params)
        elif layout != self._layout:
            changes = [f"{k!r} was {self._layout[k][0]} {self._layout[k][1]}, now {layout[k][0]} {layout[k][1]}"
                       for k in layout.keys() & self._layout.keys() if layout[k] != self._layout[k]]
            added, gone = sorted(layout.keys() - self._layout.keys()), sorted(self._layout.keys() - layout.keys())
            changes += [f"new parameters {added}"] * bool(added) + [f"parameters {gone} are gone"] * bool(gone)
            raise ValueError(f"the optimizer state was made for other parameters ({'; '.join(changes)}); "
                             f"call reset() for a new model")

    def _same_layout(self, params, grads):
        """True if params and grads are arrays with the keys, shapes and dtypes checked on an earlier step."""
        layout = self._layout
        try:
            return (layout is not None and len(params) == len(layout) == len(grads)
                    and all(params[k].dtype == dtype and params[k].shape == shape == grads["d" + k].shape
                            for k, (shape, dtype) in layout.items()))
        except (KeyError, AttributeError):
            return False

    def step(self, params, grads):
        """Update every array params[k] in place from grads["d" + k]."""
        if not self._same_layout(params, grads):     # the checks, unless this step looks like the last
            check_matching_keys(params, grads)
            for k, p in params.items():
                if not (isinstance(p, np.ndarray) and p.dtype.kind == "f"):
                    raise TypeError(f"params[{k!r}] must be a floating-point numpy array (it is updated "
                                    f"in place), got {type(p).__name__}")
            self._check_layout(params)
        self.t += 1
        for group in self._groups:
            g = [as_array(grads["d" + k], f"grads['d{k}']") for k in group.keys]
            if not group.flat:
                self._update(group.keys[0], params[group.keys[0]], g[0], group.state)
                continue
            np.concatenate([gk.reshape(-1) for gk in g], out=group.g)
            p, in_place = group.flat_params(params)
            self._update(group.keys[0], p, group.g, group.state)
            if not in_place:
                for k, where, shape in zip(group.keys, group.slices, group.shapes):
                    params[k][...] = p[where].reshape(shape)

    @staticmethod
    def _buffer(state, name, p, fill=0.0):
        """The state array `name` for parameter p, created (filled with `fill`) on first use."""
        if name not in state:
            state[name] = np.full_like(p, fill)
        return state[name]

    def _update(self, key, p, g, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"


class GD(Optimizer):
    """Plain (mini-batch) gradient descent with a fixed learning rate: p -= lr * g, in place."""

    def __init__(self, lr=0.01):
        super().__init__(lr)

    def _update(self, key, p, g, state):
        sgd_step_inplace(p, g, self.lr)


class SGD(Optimizer):
    """SGD with optional momentum, dampening, Nesterov and L2 weight decay, as `torch.optim.SGD`.

        g <- g + weight_decay * p
        buf <- momentum * buf + (1 - dampening) * g     (first step: buf = g, undampened)
        p <- p - lr * buf        (Nesterov: p <- p - lr * (g + momentum * buf))

    With dampening = 0 this is the "classical" momentum of `update_parameters_with_momentum`
    with buf = v / lr; the "ema" form with rate a is SGD(lr=a*(1 - momentum), momentum).
    """

    _fields = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(self, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(lr)
        self.momentum = _check_decay(momentum, "momentum")
        self.dampening = _check_decay(dampening, "dampening")
        self.nesterov = bool(nesterov)
        self.weight_decay = _nonneg(weight_decay, "weight_decay")
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(f"nesterov=True needs momentum > 0 and dampening = 0 (as torch), "
                             f"got momentum={momentum!r}, dampening={dampening!r}")

    def _update(self, key, p, g, state):
        if self.momentum == 0:
            sgd_step_inplace(p, g, self.lr, weight_decay=self.weight_decay)
            return
        first = "buf" not in state
        buf = self._buffer(state, "buf", p)
        sgd_step_inplace(p, g, self.lr, v=buf, beta=self.momentum,
                         grad_scale=1.0 if first else 1.0 - self.dampening,
                         nesterov=self.nesterov, weight_decay=self.weight_decay)


class Adagrad(Optimizer):
    """AdaGrad as `torch.optim.Adagrad`: per-entry rate lr / (sqrt(sum of g**2) + eps),
    with the rate decayed as lr / (1 + (t - 1) * lr_decay)."""

    _fields = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(self, lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
        super().__init__(lr)
        self.lr_decay = _nonneg(lr_decay, "lr_decay")
        self.weight_decay = _nonneg(weight_decay, "weight_decay")
        self.initial_accumulator_value = _nonneg(initial_accumulator_value, "initial_accumulator_value")
        self.eps = _nonneg(eps, "eps")

    def _update(self, key, p, g, state):
        sum_sq = self._buffer(state, "sum", p, fill=self.initial_accumulator_value)
        lr_t = self.lr / (1 + (self.t - 1) * self.lr_decay)
        adagrad_step_inplace(p, g, sum_sq, lr_t, self.eps, self.weight_decay)


class Adadelta(Optimizer):
    """AdaDelta as `torch.optim.Adadelta` (lr = 1 is the original rule)."""

    _fields = ("lr", "rho", "eps", "weight_decay")

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(lr)
        self.rho = _check_decay(rho, "rho")
        self.eps = _nonneg(eps, "eps")
        self.weight_decay = _nonneg(weight_decay, "weight_decay")

    def _update(self, key, p, g, state):
        adadelta_step_inplace(p, g, self._buffer(state, "square_avg", p), self._buffer(state, "acc_delta", p),
                              self.lr, self.rho, self.eps, self.weight_decay)


class RMSprop(Optimizer):
    """RMSProp as `torch.optim.RMSprop`: `alpha` is the decay of the g**2 average; `momentum`
    and `centered` are the same options as torch's."""

    _fields = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        super().__init__(lr)
        self.alpha = _check_decay(alpha, "alpha")
        self.eps = _nonneg(eps, "eps")
        self.weight_decay = _nonneg(weight_decay, "weight_decay")
        self.momentum = _check_decay(momentum, "momentum")
        self.centered = bool(centered)

    def _update(self, key, p, g, state):
        rmsprop_step_inplace(
            p, g, self._buffer(state, "square_avg", p), self.lr, self.alpha, self.eps, self.weight_decay,
            momentum=self.momentum,
            buf=self._buffer(state, "momentum_buffer", p) if self.momentum > 0 else None,
            grad_avg=self._buffer(state, "grad_avg", p) if self.centered else None)


def _check_betas(betas):
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
    return _check_decay(b1, "betas[0]"), _check_decay(b2, "betas[1]")


class Adam(Optimizer):
    """Adam as `torch.optim.Adam`; `weight_decay` is the coupled L2 term added to the gradient
    (NOT decoupled decay: use AdamW for that)."""

    _fields = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        self.betas = _check_betas(betas)
        self.eps = _nonneg(eps, "eps")
        self.weight_decay = _nonneg(weight_decay, "weight_decay")

    def _decays(self, key):
        """(coupled L2 weight decay, decoupled weight decay) for parameter `key`."""
        return self.weight_decay, 0.0

    def _group_key(self, key):
        return self._decays(key)

    def _update(self, key, p, g, state):
        beta1, beta2 = self.betas
        l2, decoupled = self._decays(key)
        adam_step_inplace(p, g, self._buffer(state, "m", p), self._buffer(state, "v", p), self.t,
                          self.lr, beta1, beta2, self.eps, weight_decay=l2, decoupled_weight_decay=decoupled)


class AdamW(Adam):
    """AdamW as `torch.optim.AdamW`: p <- p * (1 - lr * weight_decay) on the current weights,
    then the Adam step. Biases (keys starting with "b") are not decayed unless
    `decay_biases=True` (torch decays whatever is in the group; tests use two groups).
    See `update_parameters_with_adamw` for the lr-scaling convention."""

    _fields = ("lr", "betas", "eps", "weight_decay", "decay_biases")

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, decay_biases=False):
        super().__init__(lr, betas, eps, weight_decay)
        self.decay_biases = bool(decay_biases)

    def _decays(self, key):
        return 0.0, (self.weight_decay if self.decay_biases or not key.startswith("b") else 0.0)
