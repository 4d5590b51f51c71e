"""Chapter 7 exercises: gradient clipping by global norm and by value."""

import numpy as np

from dlfund import clipping

from ..core import Case
from ._util import exercise, mistakes, rng_for

CH = 7


def _grads(rng, scale):
    return {
        "dW1": rng.normal(size=(3, 4)) * scale,
        "db1": rng.normal(size=4) * scale * 0.2,
        "dW2": rng.normal(size=(4, 2)) * scale * 3,
        "db2": rng.normal(size=2) * scale,
    }


def _norm_cases(seeds):
    cases = []
    for k, s in enumerate((900, 901) + tuple(seeds)):
        rng = rng_for(s, 71)
        scale = 0.05 if k == 1 else float(rng.uniform(2, 10))
        g = _grads(rng, scale)
        max_norm = 5.0 if k < 2 else float(rng.uniform(1, 4))
        total = float(np.sqrt(sum(np.sum(v * v) for v in g.values())))
        label = f"global norm {total:.3g}, max_norm={max_norm:.3g}" + (
            " (no clipping needed)" if total < max_norm else ""
        )
        cases.append(Case(label, (g, max_norm)))
    small = _grads(rng_for(903, 71), 0.1)
    cases.append(Case(f"global norm {_global(small):.3g} < 1, max_norm=0.05", (small, 0.05)))
    zero = {k: np.zeros_like(v) for k, v in _grads(rng_for(902, 71), 1.0).items()}
    cases.append(Case("all gradients zero (norm 0)", (zero, 1.0)))
    return cases


def _global(g):
    return float(np.sqrt(sum(np.sum(v * v) for v in g.values())))


def _per_tensor(g, c):
    out = {}
    for k, v in g.items():
        n = float(np.linalg.norm(v))
        out[k] = v * (c / n) if n > c else v.copy()
    return out, _global(g)


def _clip_min_ratio(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = min(1.0, max_norm / norm)
    return {k: g * scale for k, g in grads.items()}, float(norm)


exercise(
    name="clip_grad_norm",
    chapter=CH,
    func_name="clip_grad_norm",
    title="Clipping by global norm",
    reference=clipping.clip_grad_norm,
    arg_names=["grads", "max_norm"],
    make_cases=_norm_cases,
    fresh_outputs=True,
    output_names=["grads", "norm"],
    rtol=1e-5,
    strict_warnings=("divide by zero", "invalid value"),
    warning_hint="max_norm / norm divides by zero when every gradient is 0: only rescale when norm > max_norm "
    "(or divide by norm + 1e-6, as PyTorch does)",
    mistakes=mistakes(
        (
            "CLIP_DIVIDES_BY_ZERO_NORM",
            "with all gradients 0 the norm is 0 and max_norm / norm divides by zero: scale only when norm > max_norm",
            _clip_min_ratio,
        ),
        (
            "CLIP_PER_TENSOR",
            "clip by the GLOBAL norm of all gradients together, sqrt(sum over keys of sum(g**2)), so "
            "every gradient is scaled by the same factor and the direction is kept",
            _per_tensor,
        ),
        (
            "CLIP_ALWAYS",
            "only rescale when the norm exceeds max_norm; smaller gradients pass unchanged",
            lambda g, c: ({k: v * (c / _global(g)) for k, v in g.items()}, _global(g)),
        ),
        (
            "CLIP_SQUARED_NORM",
            "the norm is the square ROOT of the sum of squares",
            lambda g, c: (lambda n2: ({k: (v * (c / n2) if n2 > c else v.copy()) for k, v in g.items()}, n2))(
                _global(g) ** 2
            ),
        ),
        (
            "CLIP_NORM_AFTER",
            "return the norm measured BEFORE clipping (it is what you monitor for explosions)",
            lambda g, c: (lambda n: ({k: (v * (c / n) if n > c else v.copy()) for k, v in g.items()}, min(n, c)))(
                _global(g)
            ),
        ),
    ),
)


def _value_cases(seeds):
    cases = []
    for s in (910,) + tuple(seeds):
        rng = rng_for(s, 72)
        g = _grads(rng, float(rng.uniform(1, 5)))
        c = 1.0 if s == 910 else float(rng.uniform(0.3, 3))
        cases.append(Case(f"clip_value={c:.3g}", (g, c)))
    return cases


def _clip_inplace(g, c):
    for v in g.values():
        np.clip(v, -c, c, out=v)
    return g


exercise(
    name="clip_grad_value",
    chapter=CH,
    func_name="clip_grad_value",
    title="Clipping by value",
    reference=clipping.clip_grad_value,
    arg_names=["grads", "clip_value"],
    make_cases=_value_cases,
    fresh_outputs=True,
    mistakes=mistakes(
        (
            "CLIPVAL_ONE_SIDED",
            "clip both sides: every entry ends up in [-clip_value, clip_value]",
            lambda g, c: {k: np.minimum(v, c) for k, v in g.items()},
        ),
        (
            "CLIPVAL_BY_NORM",
            "clipping by value clamps each entry (np.clip); rescaling by the norm is the other method",
            lambda g, c: {k: v * min(1.0, c / float(np.linalg.norm(v))) for k, v in g.items()},
        ),
        ("CLIPVAL_INPLACE", "np.clip(..., out=g) overwrites the caller's gradients; return new arrays", _clip_inplace),
        (
            "CLIPVAL_ZERO_FLOOR",
            "the lower bound is -clip_value, not 0: negative gradients must survive",
            lambda g, c: {k: np.clip(v, 0, c) for k, v in g.items()},
        ),
    ),
)
