"""Learner progress: the local record, the per-chapter summary, and `python -m dlfund progress`."""
import json

import numpy as np
import pytest

from dlfund import activations
from dlfund.cli import main as cli_main
from dlfund.grading import check, progress
from dlfund.grading.progress import load_record, record_path, text_summary


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFUND_HOME", str(tmp_path))
    return tmp_path


def test_record_lives_under_dlfund_home(home):
    check("relu", activations.relu, show=False)
    assert record_path() == home / "progress.json"
    data = json.loads((home / "progress.json").read_text())
    assert data["exercises"]["relu"]["passed"] is True and data["exercises"]["relu"]["chapter"] == 2


def test_pass_time_is_kept_after_a_later_failure():
    check("relu", activations.relu, show=False)
    first = load_record()["exercises"]["relu"]["first_passed"]
    check("relu", lambda z: z, show=False)
    entry = load_record()["exercises"]["relu"]
    assert entry["passed"] and entry["first_passed"] == first and entry["attempts"] == 2
    assert entry["status"] == "failed"


def test_stubs_are_not_recorded():
    def relu(z):
        raise NotImplementedError

    check("relu", relu, show=False)
    assert "relu" not in load_record()["exercises"]


def test_summary_per_chapter():
    check("relu", activations.relu, show=False)
    check("softmax", activations.softmax, show=False)
    check("sigmoid", lambda z: np.tanh(z), show=False)
    text = text_summary()
    line = next(s for s in text.splitlines() if s.startswith("Chapter 2"))
    assert line.endswith("2/8")
    assert "sigmoid*" in text  # attempted, not passed
    p = progress()
    assert p.passed == ["relu", "softmax"]
    assert "<table>" in p._repr_html_() and "2/8" in p._repr_html_()


def test_cli_progress(capsys, home):
    check("relu", activations.relu, show=False)
    assert cli_main(["progress", "--chapter", "2"]) == 0
    out = capsys.readouterr().out
    assert "Chapter 2" in out and "1/8" in out and "Chapter 3" not in out
    assert cli_main(["progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exercises"]["relu"]["passed"]
    assert cli_main(["progress", "--reset"]) == 0
    assert not (home / "progress.json").exists()


def test_a_corrupt_record_is_replaced_not_fatal(home):
    (home / "progress.json").write_text("{not json")
    check("relu", activations.relu, show=False)
    assert load_record()["exercises"]["relu"]["passed"]
