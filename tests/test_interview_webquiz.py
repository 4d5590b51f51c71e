"""The web quiz (dlfund.interview.webquiz): the bank's gradable questions as an HTML form."""

import html
import re

import pytest

from dlfund.interview import load_bank
from dlfund.interview.quiz import GRADABLE
from dlfund.interview.webquiz import SCRIPT, WebQuiz, quiz_html

BANK = load_bank()
GRADED = [q for q in BANK if q["kind"] in GRADABLE]


def _blocks(text):
    return re.findall(r'<div class="dlfund-quiz-question" ([^>]*)>', text)


def _attrs(block):
    return {k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', block)}


def test_every_gradable_question_of_the_bank_and_no_open_one():
    text = quiz_html()
    ids = [_attrs(b)["data-id"] for b in _blocks(text)]
    assert ids == [q["id"] for q in GRADED]
    assert not {q["id"] for q in BANK if q["kind"] == "open"} & set(ids)


def test_keys_come_from_the_bank():
    by_id = {q["id"]: q for q in GRADED}
    for block in _blocks(quiz_html()):
        a = _attrs(block)
        q = by_id[a["data-id"]]
        assert a["data-kind"] == q["kind"]
        if q["kind"] == "choice":
            assert int(a["data-correct"]) == q["correct"]
        else:
            assert float(a["data-value"]) == q["value"] and float(a["data-tolerance"]) == q["tolerance"]


def test_choice_options_are_labelled_radio_buttons_and_math_uses_mathjax_delimiters():
    q = {
        "id": "t-1",
        "topic": "optimizers",
        "difficulty": "easy",
        "kind": "choice",
        "question": "Which is $\\eta$?",
        "answer": "The rate $\\eta$.",
        "choices": ["$\\eta$", "`lr`"],
        "correct": 0,
        "rubric": ["a field the quiz does not read"],
    }
    text = quiz_html([q])
    assert text.count('type="radio" name="q-t-1"') == 2
    assert "<span>A. \\(\\eta\\)</span>" in text and "<span>B. <code>lr</code></span>" in text
    assert "Which is \\(\\eta\\)?" in text and "$" not in text.split("<script>")[0]
    assert 'class="dlfund-quiz mathjax_process"' in text
    assert 'data-expected="A. η"' in text  # the feedback line is plain text: math as Unicode


def test_the_script_is_inlined_so_the_quiz_works_in_jupyter_and_the_book():
    text = WebQuiz(GRADED[:3], per_round=2)._repr_html_()
    assert text.endswith("</script>") and SCRIPT.read_text(encoding="utf-8") in text
    assert '"perRound": 2' in text


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"questions": [q for q in BANK if q["kind"] == "open"][:2]}, "at least one"),
        ({"per_round": 0}, "per_round"),
        ({"per_round": True}, "per_round"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        quiz_html(**kwargs)
