"""Interview preparation: a checked question bank, chapter 9 rendering, a quiz and flash cards.

* :func:`load_bank` reads the questions (JSON files in ``dlfund/interview/bank/``);
* :func:`verify_bank` runs the code that backs every number, shape and formula in the answers;
* :mod:`dlfund.interview.render` writes chapter 9, :mod:`dlfund.interview.quiz` grades quizzes,
  :mod:`dlfund.interview.flashcards` is ``python -m dlfund quiz``.
"""

from .bank import BankError, bank_counts, load_bank
from .checks import run_check, verify_bank
from .schema import CHAPTERS, DIFFICULTIES, KINDS, TOPICS, validate_bank, validate_links

__all__ = [
    "BankError",
    "CHAPTERS",
    "DIFFICULTIES",
    "KINDS",
    "TOPICS",
    "bank_counts",
    "load_bank",
    "run_check",
    "validate_bank",
    "validate_links",
    "verify_bank",
]
