"""Batch grading for teachers: `python -m dlfund grade SUBMISSIONS... --out DIR`.

Design (why a submission cannot cheat the checker or take the batch down):

* Every submission runs in its own child process (`_child.py`, started as a script with
  `python -I -S`), in a temporary working directory that holds only a copy of the notebook, with
  HOME pointing there. With bubblewrap installed the child runs in a sandbox (`isolation.py`): the
  system read-only, only its own copy writable, a private /tmp, no network, its own PID namespace,
  an unprivileged user and a process limit. Without it the grader falls back to a plain process
  and says so loudly (CLI output and every feedback file). The child gets resource limits before
  it starts: CPU seconds (RLIMIT_CPU), address space (RLIMIT_AS), file size (RLIMIT_FSIZE); the
  parent adds a wall-clock limit and then kills every process the submission started.
* Submissions are graded by worker processes (`supervisor.py`), each in a session of its own and
  busy with one submission at a time: a worker that dies costs only the submission in hand
  ("stopped its grader") and is replaced; no pool is shared whose death would break the others.
  Results travel back as JSON through pipes and are written (atomically) only at the end, never
  read back from any place a submission could write.
* The child executes the notebook's code cells (each with a time limit, errors and `sys.exit`
  recorded, output discarded beyond a bound), then calls each exercise function on inputs the
  parent chose and streams back only the *answers* (JSON; arrays as .npy bytes, no pickle).
* The child never sees an expected answer and cannot import the reference implementations: its
  `dlfund` is a stub (an import hook), except for helper modules a chapter explicitly allows
  (e.g. `dlfund.activations` in chapter 3). Comparisons, fingerprints and scores are computed
  here, in the parent, which the submission's code never runs in. Nothing a submission does
  can patch the checker; at worst it corrupts its own answers.
* Delegation to the course's own code is caught three ways: a static scan of the code cells
  for `import dlfund...`/`from dlfund...` (other than `dlfund.grading` and the allowed helpers)
  and of which graded functions use those names; the import hook, which records any attempt
  to load a reference module during a call; and the identity of the graded objects (a function
  not defined in the notebook but taken from `dlfund`).
* Limits of the design: the sandbox relies on the kernel's namespaces, as container tools do;
  without it (the "process" fallback) a submission can read and write what the grading user can,
  and signal the grader. Verdicts about such attempts ("wrote outside its folder", "tried to stop
  its grader") come from an audit hook in the child: they report what was seen, the sandbox is
  what prevents it.

Outputs in DIR: `scores.csv` and `scores.json` (per exercise and total, one row per
submission) and `feedback/<submission>.txt` with the same report a learner sees from `check`.
"""

import argparse
import math
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from . import _child, _procs, isolation, supervisor
from .core import DEFAULT_SEEDS
from .loop import grade
from .outputs import write_outputs
from .registry import chapters
from .report import text_report
from .result import GradedSubmission, verdict_of
from .runner import PKG, SetupError, prepare, run_child
from .sandbox import Outcome, Seed
from .scan import ALLOWED_HELPERS, detect_chapter, read_notebook, static_scan
from .verdicts import run_verdicts

#: internal modules the allowed helpers need
HELPER_DEPS = ["_validate"]
#: below this address-space limit (MB) the child cannot even import NumPy
MIN_MEMORY_MB = 256
#: every module a run's kit may have to provide
HELPERS = sorted({m for ms in ALLOWED_HELPERS.values() for m in ms} | set(HELPER_DEPS))

DEFAULTS = dict(
    call_timeout=5.0,
    cell_timeout=20.0,
    wall_timeout=120.0,
    cpu_seconds=60,
    memory_mb=1536,
    max_file_mb=64,
    max_result_mb=64,
    max_notebook_mb=20,
    max_processes=32,
    isolation="auto",
)


# ---------------------------------------------------------------------------------------------
# grading one submission


def _outcome_from(msg):
    o = msg or {"kind": "missing"}
    kind = o.get("kind", "missing")
    return Outcome(
        kind=kind if kind != "missing" else "exception",
        value=_child.decode(o.get("value")) if kind == "ok" else None,
        exc_type=o.get("exc_type", "" if kind != "missing" else "NotRun"),
        exc_message=o.get(
            "exc_message", "" if kind != "missing" else "the submission stopped before this call (see the verdict)"
        ),
        frames=[tuple(f) for f in o.get("frames", [])],
        mutated=list(o.get("mutated", [])),
        stdout=o.get("stdout", ""),
        printed_chars=int(o.get("printed_chars", 0)),
        seconds=float(o.get("seconds", 0.0)),
        blocked_imports=list(o.get("blocked_imports", [])),
        warnings=list(o.get("warnings", [])),
    )


def grade_submission(path, opts=None, chapter=None, seeds=DEFAULT_SEEDS, setup=None, index=0):
    """Grade one notebook; returns a JSON-able dict (`GradedSubmission.to_dict()`; never raises for a
    bad submission).

    `setup` (from `runner.prepare`) is shared by the submissions of a run; without it one is
    prepared for this call (SetupError if the settings make grading impossible)."""
    opts = {**DEFAULTS, **(opts or {})}
    if setup is None:
        with prepare(opts, HELPERS) as own:
            return grade_submission(path, opts, chapter, seeds, own, index)
    path = Path(path)
    cells, err = read_notebook(path, opts["max_notebook_mb"])
    if err:
        return GradedSubmission.refused(
            path, "invalid_notebook", err, f"{path.name}: {err}\nNothing could be graded."
        ).to_dict()
    ch = detect_chapter(cells, path, chapter)
    if ch is None:
        none = "none of the exercise functions is defined in this notebook"
        return GradedSubmission.refused(
            path, "no_exercises", none, f"{path.name}: {none}.", verdict="no exercises found"
        ).to_dict()
    exercises = chapters()[ch]
    result = GradedSubmission.for_path(path, chapter=ch, max=len(exercises))
    scan = static_scan(cells, ch)
    for idx, mod in scan["imports"]:
        result.add(None, f"cell {idx} imports {mod}, the course's reference code (not allowed in a submission)")
    if scan["mentions"]:
        result.add(None, f"cell(s) {scan['mentions']} mention 'dlfund' in a string (dynamic import?)")
    messages, info, deleted = _run(path, cells, _plan(exercises, seeds), _allowed_modules(ch), opts, setup, index)
    run_verdicts(result, messages, info, opts, setup.isolation.sandboxed, deleted)
    feedback = [f"Submission {path.name} — chapter {ch}"]
    answers = Answers(messages)
    for ex in exercises:
        result.exercises[ex.name], line = grade_exercise(ex, answers, scan, seeds, opts.get("partial"))
        feedback.append(line)
    if any(e["status"] == "delegated" for e in result.exercises.values()):
        result.flags.append("delegation")
    return result.finish(feedback).to_dict()


def _plan(exercises, seeds):
    """{function name: [call]}: every call of every exercise, each with its id and encoded inputs."""
    plan = {}
    for ex in exercises:
        calls = []
        for case in ex.make_cases(seeds):
            for args, kwargs in case.calls:
                calls.append(
                    {
                        "id": len(calls),
                        "args": _child.encode(args),
                        "kwargs": _child.encode(kwargs),
                        "arg_names": ex.arg_names,
                    }
                )
        plan[ex.func_name] = calls
    return plan


def _allowed_modules(chapter):
    """{helper module: its file in the run's kit} a chapter's notebook may import."""
    if chapter not in ALLOWED_HELPERS:
        return {}
    return {f"dlfund.{m}": f"{m}.py" for m in ALLOWED_HELPERS[chapter] + HELPER_DEPS if (PKG / f"{m}.py").exists()}


def _run(path, cells, plan, allowed, opts, setup, index):
    """Run the notebook in a fresh working folder; (messages, info, names of files it deleted there)."""
    workdir = setup.workdir()
    try:
        shutil.copy(path, workdir / "submission.ipynb")
        (workdir / "data.txt").write_text("a file the submission may read; deleting it is reported\n")
        before = {p.name for p in workdir.iterdir()}
        messages, info = run_child(cells, plan, allowed, workdir, opts, setup, index)
        after = {p.name for p in workdir.iterdir()} if workdir.exists() else set()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return messages, info, before - after


class Answers:
    """What the child reported: the functions it found, each call's outcome, the imports it blocked."""

    def __init__(self, messages):
        self.done = any(m.get("type") == "done" for m in messages)
        self.defined = next((m["functions"] for m in messages if m.get("type") == "defined"), {})
        self.outcomes = {(m["func"], m["id"]): m["outcome"] for m in messages if m.get("type") == "call"}
        self.blocked = next((m.get("blocked", []) for m in messages if m.get("type") == "done"), [])

    def kind(self, func_name):
        """ "function", "other", "missing", "not callable" or "not run" (the run stopped before it)."""
        info = self.defined.get(func_name, {"kind": "missing" if self.done else "not run"})
        if (
            info.get("kind") in ("function", "other")
            and not self.done
            and not any(name == func_name for name, _ in self.outcomes)
        ):
            return "not run"
        return info.get("kind")

    def delegated(self, func_name, scan):
        """True when the function is, uses or tried to import the course's reference code."""
        return (
            scan["uses_flagged"].get(func_name, False)
            or func_name in scan["flagged_names"]
            or self.defined.get(func_name, {}).get("module", "").startswith("dlfund")
            or any(b[1] == func_name for b in self.blocked)
        )

    def runner(self, func_name):
        """A runner for `loop.grade` that replays this function's outcomes in call order."""
        calls = iter(range(10**6))
        return lambda args, kwargs: _outcome_from(self.outcomes.get((func_name, next(calls))))


NOT_THERE = {
    "missing": "is not defined",
    "not callable": "is not a function",
    "not run": "was never reached (see the verdict)",
}


def grade_exercise(ex, answers, scan, seeds, partial):
    """(entry for GradedSubmission.exercises, feedback text) of one exercise."""
    entry = {"points": 0.0, "passed": 0, "total": 0, "status": "", "mistakes": []}
    kind, delegated = answers.kind(ex.func_name), answers.delegated(ex.func_name, scan)
    if kind in NOT_THERE:
        if delegated:
            entry["status"] = "delegated"
            return entry, (
                f"✗ {ex.name} ({ex.func_name}): imported from the course's reference code (dlfund) "
                "instead of written — 0 points"
            )
        entry["status"] = "missing"
        return entry, f"✗ {ex.name} ({ex.func_name}): {ex.func_name} {NOT_THERE[kind]}"
    g = grade(ex, answers.runner(ex.func_name), seeds=seeds)
    entry.update(passed=g.passed, total=g.total, status=g.status, mistakes=[m.code for m in g.mistakes])
    if delegated:
        entry["status"] = "delegated"
        return entry, (
            f"✗ {ex.name} ({ex.func_name}): uses the course's reference implementation "
            "(dlfund) instead of your own code — 0 points"
        )
    if g.status == "passed":
        entry["points"] = 1.0
    elif partial:
        entry["points"] = round(g.passed / g.total, 3) if g.total else 0.0
    return entry, text_report(g)


def _safe_grade(path, opts, chapter, setup, index):
    try:
        return grade_submission(path, opts, chapter, setup=setup, index=index)
    except Exception as exc:  # noqa: BLE001 - one submission must never stop the batch
        what = f"{type(exc).__name__}: {exc}"
        return GradedSubmission.refused(
            path,
            "grader_error",
            what,
            chapter=chapter,
            feedback=(f"The grader failed on this submission ({what}); please report it.\n"),
        ).to_dict()


def _lost(path, how, setup, opts, chapter):
    """The result for a submission whose worker died; no other submission is affected."""
    cells, err = read_notebook(path, opts["max_notebook_mb"])
    ch = None if err else detect_chapter(cells, path, chapter)
    n = len(chapters().get(ch, [])) if ch else 0
    if setup.isolation.sandboxed:
        flag, note = "grader_error", f"the process grading it {how}; please report it"
    else:
        flag = "grader_stopped"
        note = (
            f"the process grading it {how}: without a sandbox submitted code can do that "
            "(e.g. os.kill(os.getppid(), ...)); nothing could be graded"
        )
    verdict = verdict_of([flag])
    return GradedSubmission.refused(
        path, flag, note, chapter=ch, max=n, feedback=(f"Verdict: {verdict} — 0/{n} exercises\n  note: {note}\n")
    ).to_dict()


def collect(paths):
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        else:
            out.append(p)
    return out


def _warm_up():
    """Import here, once, what every worker needs (the workers are forks of this process)."""
    chapters()
    _child.decode(_child.encode((np.zeros(1), Seed(0))))


def grade_all(paths, out_dir, jobs=None, opts=None, chapter=None, progress=True, setup=None):
    """Grade every submission (in `jobs` worker processes, one submission each at a time), then
    write scores.csv, scores.json and feedback/ (atomically, at the end). Returns the results,
    sorted by path."""
    files = [str(f) for f in collect(paths)]
    opts = {**DEFAULTS, **(opts or {})}
    jobs = max(1, jobs or os.cpu_count() or 1)
    own = setup is None
    setup = setup or prepare(opts, HELPERS)
    bar = None
    try:
        try:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(files), desc="grading", unit="nb", disable=not progress)
        except ImportError:  # pragma: no cover
            pass

        _warm_up()

        def work(task):  # runs in a worker (forked from here)
            index, path = task
            setup.reaper = _procs.become_subreaper()
            return _safe_grade(path, opts, chapter, setup, index)

        def on_lost(index):  # what the dead worker's child may have left running
            _procs.kill_all(_procs.processes_marked(setup.mark(index)))

        results = supervisor.run(
            list(enumerate(files)),
            work,
            jobs,
            guard_s=2 * opts["wall_timeout"] + 120,
            lost=lambda task, how: _lost(task[1], how, setup, opts, chapter),
            on_lost=on_lost,
            on_done=lambda r: bar.update() if bar else None,
        )
    finally:
        if bar:
            bar.close()
        _procs.kill_all(_procs.processes_marked(setup.mark(""), prefix=True))
        if own:
            setup.close()
    warning = setup.isolation.warning()
    for r in results:
        r["isolation"] = setup.isolation.mode
        if warning:
            r["feedback"] = warning + "\n\n" + r["feedback"]
    results.sort(key=lambda r: r["path"])
    write_outputs(results, out_dir, {"isolation": setup.isolation.mode, "isolation_warning": warning})
    return results


# ---------------------------------------------------------------------------------------------
# command line: every option is checked before anything runs (a teacher's typo is never a student's fault)


def _ranged(kind, low, strict=False, high=None, unit=""):
    """argparse type: an int or float >= low (> low if strict), <= high, finite."""
    what = "an integer" if kind is int else "a number"
    bound = f"{'>' if strict else '>='} {low:g}{unit}" + (f" and <= {high:g}{unit}" if high is not None else "")

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what} {bound}, got {text!r}") from None
        if not math.isfinite(value) or value < low or (strict and value == low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {what} {bound}, got {text!r}")
        return value

    return parse


def _chapter(text):
    known = sorted(chapters())
    try:
        value = int(text)
    except ValueError:
        value = None
    if value not in known:
        raise argparse.ArgumentTypeError(
            f"unknown chapter {text!r}; chapters with exercises: {', '.join(map(str, known))}"
        )
    return value


def _submission(text):
    p = Path(text)
    if not p.exists():
        raise argparse.ArgumentTypeError(f"no such file or folder: {text!r}")
    if p.is_dir():
        if not collect([p]):
            raise argparse.ArgumentTypeError(f"no notebooks (*.ipynb) in the folder {text!r}")
    elif p.suffix != ".ipynb":
        raise argparse.ArgumentTypeError(f"not a notebook (*.ipynb): {text!r}")
    return text


def _out_folder(text):
    p = Path(text)
    if p.exists() and not p.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file; --out needs a folder")
    for parent in p.absolute().parents:
        if parent.exists():
            if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
                raise argparse.ArgumentTypeError(f"cannot create the folder {text!r} in {str(parent)!r}")
            break
    return text


def add_arguments(parser):
    def one_line_error(message):  # the usage text of this command is long; the reason is what matters
        parser.exit(2, f"{parser.prog}: error: {message}\n")

    parser.error = one_line_error
    d = DEFAULTS
    parser.add_argument("submissions", nargs="+", type=_submission, help="notebooks or folders of notebooks")
    parser.add_argument(
        "--out", required=True, type=_out_folder, help="folder for scores.csv, scores.json and feedback/"
    )
    parser.add_argument(
        "--jobs",
        type=_ranged(int, 1, high=256),
        default=None,
        help="submissions graded at once (default: number of cores)",
    )
    parser.add_argument("--chapter", type=_chapter, default=None, help="grade as this chapter (default: detect)")
    parser.add_argument("--partial", action="store_true", help="give partial credit (fraction of cases passed)")
    parser.add_argument(
        "--call-timeout",
        type=_ranged(float, 0, strict=True, unit=" s"),
        default=d["call_timeout"],
        help=f"seconds per function call (default {d['call_timeout']:g})",
    )
    parser.add_argument(
        "--cell-timeout",
        type=_ranged(float, 0, strict=True, unit=" s"),
        default=d["cell_timeout"],
        help=f"seconds per cell (default {d['cell_timeout']:g})",
    )
    parser.add_argument(
        "--time-limit",
        type=_ranged(float, 0, strict=True, unit=" s"),
        default=d["wall_timeout"],
        help=f"wall-clock seconds per submission (default {d['wall_timeout']:g})",
    )
    parser.add_argument(
        "--cpu-limit",
        type=_ranged(int, 1, unit=" s"),
        default=d["cpu_seconds"],
        help=f"CPU seconds per submission (default {d['cpu_seconds']})",
    )
    parser.add_argument(
        "--memory-limit",
        type=_ranged(int, MIN_MEMORY_MB, unit=" MB"),
        default=d["memory_mb"],
        help=f"MB of address space per submission (default {d['memory_mb']})",
    )
    parser.add_argument(
        "--max-processes",
        type=_ranged(int, 4, high=4096),
        default=d["max_processes"],
        help=f"processes a submission may run at once, in the sandbox (default {d['max_processes']})",
    )
    parser.add_argument(
        "--isolation",
        choices=isolation.MODES,
        default=d["isolation"],
        help="auto: the bubblewrap sandbox if it works, else plain processes (with a warning); "
        "bubblewrap: refuse to grade without the sandbox; process: no sandbox",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args):
    opts = {
        "call_timeout": args.call_timeout,
        "cell_timeout": args.cell_timeout,
        "wall_timeout": args.time_limit,
        "cpu_seconds": args.cpu_limit,
        "memory_mb": args.memory_limit,
        "partial": args.partial,
        "max_processes": args.max_processes,
        "isolation": args.isolation,
    }
    files = collect(args.submissions)
    try:
        setup = prepare({**DEFAULTS, **opts}, HELPERS)
    except SetupError as exc:
        print(f"python -m dlfund grade: error: {exc}", file=sys.stderr)
        return 2
    with setup:
        warning = setup.isolation.warning()
        if warning:
            print(warning, file=sys.stderr)
        results = grade_all(
            files, args.out, jobs=args.jobs, opts=opts, chapter=args.chapter, progress=not args.quiet, setup=setup
        )
    width = max(len(r["submission"]) for r in results)
    for r in results:
        print(f"{r['submission']:<{width}}  {r['total']:>5g}/{r['max']:<3} {r['verdict']}")
    where = "in the bubblewrap sandbox" if setup.isolation.sandboxed else "WITHOUT a sandbox"
    print(
        f"wrote {Path(args.out) / 'scores.csv'}, scores.json and feedback/ ({len(results)} submissions, graded {where})"
    )
    if warning:
        print(warning, file=sys.stderr)
    return 0
