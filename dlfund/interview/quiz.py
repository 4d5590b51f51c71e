"""Quiz: pick gradable questions, grade answers at once, keep a score by topic.

The grading logic (:func:`select_questions`, :func:`grade`, :class:`QuizSession`) has no
widget dependency and is what the tests exercise; :func:`quiz_widget` wraps it in
ipywidgets for the notebook (imported lazily, so the logic works anywhere).
"""

import math
import random
import re
from dataclasses import dataclass

from .bank import load_bank
from .schema import DIFFICULTIES, TOPICS
from .text import format_number

GRADABLE = ("choice", "numeric")


def parse_number(text):
    """Read a learner's numeric answer: '0.25', '-3', '1,024', '2.5e-3', '4.5 × 10^-5', '1/4'."""
    if isinstance(text, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(text, (int, float)):
        if not math.isfinite(text):
            raise ValueError(f"expected a finite number, got {text!r}")
        return float(text)
    if not isinstance(text, str) or not text.strip():
        raise ValueError("please type a number")
    s = text.strip().replace("−", "-").replace(" ", "").replace("\u202f", "")
    s = re.sub(r"^(-?[\d.]+)(?:×|x|\*)10\^?\(?([-+]?\d+)\)?$", r"\1e\2", s)
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    frac = re.fullmatch(r"(-?[\d.]+)/([\d.]+)", s)
    try:
        value = float(frac.group(1)) / float(frac.group(2)) if frac else float(s)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"could not read {text!r} as a number (examples: 0.25, 1/4, 2.5e-3)") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {text!r}")
    return value


def parse_choice(question, response):
    """Index of the chosen option from an index, a letter ('B'/'b') or the option's text."""
    n = len(question["choices"])
    if isinstance(response, bool):
        raise ValueError("expected a choice, got a boolean")
    if isinstance(response, int):
        index = response
    elif isinstance(response, str) and response.strip():
        r = response.strip()
        if len(r) == 1 and r.upper() in "ABCDEF"[:n]:
            index = "ABCDEF".index(r.upper())
        elif r in question["choices"]:
            index = question["choices"].index(r)
        else:
            raise ValueError(f"answer with a letter A-{'ABCDEF'[n - 1]}, got {response!r}")
    else:
        raise ValueError("please pick one of the options")
    if not 0 <= index < n:
        raise ValueError(f"choice index must be between 0 and {n - 1}, got {index}")
    return index


@dataclass
class Grade:
    question_id: str
    topic: str
    correct: bool
    expected: str  # the right answer, for display
    feedback: str  # one line for the learner
    counted: bool = True


def expected_text(q):
    if q["kind"] == "choice":
        return f"{'ABCDEF'[q['correct']]}. {q['choices'][q['correct']]}"
    return format_number(q["value"]) + (f" (± {format_number(q['tolerance'])})" if q["tolerance"] else "")


def grade(question, response):
    """Grade one response; raises ValueError (with a message for the learner) if unreadable."""
    kind = question["kind"]
    if kind == "choice":
        index = parse_choice(question, response)
        ok = index == question["correct"]
        got = f"{'ABCDEF'[index]}"
    elif kind == "numeric":
        x = parse_number(response)
        value, tol = question["value"], question["tolerance"]
        ok = abs(x - value) <= tol + 1e-12 * max(1.0, abs(value))
        got = format_number(x)
    else:
        raise ValueError(f"question {question['id']!r} is open-ended and cannot be graded automatically")
    expected = expected_text(question)
    feedback = f"Correct: {expected}." if ok else f"Not quite: you answered {got}, the answer is {expected}."
    return Grade(question["id"], question["topic"], ok, expected, feedback)


def correct_response(question):
    """The response that earns the point (index for choice, value for numeric)."""
    return question["correct"] if question["kind"] == "choice" else question["value"]


def select_questions(questions=None, topics=None, difficulties=None, n=10, seed=0, kinds=GRADABLE):
    """A reproducible quiz of up to `n` gradable questions, spread evenly over the topics.

    Questions are shuffled within each topic with `seed`, then taken round-robin across the
    chosen topics in an order also shuffled with `seed`, so a small quiz touches different
    topics for different seeds (not always the first topics of the book); the result is shown
    in book order.
    """
    questions = load_bank() if questions is None else questions
    for name, values in (("topics", topics), ("difficulties", difficulties)):
        if isinstance(values, str):
            raise TypeError(f"{name} must be a list of values such as [{values!r}], got the string {values!r}")
    for name, values, known in (("topics", topics, TOPICS), ("difficulties", difficulties, DIFFICULTIES)):
        if values is not None and set(values) - set(known):
            raise ValueError(f"unknown {name} {sorted(set(values) - set(known))}; expected some of {list(known)}")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    pool = [
        q
        for q in questions
        if q["kind"] in kinds
        and (not topics or q["topic"] in topics)
        and (not difficulties or q["difficulty"] in difficulties)
    ]
    rng = random.Random(seed)
    by_topic = {}
    for q in pool:
        by_topic.setdefault(q["topic"], []).append(q)
    for qs in by_topic.values():
        rng.shuffle(qs)
    order = [t for t in TOPICS if t in by_topic]
    rng.shuffle(order)
    chosen = []
    while len(chosen) < n and any(by_topic[t] for t in order):
        for t in order:
            if by_topic[t] and len(chosen) < n:
                chosen.append(by_topic[t].pop(0))
    rank = {t: i for i, t in enumerate(TOPICS)}
    return sorted(chosen, key=lambda q: rank[q["topic"]])


class QuizSession:
    """Answers and scores of one quiz; the first graded attempt of each question counts."""

    def __init__(self, questions):
        self.questions = list(questions)
        self._by_id = {q["id"]: q for q in self.questions}
        if len(self._by_id) != len(self.questions):
            raise ValueError("a quiz cannot contain the same question twice")
        self.grades = {}

    def answer(self, question_id, response):
        """Grade a response; raises ValueError if unreadable (nothing is recorded then)."""
        if question_id not in self._by_id:
            raise KeyError(f"question {question_id!r} is not part of this quiz")
        result = grade(self._by_id[question_id], response)
        if question_id in self.grades:
            result.counted = False
            result.feedback += " (Only your first answer counts towards the score.)"
        else:
            self.grades[question_id] = result
        return result

    def score(self):
        """(correct, answered, total) over the whole quiz."""
        correct = sum(g.correct for g in self.grades.values())
        return correct, len(self.grades), len(self.questions)

    def score_by_topic(self):
        """{topic: {"correct", "answered", "total"}} in book order, for topics in the quiz."""
        table = {}
        for t in TOPICS:
            qs = [q for q in self.questions if q["topic"] == t]
            if qs:
                graded = [self.grades[q["id"]] for q in qs if q["id"] in self.grades]
                table[t] = {"correct": sum(g.correct for g in graded), "answered": len(graded), "total": len(qs)}
        return table

    def summary_markdown(self):
        """Score table by topic (Markdown)."""
        rows = ["| Topic | Correct | Answered | Questions |", "|:--|--:|--:|--:|"]
        for t, s in self.score_by_topic().items():
            rows.append(f"| {TOPICS[t].title} | {s['correct']} | {s['answered']} | {s['total']} |")
        c, a, n = self.score()
        rows.append(f"| **Total** | **{c}** | **{a}** | **{n}** |")
        return "\n".join(rows)

    def summary_html(self):
        """Score table by topic (HTML, for widgets)."""
        cells = "".join(
            f"<tr><td>{TOPICS[t].title}</td><td>{s['correct']} / {s['answered']}</td><td>{s['total']}</td></tr>"
            for t, s in self.score_by_topic().items()
        )
        c, a, n = self.score()
        return (
            "<table><thead><tr><th>Topic</th><th>Correct / answered</th><th>Questions</th></tr></thead>"
            f"<tbody>{cells}<tr><td><strong>Total</strong></td><td><strong>{c} / {a}</strong></td>"
            f"<td><strong>{n}</strong></td></tr></tbody></table>"
        )


def render_quiz_markdown(questions, from_dir="book", docs="toc"):
    """A quiz as static MyST Markdown (questions visible, answers folded), for the HTML book.

    docs: documents to link to; "toc" (default) reads the book's ``_toc.yml``, None links all.
    """
    from .render import STYLE, book_docs, render_question

    docs = book_docs() if docs == "toc" else docs
    parts = [STYLE, ""]
    for i, q in enumerate(questions, 1):
        parts.append(f"*{TOPICS[q['topic']].title}*\n")
        parts.append(render_question(q, i, from_dir, show_check=False, docs=docs))
    return "\n".join(parts)


class QuizApp:
    """The interactive quiz: topic and difficulty pickers, questions, instant grading, scores."""

    def __init__(self, questions=None, n=5, seed=0):
        import ipywidgets as w

        from .text import to_html, to_plain

        self._w, self._to_html, self._to_plain = w, to_html, to_plain
        self.bank = load_bank() if questions is None else questions
        gradable_topics = [t for t in TOPICS if any(q["topic"] == t and q["kind"] in GRADABLE for q in self.bank)]
        self.topics = w.SelectMultiple(
            options=[(TOPICS[t].title, t) for t in gradable_topics],
            value=tuple(gradable_topics),
            rows=8,
            description="Topics",
        )
        self.difficulties = w.SelectMultiple(
            options=[(d, d) for d in DIFFICULTIES], value=DIFFICULTIES, rows=3, description="Difficulty"
        )
        self.size = w.BoundedIntText(value=n, min=1, max=50, description="Questions")
        self.seed = seed
        self.new_button = w.Button(
            description="New quiz", button_style="primary", tooltip="Draw a new set of questions with these settings"
        )
        self.new_button.on_click(lambda _: self.new_quiz(reshuffle=True))
        self.message = w.HTML()
        self.score = w.HTML()
        self.questions_box = w.VBox()
        self.items = []
        controls = w.HBox([self.topics, w.VBox([self.difficulties, self.size, self.new_button])])
        self.widget = w.VBox(
            [controls, self.message, self.questions_box, w.HTML("<h4>Score by topic</h4>"), self.score]
        )
        self.new_quiz(reshuffle=False)

    def new_quiz(self, reshuffle=True):
        """Draw questions for the current settings and rebuild the question widgets."""
        if reshuffle:
            self.seed += 1
        chosen = select_questions(
            self.bank,
            topics=list(self.topics.value) or None,
            difficulties=list(self.difficulties.value) or None,
            n=self.size.value,
            seed=self.seed,
        )
        self.session = QuizSession(chosen)
        self.message.value = "" if chosen else "<p>No gradable questions match these settings.</p>"
        self.items = [self._question_widget(i, q) for i, q in enumerate(chosen, 1)]
        self.questions_box.children = [item["box"] for item in self.items]
        self._update_score()

    def _question_widget(self, number, q):
        w = self._w
        header = w.HTMLMath(
            f"<p><strong>Question {number}</strong> ({TOPICS[q['topic']].title}, {q['difficulty']})</p>"
            + self._to_html(q["question"])
        )
        if q["kind"] == "choice":
            answer = w.RadioButtons(
                options=[(f"{'ABCDEF'[i]}. {self._to_plain(c)}", i) for i, c in enumerate(q["choices"])],
                value=None,
                layout=w.Layout(width="auto"),
            )
        else:
            answer = w.Text(placeholder="type a number, e.g. 0.25 or 1/4", description="Answer")
        check = w.Button(description="Check", tooltip=f"Grade question {number}")
        feedback = w.HTMLMath()
        item = {
            "question": q,
            "answer": answer,
            "check": check,
            "feedback": feedback,
            "box": w.VBox([header, answer, check, feedback]),
        }
        check.on_click(lambda _: self.check(item))
        return item

    def check(self, item):
        """Grade one question widget and show feedback with the explanation."""
        q = item["question"]
        try:
            result = self.session.answer(q["id"], item["answer"].value)
        except ValueError as exc:
            item["feedback"].value = f"<p>{exc}</p>"
            return None
        mark = "✔" if result.correct else "✘"
        item["feedback"].value = f"<p><strong>{mark} {result.feedback}</strong></p>" + self._to_html(q["answer"])
        self._update_score()
        return result

    def _update_score(self):
        self.score.value = self.session.summary_html()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def quiz_widget(questions=None, n=5, seed=0):
    """Create the interactive quiz (display it by leaving it as the last expression of a cell)."""
    return QuizApp(questions, n=n, seed=seed)
