"""The calling harness shared by the in-notebook sandbox (`sandbox.py`) and the batch child (`_child.py`).

Standard library and NumPy only: the batch child loads this file by its path because it must not
import dlfund. It provides the call timeout (`CallTimeout`, `call_with_alarm`), the floating-point
error state calls run under, exact equality of inputs (`same_value`, `mutated`), the learner's
traceback frames and the warning summary of a call.
"""

import signal
import traceback

import numpy as np


class CallTimeout(BaseException):
    """Raised inside a learner function that exceeded its time limit."""


def call_with_alarm(seconds, fn, *args, **kwargs):
    """`fn(*args, **kwargs)`, interrupted by `CallTimeout` after `seconds` (main thread, POSIX only).

    The timer re-fires every 0.1 s until the function gives up (a learner's `except` may swallow one)."""

    def handler(signum, frame):
        raise CallTimeout()

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, old)


def float_errors():
    """The error state a learner call runs under: overflow, division by zero and invalid values warn."""
    return np.errstate(over="warn", divide="warn", invalid="warn", under="ignore")


def same_value(a, b):
    """Exact equality of nested inputs (NaN equals NaN); used to detect in-place modification."""
    if isinstance(a, np.random.Generator) or isinstance(b, np.random.Generator):
        return True  # drawing from a generator is its purpose
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a2, b2 = np.asarray(a), np.asarray(b)
        return (
            a2.shape == b2.shape
            and a2.dtype == b2.dtype
            and bool(np.array_equal(a2, b2, equal_nan=a2.dtype.kind in "fc"))
        )
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:
        return False


def mutated(pristine_args, args, pristine_kwargs, kwargs, arg_names=()):
    """Names of the arguments a call changed in place ("argument 3" for a positional one without a name)."""
    names = list(arg_names or [])
    out = [
        names[i] if i < len(names) else f"argument {i + 1}"
        for i, (before, after) in enumerate(zip(pristine_args, args))
        if not same_value(before, after)
    ]
    return out + [k for k in pristine_kwargs if not same_value(pristine_kwargs[k], kwargs[k])]


def learner_frames(tb, is_learner):
    """[(filename, lineno, function, line)] of the traceback's frames for which `is_learner(filename)`."""
    return [
        (fs.filename, fs.lineno, fs.name, (fs.line or "").strip())
        for fs in traceback.extract_tb(tb)
        if is_learner(fs.filename)
    ]


def warning_texts(caught):
    """The distinct warnings a call raised, as 'Category: message' (at most five)."""
    return sorted({f"{w.category.__name__}: {w.message}" for w in caught or []})[:5]
