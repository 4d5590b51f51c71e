"""Reading a submitted notebook before it runs: its code cells, its chapter, and its imports of dlfund.

Nothing here executes submitted code: the notebook is read as JSON (with a size limit) and its
cells are parsed with `ast`.
"""

import ast
import json
import os
import re
from pathlib import Path

from . import _child
from .registry import chapters

#: dlfund modules a chapter's notebook may import as helpers (none of them solves an exercise there)
ALLOWED_HELPERS = {3: ["activations"], 5: ["activations"], 6: ["activations"], 7: ["activations"], 8: ["activations"]}


def read_notebook(path, max_mb):
    """Return (code cells [(index, source)], error message or None)."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror})"
    if size > max_mb * 1_000_000:
        return None, f"the file is {size / 1e6:.0f} MB, larger than the {max_mb} MB limit"
    try:
        with open(path, "rb") as f:
            nb = json.loads(f.read().decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not a notebook: the file is not UTF-8 text"
    except ValueError as exc:
        return None, f"not a notebook: invalid JSON ({exc})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, "not a notebook: no list of cells"
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if isinstance(src, str):
            cells.append((i, src))
    return cells, None


def _parse(src):
    try:
        return ast.parse(_child.strip_magics(src))
    except SyntaxError:
        return None


def defined_functions(cells):
    names = set()
    for _, src in cells:
        tree = _parse(src)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def detect_chapter(cells, path, forced=None):
    if forced:
        return forced
    names = defined_functions(cells)
    best, best_n = None, 0
    m = re.search(r"ch0*(\d+)", Path(path).name)
    hinted = int(m.group(1)) if m else None
    for ch, exs in chapters().items():
        n = sum(e.func_name in names for e in exs)
        if n > best_n or (n == best_n and n > 0 and ch == hinted):
            best, best_n = ch, n
    return best if best is not None else (hinted if hinted in chapters() else None)


def static_scan(cells, chapter):
    """Find disallowed dlfund imports and which top-level functions (transitively) use them."""
    allowed = {"dlfund.grading"} | {f"dlfund.{m}" for m in ALLOWED_HELPERS.get(chapter, [])}
    flagged_names, imports, mentions = set(), [], []
    funcs = {}
    for idx, src in cells:
        tree = _parse(src)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if (a.name == "dlfund" or a.name.startswith("dlfund.")) and a.name not in allowed:
                        imports.append((idx, a.name))
                        flagged_names.add((a.asname or a.name).split(".")[0])
            elif (
                isinstance(node, ast.ImportFrom)
                and node.module
                and (node.module == "dlfund" or node.module.startswith("dlfund."))
            ):
                if node.module not in allowed:
                    imports.append((idx, node.module))
                    flagged_names.update(a.asname or a.name for a in node.names)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "dlfund" in node.value:
                mentions.append(idx)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                funcs[node.name] = used
    # transitive closure over the notebook's own functions
    uses_flagged = {}
    for name in funcs:
        seen, stack, hit = set(), [name], False
        while stack and not hit:
            f = stack.pop()
            if f in seen:
                continue
            seen.add(f)
            used = funcs.get(f, set())
            hit = bool(used & flagged_names)
            stack += [g for g in used if g in funcs]
        uses_flagged[name] = hit
    return {
        "imports": imports,
        "uses_flagged": uses_flagged,
        "mentions": sorted(set(mentions)),
        "flagged_names": sorted(flagged_names),
    }
