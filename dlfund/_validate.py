"""Input checks shared by every public function: clear errors instead of NumPy surprises.

Every error names the argument, what was expected and what was received, e.g.
"z must be an array of numbers, got str 'abc'". Arrays: `as_array` (type, rank, optionally
finite), `check_finite`, `check_shape`. Numbers: `check_number`, `check_positive`, `check_int`,
`check_unit_interval`. Names: `check_choice` and `did_you_mean` (typos get a suggestion).
Others: `check_callable`, `check_rng`, `check_matching_keys`.
"""

import difflib
import math
import reprlib

import numpy as np

_KIND_NAMES = {
    "U": "strings",
    "S": "bytes",
    "c": "complex numbers",
    "M": "dates",
    "m": "time spans",
    "V": "structured records",
}


def describe(value):
    """A short description of a received value for error messages: "str 'abc'", "array of shape (2, 3), dtype int64"."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if value is None:
        return "None"
    return f"{type(value).__name__} {reprlib.repr(value)}"


def as_array(x, name, ndim=None, dtype=None, finite=False):
    """Return `x` as a floating ndarray (no copy if it already is one), checking its rank.

    Integer and boolean input is converted to float64; float32 stays float32. Strings, None,
    complex numbers, ragged lists and other non-numbers raise TypeError/ValueError naming `name`.
    With `finite=True` NaN or +-inf entries raise ValueError (see `check_finite`).
    """
    if type(x) is np.ndarray and x.dtype.kind == "f" and dtype is None and ndim in (None, x.ndim):
        arr = x  # the common case, decided before any conversion
    else:
        arr = _to_float_array(x, name, ndim, dtype)
    if finite:
        check_finite(arr, name)
    return arr


def _to_float_array(x, name, ndim, dtype):
    if x is None:
        raise TypeError(f"{name} is None; expected an array of numbers")
    if isinstance(x, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array of numbers, got {describe(x)}")
    try:
        arr = np.asarray(x)
    except ValueError:
        raise ValueError(
            f"{name} must be a rectangular array of numbers, got a {type(x).__name__} of rows with different lengths"
        ) from None
    kind = arr.dtype.kind  # "f" floating, "O" object, ... (cheaper than np.issubdtype per call)
    if kind == "O":
        odd = [v for v in arr.flat if not isinstance(v, (int, float, np.number))][:1]
        if odd or arr.size == 0:
            held = f"an entry {describe(odd[0])}" if odd else "no numbers"
            raise TypeError(f"{name} must be an array of numbers, got a {type(x).__name__} holding {held}")
        arr, kind = arr.astype(np.float64), "f"  # Python ints too large for int64
    if kind in _KIND_NAMES:
        raise TypeError(f"{name} must be an array of real numbers, got {_KIND_NAMES[kind]} ({describe(x)})")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif kind != "f":
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must be a {want}-D array, got shape {arr.shape}")
    return arr


def check_finite(arr, name):
    """Raise ValueError if the array `arr` holds NaN or +-inf, naming the first such entry; return `arr`."""
    if arr.dtype.kind not in "fc" or arr.size == 0:
        return arr
    if arr.dtype.kind == "f" and -math.inf < float(arr.min()) and float(arr.max()) < math.inf:
        return arr  # two fast reductions; NaN propagates through min/max and fails here
    bad = ~np.isfinite(arr)
    if not bad.any():
        return arr
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f"at index {list(first)}" if first else ""
    raise ValueError(
        f"{name} must hold finite numbers, got {arr[first]} {where} "
        f"({int(bad.sum())} of {arr.size} entries are NaN or inf)".replace("  ", " ")
    )


def check_shape(arr, shape, name):
    """Raise ValueError unless `arr.shape` matches `shape` (None entries match anything)."""
    if arr.shape == shape:  # the common case, decided without a loop
        return
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
    if not ok:
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")


def check_number(value, name):
    """Return `value` as a finite float; TypeError for a non-number (str, None, array), ValueError for NaN/inf."""
    if isinstance(value, (str, bytes)) or value is None or np.ndim(value) != 0:
        raise TypeError(f"{name} must be a number, got {describe(value)}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {describe(value)}") from None
    if not np.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return v


def check_positive(value, name, allow_zero=False):
    """Return `value` as a float after checking it is a finite number > 0 (or >= 0)."""
    try:
        v = check_number(value, name)
    except ValueError:
        v = float("nan")
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return v


def check_int(value, name, minimum=None, maximum=None):
    """Return `value` as an int; TypeError unless it is an integer (not bool), ValueError outside [minimum, maximum]."""
    if maximum is None:
        want = "" if minimum is None else f" >= {minimum}"
    else:
        want = f" <= {maximum}" if minimum is None else f" in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer{want}, got {describe(value)}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be an integer{want}, got {value!r}")
    return int(value)


def did_you_mean(word, candidates):
    """ "; did you mean 'relu'?" for the candidate closest to `word` (typos, wrong case), or "" if none is close."""
    if not isinstance(word, str):
        return ""
    names = [c for c in candidates if isinstance(c, str)]
    lower = {c.lower(): c for c in names}
    close = [lower[word.lower()]] if word.lower() in lower else difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_choice(value, choices, name):
    """Return `value` if it is one of `choices`; else a ValueError listing them, with a 'did you mean'."""
    try:
        if value in choices:
            return value
    except TypeError:  # unhashable, e.g. a list
        pass
    options = sorted(choices, key=str)
    if all(isinstance(c, str) for c in options) and not isinstance(value, str):
        raise TypeError(f"{name} must be a name (str), one of {options}, got {describe(value)}")
    raise ValueError(f"unknown {name} {value!r}; choose one of {options}{did_you_mean(value, options)}")


def check_callable(fn, name, expected="a function"):
    """Raise TypeError unless `fn` can be called; `expected` says what it should be, e.g. 'a function of params'."""
    if not callable(fn):
        raise TypeError(f"{name} must be {expected}, got {describe(fn)}")
    return fn


def check_axis(axis, ndim, name="axis"):
    """Return `axis` as an int after checking it is a valid axis of an array with `ndim` dimensions."""
    if ndim == 0:
        raise ValueError(f"{name}={axis!r} needs an array with at least one dimension, got a 0-D array (a scalar)")
    return check_int(axis, name, minimum=-ndim, maximum=ndim - 1)


def check_rng(rng):
    """Return a numpy Generator from a Generator, an int seed or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}")


def check_matching_keys(params, grads, prefix="d", name="grads"):
    """Check that `grads` has exactly the keys `prefix + k` for every k in `params`, same shapes.

    `name` is the dict's name in error messages, e.g. "v" for an optimizer state keyed like grads.
    """
    noun = "gradient" if name == "grads" else name
    want = {prefix + k for k in params}
    have = set(grads)
    missing, extra = sorted(want - have), sorted(have - want)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {noun} keys {missing}")
        if extra:
            parts.append(f"unexpected {noun} keys {extra}" + "".join(did_you_mean(k, missing) for k in extra[:1]))
        verb = "do" if name == "grads" else "does"
        raise ValueError(f"{name} {verb} not match parameters: " + "; ".join(parts))
    for k in params:
        p, g = np.shape(params[k]), np.shape(grads[prefix + k])
        if p != g:
            raise ValueError(f"{name}[{prefix + k!r}] has shape {g} but parameters[{k!r}] has shape {p}")


def check_unit_interval(value, name, meaning=""):
    """Return `value` as a float after checking 0 <= value < 1 (decay rates, drop probabilities)."""
    try:
        v = check_number(value, name)
    except TypeError:
        raise TypeError(f"{name} must be a number in [0, 1), got {describe(value)}") from None
    except ValueError:
        v = float("nan")
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{name}{meaning} must be in [0, 1), got {value!r}")
    return v


def check_float_dtype(dtype, name="dtype"):
    """Return `dtype` as a NumPy floating dtype; integer, bool or other dtypes are refused."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a floating-point dtype such as np.float64, got {dtype!r}") from None
    if dt.kind != "f":
        raise TypeError(
            f"{name} must be a floating-point dtype such as np.float64 or np.float32, got {dt} "
            f"(weights of an integer type would be truncated to 0 or +-1)"
        )
    return dt
