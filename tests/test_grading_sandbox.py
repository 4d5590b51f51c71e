"""The grading sandbox: hostile notebooks graded beside honest ones.

With bubblewrap (installed by `make test`) a submission that kills its parent or the grader, forks
in a loop, writes to a canary file, to other submissions or to old results, or reads another
submission changes nothing outside its own copy: the honest ones keep full marks, every file
outside keeps its hash, no process outlives the run, and the offender gets a clear verdict.
Without the sandbox (the "process" fallback, forced here) the grader says so everywhere, and a
killed worker still costs only its own submission.
"""

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from _grading_helpers import FAST, N_CH2, solutions_fixture, variant  # noqa: F401 - the `solutions` fixture
from dlfund.cli import main as cli_main
from dlfund.grading import supervisor
from dlfund.grading.batch import DEFAULTS, HELPERS, grade_all
from dlfund.grading.runner import SetupError, prepare

ROOT = Path(__file__).resolve().parents[1]
MARKER = f"grading-test-sleeper-{uuid.uuid4().hex[:10]}"  # argv[0] of every process a hostile starts


def forks(n):
    return (
        f"import os\nfor i in range({n}):\n    if os.fork() == 0:\n        os.execv('/bin/sleep', [{MARKER!r}, '300'])"
    )


ESCAPES = (
    f"import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
    f"        os.execv('/bin/sleep', [{MARKER!r}, '300'])\n    os._exit(0)"
)
KILLS_PARENT = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"


def kills_grader(needle):
    """Find the grader with /proc (as `ps` would) and kill it."""
    return (
        "import os, signal\nfor p in os.listdir('/proc'):\n"
        "    if not p.isdigit() or int(p) == os.getpid():\n        continue\n"
        "    try:\n        cmd = open(f'/proc/{p}/cmdline', 'rb').read()\n    except OSError:\n        continue\n"
        f"    if {needle!r}.encode() in cmd or b'/grader/_child.py' in cmd:\n"
        "        try:\n            os.kill(int(p), signal.SIGKILL)\n        except OSError:\n            pass"
    )


def appends(*paths, line="FORGED,8,8"):
    """Append `line` to each path in turn (each attempt whatever became of the previous one)."""
    return "\n".join(
        f"try:\n    with open({str(p)!r}, 'a') as f:\n        f.write({line + chr(10)!r})\nexcept OSError:\n    pass"
        for p in paths
    )


def snapshot(root, skip=()):
    """{relative path: sha256} of every file below `root`, except in the folders `skip`."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not set(p.relative_to(root).parts) & set(skip)
    }


def processes_with(text, wait_s=3.0):
    """Live processes whose command line holds `text` (killed ones get a moment to vanish)."""
    deadline = time.monotonic() + wait_s
    while True:
        found = []
        for p in os.listdir("/proc"):
            try:
                cmd = Path(f"/proc/{p}/cmdline").read_bytes() if p.isdigit() else b""
            except OSError:
                continue
            if text.encode() in cmd and int(p) != os.getpid():
                found.append((int(p), cmd[:200]))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_sandbox_hostile_notebooks_beside_honest_ones(solutions, tmp_path):
    subs, out, work, previous = (tmp_path / d for d in ("subs", "out", "work", "previous"))
    for d in (subs, out, work, previous):
        d.mkdir()
    canary = tmp_path / "canary.txt"
    canary.write_text("a teacher's file beside the submissions\n")
    (previous / "scores.csv").write_text("submission,total,max\nold_student.ipynb,3,8\n")
    (out / "scores.csv").write_text("submission,total,max\nold_student.ipynb,3,8\n")
    honest = [variant(solutions, subs, name) for name in ("honest_a", "honest_b")]
    numpy_init = Path(np.__file__)
    hostile = {
        "kills_parent": [KILLS_PARENT],
        "kills_grader": [kills_grader(str(subs))],
        "fork_loop": [forks(40), ESCAPES],
        "writes_canary_and_numpy": [appends(canary), appends(numpy_init, line="# changed by a submission")],
        "writes_other_submissions": [appends(*honest)],
        "writes_old_results": [appends(previous / "scores.csv", out / "scores.csv")],
    }
    for name, cells in hostile.items():
        variant(solutions, subs, name, cells_before=cells)
    reader = variant(
        solutions,
        subs,
        "reads_other_submission",
        cells_before=[
            f"leaked = True\ntry:\n    stolen = open({str(honest[0])!r}).read()\nexcept OSError:\n    leaked = False"
        ],
        cells_after=["if leaked:\n    relu = None  # what was read would lose a point"],
    )
    before, numpy_before = snapshot(tmp_path, skip=("out", "work")), numpy_init.read_bytes()

    cmd = [
        sys.executable,
        "-m",
        "dlfund",
        "grade",
        str(subs),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--quiet",
        "--isolation",
        "bubblewrap",
        "--max-processes",
        "12",
        "--cell-timeout",
        "4",
        "--call-timeout",
        "2",
        "--time-limit",
        "40",
    ]
    done = subprocess.run(
        cmd, cwd=ROOT, env=dict(os.environ, TMPDIR=str(work)), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "graded in the bubblewrap sandbox" in done.stdout and "WARNING" not in done.stderr

    rows = {r["submission"]: r for r in csv.DictReader(open(out / "scores.csv"))}
    assert set(rows) == {p.name for p in subs.iterdir()}
    verdicts = {name: rows[name]["verdict"] for name in rows}
    for path in honest + [reader]:
        assert (verdicts[path.name], rows[path.name]["total"]) == ("graded", f"{N_CH2:.1f}"), rows[path.name]
    assert verdicts["kills_parent.ipynb"].startswith("tried to stop its grader")
    assert verdicts["kills_grader.ipynb"].startswith("tried to stop its grader")
    assert verdicts["fork_loop.ipynb"].startswith("too many processes")
    for name in ("writes_canary_and_numpy", "writes_other_submissions", "writes_old_results"):
        assert verdicts[f"{name}.ipynb"].startswith("wrote outside its folder"), rows[f"{name}.ipynb"]
    for name in hostile:  # the attempts failed, their own exercises are graded as usual
        assert rows[f"{name}.ipynb"]["total"] == f"{N_CH2:.1f}", rows[f"{name}.ipynb"]

    assert snapshot(tmp_path, skip=("out", "work")) == before
    assert numpy_init.read_bytes() == numpy_before
    assert "old_student" not in (out / "scores.csv").read_text() and "FORGED" not in (out / "scores.csv").read_text()
    assert not list(out.glob(".*")) and len(list((out / "feedback").glob("*.txt"))) == len(rows)
    summary = json.loads((out / "scores.json").read_text())["summary"]
    assert summary["isolation"] == "bubblewrap" and not summary["isolation_warning"]
    assert processes_with(MARKER) == [] and processes_with(str(work)) == []


def test_fallback_without_sandbox_is_announced_and_a_killed_worker_costs_one_submission(solutions, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    canary = tmp_path / "canary.txt"
    canary.write_text("a teacher's file\n")
    variant(solutions, subs, "honest_a")
    variant(solutions, subs, "kills_parent", cells_before=[KILLS_PARENT])
    variant(solutions, subs, "fork_loop", cells_before=[forks(30)])
    variant(solutions, subs, "escapes", cells_before=[ESCAPES])
    variant(solutions, subs, "writes_canary", cells_before=[appends(canary)])
    opts = {**FAST, "isolation": "process", "max_processes": 12}
    results = {r["submission"]: r for r in grade_all([subs], out, jobs=2, opts=opts, progress=False)}

    assert (results["honest_a.ipynb"]["verdict"], results["honest_a.ipynb"]["total"]) == ("graded", N_CH2)
    killed = results["kills_parent.ipynb"]
    assert killed["verdict"] == "stopped its grader" and killed["total"] == 0 and killed["max"] == N_CH2
    assert "SIGKILL" in killed["notes"][0]
    assert results["fork_loop.ipynb"]["verdict"].startswith("too many processes")
    assert any("left 1 process" in n for n in results["escapes.ipynb"]["notes"])
    assert results["writes_canary.ipynb"]["verdict"].startswith("wrote outside its folder")
    assert "WITHOUT a sandbox" in " ".join(results["writes_canary.ipynb"]["notes"])
    for r in results.values():
        assert (out / r["feedback_file"]).read_text().startswith("WARNING: graded WITHOUT a sandbox")
    assert json.loads((out / "scores.json").read_text())["summary"]["isolation"] == "process"
    assert processes_with(MARKER) == []


@pytest.mark.parametrize(
    "bwrap, reason",
    [
        (None, "bubblewrap (bwrap) is not installed"),
        (
            "echo 'bwrap: No permissions to create a new namespace' >&2; exit 1",  # user namespaces disabled
            "the bubblewrap sandbox did not start: bwrap: No permissions to create a new namespace",
        ),
    ],
    ids=["missing", "namespaces-disabled"],
)
def test_auto_falls_back_loudly_without_a_working_bwrap(bwrap, reason, solutions, tmp_path, monkeypatch, capsys):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if bwrap:
        (bin_dir / "bwrap").write_text("#!/bin/sh\n" + bwrap + "\n")
        (bin_dir / "bwrap").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    out = tmp_path / "out"
    rc = cli_main(["grade", str(solutions / "ch02_foundations.ipynb"), "--out", str(out), "--jobs", "1", "--quiet"])
    captured = capsys.readouterr()
    assert rc == 0 and reason in captured.err and "WITHOUT a sandbox" in captured.out
    feedback = next((out / "feedback").glob("*.txt")).read_text()
    assert feedback.startswith("WARNING: graded WITHOUT a sandbox") and reason in feedback
    assert f"{N_CH2}/{N_CH2}" in feedback
    with pytest.raises(SetupError, match="was required" if bwrap is None else "cannot run in the bubblewrap sandbox"):
        prepare({**DEFAULTS, "isolation": "bubblewrap"}, HELPERS)


def test_impossible_limits_are_the_teachers_error_not_the_students():
    with pytest.raises(SetupError, match="memory limit 40 MB"):
        prepare({**DEFAULTS, "memory_mb": 40}, HELPERS)


def _task(t):
    if t == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    if t == "hangs":
        time.sleep(60)
    return {"task": t, "worker": os.getpid()}


def test_supervisor_a_dead_or_hanging_worker_costs_only_its_own_task():
    lost = []
    tasks = ["a", "b", "killed", "c", "d", "hangs", "e", "f"]
    results = supervisor.run(
        tasks, _task, jobs=2, guard_s=3, lost=lambda t, how: {"lost": t, "how": how}, on_lost=lost.append
    )
    assert [r.get("task") for r in results] == ["a", "b", None, "c", "d", None, "e", "f"]
    assert results[2] == {"lost": "killed", "how": "was killed by signal SIGKILL"}
    assert results[5]["lost"] == "hangs" and "stopped answering" in results[5]["how"]
    assert sorted(lost) == [2, 5]
    workers = {r["worker"] for r in results if "worker" in r}
    assert os.getpid() not in workers and len(workers) <= 4  # two workers, each replaced once at most
