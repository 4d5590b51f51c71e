"""Build the exercise notebooks from their single source.

The source of every exercise notebook is `exercises/src/chNN_name.md`: Markdown (MyST), with
code cells written as fenced ```` ```{code-cell} ```` blocks (an optional `:tags: [a, b]` line
right after the opening fence sets cell tags). Inside a code cell, the model solution sits
between `### BEGIN SOLUTION` and `### END SOLUTION`. From that one file this tool writes

* the learner notebook `exercises/chNN_name.ipynb`: each solution replaced by
  `raise NotImplementedError(...)` at the same indentation, no outputs;
* with `--solutions DIR`, the solution notebooks (markers removed) into DIR.

    python -m dlfund.grading.build            # rewrite exercises/*.ipynb
    python -m dlfund.grading.build --check    # exit 1 if a learner notebook is out of date
    python -m dlfund.grading.build --solutions /tmp/solutions
"""

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
FENCE = re.compile(r"^```\{code-cell\}.*$")
ROOT = Path(__file__).resolve().parents[2]


def parse_source(text):
    """Split a source file into [(cell_type, source, tags)]."""
    cells, md, lines = [], [], text.splitlines()
    i = 0

    def flush_md():
        chunk = "\n".join(md).strip("\n")
        for part in re.split(r"^\+\+\+\s*$", chunk, flags=re.M):
            if part.strip():
                cells.append(("markdown", part.strip("\n"), []))
        md.clear()

    while i < len(lines):
        if FENCE.match(lines[i]):
            flush_md()
            i += 1
            tags = []
            while i < len(lines) and lines[i].startswith(":"):
                m = re.match(r":tags:\s*\[(.*)\]", lines[i])
                if m:
                    tags = [t.strip().strip("'\"") for t in m.group(1).split(",") if t.strip()]
                i += 1
            code = []
            while i < len(lines) and lines[i].rstrip() != "```":
                code.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ValueError("unclosed code-cell fence")
            cells.append(("code", "\n".join(code).strip("\n"), tags))
        else:
            md.append(lines[i])
        i += 1
    flush_md()
    return cells


def _function_name(lines, upto):
    for line in reversed(lines[:upto]):
        m = re.match(r"\s*def\s+(\w+)\s*\(", line)
        if m:
            return m.group(1)
    return "this function"


def strip_solutions(code):
    """Learner version of a code cell: each solution block becomes a stub that raises."""
    lines, out, i = code.split("\n"), [], 0
    while i < len(lines):
        if lines[i].strip() == BEGIN:
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            name = _function_name(lines, i)
            j = i + 1
            while j < len(lines) and lines[j].strip() != END:
                j += 1
            if j == len(lines):
                raise ValueError(f"{BEGIN} without {END} in {name}")
            out += [f"{indent}# YOUR CODE HERE", f'{indent}raise NotImplementedError("{name}: write your code here")']
            i = j + 1
        else:
            if lines[i].strip() == END:
                raise ValueError(f"{END} without {BEGIN}")
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def keep_solutions(code):
    return "\n".join(line for line in code.split("\n") if line.strip() not in (BEGIN, END))


def make_notebook(cells, solution, chapter=None):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    if chapter is not None:
        nb.metadata["dlfund"] = {"chapter": chapter, "kind": "solution" if solution else "exercises"}
    for k, (kind, src, tags) in enumerate(cells):
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell(keep_solutions(src) if solution else strip_solutions(src))
            cell.outputs, cell.execution_count = [], None
        cell.id = f"cell-{k:03d}"  # stable ids: rebuilding gives byte-identical notebooks
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    return nb


def chapter_of(path):
    m = re.match(r"ch0*(\d+)", Path(path).name)
    return int(m.group(1)) if m else None


def build(src_dir=None, out_dir=None, solutions_dir=None):
    """Write learner notebooks (and solution notebooks if asked); returns the learner paths."""
    src_dir = Path(src_dir or ROOT / "exercises" / "src")
    out_dir = Path(out_dir or ROOT / "exercises")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sorted(src_dir.glob("ch*.md")):
        cells = parse_source(src.read_text())
        name = src.stem + ".ipynb"
        nbformat.write(make_notebook(cells, False, chapter_of(src)), out_dir / name)
        written.append(out_dir / name)
        if solutions_dir:
            Path(solutions_dir).mkdir(parents=True, exist_ok=True)
            nbformat.write(make_notebook(cells, True, chapter_of(src)), Path(solutions_dir) / name)
    return written


def out_of_sync(src_dir=None, out_dir=None):
    """Names of learner notebooks that differ from what the source would produce (or are missing)."""
    src_dir = Path(src_dir or ROOT / "exercises" / "src")
    out_dir = Path(out_dir or ROOT / "exercises")
    stale = []
    for src in sorted(src_dir.glob("ch*.md")):
        want = nbformat.writes(make_notebook(parse_source(src.read_text()), False, chapter_of(src)))
        path = out_dir / (src.stem + ".ipynb")
        if not path.exists() or json.loads(path.read_text()) != json.loads(want):
            stale.append(path.name)
    expected = {s.stem + ".ipynb" for s in src_dir.glob("ch*.md")}
    stale += sorted(p.name for p in out_dir.glob("ch*.ipynb") if p.name not in expected)
    return stale


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m dlfund.grading.build", description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=None, help="source folder (default exercises/src)")
    ap.add_argument("--out", default=None, help="learner notebook folder (default exercises)")
    ap.add_argument("--solutions", default=None, help="also write solution notebooks into this folder")
    ap.add_argument("--check", action="store_true", help="only report learner notebooks that are out of date")
    args = ap.parse_args(argv)
    if args.check:
        stale = out_of_sync(args.src, args.out)
        for name in stale:
            print(f"out of date: {name} (run python -m dlfund.grading.build)")
        return 1 if stale else 0
    for path in build(args.src, args.out, args.solutions):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
