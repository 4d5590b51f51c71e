"""Run the learner bug set (tools/learner_bugs/) through `check` and tabulate the outcome.

    python tools/learner_bugs_run.py                      # every entry, table on stdout
    python tools/learner_bugs_run.py --out tools/learner_bugs_results.md
    python tools/learner_bugs_run.py --only adam --show   # one exercise, with every report

Each buggy implementation is *caught* when its report fails, and *pinpointed* when the report
also says what the mistake is: one of the bug's keywords (regexes) occurs in the report's hints,
diagnoses, notes or structural messages (shape, dtype, cache, aliasing, modified input,
properties, ...). The raw value lines ("worst entry ..."), exception texts and generic hints
(every usual cause of a NaN, the whole formula restated) do not count: they localise a mistake
without naming it. A valid implementation that fails is a *false fail*.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DLFUND_HOME", tempfile.mkdtemp(prefix="dlfund-bugs-"))

import learner_bugs

from dlfund.grading import check
from dlfund.grading.registry import all_exercises

# Hints that list every usual cause or restate the whole formula: they do not name a mistake.
GENERIC_HINTS = (
    "NaN/inf usually comes from",
    "print the shapes of the operands",
    "i, f, o = sigmoid of blocks",
    "dc = dc_t + dh_t * o * (1 - tanh(c_t)**2); da = [",
)

NAMING_KINDS = {
    "structure",
    "type",
    "shape",
    "dtype",
    "nonfinite",
    "inplace",
    "aliasing",
    "property",
    "cache",
    "numerics",
    "diagnosis",
    "note",
    "returned_none",
}


def naming_text(result):
    """What the report says about the mistake (not the raw values)."""
    g = result.graded
    parts = [f"[{m.code}] {m.hint}" for m in g.mistakes]
    for case in g.cases:
        for p in case.problems:
            if p.hint and not p.hint.startswith(GENERIC_HINTS):
                parts.append(p.hint)
            if p.kind in NAMING_KINDS:
                parts.append(p.message)
    parts += list(g.notes)
    return "\n".join(parts)


def run_entry(entry):
    t0 = time.perf_counter()
    result = check(entry.exercise, entry.fn, record=False, show=False)
    elapsed = time.perf_counter() - t0
    text = naming_text(result)
    hit = next((k for k in entry.keywords if re.search(k, text, re.IGNORECASE)), None)
    return {"entry": entry, "ok": result.ok, "hit": hit, "text": text, "report": result.report(), "seconds": elapsed}


def run(entries):
    return [run_entry(e) for e in entries]


def summarize(rows):
    per = defaultdict(lambda: {"bugs": 0, "caught": 0, "pinpointed": 0, "valid": 0, "false_fail": 0})
    for r in rows:
        e, s = r["entry"], per[r["entry"].exercise]
        if e.kind == "bug":
            s["bugs"] += 1
            s["caught"] += not r["ok"]
            s["pinpointed"] += (not r["ok"]) and r["hit"] is not None
        else:
            s["valid"] += 1
            s["false_fail"] += not r["ok"]
    return per


def pct(a, b):
    return f"{100.0 * a / b:.1f} %" if b else "—"


def table(rows):
    per = summarize(rows)
    order = [ex.name for ex in all_exercises() if ex.name in per]
    tot = {k: sum(per[n][k] for n in order) for k in ("bugs", "caught", "pinpointed", "valid", "false_fail")}
    times = sorted(r["seconds"] for r in rows)
    groups = []
    for group in sorted({r["entry"].group for r in rows}):
        g = summarize([r for r in rows if r["entry"].group == group]).values()
        b, c, p = (sum(s[k] for s in g) for k in ("bugs", "caught", "pinpointed"))
        v, f = (sum(s[k] for s in g) for k in ("valid", "false_fail"))
        groups.append(
            f"- group {group}: {c}/{b} caught ({pct(c, b)}), {p}/{c} pinpointed ({pct(p, c)}), {f}/{v} false fails"
        )
    lines = [
        (
            f"Overall: {tot['caught']}/{tot['bugs']} bugs caught ({pct(tot['caught'], tot['bugs'])}), "
            f"{tot['pinpointed']}/{tot['caught']} failing reports pinpoint the mistake "
            f"({pct(tot['pinpointed'], tot['caught'])}), {tot['false_fail']}/{tot['valid']} valid implementations "
            f"fail (false fails)."
        ),
        f"check() time per call: median {statistics.median(times):.3f} s, max {times[-1]:.3f} s.",
        "",
        *groups,
        "",
        "| exercise | bugs | caught | pinpointed | valid | false fails |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for n in order:
        s = per[n]
        lines.append(f"| {n} | {s['bugs']} | {s['caught']} | {s['pinpointed']} | {s['valid']} | {s['false_fail']} |")
    lines.append(
        f"| **total** | {tot['bugs']} | {tot['caught']} | {tot['pinpointed']} | {tot['valid']} | {tot['false_fail']} |"
    )
    missed = [r for r in rows if r["entry"].kind == "bug" and r["ok"]]
    unnamed = [r for r in rows if r["entry"].kind == "bug" and not r["ok"] and r["hit"] is None]
    false = [r for r in rows if r["entry"].kind == "valid" and not r["ok"]]
    for title, group in (
        ("Bugs that pass (not caught)", missed),
        ("Failing reports that do not name the mistake", unnamed),
        ("Valid implementations that fail", false),
    ):
        lines += ["", f"## {title} ({len(group)})", ""]
        lines += [f"- `{r['entry'].id}`: {r['entry'].what}" for r in group] or ["(none)"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", help="exercise name (repeatable)")
    ap.add_argument("--show", action="store_true", help="print every report that is not a clean pinpoint")
    ap.add_argument("--group", choices=("main", "holdout"), help="only the chapter modules, or only the held-out set")
    ap.add_argument("--out", help="write the result table (markdown) to this file")
    args = ap.parse_args(argv)
    entries = learner_bugs.load()
    if args.only:
        entries = [e for e in entries if e.exercise in args.only]
    if args.group:
        entries = [e for e in entries if e.group == args.group]
    rows = run(entries)
    if args.show:
        for r in rows:
            e = r["entry"]
            if (e.kind == "bug" and r["hit"] is None) or (e.kind == "valid" and not r["ok"]):
                print(f"==== {e.id} ({e.kind}): {e.what}\n{r['report']}\n")
    out = table(rows)
    if args.out:
        header = (
            "# Learner bug set: measured grader outcome\n\nProduced by `python tools/learner_bugs_run.py "
            f"--out {args.out}` over tools/learner_bugs/ (see its docstring for the criteria).\n\n"
        )
        Path(args.out).write_text(header + out)
    print(out)


if __name__ == "__main__":
    main()
