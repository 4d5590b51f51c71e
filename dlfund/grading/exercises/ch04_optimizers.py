"""Chapter 4 exercises: mini-batches and the dictionary API of the optimizers.

Cases are chosen so that every catalogued mistake gives a clearly different answer: optimizer
state from earlier steps (non-zero velocity and moments), a step counter t > 1, unusual betas, a large
epsilon and gradients of very different sizes (so "epsilon inside the square root", "no bias
correction" or "betas swapped" cannot pass by tolerance).
"""

import numpy as np

from dlfund import optim, schedules

from ..core import Case
from ..diagnose import finding, same, search, variants
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
        cases.append(
            Case(f"m={m}, batch_size={bs}", (X, Y, bs, Seed(seed)), extra_calls=[((X, Y, bs, Seed(seed)), {})])
        )
    return cases


def _mb(X, Y, bs, perm_x, perm_y=None, drop_last=False):
    perm_y = perm_x if perm_y is None else perm_y
    m = X.shape[0]
    stop = m - m % bs if drop_last else m
    return [(X[perm_x[k : k + bs]], Y[perm_y[k : k + bs]]) for k in range(0, stop, bs)]


exercise(
    cls=MiniBatchExercise,
    name="random_mini_batches",
    chapter=CH,
    func_name="random_mini_batches",
    title="Shuffled mini-batches",
    reference=optim.random_mini_batches,
    arg_names=["X", "Y", "batch_size", "rng"],
    make_cases=_mb_cases,
    mistakes=mistakes(
        (
            "MB_NO_SHUFFLE",
            "shuffle the rows first (rng.permutation(m)), then cut the batches",
            lambda X, Y, bs, rng: _mb(X, Y, bs, np.arange(X.shape[0])),
        ),
        (
            "MB_SEPARATE_SHUFFLE",
            "X and Y were shuffled with two different permutations, so labels no longer belong "
            "to their rows: draw ONE permutation and index both with it",
            lambda X, Y, bs, rng: _mb(X, Y, bs, rng.permutation(X.shape[0]), rng.permutation(X.shape[0])),
        ),
        (
            "MB_DROP_LAST",
            "keep the last, smaller batch (m % batch_size rows): range(0, m, batch_size) covers it",
            lambda X, Y, bs, rng: _mb(X, Y, bs, rng.permutation(X.shape[0]), drop_last=True),
        ),
        (
            "MB_WITH_REPLACEMENT",
            "rng.integers(0, m, m) samples WITH replacement (some rows twice, some never); use rng.permutation(m)",
            lambda X, Y, bs, rng: _mb(X, Y, bs, rng.integers(0, X.shape[0], X.shape[0])),
        ),
        (
            "MB_IGNORES_RNG",
            "shuffle with the rng argument so that a seed reproduces the batches",
            lambda X, Y, bs, rng: _mb(X, Y, bs, np.random.default_rng().permutation(X.shape[0])),
        ),
    ),
)


# -- diagnosis by behaviour: which small change of the update rule reproduces the answer -----------
# Every parameter's arrays are flattened into one vector, so one candidate rule is a handful of
# NumPy operations; candidates come fewest changes first and the first exact match is named.


def _flat(d, keys):
    return np.concatenate([np.ravel(np.asarray(d[k], dtype=np.float64)) for k in keys])


def _answer(case, outcomes, n):
    """(parameter keys, flat p, g, [states...], flat learner outputs) or None if the form is off."""
    out = outcomes[0].value
    if not isinstance(out, tuple) or len(out) != n or not all(isinstance(d, dict) for d in out):
        return None
    p, g = case.args[0], case.args[1]
    keys = list(p)
    gkeys = ["d" + k for k in keys]
    try:
        got = [_flat(out[0], keys)] + [_flat(d, gkeys) for d in out[1:]]
    except (KeyError, ValueError, TypeError):
        return None
    if any(x.shape != got[0].shape for x in got):
        return None
    states = [_flat(a, gkeys) for a in case.args[2 : 2 + n - 1]]
    return keys, _flat(p, keys), _flat(g, gkeys), states, got


def _name_state(label, got, candidates):
    """Name the rule behind a returned state vector: [(text, value)] tried in order."""
    for text, value in candidates:
        if same(got, value):
            return text
    return None


_DECAY_WORDS = {
    "t-1": "{b}**(t - 1) instead of {b}**t",
    "t+1": "{b}**(t + 1) instead of {b}**t",
    "linear": "(1 - {b}) * t instead of 1 - {b}**t",
    "none": "nothing (no bias correction)",
    "t-1 linear": "(1 - {b}) * (t - 1)",
}


def _correction(beta, t, form):
    return {
        "pow": 1 - beta**t,
        "t-1": 1 - beta ** (t - 1),
        "t+1": 1 - beta ** (t + 1),
        "linear": (1 - beta) * t,
        "none": 1.0,
    }[form]


def _adam_diagnosis(ex, case, outcomes):
    parts = _answer(case, outcomes, 3)
    if parts is None:
        return []
    keys, p, g, (v, s_), (new_p, new_v, new_s) = parts
    t = case.args[4]
    kw = case.kwargs
    lr, b1, b2, eps = kw["learning_rate"], kw["beta1"], kw["beta2"], kw["epsilon"]
    wd = kw.get("weight_decay", 0.0)
    is_w = np.concatenate([np.full(np.size(case.args[0][k]), k.startswith("W")) for k in keys])
    base = np.where(is_w, p * (1 - lr * wd), p)
    v_ref, s_ref = b1 * v + (1 - b1) * g, b2 * s_ + (1 - b2) * g * g
    found = []
    v_named = (
        None
        if same(new_v, v_ref)
        else _name_state(
            "m",
            new_v,
            [
                ("beta2 instead of beta1", b2 * v + (1 - b2) * g),
                ("no (1 - beta1) on the gradient", b1 * v + g),
                ("beta1 and 1 - beta1 swapped", (1 - b1) * v + b1 * g),
                ("the bias-corrected m_hat instead of the raw average", v_ref / (1 - b1**t)),
                ("the old v, unchanged", v),
                ("the gradient itself", g),
            ],
        )
    )
    s_named = (
        None
        if same(new_s, s_ref)
        else _name_state(
            "v",
            new_s,
            [
                ("the gradient, not its square", b2 * s_ + (1 - b2) * g),
                ("beta1 instead of beta2", b1 * s_ + (1 - b1) * g * g),
                ("no (1 - beta2) on the squared gradient", b2 * s_ + g * g),
                ("beta2 and 1 - beta2 swapped", (1 - b2) * s_ + b2 * g * g),
                ("the bias-corrected v_hat instead of the raw average", s_ref / (1 - b2**t)),
                ("the old s, unchanged", s_),
                ("the squared gradient itself", g * g),
            ],
        )
    )
    if v_named:
        found.append(finding("ADAM_V_RULE", f"the m you return is {v_named}", "m = beta1 * m + (1 - beta1) * dW"))
    if s_named:
        found.append(finding("ADAM_S_RULE", f"the v you return is {s_named}", "v = beta2 * v + (1 - beta2) * dW**2"))
    options = {
        "moments": ["new", "old", "yours"],
        "corr_v": ["pow", "t-1", "linear", "none", "t+1"],
        "corr_s": ["pow", "t-1", "linear", "none", "t+1"],
        "eps": ["outside", "inside"],
        "root": [True, False],
        "sign": [-1, 1],
    }
    sources = {"new": (v_ref, s_ref), "old": (v, s_), "yours": (new_v, new_s)}

    def step(cfg):
        vv, ss = sources[cfg["moments"]]
        vh, sh = vv / _correction(b1, t, cfg["corr_v"]), ss / _correction(b2, t, cfg["corr_s"])
        denom = np.sqrt(sh + eps) if cfg["eps"] == "inside" else (np.sqrt(sh) if cfg["root"] else sh) + eps
        return base + cfg["sign"] * lr * vh / denom

    if same(new_p, step(dict(moments="new", corr_v="pow", corr_s="pow", eps="outside", root=True, sign=-1))):
        return found
    hit = search(((c, ch) for c, ch in variants(options) if ch and ch != ["moments"]), new_p, lambda cc: step(cc[0]))
    if hit is None:
        return found
    cfg, changed = hit
    words, code = [], "ADAM_STEP"
    for name in changed:
        if name == "moments" and cfg["moments"] == "old":
            words.append("it uses the moments from BEFORE this step's update (v and s as passed in)")
            code = "ADAM_OLD_MOMENTS"
        elif name == "corr_v":
            words.append("m_hat divides by " + _DECAY_WORDS[cfg["corr_v"]].format(b="beta1"))
            code = {"t-1": "ADAM_BIAS_T_MINUS_1", "linear": "ADAM_BIAS_LINEAR"}.get(cfg["corr_v"], "ADAM_BIAS")
        elif name == "corr_s":
            words.append("v_hat divides by " + _DECAY_WORDS[cfg["corr_s"]].format(b="beta2"))
            code = {"t-1": "ADAM_BIAS_T_MINUS_1", "linear": "ADAM_BIAS_LINEAR"}.get(cfg["corr_s"], "ADAM_BIAS")
        elif name == "eps":
            words.append("epsilon is inside the square root")
        elif name == "root":
            words.append("it divides by v_hat, not by sqrt(v_hat)")
        elif name == "sign":
            words.append("it moves UP the gradient (W + lr * ...)")
            code = "ADAM_STEP_SIGN"
    if not words:
        return found
    found.insert(
        0,
        finding(
            code,
            "your parameter update matches Adam where " + "; ".join(words),
            "at step t: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t) with the NEW m and "
            "v, then W - lr * m_hat / (sqrt(v_hat) + epsilon)",
        ),
    )
    return found


def _momentum_diagnosis(ex, case, outcomes):
    parts = _answer(case, outcomes, 2)
    if parts is None:
        return []
    keys, p, g, (v,), (new_p, new_v) = parts
    beta, lr = case.kwargs["beta"], case.kwargs["learning_rate"]
    v_ref = beta * v + (1 - beta) * g
    found = []
    if not same(new_v, v_ref):
        named = _name_state(
            "v",
            new_v,
            [
                ("beta * v + dW (no (1 - beta) on the gradient)", beta * v + g),
                ("beta * v + lr * dW (the classical form)", beta * v + lr * g),
                ("(1 - beta) * v + beta * dW (beta and 1 - beta swapped)", (1 - beta) * v + beta * g),
                ("beta * v - (1 - beta) * dW (the gradient's sign flipped)", beta * v - (1 - beta) * g),
                ("the old v, unchanged", v),
                ("the gradient itself", g),
            ],
        )
        if named:
            found.append(finding("MOM_V_RULE", f"the v you return is {named}", "v = beta * v + (1 - beta) * dW"))
    sources = {
        "the new velocity": v_ref,
        "your velocity": new_v,
        "the OLD velocity (before this step)": v,
        "the raw gradient": g,
    }
    for sign, sign_text in ((-1, ""), (1, "moves UP: W + lr * ... instead of W - lr * ...; ")):
        for text, x in sources.items():
            for scale, scale_text in ((lr, ""), (1.0, "without the learning rate; ")):
                if sign < 0 and scale == lr and text in ("the new velocity", "your velocity"):
                    continue  # the right rule
                if same(new_p, p + sign * scale * x):
                    code = "MOM_STEP_SIGN" if sign > 0 else "MOM_STEP"
                    found.insert(
                        0,
                        finding(
                            code,
                            f"your parameter update {sign_text}{scale_text}steps with {text}",
                            "W = W - learning_rate * v with the velocity updated first",
                        ),
                    )
                    return found
    return found


def _rmsprop_diagnosis(ex, case, outcomes):
    parts = _answer(case, outcomes, 2)
    if parts is None:
        return []
    keys, p, g, (s_,), (new_p, new_s) = parts
    lr, beta, eps = case.kwargs["learning_rate"], case.kwargs["beta"], case.kwargs["epsilon"]
    s_ref = beta * s_ + (1 - beta) * g * g
    found = []
    if not same(new_s, s_ref):
        named = _name_state(
            "s",
            new_s,
            [
                (
                    "an average of the gradient, not of its square (negative entries make sqrt(s) NaN)",
                    beta * s_ + (1 - beta) * g,
                ),
                ("(1 - beta) * s + beta * dW**2 (beta and 1 - beta swapped)", (1 - beta) * s_ + beta * g * g),
                ("beta * s + dW**2 (no (1 - beta))", beta * s_ + g * g),
                ("an average of |dW|, not of dW**2", beta * s_ + (1 - beta) * np.abs(g)),
                ("the old s, unchanged", s_),
            ],
        )
        if named:
            code = "RMS_S_NOT_SQUARED" if "not of its square" in named else "RMS_S_RULE"
            found.append(finding(code, f"the s you return is {named}", "s = beta * s + (1 - beta) * dW**2"))
    options = {"source": ["new", "old", "yours"], "eps": ["outside", "inside"], "root": [True, False], "sign": [-1, 1]}
    sources = {"new": s_ref, "old": s_, "yours": new_s}

    def step(cfg):
        ss = sources[cfg["source"]]
        denom = np.sqrt(ss + eps) if cfg["eps"] == "inside" else (np.sqrt(ss) if cfg["root"] else ss) + eps
        return p + cfg["sign"] * lr * g / denom

    hit = search(((c, ch) for c, ch in variants(options) if ch and ch != ["source"]), new_p, lambda cc: step(cc[0]))
    if hit is not None:
        cfg, changed = hit
        text = {
            "source": "it divides by the OLD s (before this step's update)" if cfg["source"] == "old" else "",
            "eps": "epsilon is inside the square root",
            "root": "it divides by s, not by sqrt(s)",
            "sign": "it moves UP the gradient (W + lr * ...)",
        }
        words = [text[c] for c in changed if text[c]]
        if words:
            found.insert(
                0,
                finding(
                    "RMS_STEP",
                    "your parameter update matches RMSProp where " + "; ".join(words),
                    "W = W - learning_rate * dW / (sqrt(s) + epsilon), with the updated s",
                ),
            )
    return found


# -- shared inputs for the optimizers ----------------------------------------------------------


def _params(rng):
    return {
        "W1": rng.normal(size=(3, 4)),
        "b1": rng.normal(size=4),
        "W2": rng.normal(size=(4, 2)),
        "b2": rng.normal(size=2),
    }


def _grads(rng, params):
    # entries of very different sizes: some tiny (epsilon matters), some large
    return {
        "d" + k: rng.normal(size=v.shape) * rng.choice([1e-3, 0.05, 1.0, 3.0], size=v.shape) for k, v in params.items()
    }


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


exercise(
    name="initialize_velocity",
    chapter=CH,
    func_name="initialize_velocity",
    title="Zero velocity for momentum",
    reference=optim.initialize_velocity,
    arg_names=["parameters"],
    make_cases=_init_cases,
    mistakes=mistakes(
        (
            "VEL_PARAM_KEYS",
            "the velocity is keyed like the GRADIENTS: 'dW1', 'db1', ...",
            lambda p: {k: np.zeros_like(v) for k, v in p.items()},
        ),
        (
            "VEL_SCALAR_ZEROS",
            "each velocity entry is an array of zeros with the parameter's shape (np.zeros_like), not the number 0",
            lambda p: {"d" + k: 0.0 for k in p},
        ),
        (
            "VEL_COPIES_PARAMS",
            "the velocity starts at ZERO, not at the parameter values",
            lambda p: {"d" + k: v.copy() for k, v in p.items()},
        ),
        (
            "VEL_LEN_SHAPE",
            "np.zeros(len(W)) has one entry per ROW of W; np.zeros_like(W) has W's full shape",
            lambda p: {"d" + k: np.zeros(len(v)) for k, v in p.items()},
        ),
        (
            "VEL_LIST",
            "return a dict keyed like the gradients ('dW1', 'db1', ...), not a list",
            lambda p: [np.zeros_like(v) for v in p.values()],
        ),
    ),
)


def _mom_cases(seeds):
    cases = []
    for s in (710,) + tuple(seeds):
        rng = rng_for(s, 43)
        p = _params(rng)
        beta = 0.8 if s == 710 else float(rng.uniform(0.5, 0.95))
        lr = 0.1 if s == 710 else float(rng.uniform(0.01, 0.5))
        cases.append(
            Case(
                f"beta={beta:.3g}, lr={lr:.3g}, v from earlier steps",
                (p, _grads(rng, p), _state(rng, p)),
                {"beta": beta, "learning_rate": lr},
                context={"beta": beta, "lr": lr},
            )
        )
    return cases


def _momentum_uphill(parameters, grads, v, beta=0.9, learning_rate=0.01):
    new_params, new_v = {}, {}
    for k, W in parameters.items():
        new_v["d" + k] = beta * v["d" + k] + (1 - beta) * grads["d" + k]
        new_params[k] = W + learning_rate * new_v["d" + k]
    return new_params, new_v


def _mom(p, g, v, beta, lr, rule):
    new_p, new_v = {}, {}
    for k in p:
        dk = "d" + k
        new_p[k], new_v[dk] = rule(p[k], g[dk], v[dk], beta, lr)
    return new_p, new_v


exercise(
    name="momentum",
    chapter=CH,
    func_name="update_parameters_with_momentum",
    title="Momentum update (EMA form)",
    reference=optim.update_parameters_with_momentum,
    arg_names=["parameters", "grads", "v"],
    make_cases=_mom_cases,
    output_names=["parameters", "v"],
    diagnose=_momentum_diagnosis,
    mistakes=mistakes(
        ("MOM_UPHILL", "step against the velocity: W = W - learning_rate * v (a + climbs the loss)", _momentum_uphill),
        (
            "MOM_CLASSICAL",
            "this exercise uses the EMA form v = beta v + (1 - beta) dW, W = W - lr v; you wrote the "
            "classical form v = beta v + lr dW, W = W - v (equivalent only after rescaling lr)",
            lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                p, g, v, beta, learning_rate, lambda w, d, vv, b, lr: (w - (b * vv + lr * d), b * vv + lr * d)
            ),
        ),
        (
            "MOM_NO_DAMPENING",
            "the gradient enters the average with weight (1 - beta): v = beta v + (1 - beta) dW",
            lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                p, g, v, beta, learning_rate, lambda w, d, vv, b, lr: (w - lr * (b * vv + d), b * vv + d)
            ),
        ),
        (
            "MOM_STEP_WITH_GRADIENT",
            "step with the NEW velocity (W = W - lr v), not with the raw gradient",
            lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                p, g, v, beta, learning_rate, lambda w, d, vv, b, lr: (w - lr * d, b * vv + (1 - b) * d)
            ),
        ),
        (
            "MOM_OLD_VELOCITY",
            "update v first, then step with the updated v",
            lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                p, g, v, beta, learning_rate, lambda w, d, vv, b, lr: (w - lr * vv, b * vv + (1 - b) * d)
            ),
        ),
        (
            "MOM_BETA_SWAPPED",
            "beta weighs the OLD velocity: v = beta v + (1 - beta) dW",
            lambda p, g, v, beta=0.9, learning_rate=0.01: _mom(
                p,
                g,
                v,
                beta,
                learning_rate,
                lambda w, d, vv, b, lr: (w - lr * ((1 - b) * vv + b * d), (1 - b) * vv + b * d),
            ),
        ),
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
            beta, lr, eps = (
                float(rng.uniform(0.6, 0.95)),
                float(rng.uniform(0.01, 0.2)),
                float(rng.choice([1e-3, 0.02, 0.1])),
            )
        cases.append(
            Case(
                f"beta={beta:.3g}, lr={lr:.3g}, epsilon={eps:g}, s from earlier steps",
                (p, _grads(rng, p), _state(rng, p, positive=True)),
                {"learning_rate": lr, "beta": beta, "epsilon": eps},
            )
        )
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


def _rms_no_square(parameters, grads, s, learning_rate=0.01, beta=0.99, epsilon=1e-8):
    new_params, new_s = {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        new_s[dk] = beta * s[dk] + (1 - beta) * grads[dk]
        new_params[k] = W - learning_rate * grads[dk] / (np.sqrt(new_s[dk]) + epsilon)
    return new_params, new_s


def _rmsm(**kw):
    return lambda p, g, s, learning_rate=0.01, beta=0.99, epsilon=1e-8: _rms(
        p, g, s, learning_rate, beta, epsilon, _rms_rule(**kw)
    )


exercise(
    name="rmsprop",
    chapter=CH,
    func_name="update_parameters_with_rmsprop",
    title="RMSProp update",
    reference=optim.update_parameters_with_rmsprop,
    arg_names=["parameters", "grads", "s"],
    make_cases=_rms_cases,
    output_names=["parameters", "s"],
    diagnose=_rmsprop_diagnosis,
    mistakes=mistakes(
        (
            "RMS_EPS_INSIDE_SQRT",
            "epsilon goes OUTSIDE the square root: dW / (sqrt(s) + eps) (as PyTorch); "
            "sqrt(s + eps) changes the step a lot when s is small",
            _rmsm(inside=True),
        ),
        ("RMS_NO_SQRT", "divide by the ROOT mean square: sqrt(s) + eps", _rmsm(root=False)),
        (
            "RMS_NO_SQUARE",
            "s averages the SQUARED gradient: (1 - beta) * dW**2 (without the square s goes "
            "negative and sqrt(s) is NaN)",
            _rms_no_square,
        ),
        ("RMS_BETA_SWAPPED", "beta weighs the old average: s = beta s + (1 - beta) dW**2", _rmsm(swap=True)),
        ("RMS_OLD_S", "update s first, then divide by the new sqrt(s) + eps", _rmsm(old=True)),
    ),
)


def _adam_init_shared(parameters):
    v = s = {}
    for k, W in parameters.items():
        v["d" + k] = np.zeros_like(W)
        s["d" + k] = np.zeros_like(W)
    return v, s


exercise(
    name="initialize_adam",
    chapter=CH,
    func_name="initialize_adam",
    title="Zero moment estimates for Adam",
    reference=optim.initialize_adam,
    arg_names=["parameters"],
    make_cases=_init_cases,
    output_names=["m", "v"],
    mistakes=mistakes(
        (
            "ADAM_INIT_PARAM_KEYS",
            "m and v are keyed like the GRADIENTS: 'dW1', 'db1', ...",
            lambda p: ({k: np.zeros_like(x) for k, x in p.items()}, {k: np.zeros_like(x) for k, x in p.items()}),
        ),
        (
            "ADAM_INIT_ONE_DICT",
            "return TWO dicts, m (first moment) and v (second moment)",
            lambda p: {"d" + k: np.zeros_like(x) for k, x in p.items()},
        ),
        (
            "ADAM_INIT_SCALAR_ZEROS",
            "each entry is an array of zeros shaped like its parameter (np.zeros_like)",
            lambda p: ({"d" + k: 0.0 for k in p}, {"d" + k: 0.0 for k in p}),
        ),
        (
            "ADAM_INIT_S_ONES",
            "v starts at ZERO like m (epsilon, not the initial v, keeps the step finite)",
            lambda p: (
                {"d" + k: np.zeros_like(x) for k, x in p.items()},
                {"d" + k: np.ones_like(x) for k, x in p.items()},
            ),
        ),
        (
            "ADAM_INIT_SHARED",
            "`m = v = {}` makes ONE dict with two names: the first moment and the second "
            "moment would overwrite each other; build two dicts",
            _adam_init_shared,
        ),
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


def _adam(
    p,
    g,
    m,
    v,
    t,
    lr,
    b1,
    b2,
    eps,
    correct=True,
    inside=False,
    return_hat=False,
    square=True,
    swap=False,
    root=True,
    t_shift=0,
    wd=0.0,
    decay="none",
):
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
        mh = mm / (1 - bm**tt) if correct else mm
        vh = vv / (1 - bv**tt) if correct else vv
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


def _adam_natural(t_shift=0, linear=False, old=False, sign=-1.0):
    """Adam as a learner writes it, with one slip: beta**(t + t_shift), (1 - beta) * t, the old moments
    in the bias correction, or the step's sign."""

    def update_parameters_with_adam(
        parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8
    ):
        new_params, new_v, new_s = {}, {}, {}
        for k, W in parameters.items():
            dk = "d" + k
            new_v[dk] = beta1 * v[dk] + (1 - beta1) * grads[dk]
            new_s[dk] = beta2 * s[dk] + (1 - beta2) * grads[dk] ** 2
            vv, ss = (v[dk], s[dk]) if old else (new_v[dk], new_s[dk])
            if linear:
                v_hat, s_hat = vv / ((1 - beta1) * t), ss / ((1 - beta2) * t)
            else:
                v_hat, s_hat = vv / (1 - beta1 ** (t + t_shift)), ss / (1 - beta2 ** (t + t_shift))
            new_params[k] = W + sign * learning_rate * v_hat / (np.sqrt(s_hat) + epsilon)
        return new_params, new_v, new_s

    return update_parameters_with_adam


def _adam_m(**kw):
    return lambda p, g, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8: _adam(
        p, g, m, v, t, learning_rate, beta1, beta2, epsilon, **kw
    )


exercise(
    name="adam",
    chapter=CH,
    func_name="update_parameters_with_adam",
    title="Adam update with bias correction",
    reference=optim.update_parameters_with_adam,
    arg_names=["parameters", "grads", "m", "v", "t"],
    make_cases=_adam_cases,
    output_names=["parameters", "m", "v"],
    diagnose=_adam_diagnosis,
    mistakes=mistakes(
        (
            "ADAM_BIAS_T_MINUS_1",
            "the bias correction at step t is 1 - beta**t (t counts from 1): beta**(t - 1) "
            "corrects as if one step fewer had been taken",
            _adam_natural(t_shift=-1),
        ),
        (
            "ADAM_BIAS_LINEAR",
            "the bias correction is 1 - beta1**t (a power of beta), not (1 - beta1) * t",
            _adam_natural(linear=True),
        ),
        (
            "ADAM_CORRECTS_OLD_MOMENTS",
            "update m and v first, then bias-correct the NEW values: m_hat = new_m / (1 - beta1**t)",
            _adam_natural(old=True),
        ),
        (
            "ADAM_UPHILL",
            "step against the gradient: W - learning_rate * m_hat / (sqrt(v_hat) + epsilon)",
            _adam_natural(sign=1.0),
        ),
        (
            "ADAM_NO_BIAS_CORRECTION",
            "divide the moments by (1 - beta1**t) and (1 - beta2**t) before the step "
            "(bias correction); without it early steps are too small",
            _adam_m(correct=False),
        ),
        ("ADAM_EPS_INSIDE_SQRT", "epsilon goes OUTSIDE the root: m_hat / (sqrt(v_hat) + eps)", _adam_m(inside=True)),
        (
            "ADAM_RETURNS_CORRECTED",
            "return the raw moving averages m and v as the new state; the bias-corrected "
            "m_hat and v_hat are only for this step",
            _adam_m(return_hat=True),
        ),
        ("ADAM_NO_SQUARE", "v averages the SQUARED gradient: (1 - beta2) * dW**2", _adam_m(square=False)),
        ("ADAM_BETAS_SWAPPED", "beta1 belongs to m (first moment), beta2 to v (second moment)", _adam_m(swap=True)),
        ("ADAM_NO_SQRT", "divide by the square root of v_hat (plus eps), not by v_hat itself", _adam_m(root=False)),
        (
            "ADAM_T_OFF_BY_ONE",
            "t is already the number of this step (1 on the first): use beta**t, not beta**(t + 1)",
            _adam_m(t_shift=1),
        ),
    ),
)


def _adamw_m(decay):
    return lambda p, g, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.01: _adam(
        p, g, m, v, t, learning_rate, beta1, beta2, epsilon, wd=weight_decay, decay=decay
    )


exercise(
    name="adamw",
    chapter=CH,
    func_name="update_parameters_with_adamw",
    title="AdamW: Adam with decoupled weight decay",
    reference=optim.update_parameters_with_adamw,
    arg_names=["parameters", "grads", "m", "v", "t"],
    make_cases=lambda seeds: _adam_cases(seeds, adamw=True),
    output_names=["parameters", "m", "v"],
    diagnose=_adam_diagnosis,
    mistakes=mistakes(
        (
            "ADAMW_L2_IN_GRADIENT",
            "adding weight_decay * W to the gradient is Adam with an L2 penalty, which Adam "
            "then rescales; AdamW shrinks the weights directly: W = W * (1 - lr * wd)",
            _adamw_m("l2"),
        ),
        (
            "ADAMW_DECAYS_BIASES",
            "decay the weights only (keys starting with 'W', see regularization.is_weight); biases are not decayed",
            _adamw_m("biases_too"),
        ),
        (
            "ADAMW_DECAY_WITHOUT_LR",
            "the decay is multiplied by the learning rate: W = W * (1 - lr * wd) (PyTorch's convention)",
            _adamw_m("no_lr"),
        ),
        ("ADAMW_DECAY_AFTER_STEP", "shrink the CURRENT weights, before the Adam step is applied", _adamw_m("after")),
        (
            "ADAMW_NO_DECAY",
            "apply the weight decay: W = W * (1 - lr * weight_decay) for every weight",
            _adamw_m("none"),
        ),
    ),
)


# -- learning-rate schedule: linear warm-up, then cosine annealing ---------------------------------
# Landmark steps (first warm-up step, last warm-up step, first cosine step, the middle and the end)
# plus random ones; lr_min > 0 in most cases, so "decays to 0" and "lr_min added unscaled" differ.
def _warmup_cosine_reference(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
    return schedules.warmup_cosine(t, lr_max, total_steps, warmup_steps, lr_min)


def _schedule_cases(seeds):
    fixed = [
        (0, 100, 10, 0.1, 0.001),
        (9, 100, 10, 0.1, 0.001),
        (10, 100, 10, 0.1, 0.001),
        (55, 100, 10, 0.1, 0.001),
        (100, 100, 10, 0.1, 0.001),
        (3, 40, 8, 0.5, 0.05),
        (0, 20, 0, 2.0, 0.5),
        (30, 50, 0, 2.0, 0.5),
    ]
    cases = []
    for t, T, W, hi, lo in fixed:
        cases.append(Case(f"t={t}, total_steps={T}, warmup_steps={W}, lr_max={hi:g}, lr_min={lo:g}", (t, T, W, hi, lo)))
    cases.append(
        Case("t=25, total_steps=60, warmup_steps=5, lr_max=0.3 (lr_min left at its default)", (25, 60, 5, 0.3))
    )
    for s in seeds:
        rng = rng_for(s, 47)
        T = int(rng.integers(20, 300))
        W = int(rng.integers(1, T // 4))
        t = int(rng.integers(W, T + 1)) if s % 2 else int(rng.integers(0, W))
        hi = float(rng.uniform(0.01, 1.0))
        lo = float(hi * rng.uniform(0.01, 0.3))
        cases.append(
            Case(f"t={t}, total_steps={T}, warmup_steps={W}, lr_max={hi:.3g}, lr_min={lo:.3g}", (t, T, W, hi, lo))
        )
    return cases


def _wc(warm="right", shift=True, angle=np.pi, floor="right", span="right"):
    """Warm-up + cosine as a learner writes it, with one slip in the warm-up, the phase or the floor."""

    def warmup_cosine_lr(t, total_steps, warmup_steps, lr_max, lr_min=0.0):
        if t < warmup_steps:
            return {"right": lr_max * (t + 1) / warmup_steps, "from_zero": lr_max * t / warmup_steps, "at_max": lr_max}[
                warm
            ]
        start = warmup_steps if shift else 0
        length = total_steps - warmup_steps if span == "right" else total_steps
        wave = (1 + np.cos(angle * (t - start) / length)) / 2
        if floor == "zero":
            return lr_max * wave
        if floor == "added":
            return lr_min + lr_max * wave
        return lr_min + (lr_max - lr_min) * wave

    return warmup_cosine_lr


exercise(
    name="warmup_cosine_lr",
    chapter=CH,
    func_name="warmup_cosine_lr",
    title="Warm-up, then cosine annealing",
    reference=_warmup_cosine_reference,
    arg_names=["t", "total_steps", "warmup_steps", "lr_max", "lr_min"],
    make_cases=_schedule_cases,
    mistakes=mistakes(
        (
            "LR_WARMUP_FROM_ZERO",
            "the warm-up's first step (t = 0) already trains: lr_max * (t + 1) / warmup_steps; "
            "t / warmup_steps spends step 0 at rate 0 and reaches lr_max one step late",
            _wc(warm="from_zero"),
        ),
        (
            "LR_WARMUP_AT_MAX",
            "during the warm-up the rate grows linearly from lr_max / warmup_steps to lr_max; "
            "starting at lr_max is no warm-up at all",
            _wc(warm="at_max"),
        ),
        (
            "LR_COSINE_NOT_SHIFTED",
            "the cosine starts where the warm-up ends: progress = (t - warmup_steps) / "
            "(total_steps - warmup_steps), which is 0 at t = warmup_steps",
            _wc(shift=False),
        ),
        (
            "LR_COSINE_OVER_ALL_STEPS",
            "the cosine runs over the steps after the warm-up: progress = (t - warmup_steps) "
            "/ (total_steps - warmup_steps), not t / total_steps",
            _wc(shift=False, span="total"),
        ),
        (
            "LR_COSINE_WRONG_LENGTH",
            "the cosine lasts total_steps - warmup_steps steps, so that it reaches lr_min exactly at t = total_steps",
            _wc(span="total"),
        ),
        (
            "LR_COSINE_NO_PI",
            "the cosine's argument is pi * progress (radians): it runs from cos(0) = 1 to "
            "cos(pi) = -1; without pi it stops at cos(1)",
            _wc(angle=1.0),
        ),
        (
            "LR_COSINE_DEGREES",
            "np.cos and math.cos take radians: pi * progress, not 180 * progress (degrees)",
            _wc(angle=180.0),
        ),
        (
            "LR_FULL_COSINE",
            "half a cosine, pi * progress: with 2 * pi the rate comes back up to lr_max at the end",
            _wc(angle=2 * np.pi),
        ),
        (
            "LR_DECAYS_TO_ZERO",
            "the schedule ends at lr_min, not at 0: lr_min + (lr_max - lr_min) * (1 + cos) / 2",
            _wc(floor="zero"),
        ),
        (
            "LR_MIN_NOT_SUBTRACTED",
            "scale the cosine by (lr_max - lr_min): lr_min + lr_max * (1 + cos) / 2 starts above lr_max",
            _wc(floor="added"),
        ),
    ),
)
