"""Test-taking heuristics that a fair multiple-choice question must not reward.

A candidate who knows nothing can still guess well when the right option stands out by its
form. Two classic tells:

* **longest option**: the right answer is the one with the most characters;
* **most specific option**: the right answer carries the most qualifiers (distinct content
  words, numbers, symbols), because its author had to make it precisely true.

Each heuristic picks an option per question; a tie between k options counts as 1/k of a hit
(what a random tie-break would score on average). With four options, blind guessing scores
25 %; the bank's test keeps both heuristics at or below :data:`MAX_HEURISTIC_SCORE`.
"""

import re

MAX_HEURISTIC_SCORE = 0.35

_STOP = set(
    """a an the of to in on for by with and or but is are be as at it its this that these those from
into than then so not no can does do it's their there which when while each every any all one only more most
less least very same other over under also just per""".split()
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:\.\d+)?|\\[A-Za-z]+|[=<>≤≥±×/^_]")


def specificity(option):
    """Count of distinct content tokens: words (not stop words), numbers, LaTeX commands, symbols."""
    tokens = {t.lower() for t in _TOKEN.findall(option)}
    return len(tokens - _STOP)


def _hit(scores, correct):
    best = max(scores)
    tied = [i for i, s in enumerate(scores) if s == best]
    return (correct in tied) / len(tied)


def heuristic_score(questions, key):
    """Share of choice questions the heuristic `key(option) -> number` answers correctly."""
    choice = [q for q in questions if q["kind"] == "choice"]
    if not choice:
        raise ValueError("heuristic_score needs at least one multiple-choice question")
    return sum(_hit([key(c) for c in q["choices"]], q["correct"]) for q in choice) / len(choice)


def longest_option_score(questions):
    return heuristic_score(questions, len)


def most_specific_option_score(questions):
    return heuristic_score(questions, specificity)


def tells(q):
    """Names of the heuristics that single out this question's right answer alone (no tie)."""
    found = []
    for name, key in (("longest", len), ("most specific", specificity)):
        scores = [key(c) for c in q["choices"]]
        if _hit(scores, q["correct"]) == 1.0:
            found.append(name)
    return found
