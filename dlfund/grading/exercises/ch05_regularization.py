"""Chapter 5 exercises: inverted dropout (forward and backward), the L2 penalty and its gradient,
batch normalization forward (train and eval) and backward.

Dropout's forward pass is random, so it is judged by properties: kept units are scaled by
1 / (1 - p_drop), the kept fraction lies in a binomial interval, a seed reproduces the mask,
evaluation mode is the identity. The backward pass gets the forward pass's cache and must reuse
its mask, which makes it deterministic.
"""

import math

import numpy as np

from dlfund import layers, regularization

from ..compare import Problem, compare
from ..core import Case, Exercise, FeatureSignature
from ..diagnose import same
from ..sandbox import Seed
from ._util import exercise, mistakes, numeric_grad, rng_for

CH = 5


# -- dropout forward -----------------------------------------------------------------------------


class DropoutForwardExercise(FeatureSignature, Exercise):
    kind = "random"

    def _stats(self, case, outcomes):
        A, p = case.args[0], case.args[1]
        out = outcomes[0].value
        if not isinstance(out, tuple) or len(out) != 2:
            return {"structure": False}
        o = np.asarray(out[0], dtype=np.float64) if isinstance(out[0], np.ndarray) else None
        if o is None or o.shape != A.shape:
            return {"structure": True, "shape": False}
        kept = o != 0
        ratio = o[kept] / A[kept] if kept.any() else np.array([0.0])
        again = outcomes[1].value if outcomes[1].kind == "ok" else None
        ev = outcomes[2].value if outcomes[2].kind == "ok" else None
        ev_out = ev[0] if isinstance(ev, tuple) and len(ev) == 2 else ev
        try:
            ev_arr = np.asarray(ev_out, dtype=np.float64)
            ev_kept = float(np.mean(ev_arr != 0))
            ev_ratio = float(np.median(ev_arr[ev_arr != 0] / A[ev_arr != 0])) if ev_kept > 0 else 0.0
        except Exception:  # noqa: BLE001
            ev_ratio, ev_kept = float("nan"), float("nan")
        return {
            "structure": True,
            "shape": True,
            "kept": float(kept.mean()),
            "scale_min": float(ratio.min()),
            "scale_max": float(ratio.max()),
            "repro": isinstance(again, tuple)
            and len(again) == 2
            and isinstance(again[0], np.ndarray)
            and again[0].shape == o.shape
            and bool(np.array_equal(again[0], out[0])),
            "eval_ratio": ev_ratio,
            "eval_kept": ev_kept,
            "n": A.size,
            "p": p,
        }

    def judge(self, case, outcomes):
        A, p = case.args[0], case.args[1]
        st = self._stats(case, outcomes)
        if not st["structure"]:
            return compare((A, None), outcomes[0].value, "output", names=["out", "cache"])[:1] or [
                Problem("structure", "expected (out, cache)", "STRUCTURE", "")
            ]
        if not st["shape"]:
            return compare(A, outcomes[0].value[0], "out")[:1] or [Problem("type", "out must be an array")]
        problems = []
        keep = 1 - p
        sd = math.sqrt(keep * (1 - keep) / st["n"])
        if abs(st["kept"] - keep) > 5 * sd:
            problems.append(
                Problem(
                    "property",
                    f"{100 * st['kept']:.1f}% of the units were kept; with p_drop = {p:g} "
                    f"about {100 * keep:.1f}% should be (±{500 * sd:.1f}%)",
                    "KEPT_FRACTION",
                    "p_drop is the probability of DROPPING a unit: keep where rng.random(shape) >= p_drop "
                    "(or < 1 - p_drop)",
                )
            )
        want = 1 / keep
        if not (abs(st["scale_min"] - want) < 1e-9 * want and abs(st["scale_max"] - want) < 1e-9 * want):
            got = st["scale_min"] if abs(st["scale_min"] - want) > abs(st["scale_max"] - want) else st["scale_max"]
            problems.append(
                Problem(
                    "property",
                    f"kept units are multiplied by {got:.4g}; inverted dropout scales them "
                    f"by 1 / (1 - p_drop) = {want:.4g}",
                    "KEPT_SCALE",
                    "scale while training so that E[out] = A and evaluation needs no change",
                )
            )
        if not st["repro"]:
            problems.append(
                Problem(
                    "property",
                    "two calls with generators seeded alike dropped different units",
                    "NOT_REPRODUCIBLE",
                    "draw the mask from rng, never from np.random",
                )
            )
        if not (abs(st["eval_ratio"] - 1) < 1e-9 and st["eval_kept"] == 1.0):
            problems.append(
                Problem(
                    "property",
                    f"mode='eval' must return A unchanged; yours kept {100 * st['eval_kept']:.0f}%"
                    f" of the units, multiplied by {st['eval_ratio']:.4g}",
                    "EVAL_MODE",
                    "inverted dropout does nothing at evaluation time",
                )
            )
        return problems

    def features(self, case, outcomes):
        return {**self._stats(case, outcomes), "cache": self._cache_key(case, outcomes)}

    def same_signature(self, a, b):
        if a[0] != "ok" or b[0] != "ok":
            return a == b
        sa, sb = a[1], b[1]
        if sa.get("cache") != sb.get("cache"):
            return False
        if not (sa.get("structure") and sb.get("structure") and sa.get("shape") and sb.get("shape")):
            return sa == sb
        tol = 6 * math.sqrt(0.25 / sa["n"])

        def near(x, y, rel=1e-6):
            return (math.isnan(x) and math.isnan(y)) or abs(x - y) <= rel * max(abs(x), abs(y), 1e-12)

        return (
            abs(sa["kept"] - sb["kept"]) < tol
            and near(sa["scale_min"], sb["scale_min"])
            and near(sa["scale_max"], sb["scale_max"])
            and sa["repro"] == sb["repro"]
            and near(sa["eval_ratio"], sb["eval_ratio"])
            and abs(sa["eval_kept"] - sb["eval_kept"]) < tol
        )


def _dropout_ref(A, p_drop, rng, mode="train"):
    return layers.dropout_forward(A, p_drop, rng, mode=mode)


def _dropout_cases(seeds):
    cases = []
    for k, s in enumerate((800,) + tuple(seeds)):
        rng = rng_for(s, 51)
        A = rng.uniform(0.5, 2.0, size=(120, 50)) * rng.choice([-1.0, 1.0], size=(120, 50))
        p = [0.2, 0.7, 0.35, 0.8, 0.1][k % 5]
        seed = 5100 + s
        cases.append(
            Case(
                f"A (120, 50), p_drop={p}",
                (A, p, Seed(seed)),
                extra_calls=[((A, p, Seed(seed)), {}), ((A, p, Seed(seed + 1)), {"mode": "eval"})],
            )
        )
    return cases


def _dm(A, p, rng, mode, keep_rule="keep", scale="inverted", eval_rule="identity", rng_fn=None):
    if mode == "eval":
        if eval_rule == "identity":
            return A.copy(), (None, 1.0)
        if eval_rule == "scale_keep":
            return A * (1 - p), (None, 1 - p)
    r = (rng_fn() if rng_fn else rng).random(A.shape)
    mask = (r < (1 - p)) if keep_rule == "keep" else (r < p)
    mask = mask.astype(A.dtype)
    factor = {"inverted": 1 / (1 - p), "none": 1.0, "by_p": 1 / p, "times_keep": 1 - p}[scale]
    return A * mask * factor, (mask, factor)


def _dropout_cache_check(case, outcomes):
    """dropout_backward(dout, your cache) must give dout * mask * scale for the mask you applied."""
    A = case.args[0]
    for k, mode in ((0, "train"), (2, "eval")):
        o = outcomes[k] if k < len(outcomes) else None
        out = o.value if o is not None and o.kind == "ok" else None
        if not (
            isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], np.ndarray) and out[0].shape == A.shape
        ):
            continue
        problem = _dropout_cache_problem(A, out, mode)
        if problem:
            return [problem]
    return []


def _dropout_cache_problem(A, out, mode):
    cache = out[1]
    dout = rng_for(A.shape[0], 53).normal(size=A.shape)
    want = dout * np.asarray(out[0], dtype=np.float64) / A  # = dout * mask * scale (A has no zeros)
    try:
        got = layers.dropout_backward(dout, cache)
    except Exception:  # noqa: BLE001 - an unusable cache
        got = None
    if got is not None and same(got, want):
        return None
    if mode == "eval":
        return Problem(
            "cache",
            "in eval mode the cache is (None, 1.0): dropout_backward then passes dout through unchanged",
            "CACHE_CONTENT",
            "return A.copy(), (None, 1.0) when mode == 'eval'",
        )
    held = (
        f"({', '.join(type(c).__name__ if not isinstance(c, np.ndarray) else f'array {c.shape}' for c in cache)})"
        if isinstance(cache, (tuple, list))
        else type(cache).__name__
    )
    return Problem(
        "cache",
        f"dropout_backward(dout, cache) cannot rebuild the gradient from your cache {held}: "
        "it needs the mask you applied and the scale",
        "CACHE_CONTENT",
        "return out, (mask, scale): the backward pass multiplies dout by the SAME mask",
    )


exercise(
    cls=DropoutForwardExercise,
    name="dropout_forward",
    chapter=CH,
    func_name="dropout_forward",
    title="Inverted dropout, forward",
    reference=_dropout_ref,
    arg_names=["A", "p_drop", "rng"],
    make_cases=_dropout_cases,
    output_names=["out", "cache"],
    cache_check=_dropout_cache_check,
    fresh_outputs=True,
    mistakes=mistakes(
        (
            "DROPOUT_CACHE_NO_MASK",
            "keep the mask in the cache, (mask, scale): the backward pass must drop exactly "
            "the units the forward pass dropped",
            lambda A, p, rng, mode="train": (lambda o: (o[0], (None, o[1][1])))(_dm(A, p, rng, mode)),
        ),
        (
            "DROPOUT_NOT_RESCALED",
            "inverted dropout divides the kept units by the keep probability 1 - p_drop while "
            "training; without it the expected activation shrinks by (1 - p_drop)",
            lambda A, p, rng, mode="train": _dm(A, p, rng, mode, scale="none"),
        ),
        (
            "DROPOUT_SCALE_BY_P",
            "scale by 1 / (1 - p_drop), the KEEP probability — not by the drop probability",
            lambda A, p, rng, mode="train": _dm(A, p, rng, mode, scale="by_p"),
        ),
        (
            "DROPOUT_KEEPS_WITH_P",
            "the mask keeps a unit with probability 1 - p_drop; rng.random(shape) < p_drop keeps "
            "it with probability p_drop",
            lambda A, p, rng, mode="train": _dm(A, p, rng, mode, keep_rule="drop"),
        ),
        (
            "DROPOUT_IN_EVAL",
            "at evaluation (mode='eval') dropout is switched off: return A unchanged",
            lambda A, p, rng, mode="train": _dm(A, p, rng, "train"),
        ),
        (
            "DROPOUT_EVAL_SCALED",
            "with inverted dropout the rescaling already happened in training; scaling by "
            "(1 - p_drop) at evaluation belongs to classic dropout only",
            lambda A, p, rng, mode="train": _dm(A, p, rng, mode, eval_rule="scale_keep"),
        ),
        (
            "DROPOUT_IGNORES_RNG",
            "draw the mask from the rng argument so that a seed reproduces it",
            lambda A, p, rng, mode="train": _dm(A, p, rng, mode, rng_fn=np.random.default_rng),
        ),
    ),
)


# -- dropout backward ----------------------------------------------------------------------------


class DropoutBackwardExercise(FeatureSignature, Exercise):
    """Deterministic comparison, plus a property message when the mask was not reused."""

    def judge(self, case, outcomes):
        problems = super().judge(case, outcomes)
        mask = case.args[1][0]
        out = outcomes[0].value
        if problems and isinstance(out, np.ndarray) and out.shape == mask.shape:
            leaked = (out != 0) & (mask == 0)
            if leaked.mean() > 0.01:
                problems.append(
                    Problem(
                        "property",
                        f"{int(leaked.sum())} units that the forward pass DROPPED get a non-zero gradient",
                        "MASK_NOT_REUSED",
                        "multiply by the mask stored in the cache; never draw a new one",
                    )
                )
        return problems

    def features(self, case, outcomes):
        """Features of the answer (a random mistake cannot be fingerprinted by its values)."""
        o = outcomes[0]
        dout, (mask, scale) = case.args[0], case.args[1]
        out = o.value
        if not isinstance(out, np.ndarray) or out.shape != dout.shape:
            return ("shape", getattr(out, "shape", None))
        out = out.astype(np.float64)
        nz = out != 0
        sel = nz & (mask != 0)
        ratio = float(np.median(out[sel] / dout[sel])) if sel.any() else 0.0
        return (
            round(ratio, 6),
            bool(np.mean(nz & (mask == 0)) > 0.01),
            bool(np.mean(~nz & (mask != 0)) > 0.01),
            bool(np.array_equal(nz, mask == 0)),
            bool(np.allclose(out, dout * mask * scale)),
            tuple(o.mutated),
        )

    def same_signature(self, a, b):
        return a == b


def _dropout_bwd_cases(seeds):
    cases = []
    for k, s in enumerate((810,) + tuple(seeds)):
        rng = rng_for(s, 52)
        p = [0.3, 0.6, 0.25, 0.75][k % 4]
        A = rng.normal(size=(40, 30))
        _, cache = layers.dropout_forward(A, p, rng)
        dout = rng.normal(size=A.shape)
        cases.append(Case(f"dout (40, 30), p_drop={p}", (dout, cache)))
    return cases


exercise(
    cls=DropoutBackwardExercise,
    name="dropout_backward",
    chapter=CH,
    func_name="dropout_backward",
    title="Inverted dropout, backward",
    reference=layers.dropout_backward,
    arg_names=["dout", "cache"],
    make_cases=_dropout_bwd_cases,
    mistakes=mistakes(
        (
            "DROPOUT_BWD_NOT_RESCALED",
            "the forward pass multiplied kept units by the scale 1 / (1 - p_drop); the "
            "gradient is multiplied by the same scale",
            lambda dout, c: dout * c[0],
        ),
        (
            "DROPOUT_BWD_NEW_MASK",
            "reuse the mask from the cache: the units dropped in the forward pass get no gradient",
            lambda dout, c: dout * (np.random.default_rng().random(dout.shape) < 1 / c[1]) * c[1],
        ),
        (
            "DROPOUT_BWD_IDENTITY",
            "dropped units contributed nothing to the output, so their gradient is 0: multiply dout by mask * scale",
            lambda dout, c: dout.copy(),
        ),
        (
            "DROPOUT_BWD_INVERTED_MASK",
            "the mask marks the KEPT units (1 = kept): use mask, not 1 - mask",
            lambda dout, c: dout * (1 - c[0]) * c[1],
        ),
    ),
)


# -- L2 penalty ----------------------------------------------------------------------------------


def _penalty_cases(seeds):
    cases = []
    for s in (820,) + tuple(seeds):
        rng = rng_for(s, 53)
        params = {
            "W1": rng.normal(size=(3, 4)),
            "b1": rng.normal(size=4),
            "W2": rng.normal(size=(4, 2)),
            "b2": rng.normal(size=2),
        }
        lam = 0.1 if s == 820 else float(rng.uniform(0.01, 1.0))
        cases.append(Case(f"lam={lam:.3g}", (params, lam), context={"lam": lam}))
    return cases


def _weights(p):
    return [v for k, v in p.items() if k.startswith("W")]


exercise(
    name="l2_penalty",
    chapter=CH,
    func_name="l2_penalty",
    title="L2 penalty (weights only)",
    reference=regularization.l2_penalty,
    arg_names=["parameters", "lam"],
    make_cases=_penalty_cases,
    mistakes=mistakes(
        (
            "L2_NO_HALF",
            "the course's L2 penalty is lam / 2 * sum(W**2): the 1/2 makes its gradient lam * W",
            lambda p, lam: float(lam * sum(np.sum(W**2) for W in _weights(p))),
        ),
        (
            "L2_INCLUDES_BIASES",
            "penalise the weights only (keys starting with 'W'); biases are left alone",
            lambda p, lam: float(lam / 2 * sum(np.sum(v**2) for v in p.values())),
        ),
        (
            "L2_NOT_SQUARED",
            "L2 sums the SQUARES of the weights; lam * sum(|W|) is the L1 penalty",
            lambda p, lam: float(lam * sum(np.sum(np.abs(W)) for W in _weights(p))),
        ),
        (
            "L2_MEAN",
            "sum the squared weights, do not average them",
            lambda p, lam: float(lam / 2 * sum(np.mean(W**2) for W in _weights(p))),
        ),
    ),
)

exercise(
    name="l2_penalty_grad",
    chapter=CH,
    func_name="l2_penalty_grad",
    title="Gradient of the L2 penalty",
    reference=regularization.l2_penalty_grad,
    arg_names=["parameters", "lam"],
    make_cases=_penalty_cases,
    mistakes=mistakes(
        (
            "L2_GRAD_TWO",
            "with the 1/2 in the penalty lam / 2 * sum(W**2), the gradient is lam * W (no factor 2)",
            lambda p, lam: {"d" + k: (2 * lam * v if k.startswith("W") else np.zeros_like(v)) for k, v in p.items()},
        ),
        (
            "L2_GRAD_BIASES",
            "biases are not penalised: their penalty gradient is 0",
            lambda p, lam: {"d" + k: lam * v for k, v in p.items()},
        ),
        (
            "L2_GRAD_KEYS",
            "gradient dicts are keyed 'dW1', 'db1', ... (a 'd' in front of the parameter's key)",
            lambda p, lam: {k: (lam * v if k.startswith("W") else np.zeros_like(v)) for k, v in p.items()},
        ),
        (
            "L2_GRAD_SIGN",
            "the L2 gradient is lam * sign(W) only for L1; for L2 it is lam * W",
            lambda p, lam: {
                "d" + k: (lam * np.sign(v) if k.startswith("W") else np.zeros_like(v)) for k, v in p.items()
            },
        ),
        (
            "L2_GRAD_ONLY_WEIGHTS",
            "return a gradient for EVERY parameter (zeros for the biases), so it can be added "
            "to the loss gradients key by key",
            lambda p, lam: {"d" + k: lam * v for k, v in p.items() if k.startswith("W")},
        ),
    ),
)


# -- batch normalization -------------------------------------------------------------------------


def _as_dict_cache(cache):
    """The package's BatchNormCache as the plain dict the exercises teach (same keys)."""
    return {k: cache[k] for k in cache.keys()} if callable(getattr(cache, "keys", None)) else cache


def _bn_ref(X, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    out, cache = layers.batchnorm_forward(X, gamma, beta, mode, running_mean, running_var, eps)
    return out, _as_dict_cache(cache)


def _bn_cases(seeds):
    cases = []
    for k, s in enumerate((830, 831) + tuple(seeds)):
        rng = rng_for(s, 54)
        m, n = int(rng.integers(6, 12)), int(rng.integers(3, 6))
        X = rng.normal(size=(m, n)) * rng.uniform(0.01, 5, size=n) + rng.normal(size=n) * 3
        gamma, beta = rng.uniform(0.5, 2.0, size=n), rng.normal(size=n)
        eps = 0.1 if k == 0 else 1e-5
        if k % 2 == 0:
            cases.append(
                Case(
                    f"train #{k}, X ({m}, {n}), eps={eps:g}",
                    (X, gamma, beta),
                    {"mode": "train", "eps": eps},
                    context={"m": m},
                )
            )
        else:
            rm, rv = rng.normal(size=n), rng.uniform(0.5, 3.0, size=n)
            cases.append(
                Case(
                    f"eval #{k} with running statistics, X ({m}, {n})",
                    (X, gamma, beta),
                    {"mode": "eval", "running_mean": rm, "running_var": rv, "eps": eps},
                )
            )
    return cases


def _bn(
    X,
    gamma,
    beta,
    mode="train",
    running_mean=None,
    running_var=None,
    eps=1e-5,
    ddof=0,
    eps_out=False,
    axis=0,
    affine=True,
    eval_batch=False,
    no_sqrt=False,
):
    if mode == "train" or eval_batch:
        mean, var = X.mean(axis=axis, keepdims=axis == 1), X.var(axis=axis, ddof=ddof, keepdims=axis == 1)
    else:
        mean, var = running_mean, running_var
    denom = (np.sqrt(var) + eps) if eps_out else ((var + eps) if no_sqrt else np.sqrt(var + eps))
    x_hat = (X - mean) / denom
    out = gamma * x_hat + beta if affine else x_hat
    # the whole cache a learner writes, so that the cache check sees what it sees in natural code
    return out, {"x_hat": x_hat, "inv_std": 1.0 / denom, "gamma": gamma}


def _bn_cache_check(case, outcomes):
    """Training mode: the backward pass of the next exercise must work on your cache dict."""
    if case.kwargs.get("mode", "train") != "train":
        return []
    out = outcomes[0].value
    if not isinstance(out, tuple) or len(out) != 2:
        return []
    cache = out[1]
    hint = 'return out, {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma} (batchnorm_backward reads these keys)'
    if not callable(getattr(cache, "keys", None)):  # a dict, or the package's BatchNormCache
        return [
            Problem(
                "cache",
                f"your cache is a {type(cache).__name__}; batchnorm_backward reads a dict",
                "CACHE_CONTENT",
                hint,
            )
        ]
    missing = [k for k in ("x_hat", "inv_std", "gamma") if k not in set(cache.keys())]
    if missing:
        return [
            Problem(
                "cache",
                f"your cache has no {', '.join(repr(k) for k in missing)}: batchnorm_backward needs it",
                "CACHE_CONTENT",
                hint,
            )
        ]
    X, gamma, beta = case.args
    ref = _bn_ref(*case.args, **case.kwargs)[1]
    dout = rng_for(X.shape[0], 56).normal(size=X.shape)
    try:
        got = _bnb(dout, {k: np.asarray(cache[k], dtype=np.float64) for k in ("x_hat", "inv_std", "gamma")})
    except Exception:  # noqa: BLE001
        got = None
    if got is not None and same(got, _bnb(dout, ref)):
        return []
    wrong = [k for k in ("x_hat", "inv_std", "gamma") if not _same_entries(cache[k], ref[k])]
    return [
        Problem(
            "cache",
            f"batchnorm_backward gives wrong gradients on your cache: cache[{wrong[0]!r}] is not "
            f"{_BN_CACHE_WORDS[wrong[0]]}"
            if wrong
            else "batchnorm_backward fails on your cache",
            "CACHE_CONTENT",
            hint,
        )
    ]


_BN_CACHE_WORDS = {
    "x_hat": "the normalised input (X - mean) / sqrt(var + eps)",
    "inv_std": "1 / sqrt(var + eps), one entry per feature",
    "gamma": "the gamma you were given",
}


def _same_entries(a, b):
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.size == b.size and np.allclose(a.ravel(), b.ravel(), rtol=1e-6, atol=1e-9)


exercise(
    name="batchnorm_forward",
    chapter=CH,
    func_name="batchnorm_forward",
    title="Batch normalization, forward (train and eval)",
    reference=_bn_ref,
    arg_names=["X", "gamma", "beta"],
    make_cases=_bn_cases,
    output_names=["out", "cache"],
    view=lambda out: out[0],
    cache_check=_bn_cache_check,
    fresh_outputs=True,
    mistakes=mistakes(
        (
            "BN_CACHE_STD",
            "the cache's inv_std is 1 / sqrt(var + eps), the INVERSE standard deviation",
            lambda X, g, b, **kw: (lambda o: (o[0], {**o[1], "inv_std": 1 / o[1]["inv_std"]}))(_bn_ref(X, g, b, **kw)),
        ),
        (
            "BN_UNBIASED_VAR",
            "normalise with the BIASED batch variance (divide by m, np.var's default), as the paper and PyTorch do",
            lambda X, g, b, **kw: _bn(X, g, b, ddof=1, **kw),
        ),
        (
            "BN_EPS_OUTSIDE_SQRT",
            "epsilon goes inside the root: (X - mean) / sqrt(var + eps)",
            lambda X, g, b, **kw: _bn(X, g, b, eps_out=True, **kw),
        ),
        (
            "BN_WRONG_AXIS",
            "batch norm averages over the BATCH (axis=0), one mean per feature; averaging over "
            "axis=1 is layer normalization",
            lambda X, g, b, **kw: _bn(X, g, b, axis=1, **kw),
        ),
        (
            "BN_NO_AFFINE",
            "after normalising, scale by gamma and shift by beta: gamma * x_hat + beta",
            lambda X, g, b, **kw: _bn(X, g, b, affine=False, **kw),
        ),
        (
            "BN_EVAL_USES_BATCH",
            "in eval mode use running_mean and running_var, not the statistics of the batch",
            lambda X, g, b, **kw: _bn(X, g, b, eval_batch=True, **kw),
        ),
        (
            "BN_NO_SQRT",
            "divide by the standard deviation sqrt(var + eps), not by the variance",
            lambda X, g, b, **kw: _bn(X, g, b, no_sqrt=True, **kw),
        ),
    ),
)


def _bn_bwd_cases(seeds):
    cases = []
    for s in (840,) + tuple(seeds):
        rng = rng_for(s, 55)
        m, n = int(rng.integers(5, 10)), int(rng.integers(2, 5))
        X = rng.normal(size=(m, n)) * rng.uniform(0.5, 3, size=n) + rng.normal(size=n)
        gamma, beta = rng.uniform(0.5, 2.0, size=n), rng.normal(size=n)
        cache = _as_dict_cache(layers.batchnorm_forward(X, gamma, beta)[1])
        dout = rng.normal(size=(m, n))

        def numeric(args, kwargs, X=X, gamma=gamma, beta=beta, dout=dout):
            X, gamma, beta = X.copy(), gamma.copy(), beta.copy()

            def f():
                return float(np.sum(dout * layers.batchnorm_forward(X, gamma, beta)[0]))

            return (numeric_grad(f, X), numeric_grad(f, gamma), numeric_grad(f, beta))

        cases.append(Case(f"train mode, X ({m}, {n})", (dout, cache), context={"m": m}, numeric=numeric))
    return cases


def _bnb(dout, c, full=True, dgamma_xhat=True, use_gamma=True, dbeta_mean=False, xhat_term=True):
    x_hat, inv_std, gamma = c["x_hat"], c["inv_std"], c["gamma"]
    m = dout.shape[0]
    dbeta = dout.mean(axis=0) if dbeta_mean else dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0) if dgamma_xhat else dout.sum(axis=0)
    g = gamma if use_gamma else 1.0
    if not full:
        return dout * g * inv_std, dgamma, dbeta
    term = x_hat * (dout * x_hat).sum(axis=0) if xhat_term else 0.0
    dX = g * inv_std / m * (m * dout - dout.sum(axis=0) - term)
    return dX, dgamma, dbeta


def _bnb_axis1(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    wrong_sum = dout.sum(axis=1, keepdims=True)  # over the features instead of the batch
    dX = gamma * inv_std / m * (m * dout - wrong_sum - x_hat * (dout * x_hat).sum(axis=1, keepdims=True))
    return dX, dgamma, dbeta


exercise(
    name="batchnorm_backward",
    chapter=CH,
    func_name="batchnorm_backward",
    title="Batch normalization, backward",
    reference=layers.batchnorm_backward,
    arg_names=["dout", "cache"],
    make_cases=_bn_bwd_cases,
    gradient=True,
    output_names=["dX", "dgamma", "dbeta"],
    mistakes=mistakes(
        (
            "BN_BWD_FIXED_STATS",
            "in training mode the batch mean and variance depend on X too: "
            "dX = gamma * inv_std / m * (m * dout - sum(dout) - x_hat * sum(dout * x_hat))",
            lambda dout, c: _bnb(dout, c, full=False),
        ),
        (
            "BN_BWD_MISSING_VAR_TERM",
            "you kept the path through the mean but not the one through the variance: "
            "subtract x_hat * sum(dout * x_hat) as well",
            lambda dout, c: _bnb(dout, c, xhat_term=False),
        ),
        (
            "BN_BWD_DGAMMA",
            "gamma multiplies x_hat, so dgamma = sum over the batch of dout * x_hat",
            lambda dout, c: _bnb(dout, c, dgamma_xhat=False),
        ),
        (
            "BN_BWD_NO_GAMMA",
            "the output is gamma * x_hat + beta: dX carries the factor gamma",
            lambda dout, c: _bnb(dout, c, use_gamma=False),
        ),
        (
            "BN_BWD_DBETA_MEAN",
            "dbeta is the SUM of dout over the batch (dout already carries the 1/m of the loss)",
            lambda dout, c: _bnb(dout, c, dbeta_mean=True),
        ),
        (
            "BN_BWD_NO_1_OVER_M",
            "dX = gamma * inv_std / m * (m * dout - ...): the whole bracket is divided by m",
            lambda dout, c: (lambda r: (r[0] * dout.shape[0], r[1], r[2]))(_bnb(dout, c)),
        ),
        (
            "BN_BWD_MEAN_TERMS_SUMMED_WRONG",
            "the mean term subtracts sum(dout) over the BATCH (axis 0), one value per feature",
            _bnb_axis1,
        ),
    ),
)
