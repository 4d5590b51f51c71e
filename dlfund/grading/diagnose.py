"""Diagnosis by behaviour: what the relation between a wrong answer and the right one points to.

A catalogued mistake is named only when the learner's answers agree with it on every case. A
diagnosis instead looks at *how* an answer is wrong, so that variants nobody catalogued are
still named: which entries of an element-wise function are wrong (z < 0 only?) and how they
relate to the right ones (opposite sign, 1 - the value, ...); whether softmax rows, columns or
the whole array sum to 1; and, through `search`, which small change to a formula reproduces the
answer exactly (used by the optimizer and recurrent exercises: a bias correction with t - 1, a
forget gate through tanh, ...). Each finding is a `Problem` of kind "diagnosis".
"""

import itertools

import numpy as np

from .compare import Problem, fast_close


def finding(code, message, hint=""):
    return Problem("diagnosis", message, code, hint)


def as_float(x):
    """x as a float64 array, or None when it is not numeric."""
    if isinstance(x, (dict, tuple, list, str)) or x is None:
        return None
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a


def same(a, b, rtol=1e-6, atol=1e-9):
    """Nested equality within tolerance (dicts, tuples, arrays); NaNs at the same places agree."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype == float:
        return fast_close(b, a, rtol, atol)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k], rtol, atol) for k in a)
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(same(x, y, rtol, atol) for x, y in zip(a, b))
    x, y = as_float(a), as_float(b)
    if x is None or y is None or x.shape != y.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True))


def search(candidates, target, evaluate, limit=4000):
    """First candidate (in the given order: fewest changes first) whose `evaluate(c)` equals target."""
    for k, cand in enumerate(candidates):
        if k >= limit:
            break
        with np.errstate(all="ignore"):
            try:
                value = evaluate(cand)
            except (ArithmeticError, ValueError, KeyError, IndexError, TypeError):
                continue
        if same(value, target):
            return cand
    return None


def variants(options):
    """Configurations over {name: [default, alternative, ...]}, fewest changes from the defaults
    first; yields (config dict, [names changed])."""
    names = list(options)
    for n_changed in range(len(names) + 1):
        for changed in itertools.combinations(names, n_changed):
            alts = [options[nm][1:] for nm in changed]
            for pick in itertools.product(*alts):
                cfg = {nm: options[nm][0] for nm in names}
                cfg.update(zip(changed, pick))
                yield cfg, list(changed)


# -- element-wise functions --------------------------------------------------------------------

REGIONS = [
    ("z = 0", lambda z: z == 0),
    ("z < 0", lambda z: z < 0),
    ("z > 0", lambda z: z > 0),
    ("z <= 0", lambda z: z <= 0),
    ("z >= 0", lambda z: z >= 0),
    ("|z| > 30", lambda z: np.abs(z) > 30),
]

RELATIONS = [
    ("OPPOSITE_SIGN", "the opposite sign of the right values", lambda z, e: -e),
    ("ONE_MINUS", "1 minus the right values", lambda z, e: 1 - e),
    ("ZERO", "0", lambda z, e: np.zeros_like(e)),
    ("ONE", "1", lambda z, e: np.ones_like(e)),
    ("INPUT", "z itself", lambda z, e: z),
    ("SQUARED", "the square of the right values", lambda z, e: e * e),
]


def elementwise(relations=(), region_hint=""):
    """Diagnoser for an element-wise function of z: the region of wrong entries and how they relate
    to the right ones. `relations` [(code, text, fn(z, expected) -> values, hint)] come first."""

    def diagnose(ex, case, outcomes):
        z = np.asarray(case.args[0], dtype=np.float64)
        e = as_float(ex._view(ex.expected(case)))
        r = as_float(outcomes[0].value)
        if e is None or r is None or r.shape != e.shape or e.shape != z.shape:
            return []
        with np.errstate(all="ignore"):
            bad = ~np.isclose(r, e, rtol=1e-6, atol=1e-9, equal_nan=False) | (np.isfinite(e) & ~np.isfinite(r))
        if not bad.any():
            return []
        where = ""
        if not bad.all():
            for name, sel in REGIONS:
                m = sel(z)
                if m.any() and not m.all() and not (bad & ~m).any():
                    where = name
                    break
        found = []
        for code, text, fn, *hint in list(relations) + [(c, t, f, "") for c, t, f in RELATIONS]:
            with np.errstate(all="ignore"):
                want = np.broadcast_to(fn(z, e), e.shape)
                match = np.isclose(r[bad], want[bad], rtol=1e-6, atol=1e-9)
            if match.all():
                place = f"where {where}" if where else "at the wrong entries"
                found.append(finding(code, f"{place} your values are {text}", hint[0] if hint else region_hint))
                break
        if where and not found:
            found.append(finding("REGION", f"only the entries where {where} are wrong", region_hint))
        return found

    return diagnose


def softmax_sums(ex, case, outcomes):
    """Which sums are 1: rows (right), columns (axis 0), the whole array (no axis)."""
    e = as_float(ex._view(ex.expected(case)))
    r = as_float(outcomes[0].value)
    if e is None or r is None or r.shape != e.shape or r.ndim != 2 or not np.all(np.isfinite(r)):
        return []
    rows_one = np.allclose(r.sum(axis=1), 1, atol=1e-8)
    if np.isclose(r.sum(), 1) and not rows_one:
        return [
            finding(
                "SOFTMAX_WHOLE_ARRAY",
                "your whole array sums to 1, not each row: the sum in the denominator has no axis",
                "normalise each row: e / e.sum(axis=1, keepdims=True)",
            )
        ]
    if np.allclose(r.sum(axis=0), 1, atol=1e-8) and not rows_one:
        return [
            finding(
                "SOFTMAX_COLUMNS",
                "your COLUMNS sum to 1: you normalised over axis 0 (the samples)",
                "each row is one sample: sum over axis=1 with keepdims=True",
            )
        ]
    with np.errstate(all="ignore"):
        ratio = r / e
    if np.allclose(ratio, ratio[:, :1], rtol=1e-6) and not rows_one:
        sums = ", ".join(f"{x:.3g}" for x in r.sum(axis=1)[:4])
        return [
            finding(
                "SOFTMAX_NOT_NORMALISED",
                f"each row has the right proportions but sums to {sums}"
                f"{', ...' if r.shape[0] > 4 else ''} instead of 1",
                "divide each row by its own sum: e / e.sum(axis=1, keepdims=True)",
            )
        ]
    if rows_one:
        return [
            finding(
                "SOFTMAX_SHIFT",
                "every row sums to 1 but the proportions within a row are wrong: "
                "something other than one constant per row was subtracted (or added) "
                "before exp",
                "shift each row by its own maximum: z - z.max(axis=1, keepdims=True)",
            )
        ]
    return []
