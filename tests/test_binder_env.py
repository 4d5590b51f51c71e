"""What Binder does: a fresh virtual environment from requirements.txt alone can run a chapter.

Builds a new venv with a clean Python 3.11, installs only binder/requirements.txt from the
repository root, as repo2docker does (the locked book environment and the package; no test
dependencies, no torch), and executes the first chapter notebook in that environment's kernel.
"""

import shutil
import subprocess
import sys

from book_site import ROOT, toc_docnames

RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": sys.argv[2]}}).execute()
print("executed", len(nb.cells), "cells")
"""


def _python311():
    for name in ("python3.11", "python3"):
        exe = shutil.which(name)
        if exe:
            out = subprocess.run(
                [exe, "-c", "import sys; print(sys.version_info[:2] == (3, 11))"], capture_output=True, text=True
            )
            if out.stdout.strip() == "True":
                return exe
    return sys.executable


def test_requirements_alone_run_a_chapter(tmp_path):
    notebooks = [d for d in toc_docnames() if (ROOT / f"{d}.ipynb").exists()]
    assert notebooks, "no chapter notebook in _toc.yml"
    chapter = ROOT / f"{notebooks[0]}.ipynb"
    python = _python311()
    venv = tmp_path / "binder-venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    version = subprocess.run([str(vpy), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("Python 3.11"), f"Binder's environment is Python 3.11, got {version}"
    install = subprocess.run(
        [str(vpy), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # torch must not be needed by the book
    has_torch = subprocess.run([str(vpy), "-c", "import torch"], capture_output=True).returncode == 0
    assert not has_torch, "binder/requirements.txt pulled in torch; the book must not need it"
    run = subprocess.run(
        [str(vpy), "-c", RUNNER, str(chapter), str(chapter.parent)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, f"{chapter.name} failed in a fresh environment:\n{run.stderr[-4000:]}"
    assert "executed" in run.stdout
