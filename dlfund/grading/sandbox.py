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
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._harness import CallTimeout, call_with_alarm, float_errors, learner_frames, mutated, warning_texts
from ._writer import BoundedWriter

_GRADING_DIR = __file__.rsplit("/", 1)[0]


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


def _is_learner(fname):
    """A file of the learner's code (not of the grader, NumPy or Python)."""
    return not (
        fname.startswith(_GRADING_DIR)
        or "site-packages" in fname
        or "/lib/python" in fname
        or fname.startswith("<frozen")
    )


def _describe_exception(outcome, exc):
    outcome.exc_type = type(exc).__name__
    msg = str(exc)
    outcome.exc_message = msg if len(msg) < 500 else msg[:500] + " ..."


def _can_use_alarm():
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


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
            with (
                warnings.catch_warnings(record=True) as caught,
                contextlib.redirect_stdout(sink),
                contextlib.redirect_stderr(sink),
                float_errors(),
            ):
                warnings.simplefilter("always")
                if _can_use_alarm():
                    value = call_with_alarm(timeout, fn, *call_args, **call_kwargs)
                else:
                    value = _call_in_thread(fn, call_args, call_kwargs, timeout)
                outcome.value = value
                outcome.warnings = warning_texts(caught)
        except NotImplementedError as exc:
            outcome.kind = "not_implemented"
            _describe_exception(outcome, exc)
            outcome.frames = learner_frames(exc.__traceback__, is_learner or _is_learner)
        except CallTimeout:
            outcome.kind = "timeout"
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - SystemExit, errors of every kind
            outcome.kind = "exception"
            _describe_exception(outcome, exc)
            outcome.frames = learner_frames(exc.__traceback__, is_learner or _is_learner)
    except CallTimeout:
        outcome.kind = "timeout"
    outcome.seconds = time.perf_counter() - start
    outcome.stdout = sink.getvalue()
    outcome.printed_chars = sink.total
    outcome.mutated = mutated(pristine_args, call_args, pristine_kwargs, call_kwargs, arg_names)
    return outcome
