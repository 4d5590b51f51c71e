"""The dictionary API of tutorials and interviews: new dicts out, inputs untouched.

Parameters live in {"W1", "b1", ...}, gradients in {"dW1", "db1", ...}, optimizer state in
dicts keyed like the gradients. Each function checks its inputs and applies one rule of
`optim.rules` to every parameter.

Names, mapped once (tutorial argument here -> rule argument -> optimizer class / torch.optim):

    learning_rate   -> lr                 -> lr
    epsilon         -> eps                -> eps
    beta1, beta2    -> beta1, beta2       -> betas=(beta1, beta2)
    RMSProp's beta  -> beta               -> alpha
    AdaDelta's rho  -> rho                -> rho
    Adam's m, v     -> m, v               -> state "m", "v" (torch: exp_avg, exp_avg_sq)

Andrew Ng's deep-learning course calls Adam's moments `v` and `s`; here, as in Kingma & Ba,
the book and every other part of dlfund, they are `m` (first moment) and `v` (second).
"""

import numpy as np

from .._validate import as_array, check_matching_keys, check_positive, check_rng
from ..regularization import regularized_keys
from ._checks import check_decay, check_nonneg, check_step
from .rules import adadelta_step, adagrad_step, adam_step, adamw_step, momentum_step, rmsprop_step, sgd_step


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
    return [(X[perm[k : k + batch_size]], Y[perm[k : k + batch_size]]) for k in range(0, X.shape[0], batch_size)]


def _apply(rule, parameters, grads, **states):
    """Call `rule(key, p, g, *state arrays)` for every parameter; it returns (new p, *new states).

    `states` maps a name ("v", "s", ...) to a dict keyed like `grads`. Returns the new
    parameter dict followed by one new dict per state.
    """
    check_matching_keys(parameters, grads)
    for name, state in states.items():
        check_matching_keys(parameters, state, name=name)
    new_params, new_states = {}, [{} for _ in states]
    for k, p in parameters.items():
        dk = "d" + k
        state = [as_array(s[dk], f"{name}[{dk!r}]") for name, s in states.items()]
        new_params[k], *new = rule(k, as_array(p, f"parameters[{k!r}]"), as_array(grads[dk], f"grads[{dk!r}]"), *state)
        for d, a in zip(new_states, new):
            d[dk] = a
    return (new_params, *new_states)


def _zeros_like_grads(parameters, fill=0.0):
    """A state dict keyed like the gradients: {"dW1": zeros like W1, ...}."""
    return {"d" + k: np.full_like(as_array(p, f"parameters[{k!r}]"), fill) for k, p in parameters.items()}


def update_parameters_with_gd(parameters, grads, learning_rate):
    """One gradient-descent step: W <- W - lr * dW for every parameter. Returns a new dict."""
    lr = check_positive(learning_rate, "learning_rate")
    return _apply(lambda k, p, g: (sgd_step(p, g, lr),), parameters, grads)[0]


def update_parameters_with_sgd(parameters, grads, learning_rate, weight_decay=0.0):
    """One stochastic-gradient step on a mini-batch gradient. Returns a new dict.

    The rule is gradient descent's; "stochastic" says the gradient comes from a sample
    or mini-batch. `weight_decay` adds the L2 term weight_decay * W to the gradient (as
    `torch.optim.SGD`); for plain SGD that is the same as decoupled decay W <- W(1 - lr*wd).
    """
    lr = check_positive(learning_rate, "learning_rate")
    wd = check_nonneg(weight_decay, "weight_decay")
    return _apply(lambda k, p, g: (sgd_step(p, g + wd * p if wd else g, lr),), parameters, grads)[0]


def initialize_velocity(parameters):
    """Zero velocity for momentum / Nesterov: {"dW1": zeros like W1, "db1": ..., ...}."""
    return _zeros_like_grads(parameters)


def _momentum_update(parameters, grads, v, beta, learning_rate, convention, nesterov):
    lr = check_positive(learning_rate, "learning_rate")
    beta = check_decay(beta, "beta")
    if convention == "ema":  # v = beta v + (1 - beta) g ;  W -= lr v
        step, grad_scale = lr, 1 - beta
    elif convention == "classical":  # v = beta v + lr g ;  W -= v
        step, grad_scale = 1.0, lr
    else:
        raise ValueError(f"convention must be 'ema' or 'classical', got {convention!r}")
    return _apply(lambda k, p, g, vk: momentum_step(p, g, vk, step, beta, grad_scale, nesterov), parameters, grads, v=v)


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
    """AdaGrad's running sum s of squared gradients, keyed like grads (torch's default start is 0)."""
    return _zeros_like_grads(parameters, fill=check_nonneg(initial_accumulator_value, "initial_accumulator_value"))


def update_parameters_with_adagrad(parameters, grads, s, learning_rate=0.01, epsilon=1e-10):
    """One AdaGrad step: s <- s + dW**2;  W <- W - lr * dW / (sqrt(s) + eps).

    Returns (new_parameters, new_s); the inputs are not modified.
    """
    lr = check_positive(learning_rate, "learning_rate")
    eps = check_nonneg(epsilon, "epsilon")
    return _apply(lambda k, p, g, sk: adagrad_step(p, g, sk, lr, eps), parameters, grads, s=s)


def initialize_adadelta(parameters):
    """AdaDelta's two running averages, zeros keyed like grads: (s of squared gradients, u of squared updates)."""
    return _zeros_like_grads(parameters), _zeros_like_grads(parameters)


def update_parameters_with_adadelta(parameters, grads, s, u, learning_rate=1.0, rho=0.9, epsilon=1e-6):
    """One AdaDelta step (see `rules.adadelta_step`). Returns (new_parameters, new_s, new_u)."""
    lr = check_positive(learning_rate, "learning_rate")
    rho = check_decay(rho, "rho")
    eps = check_nonneg(epsilon, "epsilon")
    return _apply(lambda k, p, g, sk, uk: adadelta_step(p, g, sk, uk, lr, rho, eps), parameters, grads, s=s, u=u)


def initialize_rmsprop(parameters):
    """RMSProp's running average s of squared gradients, zeros keyed like grads."""
    return _zeros_like_grads(parameters)


def update_parameters_with_rmsprop(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    """One RMSProp step: s <- beta*s + (1 - beta)*dW**2;  W <- W - lr * dW / (sqrt(s) + eps).

    `beta` is the decay rate of the squared-gradient average (torch calls it `alpha`), not a
    momentum. eps sits outside the square root, as in torch. Returns (new_parameters, new_s).
    """
    lr = check_positive(learning_rate, "learning_rate")
    beta = check_decay(beta, "beta")
    eps = check_nonneg(epsilon, "epsilon")
    return _apply(lambda k, p, g, sk: rmsprop_step(p, g, sk, lr, beta, eps), parameters, grads, s=s)


def initialize_adam(parameters):
    """Adam's first and second moment estimates (m, v), zeros keyed like grads."""
    return _zeros_like_grads(parameters), _zeros_like_grads(parameters)


def _adam_hyperparameters(learning_rate, beta1, beta2, epsilon, t):
    return (
        check_step(t),
        check_positive(learning_rate, "learning_rate"),
        check_decay(beta1, "beta1"),
        check_decay(beta2, "beta2"),
        check_nonneg(epsilon, "epsilon"),
    )


def update_parameters_with_adam(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One Adam step at step counter t (1 on the first step, then 2, 3, ...).

        m <- beta1*m + (1 - beta1)*dW;   v <- beta2*v + (1 - beta2)*dW**2
        W <- W - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m/(1 - beta1**t), v_hat = v/(1 - beta2**t)

    Returns (new_parameters, new_m, new_v); the inputs are not modified.
    """
    hp = _adam_hyperparameters(learning_rate, beta1, beta2, epsilon, t)
    return _apply(lambda k, p, g, mk, vk: adam_step(p, g, mk, vk, *hp), parameters, grads, m=m, v=v)


def update_parameters_with_adamw(
    parameters,
    grads,
    m,
    v,
    t,
    learning_rate=0.001,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    weight_decay=0.01,
    include_biases=False,
):
    """One AdamW step: Adam plus decoupled weight decay of the CURRENT weights.

        W <- W * (1 - lr * weight_decay), then the Adam step of `update_parameters_with_adam`

    Only weights are decayed, as `regularization.is_weight` decides (W1, W2, ...; not biases
    nor batch norm's gamma and beta) unless `include_biases=True`.
    Convention (PyTorch's): the decay is multiplied by the learning rate. Loshchilov &
    Hutter write W <- W - eta_t * (alpha * adam_step + lambda * W), where alpha is the step
    size and eta_t only the schedule multiplier; without a schedule (eta_t = 1) their lambda
    equals lr * weight_decay here, so weight_decay = lambda_paper / lr. Returns
    (new_parameters, new_m, new_v); the inputs are not modified.
    """
    hp = _adam_hyperparameters(learning_rate, beta1, beta2, epsilon, t)
    wd = check_nonneg(weight_decay, "weight_decay")
    decayed = regularized_keys(parameters, include_biases, "AdamW's weight decay") if wd else set()

    def rule(k, p, g, mk, vk):
        return adamw_step(p, g, mk, vk, *hp, weight_decay=wd) if k in decayed else adam_step(p, g, mk, vk, *hp)

    return _apply(rule, parameters, grads, m=m, v=v)
