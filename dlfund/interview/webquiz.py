"""The quiz as one piece of HTML with its own small script: works in the static book and in Jupyter.

:func:`quiz_html` renders every gradable question of the bank (``choice`` and ``numeric``,
read with :func:`dlfund.interview.load_bank`) as a form; the script (``webquiz.js``, next
to this file) shows a round of questions at a time, grades an answer when the reader
presses Check (the rules of :func:`dlfund.interview.quiz.grade`), reveals the explanation
and keeps the score. Only the fields a choice or numeric question needs are read, so other
fields of the bank may change freely.
"""

import html
import json
import re
from pathlib import Path

from .bank import load_bank
from .quiz import GRADABLE, expected_text
from .schema import DIFFICULTIES, TOPICS
from .text import to_html, to_plain

SCRIPT = Path(__file__).with_name("webquiz.js")
LETTERS = "ABCDEF"


def _math_html(markdown):
    """Light HTML with $...$ / $$...$$ as \\(...\\) / \\[...\\], the delimiters MathJax reads in the book."""
    out = to_html(markdown)
    out = re.sub(r"\$\$(.+?)\$\$", lambda m: r"\[" + m.group(1) + r"\]", out, flags=re.DOTALL)
    return re.sub(r"\$(.+?)\$", lambda m: r"\(" + m.group(1) + r"\)", out, flags=re.DOTALL)


def _inline_html(markdown):
    return _math_html(markdown).removeprefix("<p>").removesuffix("</p>")


def _question_html(q, number):
    qid = html.escape(q["id"], quote=True)
    topic = TOPICS[q["topic"]].title
    head = (
        f'<legend><span class="dlfund-quiz-number">Question {number}</span> '
        f'<span class="dlfund-quiz-meta">({html.escape(topic)}, {q["difficulty"]})</span></legend>'
        f'<div class="dlfund-quiz-prompt">{_math_html(q["question"])}</div>'
    )
    if q["kind"] == "choice":
        data = f'data-kind="choice" data-correct="{int(q["correct"])}"'
        body = "".join(
            f'<label class="dlfund-quiz-option"><input type="radio" name="q-{qid}" value="{i}"> '
            f"<span>{LETTERS[i]}. {_inline_html(choice)}</span></label>"
            for i, choice in enumerate(q["choices"])
        )
    else:
        data = f'data-kind="numeric" data-value="{float(q["value"])!r}" data-tolerance="{float(q["tolerance"])!r}"'
        body = (
            f'<label class="dlfund-quiz-number-input">Your answer '
            f'<input type="text" inputmode="decimal" autocomplete="off" name="q-{qid}" '
            f'placeholder="e.g. 0.25, 1/4, 2.5e-3"></label>'
        )
    expected = to_plain(expected_text(q))  # shown as text in the feedback line
    return (
        f'<div class="dlfund-quiz-question" data-topic="{q["topic"]}" data-id="{qid}" {data} '
        f'data-expected="{html.escape(expected, quote=True)}">'
        f"<fieldset>{head}{body}</fieldset>"
        f'<button type="button" class="dlfund-quiz-check">Check</button>'
        f'<p class="dlfund-quiz-feedback" role="status" aria-live="polite"></p>'
        f'<div class="dlfund-quiz-explanation" hidden>{_math_html(q["answer"])}</div></div>'
    )


def quiz_html(questions=None, per_round=10, seed=0):
    """HTML (a str) of the web quiz over the gradable questions (default: the whole bank).

    per_round: questions shown at a time (the reader draws a new round with "New quiz");
    seed: the first round's draw, so the built page is reproducible.
    """
    questions = load_bank(kinds=GRADABLE) if questions is None else [q for q in questions if q["kind"] in GRADABLE]
    if not questions:
        raise ValueError("questions must contain at least one choice or numeric question, got none")
    if isinstance(per_round, bool) or not isinstance(per_round, int) or per_round < 1:
        raise ValueError(f"per_round must be a positive integer, got {per_round!r}")
    topics = [t for t in TOPICS if any(q["topic"] == t for q in questions)]
    topic_options = '<option value="">all topics</option>' + "".join(
        f'<option value="{t}">{html.escape(TOPICS[t].title)}</option>' for t in topics
    )
    level_options = '<option value="">all levels</option>' + "".join(
        f'<option value="{d}">{d}</option>' for d in DIFFICULTIES
    )
    items = "".join(_question_html(q, i) for i, q in enumerate(questions, 1))
    config = json.dumps({"perRound": per_round, "seed": seed})
    return (
        f'<form class="dlfund-quiz mathjax_process" aria-label="Quiz" data-config=\'{config}\' novalidate>'
        '<div class="dlfund-quiz-controls">'
        f'<label>Topic <select class="dlfund-quiz-topic">{topic_options}</select></label> '
        f'<label>Level <select class="dlfund-quiz-level">{level_options}</select></label> '
        '<button type="button" class="dlfund-quiz-new">New quiz</button></div>'
        f'<div class="dlfund-quiz-questions">{items}</div>'
        '<p class="dlfund-quiz-score" role="status" aria-live="polite"></p>'
        f"<noscript>The quiz needs JavaScript.</noscript></form><script>{SCRIPT.read_text(encoding='utf-8')}</script>"
    )


class WebQuiz:
    """Displays :func:`quiz_html` in Jupyter (as HTML) and in the built book."""

    def __init__(self, questions=None, per_round=10, seed=0):
        self.html = quiz_html(questions, per_round, seed)

    def _repr_html_(self):
        return self.html
