"""Load the question bank: one JSON file per topic in ``dlfund/interview/bank/``.

Each file is ``{"topic": KEY, "questions": [question, ...]}`` with the question fields
described in :mod:`dlfund.interview.schema`. Loading validates the whole bank, so a
malformed question fails loudly instead of disappearing from the book or the quiz.
"""

import json
from collections import Counter
from pathlib import Path

from .schema import DIFFICULTIES, KINDS, TOPICS, validate_bank

BANK_DIR = Path(__file__).resolve().parent / "bank"


class BankError(ValueError):
    """The question bank (or a file in it) is malformed."""


def read_bank_file(path):
    """Questions of one topic file, each checked to belong to the file's topic."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BankError(f"{path.name}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or set(data) != {"topic", "questions"} or not isinstance(data["questions"], list):
        raise BankError(f'{path.name}: expected {{"topic": ..., "questions": [...]}}')
    topic = data["topic"]
    if topic not in TOPICS:
        raise BankError(f"{path.name}: unknown topic {topic!r}")
    for q in data["questions"]:
        if isinstance(q, dict) and q.get("topic") != topic:
            raise BankError(f"{path.name}: question {q.get('id')!r} has topic {q.get('topic')!r}, file is {topic!r}")
    return data["questions"]


def load_bank(topics=None, difficulties=None, kinds=None, path=None, validate=True):
    """All questions (list of dicts) in topic order, optionally filtered.

    topics, difficulties, kinds: lists (or other iterables, not strings) of allowed values (None = all).
    path: a directory of topic files (default: the bank shipped with dlfund).
    """
    directory = Path(path) if path is not None else BANK_DIR
    files = sorted(directory.glob("*.json"))
    if not files:
        raise BankError(f"no question files (*.json) in {directory}")
    questions = []
    for f in files:
        questions.extend(read_bank_file(f))
    if validate:
        problems = validate_bank(questions)
        if problems:
            raise BankError("invalid question bank:\n  " + "\n  ".join(problems))
    for name, allowed in (("topics", topics), ("difficulties", difficulties), ("kinds", kinds)):
        if isinstance(allowed, str):
            raise TypeError(f"{name} must be a list of values such as [{allowed!r}], got the string {allowed!r}")
    for name, allowed, known in (
        ("topics", topics, TOPICS),
        ("difficulties", difficulties, DIFFICULTIES),
        ("kinds", kinds, KINDS),
    ):
        if allowed is not None:
            unknown = set(allowed) - set(known)
            if unknown:
                raise ValueError(f"unknown {name} {sorted(unknown)}; expected some of {list(known)}")
    order = {key: i for i, key in enumerate(TOPICS)}
    questions.sort(key=lambda q: order[q["topic"]])  # stable: keeps file order within a topic
    return [
        q
        for q in questions
        if (topics is None or q["topic"] in topics)
        and (difficulties is None or q["difficulty"] in difficulties)
        and (kinds is None or q["kind"] in kinds)
    ]


def bank_counts(questions):
    """Counts per topic and difficulty: {topic: Counter(easy=.., medium=.., hard=..)}."""
    counts = {key: Counter() for key in TOPICS}
    for q in questions:
        counts[q["topic"]][q["difficulty"]] += 1
    return {k: v for k, v in counts.items() if v}
