"""Chapter 9 content generated from the question bank.

Everything here returns MyST Markdown strings; the ``show_*`` helpers display them in a
notebook. The Markdown is deliberately plain enough to read in JupyterLab as well as in
the built book: answers are folded with HTML ``<details>`` (Markdown inside, so math
renders), the difficulty is a text badge, and chapter links are relative notebook links
(``04_optimizers.ipynb``) that MyST turns into checked cross-references.

The notebook cells that display this output carry the cell metadata
``{"mystnb": {"markdown_format": "myst"}}`` so the book parses it as MyST (math, links).
"""

import html
import re
from pathlib import Path

from .bank import bank_counts, load_bank
from .schema import CHAPTERS, DIFFICULTIES, TOPICS
from .text import format_number

STYLE = """<style>
.dlfund-badge {display: inline-block; border-radius: 0.75em; padding: 0 0.6em; font-size: 0.85em;
  font-weight: 600; line-height: 1.5; border: 1px solid currentColor;}
.dlfund-badge-easy {background: #dcfce7; color: #14532d;}
.dlfund-badge-medium {background: #fef3c7; color: #78350f;}
.dlfund-badge-hard {background: #fee2e2; color: #7f1d1d;}
.dlfund-badge-kind {background: #e0e7ff; color: #1e1b4b;}
details.dlfund-answer {margin: 0.3em 0 1.4em 0; padding: 0.2em 0.8em; border-left: 3px solid #94a3b8;}
details.dlfund-answer > summary {cursor: pointer; font-weight: 600;}
details.dlfund-check > summary {cursor: pointer; font-size: 0.9em;}
</style>"""

KIND_LABEL = {"choice": "multiple choice", "numeric": "numeric answer"}


def badge(difficulty):
    """HTML badge showing the difficulty as text (colour is a second cue, never the only one)."""
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty must be one of {DIFFICULTIES}, got {difficulty!r}")
    return f'<span class="dlfund-badge dlfund-badge-{difficulty}" title="Difficulty: {difficulty}">{difficulty}</span>'


REPO_ROOT = Path(__file__).resolve().parents[2]


def book_docs(root=REPO_ROOT):
    """Documents listed in the book's ``_toc.yml`` (without suffix), or None if there is no ``_toc.yml``.

    Links go only to chapters the book actually builds, so a chapter that is not written yet
    is named in plain text instead of becoming a broken link.
    """
    toc = Path(root) / "_toc.yml"
    if not toc.exists():
        return None
    found = re.findall(r"^\s*-?\s*(?:file|root)\s*:\s*([^\s#]+)", toc.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"\.(ipynb|md)$", "", f.strip("'\"")) for f in found}


def chapter_link(label, from_dir="book", docs=None):
    """Markdown link to a chapter notebook, relative to the rendering document's folder.

    docs: the documents the book builds (see :func:`book_docs`); a chapter missing from it is
    named without a link. None links every chapter.
    """
    doc, title = CHAPTERS[label]
    if docs is not None and doc not in docs:
        return title
    folder, name = doc.rsplit("/", 1)
    target = f"{name}.ipynb" if folder == from_dir else f"{'../' * (from_dir.count('/') + 1)}{doc}.ipynb"
    return f"[{title}]({target})"


PITFALLS_DOC = "book/appendix_pitfalls"


def pitfall_label(item):
    """The appendix label of an ERRATA item: ``E38`` -> ``pitfall-e38``."""
    return f"pitfall-{item.lower()}"


def pitfall_link(item, docs=None):
    """``E38`` as a link to its entry in the pitfalls appendix (plain text if the book lacks the appendix)."""
    if docs is not None and PITFALLS_DOC not in docs:
        return item
    return f"[{item}](#{pitfall_label(item)})"


_SECTION_CACHE = {}


def section_titles(label, root=REPO_ROOT):
    """{section label: heading text} for the ``(sec-...)=`` labels of a chapter notebook."""
    key = (label, str(root))
    if key not in _SECTION_CACHE:
        from .schema import chapter_file

        path = chapter_file(label, root)
        titles = {}
        if path is not None:
            import json

            nb = json.loads(path.read_text(encoding="utf-8"))
            text = "\n".join("".join(c["source"]) for c in nb.get("cells", []) if c.get("cell_type") == "markdown")
            for sec, title in re.findall(r"^\(([^()\s]+)\)=\s*\n#+\s+(.+?)\s*$", text, flags=re.M):
                titles[sec] = title
        _SECTION_CACHE[key] = titles
    return _SECTION_CACHE[key]


def section_link(q, docs=None):
    """A link to the section that teaches the question (its ``book_section``), or "" when there is none."""
    section, chapter = q.get("book_section"), q.get("book")
    if not section or chapter is None:
        return ""
    if docs is not None and CHAPTERS[chapter][0] not in docs:
        return ""
    title = section_titles(chapter).get(section, "this section")
    return f"[{title}](#{section})"


def letter(i):
    return "ABCDEF"[i]


def render_question(q, number=None, from_dir="book", show_check=True, docs=None):
    """MyST Markdown for one question: visible question (and choices), folded answer.

    docs: documents the book builds, for chapter links (see :func:`chapter_link`).
    """
    head = [f"**Question {number}**" if number is not None else "**Question**", badge(q["difficulty"])]
    if q["kind"] in KIND_LABEL:
        head.append(f'<span class="dlfund-badge dlfund-badge-kind">{KIND_LABEL[q["kind"]]}</span>')
    anchor = f'<a id="q-{q["id"]}"></a>'
    lines = [anchor + " ".join(head), "", q["question"], ""]
    if q["kind"] == "choice":
        lines += [f"- **{letter(i)}.** {c}" for i, c in enumerate(q["choices"])] + [""]
    label = f"Show the answer to question {number}" if number is not None else "Show the answer"
    lines += ['<details class="dlfund-answer">', f"<summary>{html.escape(label)}</summary>", ""]
    if q["kind"] == "choice":
        lines += [f"**Answer: {letter(q['correct'])}.** {q['choices'][q['correct']]}", ""]
    elif q["kind"] == "numeric":
        tol = q["tolerance"]
        accepted = f" (accepted within ±{format_number(tol)})" if tol else ""
        lines += [f"**Answer: {format_number(q['value'])}**{accepted}", ""]
    lines += [q["answer"], ""]
    if q.get("rubric"):
        lines += ["**An interviewer listens for:**", ""] + [f"- {point}" for point in q["rubric"]] + [""]
    if q.get("follow_up"):
        lines += [f"**Follow-up:** {q['follow_up']}", ""]
    if "solution" in q:
        lines += [
            'A solution that passes the grader (`dlfund.grading.check("' + q["exercise"] + '", ...)`):',
            "",
            "```python",
            "\n".join(q["solution"]),
            "```",
            "",
        ]
    more = []
    if "book" in q:
        section = section_link(q, docs)
        where = chapter_link(q["book"], from_dir, docs) + (f", section {section}" if section else "")
        more.append("read more in " + where)
    elif q.get("beyond_course"):
        more.append("beyond this course: no chapter teaches it")
    if "dlfund" in q:
        more.append("code: " + ", ".join(f"`{name}`" for name in q["dlfund"]))
    if "errata" in q:
        more.append("common pitfall " + ", ".join(pitfall_link(e, docs) for e in q["errata"]))
    if more:
        lines += ["*" + more[0][0].upper() + more[0][1:] + "*" + "".join(f" · *{m}*" for m in more[1:]), ""]
    if show_check and "check" in q:
        code = q["check"]["code"]
        code = "\n".join(code) if isinstance(code, list) else code
        lines += [
            '<details class="dlfund-check">',
            "<summary>The code that checks this answer (run by the test suite)</summary>",
            "",
            "```python",
            code,
            "```",
            "",
            "</details>",
            "",
        ]
    lines += ["</details>", ""]
    return "\n".join(lines)


def render_topic(topic, questions=None, from_dir="book", show_check=True, docs="toc"):
    """All questions of one topic, numbered, as MyST Markdown (no heading: the notebook has it).

    docs: documents to link to; "toc" (default) reads the book's ``_toc.yml``, None links all.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; known: {list(TOPICS)}")
    questions = load_bank() if questions is None else questions
    chosen = [q for q in questions if q["topic"] == topic]
    if not chosen:
        return "*No questions for this topic yet.*\n"
    docs = book_docs() if docs == "toc" else docs
    parts = []
    chapter = TOPICS[topic].chapter
    if chapter is not None:
        parts.append(f"*The topic is covered in {chapter_link(chapter, from_dir, docs)}.*\n")
    parts += [render_question(q, i, from_dir, show_check, docs) for i, q in enumerate(chosen, 1)]
    return "\n".join(parts)


def render_overview(questions=None, link_sections=True):
    """Style block plus a table: questions per topic and difficulty, with links to the sections."""
    questions = load_bank() if questions is None else questions
    counts = bank_counts(questions)
    gradable = sum(q["kind"] in ("choice", "numeric") for q in questions)
    checked = sum("check" in q for q in questions)
    rows = [
        "| Topic | " + " | ".join(d.capitalize() for d in DIFFICULTIES) + " | Total |",
        "|:--|" + "--:|" * (len(DIFFICULTIES) + 1),
    ]
    for key, c in counts.items():
        title = TOPICS[key].title
        name = f"[{title}](#interview-{key})" if link_sections else title
        rows.append(f"| {name} | " + " | ".join(str(c[d]) for d in DIFFICULTIES) + f" | {sum(c.values())} |")
    totals = [sum(c[d] for c in counts.values()) for d in DIFFICULTIES]
    rows.append("| **All topics** | " + " | ".join(f"**{t}**" for t in totals) + f" | **{sum(totals)}** |")
    intro = (
        f"The bank holds **{len(questions)} questions** in {len(counts)} topics; {gradable} of them are "
        f"multiple-choice or numeric and can be graded automatically, and the numbers, shapes or formulas of "
        f"**{checked} answers** are recomputed by code on every test run."
    )
    return "\n".join([STYLE, "", intro, "", *rows, ""])


def _display_markdown(text):
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_overview(questions=None):
    """Display :func:`render_overview` in a notebook."""
    _display_markdown(render_overview(questions))


def show_topic(topic, questions=None, show_check=True):
    """Display :func:`render_topic` in a notebook."""
    _display_markdown(render_topic(topic, questions, show_check=show_check))
