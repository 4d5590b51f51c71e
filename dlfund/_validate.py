"""Input checks shared by every public function: clear errors instead of NumPy surprises."""
import numpy as np


def as_array(x, name, ndim=None, dtype=None):
    """Return `x` as a floating ndarray (no copy if it already is one), checking its rank.

    Integer and boolean input is converted to float64; float32 stays float32.
    """
    if type(x) is np.ndarray and x.dtype.kind == "f" and dtype is None and ndim in (None, x.ndim):
        return x                     # the common case, decided before any conversion
    if x is None:
        raise TypeError(f"{name} is None; expected an array")
    arr = np.asarray(x)
    kind = arr.dtype.kind        # "f" floating, "O" object, ... (cheaper than np.issubdtype per call)
    if kind == "O":
        raise TypeError(f"{name} could not be converted to a numeric array")
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


def check_shape(arr, shape, name):
    """Raise ValueError unless `arr.shape` matches `shape` (None entries match anything)."""
    if arr.shape == shape:          # the common case, decided without a loop
        return
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
    if not ok:
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")


def check_positive(value, name, allow_zero=False):
    """Raise ValueError unless `value` is a finite number > 0 (or >= 0)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return v


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
            parts.append(f"unexpected {noun} keys {extra}")
        verb = "do" if name == "grads" else "does"
        raise ValueError(f"{name} {verb} not match parameters: " + "; ".join(parts))
    for k in params:
        p, g = np.shape(params[k]), np.shape(grads[prefix + k])
        if p != g:
            raise ValueError(f"{name}[{prefix + k!r}] has shape {g} but parameters[{k!r}] has shape {p}")


def check_unit_interval(value, name, meaning=""):
    """Return `value` as a float after checking 0 <= value < 1 (decay rates, drop probabilities)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}") from None
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{name}{meaning} must be in [0, 1), got {value!r}")
    return v


def check_finite(arr, name):
    """Return `arr` after checking that it holds no NaN or infinity (a ValueError names how many)."""
    arr = np.asarray(arr)
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        bad = int(arr.size - np.isfinite(arr).sum())
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s) (shape {arr.shape}); clean or impute "
                         f"the data first")
    return arr


def check_float_dtype(dtype, name="dtype"):
    """Return `dtype` as a NumPy floating dtype; integer, bool or other dtypes are refused."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a floating-point dtype such as np.float64, got {dtype!r}") from None
    if dt.kind != "f":
        raise TypeError(f"{name} must be a floating-point dtype such as np.float64 or np.float32, got {dt} "
                        f"(weights of an integer type would be truncated to 0 or +-1)")
    return dt
