"""Mutation testing keeps the grader honest: small corruptions of every model solution must fail
`check`. The full run (`python tools/mutation_test.py`, a minute or two) writes
benchmarks/results/mutation.json; here a fixed sample of mutants per exercise is re-run."""

import importlib.util
import json
from pathlib import Path

import pytest

from dlfund.grading import all_exercises

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mutation():
    spec = importlib.util.spec_from_file_location("mutation_test", ROOT / "tools" / "mutation_test.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(autouse=True)
def _own_progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFUND_HOME", str(tmp_path / "dlfund-home"))


def test_every_exercise_has_a_solution_to_mutate(mutation):
    sols = mutation.solutions()
    assert set(sols) == {e.name for e in all_exercises()}
    assert all(mutation.mutants(src, func) for _, func, src, _ in sols.values())


def test_a_mutant_is_a_real_change(mutation):
    src = "def f(x, y):\n    return x + y\n"
    muts = {desc: code for desc, _, code in mutation.mutants(src, "f")}
    assert "x - y" in muts["Add -> Sub (line 2)"]
    assert "return (y, x)" not in "".join(muts.values())  # one mutation at a time, no tuple here


def test_a_fixed_sample_of_mutants_is_killed(mutation):
    results = mutation.run(sample=2)
    survivors = {name: [s["mutation"] for s in r["survivors"]] for name, r in results.items() if r["survivors"]}
    assert not survivors, survivors
    assert sum(r["mutants"] for r in results.values()) >= 60


def test_the_committed_full_run_kills_every_non_equivalent_mutant(mutation):
    data = json.loads((ROOT / "benchmarks" / "results" / "mutation.json").read_text())
    assert set(data["exercises"]) == {e.name for e in all_exercises()}
    assert data["summary"]["survivors"] == 0 and data["summary"]["score"] == 1.0
    for name, entry in data["exercises"].items():
        assert entry["mutants"] >= 1 and entry["score"] == 1.0, name
        for desc in entry["equivalent"]:  # every mutant called equivalent says why
            assert mutation.EQUIVALENT.get((name, desc)) or mutation.EQUIVALENT.get((name, desc.split(" (line")[0]))
