"""Shared by the batch-grading tests: solution notebooks and variants of the chapter 2 one."""

import nbformat
import pytest

from dlfund.grading.build import build
from dlfund.grading.registry import chapters

#: tight limits that keep the hostile batches short
FAST = {"call_timeout": 1.0, "cell_timeout": 2.0, "wall_timeout": 25.0, "cpu_seconds": 6, "memory_mb": 1024}
N_CH2 = len(chapters()[2])


@pytest.fixture(scope="module", name="solutions")
def solutions_fixture(tmp_path_factory):
    """The solution notebooks of every chapter (import this into a test module to use `solutions`)."""
    out = tmp_path_factory.mktemp("solutions")
    build(out_dir=tmp_path_factory.mktemp("learner"), solutions_dir=out)
    return out


def variant(solutions, folder, name, cells_before=None, replace=None, cells_at=1, cells_after=None):
    """The chapter 2 solution with extra cells (before the exercises, or at the end) and replaced functions."""
    nb = nbformat.read(solutions / "ch02_foundations.ipynb", 4)
    for fname, code in (replace or {}).items():
        for c in nb.cells:
            if c.cell_type == "code" and c.source.startswith(f"def {fname}("):
                c.source = code
    for code in reversed(cells_before or []):
        nb.cells.insert(cells_at, nbformat.v4.new_code_cell(code))
    for code in cells_after or []:
        nb.cells.append(nbformat.v4.new_code_cell(code))
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path
