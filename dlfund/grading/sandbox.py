"""Protected calls of learner functions inside the notebook process.

`protected_call(fn, args, kwargs, timeout)` runs `fn` on deep copies of its inputs and returns an
`Outcome` instead of raising. It

* compares the copies with pristine copies afterwards, so an input modified in place is reported;
* captures what the function prints (bounded, so a print in a loop cannot flood the notebook);
* stops a function that runs longer than `timeout` seconds.  Mechanism: in the main thread of a
  POSIX process (a Jupyter kernel runs cells there) a `SIGALRM` interval timer raises `CallTimeout`
  (a BaseException, so `except Exception` in the learner's code does not swallow it; the timer
  re-fires every 0.1 s until the function gives up).  Elsewhere (Windows, worker threads) the call
  runs in a daemon thread that is abandoned after `timeout` seconds; it cannot be killed, so its
  result is discarded and the report says so.  Neither mechanism interrupts a single long C call
  (e.g. one huge matrix product); batch grading adds process-level CPU and memory limits for that.
* catches every exception, `SystemExit` included; `KeyboardInterrupt` is re-raised so the learner
  can still interrupt the kernel.
"""
import contextlib
import copy
import signal
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._writer import BoundedWriter

_GRADING_DIR = __file__.rsplit("/", 1)[0]


class CallTimeout(BaseException):
    """Raised inside a learner function that exceeded its time limit."""


@dataclass
class Seed:
    """Placeholder for a random generator argument: each call gets a fresh `default_rng(seed)`."""

    seed: int

    def make(self):
        return np.random.default_rng(self.seed)

    def __repr__(self):
        return f"rng(seed={self.seed})"


@dataclass
class Outcome:
    """What happened when a function was called on one set of inputs."""

    kind: str  # "ok" | "not_implemented" | "exception" | "timeout" | "skipped"
    value: Any = None
    exc_type: str = ""
    exc_message: str = ""
    frames: list = field(default_factory=list)  # [(filename, lineno, funcname, line)] of learner code
    mutated: list = field(default_factory=list)  # names of arguments modified in place
    stdout: str = ""
    printed_chars: int = 0
    warnings: list = field(default_factory=list)
    seconds: float = 0.0
    blocked_imports: list = field(default_factory=list)


def materialize(obj):
    """Deep-copy call arguments, turning Seed placeholders into fresh generators."""
    if isinstance(obj, Seed):
        return obj.make()
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, tuple):
        return tuple(materialize(o) for o in obj)
    if isinstance(obj, list):
        return [materialize(o) for o in obj]
    if isinstance(obj, dict):
        return {k: materialize(v) for k, v in obj.items()}
    return copy.deepcopy(obj)


def same_value(a, b):
    """Exact equality of nested inputs (NaN equals NaN); used to detect in-place modification."""
    if isinstance(a, np.random.Generator) or isinstance(b, np.random.Generator):
        return True  # drawing from a generator is its purpose
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a2, b2 = np.asarray(a), np.asarray(b)
        if a2.shape != b2.shape or a2.dtype != b2.dtype:
            return False
        if a2.dtype.kind in "fc":
            return bool(np.array_equal(a2, b2, equal_nan=True))
        return bool(np.array_equal(a2, b2))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:
        return False


def learner_frames(tb, is_learner=None):
    """Frames of a traceback that belong to the learner (not to the grader, NumPy or Python)."""
    if is_learner is None:
        def is_learner(fname):
            return not (fname.startswith(_GRADING_DIR) or "site-packages" in fname or "/lib/python" in fname
                        or fname.startswith("<frozen"))
    frames = []
    for fs in traceback.extract_tb(tb):
        if is_learner(fs.filename):
            frames.append((fs.filename, fs.lineno, fs.name, (fs.line or "").strip()))
    return frames


def _describe_exception(outcome, exc):
    outcome.exc_type = type(exc).__name__
    msg = str(exc)
    outcome.exc_message = msg if len(msg) < 500 else msg[:500] + " ..."


def _can_use_alarm():
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _call_with_alarm(fn, args, kwargs, timeout):
    def handler(signum, frame):
        raise CallTimeout()

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout, 0.1)
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, old)


def _call_in_thread(fn, args, kwargs, timeout):
    box = {}

    def target():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            box["exc"] = exc

    t = threading.Thread(target=target, daemon=True, name="dlfund-check-call")
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise CallTimeout()
    if "exc" in box:
        raise box["exc"]
    return box.get("value")


def protected_call(fn, args=(), kwargs=None, timeout=5.0, arg_names=None, capture_limit=2000, is_learner=None):
    """Call `fn(*args, **kwargs)` on copies of the inputs; never raises (except KeyboardInterrupt)."""
    kwargs = kwargs or {}
    pristine_args, pristine_kwargs = materialize(args), materialize(kwargs)
    call_args, call_kwargs = materialize(args), materialize(kwargs)
    outcome = Outcome(kind="ok")
    sink = BoundedWriter(capture_limit)
    start = time.perf_counter()
    try:
        # Outer loop: a late timer signal that lands in our own clean-up is caught here too.
        try:
            with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(sink), \
                    contextlib.redirect_stderr(sink), np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                warnings.simplefilter("always")
                if _can_use_alarm():
                    value = _call_with_alarm(fn, call_args, call_kwargs, timeout)
                else:
                    value = _call_in_thread(fn, call_args, call_kwargs, timeout)
                outcome.value = value
                outcome.warnings = sorted({f"{w.category.__name__}: {w.message}" for w in caught})[:5]
        except NotImplementedError as exc:
            outcome.kind = "not_implemented"
            _describe_exception(outcome, exc)
            outcome.frames = learner_frames(exc.__traceback__, is_learner)
        except CallTimeout:
            outcome.kind = "timeout"
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - SystemExit, errors of every kind
            outcome.kind = "exception"
            _describe_exception(outcome, exc)
            outcome.frames = learner_frames(exc.__traceback__, is_learner)
    except CallTimeout:
        outcome.kind = "timeout"
    outcome.seconds = time.perf_counter() - start
    outcome.stdout = sink.getvalue()
    outcome.printed_chars = sink.total
    names = list(arg_names or [])
    for i, (before, after) in enumerate(zip(pristine_args, call_args)):
        if not same_value(before, after):
            outcome.mutated.append(names[i] if i < len(names) else f"argument {i + 1}")
    for k in pristine_kwargs:
        if not same_value(pristine_kwargs[k], call_kwargs[k]):
            outcome.mutated.append(k)
    return outcome
