"""The learner-side call: `check("adam", update_parameters_with_adam)`."""

import html

from .aliasing import AliasProbe
from .core import DEFAULT_SEEDS
from .loop import grade
from .registry import get_exercise
from .report import html_report, text_report
from .sandbox import protected_call


class GradingError(AssertionError):
    """Raised by `check(..., strict=True)` when an exercise does not pass (for CI)."""


class CheckResult:
    """Outcome of one `check` call: `score` = passed / total cases, `ok`, the matched mistakes' codes.

    `record_notice`: a sentence the report shows once when the progress record could not be
    written or a damaged record was kept aside (else None).
    """

    record_notice = None

    def __init__(self, graded):
        self.graded = graded
        self.name = graded.exercise.name
        self.status = graded.status
        self.passed = graded.passed
        self.total = graded.total
        self._shown_in = None

    @property
    def ok(self):
        return self.status == "passed"

    @property
    def score(self):
        return self.passed / self.total if self.total else 0.0

    @property
    def mistake_codes(self):
        """Hint codes of the catalogued mistakes your answers match."""
        return [m.code for m in self.graded.mistakes]

    @property
    def problem_codes(self):
        """Hint codes of every problem found, in report order (e.g. NOT_IMPLEMENTED, SIGN_FLIP)."""
        codes = []
        for case in self.graded.cases:
            for p in case.problems:
                if p.code and p.code not in codes:
                    codes.append(p.code)
        return codes

    @property
    def problem_kinds(self):
        kinds = []
        for case in self.graded.cases:
            for p in case.problems:
                if p.kind not in kinds:
                    kinds.append(p.kind)
        return kinds

    def report(self):
        return text_report(self.graded) + (f"\n  note: {self.record_notice}" if self.record_notice else "")

    def __str__(self):
        return self.report()

    def __repr__(self):
        return f"<CheckResult {self.name}: {self.passed}/{self.total} cases passed ({self.status})>"

    def _repr_pretty_(self, p, cycle):
        p.text(self.report())

    def _repr_html_(self):
        note = f"<div><i>note: {html.escape(self.record_notice)}</i></div>" if self.record_notice else ""
        return html_report(self.graded) + note

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Both renderings: HTML for notebooks, the plain-text report for consoles and text exports."""
        return {"text/plain": self.report(), "text/html": self._repr_html_()}

    def _ipython_display_(self):
        # `check(...)` already displayed this report in the same cell: do not show it twice.
        ip = _ipython()
        if ip is not None and self._shown_in == getattr(ip, "execution_count", None):
            return
        _display_bundle(self)


def _display_bundle(result):
    from IPython.display import display

    display(result._repr_mimebundle_(), raw=True)


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    ip = get_ipython()
    if ip is None or type(ip).__name__ != "ZMQInteractiveShell":
        return None
    return ip


def check(name, fn, *, strict=False, seeds=DEFAULT_SEEDS, timeout=5.0, record=True, show=True):
    """Check your implementation `fn` of exercise `name` and show what is wrong, if anything.

    Never raises unless `strict=True` (then a failing exercise raises GradingError, for CI).
    Each call of `fn` runs on copies of the inputs with a `timeout` (seconds); see
    `dlfund.grading.sandbox` for the mechanism. The result is recorded in your progress file
    (`~/.dlfund/progress.json`, or under $DLFUND_HOME) unless `record=False`.
    """
    ex = get_exercise(name)
    if not callable(fn):
        raise TypeError(f"check({name!r}, fn): fn must be your function {ex.func_name}, got {type(fn).__name__}")

    probe = AliasProbe(fn, ex.arg_names, ex.output_names)

    def runner(args, kwargs):
        outcome = protected_call(probe, args, kwargs, timeout=timeout, arg_names=ex.arg_names)
        outcome.aliases = probe.take()  # outputs that are inputs (see dlfund.grading.aliasing)
        return outcome

    result = CheckResult(grade(ex, runner, seeds=seeds))
    if record and result.status != "not_implemented":
        from .progress import record_notice

        result.record_notice = record_notice(ex, result)
    if show:
        ip = _ipython()
        if ip is not None:
            _display_bundle(result)
            result._shown_in = getattr(ip, "execution_count", None)
        else:
            print(result.report())
    if strict and not result.ok:
        raise GradingError(result.report())
    return result
