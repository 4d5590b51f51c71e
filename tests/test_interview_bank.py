"""The interview question bank: schema, links, and the code behind every stated number."""

import builtins
import copy
import json
from pathlib import Path

import numpy as np
import pytest

from dlfund.interview import bank as bank_module
from dlfund.interview.bank import BankError, bank_counts, load_bank, read_bank_file
from dlfund.interview.checks import compare, needs_torch, run_check, stated_numbers, unstated_expectations, verify_bank
from dlfund.interview.fairness import (
    MAX_HEURISTIC_SCORE,
    heuristic_score,
    longest_option_score,
    most_specific_option_score,
    specificity,
    tells,
)
from dlfund.interview.schema import (
    DIFFICULTIES,
    TOPICS,
    exercise_problems,
    notebook_labels,
    resolve_dlfund,
    states_checkable_content,
    validate_bank,
    validate_links,
    validate_question,
)

REPO = Path(__file__).resolve().parents[1]
BANK = load_bank()
CHECKED = [q for q in BANK if "check" in q or "exercise" in q]
CODING = [q for q in BANK if "exercise" in q]
CHOICE = [q for q in BANK if q["kind"] == "choice"]
CHAPTER_TOPICS = ["intro", "foundations", "training", "optimizers", "regularization", "vanishing", "exploding", "rnn"]
EXTRA_TOPICS = [
    "cnn",
    "gru",
    "normalization",
    "gan",
    "autoencoders",
    "vae",
    "embeddings",
    "attention",
    "transformers",
    "debugging",
    "evaluation",
]


def good_question(**changes):
    q = {
        "id": "demo-question",
        "topic": "cnn",
        "difficulty": "easy",
        "kind": "numeric",
        "question": "How many?",
        "answer": "Twenty-eight positions.",
        "value": 28,
        "tolerance": 0,
        "check": {"code": ["result = 32 - 5 + 1"]},
        "beyond_course": True,
    }
    q.update(changes)
    return {k: v for k, v in q.items() if v is not None}


# --- size and coverage --------------------------------------------------------------------


def test_bank_is_large_and_covers_every_topic_and_difficulty():
    assert len(BANK) >= 250
    counts = bank_counts(BANK)
    assert set(counts) == set(TOPICS) == set(CHAPTER_TOPICS) | set(EXTRA_TOPICS)
    for topic, c in counts.items():
        assert sum(c.values()) >= 7, topic
        assert c["hard"] >= 3, f"{topic} has only {c['hard']} hard questions"
    for d in DIFFICULTIES:
        assert sum(c[d] for c in counts.values()) >= 50, d
    assert sum(q["kind"] in ("choice", "numeric") for q in BANK) >= 120


def test_the_standard_topics_an_interviewer_asks_are_covered():
    ids = {q["id"] for q in BANK}
    for qid in [
        "eval-recall",
        "eval-f1",
        "eval-roc-vs-pr",
        "eval-calibration",
        "eval-imbalance",
        "reg-bv-decomposition",
        "reg-learning-curve-gap",
        "dbg-nan-third-epoch",
        "van-zero-init",
        "norm-why-bn-helps",
        "rnn-lstm-gates",
        "train-ce-vs-mse",
        "opt-lr-schedules",
        "cnn-transfer-learning",
        "train-label-smoothing",
        "opt-random-vs-grid",
        "rnn-teacher-forcing",
        "code-two-layer-backward",
    ]:
        assert qid in ids, qid
    assert sum(q["topic"] == "evaluation" for q in BANK) >= 15
    assert sum(q["topic"] == "debugging" for q in BANK) >= 15


def test_most_answers_are_checked_by_code():
    assert len(CHECKED) >= 180
    exempt = [q for q in BANK if "no_check" in q]
    assert len(exempt) <= 20, [q["id"] for q in exempt]


def test_bank_validates_and_ids_are_unique():
    assert validate_bank(BANK) == []
    ids = [q["id"] for q in BANK]
    assert len(ids) == len(set(ids))


def test_every_chapter_topic_links_to_its_chapter_or_says_it_goes_beyond():
    for q in BANK:
        chapter = TOPICS[q["topic"]].chapter
        if q["topic"] in CHAPTER_TOPICS:
            assert q.get("book") == chapter or q.get("beyond_course") is True, q["id"]


def test_questions_no_chapter_teaches_are_labelled_beyond_the_course():
    for q in BANK:
        assert ("book" in q) != q.get("beyond_course", False), q["id"]
        if TOPICS[q["topic"]].chapter is None and q["topic"] not in ("debugging", "normalization", "gru"):
            assert q.get("beyond_course") is True, q["id"]
    assert 100 <= sum(q.get("beyond_course", False) for q in BANK) <= 130


def test_every_open_question_has_a_rubric_and_a_follow_up():
    opens = [q for q in BANK if q["kind"] == "open"]
    assert len(opens) >= 100
    for q in opens:
        assert 2 <= len(q["rubric"]) <= 6 and q["follow_up"].endswith("?"), q["id"]


def test_numbers_in_a_rubric_are_numbers_the_checked_answer_states():
    for q in BANK:
        stated = stated_numbers(q["answer"])
        for point in q.get("rubric", []):
            for x in stated_numbers(point):
                assert any(abs(x - s) <= 1e-9 * max(1, abs(s)) for s in stated), (q["id"], point)


# --- fair multiple choice ----------------------------------------------------------------------------


def test_multiple_choice_is_not_answered_by_the_longest_or_most_specific_option():
    assert len(CHOICE) >= 70
    assert longest_option_score(BANK) <= MAX_HEURISTIC_SCORE
    assert most_specific_option_score(BANK) <= MAX_HEURISTIC_SCORE


def test_nor_by_the_opposite_heuristics():
    """Shortening the right answers everywhere would only move the tell: the shortest option, the least
    specific one, and "drop the longest and the shortest, guess among the rest" stay near chance too."""
    assert heuristic_score(BANK, lambda c: -len(c)) <= MAX_HEURISTIC_SCORE
    assert heuristic_score(BANK, lambda c: -specificity(c)) <= MAX_HEURISTIC_SCORE

    def middle(q):
        order = sorted(range(len(q["choices"])), key=lambda i: len(q["choices"][i]))
        kept = order[1:-1]
        return (q["correct"] in kept) / len(kept)

    assert sum(middle(q) for q in CHOICE) / len(CHOICE) <= MAX_HEURISTIC_SCORE


def test_the_heuristics_would_catch_a_giveaway():
    giveaway = dict(
        good_question(kind="choice", value=None, tolerance=None, check=None, answer="Words."),
        choices=["Short", "Also short", "The long, precise and qualified right answer, with 3 details", "Tiny"],
        correct=2,
    )
    assert tells(giveaway) == ["longest", "most specific"]
    assert longest_option_score([giveaway]) == 1.0 and most_specific_option_score([giveaway]) == 1.0
    tie = dict(giveaway, choices=["aaaa", "bbbb", "cccc", "dd"], correct=0)
    assert longest_option_score([tie]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="multiple-choice"):
        longest_option_score([good_question()])


# --- coding questions --------------------------------------------------------------------------------


def test_coding_questions_name_graded_exercises():
    assert len(CODING) >= 10
    assert len({q["exercise"] for q in CODING}) == len(CODING)
    for q in CODING:
        assert exercise_problems(q) == [], q["id"]
        assert "```" not in q["answer"] and q["rubric"] and q["follow_up"]


def test_a_wrong_coding_answer_fails_the_grader():
    from dlfund.interview.checks import run_solution

    q = next(q for q in CODING if q["exercise"] == "softmax")
    naive = "import numpy as np\ndef softmax(Z):\n    E = np.exp(Z)\n    return E / E.sum(axis=1, keepdims=True)\n"
    with np.errstate(over="ignore", invalid="ignore"):
        assert not run_solution(q, naive).ok
    assert run_solution(q).ok
    with pytest.raises(ValueError, match="must define a function softmax"):
        run_solution(q, "def soft_max(Z):\n    return Z\n")
    with pytest.raises(ValueError, match="did not run"):
        run_solution(q, "def softmax(Z) return Z")


def test_right_choices_are_spread_over_the_positions():
    from collections import Counter

    positions = Counter(q["correct"] for q in BANK if q["kind"] == "choice")
    assert len(positions) >= 3 and max(positions.values()) <= 0.5 * sum(positions.values())


# --- the checks themselves -------------------------------------------------------------------


@pytest.mark.parametrize("q", CHECKED, ids=[q["id"] for q in CHECKED])
def test_answer_check_passes_and_states_its_numbers(q):
    outcome = run_check(q)
    assert outcome.ok, outcome.message
    assert unstated_expectations(q) == [], "numbers the check expects but the answer does not state"


def test_numeric_questions_all_have_checks():
    assert all("check" in q for q in BANK if q["kind"] == "numeric")


def test_a_wrong_stated_value_makes_its_check_fail():
    q = copy.deepcopy(next(q for q in BANK if q["id"] == "cnn-params"))
    q["value"] = 1793
    outcome = run_check(q)
    assert not outcome.ok and "1793" in outcome.message


def test_editing_a_number_in_the_prose_is_caught():
    q = copy.deepcopy(next(q for q in BANK if q["id"] == "reg-dropout-ensemble"))
    assert unstated_expectations(q) == []
    q["answer"] = q["answer"].replace("0.6324", "0.61")
    assert unstated_expectations(q) == [0.6324]


def test_verify_bank_reports_every_check():
    report = verify_bank(CHECKED[:5])
    assert len(report.outcomes) == 5 and not report.failures and not report.skipped
    assert report.summary().startswith("5 answers checked by code: 5 pass, 0 fail")


def test_verify_bank_skips_torch_checks_only_when_torch_is_missing(monkeypatch):
    # `import torch` raises ImportError, as where PyTorch is not installed. (Putting None in
    # sys.modules instead breaks scikit-learn, which looks torch up there to recognise tensors.)
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    report = verify_bank(CHECKED)
    torch_ids = {q["id"] for q in CHECKED if needs_torch(q)}
    assert set(report.skipped) == torch_ids and torch_ids
    assert {o.id for o in report.outcomes} == {q["id"] for q in CHECKED} - torch_ids
    assert not report.failures
    assert "need PyTorch" in report.summary()


# --- links -----------------------------------------------------------------------------------


def test_links_resolve():
    """dlfund names import; chapter labels exist in every chapter notebook that exists."""
    assert validate_links(BANK, REPO) == []


def test_linked_dlfund_names_are_callables():
    names = {n for q in BANK for n in q.get("dlfund", [])}
    assert len(names) >= 15
    for name in names:
        assert callable(resolve_dlfund(name)), name


def test_interview_chapter_defines_its_label():
    assert "ch-interview" in notebook_labels(REPO / "book" / "09_interview.ipynb")
    assert "ch-quiz" in notebook_labels(REPO / "book" / "09b_quiz.ipynb")


def _write_notebook(path, markdown):
    nb = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": markdown}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))


def test_validate_links_detects_broken_links(tmp_path):
    _write_notebook(
        tmp_path / "book" / "04_optimizers.ipynb", "(ch-optimizers)=\n# Optimizers\n\n(sec-adam)=\n## Adam\n"
    )
    _write_notebook(tmp_path / "book" / "05_regularization.ipynb", "# Regularization without its label\n")
    ok = good_question(id="a", book="ch-optimizers", book_section="sec-adam", dlfund=["dlfund.activations.relu"])
    missing_section = good_question(id="b", book="ch-optimizers", book_section="sec-rmsprop")
    missing_label = good_question(id="c", book="ch-regularization")
    missing_file = good_question(id="d", book="ch-rnn")
    missing_file_section = good_question(id="e", book="ch-rnn", book_section="sec-gru")
    bad_function = good_question(id="f", dlfund=["dlfund.activations.swish"])
    bad_module = good_question(id="g", dlfund=["dlfund.nonexistent.thing"])
    problems = validate_links(
        [ok, missing_section, missing_label, missing_file, missing_file_section, bad_function, bad_module], tmp_path
    )
    text = "\n".join(problems)
    assert "'a'" not in text
    assert "'b'" in text and "(sec-rmsprop)" in text
    assert "'c'" in text and "(ch-regularization)" in text
    assert "'d'" not in text  # a chapter not written yet is fine unless files are required
    assert "'e'" in text
    assert "'f'" in text and "swish" in text
    assert "'g'" in text
    strict = "\n".join(validate_links([missing_file], tmp_path, require_files=True))
    assert "'d'" in strict and "book/08_rnn_lstm" in strict


# --- schema rules ----------------------------------------------------------------------------


def test_good_question_is_valid():
    assert validate_question(good_question()) == []


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"answer": None}, "missing required field 'answer'"),
        ({"question": "  "}, "non-empty string"),
        ({"colour": "red"}, "unknown field"),
        ({"id": "Bad ID"}, "id must be"),
        ({"topic": "quantum"}, "unknown topic"),
        ({"difficulty": "trivial"}, "difficulty must be"),
        ({"kind": "essay"}, "kind must be"),
        ({"tolerance": None}, "tolerance"),
        ({"tolerance": -1}, "tolerance"),
        ({"value": "28"}, "number 'value'"),
        ({"value": True}, "number 'value'"),
        (
            {
                "kind": "choice",
                "value": None,
                "tolerance": None,
                "choices": ["only one"],
                "correct": 0,
                "check": {"code": ["result = 1"], "expect": 1},
            },
            "2 to 6",
        ),
        ({"kind": "choice", "value": None, "tolerance": None, "choices": ["a", "a"], "correct": 0}, "distinct"),
        ({"kind": "choice", "value": None, "tolerance": None, "choices": ["a", "b"], "correct": 2}, "index"),
        ({"kind": "choice", "value": None, "tolerance": None, "choices": ["a", "b"], "correct": True}, "index"),
        (
            {
                "kind": "open",
                "value": None,
                "tolerance": None,
                "check": None,
                "answer": "Words.",
                "choices": ["a", "b"],
            },
            "only for kind 'choice'",
        ),
        ({"kind": "open", "check": None, "answer": "Words."}, "only for kind 'numeric'"),
        ({"book": "ch-quantum"}, "unknown book chapter"),
        ({"book_section": "sec-x"}, "needs 'book'"),
        ({"book": "ch-rnn", "book_section": "Sec X"}, "book_section must be"),
        ({"dlfund": ["numpy.exp"]}, "dotted names"),
        ({"dlfund": []}, "dotted names"),
        ({"errata": ["E99"]}, "E1..E41"),
        ({"errata": ["21"]}, "E1..E41"),
        ({"check": {"code": ["x = 1"]}}, "assign 'result'"),
        ({"check": {"code": []}}, "non-empty"),
        ({"check": {"code": "result = 1", "expected": 1}}, "unknown check field"),
        ({"check": {"code": "result = 28", "rtol": -1}}, "rtol"),
        ({"check": None}, "states a number"),
        ({"no_check": "a reason long enough"}, "must not also claim"),
        (
            {
                "kind": "open",
                "value": None,
                "tolerance": None,
                "check": None,
                "answer": "Words.",
                "follow_up": "And then what?",
            },
            "needs a 'rubric'",
        ),
        (
            {
                "kind": "open",
                "value": None,
                "tolerance": None,
                "check": None,
                "answer": "Words.",
                "rubric": ["first point to hear", "second point to hear"],
            },
            "needs a 'follow_up'",
        ),
        ({"rubric": ["only one point"]}, "'rubric' must be a list of 2 to 6"),
        ({"rubric": ["ok point here", "x"]}, "'rubric' must be a list"),
        ({"follow_up": "Not a question."}, "'follow_up' must be"),
        ({"beyond_course": None}, "must say 'beyond_course'"),
        ({"beyond_course": "yes"}, "either true or absent"),
        ({"book": "ch-rnn"}, "must say 'beyond_course': true (and one with a chapter must not)"),
        ({"exercise": "softmax", "solution": ["def softmax(Z):", "    return Z"]}, "coding questions of kind 'open'"),
        (
            {
                "kind": "open",
                "value": None,
                "tolerance": None,
                "check": None,
                "answer": "Words.",
                "exercise": "softmax",
                "rubric": ["first point to hear", "second point to hear"],
                "follow_up": "And then what?",
            },
            "needs 'solution'",
        ),
    ],
)
def test_schema_rejects(changes, fragment):
    problems = validate_question(good_question(**changes))
    assert any(fragment in p for p in problems), problems


def test_coding_question_problems_are_named():
    q = good_question(
        kind="open",
        value=None,
        tolerance=None,
        check=None,
        answer="Words.",
        exercise="no_such_ex",
        solution=["def f(x):", "    return x"],
        rubric=["first point", "second point"],
        follow_up="What next, then?",
    )
    assert validate_question(q) == []
    assert "unknown exercise 'no_such_ex'" in exercise_problems(q)[0]
    wrong_name = dict(q, exercise="softmax")
    assert "must define softmax(...)" in exercise_problems(wrong_name)[0]


def test_choice_needs_expect_in_check():
    q = good_question(
        kind="choice", value=None, tolerance=None, choices=["28", "30"], correct=0, check={"code": ["result = 28"]}
    )
    assert any("check.expect is required" in p for p in validate_question(q))


def test_open_answer_with_digits_or_formula_needs_check_or_reason():
    q = good_question(
        kind="open",
        value=None,
        tolerance=None,
        check=None,
        answer="It has 3 gates.",
        rubric=["names the three gates", "says what each does"],
        follow_up="Which gate matters most?",
    )
    assert states_checkable_content(q)
    assert any("states a number" in p for p in validate_question(q))
    formula = dict(q, answer="It computes $h = o \\odot c$.")
    assert states_checkable_content(formula)
    assert validate_question(dict(q, no_check="the digit is part of a name")) == []
    assert any("reason in words" in p for p in validate_question(dict(q, no_check="x")))
    words = dict(q, answer="It has gates.")
    assert not states_checkable_content(words) and validate_question(words) == []


def test_numeric_question_cannot_opt_out_of_checks():
    q = good_question(check=None, no_check="it is obvious to everyone")
    assert any("always needs a check" in p for p in validate_question(q))


def test_duplicate_ids_are_reported():
    problems = validate_bank([good_question(), good_question()])
    assert problems == ["duplicate id 'demo-question'"]


def test_non_object_question_is_reported():
    assert validate_question(["not", "a", "dict"]) == ["question: expected an object, got list"]


# --- loading -----------------------------------------------------------------------------------


def _write_bank(directory, topic, questions):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{topic}.json").write_text(json.dumps({"topic": topic, "questions": questions}))


def test_load_bank_from_a_directory_and_filters(tmp_path):
    easy = good_question(id="one")
    hard = good_question(id="two", difficulty="hard", topic="gan")
    _write_bank(tmp_path, "cnn", [easy])
    _write_bank(tmp_path, "gan", [hard])
    assert [q["id"] for q in load_bank(path=tmp_path)] == ["one", "two"]  # book order: cnn before gan
    assert [q["id"] for q in load_bank(path=tmp_path, topics=["gan"])] == ["two"]
    assert [q["id"] for q in load_bank(path=tmp_path, difficulties=["easy"])] == ["one"]
    assert load_bank(path=tmp_path, kinds=["choice"]) == []
    with pytest.raises(ValueError, match="unknown topics"):
        load_bank(path=tmp_path, topics=["quantum"])
    with pytest.raises(TypeError, match=r"topics must be a list of values such as \['cnn'\], got the string"):
        load_bank(path=tmp_path, topics="cnn")
    with pytest.raises(TypeError, match="kinds must be a list"):
        load_bank(path=tmp_path, kinds="open")
    with pytest.raises(ValueError, match="unknown kinds"):
        load_bank(path=tmp_path, kinds=["essay"])


def test_load_bank_rejects_invalid_questions(tmp_path):
    _write_bank(tmp_path, "cnn", [good_question(), good_question()])
    with pytest.raises(BankError, match="duplicate id"):
        load_bank(path=tmp_path)


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("{not json", "not valid JSON"),
        ('{"questions": []}', "expected"),
        ('{"topic": "quantum", "questions": []}', "unknown topic"),
        ('{"topic": "gan", "questions": [{"id": "x", "topic": "cnn"}]}', "has topic 'cnn'"),
    ],
)
def test_bad_bank_files(tmp_path, content, fragment):
    f = tmp_path / "broken.json"
    f.write_text(content)
    with pytest.raises(BankError, match=fragment):
        read_bank_file(f)


def test_empty_bank_directory(tmp_path):
    with pytest.raises(BankError, match="no question files"):
        load_bank(path=tmp_path)


def test_bank_files_are_package_data():
    files = sorted(p.name for p in bank_module.BANK_DIR.glob("*.json"))
    assert files == sorted(f"{t}.json" for t in TOPICS)
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"**/*.json"' in pyproject


# --- comparison and number parsing ---------------------------------------------------------------


def test_compare_rules():
    assert compare(0.25 + 1e-12, 0.25) == ""
    assert "expected 0.25" in compare(0.26, 0.25)
    assert compare(0.26, 0.25, rtol=0.1) == ""
    assert compare(True, 1) != "" and compare(1, True) != ""
    assert compare(float("nan"), 1.0) != ""
    assert compare((1, 2), [1, 2]) == ""
    assert "length" in compare([1, 2, 3], [1, 2])
    assert "[1]" in compare([1, 5], [1, 2])
    assert compare({"a": [1.0]}, {"a": [1.0]}) == ""
    assert "keys" in compare({"a": 1}, {"b": 1})
    assert compare("x", "x") == "" and compare("x", "y") != ""


def test_compare_accepts_numpy_and_torch_values():
    import numpy as np
    import torch

    assert compare(np.float64(0.5), 0.5) == ""
    assert compare(np.array([[1, 2]]), [[1, 2]]) == ""
    assert compare(torch.tensor([3.0]), [3.0]) == ""
    assert compare(np.bool_(True), True) == ""


def test_run_check_reports_errors_instead_of_raising():
    crash = good_question(check={"code": ["result = 1 / 0"]})
    outcome = run_check(crash)
    assert not outcome.ok and "ZeroDivisionError" in outcome.message
    silent = good_question(check={"code": ["x = 28", "if False:", "    result = 0"]})
    assert "did not assign" in run_check(silent).message
    assertion = good_question(check={"code": ["assert 1 == 2, 'formula disagrees'", "result = 28"]})
    assert "formula disagrees" in run_check(assertion).message


def test_numeric_check_with_explicit_expect_must_agree_with_value():
    q = good_question(value=30, tolerance=1, check={"code": ["result = 28"], "expect": 28})
    outcome = run_check(q)
    assert not outcome.ok and "vs value" in outcome.message


@pytest.mark.parametrize(
    "text, number",
    [
        ("about 0.25 here", 0.25),
        ("a loss of -18.4", -18.4),
        ("1,024 pieces", 1024),
        ("$16{,}448$", 16448),
        ("7.9e-31", 7.9e-31),
        (r"$7.9 \times 10^{-31}$", 7.9e-31),
        (r"$10^{-3}$", 1e-3),
        ("2.2 × 10^{-7}", 2.2e-7),
        ("x − 3", 3),
        ("(2, 7, 5)", 7),
    ],
)
def test_stated_numbers(text, number):
    assert any(abs(x - number) <= 1e-12 * max(1, abs(number)) for x in stated_numbers(text)), stated_numbers(text)


def test_stated_numbers_does_not_invent_numbers():
    assert stated_numbers("no digits at all") == []
    assert 1024 not in stated_numbers("(10, 24)")
