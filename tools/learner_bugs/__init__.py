"""Realistic learner implementations of every graded exercise, to measure the grader.

Written from the exercise notebooks (exercises/src/*.md) only, without looking at the grader's
catalogues of known mistakes or its diagnoses, so that the set is not biased towards what is
already recognised. Each entry is either

* a **bug**: the code a learner plausibly writes, a one-line description of the mistake, and
  `keywords` (regular expressions, case-insensitive); a failing report *pinpoints* the bug when
  one of them occurs in what the report says about the mistake (hints, diagnoses, structural
  messages — not the echoed inputs or the raw values); or
* a **valid** implementation that is unusual (loops, einsum, another operation order) and
  must pass.

`ENTRIES` lists them all; `tools/learner_bugs_run.py` runs them through `check`. The chapter
modules (group "main") were measured first and the grader was then improved from what they
showed; `holdout.py` (group "holdout") was written afterwards and never used to change the
grader, so its numbers estimate how the changes carry over to bugs nobody catalogued.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    exercise: str
    kind: str  # "bug" | "valid"
    name: str
    what: str
    keywords: tuple
    fn: Callable
    group: str = "main"

    @property
    def id(self):
        return f"{self.exercise}/{self.name}"


ENTRIES = []


GROUP = {"name": "main"}


def bug(exercise, what, *keywords):
    """Register a buggy implementation of `exercise`; `keywords` are regexes a pinpointing report mentions."""
    if not keywords:
        raise ValueError(f"bug {what!r}: give at least one keyword")

    def deco(fn):
        ENTRIES.append(Entry(exercise, "bug", fn.__name__, what, tuple(keywords), fn, GROUP["name"]))
        return fn

    return deco


def valid(exercise, what):
    """Register an unusual but correct implementation of `exercise`."""

    def deco(fn):
        ENTRIES.append(Entry(exercise, "valid", fn.__name__, what, (), fn, GROUP["name"]))
        return fn

    return deco


def load():
    """Import every chapter module (each registers its entries once) and return ENTRIES."""
    if not ENTRIES:
        from . import ch02, ch03, ch04, ch05, ch06, ch07, ch08  # noqa: F401

        GROUP["name"] = "holdout"
        from . import holdout  # noqa: F401
    return ENTRIES
