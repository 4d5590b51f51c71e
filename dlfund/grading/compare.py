"""Structural and numerical comparison of a learner's output with the expected one.

`compare(expected, received, ...)` walks tuples, lists and dicts and returns a list of `Problem`s in
the order a learner should fix them: structure, type, shape, dtype, NaN/inf, values. A value
problem names the worst entry, expected vs received, the relative error and, where the whole
answer is a constant multiple of the right one, the factor (a flipped sign, a missing 1/m, ...).
"""

from dataclasses import dataclass, field

import numpy as np

#: display order of problem kinds inside one failing case
KIND_ORDER = [
    "not_implemented",
    "returned_none",
    "exception",
    "timeout",
    "structure",
    "type",
    "shape",
    "dtype",
    "nonfinite",
    "inplace",
    "aliasing",
    "values",
    "property",
    "cache",
    "numerics",
    "diagnosis",
    "gradcheck",
    "printed",
    "note",
]


@dataclass
class Problem:
    kind: str
    message: str
    code: str = ""
    hint: str = ""
    details: dict = field(default_factory=dict)

    def order(self):
        return KIND_ORDER.index(self.kind) if self.kind in KIND_ORDER else len(KIND_ORDER)


def describe(value, limit=6):
    """Short description of a value: shapes for arrays, keys for dicts."""
    if isinstance(value, np.ndarray):
        if value.ndim or value.dtype.kind not in "biuf":
            return f"array {value.shape} {value.dtype}"
        return f"{value.dtype} scalar {float(value):.6g}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, (bool, np.bool_)):
        return f"the boolean {bool(value)}"
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {describe(v)}" for k, v in list(value.items())[:limit])
        return "{" + inner + (", ..." if len(value) > limit else "") + "}"
    if isinstance(value, (tuple, list)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return f"{kind} of {len(value)}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return type(value).__name__


def fmt_index(idx):
    if not idx:
        return ""
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _is_number(x):
    return isinstance(x, (int, float, np.integer, np.floating, bool, np.bool_)) or (
        isinstance(x, np.ndarray) and x.ndim == 0
    )


def _shape_hint(exp_shape, rec_shape):
    if len(exp_shape) == 2 and rec_shape == exp_shape[::-1]:
        return (
            "TRANSPOSED",
            "your result is the transpose of the expected one: with samples as rows, "
            "Z = A_prev @ W + b and W is (n_in, n_out); check the order of a matrix product or a stray .T",
        )
    if len(exp_shape) == len(rec_shape) and sorted(exp_shape) == sorted(rec_shape):
        return (
            "AXES_ORDER",
            f"the right sizes with the axes in another order: expected {exp_shape}, received "
            f"{rec_shape}; stack along the right axis (np.stack(states, axis=1) gives (batch, time, "
            "...)) or reorder with np.transpose",
        )
    if sorted(x for x in exp_shape if x != 1) == sorted(x for x in rec_shape if x != 1):
        return (
            "KEEPDIMS",
            "same entries, different axes of length 1: a (n,) vector vs an (n, 1) column or "
            "(1, n) row; use keepdims=True in sums, or reshape/ravel the result",
        )
    if len(rec_shape) > len(exp_shape) or (
        len(rec_shape) == len(exp_shape) and np.prod(rec_shape) > np.prod(exp_shape)
    ):
        return (
            "BROADCAST",
            "your result is larger than expected: NumPy probably broadcast a (n,) vector against "
            "an (n, 1) column into a matrix; check the shapes of the operands of + - * /",
        )
    if len(rec_shape) < len(exp_shape) or np.prod(rec_shape) < np.prod(exp_shape):
        return (
            "REDUCED",
            "your result has fewer entries than expected: a sum, mean or max over the wrong axis "
            "(or over all axes) collapses the array; np.max(z, 0) reduces, np.maximum(z, 0) compares element-wise",
        )
    return ("SHAPE", "")


def _factor(expected, received):
    """If received is (nearly) c * expected for a constant c != 1, return c."""
    e = expected.ravel().astype(np.float64)
    r = received.ravel().astype(np.float64)
    ee = float(e @ e)
    if ee == 0 or not np.all(np.isfinite(r)):
        return None
    c = float(e @ r) / ee
    resid = np.linalg.norm(r - c * e)
    if resid <= 1e-6 * max(np.linalg.norm(r), 1e-300) and abs(c - 1) > 1e-3 and abs(c) > 1e-12:
        return c
    return None


def _name_factor(c, context):
    """Match a constant factor with a size in the case context, e.g. m (the batch size)."""
    names = []
    for key, v in (context or {}).items():
        if key.startswith("_") or not isinstance(v, (int, float)) or v in (0, 1):
            continue
        for val, label in ((v, key), (1.0 / v, f"1/{key}")):
            if abs(c - val) <= 1e-6 * abs(val):
                names.append(f"{label} (= {v:g})" if label == key else f"{label} (= 1/{v:g})")
    for val, label in ((2.0, "2"), (0.5, "1/2")):
        if abs(c - val) < 1e-9:
            names.append(label)
    return names


def _groups(context, n):
    """Named column blocks of width context['_block'] (e.g. the LSTM gates [i | f | g | o])."""
    width = (context or {}).get("_block")
    names = (context or {}).get("_block_names")
    if not width or not names or n != width * len(names):
        return None
    return [(name, k * width, (k + 1) * width) for k, name in enumerate(names)]


def _name_columns(cols, context, n):
    groups = _groups(context, n)
    if groups is None:
        return ""
    hit = [(name, a, b) for name, a, b in groups if any(a <= c < b for c in cols)]
    return " — " + ", ".join(f"the {name} block (columns {a}:{b})" for name, a, b in hit)


def _locate(bad, context=None):
    """Describe where the wrong entries are: whole rows or columns of a 2-D array (named blocks,
    e.g. LSTM gates, when the context gives them), entries of a 1-D array in named blocks, or the
    time steps of a (batch, time, features) array."""
    if bad.all() or bad.ndim == 0:
        return ""
    if bad.ndim == 1:
        idx = np.where(bad)[0]
        named = _name_columns(idx, context, bad.shape[0])
        return f"; only entries {idx.tolist()[:12]}{' ...' if len(idx) > 12 else ''} are wrong{named}" if named else ""
    if bad.ndim == 3:
        steps = np.where(bad.any(axis=(0, 2)))[0]
        if len(steps) < bad.shape[1]:
            return f"; only time step(s) {steps.tolist()} (axis 1) are wrong"
        return ""
    if bad.ndim != 2:
        return ""
    cols = np.where(bad.any(axis=0))[0]
    rows = np.where(bad.any(axis=1))[0]
    if len(cols) < bad.shape[1]:
        named = _name_columns(cols, context, bad.shape[1])
        if named:
            return f"; only column(s) {cols.tolist()} are wrong{named}"
        if bad[:, cols].all():
            return f"; only column(s) {cols.tolist()} are wrong"
    if len(rows) < bad.shape[0] and bad[rows, :].all():
        return f"; only row(s) {rows.tolist()} are wrong"
    return ""


def _step_factors(exp, rec):
    """For (batch, time, features) arrays: a per-time-step constant factor, if each step has one."""
    if exp.ndim != 3 or exp.shape[1] < 2:
        return None
    out = []
    for t in range(exp.shape[1]):
        e, r = exp[:, t], rec[:, t]
        if np.allclose(e, r, rtol=1e-6, atol=1e-9):
            out.append(1.0)
            continue
        c = _factor(e, r)
        if c is None:
            return None
        out.append(c)
    return out


def _dtype_problems(path, exp, rec):
    """Dtype changes that break later use fail; harmless ones are notes."""
    if exp.dtype.kind != "f":
        return []
    if rec.dtype == bool:
        return [
            Problem(
                "dtype",
                f"{path}: your result is a True/False array; a float array is expected",
                "BOOL_RESULT",
                "booleans break later arithmetic (1 - mask and -mask raise TypeError, "
                "in-place *= fails): convert with .astype(z.dtype)",
            )
        ]
    if rec.dtype.kind in "iu":
        return [
            Problem(
                "dtype",
                f"{path}: your result has the integer dtype {rec.dtype}, the float dtype {exp.dtype} was expected",
                "INT_RESULT",
                "an integer array breaks later updates (g *= 0.5 raises, g = g * 0.5 silently changes its "
                "dtype); np.where(c, 1, 0) and np.zeros(shape, dtype=int) give integers: use 1.0 and 0.0, "
                "np.zeros_like(x) or .astype(z.dtype)",
            )
        ]
    if rec.dtype.kind == "f" and rec.dtype.itemsize < exp.dtype.itemsize:
        return [
            Problem(
                "dtype",
                f"{path}: your result is {rec.dtype}, but the inputs were {exp.dtype}",
                "DOWNCAST",
                f"{rec.dtype} keeps about {7 if rec.dtype == np.float32 else 3} significant "
                "digits, so later steps drift and gradient checks fail: create buffers with "
                "np.zeros(shape) or np.zeros_like(x), without dtype=np.float32",
            )
        ]
    if exp.dtype == np.float32 and rec.dtype == np.float64:
        return [
            Problem(
                "note",
                f"{path}: the input was float32 but your result is float64",
                "UPCAST",
                "never change the caller's dtype: avoid np.float64 constants and astype(float); "
                "Python floats keep float32",
            )
        ]
    return []


def compare_arrays(expected, received, path, rtol, atol, context=None, check_dtype=True):
    exp = np.asarray(expected)
    try:
        rec = np.asarray(received)
    except Exception:  # noqa: BLE001 - ragged lists and the like
        return [Problem("type", f"{path}: could not be turned into an array (received {describe(received)})")]
    if rec.dtype == object or not (np.issubdtype(rec.dtype, np.number) or rec.dtype == bool):
        return [
            Problem(
                "type",
                f"{path}: expected a numeric array, received {describe(received)}",
                "TYPE",
                "return a NumPy array of numbers",
            )
        ]
    if np.iscomplexobj(rec):
        return [
            Problem(
                "type",
                f"{path}: your result has complex numbers (dtype {rec.dtype})",
                "TYPE",
                "a square root or power of a negative number? use real arithmetic",
            )
        ]
    if rec.shape != exp.shape:
        code, hint = _shape_hint(exp.shape, rec.shape)
        return [Problem("shape", f"{path}: expected shape {exp.shape}, received {rec.shape}", code, hint)]
    problems = _dtype_problems(path, exp, rec) if check_dtype else []
    rec64, exp64 = rec.astype(np.float64), exp.astype(np.float64)
    bad_nf = ~np.isfinite(rec64) & np.isfinite(exp64)
    if bad_nf.any():
        first = tuple(int(i) for i in np.argwhere(bad_nf)[0]) if rec.ndim else ()
        where = f", first at {path}{fmt_index(first)}" if rec.ndim else ""
        problems.append(
            Problem(
                "nonfinite",
                f"{path}: {int(bad_nf.sum())} of {rec.size} entries are NaN or inf{where} (expected "
                f"{exp64[first]:.6g}, received {rec64[first]})",
                "NONFINITE",
                "NaN/inf usually comes from exp overflow (shift by the max first), log(0) or 0/0 "
                "(clip or add a small epsilon), from a division by a variance or norm that is 0, or "
                "from the square root of a negative number",
            )
        )
        return problems
    with np.errstate(all="ignore"):
        ok = np.isclose(rec64, exp64, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return problems
    bad = ~ok
    with np.errstate(all="ignore"):
        score = np.abs(rec64 - exp64) / (atol + rtol * np.abs(exp64))
    score = np.where(bad, np.where(np.isnan(score), np.inf, score), -1.0)
    worst = np.unravel_index(int(np.argmax(score)), rec.shape) if rec.ndim else ()
    worst = tuple(int(i) for i in worst)
    e, r = float(exp64[worst]), float(rec64[worst])
    rel = abs(r - e) / max(abs(e), 1e-300) if e != 0 else float("inf")
    if rec.ndim == 0:
        msg = f"{path}: expected {e:.6g}, received {r:.6g} (relative error {rel:.1e})"
    else:
        msg = (
            f"{path}: {int(bad.sum())} of {rec.size} entries differ; worst at {path}{fmt_index(worst)}: "
            f"expected {e:.6g}, received {r:.6g} (relative error {rel:.1e}){_locate(bad, context)}"
        )
    code, hint = "", ""
    c = _factor(exp64, rec64)
    if c is not None:
        if abs(c + 1) < 1e-6:
            code, hint = "SIGN_FLIP", "every entry has the opposite sign: check the sign of the gradient or update"
        else:
            named = _name_factor(c, context)
            code = "CONSTANT_FACTOR"
            hint = f"your values are {c:.6g} × the expected ones" + (
                f" — a factor {' or '.join(named)}" if named else ""
            )
    else:
        steps = _step_factors(exp64, rec64)
        if steps is not None:
            code = "STEP_FACTORS"
            shown = ", ".join(f"{f:.3g}" for f in steps[:10]) + (", ..." if len(steps) > 10 else "")
            hint = (
                f"at each time step your values are a constant multiple of the expected ones; the factors over "
                f"steps 0, 1, ... are [{shown}]"
            )
            if all(abs(abs(f) - 1) < 1e-6 for f in steps):
                flipped = [t for t, f in enumerate(steps) if f < 0]
                code, hint = "STEP_SIGN", f"the sign is flipped at time step(s) {flipped} only"
    problems.append(Problem("values", msg, code, hint, {"worst": worst, "expected": e, "received": r}))
    return problems


def fast_close(rec, exp, rtol, atol):
    """np.isclose(rec, exp, equal_nan=True).all() for float arrays of one shape, several times faster."""
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(rec - exp) <= atol + rtol * np.abs(exp)
    if ok.all():
        return True
    bad = ~ok
    r, e = rec[bad], exp[bad]
    return bool(np.all((np.isnan(r) & np.isnan(e)) | (r == e)))


def _safe_close(a, b, rtol, atol):
    try:
        return close(a, b, rtol, atol)
    except Exception:  # noqa: BLE001 - odd learner output
        return False


def _order_problem(expected, received, path, rtol, atol, names):
    """Items returned in another order: name the swap instead of blaming shapes or values."""
    n = len(expected)
    if n < 2 or n > 8:
        return None
    label = [names[i] if names and i < len(names) else f"{path}[{i}]" for i in range(n)]
    own = [_safe_close(expected[i], received[i], rtol, atol) for i in range(n)]
    if all(own):
        return None
    moved = []
    for i in range(n):
        if own[i]:
            continue
        for j in range(n):
            if j != i and not own[j] and _safe_close(expected[i], received[j], rtol, atol):
                moved.append((i, j))
                break
    if len(moved) < 2:
        return None
    parts = ", ".join(f"{label[i]} is at position {j + 1}" for i, j in moved)
    hint = "return the values in the order the docstring lists them" + (
        f": return {', '.join(names)}" if names and len(names) == n else ""
    )
    return Problem("structure", f"{path}: the right values in the wrong order ({parts})", "ORDER_SWAPPED", hint)


def _swapped_keys(expected, received, path, rtol, atol):
    wrong = [k for k in expected if not _safe_close(expected[k], received[k], rtol, atol)]
    pairs = []
    for k in wrong:
        for j in wrong:
            if j != k and _safe_close(expected[k], received[j], rtol, atol):
                pairs.append((k, j))
                break
    if not pairs:
        return None
    parts = "; ".join(f'{path}["{j}"] holds what belongs under "{k}"' for k, j in pairs)
    return Problem(
        "structure",
        f"{path}: values under the wrong keys ({parts})",
        "KEYS_SWAPPED",
        "check which result you store under which key",
    )


def compare(expected, received, path="output", rtol=1e-6, atol=1e-9, context=None, names=None):  # noqa: C901 - structure, shape, dtype, aliasing, values: checked in this order on purpose
    """Compare nested outputs, structure first. `names` optionally names the items of a tuple output."""
    if isinstance(expected, (tuple, list)):
        if isinstance(received, dict) and names and set(received) >= set(names[: len(expected)]):
            return [
                Problem(
                    "structure",
                    f"{path}: expected a tuple ({', '.join(names)}), received a dict with those keys",
                    "STRUCTURE",
                    f"return {', '.join(names)}",
                )
            ]
        if not isinstance(received, (tuple, list)):
            what = f"a tuple of {len(expected)}" + (f" ({', '.join(names)})" if names else "")
            return [
                Problem(
                    "structure",
                    f"{path}: expected {what}, received {describe(received)}",
                    "STRUCTURE",
                    "return all the values, separated by commas: return a, b",
                )
            ]
        if len(received) != len(expected):
            what = f"{len(expected)} values" + (f" ({', '.join(names)})" if names else "")
            return [
                Problem(
                    "structure",
                    f"{path}: expected {what}, received {len(received)}",
                    "STRUCTURE",
                    "return exactly the values listed in the docstring, in that order",
                )
            ]
        swapped = _order_problem(expected, received, path, rtol, atol, names)
        if swapped is not None:
            return [swapped]
        problems = []
        for i, (e, r) in enumerate(zip(expected, received)):
            sub = f"{names[i]}" if names and i < len(names) else f"{path}[{i}]"
            problems += compare(e, r, sub, rtol, atol, context)
        return problems
    if isinstance(expected, dict):
        if not isinstance(received, dict):
            return [
                Problem(
                    "structure",
                    f"{path}: expected a dict with keys {sorted(expected, key=str)}, received {describe(received)}",
                    "STRUCTURE",
                    "",
                )
            ]
        missing = sorted(set(expected) - set(received), key=str)
        extra = sorted(set(received) - set(expected), key=str)
        if missing or extra:
            parts = ([f"missing keys {missing}"] if missing else []) + ([f"unexpected keys {extra}"] if extra else [])
            return [
                Problem(
                    "structure",
                    f"{path}: " + "; ".join(parts),
                    "DICT_KEYS",
                    "keys follow the convention W1, b1, ... for parameters and dW1, db1, ... for gradients; "
                    "build the result from every key of the input dict",
                )
            ]
        swapped = _swapped_keys(expected, received, path, rtol, atol)
        if swapped is not None:
            return [swapped]
        problems = []
        for k in expected:
            problems += compare(expected[k], received[k], f'{path}["{k}"]' if path else f'["{k}"]', rtol, atol, context)
        return problems
    if expected is None:
        return (
            [] if received is None else [Problem("structure", f"{path}: expected None, received {describe(received)}")]
        )
    if _is_number(expected) and not isinstance(expected, np.ndarray):
        if isinstance(received, np.ndarray) and received.ndim > 0:
            if received.size == 1:
                return [
                    Problem(
                        "shape",
                        f"{path}: expected a number, received an array of shape {received.shape}",
                        "SCALAR_AS_ARRAY",
                        "return a plain number: float(...) or .item()",
                    )
                ]
            return [
                Problem(
                    "shape",
                    f"{path}: expected a number, received an array of shape {received.shape}",
                    "REDUCED",
                    "reduce over every axis (np.mean / np.sum without axis) to get one number",
                )
            ]
        if received is None:
            return [Problem("returned_none", f"{path} is None", "RETURNED_NONE", "")]
        if not _is_number(received):
            return [
                Problem(
                    "type",
                    f"{path}: expected a number, received {describe(received)}",
                    "TYPE",
                    "return a single number (a Python float)",
                )
            ]
        return compare_arrays(
            np.float64(expected), np.asarray(received, dtype=np.float64), path, rtol, atol, context, check_dtype=False
        )
    return compare_arrays(expected, received, path, rtol, atol, context)


def close(a, b, rtol=1e-6, atol=1e-9):
    """True when two nested outputs agree (used to fingerprint known mistakes); notes do not count."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(close(a[k], b[k], rtol, atol) for k in a)
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b))
    if (
        isinstance(a, np.ndarray)
        and isinstance(b, np.ndarray)
        and a.dtype == np.float64
        and b.dtype == np.float64
        and a.shape == b.shape
    ):  # the common case, without building Problems
        return fast_close(b, a, rtol, atol)
    return not [p for p in compare(a, b, "x", rtol, atol) if p.kind != "note"]
