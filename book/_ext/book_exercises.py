"""Exercise pages of the book: hints behind a toggle instead of "not implemented yet".

In the built page every exercise is an unimplemented stub, so each ``check("name", fn)`` cell
would print "not implemented yet" and the ``progress()`` cell a table of zeros. On the web
page the check cell's output becomes a folded list of hints: the mistakes the grader
recognises for that exercise (``dlfund.grading``'s catalogue, the same hints a learner gets
from a wrong answer), and the progress table is replaced by a sentence on how to see it.
"""

import re
from html import escape

from docutils import nodes

CHECK = re.compile(r'^\s*check\(\s*["\'](\w+)["\']')
PROGRESS = re.compile(r"^\s*progress\(\s*\)\s*$")


def hints_html(name):
    """A <details> element with the hints of exercise `name` ('' if it has none)."""
    from dlfund.grading.registry import get_exercise

    mistakes = get_exercise(name).mistakes
    if not mistakes:
        return ""
    items = "".join(f"<li>{escape(m.hint)}</li>" for m in mistakes)
    return (
        f'<details class="dlfund-hints"><summary>Hints: {len(mistakes)} mistakes the checker recognises</summary>'
        f"<ul>{items}</ul></details>"
    )


def _cells(doctree):
    for node in doctree.findall(nodes.container):
        if node.get("nb_element") == "cell_code" or "cell" in node.get("classes", []):
            source = next((c for c in node.children if "cell_input" in c.get("classes", [])), None)
            output = next((c for c in node.children if "cell_output" in c.get("classes", [])), None)
            if source is not None:
                yield node, source.astext(), output


def _rewrite(app, doctree):
    if not app.env.docname.startswith("exercises/"):
        return
    for cell, source, output in list(_cells(doctree)):
        check, progress = CHECK.match(source), PROGRESS.match(source)
        if not (check or progress):
            continue
        if output is not None:
            cell.remove(output)
        text = (
            hints_html(check.group(1))
            if check
            else '<p class="dlfund-progress-note">Run the notebook in Jupyter: this cell then shows your score '
            "for each exercise.</p>"
        )
        if text:
            cell.append(nodes.raw("", text, format="html"))


def setup(app):
    app.connect("doctree-read", _rewrite)
