"""The autograder: one learner-side `check` call, and batch grading of 50 submitted notebooks.

`check` runs the exercise's fixed and random cases on the learner's function (here the reference
implementation, so every case passes) and builds the report. The batch is what a teacher runs,
`python -m dlfund grade DIR --out OUT --jobs 2`, on 50 notebooks: the six chapters' exercise
notebooks with their solutions filled in, repeated in turn. Every submission runs in its own
child process (see dlfund.grading.batch), so most of the batch time is process start-up and
notebook execution.
"""
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: exercises timed with a single `check` call: a small one, an optimizer, a recurrent backward pass
CHECKS = ("softmax", "adam", "lstm_cell_backward")


def check_contenders():
    """{exercise: make_run} for single `check` calls, the exercise's reference as the learner's answer."""
    from dlfund.grading import check, get_exercise

    def make(name):
        fn = get_exercise(name).reference

        def run():
            res = check(name, fn, record=False, show=False)
            if not res.ok:
                raise RuntimeError(f"the reference fails its own check for {name!r}: {res.report()}")
            return {"cases": res.total}
        return lambda seed: run
    return {name: make(name) for name in CHECKS}


def batch(n_submissions=50, jobs=2):
    """Grade `n_submissions` notebooks with the CLI once; returns wall time and verdict counts."""
    from dlfund.grading.build import build

    tmp = Path(tempfile.mkdtemp(prefix="dlfund-bench-grade-"))
    try:
        solutions = tmp / "solutions"
        build(out_dir=tmp / "learner", solutions_dir=solutions)
        notebooks = sorted(solutions.glob("ch*.ipynb"))
        subs = tmp / "submissions"
        subs.mkdir()
        for i, nb in zip(range(n_submissions), itertools.cycle(notebooks)):
            shutil.copy(nb, subs / f"student{i:03d}_{nb.name}")
        out = tmp / "out"
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        cmd = [sys.executable, "-m", "dlfund", "grade", str(subs), "--out", str(out), "--jobs", str(jobs), "--quiet"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        scores = json.loads((out / "scores.json").read_text()) if (out / "scores.json").exists() else {}
        verdicts, full_marks = {}, 0
        for row in scores.get("results", []):
            verdicts[row["verdict"]] = verdicts.get(row["verdict"], 0) + 1
            full_marks += row["total"] == row["max"]
        return {"n_submissions": n_submissions, "jobs": jobs, "wall_s": wall, "per_submission_s": wall / n_submissions,
                "returncode": proc.returncode, "verdicts": verdicts, "full_marks": full_marks,
                "chapters": [nb.stem for nb in notebooks],
                "command": "python -m dlfund grade SUBMISSIONS --out OUT --jobs %d --quiet" % jobs,
                "stderr_tail": proc.stderr[-500:] if proc.returncode else ""}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
