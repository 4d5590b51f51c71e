"""Run `work(task)` for many tasks in worker processes (POSIX fork), one task per worker at a time.

Each worker is forked once, lives in a session of its own, and grades one task after another: it
reads a task (one JSON line) from its own pipe and answers with one JSON line on another. Nothing
is shared between workers. If a worker dies (killed by a submission that escaped its sandbox, or
by anything else), stops answering for `guard_s` seconds on a task, or answers with something
that is not JSON, only the task it was working on is affected: `lost(task, how)` supplies that
task's result, `on_lost(index)` lets the caller clean up after it, and a fresh worker takes over
the remaining tasks. Workers live as long as the run, so what they import or cache while working
is paid for once per worker, not once per task.
"""

import json
import os
import selectors
import signal
import time

MAX_REPLY = 256 * 1024 * 1024


class _Worker:
    def __init__(self, pid, task_fd, reply_fd):
        self.pid, self.task_fd, self.reply_fd = pid, task_fd, reply_fd
        self.index = self.task = None  # the task in hand, if any
        self.deadline = 0.0
        self.chunks, self.size, self.overdue, self.garbled = [], 0, False, False


def _worker_main(work, task_fd, reply_fd):
    """Body of a forked worker: answer tasks until the task pipe closes; never returns."""
    code = 70
    try:
        os.setsid()  # its own session: signalling its process group reaches nobody else
        with os.fdopen(task_fd, "rb") as tasks:
            for line in tasks:
                data = (json.dumps(work(json.loads(line))) + "\n").encode()
                view = memoryview(data)
                while view:
                    view = view[os.write(reply_fd, view) :]
        code = 0
    except BaseException:  # noqa: BLE001 - the parent sees a lost task
        code = 70
    finally:
        os._exit(code)


def _spawn(close_in_child):
    task_r, task_w = os.pipe()
    reply_r, reply_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(task_w)
        os.close(reply_r)
        for fd in close_in_child:  # the other workers' pipes
            try:
                os.close(fd)
            except OSError:
                pass
        return pid, task_r, reply_w
    os.close(task_r)
    os.close(reply_w)
    return pid, task_w, reply_r


def _describe(w, status):
    if w.overdue:
        return "stopped answering (killed after its time limit)"
    if w.garbled:
        return "answered with something that is not a result"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"was killed by signal {name}"
    return f"ended with exit code {os.WEXITSTATUS(status)} without a result"


def _kill(w):
    for kill in (os.killpg, os.kill):
        try:
            kill(w.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _send(w, index, task, guard_s):
    w.index, w.task, w.deadline = index, task, time.monotonic() + guard_s
    w.chunks, w.size = [], 0
    try:
        os.write(w.task_fd, (json.dumps(task) + "\n").encode())
        return True
    except OSError:  # the worker is gone already
        return False


class _Pool:
    """The supervisor's state: the tasks, their results, and the live workers by reply fd."""

    def __init__(self, tasks, work, jobs, guard_s, lost, on_lost, on_done):
        self.tasks, self.work, self.jobs, self.guard_s = tasks, work, jobs, guard_s
        self.lost, self.on_lost, self.on_done = lost, on_lost, on_done
        self.results = [None] * len(tasks)
        self.todo = list(range(len(tasks)))[::-1]  # popped from the end: task order
        self.sel = selectors.DefaultSelector()
        self.workers = {}  # reply fd -> worker

    def busy(self):
        return [w for w in self.workers.values() if w.task is not None]

    def start(self):
        pid, mine, theirs = _spawn([fd for w in self.workers.values() for fd in (w.task_fd, w.reply_fd)])
        if pid == 0:
            task_fd, reply_fd = mine, theirs
            _worker_main(self.work, task_fd, reply_fd)
        w = _Worker(pid, mine, theirs)
        self.workers[w.reply_fd] = w
        self.sel.register(w.reply_fd, selectors.EVENT_READ, w)

    def finish(self, w, result):
        self.results[w.index] = result
        w.index = w.task = None
        if self.on_done:
            self.on_done(result)

    def retire(self, w):
        """A worker that died, hung or misbehaved: its task is lost, the worker is replaced."""
        self.sel.unregister(w.reply_fd)
        del self.workers[w.reply_fd]
        _kill(w)
        for fd in (w.task_fd, w.reply_fd):
            os.close(fd)
        _, status = os.waitpid(w.pid, 0)
        if w.task is not None:
            index = w.index
            self.finish(w, self.lost(self.tasks[index], _describe(w, status)))
            if self.on_lost:
                self.on_lost(index)

    def feed(self):
        """Start workers up to `jobs` and give every idle one the next task."""
        while self.todo and len(self.workers) < self.jobs:
            self.start()
        for w in list(self.workers.values()):
            if w.task is None and self.todo:
                index = self.todo.pop()
                if not _send(w, index, self.tasks[index], self.guard_s):
                    self.retire(w)

    def receive(self, w):
        """Read what a worker wrote: a whole reply finishes its task; EOF, garbage or too much retires it."""
        chunk = os.read(w.reply_fd, 1 << 20)
        if not chunk:  # the worker ended
            self.retire(w)
            return
        w.chunks.append(chunk)
        w.size += len(chunk)
        if chunk.endswith(b"\n") and w.task is not None:
            try:
                self.finish(w, json.loads(b"".join(w.chunks)))
            except ValueError:
                w.garbled = True
                self.retire(w)
        elif w.size > MAX_REPLY or w.task is None:
            w.garbled = True
            self.retire(w)

    def watch(self):
        """Wait (at most 5 s, or until the nearest deadline) for replies; retire the workers past theirs."""
        busy = self.busy()
        if not busy:
            return
        wait = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        for key, _ in self.sel.select(timeout=min(wait, 5.0)):
            self.receive(key.data)
        now = time.monotonic()
        for w in list(self.workers.values()):
            if w.task is not None and now > w.deadline:
                w.overdue = True
                self.retire(w)

    def close(self):
        """Done, or interrupted (Ctrl-C): leave nothing behind."""
        for w in list(self.workers.values()):
            was_busy = w.task is not None
            if was_busy:
                w.task = None  # not reported as lost: the run is ending
                _kill(w)
            os.close(w.task_fd)  # an idle worker then reads EOF and exits
            os.close(w.reply_fd)
            os.waitpid(w.pid, 0)
            if was_busy and self.on_lost:
                self.on_lost(w.index)
        self.sel.close()


def run(tasks, work, jobs, guard_s, lost, on_lost=None, on_done=None):
    """Results of `work(task)` in task order (tasks and results: JSON-able); at most `jobs` workers.

    `work` runs in the workers; `lost`, `on_lost(index)` and `on_done(result)` run here."""
    pool = _Pool(list(tasks), work, jobs, guard_s, lost, on_lost, on_done)
    try:
        while pool.todo or pool.busy():
            pool.feed()
            pool.watch()
    finally:
        pool.close()
    return pool.results
