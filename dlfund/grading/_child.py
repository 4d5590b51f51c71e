"""Sandbox child for batch grading. Run as a SCRIPT (by path), never imported by submissions.

    python -I _child.py REQUEST.json      RESULT_FD   (results: JSON lines on that fd)

It imports only the standard library and NumPy: the grader's package, its reference
implementations and its expected answers are not available here. It

1. installs an import hook: `dlfund` is a stub package whose `dlfund.grading.check/progress` do
   nothing; the few helper modules the chapter allows (e.g. `dlfund.activations`) are loaded
   from their files; any other `dlfund` import fails and is recorded as an attempt to use the
   reference implementation;
2. points file descriptors 1 and 2 at /dev/null and `sys.stdout/stderr` at bounded sinks, so a
   print loop cannot flood anything;
3. executes the notebook's code cells in one namespace, each with a time limit, recording errors
   (including SystemExit) and carrying on, like a learner running all cells;
4. calls each requested function on the inputs sent by the parent (fresh copies each time, a
   time limit per call), and streams one JSON line per outcome back to the parent, which does
   all the judging. The parent trusts nothing in these lines except as the submission's answers.

The same module provides `encode`/`decode`, the JSON wire format (arrays travel as base64 .npy
bytes loaded with allow_pickle=False, so no pickle ever crosses the boundary).
"""
import base64
import io
import json
import linecache
import os
import signal
import sys
import time
import traceback

if __name__ == "__main__":  # started with -S: add NumPy's folder (no .pth files, so no editable dlfund)
    sys.path.extend(json.loads(open(sys.argv[1]).read()).get("site_dirs", []))

import numpy as np  # noqa: E402

# ----------------------------------------------------------------------------------------------
# wire format


class Seed:  # mirrors dlfund.grading.sandbox.Seed on this side of the boundary
    def __init__(self, seed):
        self.seed = seed


def encode(obj, depth=0):
    if depth > 20:
        return {"__unencodable__": "nested too deeply"}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int,)) and not isinstance(obj, bool):
        return obj if abs(obj) < 2 ** 53 else float(obj)
    if isinstance(obj, float):
        return obj
    if type(obj).__name__ == "Seed" and hasattr(obj, "seed"):
        return {"__seed__": int(obj.seed)}
    if isinstance(obj, np.generic):
        obj = np.asarray(obj)
    if isinstance(obj, np.ndarray):
        if obj.dtype == object or obj.dtype.kind not in "biufc":
            return {"__unencodable__": f"array of dtype {obj.dtype}"}
        if obj.nbytes > 16_000_000:
            return {"__unencodable__": f"array of shape {obj.shape} is too large"}
        buf = io.BytesIO()
        np.save(buf, obj, allow_pickle=False)
        return {"__nd__": base64.b64encode(buf.getvalue()).decode("ascii")}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode(x, depth + 1) for x in obj[:1000]]}
    if isinstance(obj, list):
        return {"__list__": [encode(x, depth + 1) for x in obj[:1000]]}
    if isinstance(obj, dict):
        items = []
        for k, v in list(obj.items())[:1000]:
            if not isinstance(k, (str, int)):
                return {"__unencodable__": f"dict with a {type(k).__name__} key"}
            items.append([k, encode(v, depth + 1)])
        return {"__dict__": items}
    if isinstance(obj, np.random.Generator):
        return {"__unencodable__": "a numpy Generator"}
    return {"__unencodable__": type(obj).__name__}


class Unencodable:
    """A value the submission returned that cannot cross the boundary (e.g. a custom object)."""

    def __init__(self, what):
        self.what = what

    def __repr__(self):
        return f"<{self.what}>"


def decode(obj, seeds_as=None):
    """Inverse of `encode`. `seeds_as` builds the object for a seed (a Generator in the child)."""
    if isinstance(obj, list):
        return [decode(x, seeds_as) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "__nd__" in obj:
        return np.load(io.BytesIO(base64.b64decode(obj["__nd__"])), allow_pickle=False)
    if "__tuple__" in obj:
        return tuple(decode(x, seeds_as) for x in obj["__tuple__"])
    if "__list__" in obj:
        return [decode(x, seeds_as) for x in obj["__list__"]]
    if "__dict__" in obj:
        return {k: decode(v, seeds_as) for k, v in obj["__dict__"]}
    if "__seed__" in obj:
        return seeds_as(obj["__seed__"]) if seeds_as else Seed(obj["__seed__"])
    if "__unencodable__" in obj:
        return Unencodable(str(obj["__unencodable__"]))
    return {k: decode(v, seeds_as) for k, v in obj.items()}


# ----------------------------------------------------------------------------------------------
# everything below runs only in the child process


class CallTimeout(BaseException):
    pass


def load_writer():
    """`BoundedWriter` from _writer.py beside this file, loaded by path (no dlfund import here)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_writer.py")
    spec = importlib.util.spec_from_file_location("_grading_writer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BoundedWriter


STATE = {"current": None, "blocked": []}


def install_import_hook(allowed):
    import importlib.abc
    import importlib.machinery
    import importlib.util

    class StubLoader(importlib.abc.Loader):
        def create_module(self, spec):
            return None

        def exec_module(self, module):
            if module.__name__ == "dlfund.grading":
                module.check = lambda *a, **k: None
                module.progress = lambda *a, **k: None

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "dlfund" and not name.startswith("dlfund."):
                return None
            if name in ("dlfund", "dlfund.grading"):
                spec = importlib.machinery.ModuleSpec(name, StubLoader(), is_package=True)
                spec.submodule_search_locations = []
                return spec
            if name in allowed:
                return importlib.util.spec_from_file_location(name, allowed[name])
            STATE["blocked"].append([name, STATE["current"]])
            raise ModuleNotFoundError(f"{name} is not available while grading: submissions must not "
                                      "call the course's reference implementation", name=name)

    sys.meta_path.insert(0, Finder())


def strip_magics(src):
    out = []
    for line in src.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            out.append(line[: len(line) - len(stripped)] + "pass")
        else:
            out.append(line)
    return "\n".join(out)


def learner_frames(tb):
    return [[fs.filename, fs.lineno, fs.name, (fs.line or "").strip()]
            for fs in traceback.extract_tb(tb) if fs.filename.startswith("<cell")]


def with_alarm(seconds, fn, *args, **kwargs):
    def handler(signum, frame):
        raise CallTimeout()

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def same(a, b):
    if isinstance(a, np.random.Generator):
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a2, b2 = np.asarray(a), np.asarray(b)
        return a2.shape == b2.shape and a2.dtype == b2.dtype and bool(
            np.array_equal(a2, b2, equal_nan=a2.dtype.kind in "fc"))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:
        return False


def main():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over-large files fail with EFBIG instead of killing us
    req = json.loads(open(sys.argv[1]).read())
    out = os.fdopen(int(sys.argv[2]), "w", buffering=1)

    def send(msg):
        try:
            line = json.dumps(msg)
        except (TypeError, ValueError):
            line = json.dumps({"type": msg.get("type"), "func": msg.get("func"), "id": msg.get("id"),
                               "outcome": {"kind": "exception", "exc_type": "GraderWireError",
                                           "exc_message": "the result could not be sent back"}})
        out.write(line + "\n")

    install_import_hook(req.get("allowed_modules", {}))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sink = load_writer()(int(req.get("capture_limit", 2000)))
    sys.stdout = sys.stderr = sink
    import builtins
    import warnings

    builtins.display = lambda *a, **k: None  # notebooks may call display()
    orig_import, finder = builtins.__import__, sys.meta_path[0]

    def restore():
        """Undo the most common ways a submission breaks the harness between cells and calls."""
        builtins.__import__ = orig_import
        if not sys.meta_path or sys.meta_path[0] is not finder:
            sys.meta_path[:] = [finder] + [f for f in sys.meta_path if f is not finder]
        sys.stdout = sys.stderr = sink
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


    namespace = {"__name__": "__main__", "__builtins__": builtins}
    cell_timeout = float(req.get("cell_timeout", 10))
    call_timeout = float(req.get("call_timeout", 5))
    printed_total = 0

    for cell in req["cells"]:
        idx, src = cell["index"], strip_magics(cell["source"])
        fname = f"<cell {idx}>"
        linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
        STATE["current"] = None
        status, error = "ok", ""
        start = time.perf_counter()
        try:
            code = compile(src, fname, "exec")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with_alarm(cell_timeout, exec, code, namespace)
        except CallTimeout:
            status = "timeout"
        except SystemExit as exc:
            status, error = "exit", f"SystemExit({exc.code!r})"
        except BaseException as exc:  # noqa: BLE001 - the learner's error, recorded and survived
            status = "error"
            frames = learner_frames(exc.__traceback__)
            where = f" (cell {idx}, line {frames[-1][1]})" if frames else ""
            error = f"{type(exc).__name__}: {str(exc)[:300]}{where}"
        restore()
        text, n = sink.take()
        printed_total += n
        send({"type": "cell", "index": idx, "status": status, "error": error, "printed": n,
              "seconds": round(time.perf_counter() - start, 4)})

    defined = {}
    for name in req["functions"]:
        obj = namespace.get(name)
        if obj is None:
            defined[name] = {"kind": "missing"}
        elif not callable(obj):
            defined[name] = {"kind": "not callable", "type": type(obj).__name__}
        else:
            code = getattr(obj, "__code__", None)
            defined[name] = {"kind": "function" if code is not None and code.co_filename.startswith("<cell")
                             else "other", "module": str(getattr(obj, "__module__", "") or "")}
    send({"type": "defined", "functions": defined})

    for name, calls in req["functions"].items():
        fn = namespace.get(name)
        timed_out = False
        for call in calls:
            if fn is None or not callable(fn):
                continue
            if timed_out:
                send({"type": "call", "func": name, "id": call["id"], "outcome": {"kind": "skipped"}})
                continue
            args = decode(call["args"], seeds_as=np.random.default_rng)
            kwargs = decode(call["kwargs"], seeds_as=np.random.default_rng)
            pristine = decode(call["args"], seeds_as=np.random.default_rng)
            pristine_kw = decode(call["kwargs"], seeds_as=np.random.default_rng)
            STATE["current"] = name
            n_blocked = len(STATE["blocked"])
            res = {"kind": "ok"}
            start = time.perf_counter()
            caught = []
            try:
                with warnings.catch_warnings(record=True) as caught, np.errstate(
                        over="warn", divide="warn", invalid="warn", under="ignore"):
                    warnings.simplefilter("always")
                    value = with_alarm(call_timeout, fn, *args, **kwargs)
                res["value"] = encode(value)
            except CallTimeout:
                res = {"kind": "timeout"}
                timed_out = True
            except NotImplementedError as exc:
                res = {"kind": "not_implemented", "exc_type": "NotImplementedError", "exc_message": str(exc)[:300],
                       "frames": learner_frames(exc.__traceback__)}
            except BaseException as exc:  # noqa: BLE001 - SystemExit, MemoryError, everything
                res = {"kind": "exception", "exc_type": type(exc).__name__, "exc_message": str(exc)[:500],
                       "frames": learner_frames(exc.__traceback__)}
            restore()
            res["seconds"] = round(time.perf_counter() - start, 5)
            res["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught or []})[:5]
            names = call.get("arg_names", [])
            res["mutated"] = [names[i] if i < len(names) else f"argument {i + 1}"
                              for i, (a, b) in enumerate(zip(pristine, args)) if not same(a, b)]
            res["mutated"] += [k for k in pristine_kw if not same(pristine_kw[k], kwargs[k])]
            text, n = sink.take()
            printed_total += n
            res["stdout"], res["printed_chars"] = text, n
            res["blocked_imports"] = [b[0] for b in STATE["blocked"][n_blocked:]]
            send({"type": "call", "func": name, "id": call["id"], "outcome": res})
    send({"type": "done", "blocked": STATE["blocked"], "printed_total": printed_total})
    out.flush()
    os._exit(0)  # skip interpreter clean-up that submitted code may have booby-trapped


if __name__ == "__main__":
    main()
