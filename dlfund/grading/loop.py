"""The grading loop shared by `check` and batch grading: `grade(exercise, runner)`.

`runner(args, kwargs) -> Outcome` runs the learner's function: in the notebook a protected
in-process call, in batch grading a lookup of outcomes that a sandboxed child process sent back.
Each case's outcomes are judged (exceptions, timeouts, None, then the answer itself), the first
failing cases are diagnosed, and a failing function is matched against the exercise's catalogue
of known mistakes.
"""

import functools
from dataclasses import dataclass, field
from typing import Any

from .compare import Problem, describe
from .core import DEFAULT_SEEDS, CaseResult, describe_inputs
from .sandbox import Outcome, protected_call

#: problems reported as notes that do not fail a case
ADVISORY = ("note",)
#: failing cases whose behaviour is diagnosed (the report details the first two)
MAX_DIAGNOSED = 2


@dataclass
class GradeOutcome:
    """Everything `grade` found: per-case results and the catalogued mistakes that match."""

    exercise: Any
    cases: list
    status: str  # passed | failed | not_implemented | timeout
    mistakes: list = field(default_factory=list)
    printed_chars: int = 0
    stdout: str = ""
    notes: list = field(default_factory=list)

    @property
    def passed(self):
        return sum(c.passed for c in self.cases)

    @property
    def total(self):
        return len(self.cases)


def outcome_problems(ex, outcome):
    """Problems that end the judging of a case early: stub, None, exception, timeout."""
    if outcome.kind == "not_implemented":
        inner = outcome.frames[-1][2] if outcome.frames else ex.func_name
        if inner not in (ex.func_name, "<module>", "<lambda>"):
            return [
                Problem(
                    "not_implemented",
                    f"{ex.func_name} calls {inner}, which is not implemented yet",
                    "NOT_IMPLEMENTED",
                    f"write {inner} first (and check it), then come back",
                )
            ]
        return [
            Problem(
                "not_implemented",
                f"{ex.func_name} is not implemented yet (it raises NotImplementedError)",
                "NOT_IMPLEMENTED",
                "replace the `raise NotImplementedError` line with your code",
            )
        ]
    if outcome.kind == "timeout":
        return [
            Problem(
                "timeout",
                f"{ex.func_name} did not return within the time limit",
                "TIMEOUT",
                "look for a loop whose condition never becomes false, or a loop over huge ranges",
            )
        ]
    if outcome.kind == "skipped":
        return [Problem("timeout", "skipped after an earlier call timed out", "TIMEOUT", "")]
    if outcome.kind == "exception":
        where = ""
        if outcome.frames:
            fname, line, func, text = outcome.frames[-1]
            where = f" — in {func}, line {line}: {text}" if text else f" — in {func}, line {line}"
        hint = ""
        if outcome.exc_type == "SystemExit":
            hint = "do not call sys.exit() or exit() in a function: return a value instead"
        elif outcome.exc_type == "KeyError":
            hint = "gradient keys are 'd' + parameter key: grads['dW1'] belongs to parameters['W1']"
        elif outcome.exc_type == "ZeroDivisionError":
            hint = (
                "in this case the number you divide by is 0 (a norm, a variance or a count): divide only when "
                "it is positive, e.g. scale only when norm > max_norm"
            )
        elif outcome.exc_type == "ValueError" and "truth value of an array" in outcome.exc_message:
            hint = (
                "Python's max, min, `if` and `and` need one True/False, not a whole array: compare element by "
                "element with np.maximum, np.minimum, np.where or a boolean mask"
            )
        elif outcome.exc_type == "ValueError" and "matmul" in outcome.exc_message:
            hint = (
                "A @ B needs A's last axis as long as B's first: with samples as rows Z = A_prev @ W, W is "
                "(n_in, n_out), and a gradient goes back through W.T; look for a missing or stray transpose "
                "(.T) or two swapped matrices on that line"
            )
        elif outcome.exc_type == "ValueError" and "broadcast" in outcome.exc_message:
            hint = "print the shapes of the operands on that line; samples are rows, W is (n_in, n_out)"
        return [
            Problem(
                "exception",
                f"{outcome.exc_type}: {outcome.exc_message}{where}",
                "EXCEPTION",
                hint,
                {"frames": outcome.frames},
            )
        ]
    if outcome.kind == "ok" and outcome.value is None:
        return [
            Problem(
                "returned_none",
                f"{ex.func_name} returned None — did you forget to return?",
                "RETURNED_NONE",
                "the last line of the function should be `return ...`",
            )
        ]
    return []


def inplace_problem(ex, outcome):
    if outcome.mutated:
        return [
            Problem(
                "inplace",
                f"your function modified its input(s) {', '.join(outcome.mutated)} in place",
                "INPLACE",
                "work on new arrays (x = x - lr * dx, not x -= lr * dx; copy dicts and arrays "
                "before changing them): callers keep using their inputs",
            )
        ]
    return []


@functools.lru_cache(maxsize=4096)
def _mistake_signatures(ex_name, code, seeds, timeout):
    from .registry import get_exercise

    ex = get_exercise(ex_name)
    m = ex.mistake_for(code)
    sigs = []
    for case in ex.make_cases(seeds):
        outs = [protected_call(m.fn, a, k, timeout=timeout, arg_names=ex.arg_names) for a, k in case.calls]
        sigs.append(ex.signature(case, outs))
    return sigs


def matching_mistakes(ex, cases, learner_outcomes, seeds, timeout=5.0):
    """Catalogued mistakes whose behaviour agrees with the learner's on every case."""
    learner_sigs = [ex.signature(c, outs) for c, outs in zip(cases, learner_outcomes)]
    found = []
    for m in ex.mistakes:
        sigs = _mistake_signatures(ex.name, m.code, tuple(seeds), timeout)
        if len(sigs) == len(learner_sigs) and all(ex.same_signature(a, b) for a, b in zip(learner_sigs, sigs)):
            found.append(m)
    return found


class _Calls:
    """Runs a case's calls through `runner`, totals what they printed; after a timeout every later call is skipped."""

    def __init__(self, runner):
        self.runner, self.printed, self.stdout, self.timed_out = runner, 0, "", False

    def run(self, case):
        outs = []
        for args, kwargs in case.calls:
            if self.timed_out:
                outs.append(Outcome(kind="skipped"))
                continue
            o = self.runner(args, kwargs)
            outs.append(o)
            self.printed += o.printed_chars
            if o.stdout and not self.stdout:
                self.stdout = o.stdout
            if o.kind == "timeout":
                self.timed_out = True
        return outs


def _call_problems(ex, outs):
    """The problems of the first call that did not return normally (exception, timeout, None), else []."""
    for o in outs:
        problems = outcome_problems(ex, o)
        if problems:
            return problems
    return []


def _answer_problems(ex, case, outs):
    """Problems of a case whose calls all returned: the comparison, an input changed in place, extra checks."""
    try:
        problems = ex.judge(case, outs)
    except Exception:  # noqa: BLE001 - malformed learner output must not crash the grader
        problems = [
            Problem(
                "type",
                f"your answer does not have the expected form: received {describe(outs[0].value)}",
                "TYPE",
                "return what the docstring describes (see the expected output above)",
            )
        ]
    problems += [p for o in outs for p in inplace_problem(ex, o)][:1]
    try:
        problems += ex.extra_problems(case, outs)
    except Exception:  # noqa: BLE001 - odd output: the value comparison has said what it can
        pass
    return problems


def _warning_notes(case, outs):
    """A note per call that made NumPy warn (its first warning), for a case that passed."""
    return [
        Problem(
            "note",
            f"NumPy warned while your function ran: {w} (case {case.label!r}); the results are right, but check why",
            "WARNING",
            details={"key": w},
        )
        for o in outs
        for w in (o.warnings or [])[:1]
    ]


def _without_advisory(problems, notes, seen):
    """The failing problems; advisory ones go to `notes` once each (by key) instead."""
    for p in problems:
        key = p.details.get("key", p.message)
        if p.kind in ADVISORY and key not in seen:
            seen.add(key)
            notes.append(p.message + (f" ({p.hint})" if p.hint else ""))
    return [p for p in problems if p.kind not in ADVISORY]


def _status(results, timed_out):
    if results and results[0].problems and results[0].problems[0].kind == "not_implemented":
        return "not_implemented"
    if timed_out:
        return "timeout"
    return "passed" if all(r.passed for r in results) else "failed"


def grade(ex, runner, seeds=DEFAULT_SEEDS, fingerprint=True, mistake_timeout=5.0):
    """Run every case of `ex` through `runner(args, kwargs) -> Outcome` and judge the results.

    Only the first MAX_DIAGNOSED failing cases get a diagnosis; advisory problems become notes."""
    seeds = tuple(seeds)
    cases = ex.make_cases(seeds)
    calls = _Calls(runner)
    results, all_outcomes, advisory_notes, seen_notes, diagnosed = [], [], [], set(), 0
    for case in cases:
        outs = calls.run(case)
        all_outcomes.append(outs)
        problems = _call_problems(ex, outs)
        if not problems:
            problems = _answer_problems(ex, case, outs)
            if diagnosed < MAX_DIAGNOSED:  # reports detail the first failing cases only
                found_here = ex.diagnosis(case, outs, problems)
                diagnosed += any(p.kind not in ADVISORY for p in problems)
                problems += found_here
            if all(p.kind in ADVISORY for p in problems):
                problems += _warning_notes(case, outs)
        problems.sort(key=Problem.order)
        problems = _without_advisory(problems, advisory_notes, seen_notes)
        results.append(CaseResult(case.label, describe_inputs(ex, case), not problems, problems, outs[0]))
    status = _status(results, calls.timed_out)
    found = []
    if fingerprint and status in ("failed", "timeout"):
        found = matching_mistakes(ex, cases, all_outcomes, seeds, mistake_timeout)
    notes = advisory_notes[:3]
    if calls.printed > 0:
        notes.append(
            f"your function printed {calls.printed} characters while being checked"
            + (" (remove debugging prints in loops)" if calls.printed > 2000 else "")
        )
    return GradeOutcome(ex, results, status, found, calls.printed, calls.stdout, notes)
