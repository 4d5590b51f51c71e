"""What grading one submission produces: `GradedSubmission`, its verdict and its scores.csv row.

The batch grader builds every result through this class (graded, refused, grader error, lost
worker); results cross process boundaries as `to_dict()` (JSON) and come back with `from_dict`.
"""

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

#: flag -> verdict text, most severe first
VERDICTS = [
    ("invalid_notebook", "invalid notebook"),
    ("grader_stopped", "stopped its grader"),
    ("grader_error", "grader error"),
    ("time_limit", "time limit exceeded"),
    ("cpu_limit", "CPU limit exceeded"),
    ("too_many_processes", "too many processes"),
    ("crashed", "crashed"),
    ("memory_limit", "memory limit exceeded"),
    ("wrote_outside", "wrote outside its folder"),
    ("signalled_grader", "tried to stop its grader"),
    ("delegation", "delegates to dlfund"),
    ("sys_exit", "called sys.exit"),
    ("cell_timeout", "cell time limit exceeded"),
    ("call_timeout", "function time limit exceeded"),
    ("output_flood", "output flood"),
    ("deleted_files", "deleted files"),
]

#: the scores.csv columns before the per-exercise points, and the last one
CSV_HEAD, CSV_TAIL = ["submission", "chapter", "verdict", "total", "max"], ["notes"]


def verdict_of(flags):
    """'graded' or the most severe flag, with the others in parentheses."""
    texts = [t for f, t in VERDICTS if f in flags]
    if not texts:
        return "graded"
    return texts[0] + (f" (also: {', '.join(texts[1:])})" if len(texts) > 1 else "")


@dataclass
class GradedSubmission:
    """One submission's result: verdict, flags and notes about the run, points per exercise, feedback text.

    `exercises` maps an exercise name to {"points", "passed", "total", "status", "mistakes"}.
    """

    submission: str  # file name
    path: str
    chapter: int = None
    verdict: str = "graded"
    flags: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    exercises: dict = field(default_factory=dict)
    total: float = 0.0
    max: int = 0
    feedback: str = ""

    @classmethod
    def for_path(cls, path, **values):
        return cls(submission=Path(path).name, path=str(path), **values)

    @classmethod
    def refused(cls, path, flag, note, feedback, chapter=None, max=0, verdict=None):
        """A result with nothing graded: one flag, one note, the feedback given."""
        return cls.for_path(
            path,
            chapter=chapter,
            verdict=verdict or verdict_of([flag]),
            flags=[flag],
            notes=[note],
            max=max,
            feedback=feedback,
        )

    def add(self, flag, note, once=False):
        """Record a flag (None: a note only) and its note; with `once` a flag already raised is not repeated."""
        if flag and not (once and flag in self.flags):
            self.flags.append(flag)
        self.notes.append(note)

    def finish(self, feedback_lines):
        """Set verdict, total and the feedback text (verdict line, notes, then `feedback_lines`)."""
        self.verdict = verdict_of(self.flags)
        self.total = round(sum(e["points"] for e in self.exercises.values()), 3)
        head = [f"Verdict: {self.verdict} — {self.total:g}/{self.max} exercises"]
        head += [f"  note: {n}" for n in self.notes]
        self.feedback = "\n".join(head + [""] + feedback_lines) + "\n"
        return self

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """The result in a dict from `to_dict` (keys added later, e.g. "isolation", are ignored)."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    def csv_row(self, exercise_names):
        """The scores.csv row: CSV_HEAD, then the points of each of `exercise_names` ('' when not graded), notes."""
        return (
            [self.submission, self.chapter or "", self.verdict, self.total, self.max]
            + [self.exercises[n]["points"] if n in self.exercises else "" for n in exercise_names]
            + [" | ".join(self.notes)]
        )
