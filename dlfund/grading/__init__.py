"""Autograded exercises: `from dlfund.grading import check, progress`.

    check("adam", update_parameters_with_adam)   # report in the notebook; never raises by default
    progress()                                    # which exercises you have passed, per chapter

The registry (`all_exercises`, `get_exercise`) holds every exercise with its reference (a
`dlfund` function), its cases and a catalogue of known mistakes. Teachers grade submitted
notebooks with `python -m dlfund grade SUBMISSIONS... --out DIR` (see `dlfund.grading.batch`).
"""

from .check import CheckResult, GradingError, check
from .progress import progress
from .registry import all_exercises, chapters, get_exercise

__all__ = ["check", "progress", "CheckResult", "GradingError", "all_exercises", "chapters", "get_exercise"]
