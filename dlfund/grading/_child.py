"""Sandbox child for batch grading. Run as a SCRIPT (by path), never imported by submissions.

    python -I -S _child.py REQUEST_FD RESULT_FD   (request: JSON read from the first fd;
                                                   results: JSON lines on the second)

It imports only the standard library and NumPy: the grader's package, its reference
implementations and its expected answers are not available here. Before anything else it applies
the request's process limit and, when the grader runs as root inside bubblewrap, switches to the
unprivileged uid it was given (see isolation.py). Then it

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
   all the judging. The parent trusts nothing in these lines except as the submission's answers;
5. watches (an audit hook; detection only, the sandbox is what blocks) for writes outside the
   submission's folder and signals sent to the grader, and counts the sandbox's processes; these
   "alerts" travel with the cell and call messages and become verdicts in the parent.

The same module provides `encode`/`decode`, the JSON wire format (arrays travel as base64 .npy
bytes loaded with allow_pickle=False, so no pickle ever crosses the boundary). The calling harness
(timeouts, equality, traceback frames) is `_harness.py`, shared with the in-notebook sandbox and
loaded by path like `_writer.py`.

Why one module over 400 lines: the wire format must be the same code on both sides of the
boundary, and this file is the one the child is started from.
"""

import base64
import builtins
import errno
import io
import json
import linecache
import os
import resource
import signal
import sys
import time
import warnings


def isolate(req):
    """Process limit, then the switch to an unprivileged uid; runs before any submitted code."""
    limit = req.get("max_processes")
    if limit:
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
    uid = req.get("drop_to")
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        if (os.getuid(), os.geteuid(), os.getgid(), os.getegid()) != (uid, uid, uid, uid):
            os._exit(71)


REQUEST = {}
if __name__ == "__main__":  # started with -S: add NumPy's folder (no .pth files, so no editable dlfund)
    with os.fdopen(int(sys.argv[1]), "rb") as _f:
        REQUEST = json.loads(_f.read())
    sys.dont_write_bytecode = True  # the grader's folders are read-only, and writes would be alerts
    isolate(REQUEST)
    sys.path.extend(REQUEST.get("site_dirs", []))

import numpy as np  # noqa: E402

# ----------------------------------------------------------------------------------------------
# wire format


class Seed:  # mirrors dlfund.grading.sandbox.Seed on this side of the boundary
    def __init__(self, seed):
        self.seed = seed


def encode(obj, depth=0):  # noqa: C901 - one branch per answer type a submission can return
    if depth > 20:
        return {"__unencodable__": "nested too deeply"}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int,)) and not isinstance(obj, bool):
        return obj if abs(obj) < 2**53 else float(obj)
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


def load_sibling(name):
    """The module `name`.py beside this file (`_writer`, `_harness`), loaded by path (no dlfund import here)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_grading{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STATE = {"current": None, "blocked": [], "where": "", "alerts": []}
MAIN_PID = os.getpid()
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
#: audit events that change the file system -> positions of the paths they change
CHANGES = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.rename": (0, 1),
    "os.mkdir": (0,),
    "os.symlink": (1,),
    "os.link": (1,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.truncate": (0,),
    "shutil.rmtree": (0,),
    "os.mkfifo": (0,),
    "os.mknod": (0,),
}
MAX_ALERTS = 20


def alert(kind, detail):
    if os.getpid() == MAIN_PID and len(STATE["alerts"]) < MAX_ALERTS:
        STATE["alerts"].append({"kind": kind, "where": STATE["where"], "detail": detail})


def install_watch(write_roots):  # noqa: C901 - one branch per forbidden action the audit hook reports
    """Audit hook recording writes outside `write_roots` (the first: the submission's folder) and
    signals aimed at the grader."""
    roots = [os.path.realpath(r).rstrip("/") + "/" for r in write_roots]
    busy = []

    def outside(path):
        if path is None or isinstance(path, int):
            return None
        try:
            path = os.fsdecode(os.fspath(path))
        except TypeError:
            return None
        full = os.path.realpath(os.path.join(os.getcwd(), path))
        for i, root in enumerate(roots):  # roots[0] is its own folder; elsewhere (a private /tmp) a
            if (full + "/").startswith(root):  # missing parent means a path of the host was aimed at
                return None if i == 0 or os.path.isdir(os.path.dirname(full)) else full
        return full

    def hook(event, args):
        if busy or not (event == "open" or event in CHANGES or event in ("os.kill", "os.killpg")):
            return
        busy.append(1)
        try:
            if event == "open":
                if len(args) > 2 and isinstance(args[2], int) and args[2] & WRITE_FLAGS:
                    where = outside(args[0])
                    if where:
                        alert("write", where)
            elif event in CHANGES:
                for i in CHANGES[event]:
                    where = outside(args[i]) if i < len(args) else None
                    if where:
                        alert("write", where)
                        break
            else:
                target, sig = int(args[0]), int(args[1])
                own = target in (0, os.getpid()) if event == "os.kill" else target == os.getpgrp()
                if not own and (target in (1, -1, os.getppid()) or target < 0 or event == "os.killpg"):
                    alert("signal", f"{event}({target}, {sig})")
        except Exception:  # noqa: BLE001 - a watcher must never break the submission
            pass
        finally:
            busy.clear()

    sys.addaudithook(hook)


def count_processes():
    """Processes in this PID namespace (only meaningful inside the sandbox)."""
    try:
        return sum(name.isdigit() for name in os.listdir("/proc"))
    except OSError:
        return 0


def out_of_processes(exc):
    return (isinstance(exc, OSError) and exc.errno == errno.EAGAIN) or (
        isinstance(exc, RuntimeError) and "can't start new thread" in str(exc)
    )


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
            raise ModuleNotFoundError(
                f"{name} is not available while grading: submissions must not "
                "call the course's reference implementation",
                name=name,
            )

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


def in_cell(filename):
    """A frame of the notebook's code (cells are compiled as '<cell N>')."""
    return filename.startswith("<cell")


def reply_channel(fd, counting):
    """`send(msg)`: one JSON line to the parent, with the alerts since the last message and the process count."""
    out = os.fdopen(fd, "w", buffering=1)

    def send(msg):
        if os.getpid() != MAIN_PID:  # a fork of the submission reached the harness: it cannot speak for it
            os._exit(0)
        if msg.get("type") in ("cell", "call", "done"):
            if STATE["alerts"]:
                msg["alerts"], STATE["alerts"] = STATE["alerts"], []
            if counting:
                msg["processes"] = max(0, count_processes() - 2)  # besides the sandbox's init and us
        try:
            line = json.dumps(msg)
        except (TypeError, ValueError):
            line = json.dumps(
                {
                    "type": msg.get("type"),
                    "func": msg.get("func"),
                    "id": msg.get("id"),
                    "outcome": {
                        "kind": "exception",
                        "exc_type": "GraderWireError",
                        "exc_message": "the result could not be sent back",
                    },
                }
            )
        out.write(line + "\n")

    send.flush = out.flush
    return send


class Child:
    """The child's life after its limits: quiet the output, run the cells, describe and call the functions.

    Nothing here imports once submitted code has run (it may have replaced `__import__`)."""

    def __init__(self, req, send):
        self.req, self.send = req, send
        self.h = load_sibling("_harness")
        install_import_hook(req.get("allowed_modules", {}))
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        self.sink = load_sibling("_writer").BoundedWriter(int(req.get("capture_limit", 2000)))
        sys.stdout = sys.stderr = self.sink
        builtins.display = lambda *a, **k: None  # notebooks may call display()
        self.orig_import, self.finder = builtins.__import__, sys.meta_path[0]
        install_watch(req.get("write_roots") or [os.getcwd()])
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.printed_total = 0

    def restore(self):
        """Undo the most common ways a submission breaks the harness between cells and calls."""
        builtins.__import__ = self.orig_import
        if not sys.meta_path or sys.meta_path[0] is not self.finder:
            sys.meta_path[:] = [self.finder] + [f for f in sys.meta_path if f is not self.finder]
        sys.stdout = sys.stderr = self.sink
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    def take_output(self):
        text, n = self.sink.take()
        self.printed_total += n
        return text, n

    def run_cell(self, idx, src):
        """(status, error) of one code cell: "ok", "timeout", "exit" or "error"."""
        fname = f"<cell {idx}>"
        linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
        STATE["current"], STATE["where"] = None, f"cell {idx}"
        try:
            code = compile(src, fname, "exec")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.h.call_with_alarm(float(self.req.get("cell_timeout", 10)), exec, code, self.namespace)
        except self.h.CallTimeout:
            return "timeout", ""
        except SystemExit as exc:
            return "exit", f"SystemExit({exc.code!r})"
        except BaseException as exc:  # noqa: BLE001 - the learner's error, recorded and survived
            if out_of_processes(exc):
                alert("processes", f"{type(exc).__name__}: {exc}")
            frames = self.h.learner_frames(exc.__traceback__, in_cell)
            where = f" (cell {idx}, line {frames[-1][1]})" if frames else ""
            return "error", f"{type(exc).__name__}: {str(exc)[:300]}{where}"
        return "ok", ""

    def run_cells(self):
        for cell in self.req["cells"]:
            idx = cell["index"]
            start = time.perf_counter()
            status, error = self.run_cell(idx, strip_magics(cell["source"]))
            self.restore()
            _, n = self.take_output()
            self.send(
                {
                    "type": "cell",
                    "index": idx,
                    "status": status,
                    "error": error,
                    "printed": n,
                    "seconds": round(time.perf_counter() - start, 4),
                }
            )

    def describe(self, name):
        """What the notebook defined under `name`: missing, not callable, its own function or another object."""
        obj = self.namespace.get(name)
        if obj is None:
            return {"kind": "missing"}
        if not callable(obj):
            return {"kind": "not callable", "type": type(obj).__name__}
        code = getattr(obj, "__code__", None)
        return {
            "kind": "function" if code is not None and in_cell(code.co_filename) else "other",
            "module": str(getattr(obj, "__module__", "") or ""),
        }

    def invoke(self, fn, args, kwargs):
        """The outcome of one protected call (kind, value or exception, warnings, seconds)."""
        res, caught, start = {"kind": "ok"}, [], time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught, self.h.float_errors():
                warnings.simplefilter("always")
                value = self.h.call_with_alarm(float(self.req.get("call_timeout", 5)), fn, *args, **kwargs)
            res["value"] = encode(value)
        except self.h.CallTimeout:
            res = {"kind": "timeout"}
        except NotImplementedError as exc:
            res = {
                "kind": "not_implemented",
                "exc_type": "NotImplementedError",
                "exc_message": str(exc)[:300],
                "frames": self.h.learner_frames(exc.__traceback__, in_cell),
            }
        except BaseException as exc:  # noqa: BLE001 - SystemExit, MemoryError, everything
            if out_of_processes(exc):
                alert("processes", f"{type(exc).__name__}: {exc}")
            res = {
                "kind": "exception",
                "exc_type": type(exc).__name__,
                "exc_message": str(exc)[:500],
                "frames": self.h.learner_frames(exc.__traceback__, in_cell),
            }
        self.restore()
        res["seconds"] = round(time.perf_counter() - start, 5)
        res["warnings"] = self.h.warning_texts(caught)
        return res

    def call(self, name, fn, call):
        """Run one requested call on fresh inputs and report its outcome."""

        def fresh():
            return (
                decode(call["args"], seeds_as=np.random.default_rng),
                decode(call["kwargs"], seeds_as=np.random.default_rng),
            )

        (args, kwargs), (pristine, pristine_kw) = fresh(), fresh()
        STATE["current"], STATE["where"] = name, f"{name}()"
        n_blocked = len(STATE["blocked"])
        res = self.invoke(fn, args, kwargs)
        res["mutated"] = self.h.mutated(pristine, args, pristine_kw, kwargs, call.get("arg_names", []))
        res["stdout"], res["printed_chars"] = self.take_output()
        res["blocked_imports"] = [b[0] for b in STATE["blocked"][n_blocked:]]
        self.send({"type": "call", "func": name, "id": call["id"], "outcome": res})
        return res["kind"]

    def call_functions(self):
        """Every requested call of every defined function; after a timeout the function's other calls are skipped."""
        for name, calls in self.req["functions"].items():
            fn = self.namespace.get(name)
            if fn is None or not callable(fn):
                continue
            timed_out = False
            for call in calls:
                if timed_out:
                    self.send({"type": "call", "func": name, "id": call["id"], "outcome": {"kind": "skipped"}})
                else:
                    timed_out = self.call(name, fn, call) == "timeout"


def main():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over-large files fail with EFBIG instead of killing us
    send = reply_channel(int(sys.argv[2]), bool(REQUEST.get("count_processes")))
    child = Child(REQUEST, send)
    child.run_cells()
    send({"type": "defined", "functions": {name: child.describe(name) for name in REQUEST["functions"]}})
    child.call_functions()
    send({"type": "done", "blocked": STATE["blocked"], "printed_total": child.printed_total})
    send.flush()
    os._exit(0)  # skip interpreter clean-up that submitted code may have booby-trapped


if __name__ == "__main__":
    main()
