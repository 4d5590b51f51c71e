"""Run `work(task)` for many tasks, each in a worker process of its own (POSIX fork).

No pool is shared between submissions: each task gets a freshly forked worker, in a session of its
own, that sends one JSON document back through a pipe and exits. If a worker dies (killed by a
submission that escaped its sandbox, or by anything else), stops answering for `guard_s` seconds,
or sends something that is not JSON, only that task is affected: `lost(task, how)` supplies its
result and the other tasks carry on. `on_lost(index)` lets the caller clean up after it.
"""
import json
import os
import selectors
import signal
import time

MAX_REPLY = 256 * 1024 * 1024


class _Worker:
    def __init__(self, index, task, pid, fd, deadline):
        self.index, self.task, self.pid, self.fd, self.deadline = index, task, pid, fd, deadline
        self.chunks, self.size, self.overdue = [], 0, False


def _child_main(work, task, fd):
    """Body of a forked worker: never returns."""
    code = 70
    try:
        os.setsid()  # its own session: signalling its process group reaches nobody else
        data = json.dumps(work(task)).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        code = 0
    except BaseException:  # noqa: BLE001 - reported to the parent as a lost task
        pass
    finally:
        os._exit(code)


def _start(index, task, work, guard_s):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _child_main(work, task, w)
    os.close(w)
    return _Worker(index, task, pid, r, time.monotonic() + guard_s)


def _describe(status, overdue):
    if overdue:
        return "stopped answering (killed after its time limit)"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"was killed by signal {name}"
    return f"ended with exit code {os.WEXITSTATUS(status)} without a result"


def _finish(w, lost):
    os.close(w.fd)
    _, status = os.waitpid(w.pid, 0)
    if status == 0 and not w.overdue and w.size <= MAX_REPLY:
        try:
            return json.loads(b"".join(w.chunks)), False
        except ValueError:
            pass
    return lost(w.task, _describe(status, w.overdue)), True


def run(tasks, work, jobs, guard_s, lost, on_lost=None, on_done=None):
    """Results of `work(task)` in task order; at most `jobs` workers at a time."""
    tasks = list(tasks)
    results = [None] * len(tasks)
    sel = selectors.DefaultSelector()
    running, next_index = {}, 0
    try:
        while next_index < len(tasks) or running:
            while next_index < len(tasks) and len(running) < jobs:
                w = _start(next_index, tasks[next_index], work, guard_s)
                running[w.fd] = w
                sel.register(w.fd, selectors.EVENT_READ, w)
                next_index += 1
            wait = max(0.0, min(w.deadline for w in running.values()) - time.monotonic())
            done = []
            for key, _ in sel.select(timeout=min(wait, 5.0)):
                w = key.data
                chunk = os.read(w.fd, 1 << 20)
                if chunk:
                    w.size += len(chunk)
                    if w.size <= MAX_REPLY:
                        w.chunks.append(chunk)
                else:
                    done.append(w)
            now = time.monotonic()
            for w in running.values():
                if w not in done and now > w.deadline:
                    w.overdue = True
                    _kill_worker(w)
                    done.append(w)
            for w in done:
                sel.unregister(w.fd)
                del running[w.fd]
                results[w.index], was_lost = _finish(w, lost)
                if was_lost and on_lost:
                    on_lost(w.index)
                if on_done:
                    on_done(results[w.index])
    finally:
        for w in list(running.values()):  # interrupted (Ctrl-C): leave nothing behind
            _kill_worker(w)
            os.close(w.fd)
            os.waitpid(w.pid, 0)
            if on_lost:
                on_lost(w.index)
        sel.close()
    return results


def _kill_worker(w):
    for kill in (os.killpg, os.kill):
        try:
            kill(w.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
