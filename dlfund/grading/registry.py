"""The registry of exercises, filled by the chapter modules in `dlfund.grading.exercises`.

Which module grades which chapter comes from the book's chapter table (`dlfund.chapters`). A
chapter module that fails to import is an error, raised on first use: a broken module must
never drop its exercises from grading silently.
"""

import importlib

from .. import chapters as _book

CHAPTER_MODULES = _book.graded()
CHAPTER_TITLES = _book.titles()

_EXERCISES = {}
_LOADED = False


def register(ex):
    if ex.name in _EXERCISES:
        raise ValueError(f"exercise {ex.name!r} registered twice")
    _EXERCISES[ex.name] = ex
    return ex


def _load():
    global _LOADED
    if _LOADED:
        return
    for chapter, mod in CHAPTER_MODULES.items():
        try:
            importlib.import_module(f"dlfund.grading.exercises.{mod}")
        except ImportError as exc:
            raise ImportError(
                f"the exercises of chapter {chapter} (dlfund.grading.exercises.{mod}) cannot be "
                f"imported, so none of them could be graded: {exc}"
            ) from exc
    _LOADED = True


def all_exercises():
    """Every registered exercise, by chapter then in definition order."""
    _load()
    return sorted(_EXERCISES.values(), key=lambda e: e.chapter)


def get_exercise(name):
    _load()
    if name not in _EXERCISES:
        import difflib

        close = difflib.get_close_matches(name, list(_EXERCISES), n=3)
        extra = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise KeyError(f"no exercise named {name!r}{extra}")
    return _EXERCISES[name]


def chapters():
    """{chapter: [exercises]}."""
    out = {}
    for ex in all_exercises():
        out.setdefault(ex.chapter, []).append(ex)
    return out
