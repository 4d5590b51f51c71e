"""The files a grading run leaves in its output folder, written once, at the end, atomically.

`scores.csv`, `scores.json` and `feedback/<submission>.txt` are written through
`dlfund.storage.replace_files` (a hidden staging folder inside DIR, then renamed into place, the
feedback folder as a whole): a run that is interrupted leaves the previous results untouched, and
nothing is ever read back from DIR. Failures raise `StorageError`.
"""

import csv
import json
import re
from pathlib import Path

from ..storage import replace_files
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
    summary = {
        "submissions": len(results),
        "clean": sum(r["verdict"] == "graded" for r in results),
        "mean_total": round(sum(r["total"] for r in results) / len(results), 3) if results else 0.0,
        **(summary_extra or {}),
    }
    with open(folder / "scores.json", "w") as f:
        json.dump(
            {
                "summary": summary,
                "exercises": ex_names,
                "results": [{k: v for k, v in r.items() if k != "feedback"} for r in results],
            },
            f,
            indent=1,
        )


def write_outputs(results, out_dir, summary_extra=None):
    """Write scores.csv, scores.json and feedback/ into `out_dir`, replacing an earlier run's."""

    def write(stage):
        _write_all(results, stage, summary_extra)
        return ["feedback", "scores.json", "scores.csv"]

    replace_files(out_dir, write, "the results")
