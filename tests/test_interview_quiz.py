"""Quiz grading (no widgets needed) and the ipywidgets front end driven by simulated clicks."""

import pytest

from dlfund.interview.bank import load_bank
from dlfund.interview.quiz import (
    GRADABLE,
    QuizSession,
    correct_response,
    grade,
    parse_choice,
    parse_number,
    quiz_widget,
    render_quiz_markdown,
    select_questions,
)
from dlfund.interview.schema import TOPICS

BANK = load_bank()
BY_ID = {q["id"]: q for q in BANK}
GRADABLE_QS = [q for q in BANK if q["kind"] in GRADABLE]


def wrong_response(q):
    if q["kind"] == "choice":
        return (q["correct"] + 1) % len(q["choices"])
    return q["value"] + 10 * q["tolerance"] + 1


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.25", 0.25),
        (" -3 ", -3.0),
        ("1,024", 1024.0),
        ("2.5e-3", 2.5e-3),
        ("4.5 × 10^-5", 4.5e-5),
        ("4.5x10^(-5)", 4.5e-5),
        ("1/4", 0.25),
        ("−0.303", -0.303),
        (7, 7.0),
        (0.5, 0.5),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["", "   ", None, "abc", "1/0", "nan", "inf", True, float("inf"), "1,02"])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_parse_choice():
    q = BY_ID["found-input-layer"]
    assert parse_choice(q, 2) == 2
    assert parse_choice(q, "c") == 2 and parse_choice(q, " C ") == 2
    assert parse_choice(q, q["choices"][1]) == 1
    for bad in (None, "", "E", 4, -1, True, "maybe"):
        with pytest.raises(ValueError):
            parse_choice(q, bad)


@pytest.mark.parametrize("q", GRADABLE_QS, ids=[q["id"] for q in GRADABLE_QS])
def test_every_gradable_question_accepts_its_answer_and_rejects_a_wrong_one(q):
    right = grade(q, correct_response(q))
    assert right.correct and right.feedback.startswith("Correct")
    wrong = grade(q, wrong_response(q))
    assert not wrong.correct and wrong.feedback.startswith("Not quite") and right.expected in wrong.feedback


def test_numeric_tolerance_edges():
    q = BY_ID["eval-recall"]  # 0.667 ± 0.001
    assert grade(q, "0.668").correct and grade(q, "0.666").correct and grade(q, "2/3").correct
    assert not grade(q, "0.6685").correct
    exact = BY_ID["cnn-params"]  # 1792 ± 0
    assert grade(exact, "1,792").correct and not grade(exact, 1793).correct


def test_open_questions_cannot_be_graded():
    with pytest.raises(ValueError, match="open-ended"):
        grade(BY_ID["gan-mode-collapse"], "anything")


def test_select_questions_is_reproducible_and_spread_over_topics():
    a = select_questions(BANK, n=12, seed=3)
    assert [q["id"] for q in a] == [q["id"] for q in select_questions(BANK, n=12, seed=3)]
    assert [q["id"] for q in a] != [q["id"] for q in select_questions(BANK, n=12, seed=4)]
    assert all(q["kind"] in GRADABLE for q in a)
    one_each = select_questions(BANK, n=len(TOPICS), seed=0)
    assert len({q["topic"] for q in one_each}) == len(TOPICS)
    order = {t: i for i, t in enumerate(TOPICS)}
    assert [order[q["topic"]] for q in a] == sorted(order[q["topic"]] for q in a)  # shown in book order


def test_a_short_quiz_samples_all_topics_not_the_first_five():
    """The widget's default 5-question quiz drew only the first five topics of the book for every seed."""
    first_five = set(list(TOPICS)[:5])
    seen, only_first = set(), 0
    for seed in range(200):
        topics = {q["topic"] for q in select_questions(BANK, n=5, seed=seed)}
        assert len(topics) == 5
        seen |= topics
        only_first += topics <= first_five
    assert seen == {q["topic"] for q in GRADABLE_QS}
    assert only_first <= 5  # by chance 1 in C(19, 5) = 11,628 draws would be all from the first five


def test_topics_given_as_a_string_are_refused():
    with pytest.raises(TypeError, match=r"topics must be a list.*\['cnn'\]"):
        select_questions(BANK, topics="cnn")
    with pytest.raises(TypeError, match="difficulties must be a list"):
        select_questions(BANK, difficulties="hard")


def test_select_questions_filters():
    chosen = select_questions(BANK, topics=["cnn", "vae"], difficulties=["medium"], n=50, seed=1)
    pool = [q for q in GRADABLE_QS if q["topic"] in ("cnn", "vae") and q["difficulty"] == "medium"]
    assert sorted(q["id"] for q in chosen) == sorted(q["id"] for q in pool)
    assert select_questions(BANK, topics=["intro"], difficulties=["hard"], n=5) == [BY_ID["intro-depth-efficiency"]]
    with pytest.raises(ValueError, match="unknown topics"):
        select_questions(BANK, topics=["astrology"])
    with pytest.raises(ValueError, match="unknown difficulties"):
        select_questions(BANK, difficulties=["extreme"])
    with pytest.raises(ValueError, match="positive integer"):
        select_questions(BANK, n=0)


def test_session_scores_first_attempts_by_topic():
    qs = [BY_ID["cnn-params"], BY_ID["cnn-pooling"], BY_ID["vae-kl-wide"]]
    session = QuizSession(qs)
    assert session.score() == (0, 0, 3)
    assert session.answer("cnn-params", 1792).correct
    assert not session.answer("cnn-pooling", wrong_response(BY_ID["cnn-pooling"])).correct
    retry = session.answer("cnn-pooling", correct_response(BY_ID["cnn-pooling"]))
    assert retry.correct and not retry.counted and "first answer counts" in retry.feedback
    assert session.score() == (1, 2, 3)
    assert session.score_by_topic() == {
        "cnn": {"correct": 1, "answered": 2, "total": 2},
        "vae": {"correct": 0, "answered": 0, "total": 1},
    }
    table = session.summary_markdown()
    assert "| Convolutional networks | 1 | 2 | 2 |" in table and "| **Total** | **1** | **2** | **3** |" in table
    assert "<td>1 / 2</td>" in session.summary_html()


def test_session_ignores_unreadable_answers_and_rejects_strangers():
    session = QuizSession([BY_ID["cnn-params"]])
    with pytest.raises(ValueError):
        session.answer("cnn-params", "lots")
    assert session.score() == (0, 0, 1)
    with pytest.raises(KeyError):
        session.answer("gan-js", 1)
    with pytest.raises(ValueError, match="twice"):
        QuizSession([BY_ID["cnn-params"], BY_ID["cnn-params"]])


def test_static_quiz_markdown_folds_answers():
    qs = select_questions(BANK, n=4, seed=0)
    md = render_quiz_markdown(qs)
    assert md.count('<details class="dlfund-answer">') == 4 and '<details class="dlfund-check">' not in md
    for i, q in enumerate(qs, 1):
        assert q["question"] in md and f"**Question {i}**" in md


# --- the widget ----------------------------------------------------------------------------------


def _item(app, qid):
    return next(item for item in app.items if item["question"]["id"] == qid)


def test_widget_quiz_flow():
    app = quiz_widget(BANK, n=3, seed=0)
    assert len(app.items) == 3 and "0 / 0" in app.score.value
    app.topics.value = ("cnn",)
    app.difficulties.value = ("medium", "hard")
    app.size.value = 4
    app.new_button.click()
    chosen = [item["question"] for item in app.items]
    assert len(chosen) == 4 and all(q["topic"] == "cnn" and q["difficulty"] != "easy" for q in chosen)
    first, second = app.items[0], app.items[1]
    # an unreadable answer gives a hint and is not scored
    if first["question"]["kind"] == "numeric":
        first["answer"].value = "many"
    first["check"].click()
    hint = first["feedback"].value
    assert hint and "✔" not in hint and "✘" not in hint  # a hint, not a grade
    assert "0 / 0" in app.score.value
    # right answer, then a wrong one
    for item, right in ((first, True), (second, False)):
        q = item["question"]
        response = correct_response(q) if right else wrong_response(q)
        item["answer"].value = response if q["kind"] == "choice" else str(response)
        item["check"].click()
        assert ("✔" in item["feedback"].value) is right
    assert "<td>1 / 2</td>" in app.score.value


def test_widget_with_settings_that_match_nothing():
    app = quiz_widget([BY_ID["cnn-params"], BY_ID["gan-js"]], n=3)
    assert [label for label, _ in app.topics.options] == ["Convolutional networks"]  # gan-js is open-ended
    assert len(app.items) == 1
    app.difficulties.value = ("easy",)
    app.new_button.click()
    assert app.items == [] and "No gradable questions" in app.message.value


def test_widget_choice_options_are_readable_text():
    app = quiz_widget(BANK, n=1, seed=0)
    app.topics.value = ("training",)
    app.difficulties.value = ("medium",)
    app.size.value = 20
    app.new_button.click()
    radios = [item["answer"] for item in app.items if item["question"]["kind"] == "choice"]
    assert radios
    for radio in radios:
        labels = [label for label, _ in radio.options]
        assert all("$" not in label and "\\" not in label for label in labels)
