"""Learner progress: the local record, the per-chapter summary, and `python -m dlfund progress`."""

import json
import multiprocessing as mp
import os
import time
from types import SimpleNamespace

import numpy as np
import pytest

from dlfund import activations
from dlfund.cli import main as cli_main
from dlfund.grading import check, progress
from dlfund.grading.progress import load_record, record_path, record_result, text_summary


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


def test_a_corrupt_record_is_kept_aside_and_the_report_says_so_once(home):
    (home / "progress.json").write_text("{not json")
    assert "damaged" in str(progress())  # reading shows it and moves nothing
    assert (home / "progress.json").read_text() == "{not json"
    result = check("relu", activations.relu, show=False)
    assert load_record()["exercises"]["relu"]["passed"]
    [backup] = home.glob("progress.json.corrupt-*")
    assert backup.read_text() == "{not json"
    assert result.report().count(backup.name) == 1 and backup.name in result._repr_html_()
    again = check("relu", activations.relu, show=False)  # the next report has nothing to say
    assert again.record_notice is None and "note:" not in again.report()


def _unwritable(home):
    blocker = home / "blocker"
    blocker.write_text("a file where the record's folder should be")
    return blocker / "dlfund"


def test_an_unwritable_home_is_reported_in_the_check_report(home, monkeypatch):
    monkeypatch.setenv("DLFUND_HOME", str(_unwritable(home)))
    result = check("relu", activations.relu, show=False)
    assert result.ok  # the grading itself is unaffected
    text = result.report()
    assert text.count("NOT recorded") == 1 and "progress.json" in text
    assert "NOT recorded" in result._repr_html_()


def test_a_foreign_json_file_is_never_overwritten(home, capsys):
    mine = '{"my": "notes"}'
    (home / "progress.json").write_text(mine)
    result = check("relu", activations.relu, show=False)
    assert "NOT recorded" in result.report() and "left untouched" in result.report()
    assert (home / "progress.json").read_text() == mine
    assert cli_main(["progress"]) == 1 and "not a dlfund progress record" in capsys.readouterr().err
    assert cli_main(["progress", "--reset"]) == 1
    assert (home / "progress.json").read_text() == mine
    assert not list(home.glob("*.corrupt-*"))


def test_progress_on_a_directory_is_an_error_not_a_traceback(home, capsys):
    assert cli_main(["progress", "--file", str(home), "--reset"]) == 1
    assert "is a directory" in capsys.readouterr().err and home.is_dir()


def test_a_killed_writers_temporary_file_is_cleaned_up(home):
    check("relu", activations.relu, show=False)
    stale, fresh = home / ".progress.json.dead.tmp", home / ".progress.json.busy.tmp"
    for f in (stale, fresh):
        f.write_text("{")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    check("relu", activations.relu, show=False)
    assert not stale.exists() and fresh.exists()  # a fresh one may belong to a live writer


def _record_many(home, n):
    os.environ["DLFUND_HOME"] = str(home)
    ex = SimpleNamespace(name="relu", chapter=2)
    result = SimpleNamespace(passed=1, total=1, status="passed", ok=True)
    for _ in range(n):
        record_result(ex, result)


def test_two_notebooks_recording_at_once_lose_no_attempt(home):
    procs = [mp.get_context("spawn").Process(target=_record_many, args=(home, 30)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert load_record()["exercises"]["relu"]["attempts"] == 60
