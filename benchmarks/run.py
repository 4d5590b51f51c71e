"""Entry point: `python -m benchmarks` (or `python benchmarks/run.py`) from the repository root.

Pins every thread pool to ONE thread before NumPy is imported, times dlfund against
scikit-learn and PyTorch in alternating rounds, and writes benchmarks/results/latest.json and
latest.md. Options: --reps N (rounds of the MLP trainings, default 7), --fast-reps N (rounds of the
short benchmarks, default 11), --only GROUP... (mlp, lstm, optim, ops, grading), --with-tests (time
`make pytest`), --with-book (time `make book-strict`), --out DIR, --note TEXT.
"""

import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"
if "numpy" in sys.modules:  # too late to pin BLAS threads in this process: start again
    os.execv(sys.executable, [sys.executable, "-m", "benchmarks"] + sys.argv[1:])

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/run.py` puts benchmarks/ first, not the root
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

from benchmarks import tasks_grading, tasks_lstm, tasks_mlp, tasks_ops, tasks_optim  # noqa: E402
from benchmarks.report import markdown  # noqa: E402
from benchmarks.timing import alternate, ratios  # noqa: E402

GROUPS = ("mlp", "lstm", "optim", "ops", "grading")


# ------------------------------------------------------------------------------- the machine


def machine_info():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "platform": platform.platform(),
        "load_average_start": _load(),
    }


def _load():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def versions():
    import sklearn

    import dlfund

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "dlfund": dlfund.__version__,
    }


def thread_info():
    from threadpoolctl import threadpool_info

    return {
        "env": {v: os.environ.get(v) for v in THREAD_VARS},
        "torch_num_threads": torch.get_num_threads(),
        "torch_num_interop_threads": torch.get_num_interop_threads(),
        "threadpools": [
            {
                "api": p.get("internal_api"),
                "library": Path(p.get("filepath", "")).name,
                "num_threads": p.get("num_threads"),
                "version": p.get("version"),
            }
            for p in threadpool_info()
        ],
    }


# ------------------------------------------------------------------------------- benchmarks


def _entry(bid, group, title, settings, timed, targets=(), unit="s per call", compare=True, subject=None):
    """One benchmark's record; ratios are of the subject (default dlfund, else the first contender) to each peer.

    `targets`: (peer, max ratio, extra) with extra None or (metric, tolerance): the subject's
    median metric may be at most `tolerance` below the peer's.
    """
    if subject is None and compare:
        subject = "dlfund" if "dlfund" in timed else next(iter(timed))
    rat = ratios(timed, subject) if compare else {}
    entry = {
        "id": bid,
        "group": group,
        "title": title,
        "settings": settings,
        "unit": unit,
        "subject": subject,
        "contenders": timed,
        "ratios": rat,
        "targets": [],
    }
    for peer, limit, extra in targets:
        value = rat[peer]["ratio"]
        met = value <= limit
        note = ""
        if extra is not None:  # (metric, max allowed shortfall of dlfund's median below the peer's)
            metric, tol = extra
            ours = timed[subject]["metrics"][metric]["median"]
            theirs = timed[peer]["metrics"][metric]["median"]
            ok = ours >= theirs - tol
            note = f"{metric} {ours:.4f} vs {theirs:.4f} (within {tol:g}: {'yes' if ok else 'no'})"
            met = met and ok
        entry["targets"].append({"versus": peer, "ratio": value, "max": limit, "met": bool(met), "note": note})
    return entry


def run_mlp(reps, log):
    out = []
    for task, bid, title, metric in (
        ("classification", "mlp_digits", "MLP classification, digits 64-128-10", "accuracy"),
        ("regression", "mlp_house", "MLP regression, house prices 5-64-64-1", "r2"),
    ):
        log(f"{bid} ...")
        contenders, settings = tasks_mlp.contenders(task)
        timed = alternate(contenders, reps=reps, min_sample_s=0.0)
        # the plain default path: <= 1.15 x the bare NumPy loop, <= 0.6 x scikit-learn at an accuracy
        # (or R^2) at most 0.01 below it; the opt-in fast path <= 0.45 x scikit-learn
        out.append(
            _entry(
                bid,
                "mlp",
                title,
                settings,
                timed,
                unit="s per training run (30 epochs)",
                targets=[("numpy_loop", 1.15, None), ("sklearn", 0.6, (metric, 0.01))],
            )
        )
        fast = timed["dlfund_fast"]["median_s"] / timed["sklearn"]["median_s"]
        out[-1]["targets"].append(
            {
                "versus": "sklearn",
                "subject": "dlfund_fast",
                "ratio": fast,
                "max": 0.45,
                "met": bool(fast <= 0.45),
                "note": "opt-in fast path",
            }
        )
        out[-1]["dlfund_step_breakdown"] = tasks_mlp.step_breakdown(task)
    return out


def run_lstm(reps, log):
    """`reps` here is the number of rounds for the short benchmarks (--fast-reps)."""
    out = []
    for hidden in (32, 128):
        for dtype in ("float32", "float64"):
            bid = f"lstm_h{hidden}_{dtype}"
            log(f"{bid} ...")
            contenders, settings = tasks_lstm.contenders(hidden, dtype)
            timed = alternate(contenders, reps=reps, min_sample_s=0.3)
            targets = [("torch", 1.0 if dtype == "float64" else 1.5, None)] if hidden == 128 else []
            out.append(
                _entry(
                    bid,
                    "lstm",
                    f"LSTM forward + backward, hidden {hidden}, {dtype}",
                    settings,
                    timed,
                    targets=targets,
                    unit="s per forward + backward",
                )
            )
    return out


def run_optim(reps, log):
    out = []
    for dtype in ("float64", "float32"):
        for name in tasks_optim.OPTIMIZERS:
            bid = f"optim_{name}_{dtype}"
            log(f"{bid} ...")
            contenders, settings = tasks_optim.contenders(name, np.dtype(dtype))
            timed = alternate(contenders, reps=reps, min_sample_s=0.3)
            # the opt-in fast path against torch.optim's default; the plain path is shown beside it
            out.append(
                _entry(
                    bid,
                    "optim",
                    f"{name} step, ~1M {dtype}",
                    settings,
                    timed,
                    subject="dlfund_fast",
                    targets=[("torch", 0.8, None)],
                    unit="s per step",
                )
            )
    return out


def run_ops(reps, log):
    out = []
    for size in tasks_ops.SIZES:
        bid = f"op_add_{size}"
        log(f"{bid} ...")
        contenders, settings = tasks_ops.contenders(size)
        timed = alternate(contenders, reps=reps, min_sample_s=0.05, max_inner=100_000)
        out.append(_entry(bid, "ops", f"one addition, {settings['n']:,} float64", settings, timed, unit="s per call"))
    return out


def run_grading(reps, batch_reps, log):
    """`reps` rounds of single check calls (--fast-reps), `batch_reps` runs of the 50-notebook batch."""
    log("grading_check ...")
    timed = alternate(tasks_grading.check_contenders(), reps=reps)
    entry = _entry(
        "grading_check",
        "grading",
        "grader: one check(...) call",
        {
            "exercises": list(tasks_grading.CHECKS),
            "note": "the exercise's reference implementation as the learner's answer, record=False, show=False",
        },
        timed,
        unit="s per check call",
        compare=False,
    )
    log("grading_batch ...")
    runs = [tasks_grading.batch() for _ in range(batch_reps)]
    walls = [r["wall_s"] for r in runs]
    batch = dict(runs[-1], wall_s_all=walls, median_s=float(np.median(walls)), min_s=min(walls), max_s=max(walls))
    batch["per_submission_s"] = batch["median_s"] / batch["n_submissions"]
    return [
        entry,
        {
            "id": "grading_batch",
            "group": "grading",
            "title": "grader: batch of 50 notebooks",
            "unit": "s per batch",
            "batch": batch,
            "targets": [],
            "ratios": {},
        },
    ]


def run_make(target, log):
    """Wall time of `make TARGET` with this interpreter's environment (BIN = its bin directory)."""
    log(f"make {target} ...")
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.run(["make", target, f"BIN={bin_dir}"], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
    return {
        "command": f"make {target}",
        "wall_s": wall,
        "returncode": proc.returncode,
        "tail": tail,
        "threads": "inherits OMP/OPENBLAS/MKL_NUM_THREADS=1",
    }


# ------------------------------------------------------------------------------------ main


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="timed rounds of the MLP trainings (>= 5)")
    parser.add_argument(
        "--fast-reps",
        type=int,
        default=11,
        help="timed rounds of the short benchmarks (LSTM, optimizer step, single ops, check calls)",
    )
    parser.add_argument("--batch-reps", type=int, default=3, help="repetitions of the 50-notebook grading batch")
    parser.add_argument("--only", nargs="+", choices=GROUPS, default=list(GROUPS), help="benchmark groups to run")
    parser.add_argument("--with-tests", action="store_true", help="also time `make pytest` (the whole suite)")
    parser.add_argument("--with-book", action="store_true", help="also time `make book-strict` (clean build)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for latest.json and latest.md (default benchmarks/results, or "
        "benchmarks/results/tmp for a partial run with --only)",
    )
    parser.add_argument("--note", default="", help="free text stored with the results (e.g. 'shared machine')")
    args = parser.parse_args(argv)
    if args.reps < 1 or args.fast_reps < 1:
        parser.error("--reps and --fast-reps must be >= 1")
    if args.out is None:  # a partial run must not overwrite the committed full results
        full = set(args.only) == set(GROUPS)
        args.out = ROOT / "benchmarks" / "results" / ("" if full else "tmp")

    t_start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t_start:6.1f} s] {msg}", file=sys.stderr, flush=True)

    results = {
        "schema": 1,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
        "note": args.note,
        "machine": machine_info(),
        "versions": versions(),
        "threads": thread_info(),
        "method": {
            "reps": args.reps,
            "fast_reps": args.fast_reps,
            "order": "alternating rounds (A B C A B C ...), one untimed warm-up round first",
            "statistic": "median over rounds, min-max shown; ratio = "
            "median(dlfund) / median(peer); 'paired' = per-round ratios",
        },
        "benchmarks": [],
        "suite": {},
    }
    if "mlp" in args.only:
        results["benchmarks"] += run_mlp(args.reps, log)
    if "lstm" in args.only:
        results["benchmarks"] += run_lstm(args.fast_reps, log)
    if "optim" in args.only:
        results["benchmarks"] += run_optim(args.fast_reps, log)
    if "ops" in args.only:
        results["benchmarks"] += run_ops(args.fast_reps, log)
    if "grading" in args.only:
        results["benchmarks"] += run_grading(args.fast_reps, args.batch_reps, log)
    results["benchmarks_wall_s"] = time.perf_counter() - t_start
    if args.with_book:  # the book first: the browser tests in `make pytest` read _build/html
        results["suite"]["book"] = run_make("book-strict", log)
    if args.with_tests:
        results["suite"]["pytest"] = run_make("pytest", log)
    results["machine"]["load_average_end"] = _load()
    results["total_wall_s"] = time.perf_counter() - t_start

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    table = markdown(results)
    (args.out / "latest.md").write_text(table)
    print(table)
    log(f"wrote {args.out / 'latest.json'} and latest.md")
    missed = [f"{b['id']} vs {t['versus']}" for b in results["benchmarks"] for t in b["targets"] if not t["met"]]
    if missed:
        log("targets missed: " + ", ".join(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
