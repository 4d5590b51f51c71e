"""Batch grading for teachers: `python -m dlfund grade SUBMISSIONS... --out DIR`.

Design (why a submission cannot cheat the checker or take the batch down):

* Every submission runs in its own child process (`_child.py`, started as a script with
  `python -I`), in a temporary working directory that holds only a copy of the notebook, with
  HOME/TMPDIR pointing there. The child gets resource limits before it starts: CPU seconds
  (RLIMIT_CPU), address space (RLIMIT_AS), file size (RLIMIT_FSIZE); the parent adds a wall-clock
  limit and kills the child's whole process group when it is exceeded.
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
* Limits of the design: this is process isolation, not a security boundary against a
  determined attacker (the child can still read files the grading user can read, or open
  sockets); grade untrusted work inside a container or as an unprivileged user.

Outputs in DIR: `scores.csv` and `scores.json` (per exercise and total, one row per
submission) and `feedback/<submission>.txt` with the same report a learner sees from `check`.
"""
import ast
import csv
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from . import _child
from .core import DEFAULT_SEEDS, grade
from .registry import chapters
from .report import text_report
from .sandbox import Outcome

CHILD = Path(_child.__file__).resolve()
PKG = Path(__file__).resolve().parents[1]

#: dlfund modules a chapter's notebook may import as helpers (none of them solves an exercise there)
ALLOWED_HELPERS = {3: ["activations"], 5: ["activations"], 6: ["activations"], 7: ["activations"],
                   8: ["activations"]}
#: internal modules the allowed helpers need
HELPER_DEPS = ["_validate"]

DEFAULTS = dict(call_timeout=5.0, cell_timeout=20.0, wall_timeout=120.0, cpu_seconds=60, memory_mb=1536,
                max_file_mb=64, max_result_mb=64, max_notebook_mb=20)


# ---------------------------------------------------------------------------------------------
# reading a submission

def read_notebook(path, max_mb):
    """Return (code cells [(index, source)], error message or None)."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror})"
    if size > max_mb * 1_000_000:
        return None, f"the file is {size / 1e6:.0f} MB, larger than the {max_mb} MB limit"
    try:
        with open(path, "rb") as f:
            nb = json.loads(f.read().decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not a notebook: the file is not UTF-8 text"
    except ValueError as exc:
        return None, f"not a notebook: invalid JSON ({exc})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, "not a notebook: no list of cells"
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if isinstance(src, str):
            cells.append((i, src))
    return cells, None


def _parse(src):
    try:
        return ast.parse(_child.strip_magics(src))
    except SyntaxError:
        return None


def defined_functions(cells):
    names = set()
    for _, src in cells:
        tree = _parse(src)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def detect_chapter(cells, path, forced=None):
    if forced:
        return forced
    names = defined_functions(cells)
    best, best_n = None, 0
    m = re.search(r"ch0*(\d+)", Path(path).name)
    hinted = int(m.group(1)) if m else None
    for ch, exs in chapters().items():
        n = sum(e.func_name in names for e in exs)
        if n > best_n or (n == best_n and n > 0 and ch == hinted):
            best, best_n = ch, n
    return best if best is not None else (hinted if hinted in chapters() else None)


def static_scan(cells, chapter):
    """Find disallowed dlfund imports and which top-level functions (transitively) use them."""
    allowed = {"dlfund.grading"} | {f"dlfund.{m}" for m in ALLOWED_HELPERS.get(chapter, [])}
    flagged_names, imports, mentions = set(), [], []
    funcs = {}
    for idx, src in cells:
        tree = _parse(src)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if (a.name == "dlfund" or a.name.startswith("dlfund.")) and a.name not in allowed:
                        imports.append((idx, a.name))
                        flagged_names.add((a.asname or a.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and (
                    node.module == "dlfund" or node.module.startswith("dlfund.")):
                if node.module not in allowed:
                    imports.append((idx, node.module))
                    flagged_names.update(a.asname or a.name for a in node.names)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "dlfund" in node.value:
                mentions.append(idx)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                funcs[node.name] = used
    # transitive closure over the notebook's own functions
    uses_flagged = {}
    for name in funcs:
        seen, stack, hit = set(), [name], False
        while stack and not hit:
            f = stack.pop()
            if f in seen:
                continue
            seen.add(f)
            used = funcs.get(f, set())
            hit = bool(used & flagged_names)
            stack += [g for g in used if g in funcs]
        uses_flagged[name] = hit
    return {"imports": imports, "uses_flagged": uses_flagged, "mentions": sorted(set(mentions)),
            "flagged_names": sorted(flagged_names)}


# ---------------------------------------------------------------------------------------------
# running the child

def _limits(opts):
    def apply():
        cpu = int(opts["cpu_seconds"])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        mem = int(opts["memory_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        fsz = int(opts["max_file_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsz, fsz))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _site_dirs():
    """Where NumPy and friends live, for a child started without `site` (-S)."""
    import site

    import numpy

    dirs = [str(Path(numpy.__file__).resolve().parents[1])]
    for d in site.getsitepackages():
        if d not in dirs:
            dirs.append(d)
    return [d for d in dirs if Path(d).is_dir() and not (Path(d) / "dlfund" / "__init__.py").exists()] or dirs[:1]


def run_child(cells, plan, allowed_modules, workdir, opts):
    """Run the sandbox child; returns (messages, info) where info has returncode and flags."""
    req_dir = tempfile.mkdtemp(prefix="dlfund-req-")
    try:
        req_path = Path(req_dir) / "request.json"
        req_path.write_text(json.dumps({
            "cells": [{"index": i, "source": s} for i, s in cells],
            "functions": plan, "allowed_modules": allowed_modules,
            "cell_timeout": opts["cell_timeout"], "call_timeout": opts["call_timeout"],
            "site_dirs": _site_dirs(),
        }))
        r, w = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "TMPDIR": str(workdir),
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "LANG": "C.UTF-8",
               "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
        start = time.monotonic()
        err_file = open(Path(req_dir) / "stderr.txt", "wb")  # start-up errors only: the child then mutes fd 2
        proc = subprocess.Popen([sys.executable, "-I", "-S", str(CHILD), str(req_path), str(w)], cwd=workdir, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err_file,
                                pass_fds=(w,), preexec_fn=_limits(opts), start_new_session=True)
        os.close(w)
        messages, state = [], {"bytes": 0, "overflow": False}

        def reader():
            cap = opts["max_result_mb"] * 1_000_000
            with os.fdopen(r, "rb") as f:
                for line in f:
                    state["bytes"] += len(line)
                    if state["bytes"] > cap:
                        state["overflow"] = True
                        continue
                    try:
                        messages.append(json.loads(line))
                    except ValueError:
                        messages.append({"type": "garbage"})

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        timed_out = False
        try:
            proc.wait(timeout=opts["wall_timeout"])
        except subprocess.TimeoutExpired:
            timed_out = True
        try:  # the whole process group: the child and anything it started
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        t.join(5)
        err_file.close()
        startup_error = (Path(req_dir) / "stderr.txt").read_bytes()[-1500:].decode("utf-8", "replace")
        return messages, {"returncode": proc.returncode, "wall_timeout": timed_out, "stderr": startup_error,
                          "seconds": time.monotonic() - start, "result_overflow": state["overflow"]}
    finally:
        shutil.rmtree(req_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# grading one submission

def _outcome_from(msg):
    o = msg or {"kind": "missing"}
    kind = o.get("kind", "missing")
    return Outcome(kind=kind if kind != "missing" else "exception",
                   value=_child.decode(o.get("value")) if kind == "ok" else None,
                   exc_type=o.get("exc_type", "" if kind != "missing" else "NotRun"),
                   exc_message=o.get("exc_message", "" if kind != "missing" else "the submission stopped before "
                                                                                  "this call (see the verdict)"),
                   frames=[tuple(f) for f in o.get("frames", [])], mutated=list(o.get("mutated", [])),
                   stdout=o.get("stdout", ""), printed_chars=int(o.get("printed_chars", 0)),
                   seconds=float(o.get("seconds", 0.0)), blocked_imports=list(o.get("blocked_imports", [])),
                   warnings=list(o.get("warnings", [])))


def grade_submission(path, opts=None, chapter=None, seeds=DEFAULT_SEEDS):
    """Grade one notebook; returns a JSON-able dict (never raises for a bad submission)."""
    opts = {**DEFAULTS, **(opts or {})}
    path = Path(path)
    result = {"submission": path.name, "path": str(path), "chapter": None, "verdict": "graded", "flags": [],
              "notes": [],
              "exercises": {}, "total": 0.0, "max": 0, "feedback": ""}
    cells, err = read_notebook(path, opts["max_notebook_mb"])
    if err:
        result["verdict"] = "invalid notebook"
        result["flags"].append("invalid_notebook")
        result["notes"].append(err)
        result["feedback"] = f"{path.name}: {err}\nNothing could be graded."
        return result
    ch = detect_chapter(cells, path, chapter)
    if ch is None:
        result["verdict"] = "no exercises found"
        result["flags"].append("no_exercises")
        result["notes"].append("none of the exercise functions is defined in this notebook")
        result["feedback"] = f"{path.name}: none of the exercise functions is defined in this notebook."
        return result
    result["chapter"] = ch
    exercises = chapters()[ch]
    result["max"] = len(exercises)
    scan = static_scan(cells, ch)
    for idx, mod in scan["imports"]:
        result["notes"].append(f"cell {idx} imports {mod}, the course's reference code (not allowed in a submission)")
    if scan["mentions"]:
        result["notes"].append(f"cell(s) {scan['mentions']} mention 'dlfund' in a string (dynamic import?)")

    # the plan: every call of every exercise, with ids
    plan, order = {}, {}
    for ex in exercises:
        calls = []
        for case in ex.make_cases(seeds):
            for args, kwargs in case.calls:
                cid = len(calls)
                calls.append({"id": cid, "args": _child.encode(args), "kwargs": _child.encode(kwargs),
                              "arg_names": ex.arg_names})
        plan[ex.func_name] = calls
        order[ex.name] = ex.func_name
    allowed = {f"dlfund.{m}": str(PKG / f"{m}.py") for m in ALLOWED_HELPERS.get(ch, []) + HELPER_DEPS
               if (PKG / f"{m}.py").exists()}
    if ch not in ALLOWED_HELPERS:
        allowed = {}

    workdir = Path(tempfile.mkdtemp(prefix="dlfund-grade-"))
    try:
        shutil.copy(path, workdir / "submission.ipynb")
        (workdir / "data.txt").write_text("a file the submission may read; deleting it is reported\n")
        before = {p.name for p in workdir.iterdir()}
        messages, info = run_child(cells, plan, allowed, workdir, opts)
        after = {p.name for p in workdir.iterdir()} if workdir.exists() else set()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    # verdicts about the run as a whole
    flags = result["flags"]
    done = any(m.get("type") == "done" for m in messages)
    rc = info["returncode"]
    if info["wall_timeout"]:
        flags.append("time_limit")
        result["notes"].append(f"stopped after {opts['wall_timeout']:g} s of wall-clock time (an endless loop?)")
    elif not done and rc == -signal.SIGXCPU:
        flags.append("cpu_limit")
        result["notes"].append(f"stopped by the CPU time limit ({opts['cpu_seconds']} s)")
    elif not done:
        flags.append("crashed")
        how = f"signal {-rc}" if rc < 0 else f"exit code {rc}"
        result["notes"].append(f"the notebook's process ended early ({how}): os._exit(), a crash, or the "
                               f"memory limit ({opts['memory_mb']} MB)")
        if not messages and info.get("stderr"):
            result["notes"].append("the grading process could not start: " + info["stderr"].strip().splitlines()[-1])
    if info["result_overflow"]:
        result["notes"].append("the answers sent back were larger than the limit and were cut")
    cell_msgs = [m for m in messages if m.get("type") == "cell"]
    call_msgs = [m for m in messages if m.get("type") == "call"]
    for m in cell_msgs:
        if m["status"] == "timeout":
            flags.append("cell_timeout")
            result["notes"].append(f"cell {m['index']} exceeded the {opts['cell_timeout']:g} s cell time limit")
        elif m["status"] == "exit":
            flags.append("sys_exit")
            result["notes"].append(f"cell {m['index']} called sys.exit() ({m['error']}); grading continued")
        elif m["status"] == "error":
            if "MemoryError" in m["error"]:
                flags.append("memory_limit")
                result["notes"].append(f"cell {m['index']} ran out of memory (limit {opts['memory_mb']} MB)")
            else:
                result["notes"].append(f"cell {m['index']} raised {m['error']}")
    for m in call_msgs:
        o = m.get("outcome", {})
        if o.get("exc_type") == "MemoryError" and "memory_limit" not in flags:
            flags.append("memory_limit")
            result["notes"].append(f"{m['func']} ran out of memory (limit {opts['memory_mb']} MB)")
        if o.get("exc_type") == "SystemExit" and "sys_exit" not in flags:
            flags.append("sys_exit")
            result["notes"].append(f"{m['func']} called sys.exit(); that call counts as failed")
        if o.get("kind") == "timeout" and "call_timeout" not in flags:
            flags.append("call_timeout")
            result["notes"].append(f"{m['func']} exceeded the {opts['call_timeout']:g} s time limit per call")
    printed = sum(m.get("printed", 0) for m in cell_msgs) + sum(m.get("outcome", {}).get("printed_chars", 0)
                                                                for m in call_msgs)
    if printed > 1_000_000:
        flags.append("output_flood")
        result["notes"].append(f"output flood: the notebook printed {printed / 1e6:.1f} million characters "
                               "(discarded)")
    if before - after:
        flags.append("deleted_files")
        result["notes"].append(f"the submission deleted files in its working directory ({sorted(before - after)}); "
                               "it ran on a copy, nothing was lost")
    defined = next((m["functions"] for m in messages if m.get("type") == "defined"), {})
    outcomes = {}
    for m in messages:
        if m.get("type") == "call":
            outcomes[(m["func"], m["id"])] = m["outcome"]
    blocked = next((m.get("blocked", []) for m in messages if m.get("type") == "done"), [])

    feedback = [f"Submission {path.name} — chapter {ch}"]
    delegated_any = False
    for ex in exercises:
        entry = {"points": 0.0, "passed": 0, "total": 0, "status": "", "mistakes": []}
        info_f = defined.get(ex.func_name, {"kind": "missing" if done else "not run"})
        delegated = (scan["uses_flagged"].get(ex.func_name, False) or ex.func_name in scan["flagged_names"]
                     or info_f.get("module", "").startswith("dlfund")
                     or any(b[1] == ex.func_name for b in blocked))
        received = sum(1 for (fname, _) in outcomes if fname == ex.func_name)
        if info_f.get("kind") in ("function", "other") and received == 0 and not done:
            info_f = {"kind": "not run"}
        if delegated and info_f.get("kind") in ("missing", "not callable", "not run"):
            delegated_any = True
            entry["status"] = "delegated"
            feedback.append(f"✗ {ex.name} ({ex.func_name}): imported from the course's reference code (dlfund) "
                            "instead of written — 0 points")
        elif info_f.get("kind") in ("missing", "not callable", "not run"):
            what = {"missing": "is not defined", "not callable": "is not a function",
                    "not run": "was never reached (see the verdict)"}[info_f["kind"]]
            entry["status"] = "missing"
            feedback.append(f"✗ {ex.name} ({ex.func_name}): {ex.func_name} {what}")
        else:
            calls = iter(range(10 ** 6))

            def runner(args, kwargs, _name=ex.func_name, _calls=calls):
                return _outcome_from(outcomes.get((_name, next(_calls))))

            g = grade(ex, runner, seeds=seeds)
            entry.update(passed=g.passed, total=g.total, status=g.status, mistakes=[m.code for m in g.mistakes])
            if delegated:
                delegated_any = True
                entry["status"] = "delegated"
                feedback.append(f"✗ {ex.name} ({ex.func_name}): uses the course's reference implementation "
                                "(dlfund) instead of your own code — 0 points")
            else:
                if g.status == "passed":
                    entry["points"] = 1.0
                elif opts.get("partial"):
                    entry["points"] = round(g.passed / g.total, 3) if g.total else 0.0
                feedback.append(text_report(g))
        result["exercises"][ex.name] = entry
    if delegated_any:
        flags.append("delegation")
    result["verdict"] = verdict_of(flags)
    result["total"] = round(sum(e["points"] for e in result["exercises"].values()), 3)
    head = [f"Verdict: {result['verdict']} — {result['total']:g}/{result['max']} exercises"]
    head += [f"  note: {n}" for n in result["notes"]]
    result["feedback"] = "\n".join(head + [""] + feedback) + "\n"
    return result


#: flag -> verdict text, most severe first
VERDICTS = [("invalid_notebook", "invalid notebook"), ("time_limit", "time limit exceeded"),
            ("cpu_limit", "CPU limit exceeded"), ("crashed", "crashed"), ("memory_limit", "memory limit exceeded"),
            ("delegation", "delegates to dlfund"), ("sys_exit", "called sys.exit"),
            ("cell_timeout", "cell time limit exceeded"), ("call_timeout", "function time limit exceeded"),
            ("output_flood", "output flood"), ("deleted_files", "deleted files")]


def verdict_of(flags):
    """'graded' or the most severe flag, with the others in parentheses."""
    texts = [t for f, t in VERDICTS if f in flags]
    if not texts:
        return "graded"
    return texts[0] + (f" (also: {', '.join(texts[1:])})" if len(texts) > 1 else "")


def _safe_grade(args):
    path, opts, chapter = args
    try:
        return grade_submission(path, opts, chapter)
    except Exception as exc:  # noqa: BLE001 - one submission must never stop the batch
        return {"submission": Path(path).name, "path": str(path), "chapter": chapter, "verdict": "grader error",
                "flags": ["grader_error"],
                "notes": [f"{type(exc).__name__}: {exc}"], "exercises": {}, "total": 0.0, "max": 0,
                "feedback": f"The grader failed on this submission ({type(exc).__name__}: {exc}); please report it.\n"}


def collect(paths):
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        else:
            out.append(p)
    return out


def grade_all(paths, out_dir, jobs=None, opts=None, chapter=None, progress=True):
    """Grade every submission in parallel and write scores.csv, scores.json and feedback/."""
    files = collect(paths)
    jobs = jobs or os.cpu_count() or 1
    out_dir = Path(out_dir)
    (out_dir / "feedback").mkdir(parents=True, exist_ok=True)
    results = []
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        tqdm = None
    bar = tqdm(total=len(files), desc="grading", unit="nb", disable=not progress) if tqdm else None
    work = [(str(f), opts, chapter) for f in files]
    if jobs == 1:
        for w in work:
            results.append(_safe_grade(w))
            if bar:
                bar.update()
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_safe_grade, w): w for w in work}
            for fut in as_completed(futures):
                try:
                    results.append(fut.result())
                except Exception as exc:  # noqa: BLE001 - e.g. a worker killed from outside
                    results.append({"submission": Path(futures[fut][0]).name, "path": futures[fut][0],
                                    "verdict": "grader error", "flags": ["grader_error"], "notes": [str(exc)],
                                    "exercises": {}, "total": 0.0, "max": 0, "chapter": None, "feedback": str(exc)})
                if bar:
                    bar.update()
    if bar:
        bar.close()
    results.sort(key=lambda r: r["path"])
    write_outputs(results, out_dir)
    return results


def _feedback_name(result, used):
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(result["path"]).stem) or "submission"
    name, k = base, 1
    while name in used:
        k += 1
        name = f"{base}_{k}"
    used.add(name)
    return name + ".txt"


def write_outputs(results, out_dir):
    out_dir = Path(out_dir)
    ex_names = []
    for ch, exs in sorted(chapters().items()):
        for e in exs:
            if any(e.name in r["exercises"] for r in results):
                ex_names.append(e.name)
    used = set()
    for r in results:
        r["feedback_file"] = f"feedback/{_feedback_name(r, used)}"
        (out_dir / r["feedback_file"]).write_text(r["feedback"])
    with open(out_dir / "scores.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["submission", "chapter", "verdict", "total", "max"] + ex_names + ["notes"])
        for r in results:
            w.writerow([r["submission"], r.get("chapter") or "", r["verdict"], r["total"], r["max"]]
                       + [r["exercises"][n]["points"] if n in r["exercises"] else "" for n in ex_names]
                       + [" | ".join(r["notes"])])
    summary = {"submissions": len(results),
               "clean": sum(r["verdict"] == "graded" for r in results),
               "mean_total": round(sum(r["total"] for r in results) / len(results), 3) if results else 0.0}
    with open(out_dir / "scores.json", "w") as f:
        json.dump({"summary": summary, "exercises": ex_names,
                   "results": [{k: v for k, v in r.items() if k != "feedback"} for r in results]}, f, indent=1)


# ---------------------------------------------------------------------------------------------
# command line

def add_arguments(parser):
    parser.add_argument("submissions", nargs="+", help="notebooks or folders of notebooks")
    parser.add_argument("--out", required=True, help="folder for scores.csv, scores.json and feedback/")
    parser.add_argument("--jobs", type=int, default=None, help="parallel submissions (default: all cores)")
    parser.add_argument("--chapter", type=int, default=None, help="grade as this chapter (default: detect)")
    parser.add_argument("--partial", action="store_true", help="give partial credit (fraction of cases passed)")
    parser.add_argument("--call-timeout", type=float, default=DEFAULTS["call_timeout"], help="seconds per call")
    parser.add_argument("--cell-timeout", type=float, default=DEFAULTS["cell_timeout"], help="seconds per cell")
    parser.add_argument("--time-limit", type=float, default=DEFAULTS["wall_timeout"],
                        help="wall-clock seconds per submission")
    parser.add_argument("--cpu-limit", type=int, default=DEFAULTS["cpu_seconds"], help="CPU seconds per submission")
    parser.add_argument("--memory-limit", type=int, default=DEFAULTS["memory_mb"], help="MB of address space")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args):
    opts = {"call_timeout": args.call_timeout, "cell_timeout": args.cell_timeout, "wall_timeout": args.time_limit,
            "cpu_seconds": args.cpu_limit, "memory_mb": args.memory_limit, "partial": args.partial}
    files = collect(args.submissions)
    if not files:
        print("no notebooks found", file=sys.stderr)
        return 2
    results = grade_all(files, args.out, jobs=args.jobs, opts=opts, chapter=args.chapter, progress=not args.quiet)
    width = max(len(r["submission"]) for r in results)
    for r in results:
        print(f"{r['submission']:<{width}}  {r['total']:>5g}/{r['max']:<3} {r['verdict']}")
    print(f"wrote {Path(args.out) / 'scores.csv'}, scores.json and feedback/ ({len(results)} submissions)")
    return 0
