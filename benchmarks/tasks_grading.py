"""The autograder: one learner-side `check` call, and batch grading of 50 submitted notebooks.

`check` runs the exercise's fixed and random cases on the learner's function (here the reference
implementation, so every case passes) and builds the report. The batch is what a teacher runs,
`python -m dlfund grade DIR --out OUT --jobs 2`, on 50 notebooks: the six chapters' exercise
notebooks with their solutions filled in, repeated in turn. Every submission runs in its own
child process (see dlfund.grading.batch), inside the bubblewrap sandbox when it is available, so
most of the batch time is process start-up and notebook execution. `sandbox_cost` compares the
sandbox with the plain-process fallback (`python -m benchmarks.tasks_grading --cost`); a large
batch measures throughput (`python -m benchmarks.tasks_grading --n 1000`).
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


def _submissions(tmp, n_submissions):
    """`n_submissions` solution notebooks (the chapters in turn) in tmp/submissions."""
    from dlfund.grading.build import build

    solutions = tmp / "solutions"
    build(out_dir=tmp / "learner", solutions_dir=solutions)
    notebooks = sorted(solutions.glob("ch*.ipynb"))
    subs = tmp / "submissions"
    subs.mkdir()
    for i, nb in zip(range(n_submissions), itertools.cycle(notebooks)):
        shutil.copy(nb, subs / f"student{i:04d}_{nb.name}")
    return subs, [nb.stem for nb in notebooks]


def _children_cpu():
    """CPU seconds (user + system) of every waited-for descendant so far: on a busy shared machine
    the CPU a batch needs varies much less than its wall time."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _grade(subs, out, jobs, isolation):
    """One CLI run over `subs`; wall time, exit code and verdict counts."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [
        sys.executable,
        "-m",
        "dlfund",
        "grade",
        str(subs),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "--quiet",
        "--isolation",
        isolation,
    ]
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    scores = json.loads((out / "scores.json").read_text()) if (out / "scores.json").exists() else {}
    verdicts, full_marks = {}, 0
    for row in scores.get("results", []):
        verdicts[row["verdict"]] = verdicts.get(row["verdict"], 0) + 1
        full_marks += row["total"] == row["max"]
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "returncode": proc.returncode,
        "verdicts": verdicts,
        "full_marks": full_marks,
        "isolation": scores.get("summary", {}).get("isolation"),
        "stderr_tail": proc.stderr[-500:] if proc.returncode else "",
    }


def batch(n_submissions=50, jobs=2, isolation="auto"):
    """Grade `n_submissions` notebooks with the CLI once; returns wall time and verdict counts."""
    tmp = Path(tempfile.mkdtemp(prefix="dlfund-bench-grade-"))
    try:
        subs, chapters = _submissions(tmp, n_submissions)
        run = _grade(subs, tmp / "out", jobs, isolation)
        return {
            "n_submissions": n_submissions,
            "jobs": jobs,
            "per_submission_s": run["wall_s"] / n_submissions,
            "cpu_per_submission_s": run["cpu_s"] / n_submissions,
            **run,
            "chapters": chapters,
            "command": f"python -m dlfund grade SUBMISSIONS --out OUT --jobs {jobs} --quiet --isolation {isolation}",
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sandbox_cost(n_submissions=50, jobs=2, rounds=3, starts=20):
    """What the bubblewrap sandbox costs, measured against the plain-process fallback.

    * start-up: an empty notebook run through the child `starts` times per round, sandbox and
      process alternating (the child's own start-up: Python, NumPy, bwrap's namespaces);
    * batch: the same `n_submissions` notebooks graded with `--isolation bubblewrap` and
      `--isolation process` in alternating rounds.
    Returns medians and the per-submission difference (sandbox minus process)."""
    import statistics

    from dlfund.grading.batch import DEFAULTS, HELPERS
    from dlfund.grading.runner import prepare, probe

    modes = ("bubblewrap", "process")
    setups = {m: prepare({**DEFAULTS, "isolation": m}, HELPERS) for m in modes}
    start_s = {m: [] for m in modes}
    try:
        for _ in range(rounds * starts):
            for m in modes:
                t0 = time.perf_counter()
                problem = probe(setups[m], DEFAULTS)
                start_s[m].append(time.perf_counter() - t0)
                if problem:
                    raise RuntimeError(f"the {m} child did not start: {problem}")
    finally:
        for s in setups.values():
            s.close()
    tmp = Path(tempfile.mkdtemp(prefix="dlfund-bench-sandbox-"))
    try:
        subs, _ = _submissions(tmp, n_submissions)
        runs = {m: [] for m in modes}
        for r in range(rounds):
            for m in modes:
                runs[m].append(_grade(subs, tmp / f"out-{m}-{r}", jobs, m))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    start = {m: statistics.median(v) for m, v in start_s.items()}
    per_sub = {m: statistics.median(x["wall_s"] for x in v) / n_submissions for m, v in runs.items()}
    cpu_sub = {m: statistics.median(x["cpu_s"] for x in v) / n_submissions for m, v in runs.items()}
    return {
        "n_submissions": n_submissions,
        "jobs": jobs,
        "rounds": rounds,
        "starts_per_round": starts,
        "startup_s": start,
        "startup_all_s": start_s,
        "startup_extra_s": start["bubblewrap"] - start["process"],
        "batch_per_submission_s": per_sub,
        "batch_walls_s": {m: [x["wall_s"] for x in v] for m, v in runs.items()},
        "batch_extra_per_submission_s": per_sub["bubblewrap"] - per_sub["process"],
        "batch_cpu_per_submission_s": cpu_sub,
        "batch_cpu_extra_per_submission_s": cpu_sub["bubblewrap"] - cpu_sub["process"],
        "batch_ratio": per_sub["bubblewrap"] / per_sub["process"],
        "verdicts": {m: v[-1]["verdicts"] for m, v in runs.items()},
        "isolation_seen": {m: v[-1]["isolation"] for m, v in runs.items()},
    }


def main(argv=None):
    """`python -m benchmarks.tasks_grading [--n N] [--jobs J] [--isolation MODE] [--cost]`: one batch
    (throughput), or with --cost the sandbox's cost against the process fallback; prints JSON."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.tasks_grading", description=main.__doc__)
    parser.add_argument("--n", type=int, default=50, help="submissions in the batch")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--isolation", default="auto", choices=("auto", "bubblewrap", "process"))
    parser.add_argument("--cost", action="store_true", help="measure the sandbox's cost (alternating rounds)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    out = sandbox_cost(args.n, args.jobs, args.rounds) if args.cost else batch(args.n, args.jobs, args.isolation)
    out["load_average"] = list(os.getloadavg())
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
