"""Starting, limiting, watching and cleaning up the child process that runs one submission.

`prepare(opts)` is done once per run: it picks the isolation (`isolation.py`), copies the child
script and the allowed helper modules into a read-only kit, and checks with a probe run (an empty
notebook under the real limits) that a child starts at all, so a teacher's impossible setting is
reported once instead of blaming every student. `run_child` then runs one submission.

Every process started for a submission carries `DLFUND_GRADE_RUN=<run>-<index>` in its environment.
In the sandbox the kernel ends all of them with the sandbox (PID namespace, --die-with-parent);
without it they are found by that mark (and, inside a supervisor worker, as re-parented
descendants) and killed when the submission is done.
"""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import _child, _procs, isolation

CHILD = Path(_child.__file__).resolve()
PKG = Path(__file__).resolve().parents[1]
PYTHON = os.path.realpath(sys.executable)  # the base interpreter: a venv's bin/ is not in the sandbox
#: environment variable marking every process started for a submission
RUN_MARK = "DLFUND_GRADE_RUN"


class SetupError(RuntimeError):
    """Grading cannot start with these settings (no submission is to blame)."""


@dataclass
class Setup:
    """What the submissions of one run share."""

    isolation: isolation.Isolation
    scratch: Path  # the run's folder: the kit and every submission's working copy, removed at the end
    kit: Path  # host folder with _child.py, _writer.py, _harness.py and the helper modules
    run_id: str
    site_dirs: list
    reaper: bool = False  # True inside a supervisor worker (a subreaper): orphans are ours to kill

    def mark(self, index):
        return f"{RUN_MARK}={self.run_id}-{index}"

    def workdir(self):
        """A fresh working folder for one submission (inside the run's folder: removed with it
        even when the worker that made it was killed)."""
        return Path(tempfile.mkdtemp(prefix="grade-", dir=self.scratch))

    def close(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _limits(opts):
    def apply():
        cpu = int(opts["cpu_seconds"])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        mem = int(opts["memory_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        fsz = int(opts["max_file_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsz, fsz))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _site_dirs():
    """Where NumPy and friends live, for a child started without `site` (-S)."""
    import site

    import numpy

    dirs = [str(Path(numpy.__file__).resolve().parents[1])]
    for d in site.getsitepackages():
        if d not in dirs:
            dirs.append(d)
    return [d for d in dirs if Path(d).is_dir() and not (Path(d) / "dlfund" / "__init__.py").exists()] or dirs[:1]


def kit_files(helpers):
    """{name in the kit: host path} for the child script, its writer and harness, and the helper modules."""
    files = {name: CHILD.parent / name for name in ("_child.py", "_writer.py", "_harness.py")}
    files.update({f"{m}.py": PKG / f"{m}.py" for m in helpers if (PKG / f"{m}.py").exists()})
    return files


def prepare(opts, helpers=()):
    """The run's Setup, checked by a probe run; raises SetupError with a one-line reason."""
    site_dirs = _site_dirs()
    iso = isolation.detect(opts.get("isolation", "auto"), site_dirs)
    if opts.get("isolation") == "bubblewrap" and not iso.sandboxed:
        raise SetupError(f"the bubblewrap sandbox was required (--isolation bubblewrap) but {iso.reason}")
    scratch = Path(tempfile.mkdtemp(prefix="dlfund-run-"))
    setup = Setup(iso, scratch, isolation.make_kit(kit_files(helpers), scratch), uuid.uuid4().hex[:12], site_dirs)
    try:
        problem = probe(setup, opts)
        if problem and iso.sandboxed and opts.get("isolation", "auto") == "auto":  # e.g. user namespaces disabled
            setup.isolation = isolation.Isolation("process", reason=f"the bubblewrap sandbox did not start: {problem}")
            if probe(setup, opts) is None:
                problem = None
            else:  # the settings, not the sandbox, are what fails
                setup.isolation = iso
        if problem:
            how = "in the bubblewrap sandbox" if setup.isolation.sandboxed else "as a process"
            raise SetupError(
                f"the grader's own child process cannot run {how} with these settings "
                f"(memory limit {opts['memory_mb']} MB, CPU limit {opts['cpu_seconds']} s): {problem}"
            )
    except BaseException:
        setup.close()
        raise
    return setup


def probe(setup, opts):
    """None if an empty notebook runs to the end in a child with these settings, else why not."""
    workdir = setup.workdir()
    try:
        messages, info = run_child(
            [], {}, {}, workdir, {**opts, "wall_timeout": max(opts["wall_timeout"], 30)}, setup, index="probe"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if any(m.get("type") == "done" for m in messages):
        return None
    lines = info["stderr"].strip().splitlines()
    rc = info["returncode"]
    return lines[-1] if lines else (f"signal {-rc}" if rc < 0 else f"exit code {rc}")


def _chown(workdir, uid):
    for p in [workdir, *workdir.iterdir()]:
        os.chown(p, uid, uid, follow_symlinks=False)


def _request(cells, plan, allowed_modules, home, opts, setup, uid):
    """The child's request (JSON bytes): the cells, the calls, the limits and what it may import or write."""
    iso = setup.isolation
    return json.dumps(
        {
            "cells": [{"index": i, "source": s} for i, s in cells],
            "functions": plan,
            "cell_timeout": opts["cell_timeout"],
            "call_timeout": opts["call_timeout"],
            "allowed_modules": {name: iso.kit_path(setup.kit, file) for name, file in allowed_modules.items()},
            "site_dirs": setup.site_dirs,
            "drop_to": uid,
            "max_processes": opts["max_processes"] if iso.sandboxed else None,
            "count_processes": iso.sandboxed,
            "write_roots": [home, "/tmp", "/dev"] if iso.sandboxed else [home, os.devnull],
        }
    ).encode()


def _environment(sandboxed, home, mark):
    """The child's whole environment: one thread per BLAS, its own HOME, and the run's mark."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": "/tmp" if sandboxed else home,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        RUN_MARK: mark.split("=", 1)[1],
    }


class _Replies(threading.Thread):
    """Reads the child's JSON lines from fd `r` into `messages`, keeping at most `cap` bytes."""

    def __init__(self, r, cap):
        super().__init__(daemon=True)
        self.r, self.cap = r, cap
        self.messages, self.bytes, self.overflow = [], 0, False

    def run(self):
        with os.fdopen(self.r, "rb") as f:
            for line in f:
                self.bytes += len(line)
                if self.bytes > self.cap:
                    self.overflow = True
                    continue
                try:
                    msg = json.loads(line)
                except ValueError:
                    msg = None
                self.messages.append(msg if isinstance(msg, dict) else {"type": "garbage"})


def _wait_and_end(proc, wall_timeout, setup, mark):
    """Wait for the child up to `wall_timeout`, then kill its group and everything marked as the submission's;
    returns (timed out, how many of its processes were still running)."""
    timed_out = False
    try:
        proc.wait(timeout=wall_timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    leftover = len(_left_running(setup, mark) - {proc.pid})  # counted before anything is killed
    try:  # the whole process group: the child (or bwrap, whose sandbox then ends) and its group
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    sweep(setup, mark)
    return timed_out, leftover


def run_child(cells, plan, allowed_modules, workdir, opts, setup, index=0):
    """Run the child for one submission; returns (messages, info).

    `allowed_modules` maps module names to file names in the kit. info holds returncode, stderr
    (start-up errors only), seconds, wall_timeout, result_overflow and leftover (processes still
    running when the child ended, all killed)."""
    iso = setup.isolation
    uid = isolation.uid_for(index if isinstance(index, int) else 0) if iso.sandboxed and iso.as_root else None
    home = iso.home(workdir)
    mark = setup.mark(index)
    request = _request(cells, plan, allowed_modules, home, opts, setup, uid)
    if uid is not None:
        _chown(workdir, uid)
    with tempfile.TemporaryFile() as req_file, tempfile.TemporaryFile() as err_file:
        req_file.write(request)
        req_file.seek(0)
        r, w = os.pipe()
        child = [PYTHON, "-I", "-S", iso.kit_path(setup.kit, "_child.py"), str(req_file.fileno()), str(w)]
        start = time.monotonic()
        # stderr: start-up errors only (the child then points fd 2 at /dev/null)
        proc = subprocess.Popen(
            iso.command(child, workdir, setup.kit, opts["max_file_mb"]),
            cwd="/" if iso.sandboxed else workdir,
            env=_environment(iso.sandboxed, home, mark),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err_file,
            pass_fds=(w, req_file.fileno()),
            preexec_fn=_limits(opts),
            start_new_session=True,
        )
        os.close(w)
        replies = _Replies(r, opts["max_result_mb"] * 1_000_000)
        replies.start()
        timed_out, leftover = _wait_and_end(proc, opts["wall_timeout"], setup, mark)
        replies.join(5)
        err_file.seek(max(0, err_file.seek(0, os.SEEK_END) - 1500))
        startup_error = err_file.read().decode("utf-8", "replace")
    rc = proc.returncode
    if iso.sandboxed and rc > 128:  # bwrap reports a child killed by signal N as exit code 128 + N
        rc = -(rc - 128)
    return replies.messages, {
        "returncode": rc,
        "wall_timeout": timed_out,
        "stderr": startup_error,
        "seconds": time.monotonic() - start,
        "result_overflow": replies.overflow,
        "leftover": leftover,
    }


def _left_running(setup, mark):
    """Live processes started for this submission, outside the sandbox (inside, the kernel ends them)."""
    if setup.isolation.sandboxed:
        return set()
    live = set(_procs.processes_marked(mark))  # (a zombie's environment cannot be read)
    if setup.reaper:
        live |= set(_procs.descendants(os.getpid(), zombies=False))
    return live


def sweep(setup, mark):
    """Kill and reap whatever a submission left running.

    In the sandbox nothing of the submission can be left: the kernel ends the PID namespace with
    bwrap. Its init process is then re-parented to the worker (a subreaper), which reaps it."""
    if setup.isolation.sandboxed:
        while setup.reaper:
            try:
                os.waitpid(-1, 0)  # a worker's only other child (bwrap) is already reaped
            except ChildProcessError:
                break
        return
    for _ in range(20):  # rounds: processes may fork while being killed
        pids = _left_running(setup, mark)
        if setup.reaper:
            pids |= set(_procs.descendants(os.getpid()))  # zombies too, to reap them
        if not pids:
            break
        _procs.kill_all(pids)
