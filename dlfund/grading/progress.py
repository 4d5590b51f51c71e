"""Your exercise progress: a local record of what passed and when, and a per-chapter summary.

The record is JSON at `$DLFUND_HOME/progress.json` (default `~/.dlfund/progress.json`); every
`check(...)` call updates it. `progress()` in a notebook or `python -m dlfund progress` in a
terminal shows it per chapter. Reading and writing follow `dlfund.storage`: atomic writes under
a file lock, a damaged record kept aside (never silently reset), a foreign file never touched.
"""

import datetime as _dt
import json
import os
import sys
from pathlib import Path

from ..storage import StorageError, locked, read_json, update_json
from .registry import CHAPTER_TITLES, chapters

VERSION = 1
WHAT = "progress record"


def home():
    return Path(os.environ.get("DLFUND_HOME") or Path.home() / ".dlfund")


def record_path():
    return home() / "progress.json"


def _empty():
    return {"version": VERSION, "exercises": {}}


def _is_record(data):
    return isinstance(data, dict) and isinstance(data.get("exercises"), dict)


def read_record(path=None):
    """(record, notice): the record at `path` (default `record_path()`), and a sentence if it is damaged.

    A damaged file reads as empty and is left in place (the next write keeps it aside);
    JSON that is not a progress record raises StorageError.
    """
    return read_json(Path(path) if path else record_path(), _empty, WHAT, _is_record)


def load_record(path=None):
    """The progress record as a dict {"version", "exercises": {name: entry}} (empty if missing or damaged)."""
    return read_record(path)[0]


def _now():
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def record_result(ex, result, path=None):
    """Update the record with one `check` result (called by `check`); returns (entry, notice).

    `notice` is a sentence when a damaged record was kept aside, else None. Raises StorageError
    (naming the path) when the record cannot be written.
    """

    def change(data):
        entry = data["exercises"].setdefault(ex.name, {"chapter": ex.chapter, "attempts": 0, "passed": False})
        entry["attempts"] += 1
        entry["last_attempt"] = _now()
        entry["last_score"] = [result.passed, result.total]
        entry["status"] = result.status
        if result.ok and not entry.get("passed"):
            entry["passed"] = True
            entry["first_passed"] = entry["last_attempt"]
        return entry

    return update_json(Path(path) if path else record_path(), _empty, change, WHAT, _is_record)


def record_notice(ex, result):
    """Record one `check` result; return the sentence the report must show (damaged record, not saved) or None."""
    try:
        return record_result(ex, result)[1]
    except StorageError as exc:
        return f"your result was NOT recorded: {exc}"


def summary(data=None):
    """[(chapter, title, passed names, all names, {name: entry})] for every chapter with exercises."""
    data = data or load_record()
    rows = []
    for ch, exs in sorted(chapters().items()):
        entries = {e.name: data["exercises"].get(e.name, {}) for e in exs}
        passed = [e.name for e in exs if entries[e.name].get("passed")]
        rows.append((ch, CHAPTER_TITLES.get(ch, ""), passed, [e.name for e in exs], entries))
    return rows


def text_summary(data=None, chapter=None):
    lines = []
    total_p = total_n = 0
    for ch, title, passed, names, entries in summary(data):
        if chapter is not None and ch != chapter:
            continue
        total_p += len(passed)
        total_n += len(names)
        bar = "█" * len(passed) + "░" * (len(names) - len(passed))
        lines.append(f"Chapter {ch} {title:<42} {bar} {len(passed)}/{len(names)}")
        todo = [n for n in names if n not in passed]
        tried = [n for n in todo if entries[n].get("attempts")]
        if todo:
            lines.append("    to do: " + ", ".join(n + ("*" if n in tried else "") for n in todo))
    lines.append(
        f"Total: {total_p}/{total_n} exercises passed"
        + ("  (* = attempted, not passed yet)" if any("*" in s for s in lines) else "")
    )
    return "\n".join(lines)


def html_summary(data=None):
    import html

    rows = []
    for ch, title, passed, names, entries in summary(data):
        pct = 100 * len(passed) / len(names)
        todo = ", ".join(n for n in names if n not in passed) or "all done"
        rows.append(
            f"<tr><td>{ch}</td><td>{html.escape(title)}</td><td>{len(passed)}/{len(names)}</td>"
            f"<td><div style='background:#eee;width:120px'><div style='background:#2e7d32;height:10px;"
            f"width:{pct:.0f}%'></div></div></td><td>{html.escape(todo)}</td></tr>"
        )
    return (
        "<table><tr><th>Chapter</th><th>Title</th><th>Passed</th><th></th><th>To do</th></tr>"
        + "".join(rows)
        + "</table>"
    )


class Progress:
    """What `progress()` returns: shows itself as a table in Jupyter and as text elsewhere."""

    def __init__(self, data, notice=None):
        self.data = data
        self.notice = notice

    @property
    def passed(self):
        return sorted(k for k, v in self.data["exercises"].items() if v.get("passed"))

    def __str__(self):
        return (f"note: {self.notice}\n" if self.notice else "") + text_summary(self.data)

    __repr__ = __str__

    def _repr_html_(self):
        import html

        note = f"<p><b>note:</b> {html.escape(self.notice)}</p>" if self.notice else ""
        return note + html_summary(self.data)


def progress():
    """Your progress per chapter (a table in Jupyter, text in a terminal)."""
    return Progress(*read_record())


# -- command line: python -m dlfund progress -------------------------------------------------------


def add_arguments(parser):
    parser.add_argument("--chapter", type=int, default=None, help="show one chapter only")
    parser.add_argument("--json", action="store_true", help="print the raw record as JSON")
    parser.add_argument("--reset", action="store_true", help="forget all recorded progress")
    parser.add_argument("--file", default=None, help="progress file (default $DLFUND_HOME/progress.json)")


def run(args):
    path = Path(args.file) if args.file else record_path()
    try:
        data, notice = read_record(path)  # refuses a directory or a JSON file that is not a record
        if args.reset:
            with locked(path, WHAT):
                path.unlink(missing_ok=True)
            print(f"progress reset ({path})")
            return 0
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if notice:
        print(f"note: {notice}")
    if args.json:
        print(json.dumps(data, indent=1, sort_keys=True))
        return 0
    print(f"Progress recorded in {path}")
    print(text_summary(data, args.chapter))
    return 0
