"""Exercise notebooks: built from one source, stubs everywhere in the learner version, and the
solution version scores full marks — in the notebook itself and through the batch grader."""

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dlfund.grading.batch import grade_all
from dlfund.grading.build import ROOT, build, out_of_sync, strip_solutions
from dlfund.grading.registry import chapters

EXERCISES_DIR = ROOT / "exercises"
SOURCES = sorted((EXERCISES_DIR / "src").glob("ch*.md"))
LEARNER = sorted(EXERCISES_DIR.glob("ch*.ipynb"))


def test_learner_notebooks_are_in_sync_with_their_source():
    assert SOURCES, "no exercise sources"
    assert out_of_sync() == [], "run: python -m dlfund.grading.build"


def test_out_of_sync_is_detected(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "ch02_x.md").write_text(
        "# t\n\n```{code-cell}\ndef f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n```\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    assert out_of_sync(src, out) == ["ch02_x.ipynb"]  # missing
    build(src, out)
    assert out_of_sync(src, out) == []
    (src / "ch02_x.md").write_text((src / "ch02_x.md").read_text().replace("return x", "return 2 * x"))
    assert out_of_sync(src, out) == []  # a change inside a solution does not change the learner notebook
    (src / "ch02_x.md").write_text((src / "ch02_x.md").read_text().replace("# t", "# changed title"))
    assert out_of_sync(src, out) == ["ch02_x.ipynb"]


def test_solution_markers_become_stubs_at_the_same_indentation():
    code = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION"
    assert strip_solutions(code) == (
        'def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError("f: write your code here")'
    )
    with pytest.raises(ValueError):
        strip_solutions("def f():\n    ### BEGIN SOLUTION\n    pass")


@pytest.mark.parametrize("path", LEARNER, ids=[p.name for p in LEARNER])
def test_learner_notebook_is_clean_and_complete(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    text = "\n".join("".join(c["source"]) for c in code)
    assert "BEGIN SOLUTION" not in text
    chapter = int(re.match(r"ch0*(\d+)", path.name).group(1))
    checked = re.findall(r'check\("(\w+)", (\w+)\)', text)
    registered = {e.name: e.func_name for e in chapters()[chapter]}
    assert dict(checked) == registered  # every exercise of the chapter, and nothing else
    for name, func in checked:
        stub = re.search(rf"def {func}\(.*?(?=\ndef |\Z)", text, re.S).group(0)
        assert "raise NotImplementedError" in stub, func


def test_at_least_one_notebook_per_chapter_with_exercises():
    have = {int(re.match(r"ch0*(\d+)", p.name).group(1)) for p in LEARNER}
    assert set(chapters()) <= have


@pytest.fixture(scope="module")
def solution_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("solutions")
    build(out_dir=tmp_path_factory.mktemp("learner"), solutions_dir=out)
    return out


def test_every_solution_notebook_scores_full_marks_in_batch_grading(solution_dir, tmp_path):
    results = grade_all([solution_dir], tmp_path / "out", jobs=2, progress=False)
    assert len(results) == len(SOURCES)
    for r in results:
        assert r["verdict"] == "graded", (r["submission"], r["notes"])
        assert r["total"] == r["max"] > 0, (r["submission"], r["exercises"])


def test_learner_notebooks_as_shipped_grade_as_not_implemented(tmp_path):
    results = grade_all(LEARNER, tmp_path / "out", jobs=2, progress=False)
    for r in results:
        assert r["verdict"] == "graded" and r["total"] == 0, (r["submission"], r["notes"])
        assert {e["status"] for e in r["exercises"].values()} == {"not_implemented"}


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_solution_notebook_checks_pass_in_a_kernel(source, solution_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("DLFUND_HOME", str(tmp_path))
    nb = nbformat.read(solution_dir / (source.stem + ".ipynb"), 4)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    reports = [
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {}) and "dlfund-check" in o["data"]["text/html"]
    ]
    n_checks = sum('check("' in c.source for c in nb.cells if c.cell_type == "code")
    assert len(reports) == n_checks > 0
    assert all("cases passed</b>" in r and "✓" in r for r in reports), [r[:300] for r in reports if "✓" not in r]
    # and the progress record saw every exercise pass
    progress = json.loads((Path(tmp_path) / "progress.json").read_text())["exercises"]
    assert all(v["passed"] for v in progress.values()) and len(progress) == n_checks
