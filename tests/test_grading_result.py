"""GradedSubmission: the one result of a graded submission, its JSON form and its scores.csv row."""

import csv
import json

from dlfund.grading.outputs import write_outputs
from dlfund.grading.result import GradedSubmission, verdict_of


def _entry(points, passed, total, status):
    return {"points": points, "passed": passed, "total": total, "status": status, "mistakes": []}


def _example():
    r = GradedSubmission.for_path("class/ana_ch02.ipynb", chapter=2, max=8)
    r.add("cell_timeout", "cell 3 exceeded the 20 s cell time limit")
    r.add(None, "cell 4 raised NameError: name 'x' is not defined")
    r.exercises = {"sigmoid": _entry(1.0, 6, 6, "passed"), "softmax": _entry(0.0, 2, 6, "failed")}
    return r.finish(["✓ sigmoid", "✗ softmax"])


def test_result_round_trips_through_json_and_keeps_the_batch_layout():
    r = _example()
    data = json.loads(json.dumps(r.to_dict()))
    assert list(data) == [
        "submission",
        "path",
        "chapter",
        "verdict",
        "flags",
        "notes",
        "exercises",
        "total",
        "max",
        "feedback",
    ]
    assert GradedSubmission.from_dict({**data, "isolation": "process", "feedback_file": "x"}) == r
    assert (r.submission, r.verdict, r.total) == ("ana_ch02.ipynb", "cell time limit exceeded", 1.0)
    assert r.feedback.splitlines()[:3] == [
        "Verdict: cell time limit exceeded — 1/8 exercises",
        "  note: cell 3 exceeded the 20 s cell time limit",
        "  note: cell 4 raised NameError: name 'x' is not defined",
    ]


def test_result_is_the_scores_csv_row(tmp_path):
    r = _example()
    other = GradedSubmission.refused(
        "class/bob.ipynb", "invalid_notebook", "not a notebook: invalid JSON", "bob.ipynb: not a notebook"
    )
    write_outputs([r.to_dict(), other.to_dict()], tmp_path)
    with open(tmp_path / "scores.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["submission"] for row in rows] == ["ana_ch02.ipynb", "bob.ipynb"]
    ana, bob = rows
    assert (ana["chapter"], ana["verdict"], ana["total"], ana["max"]) == ("2", "cell time limit exceeded", "1.0", "8")
    assert (ana["sigmoid"], ana["softmax"]) == ("1.0", "0.0")
    assert ana["notes"] == (
        "cell 3 exceeded the 20 s cell time limit | cell 4 raised NameError: name 'x' is not defined"
    )
    assert (bob["chapter"], bob["verdict"], bob["sigmoid"], bob["total"]) == ("", "invalid notebook", "", "0.0")
    assert "relu" not in ana  # only exercises some submission was graded on get a column
    assert (tmp_path / "feedback" / "ana_ch02.txt").read_text() == r.feedback


def test_flags_once_and_verdict_order():
    r = GradedSubmission.for_path("x.ipynb")
    r.add("sys_exit", "cell 1 called sys.exit()")
    r.add("sys_exit", "again", once=True)
    r.add("time_limit", "stopped after 120 s")
    assert r.flags == ["sys_exit", "time_limit"] and r.notes == [
        "cell 1 called sys.exit()",
        "again",
        "stopped after 120 s",
    ]
    assert verdict_of(r.flags) == "time limit exceeded (also: called sys.exit)"
    assert verdict_of([]) == "graded"
