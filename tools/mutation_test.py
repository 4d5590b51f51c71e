"""Mutation testing of the grader: does `check` fail every small corruption of each model solution?

The model solutions are the code between `### BEGIN SOLUTION` and `### END SOLUTION` in
`exercises/src/*.md`. For each exercise this script parses its solution function, applies ONE
mutation at a time and runs the mutant through `check(name, mutant)`:

* operators: + <-> -, * <-> /, ** -> *, @ -> *, a unary minus dropped, < <-> <=, > <-> >=, == <-> !=;
* constants: 0 -> 1, 1 -> 0, 1 -> 2, 2 -> 1, other numbers c -> c + 1;
* axes and reductions: axis=0 <-> axis=1, axis dropped, keepdims dropped, sum <-> mean, max -> min,
  maximum -> minimum, a `.T` dropped, np.sqrt / np.tanh / np.exp / sigmoid / reversed(...) dropped;
* loop bounds and indices: range(n) -> range(n - 1) and range(1, n), reversed(range(...)) <-> range(...),
  a slice bound dropped, an index name i -> i - 1 / i + 1;
* statements: x += y -> x = y; the first two items of a returned tuple (or values of a returned
  dict) swapped.

A mutant is *killed* when `check` does not pass it. A surviving mutant is either equivalent
(listed in EQUIVALENT below, with the reason) or a gap in the grader's cases (fix the cases).

    python tools/mutation_test.py                    # every exercise; writes the result file
    python tools/mutation_test.py --only adam rmsprop
    python tools/mutation_test.py --sample 40        # a fixed sample, as the test does

Result file: benchmarks/results/mutation.json (per exercise: mutants, killed, equivalent,
survivors, score = killed / (mutants - equivalent)).
"""

import argparse
import ast
import copy
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlfund.grading.build import BEGIN, END, parse_source  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "mutation.json"

#: (exercise, mutation description) -> why the mutant computes the same function on every valid input
EQUIVALENT = {
    ("sigmoid", "GtE -> Gt (line 5)"): "z = 0 takes the other branch, which gives the same 1/2",
    ("sigmoid", "constant 0 -> 1 (line 5)"): "for 0 <= z < 1 the branch exp(z) / (1 + exp(z)) is the same function "
    "and cannot overflow there",
    ("leaky_relu", "Gt -> GtE (line 4)"): "at z = 0 both branches give 0",
    ("two_layer_backward", "MatMult -> Mult (line 8)"): "the network has one output unit, so dZ2 @ W2.T (inner size 1) "
    "equals the broadcast product dZ2 * W2.T",
    ("initialize_adam", "first two returned items swapped (line 6)"): "v and s are both zeros of the same shapes",
    ("dropout_forward", "Lt -> LtE (line 7)"): "rng.random draws from a continuous distribution: u == keep has "
    "probability 0",
    ("clip_grad_norm", "constant 1.0 -> 0 (line 5)"): "the factor only applies when the norm is 0, i.e. every "
    "gradient is 0, and 0 * factor = 0",
    ("clip_grad_norm", "constant 1.0 -> 2 (line 5)"): "as above: the factor multiplies all-zero gradients",
    ("rnn_forward", "constant 0 -> 1 (line 5)"): "Wh is square (H, H): shape[0] == shape[1]",
}

_BINOPS = {
    ast.Add: [ast.Sub],
    ast.Sub: [ast.Add],
    ast.Mult: [ast.Div],
    ast.Div: [ast.Mult],
    ast.Pow: [ast.Mult],
    ast.MatMult: [ast.Mult],
}
_CMPOPS = {
    ast.Lt: [ast.LtE],
    ast.LtE: [ast.Lt],
    ast.Gt: [ast.GtE],
    ast.GtE: [ast.Gt],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
}
_CALL_SWAPS = {"sum": "mean", "mean": "sum", "max": "min", "maximum": "minimum", "minimum": "maximum"}
_DROPPABLE_CALLS = {"sqrt", "tanh", "exp", "sigmoid", "reversed", "log", "abs"}


def _name_of(func):
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def mutation_points(tree):  # noqa: C901 - one branch per mutation operator
    """[(node path, kind, payload, description)] for every mutation the body admits."""
    points = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            for new in _BINOPS[type(node.op)]:
                points.append((node, "binop", new, f"{type(node.op).__name__} -> {new.__name__}"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            points.append((node, "drop_unary", None, "unary minus dropped"))
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMPOPS:
            for new in _CMPOPS[type(node.ops[0])]:
                points.append((node, "cmpop", new, f"{type(node.ops[0]).__name__} -> {new.__name__}"))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            v = node.value
            news = {0: [1], 1: [0, 2], 2: [1]}.get(v, [v + 1])
            for new in news:
                points.append((node, "const", new, f"constant {v!r} -> {new!r}"))
        elif isinstance(node, ast.keyword):
            if node.arg == "axis" and isinstance(node.value, ast.Constant) and node.value.value in (0, 1):
                points.append((node, "axis_flip", None, f"axis={node.value.value} -> axis={1 - node.value.value}"))
            if node.arg in ("axis", "keepdims"):
                points.append((node, "drop_keyword", None, f"{node.arg}= dropped"))
        elif isinstance(node, ast.Call):
            name = _name_of(node.func)
            if name in _CALL_SWAPS and isinstance(node.func, ast.Attribute):
                points.append((node, "call_swap", _CALL_SWAPS[name], f"{name} -> {_CALL_SWAPS[name]}"))
            if name in _DROPPABLE_CALLS and len(node.args) == 1 and not node.keywords:
                points.append((node, "drop_call", None, f"{name}(...) dropped"))
            if name == "range":
                points.append((node, "range_short", None, "range(n) -> range(n - 1)"))
                points.append((node, "range_from_1", None, "range(...) starts at 1"))
                points.append((node, "range_reversed", None, "range(...) -> reversed(range(...))"))
        elif isinstance(node, ast.Attribute) and node.attr == "T":
            points.append((node, "drop_T", None, ".T dropped"))
        elif isinstance(node, ast.Slice):
            for part in ("lower", "upper"):
                if getattr(node, part) is not None:
                    points.append((node, "drop_bound", part, f"slice {part} bound dropped"))
        elif isinstance(node, ast.Subscript):
            idx = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for k, e in enumerate(idx):
                if isinstance(e, ast.Name):
                    for delta in (-1, 1):
                        points.append((node, "index_shift", (k, delta), f"index {e.id} -> {e.id} {delta:+d}"))
        elif isinstance(node, ast.AugAssign):
            points.append((node, "aug_to_assign", None, f"{type(node.op).__name__}= -> ="))
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) >= 2:
            points.append((node, "swap_return", None, "first two returned items swapped"))
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Dict) and len(node.value.values) >= 2:
            points.append((node, "swap_dict", None, "values of the first two returned keys swapped"))
    return points


def apply(node, kind, payload):  # noqa: C901 - one branch per mutation operator
    """Mutate `node` in place (it belongs to a deep copy of the tree)."""
    if kind == "binop":
        node.op = payload()
    elif kind == "drop_unary":
        return node.operand
    elif kind == "cmpop":
        node.ops = [payload()]
    elif kind == "const":
        node.value = payload
    elif kind == "axis_flip":
        node.value = ast.Constant(1 - node.value.value)
    elif kind == "drop_keyword":
        return "DROP"
    elif kind == "call_swap":
        node.func.attr = payload
    elif kind == "drop_call":
        return node.args[0]
    elif kind == "range_short":
        last = node.args[-1] if len(node.args) <= 2 else node.args[1]
        new = ast.BinOp(copy.deepcopy(last), ast.Sub(), ast.Constant(1))
        if len(node.args) <= 2:
            node.args[-1] = new
        else:
            node.args[1] = new
    elif kind == "range_from_1":
        if len(node.args) == 1:
            node.args = [ast.Constant(1), node.args[0]]
        else:
            node.args[0] = ast.BinOp(node.args[0], ast.Add(), ast.Constant(1))
    elif kind == "range_reversed":
        return ast.Call(ast.Name("reversed", ast.Load()), [node], [])
    elif kind == "drop_T":
        return node.value
    elif kind == "drop_bound":
        setattr(node, payload, None)
    elif kind == "index_shift":
        k, delta = payload
        idx = node.slice.elts if isinstance(node.slice, ast.Tuple) else None
        target = idx[k] if idx is not None else node.slice
        new = ast.BinOp(ast.Name(target.id, ast.Load()), ast.Add() if delta > 0 else ast.Sub(), ast.Constant(1))
        if idx is not None:
            idx[k] = new
        else:
            node.slice = new
    elif kind == "aug_to_assign":
        return ast.Assign([node.target], node.value, lineno=node.lineno)
    elif kind == "swap_return":
        e = node.value.elts
        e[0], e[1] = e[1], e[0]
    elif kind == "swap_dict":
        v = node.value.values
        v[0], v[1] = v[1], v[0]
    return None


class _Replace(ast.NodeTransformer):
    def __init__(self, target, kind, payload):
        self.target, self.kind, self.payload = target, kind, payload

    def generic_visit(self, node):
        node = super().generic_visit(node)
        return node

    def visit(self, node):
        if node is self.target:
            out = apply(node, self.kind, self.payload)
            if out == "DROP":
                return None
            return out if out is not None else node
        return super().visit(node)


def mutants(func_src, func_name):
    """[(description, line, mutated source)] of a solution function (its body only)."""
    tree = ast.parse(func_src)
    fdef = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == func_name)
    body_nodes = []
    for stmt in fdef.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            continue  # the docstring
        body_nodes.append(stmt)
    out = []
    count = 0
    for stmt_index, stmt in enumerate(fdef.body):
        if stmt not in body_nodes:
            continue
        for k, (node, kind, payload, desc) in enumerate(mutation_points(stmt)):
            tree2 = copy.deepcopy(tree)
            fdef2 = next(n for n in tree2.body if isinstance(n, ast.FunctionDef) and n.name == func_name)
            stmt2 = fdef2.body[stmt_index]
            node2, kind2, payload2, _ = mutation_points(stmt2)[k]
            new_stmt = _Replace(node2, kind2, payload2).visit(stmt2)
            if new_stmt is None:
                continue
            fdef2.body[stmt_index] = new_stmt
            ast.fix_missing_locations(tree2)
            try:
                src = ast.unparse(fdef2)
                compile(src, "<mutant>", "exec")
            except (SyntaxError, ValueError, TypeError):
                continue
            line = getattr(node, "lineno", stmt.lineno)
            out.append((f"{desc} (line {line})", line, src))
            count += 1
    return out


def solutions():
    """{exercise: (chapter source stem, function name, function source, setup code)} from exercises/src."""
    import re

    found = {}
    for src in sorted((ROOT / "exercises" / "src").glob("ch*.md")):
        cells = [c for t, c, _ in parse_source(src.read_text()) if t == "code"]
        clean = [c.replace(BEGIN, "").replace(END, "") for c in cells]
        setup = "\n\n".join(c for c in clean if "check(" not in c and "progress(" not in c)
        for c in clean:
            for name, func in re.findall(r'check\("(\w+)", (\w+)\)', c):
                body = next(x for x in clean if re.search(rf"^def {func}\(", x, re.M))
                found[name] = (src.stem, func, _function_source(body, func), setup)
    return found


def _function_source(cell, func):
    tree = ast.parse(cell)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == func)
    return ast.get_source_segment(cell, node)


def run(only=None, sample=None, timeout=2.0, verbose=False):
    import numpy as np

    from dlfund.grading import check

    results = {}
    sols = solutions()
    for name, (stem, func, fsrc, setup) in sols.items():
        if only and name not in only:
            continue
        ns = {}
        exec(compile(setup, f"<{stem} solutions>", "exec"), ns)  # noqa: S102 - our own model solutions
        ms = mutants(fsrc, func)
        if sample is not None:
            rng = np.random.default_rng(sum(map(ord, name)))
            idx = sorted(rng.choice(len(ms), size=min(sample, len(ms)), replace=False)) if ms else []
            ms = [ms[i] for i in idx]
        entry = {"mutants": len(ms), "killed": 0, "equivalent": [], "survivors": []}
        t0 = time.perf_counter()
        for desc, line, src in ms:
            scope = dict(ns)
            try:
                exec(compile(src, f"<mutant of {func}>", "exec"), scope)  # noqa: S102
            except Exception:  # noqa: BLE001 - a mutant that does not even define the function is killed
                entry["killed"] += 1
                continue
            res = check(name, scope[func], show=False, record=False, timeout=timeout)
            if not res.ok:
                entry["killed"] += 1
            elif (name, desc.split(" (line")[0]) in EQUIVALENT or (name, desc) in EQUIVALENT:
                entry["equivalent"].append(desc)
            else:
                entry["survivors"].append({"mutation": desc, "source": src})
                if verbose:
                    print(f"SURVIVED {name}: {desc}\n{src}\n", file=sys.stderr)
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        denom = entry["mutants"] - len(entry["equivalent"])
        entry["score"] = round(entry["killed"] / denom, 4) if denom else 1.0
        results[name] = entry
        if verbose:
            print(
                f"{name}: {entry['killed']}/{denom} killed ({len(entry['equivalent'])} equivalent), "
                f"{entry['seconds']} s",
                file=sys.stderr,
            )
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="exercise names")
    ap.add_argument("--sample", type=int, default=None, help="mutants per exercise (a fixed sample)")
    ap.add_argument("--out", default=str(RESULT), help="result file (JSON); '-' for none")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    results = run(args.only, args.sample, verbose=args.verbose)
    total = sum(r["mutants"] for r in results.values())
    killed = sum(r["killed"] for r in results.values())
    equiv = sum(len(r["equivalent"]) for r in results.values())
    summary = {
        "mutants": total,
        "killed": killed,
        "equivalent": equiv,
        "survivors": sum(len(r["survivors"]) for r in results.values()),
        "score": round(killed / max(total - equiv, 1), 4),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(summary))
    for name, r in results.items():
        if r["survivors"]:
            print(f"  {name}: {len(r['survivors'])} survivor(s): " + "; ".join(s["mutation"] for s in r["survivors"]))
    if args.out != "-" and not args.only and args.sample is None:
        Path(args.out).write_text(json.dumps({"summary": summary, "exercises": results}, indent=1) + "\n")
    return 0 if summary["survivors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
