"""The files a grading run leaves in its output folder, written once, at the end, atomically.

`scores.csv`, `scores.json` and `feedback/<submission>.txt` are first written into a fresh hidden
folder inside DIR, then moved into place with `os.replace` (the feedback folder as a whole), the
policy of `dlfund.storage` for a set of files: a run that is interrupted leaves the previous
results untouched, and nothing is ever read back from DIR. Failures raise `StorageError`.
"""
import csv
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..storage import StorageError
from .registry import chapters
from .result import CSV_HEAD, CSV_TAIL, GradedSubmission


def _feedback_name(result, used):
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(result["path"]).stem) or "submission"
    name, k = base, 1
    while name in used:
        k += 1
        name = f"{base}_{k}"
    used.add(name)
    return name + ".txt"


def _write_all(results, folder, summary_extra):
    ex_names = []
    for _, exs in sorted(chapters().items()):
        for e in exs:
            if any(e.name in r["exercises"] for r in results):
                ex_names.append(e.name)
    used = set()
    (folder / "feedback").mkdir()
    for r in results:
        r["feedback_file"] = f"feedback/{_feedback_name(r, used)}"
        (folder / r["feedback_file"]).write_text(r["feedback"])
    with open(folder / "scores.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEAD + ex_names + CSV_TAIL)
        for r in results:
            w.writerow(GradedSubmission.from_dict(r).csv_row(ex_names))
    summary = {"submissions": len(results),
               "clean": sum(r["verdict"] == "graded" for r in results),
               "mean_total": round(sum(r["total"] for r in results) / len(results), 3) if results else 0.0,
               **(summary_extra or {})}
    with open(folder / "scores.json", "w") as f:
        json.dump({"summary": summary, "exercises": ex_names,
                   "results": [{k: v for k, v in r.items() if k != "feedback"} for r in results]}, f, indent=1)


def write_outputs(results, out_dir, summary_extra=None):
    """Write scores.csv, scores.json and feedback/ into `out_dir`, replacing an earlier run's."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".grading-", dir=out_dir))
    except OSError as exc:
        raise StorageError(f"cannot write the results into {out_dir}: {exc.strerror or exc}") from exc
    try:
        _write_all(results, stage, summary_extra)
        old = out_dir / "feedback"
        if old.is_dir() and not old.is_symlink():
            os.replace(old, stage / "feedback.old")
        elif old.exists() or old.is_symlink():
            old.unlink()
        os.replace(stage / "feedback", out_dir / "feedback")
        for name in ("scores.json", "scores.csv"):
            os.replace(stage / name, out_dir / name)
    except OSError as exc:
        raise StorageError(f"cannot write the results into {out_dir}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
