"""Run the code that backs an answer's numbers, and compare it with what the answer states.

A question's ``check`` is a short Python snippet that assigns ``result``; the expected
value is ``check["expect"]`` (or the question's ``value`` for numeric questions). Numbers
are compared with ``rtol``/``atol`` (defaults 1e-9 and 1e-12), lists element-wise, other
values exactly. :func:`stated_numbers` ties the expectation to the prose: every number in
``expect`` must also appear in the answer text (or in the correct choice), so an edited
answer cannot drift away from its check.
"""

import math
import re
import time
from dataclasses import dataclass, field

from .schema import code_text

DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 1e-12


@dataclass
class CheckOutcome:
    id: str
    ok: bool
    result: object = None
    expect: object = None
    message: str = ""
    seconds: float = 0.0


@dataclass
class CheckReport:
    outcomes: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # ids not run (a needed package is missing)

    @property
    def failures(self):
        return [o for o in self.outcomes if not o.ok]

    @property
    def passed(self):
        return [o for o in self.outcomes if o.ok]

    def summary(self):
        text = f"{len(self.outcomes)} answers checked by code: {len(self.passed)} pass, {len(self.failures)} fail"
        if self.skipped:
            text += f"; {len(self.skipped)} more need PyTorch and run in the test suite"
        return text


def _plain(x):
    """Convert numpy / torch scalars and arrays and tuples to Python numbers and lists."""
    if hasattr(x, "tolist") and not isinstance(x, (list, tuple, str)):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def compare(result, expect, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, path="result"):
    """Return '' if `result` matches `expect`, else a message naming the first difference."""
    result, expect = _plain(result), _plain(expect)
    if isinstance(expect, bool) or isinstance(result, bool):
        return "" if result is expect else f"{path}: expected {expect!r}, got {result!r}"
    if isinstance(expect, (int, float)):
        if not isinstance(result, (int, float)):
            return f"{path}: expected the number {expect!r}, got {result!r}"
        if math.isnan(result) or not math.isclose(result, expect, rel_tol=rtol, abs_tol=atol):
            return f"{path}: expected {expect!r}, got {result!r} (rtol={rtol}, atol={atol})"
        return ""
    if isinstance(expect, list):
        if not isinstance(result, list) or len(result) != len(expect):
            return f"{path}: expected a list of length {len(expect)}, got {result!r}"
        for i, (r, e) in enumerate(zip(result, expect)):
            msg = compare(r, e, rtol, atol, f"{path}[{i}]")
            if msg:
                return msg
        return ""
    if isinstance(expect, dict):
        if not isinstance(result, dict) or set(result) != set(expect):
            return f"{path}: expected keys {sorted(expect)}, got {result!r}"
        for k in expect:
            msg = compare(result[k], expect[k], rtol, atol, f"{path}[{k!r}]")
            if msg:
                return msg
        return ""
    return "" if result == expect else f"{path}: expected {expect!r}, got {result!r}"


def expected_value(q):
    check = q["check"]
    return check["expect"] if "expect" in check else q["value"]


def run_solution(q, source=None):
    """Run a coding answer through its exercise's grader: a CheckResult (``.ok``, ``.passed``/``.total``).

    source: code defining the function (default: the question's model ``solution``). Raises
    ValueError when the code does not run or does not define the function.
    """
    from dlfund.grading import check, get_exercise

    ex = get_exercise(q["exercise"])
    source = code_text(q["solution"]) if source is None else source
    namespace = {"__name__": f"dlfund_solution_{q['id'].replace('-', '_')}"}
    try:
        exec(compile(source, f"<solution {q['id']}>", "exec"), namespace)
    except Exception as exc:
        raise ValueError(f"the code did not run: {type(exc).__name__}: {exc}") from None
    fn = namespace.get(ex.func_name)
    if not callable(fn):
        raise ValueError(f"the code must define a function {ex.func_name}(...)")
    return check(ex.name, fn, record=False, show=False)


def _run_exercise(q):
    start = time.perf_counter()
    try:
        graded = run_solution(q)
    except ValueError as exc:
        return CheckOutcome(q["id"], False, None, "passed", str(exc), time.perf_counter() - start)
    message = "" if graded.ok else f"the model solution fails the grader ({graded.passed}/{graded.total} cases)"
    return CheckOutcome(q["id"], graded.ok, graded.status, "passed", message, time.perf_counter() - start)


def run_check(q):
    """Execute one question's check in a fresh namespace and compare with the expectation.

    A coding question (``exercise``) is checked by running its model solution through the grader.
    """
    if "exercise" in q:
        return _run_exercise(q)
    check = q["check"]
    rtol, atol = check.get("rtol", DEFAULT_RTOL), check.get("atol", DEFAULT_ATOL)
    expect = expected_value(q)
    namespace = {"__name__": f"dlfund_check_{q['id'].replace('-', '_')}"}
    start = time.perf_counter()
    try:
        exec(compile(code_text(check["code"]), f"<check {q['id']}>", "exec"), namespace)
    except Exception as exc:  # report, never crash the caller
        return CheckOutcome(
            q["id"], False, None, expect, f"check code raised {type(exc).__name__}: {exc}", time.perf_counter() - start
        )
    seconds = time.perf_counter() - start
    if "result" not in namespace:
        return CheckOutcome(q["id"], False, None, expect, "check code did not assign 'result'", seconds)
    result = namespace["result"]
    message = compare(result, expect, rtol, atol)
    if not message and q["kind"] == "numeric" and "expect" in check:
        # an explicit expect on a numeric question must agree with the graded value
        message = compare(result, q["value"], rtol, max(atol, q["tolerance"]), "result vs value")
    return CheckOutcome(q["id"], not message, _plain(result), _plain(expect), message, seconds)


def needs_torch(q):
    return "check" in q and re.search(r"^\s*(import|from)\s+torch\b", code_text(q["check"]["code"]), re.M) is not None


def verify_bank(questions, skip_torch_if_missing=True):
    """Run every check in `questions`; checks that need PyTorch are skipped only if it is absent."""
    have_torch = True
    if skip_torch_if_missing:
        try:
            import torch  # noqa: F401
        except ImportError:
            have_torch = False
    report = CheckReport()
    for q in questions:
        if "check" not in q and "exercise" not in q:
            continue
        if not have_torch and needs_torch(q):
            report.skipped.append(q["id"])
            continue
        report.outcomes.append(run_check(q))
    return report


# --- numbers stated in prose --------------------------------------------------------------

_SCI_TEX = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:\\times|×|\\cdot)\s*10\^\{?([-−]?\d+)\}?")
_POW10 = re.compile(r"(?<![\d.\\])10\^\{?([-−]?\d+)\}?")
_NUMBER = re.compile(r"(?<![\w.])([-−]?)(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|\.\d+)(?:[eE]([-+−]?\d+))?")


def stated_numbers(text):
    """All numbers written in `text`: 0.25, -3, 1,024, 7.9e-31, 7.9 \\times 10^{-31}, 10^{-3}."""
    text = text.replace("−", "-").replace("{,}", ",")
    found = []
    for mant, exp in _SCI_TEX.findall(text):
        found.append(float(mant) * 10.0 ** int(exp))
    text2 = _SCI_TEX.sub(" ", text)
    for exp in _POW10.findall(text2):
        found.append(10.0 ** int(exp))
    text3 = _POW10.sub(" ", text2)
    for sign, digits, exp in _NUMBER.findall(text3):
        x = float(digits.replace(",", ""))
        if exp:
            x *= 10.0 ** int(exp)
        found.append(-x if sign == "-" else x)
        if sign == "-":  # "1-0.9" is a difference, not a negative number: keep both readings
            found.append(x)
    return found


def _flat_numbers(x):
    x = _plain(x)
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return []
    if isinstance(x, (int, float)):
        return [x]
    if isinstance(x, dict):
        x = list(x.values())
    return [n for v in x for n in _flat_numbers(v)]


def answer_text(q):
    """Answer prose plus, for choice questions, the text of the correct choice."""
    text = q["answer"]
    if q["kind"] == "choice":
        text += "\n" + q["choices"][q["correct"]]
    return text


def unstated_expectations(q):
    """Numbers in the check's expectation that the answer text does not state (should be [])."""
    if "check" not in q or "expect" not in q["check"]:
        return []
    rtol = max(q["check"].get("rtol", DEFAULT_RTOL), 1e-12)
    atol = q["check"].get("atol", DEFAULT_ATOL)
    stated = stated_numbers(answer_text(q))
    return [
        x
        for x in _flat_numbers(q["check"]["expect"])
        if not any(math.isclose(x, s, rel_tol=rtol, abs_tol=atol) for s in stated)
    ]
