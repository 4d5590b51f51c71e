"""Where a submission's code runs while it is graded: a bubblewrap sandbox, or a plain process.

`python -m dlfund grade` starts one child process per submission (`_child.py`). With Debian's
bubblewrap (`bwrap`, `apt-get install bubblewrap`) that child runs in a sandbox:

* its own mount namespace: the system (`/usr`), the Python installation and the folders NumPy is
  imported from are visible READ-ONLY; the grader's script and the helper modules a chapter allows
  appear read-only under `/grader`; the only writable places are the submission's own copy
  (`/home/student`, a fresh folder per submission) and a private, size-limited `/tmp`. Nothing else
  of the host exists inside: not the other submissions, not the teacher's files, not old results;
* its own PID namespace (the grader is invisible and cannot be signalled), no network (a new,
  empty network namespace), its own IPC and UTS namespaces, a new session (no terminal);
* `--die-with-parent`: if the grader dies, every process of the sandbox is killed by the kernel;
* an unprivileged user and a process-count limit (RLIMIT_NPROC): started by root, bwrap runs
  privileged and the child switches to a user id of its own (`uid_for`) before any submitted
  code runs (root is exempt from RLIMIT_NPROC, hence the real switch); started by another user,
  bwrap creates a user namespace and the limit counts the sandbox's processes only.

Without bubblewrap (another OS, user namespaces disabled) the child is a plain process of the
grading user, in its own session, with resource limits (the "process" mode). The grader says so in
its output and in every feedback file: the submission can then read and write what that user can.

`detect` only finds the tool; whether the sandbox really starts is checked by the caller with a
probe run (see `batch.prepare`).
"""

import os
import pwd
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HOME = "/home/student"  #: the submission's copy inside the sandbox (the working directory)
KIT = "/grader"  #: the child script and the allowed helper modules inside the sandbox
MODES = ("auto", "bubblewrap", "process")
#: as root, submission k of a run gets uid UID_BASE + (run offset + k) % UID_SPAN (an unused range)
UID_BASE, UID_SPAN = 64000, 512
_TOP_LEVEL = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


@dataclass
class Isolation:
    """How children are started: `mode` is "bubblewrap" or "process"; `reason` explains a fallback."""

    mode: str
    reason: str = ""
    bwrap: str = ""
    as_root: bool = False
    read_only: tuple = ()  # host folders visible read-only inside, each at its own path

    @property
    def sandboxed(self):
        return self.mode == "bubblewrap"

    def warning(self):
        """One paragraph for the CLI and for every feedback file; empty with the sandbox."""
        if self.sandboxed:
            return ""
        return (
            "WARNING: graded WITHOUT a sandbox (" + (self.reason or "process isolation requested") + "). "
            "Submitted code ran as the grading user: it could read and write that user's files and signal "
            "the grader. Install bubblewrap (`apt-get install bubblewrap`) to grade in a sandbox."
        )

    def home(self, workdir):
        """The working directory as the submission sees it."""
        return HOME if self.sandboxed else str(workdir)

    def kit_path(self, kit, name):
        """Path of a kit file (child script or helper module) as the child sees it."""
        return f"{KIT}/{name}" if self.sandboxed else str(Path(kit) / name)

    def command(self, python_argv, workdir, kit, tmp_mb):
        """argv that runs `python_argv` isolated; inherited file descriptors pass through."""
        if not self.sandboxed:
            return list(python_argv)
        argv = [
            self.bwrap,
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "grading",
        ]
        if self.as_root:  # privileged bwrap: the child needs these two to switch to its own uid
            argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            argv += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns"]
        size = str(int(tmp_mb) * 1024 * 1024)
        argv += [
            "--ro-bind",
            "/usr",
            "/usr",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--perms",
            "1777",
            "--size",
            size,
            "--tmpfs",
            "/dev/shm",
            "--perms",
            "1777",
            "--size",
            size,
            "--tmpfs",
            "/tmp",
            "--perms",
            "0755",
            "--dir",
            "/home",
        ]
        for top in _TOP_LEVEL:
            if os.path.islink(top):
                argv += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                argv += ["--ro-bind", top, top]
        made = {"/", "/usr", "/tmp", "/dev", "/proc", "/home"}
        for path in self.read_only:
            for parent in reversed(Path(path).parents):  # bwrap would create missing parents as 0700
                if str(parent) not in made:
                    made.add(str(parent))
                    argv += ["--perms", "0755", "--dir", str(parent)]
            argv += ["--ro-bind", path, path]
            made.add(path)
            if (Path(path) / "dlfund").is_dir():  # an installed copy of the course's reference code
                argv += ["--tmpfs", str(Path(path) / "dlfund"), "--remount-ro", str(Path(path) / "dlfund")]
        argv += ["--ro-bind", str(kit), KIT, "--bind", str(workdir), HOME, "--chdir", HOME]
        return argv + ["--"] + list(python_argv)


def python_folders(site_dirs):
    """Host folders the child needs read-only besides /usr: the interpreter's prefix and `site_dirs`."""
    need = []
    for p in [sys.base_prefix, sys.base_exec_prefix, str(Path(sys.executable).resolve().parents[1]), *site_dirs]:
        p = os.path.realpath(p)
        if not os.path.isdir(p) or p == "/" or any(p == q or p.startswith(q + "/") for q in ["/usr", *need]):
            continue
        need = [q for q in need if not q.startswith(p + "/")] + [p]
    return tuple(need)


def detect(requested="auto", site_dirs=()):
    """The isolation to try: bubblewrap when requested or found (auto), else the process fallback."""
    if requested not in MODES:
        raise ValueError(f"isolation must be one of {MODES}, got {requested!r}")
    if requested == "process":
        return Isolation("process", reason="--isolation process was requested")
    if not sys.platform.startswith("linux"):
        return Isolation("process", reason=f"bubblewrap needs Linux, this is {sys.platform}")
    found = shutil.which("bwrap")
    if not found:
        return Isolation("process", reason="bubblewrap (bwrap) is not installed")
    return Isolation("bubblewrap", bwrap=found, as_root=os.geteuid() == 0, read_only=python_folders(site_dirs))


def uid_for(k):
    """The unprivileged uid for the k-th submission of this run (used only when grading as root)."""
    start = (os.getpid() * 7) % UID_SPAN
    for step in range(UID_SPAN):
        uid = UID_BASE + (start + k + step) % UID_SPAN
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
    return 65534


def make_kit(files, parent=None):
    """A fresh folder (world-readable) holding copies of `files` {name: host path}; the caller removes it."""
    kit = Path(tempfile.mkdtemp(prefix="dlfund-kit-", dir=parent))
    kit.chmod(0o755)
    for name, src in files.items():
        shutil.copyfile(src, kit / name)
        (kit / name).chmod(0o644)
    return kit
