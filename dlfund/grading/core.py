"""Exercises, cases and known mistakes, shared by `check` and batch grading.

An `Exercise` knows the learner's function name, the reference (a `dlfund` function, imported,
never re-implemented here), how to build its cases (fixed edge cases plus seeded random ones),
how to judge the outcomes of a case, and a catalogue of `Mistake`s: small wrong implementations
with a hint code and a hint. When a learner's answers agree with a catalogued mistake on every
case, the report names that mistake.

The one grading loop, `grade(exercise, runner)`, is in `loop.py`. Expected answers are computed
here, in the grading process, and never leave it.
"""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .aliasing import AliasProbe, internal_aliases
from .compare import Problem, close, compare, describe, fmt_index
from .sandbox import Outcome, Seed, materialize

DEFAULT_SEEDS = (0, 1, 2)
#: kinds of problems after which a case's behaviour is worth diagnosing
DIAGNOSABLE = ("values", "nonfinite", "shape", "structure")


_MISSING = object()


@dataclass
class Mistake:
    """A known wrong implementation: `fn` has the learner's signature."""

    code: str
    hint: str
    fn: Callable


@dataclass
class Case:
    """One set of inputs (plus optional extra calls for property checks)."""

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)  # named sizes (m, n, ...) for "off by a factor" hints
    extra_calls: list = field(default_factory=list)  # [(args, kwargs)] for property checks
    numeric: Callable = None  # (args, kwargs) -> numerical gradient, same structure as the output
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # expected answers, computed once

    @property
    def calls(self):
        return [(self.args, self.kwargs)] + list(self.extra_calls)


@dataclass
class CaseResult:
    label: str
    inputs: str
    passed: bool
    problems: list
    outcome: Outcome = None


class FeatureSignature:
    """Mixin for exercises whose mistakes are fingerprinted by features of the answer,
    `features(case, outcomes)`, instead of its values (random answers, or answers judged by
    properties); a call that failed is fingerprinted by how it failed."""

    def signature(self, case, outcomes):
        o = outcomes[0]
        if o.kind != "ok":
            return (o.kind, o.exc_type)
        return ("ok", self.features(case, outcomes))


class Exercise:
    """Base class: a deterministic exercise judged against the reference output.

    Subclasses (or keyword arguments) provide `make_cases(seeds)`, and may override `judge`,
    `signature` and `same_signature` (random functions are judged by properties and statistics).
    """

    kind = "deterministic"

    def __init__(
        self,
        name,
        chapter,
        func_name,
        title,
        reference,
        arg_names,
        make_cases,
        mistakes=(),
        output_names=None,
        rtol=1e-6,
        atol=1e-9,
        gradient=False,
        view=None,
        section="",
        strict_warnings=(),
        warning_hint="",
        diagnose=None,
        cache_check=None,
        fresh_outputs=False,
    ):
        self.name = name
        self.chapter = chapter
        self.func_name = func_name
        self.title = title
        self.reference = reference
        self.arg_names = list(arg_names)
        self._make_cases = make_cases
        self.mistakes = list(mistakes)
        self.output_names = output_names
        self.rtol, self.atol = rtol, atol
        self.gradient = gradient
        self.view = view  # optional projection of the output before comparing (e.g. drop a cache)
        self.section = section
        #: substrings of NumPy warnings that fail a case (e.g. "overflow" for a stable sigmoid)
        self.strict_warnings = tuple(strict_warnings)
        self.warning_hint = warning_hint
        #: diagnose(exercise, case, outcomes) -> [Problem]: what the wrong answer's behaviour points to
        self.diagnose = diagnose
        #: cache_check(case, outcomes) -> [Problem]: the cache of a forward pass works with the backward pass
        self.cache_check = cache_check
        #: outputs must be new arrays: returning an input array itself fails (otherwise it is a note)
        self.fresh_outputs = fresh_outputs

    def __repr__(self):
        return f"<Exercise {self.name} (chapter {self.chapter}): {self.func_name}>"

    # -- cases and expected answers ---------------------------------------------------------
    def make_cases(self, seeds=DEFAULT_SEEDS):
        return self._make_cases(tuple(seeds))

    def expected(self, case):
        cached = case.memo.get("expected", _MISSING)
        if cached is _MISSING:
            cached = case.memo["expected"] = self.reference(*materialize(case.args), **materialize(case.kwargs))
        return cached

    def mistake_for(self, code):
        for m in self.mistakes:
            if m.code == code:
                return m
        raise KeyError(code)

    # -- judging ------------------------------------------------------------------------------
    def _view(self, value):
        return self.view(value) if self.view is not None else value

    def structure_problems(self, expected, received):
        """With a view (e.g. compare only Z of (Z, cache)): the outer tuple must still have the right length."""
        if self.view is None or not isinstance(expected, tuple):
            return []
        if isinstance(received, (tuple, list)) and len(received) == len(expected):
            return []
        return [p for p in compare(expected, received, "output", names=self.output_names) if p.kind == "structure"][:1]

    def judge(self, case, outcomes):
        out = outcomes[0]
        expected = self.expected(case)
        problems = self.structure_problems(expected, out.value)
        if problems:
            return problems
        names = self.output_names if self.view is None else None
        problems = compare(
            self._view(expected), self._view(out.value), "output", self.rtol, self.atol, case.context, names=names
        )
        if self.gradient and case.numeric is not None and any(p.kind == "values" for p in problems):
            problems += self.gradcheck(case, out.value)
        return problems

    def gradcheck(self, case, received):
        """Entries of the learner's gradient that disagree with centred differences of the loss.

        Points where the function has a kink (the reference itself disagrees with the numerical
        estimate there, e.g. ReLU at 0) are left out.
        """
        numeric = case.numeric(materialize(case.args), materialize(case.kwargs))
        lines = []
        items = _flatten(numeric, self.output_names, self._view(received))
        refs = {label: ref for label, _, ref in _flatten(numeric, self.output_names, self._view(self.expected(case)))}
        for label, num, rec in items:
            num = np.asarray(num, dtype=np.float64)
            ref = np.asarray(refs.get(label, num), dtype=np.float64)
            try:
                rec = np.asarray(rec, dtype=np.float64)
            except (TypeError, ValueError):
                continue
            if rec.shape != num.shape:
                continue
            smooth = np.isclose(ref, num, rtol=1e-4, atol=1e-7) if ref.shape == num.shape else np.ones(num.shape, bool)
            bad = smooth & ~np.isclose(rec, num, rtol=1e-4, atol=1e-7)
            count = int(bad.sum())
            if count == 0:
                continue
            if count == int(smooth.sum()):
                lines.append(f"{label}: all {count} entries disagree with it")
                continue
            idx = [tuple(int(i) for i in ix) for ix in np.argwhere(bad)[:3]]
            shown = ", ".join(f"{label}{fmt_index(i)}" for i in idx)
            lines.append(
                f"{label}: {count} of {num.size} entries disagree with it "
                f"({shown}{', ...' if count > len(idx) else ''})"
            )
        if not lines:
            return []
        more = f"; and {len(lines) - 3} more" if len(lines) > 3 else ""
        return [
            Problem(
                "gradcheck",
                "compared with the numerical gradient (centred differences): " + "; ".join(lines[:3]) + more,
            )
        ]

    def extra_problems(self, case, outcomes):
        """What a value comparison cannot see: shared arrays, failing warnings, an unusable cache."""
        problems = self.alias_problems(case, outcomes) + self.warning_problems(case, outcomes)
        if self.cache_check is not None and outcomes[0].kind == "ok":
            try:
                problems += self.cache_check(case, outcomes)
            except Exception as exc:  # noqa: BLE001 - odd learner output
                problems.append(
                    Problem(
                        "cache",
                        f"the cache you return cannot be used by the backward pass ({type(exc).__name__})",
                        "CACHE",
                        "",
                    )
                )
        return problems

    def _reference_aliases(self, args, kwargs):
        probe = AliasProbe(self.reference, self.arg_names, self.output_names)
        value = probe(*materialize(args), **materialize(kwargs))
        return internal_aliases(value, self.output_names), probe.take() or set()

    def alias_problems(self, case, outcomes):
        problems = []
        for (args, kwargs), o in zip(case.calls, outcomes):
            if o.kind != "ok" or o.value is None:
                continue
            internal = internal_aliases(o.value, self.output_names)
            inputs = set(getattr(o, "aliases", None) or ())
            if not internal and not inputs:
                continue
            ref_internal, ref_inputs = self._reference_aliases(args, kwargs)
            for a, b in sorted(internal - ref_internal)[:2]:
                problems.append(
                    Problem(
                        "aliasing",
                        f"{a} and {b} are the same array (they share memory): an "
                        "in-place update of one changes the other",
                        "SHARED_ARRAYS",
                        "create every array separately (np.zeros_like for each one); `b = a` or "
                        "storing one array under two names does not copy",
                    )
                )
            for out_path, in_name in sorted(inputs - ref_inputs)[:1]:
                msg = (
                    f"{out_path} is the input {in_name} itself (it shares its memory), so changing one "
                    "changes the other"
                )
                hint = "return a new array: A.copy(), or the result of a computation"
                problems.append(Problem("aliasing" if self.fresh_outputs else "note", msg, "RETURNS_INPUT", hint))
        return problems

    def warning_problems(self, case, outcomes):
        if not self.strict_warnings:
            return []
        for o in outcomes:
            hit = [w for w in (o.warnings or []) if any(s in w for s in self.strict_warnings)]
            if hit:
                return [
                    Problem(
                        "numerics",
                        f"NumPy warned while your function ran: {hit[0]}",
                        "NUMERIC_WARNING",
                        self.warning_hint,
                    )
                ]
        return []

    def diagnosis(self, case, outcomes, problems):
        """Problems of kind 'diagnosis' that name what the wrong answer's behaviour points to."""
        if self.diagnose is None or outcomes[0].kind != "ok" or not any(p.kind in DIAGNOSABLE for p in problems):
            return []
        try:
            found = self.diagnose(self, case, outcomes) or []
        except Exception:  # noqa: BLE001 - a diagnosis is a bonus; odd output must not break the report
            return []
        return list(found)[:2]

    # -- fingerprints of known mistakes -------------------------------------------------------
    def signature(self, case, outcomes):
        cache = self._cache_key(case, outcomes)
        return [
            (
                o.kind,
                o.exc_type if o.kind == "exception" else "",
                o.value if o.kind == "ok" else None,
                tuple(o.mutated),
                (_alias_key(o, self.output_names), self._warned(o), cache if n == 0 else ()),
            )
            for n, o in enumerate(outcomes)
        ]

    def _cache_key(self, case, outcomes):
        if self.cache_check is None or outcomes[0].kind != "ok":
            return ()
        try:
            return tuple(p.message for p in self.cache_check(case, outcomes))
        except Exception as exc:  # noqa: BLE001
            return (type(exc).__name__,)

    def _warned(self, outcome):
        return any(s in w for w in (outcome.warnings or []) for s in self.strict_warnings)

    def same_signature(self, a, b):
        for (ka, ea, va, ma, sa), (kb, eb, vb, mb, sb) in zip(a, b):
            if ka != kb or ea != eb or ma != mb or sa != sb:
                return False
            if ka == "ok":
                try:
                    if not close(self._view(va), self._view(vb), rtol=max(self.rtol, 1e-6) * 10, atol=self.atol * 10):
                        return False
                except Exception:  # noqa: BLE001 - odd learner output
                    return False
        return True


def _alias_key(outcome, names):
    if outcome.kind != "ok":
        return ()
    try:
        return tuple(sorted(internal_aliases(outcome.value, names)))
    except Exception:  # noqa: BLE001
        return ()


def _flatten(numeric, names, received):
    """Pair up numerical-gradient arrays with the learner's arrays: [(label, numeric, received)]."""
    if isinstance(numeric, dict):
        if not isinstance(received, dict):
            return []
        return [(k, numeric[k], received[k]) for k in numeric if k in received]
    if isinstance(numeric, (tuple, list)):
        if not isinstance(received, (tuple, list)) or len(received) != len(numeric):
            return []
        return [
            (names[i] if names else f"output[{i}]", n, r)
            for i, (n, r) in enumerate(zip(numeric, received))
            if n is not None
        ]
    return [("output", numeric, received)]


def describe_inputs(ex, case):
    """Compact one-line summary of a case's inputs: shapes, a few values of small arrays, dicts
    with the same layout named once ("parameters, grads {W1 (3, 4), b1 (4,)}"), keyword values
    that the case label already shows left out."""
    named = [(ex.arg_names[i] if i < len(ex.arg_names) else f"arg{i}", a) for i, a in enumerate(case.args)]
    named += [(k, v) for k, v in case.kwargs.items() if not _in_label(k, v, case.label)]
    parts, groups = [], {}
    for name, a in named:
        if isinstance(a, dict) and a:
            key = _layout(a)
            if key in groups:
                groups[key][0].append(name)
                continue
            groups[key] = ([name], len(parts))
        parts.append((name, a))
    out = []
    for name, a in parts:
        if isinstance(a, dict) and a and _layout(a) in groups:
            names = groups[_layout(a)][0]
            out.append(f"{', '.join(names)} {_describe_dict(a)}")
        else:
            out.append(_describe_arg(name, a))
    text = ", ".join(out)
    return text if len(text) <= 180 else text[:177] + "..."


def _in_label(name, value, label):
    return isinstance(value, (int, float)) and f"{name}=" in label or (name == "learning_rate" and "lr=" in label)


def _layout(d):
    return tuple((str(k).lstrip("d"), getattr(v, "shape", type(v).__name__)) for k, v in d.items())


def _few(a, n=3):
    flat = a.ravel()
    vals = ", ".join(f"{float(x):.3g}" for x in flat[:n])
    return f" [{vals}{', ...' if flat.size > n else ''}]"


def _describe_dict(d):
    """{W1 (3, 4), b1 (4,)}; keys with one shape grouped: {x_t (2, 3); h_prev, c_prev (2, 4)}."""
    by_shape, order = {}, []
    for k, v in d.items():
        if isinstance(v, np.ndarray):
            if v.shape not in by_shape:
                by_shape[v.shape] = []
                order.append(("shape", v.shape))
            by_shape[v.shape].append(str(k))
        else:
            order.append(("other", k))
    items = []
    grouped = sum(len(v) > 1 for v in by_shape.values()) > 0 and len(d) > 4
    for kind, key in order:
        if kind == "shape":
            keys = by_shape[key]
            items += [f"{', '.join(keys)} {key}"] if grouped else [f"{k} {key}" for k in keys]
        else:
            v = d[key]
            items.append(f"{key} {_describe_dict(v)}" if isinstance(v, dict) else f"{key} {_short(v)}")
    sep = "; " if grouped else ", "
    return "{" + sep.join(items[:8]) + (", ..." if len(items) > 8 else "") + "}"


def _short(v):
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, np.ndarray):
        return str(v.shape)
    if isinstance(v, dict):
        return "{" + ", ".join(str(k) for k in list(v)[:6]) + "}"
    return describe(v)


def _describe_arg(name, a):
    if isinstance(a, np.ndarray):
        few = _few(a) if a.size <= 64 else ""
        return f"{name} {a.shape}" + ("" if a.dtype == np.float64 else f" {a.dtype}") + few
    if isinstance(a, Seed):
        return f"{name}=rng(seed={a.seed})"
    if isinstance(a, dict):
        return f"{name} {_describe_dict(a)}"
    if isinstance(a, (tuple, list)):
        return f"{name} ({', '.join(_short(x) for x in a[:4])}{', ...' if len(a) > 4 else ''})"
    if isinstance(a, float):
        return f"{name}={a:.4g}"
    return f"{name}={a!r}"


# -- the grading loop -----------------------------------------------------------------------------
