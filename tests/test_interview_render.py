"""Chapter 9 rendering: Markdown structure, links, the notebooks, and a real Jupyter Book build."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from dlfund.interview.bank import bank_counts, load_bank
from dlfund.interview.render import (
    STYLE,
    badge,
    book_docs,
    chapter_link,
    render_overview,
    render_question,
    render_topic,
)
from dlfund.interview.schema import CHAPTERS, DIFFICULTIES, TOPICS, notebook_labels
from dlfund.interview.text import format_number, latex_to_unicode, to_html, to_plain

REPO = Path(__file__).resolve().parents[1]
BANK = load_bank()
BY_ID = {q["id"]: q for q in BANK}


def test_badge_shows_difficulty_as_text():
    for d in DIFFICULTIES:
        b = badge(d)
        assert f">{d}</span>" in b and f"dlfund-badge-{d}" in b and f'title="Difficulty: {d}"' in b
        assert f".dlfund-badge-{d}" in STYLE
    with pytest.raises(ValueError, match="difficulty"):
        badge("extreme")


def test_chapter_links_are_relative_to_the_rendering_document():
    assert chapter_link("ch-optimizers") == "[Chapter 4: Optimization algorithms](04_optimizers.ipynb)"
    assert chapter_link("ch-rnn", from_dir="exercises").endswith("(../book/08_rnn_lstm.ipynb)")


def test_chapters_missing_from_the_book_are_named_without_a_link(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - chapters:\n"
        "      - file: book/04_optimizers.ipynb\n      - file: 'book/09_interview'\n"
    )
    docs = book_docs(tmp_path)
    assert docs == {"book/intro", "book/04_optimizers", "book/09_interview"}
    assert chapter_link("ch-optimizers", docs=docs) == "[Chapter 4: Optimization algorithms](04_optimizers.ipynb)"
    assert chapter_link("ch-rnn", docs=docs) == "Chapter 8: Sequence modelling with RNNs and LSTMs"
    assert book_docs(tmp_path / "nowhere") is None
    md = render_topic("rnn", BANK, docs=docs)
    assert "08_rnn_lstm.ipynb" not in md and md.startswith("*The topic is covered in Chapter 8")
    assert "(08_rnn_lstm.ipynb)" in render_topic("rnn", BANK, docs=None)


def test_default_rendering_links_only_chapters_in_the_repository_toc():
    docs = book_docs()
    md = "\n".join(render_topic(t, BANK) for t in TOPICS)
    for label, (doc, _) in CHAPTERS.items():
        name = doc.split("/")[-1] + ".ipynb"
        if any(q.get("book") == label for q in BANK):
            assert (f"]({name})" in md) == (docs is None or doc in docs), label


def test_choice_question_shows_options_and_folds_the_answer():
    q = BY_ID["found-softmax-hidden"]
    md = render_question(q, number=3)
    folded = md.index('<details class="dlfund-answer">')
    assert md.index(q["question"]) < folded
    for i, choice in enumerate(q["choices"]):
        assert md.index(f"**{'ABCDEF'[i]}.** {choice}") < folded
    after = md[folded:]
    assert f"**Answer: {'ABCDEF'[q['correct']]}.**" in after and q["answer"] in after
    assert "<summary>Show the answer to question 3</summary>" in md
    assert "[Chapter 2: Foundations of neural networks](02_foundations.ipynb)" in render_question(q, 3, docs=None)
    assert "`dlfund.activations.softmax`" in after and "common pitfall [E2](#pitfall-e2)" in after
    assert ", section [Softmax" in after and "(#sec-found-softmax)" in after
    assert md.count("<details") == md.count("</details>") == 2  # answer + check code
    assert "\n".join(q["check"]["code"]) in after


def test_numeric_question_shows_value_and_tolerance():
    md = render_question(BY_ID["attn-mha-params"], number=1)
    assert "**Answer: 1,050,624**" in md and "accepted within" not in md
    md = render_question(BY_ID["found-saturation"])
    assert "**Answer: 4.5e-05** (accepted within ±1e-06)" in md


def test_open_question_without_links_or_check():
    md = render_question(BY_ID["gan-mode-collapse"], number=2, show_check=False)
    assert "**Answer" not in md and "Read more" not in md and md.count("<details") == 1


def test_every_topic_renders_every_question_once():
    for topic in TOPICS:
        md = render_topic(topic, BANK)
        n = sum(q["topic"] == topic for q in BANK)
        assert md.count('<details class="dlfund-answer">') == n
        assert md.count("<details") == md.count("</details>")
        assert [int(x) for x in re.findall(r"\*\*Question (\d+)\*\*", md)] == list(range(1, n + 1))
    with pytest.raises(ValueError, match="unknown topic"):
        render_topic("astrology", BANK)
    assert "No questions" in render_topic("gan", [])


def test_rendered_markdown_parses_as_intended():
    """Blank lines around the HTML tags let the answer inside <details> be parsed as Markdown."""
    md = render_topic("vae", BANK)
    tokens = MarkdownIt("commonmark").parse(md)
    html_blocks = [t.content for t in tokens if t.type == "html_block"]
    opening = [b for b in html_blocks if b.startswith('<details class="dlfund-answer">')]
    assert len(opening) == sum(q["topic"] == "vae" for q in BANK)
    assert all("<summary>" in b and "</details>" not in b for b in opening)
    # the answers' math and bold text are ordinary paragraphs, not swallowed by an HTML block
    assert not any("$" in b or "**" in b for b in html_blocks)
    assert sum(t.type == "fence" for t in tokens) == sum("check" in q for q in BANK if q["topic"] == "vae")


def test_overview_table_matches_the_bank():
    md = render_overview(BANK)
    assert md.startswith(STYLE)
    counts = bank_counts(BANK)
    for key, c in counts.items():
        row = next(line for line in md.splitlines() if f"(#interview-{key})" in line)
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert [int(x) for x in cells[1:]] == [c[d] for d in DIFFICULTIES] + [sum(c.values())]
    assert f"**{len(BANK)}**" in md
    assert f"**{sum('check' in q for q in BANK)} answers**" in md


# --- text conversions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tex, plain",
    [
        (r"\sigma(z)(1 - \sigma(z))", "σ(z)(1 - σ(z))"),
        (r"x^2 + 10^{-31}", "x² + 10⁻³¹"),
        (r"\frac{1}{2}\lVert W\rVert^2", "½‖W‖²"),
        (r"\frac{a + b}{c}", "(a + b)/c"),
        (r"\sqrt{d_k}", "√dₖ"),
        (r"\sqrt{v + \varepsilon}", "√(v + ε)"),
        (r"n_\text{in} + n_\text{out}", "nᵢₙ + nₒᵤₜ"),
        (r"h_{t-1} W^\top", "hₜ₋₁ Wᵀ"),
        (r"\ln\sigma^2", "ln σ²"),
        (r"\mathcal{N}(\mu, \sigma^2)", "N(μ, σ²)"),
        ("a\\", "a\\"),
    ],
)
def test_latex_to_unicode(tex, plain):
    assert latex_to_unicode(tex) == plain


def test_to_plain_and_to_html():
    text = "The **rate** is $\\eta = 0.1$, see [chapter 4](04_optimizers.ipynb) and `nn.Linear(2, 3)` *now*."
    assert to_plain(text) == "The rate is η = 0.1, see chapter 4 and nn.Linear(2, 3) now."
    html = to_html(text + "\n\nNext <b>")
    assert "<strong>rate</strong>" in html and "$\\eta = 0.1$" in html and "<code>nn.Linear(2, 3)</code>" in html
    assert '<a href="04_optimizers.ipynb">chapter 4</a>' in html and "<em>now</em>" in html
    assert "</p><p>" in html and "&lt;b&gt;" in html


def test_plain_text_of_the_whole_bank_has_no_latex_left():
    for q in BANK:
        for text in [q["question"], q["answer"], *q.get("choices", [])]:
            plain = to_plain(text)
            assert not re.search(r"\\[A-Za-z]|\$", plain), (q["id"], plain)


def test_format_number():
    assert format_number(201392128) == "201,392,128"
    assert format_number(5.0) == "5"
    assert format_number(0.003906) == "0.003906"
    assert format_number(4.5e-5) == "4.5e-05"
    assert format_number(-0.303) == "-0.303"


# --- the notebooks --------------------------------------------------------------------------------


def _cells(name):
    return json.loads((REPO / "book" / name).read_text())["cells"]


@pytest.mark.parametrize("name", ["09_interview.ipynb", "09b_quiz.ipynb"])
def test_notebooks_are_stored_clean(name):
    nb = json.loads((REPO / "book" / name).read_text())
    assert nb["metadata"]["kernelspec"] == {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_interview_notebook_renders_every_topic_under_its_own_heading():
    cells = _cells("09_interview.ipynb")
    source = lambda c: "".join(c["source"])
    assert source(cells[0]).startswith("(ch-interview)=\n# Interview preparation")
    assert "```{admonition} What you will learn" in source(cells[0])  # as in chapters 1-8
    assert "## Summary" in source(cells[-1])
    for key, topic in TOPICS.items():
        i = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and f"(interview-{key})=" in source(c))
        assert f"## {topic.title}" in source(cells[i])
        render = cells[i + 1]
        assert source(render) == f'show_topic("{key}", bank)'
        assert render["metadata"]["mystnb"] == {"markdown_format": "myst"}
        assert "remove-input" in render["metadata"]["tags"]
    verify = next(c for c in cells if c["cell_type"] == "code" and "verify_bank" in source(c))
    # The bank is verified where the page is built: the cell fails the build on any failure.
    assert "checked(" in source(verify) and "not report.failures" in source(verify)


def test_quiz_notebook_shows_the_web_quiz_only():
    cells = _cells("09b_quiz.ipynb")
    source = ["".join(c["source"]) for c in cells]
    assert source[0].startswith("(ch-quiz)=\n# Quiz")
    quiz = next(c for c, s in zip(cells, source) if "WebQuiz(" in s)
    assert quiz["metadata"]["tags"] == ["remove-input"]  # executed by the build: its output is the quiz
    # no printed copy of the quiz and no test cell on the page
    assert not any("render_quiz_markdown(" in s or "assert " in s for s in source)


# --- a real book build (Sphinx, no kernel: outputs are pre-rendered here) --------------------------


def _with_outputs(nb_path, questions):
    """Copy of the chapter with each render cell's output filled in, as the kernel would produce it."""
    nb = json.loads(nb_path.read_text())
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        m = re.fullmatch(r'show_topic\("(\w+)", bank\)', src)
        text = (
            render_topic(m.group(1), questions, docs=None)
            if m
            else render_overview(questions)
            if src == "show_overview(bank)"
            else None
        )
        if text is not None:
            cell["outputs"] = [
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"text/markdown": text, "text/plain": "<Markdown>"},
                }
            ]
    return nb


def _stub_notebook(path, markdown):
    path.write_text(
        json.dumps(
            {
                "cells": [{"cell_type": "markdown", "metadata": {}, "source": markdown}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


def test_chapter_builds_with_jupyter_book_and_folds_answers(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (tmp_path / "_config.yml").write_text(
        "title: t\nauthor: t\nexecute:\n  execute_notebooks: 'off'\nonly_build_toc_files: true\n"
    )
    (tmp_path / "intro.md").write_text("# Intro\n")
    docs = ["intro"]
    for label, (doc, title) in CHAPTERS.items():
        if label in ("ch-interview", "ch-quiz"):
            continue
        sections = sorted(notebook_labels(REPO / f"{doc}.ipynb") - {label})  # the real section labels
        _stub_notebook(
            tmp_path / f"{doc}.ipynb", f"({label})=\n# {title}\n" + "".join(f"\n({s})=\n## {s}\n" for s in sections)
        )
        docs.append(doc)
    pitfalls = sorted(x for x in notebook_labels(REPO / "book" / "appendix_pitfalls.ipynb") if x.startswith("pitfall-"))
    _stub_notebook(
        book / "appendix_pitfalls.ipynb",
        "(app-pitfalls)=\n# Common pitfalls\n" + "".join(f"\n({x})=\n## {x}\n" for x in pitfalls),
    )
    docs.append("book/appendix_pitfalls")
    _stub_notebook(book / "09b_quiz.ipynb", "(ch-quiz)=\n# Quiz\n")
    (book / "09_interview.ipynb").write_text(json.dumps(_with_outputs(REPO / "book" / "09_interview.ipynb", BANK)))
    toc = "format: jb-book\nroot: intro\nchapters:\n" + "".join(
        f"- file: {d}\n" for d in docs[1:] + ["book/09_interview", "book/09b_quiz"]
    )
    (tmp_path / "_toc.yml").write_text(toc)
    jb = shutil.which("jupyter-book", path=os.path.dirname(sys.executable)) or "jupyter-book"
    proc = subprocess.run(
        [jb, "build", str(tmp_path), "-W", "--keep-going"], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = (tmp_path / "_build" / "html" / "book" / "09_interview.html").read_text()
    body = html[html.index("<article") : html.index("</article>")]
    assert body.count('<details class="dlfund-answer">') == len(BANK)
    assert body.count("<summary>Show the answer to question") == len(BANK)
    assert body.count("dlfund-badge-") >= len(BANK)
    assert 'href="04_optimizers.html"' in body and 'href="08_rnn_lstm.html"' in body
    # pitfall references and per-question sections are links that resolve (-W fails otherwise)
    assert 'href="appendix_pitfalls.html#pitfall-e38"' in body
    assert 'href="04_optimizers.html#sec-opt-adam"' in body
    assert body.count('href="appendix_pitfalls.html#pitfall-e') == sum(len(q.get("errata", [])) for q in BANK)
    assert body.count('class="math notranslate nohighlight"') > 300
    outside_code = re.sub(r"<pre>.*?</pre>", "", body, flags=re.S)
    assert "$" not in outside_code, "unrendered math"
    for key in TOPICS:
        assert f'id="interview-{key}"' in body
