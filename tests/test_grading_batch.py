"""Batch grading: good, buggy and hostile submissions each get the right verdict, and one
hostile notebook never stops the others from being graded."""

import csv
import json

import pytest

from _grading_helpers import FAST, N_CH2, solutions_fixture  # noqa: F401 - the `solutions` fixture
from _grading_helpers import variant as _variant
from dlfund.cli import main as cli_main
from dlfund.grading.batch import grade_all, grade_submission, static_scan
from dlfund.grading.registry import chapters


HOSTILE = {
    # name: (extra cells, replaced functions, expected flag, expected points)
    "loops_forever": (["while True:\n    pass"], {}, "cell_timeout", N_CH2),
    "ignores_alarm_busy": (
        ["import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"],
        {},
        "cpu_limit",
        0,
    ),
    "ignores_alarm_sleeps": (
        ["import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntime.sleep(600)"],
        {},
        "time_limit",
        0,
    ),
    "function_loops": ([], {"relu": "def relu(z):\n    while True:\n        pass"}, "call_timeout", N_CH2 - 1),
    "exhausts_memory": (["hog = bytearray(8 * 1024**3)"], {}, "memory_limit", N_CH2),
    "calls_sys_exit": (["import sys\nsys.exit(2)"], {}, "sys_exit", N_CH2),
    "exits_in_function": (
        [],
        {"tanh_derivative": "def tanh_derivative(z):\n    raise SystemExit(0)"},
        "sys_exit",
        N_CH2 - 1,
    ),
    "floods_output": (["for i in range(400_000):\n    print('spam' * 3, i)"], {}, "output_flood", N_CH2),
    "deletes_files": (["import os, shutil\nfor f in os.listdir('.'):\n    os.remove(f)"], {}, "deleted_files", N_CH2),
    "delegates": (
        ["from dlfund.activations import softmax as ref"],
        {"softmax": "def softmax(z):\n    return ref(z)"},
        "delegation",
        N_CH2 - 1,
    ),
    "imports_reference_by_name": (["from dlfund.activations import relu"], {"relu": "pass"}, "delegation", N_CH2 - 1),
    "dynamic_delegation": (
        [],
        {
            "relu": "def relu(z):\n    import importlib\n    m = importlib.import_module("
            "'dlfund.act' + 'ivations')\n    return m.relu(z)"
        },
        "delegation",
        N_CH2 - 1,
    ),
    "os_exit": (["import os\nos._exit(0)"], {}, "crashed", 0),
    "patches_checker": (
        [
            "import dlfund.grading as g\ng.check = lambda *a, **k: 'all tests passed'\n"
            "import builtins\nbuiltins.__import__ = None"
        ],
        {},
        None,
        N_CH2,
    ),
}


@pytest.fixture(scope="module")
def batch(solutions, tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    _variant(solutions, folder, "good")
    _variant(
        solutions,
        folder,
        "buggy_softmax",
        replace={"softmax": "def softmax(z):\n    e = np.exp(z)\n    return e / e.sum(axis=1, keepdims=True)"},
    )
    _variant(solutions, folder, "raises_in_relu", replace={"relu": "def relu(z):\n    return z @ z"})
    for name, (cells, repl, _, _) in HOSTILE.items():
        _variant(solutions, folder, name, cells_before=cells, replace=repl)
    (folder / "not_json.ipynb").write_text("{ this is not json")
    (folder / "no_cells.ipynb").write_text(json.dumps({"nbformat": 4}))
    out = tmp_path_factory.mktemp("out")
    results = grade_all([folder], out, jobs=2, opts=FAST, progress=False)
    return {r["submission"]: r for r in results}, out


def test_good_and_buggy_submissions(batch):
    results, _ = batch
    good = results["good.ipynb"]
    assert good["verdict"] == "graded" and good["total"] == good["max"] == N_CH2 and good["chapter"] == 2
    buggy = results["buggy_softmax.ipynb"]
    assert buggy["verdict"] == "graded" and buggy["total"] == N_CH2 - 1
    assert buggy["exercises"]["softmax"]["mistakes"] == ["SOFTMAX_OVERFLOW"]
    raises = results["raises_in_relu.ipynb"]
    assert raises["exercises"]["relu"]["points"] == 0 and raises["total"] == N_CH2 - 1
    assert raises["verdict"] == "graded"


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_submission_gets_a_clear_verdict(batch, name):
    results, _ = batch
    r = results[f"{name}.ipynb"]
    _, _, flag, points = HOSTILE[name]
    if flag is None:
        assert r["flags"] == [] and r["verdict"] == "graded"
    else:
        assert flag in r["flags"], (r["verdict"], r["notes"])
        assert r["verdict"] != "graded"
    assert r["total"] == points, (r["verdict"], r["notes"])


def test_invalid_notebooks(batch):
    results, _ = batch
    assert results["not_json.ipynb"]["verdict"] == "invalid notebook"
    assert "invalid JSON" in results["not_json.ipynb"]["notes"][0]
    assert results["no_cells.ipynb"]["verdict"] == "invalid notebook"


def test_score_table_and_feedback_files(batch):
    results, out = batch
    rows = list(csv.DictReader(open(out / "scores.csv")))
    assert len(rows) == len(results)
    by_name = {r["submission"]: r for r in rows}
    assert by_name["good.ipynb"]["softmax"] == "1.0" and by_name["buggy_softmax.ipynb"]["softmax"] == "0.0"
    assert by_name["delegates.ipynb"]["verdict"] == "delegates to dlfund"
    assert by_name["not_json.ipynb"]["total"] == "0.0"
    data = json.loads((out / "scores.json").read_text())
    assert data["summary"]["submissions"] == len(results)
    assert [e.name for e in chapters()[2]] == data["exercises"]
    feedback = (out / results["buggy_softmax.ipynb"]["feedback_file"]).read_text()
    assert "Known mistake [SOFTMAX_OVERFLOW]" in feedback and "✓ sigmoid" in feedback
    delegated = (out / results["delegates.ipynb"]["feedback_file"]).read_text()
    assert "reference implementation" in delegated


def test_static_scan_follows_calls_between_functions():
    cells = [
        (0, "from dlfund.activations import softmax as s"),
        (1, "def helper(z):\n    return s(z)"),
        (2, "def softmax(z):\n    return helper(z)"),
        (3, "def relu(z):\n    return z * (z > 0)"),
    ]
    scan = static_scan(cells, chapter=2)
    assert scan["uses_flagged"] == {"helper": True, "softmax": True, "relu": False}
    assert static_scan(cells, chapter=3)["uses_flagged"]["softmax"] is False  # activations allowed in chapter 3


def test_cli_grade(solutions, tmp_path, capsys):
    out = tmp_path / "out"
    rc = cli_main(["grade", str(solutions / "ch02_foundations.ipynb"), "--out", str(out), "--jobs", "1", "--quiet"])
    assert rc == 0
    assert f"{N_CH2}/{N_CH2}" in capsys.readouterr().out
    assert (out / "scores.csv").exists() and list((out / "feedback").glob("*.txt"))


def test_a_single_submission_can_be_graded_directly(solutions):
    r = grade_submission(solutions / "ch02_foundations.ipynb", FAST)
    assert r["total"] == r["max"] and all(e["status"] == "passed" for e in r["exercises"].values())
