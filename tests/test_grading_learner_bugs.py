"""The learner bug set (tools/learner_bugs/, run in full by `python tools/learner_bugs_run.py`):
realistic buggy implementations must fail `check` and unusual valid ones must pass. Here a fixed
sample — the first bug of every exercise and every fourth one after that — and every valid
implementation are re-run, so a change to cases or comparisons cannot silently let them through."""

import sys
from pathlib import Path

import pytest

from dlfund.grading import all_exercises, check

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import learner_bugs

ENTRIES = learner_bugs.load()


def _sample():
    out, seen = [], {}
    for e in ENTRIES:
        if e.kind != "bug":
            continue
        n = seen[e.exercise] = seen.get(e.exercise, 0) + 1
        if n == 1 or n % 4 == 0:
            out.append(e)
    return out


@pytest.fixture(autouse=True)
def _own_progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFUND_HOME", str(tmp_path / "dlfund-home"))


def test_the_set_covers_every_exercise_with_bugs_and_a_valid_variant():
    names = {ex.name for ex in all_exercises()}
    for name in names:
        kinds = [e.kind for e in ENTRIES if e.exercise == name]
        assert kinds.count("bug") >= 4 and kinds.count("valid") >= 1, name
    assert {e.exercise for e in ENTRIES} <= names


@pytest.mark.parametrize("entry", _sample(), ids=lambda e: e.id)
def test_sampled_learner_bug_fails(entry):
    result = check(entry.exercise, entry.fn, record=False, show=False)
    assert not result.ok, f"{entry.id} ({entry.what}) passes"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.kind == "valid"], ids=lambda e: e.id)
def test_valid_unusual_implementation_passes(entry):
    result = check(entry.exercise, entry.fn, record=False, show=False)
    assert result.ok, f"{entry.id} ({entry.what}) fails:\n{result.report()}"
