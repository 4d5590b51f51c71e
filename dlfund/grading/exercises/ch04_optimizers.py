"""Chapter 4 exercises: mini-batches and the dictionary API of the optimizers.

Cases are chosen so that every catalogued mistake gives a clearly different answer: optimizer
state from earlier steps (non-zero velocity and moments), a step counter t > 1, unusual betas, a large
epsilon and gradients of very different sizes (so "epsilon inside the square root", "no bias
correction" or "betas swapped" cannot pass by tolerance).
"""
import numpy as np

from dlfund import optim

from ..core import Case
from ..sandbox import Seed
from ._random import MiniBatchExercise
from ._util import exercise, mistakes, rng_for

CH = 4
PARAM_ARGS = ["parameters", "grads"]


# -- mini-batches --------------------------------------------------------------------------------

def _mb_cases(seeds):
    cases = []
    for k, (m, bs) in enumerate([(37, 8), (64, 16), (50, 64)] + [(45 + 3 * s, 4 + s) for s in seeds]):
        rng = rng_for(k, 41)
        X = rng.normal(size=(m, 3))
        Y = (rng.random((m, 1)) < 0.5).astype(float) + np.arange(m)[:, None] * 1e-3  # distinct labels
        seed = 4100 + k
        cases.append(Case(f"m={m}, batch_size={bs}", (X, Y, bs, Seed(seed)),
                          extra_calls=[((X, Y, bs, Seed(seed)), {})]))
    return cases


def _mb(X, Y, bs, perm_x, perm_y=None, drop_last=False):
    perm_y = perm_x if perm_y is None else perm_y
    m = X.shape[0]
    stop = m - m % bs if drop_last else m
    return [(X[perm_x[k:k + bs]], Y[perm_y[k:k + bs]]) for k in range(0, stop, bs)]


exercise(
    cls=MiniBatchExercise, name="random_mini_batches", chapter=CH, func_name="random_mini_batches",
    title="Shuffled mini-batches", reference=optim.random_mini_batches, arg_names=["X", "Y", "batch_size", "rng"],
    make_cases=_mb_cases,
    mistakes=mistakes(
        ("MB_NO_SHUFFLE", "shuffle the rows first (rng.permutation(m)), then cut the batches",
         lambda X, Y, bs, rng: _mb(X, Y, bs, np.arange(X.shape[0]))),
        ("MB_SEPARATE_SHUFFLE", "X and Y were shuffled with two different permutations, so labels no longer belong "
                                "to their rows: draw ONE permutation and index both with it",
         lambda X, Y, bs, rng: _mb(X, Y, bs, rng.permutation(X.shape[0]), rng.permutation(X.shape[0]))),
        ("MB_DROP_LAST", "keep the last, smaller batch (m % batch_size rows): range(0, m, batch_size) covers it",
         lambda X, Y, bs, rng: _mb(X, Y, bs, rng.permutation(X.shape[0]), drop_last=True)),
        ("MB_WITH_REPLACEMENT", "rng.integers(0, m, m) samples WITH replacement (some rows twice, some never); "
                                "use rng.permutation(m)",
         lambda X, Y, bs, rng: _mb(X, Y, bs, rng.integers(0, X.shape[0], X.shape[0]))),
        ("MB_IGNORES_RNG", "shuffle with the rng argument so that a seed reproduces the batches",
         lambda X, Y, bs, rng: _mb(X, Y, bs, np.random.default_rng().permutation(X.shape[0]))),
    ),
)


# -- shared inputs for the optimizers ----------------------------------------------------------

def _params(rng):
    return {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 2)),
            "b2": rng.normal(size=2)}


def _grads(rng, params):
    # entries of very different sizes: some tiny (epsilon matters), some large
    return {"d" + k: rng.normal(size=v.shape) * rng.choice([1e-3, 0.05, 1.0, 3.0], size=v.shape)
            for k, v in params.items()}


def _state(rng, params, positive=False):
    if positive:
        return {"d" + k: rng.uniform(1e-6, 0.5, size=v.shape) for k, v in params.items()}
    return {"d" + k: 0.3 * rng.normal(size=v.shape) for k, v in params.items()}


def _keys(d, f):
    return {k: f(k, v) for k, v in d.items()}


def _init_cases(seeds):
    cases = []
    for s in (700,) + tuple(seeds):
        rng = rng_for(s, 42)
        cases.append(Case("W1, b1, W2, b2" if s == 700 else f"random #{s}", (_params(rng),)))
    return cases


if hasattr(optim, "initialize_velocity"):
    exercise(
        name="initialize_velocity", chapter=CH, func_name="initialize_velocity", title="Zero velocity for momentum",
        reference=optim.initialize_velocity, arg_names=["parameters"], make_cases=_init_cases,
        mistakes=mistakes(
            ("VEL_PARAM_KEYS", "the velocity is keyed like the GRADIENTS: 'dW1', 'db1', ...",
             lambda p: {k: np.zeros_like(v) for k, v in p.items()}),
            ("VEL_SCALAR_ZEROS", "each velocity entry is an array of zeros with the parameter's shape "
                                 "(np.zeros_like), not the number 0", lambda p: {"d" + k: 0.0 for k in p}),
            ("VEL_COPIES_PARAMS", "the velocity starts at ZERO, not at the parameter values",
             lambda p: {"d" + k: v.copy() for k, v in p.items()}),
        ),
    )


def _mom_cases(seeds):
    cases = []
    for s in (710,) + tuple(seeds):
        rng = rng_for(s, 43)
        p = _params(rng)
        beta = 0.8 if s == 710 else float(rng.uniform(0.5, 0.95))
        lr = 0.1 if s == 710 else float(rng.uniform(0.01, 0.5))
        cases.append(Case(f"beta={beta:.3g}, lr={lr:.3g}, v from earlier steps",
                          (p, _grads(rng, p), _state(rng, p)), {"beta": beta, "learning_rate": lr},
                          context={"beta": beta, "lr": lr}))
    return cases


def _mom(p, g, v, beta, lr, rule):
    new_p, new_v = {}, {}
    for k in p:
        dk = "d" + k
        new_p[k], new_v[dk] = rule(p[k], g[dk], v[dk], beta, lr)
    return new_p, new_v


if hasattr(optim, "update_parameters_with_momentum"):
    exercise(
        name="momentum", chapter=CH, func_name="update_parameters_with_momentum",
        title="Momentum update (EMA form)", reference=optim.update_parameters_with_momentum,
        arg_names=["parameters", "grads", "v"], make_cases=_mom_cases, output_names=["parameters", "v"],
        mistakes=mistakes(
            ("MOM_CLASSICAL", "this exercise uses the EMA form v = beta v + (1 - beta) dW, W = W - lr v; you wrote the "
                              "classical form v = beta v + lr dW, W = W - v (equivalent only after rescaling lr)",
             lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                 p, g, v, beta, learning_rate, lambda w, d, vv, b, lr: (w - (b * vv + lr * d), b * vv + lr * d))),
            ("MOM_NO_DAMPENING", "the gradient enters the average with weight (1 - beta): v = beta v + (1 - beta) dW",
             lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                 p, g, v, beta, learning_rate, lambda w, d, vv, b, lr: (w - lr * (b * vv + d), b * vv + d))),
            ("MOM_STEP_WITH_GRADIENT", "step with the NEW velocity (W = W - lr v), not with the raw gradient",
             lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                 p, g, v, beta, learning_rate, lambda w, d, vv, b, lr: (w - lr * d, b * vv + (1 - b) * d))),
            ("MOM_OLD_VELOCITY", "update v first, then step with the updated v",
             lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                 p, g, v, beta, learning_rate, lambda w, d, vv, b, lr: (w - lr * vv, b * vv + (1 - b) * d))),
            ("MOM_BETA_SWAPPED", "beta weighs the OLD velocity: v = beta v + (1 - beta) dW",
             lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                 p, g, v, beta, learning_rate,
                 lambda w, d, vv, b, lr: (w - lr * ((1 - b) * vv + b * d), (1 - b) * vv + b * d))),
        ),
    )


def _rms_cases(seeds):
    cases = []
    for s in (720,) + tuple(seeds):
        rng = rng_for(s, 44)
        p = _params(rng)
        if s == 720:
            beta, lr, eps = 0.9, 0.05, 0.05
        else:
            beta, lr, eps = float(rng.uniform(0.6, 0.95)), float(rng.uniform(0.01, 0.2)), float(rng.choice([1e-3, 0.02, 0.1]))
        cases.append(Case(f"beta={beta:.3g}, lr={lr:.3g}, epsilon={eps:g}, s from earlier steps",
                          (p, _grads(rng, p), _state(rng, p, positive=True)),
                          {"learning_rate": lr, "beta": beta, "epsilon": eps}))
    return cases


def _rms(p, g, s, lr, beta, eps, rule):
    new_p, new_s = {}, {}
    for k in p:
        dk = "d" + k
        new_p[k], new_s[dk] = rule(p[k], g[dk], s[dk], lr, beta, eps)
    return new_p, new_s


def _rms_rule(sq=True, inside=False, root=True, swap=False, old=False):
    def rule(w, d, ss, lr, b, eps):
        d2 = d * d if sq else d
        new_s = (1 - b) * ss + b * d2 if swap else b * ss + (1 - b) * d2
        use = ss if old else new_s
        if inside:
            denom = np.sqrt(use + eps)
        else:
            denom = (np.sqrt(np.abs(use)) if root else use) + eps
        return w - lr * d / denom, new_s
    return rule


if hasattr(optim, "update_parameters_with_rmsprop"):
    def _rmsm(**kw):
        return lambda p, g, s, learning_rate=0.01, beta=0.99, epsilon=1e-8: _rms(
            p, g, s, learning_rate, beta, epsilon, _rms_rule(**kw))

    exercise(
        name="rmsprop", chapter=CH, func_name="update_parameters_with_rmsprop", title="RMSProp update",
        reference=optim.update_parameters_with_rmsprop, arg_names=["parameters", "grads", "s"],
        make_cases=_rms_cases, output_names=["parameters", "s"],
        mistakes=mistakes(
            ("RMS_EPS_INSIDE_SQRT", "epsilon goes OUTSIDE the square root: dW / (sqrt(s) + eps) (as PyTorch); "
                                    "sqrt(s + eps) changes the step a lot when s is small", _rmsm(inside=True)),
            ("RMS_NO_SQRT", "divide by the ROOT mean square: sqrt(s) + eps", _rmsm(root=False)),
            ("RMS_NO_SQUARE", "s averages the SQUARED gradient: (1 - beta) * dW**2", _rmsm(sq=False)),
            ("RMS_BETA_SWAPPED", "beta weighs the old average: s = beta s + (1 - beta) dW**2", _rmsm(swap=True)),
            ("RMS_OLD_S", "update s first, then divide by the new sqrt(s) + eps", _rmsm(old=True)),
        ),
    )

if hasattr(optim, "initialize_adam"):
    exercise(
        name="initialize_adam", chapter=CH, func_name="initialize_adam", title="Zero moment estimates for Adam",
        reference=optim.initialize_adam, arg_names=["parameters"], make_cases=_init_cases, output_names=["m", "v"],
        mistakes=mistakes(
            ("ADAM_INIT_PARAM_KEYS", "m and v are keyed like the GRADIENTS: 'dW1', 'db1', ...",
             lambda p: ({k: np.zeros_like(x) for k, x in p.items()}, {k: np.zeros_like(x) for k, x in p.items()})),
            ("ADAM_INIT_ONE_DICT", "return TWO dicts, m (first moment) and v (second moment)",
             lambda p: {"d" + k: np.zeros_like(x) for k, x in p.items()}),
            ("ADAM_INIT_SCALAR_ZEROS", "each entry is an array of zeros shaped like its parameter (np.zeros_like)",
             lambda p: ({"d" + k: 0.0 for k in p}, {"d" + k: 0.0 for k in p})),
        ),
    )


def _adam_cases(seeds, adamw=False):
    cases = []
    for s in (730,) + tuple(seeds):
        rng = rng_for(s, 45 + adamw)
        p = _params(rng)
        if s == 730:
            t, lr, b1, b2, eps = 3, 0.1, 0.8, 0.95, 0.05
        else:
            t = int(rng.integers(2, 12))
            lr, b1, b2 = float(rng.uniform(0.01, 0.2)), float(rng.uniform(0.5, 0.9)), float(rng.uniform(0.9, 0.99))
            eps = float(rng.choice([1e-3, 0.02, 0.1]))
        kw = {"learning_rate": lr, "beta1": b1, "beta2": b2, "epsilon": eps}
        label = f"t={t}, lr={lr:.3g}, beta1={b1:.3g}, beta2={b2:.3g}, epsilon={eps:g}"
        if adamw:
            kw["weight_decay"] = 0.5 if s == 730 else float(rng.uniform(0.1, 1.0))
            label += f", weight_decay={kw['weight_decay']:.3g}"
        cases.append(Case(label, (p, _grads(rng, p), _state(rng, p), _state(rng, p, positive=True), t), kw))
    return cases


def _adam(p, g, m, v, t, lr, b1, b2, eps, correct=True, inside=False, return_hat=False, square=True, swap=False,
          root=True, t_shift=0, wd=0.0, decay="none"):
    new_p, new_m, new_v = {}, {}, {}
    tt = t + t_shift
    for k in p:
        dk = "d" + k
        d = g[dk]
        w = p[k]
        if decay == "l2" and not k.startswith("b"):
            d = d + wd * w
        if decay == "decoupled" or (decay == "biases_too"):
            if decay == "biases_too" or not k.startswith("b"):
                w = w * (1 - lr * wd)
        if decay == "no_lr" and not k.startswith("b"):
            w = w - wd * w
        bm, bv = (b2, b1) if swap else (b1, b2)
        mm = bm * m[dk] + (1 - bm) * d
        vv = bv * v[dk] + (1 - bv) * (d * d if square else d)
        mh = mm / (1 - bm ** tt) if correct else mm
        vh = vv / (1 - bv ** tt) if correct else vv
        if inside:
            denom = np.sqrt(vh + eps)
        else:
            denom = (np.sqrt(np.abs(vh)) if root else vh) + eps
        w_new = w - lr * mh / denom
        if decay == "after" and not k.startswith("b"):
            w_new = w_new * (1 - lr * wd)
        new_p[k] = w_new
        new_m[dk], new_v[dk] = (mh, vh) if return_hat else (mm, vv)
    return new_p, new_m, new_v


def _adam_m(**kw):
    return lambda p, g, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8: _adam(
        p, g, m, v, t, learning_rate, beta1, beta2, epsilon, **kw)


if hasattr(optim, "update_parameters_with_adam"):
    exercise(
        name="adam", chapter=CH, func_name="update_parameters_with_adam", title="Adam update with bias correction",
        reference=optim.update_parameters_with_adam, arg_names=["parameters", "grads", "m", "v", "t"],
        make_cases=_adam_cases, output_names=["parameters", "m", "v"],
        mistakes=mistakes(
            ("ADAM_NO_BIAS_CORRECTION", "divide the moments by (1 - beta1**t) and (1 - beta2**t) before the step "
                                        "(bias correction); without it early steps are too small",
             _adam_m(correct=False)),
            ("ADAM_EPS_INSIDE_SQRT", "epsilon goes OUTSIDE the root: m_hat / (sqrt(v_hat) + eps)", _adam_m(inside=True)),
            ("ADAM_RETURNS_CORRECTED", "return the raw moving averages m and v as the new state; the bias-corrected "
                                       "m_hat and v_hat are only for this step", _adam_m(return_hat=True)),
            ("ADAM_NO_SQUARE", "v averages the SQUARED gradient: (1 - beta2) * dW**2", _adam_m(square=False)),
            ("ADAM_BETAS_SWAPPED", "beta1 belongs to m (first moment), beta2 to v (second moment)", _adam_m(swap=True)),
            ("ADAM_NO_SQRT", "divide by the square root of v_hat (plus eps), not by v_hat itself", _adam_m(root=False)),
            ("ADAM_T_OFF_BY_ONE", "t is already the number of this step (1 on the first): use beta**t, not beta**(t + 1)",
             _adam_m(t_shift=1)),
        ),
    )

if hasattr(optim, "update_parameters_with_adamw"):
    def _adamw_m(decay):
        return lambda p, g, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01: _adam(
            p, g, m, v, t, learning_rate, beta1, beta2, epsilon, wd=weight_decay, decay=decay)

    exercise(
        name="adamw", chapter=CH, func_name="update_parameters_with_adamw",
        title="AdamW: Adam with decoupled weight decay", reference=optim.update_parameters_with_adamw,
        arg_names=["parameters", "grads", "m", "v", "t"], make_cases=lambda seeds: _adam_cases(seeds, adamw=True),
        output_names=["parameters", "m", "v"],
        mistakes=mistakes(
            ("ADAMW_L2_IN_GRADIENT", "adding weight_decay * W to the gradient is Adam with an L2 penalty, which Adam "
                                     "then rescales; AdamW shrinks the weights directly: W = W * (1 - lr * wd)",
             _adamw_m("l2")),
            ("ADAMW_DECAYS_BIASES", "decay the weights only (keys starting with 'W', see regularization.is_weight); "
                                    "biases are not decayed",
             _adamw_m("biases_too")),
            ("ADAMW_DECAY_WITHOUT_LR", "the decay is multiplied by the learning rate: W = W * (1 - lr * wd) "
                                       "(PyTorch's convention)", _adamw_m("no_lr")),
            ("ADAMW_DECAY_AFTER_STEP", "shrink the CURRENT weights, before the Adam step is applied",
             _adamw_m("after")),
            ("ADAMW_NO_DECAY", "apply the weight decay: W = W * (1 - lr * weight_decay) for every weight",
             _adamw_m("none")),
        ),
    )
