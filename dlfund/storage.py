"""One policy for every file the package writes (progress record, flash cards, grading results).

JSON records go through `read_json`/`update_json`/`write_json`; a set of files written together
(the grader's scores and feedback) through `replace_files`.

* **Atomic writes.** Data goes to a temporary file in the same folder, is flushed to disk and
  then renamed over the target (`os.replace`), so a reader never sees half a file; the
  temporary file is removed whatever happens, and one left by a killed writer is removed by
  the next locked update once it is 10 minutes old.
* **No lost updates.** `update_json` reads, changes and writes under a file lock
  (`<name>.lock`, from the maintained `filelock` package), so two notebooks recording at the
  same moment both keep their change.
* **Nothing silently reset or replaced.** A file that is not valid JSON is copied aside to
  `<name>.corrupt-<time>` before anything is written, and the caller gets a notice to show.
  A file that is valid JSON but not ours (`accept(data)` is false), or a directory at the
  path, is never touched: `StorageError` says so.
* **A set of files changes at once.** `replace_files` writes them into a hidden staging folder
  beside the targets and then renames each into place, so an interrupted run leaves the previous
  set untouched and never a half-written file.
* **Failures are reported.** An unwritable folder or a full disk raises `StorageError` naming
  the path and the reason; callers show it to the user once, never swallow it.
"""

import contextlib
import datetime as _dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_TIMEOUT = 30.0  # seconds; a writer holds the lock for milliseconds
STALE_SECONDS = 600.0  # a temporary file this old belongs to a writer that died (killed, power cut)


class StorageError(OSError):
    """A file could not be read or written safely; the message names the path and the reason."""


def _check_target(path, what):
    if path.is_dir():
        raise StorageError(f"{what} {path} is a directory; expected a JSON file path")


def _load(path, what, accept):
    """(data, damaged) for an existing file; raises StorageError for a file that is not ours."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, False
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            return None, True
        raise StorageError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except ValueError:
        return None, True
    if accept is not None and not accept(data):
        raise StorageError(
            f"{path} is not a dlfund {what} (its JSON has another layout); it was left untouched — choose another file"
        )
    return data, False


def read_json(path, default, what="file", accept=None):
    """(data, notice) read from `path`: `default()` when the file is missing or damaged.

    Read-only: a damaged file is reported in `notice` (a sentence, else None) but not moved.
    """
    path = Path(path)
    _check_target(path, what)
    data, damaged = _load(path, what, accept)
    if damaged:
        return default(), (
            f"{what} {path} is damaged (not valid JSON); showing an empty record. "
            "It will be kept aside as a .corrupt copy on the next write."
        )
    return (default() if data is None else data), None


def _keep_aside(path):
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    shutil.copy2(path, backup)
    return backup


def write_json(path, data, what="file"):
    """Write `data` as JSON to `path` atomically (temporary file + rename)."""
    path = Path(path)
    _check_target(path, what)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise StorageError(f"cannot write {what} {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"cannot write {what} {path}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def locked(path, what="file"):
    """Hold the lock file `<path>.lock` (created beside `path`) for a read-change-write."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT)
        lock.acquire()
    except Timeout as exc:
        raise StorageError(
            f"{what} {path} stayed locked by another process for {LOCK_TIMEOUT:.0f} s; try again"
        ) from exc
    except OSError as exc:  # unwritable folder, a file where a folder should be, ...
        raise StorageError(f"cannot write {what} {path}: {exc.strerror or exc}") from exc
    try:
        yield
    finally:
        lock.release()


def _remove_stale_temporaries(path, older_than=STALE_SECONDS):
    """Delete temporary files of `path` left by a writer that was killed mid-write (call under the lock)."""
    cutoff = time.time() - older_than
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()


def update_json(path, default, change, what="file", accept=None):
    """Apply `change(data)` to the JSON record at `path` under a lock; return (result, notice).

    `change` mutates the dict it is given and returns whatever the caller wants back. A damaged
    file is copied aside first and `notice` says where; a file that is not ours raises.
    """
    path = Path(path)
    _check_target(path, what)
    with locked(path, what):
        _remove_stale_temporaries(path)
        data, damaged = _load(path, what, accept)
        notice = None
        if damaged:
            try:
                backup = _keep_aside(path)
            except OSError as exc:
                raise StorageError(
                    f"{what} {path} is damaged and could not be copied aside ({exc.strerror or exc}); "
                    "nothing was written"
                ) from exc
            notice = f"{what} {path} was damaged (not valid JSON); kept it as {backup.name} and started afresh"
        if data is None:
            data = default()
        result = change(data)
        write_json(path, data, what)
    return result, notice


def _move_into_place(item, target):
    """Rename `item` over `target`; an old folder there is first moved aside into `item`'s staging folder."""
    if target.is_dir() and not target.is_symlink():
        os.replace(target, item.parent / f"{item.name}.old")
    elif item.is_dir() and (target.exists() or target.is_symlink()):
        target.unlink()
    os.replace(item, target)


def replace_files(folder, write, what="files"):
    """Write a set of files into `folder` at once; `write(stage)` fills a fresh staging folder and returns
    the names it made, in the order they are to replace their namesakes in `folder` (folders as a whole).

    The staging folder is removed whatever happens; failures raise StorageError naming `folder`.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    except OSError as exc:
        raise StorageError(f"cannot write {what} into {folder}: {exc.strerror or exc}") from exc
    try:
        for name in write(stage):
            _move_into_place(stage / name, folder / name)
    except OSError as exc:
        raise StorageError(f"cannot write {what} into {folder}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
