"""Page-level touches of the built book.

* MathJax is loaded only on pages that contain math (also math in an output, as on the quiz page).
* A chapter ends with a link to its exercise page, and the exercise page starts with a
  link back to its chapter (chapters ``book/NN_*``, exercises ``exercises/chNN_*``).
* Each chapter notebook that has outputs can also be downloaded as executed
  (``_downloads/executed/...ipynb``, offered in the page's download menu).
* ``index.html`` (the redirect to the first page) gets a title, a language and a link.
"""

import json
import re
from html import escape
from pathlib import Path

CHAPTER = re.compile(r"^book/(\d\d)_")
EXERCISES = re.compile(r"^exercises/ch(\d\d)_")
EXECUTED_DIR = "_downloads/executed"


def _has_math(body):
    return 'class="math' in body or "mathjax_process" in body or "\\(" in body or "\\[" in body


def _is_mathjax(script):
    filename = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", "")) if hasattr(script, "attributes") else ""
    return "mathjax" in filename.lower() or "MathJax" in body


def _partner(app, pagename):
    """(docname, kind) of the chapter's exercise page or the exercise page's chapter, or None."""
    for mine, theirs, kind in ((CHAPTER, EXERCISES, "exercises"), (EXERCISES, CHAPTER, "chapter")):
        m = mine.match(pagename)
        if m:
            for doc in sorted(app.env.found_docs):
                t = theirs.match(doc)
                if t and t.group(1) == m.group(1):
                    return doc, kind
    return None


def _title(app, docname):
    title = app.env.titles.get(docname)
    return title.astext() if title is not None else docname


def _practice_link(app, pagename):
    found = _partner(app, pagename)
    if not found:
        return "", ""
    doc, kind = found
    href = escape(app.builder.get_relative_uri(pagename, doc), quote=True)
    title = escape(_title(app, doc))
    if kind == "exercises":
        return "", (
            f'<nav class="dlfund-practice-link" aria-label="Exercises for this chapter"><p>'
            f'<strong>Practice:</strong> <a href="{href}">{title}</a>, graded exercises for this chapter '
            f"(run them in Jupyter to get feedback).</p></nav>"
        )
    return (
        f'<nav class="dlfund-practice-link" aria-label="Chapter of these exercises"><p>'
        f'These exercises go with the chapter <a href="{href}">{title}</a>; read it first.</p></nav>'
    ), ""


def _page_context(app, pagename, templatename, context, doctree):
    body = context.get("body", "")
    if "script_files" in context:
        loads = any(_is_mathjax(s) for s in context["script_files"])
        if loads and not _has_math(body):
            context["script_files"] = [s for s in context["script_files"] if not _is_mathjax(s)]
        elif _has_math(body) and not loads:  # math only in an output (the quiz): Sphinx did not add MathJax
            app.add_js_file(None, body="window.MathJax = " + json.dumps(app.config.mathjax3_config))
            app.add_js_file(app.config.mathjax_path, loading_method="defer")
    before, after = _practice_link(app, pagename)
    if before or after:
        context["body"] = before + body + after
    executed = Path(app.outdir) / EXECUTED_DIR / f"{pagename}.ipynb"
    if CHAPTER.match(pagename) and executed.exists():
        for group in context.get("header_buttons", []):
            if group.get("label") == "download-buttons":
                group["buttons"].insert(
                    1,
                    {
                        "type": "link",
                        "url": context["pathto"](f"{EXECUTED_DIR}/{pagename}.ipynb", 1),
                        "text": ".ipynb with outputs",
                        "tooltip": "Download the notebook as executed, with its outputs",
                        "icon": "fas fa-code",
                        "label": "download-executed-notebook-button",
                    },
                )


def _has_outputs(nb):
    return any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def executed_notebook(app, docname):
    """The notebook of `docname` with its outputs: from jupyter-cache in "cache" mode (myst-nb's
    own copy in jupyter_execute/ holds no outputs when the cache served the page), else that copy."""
    import nbformat

    config = app.env.mystnb_config
    if config.execution_mode == "cache":
        from jupyter_cache import get_cache

        notebook = nbformat.read(app.env.doc2path(docname), as_version=4)
        try:
            return get_cache(config.execution_cache_path).merge_match_into_notebook(notebook)[1]
        except KeyError:  # not executed (yet)
            return None
    copy = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    return nbformat.read(copy, as_version=4) if copy.exists() else None


def _copy_executed(app, env):
    """Put each chapter as executed (with outputs) into the site; drop copies that have none."""
    import nbformat

    for docname in sorted(env.found_docs):
        if not CHAPTER.match(docname):
            continue
        target = Path(app.outdir) / EXECUTED_DIR / f"{docname}.ipynb"
        notebook = executed_notebook(app, docname)
        if notebook is not None and _has_outputs(notebook):
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target)
        elif target.exists():
            target.unlink()


def _index_page(app, exception):
    index = Path(app.outdir) / "index.html"
    if exception is not None or app.builder.format != "html":
        return
    first = app.builder.get_target_uri(app.config.root_doc)
    title = escape(app.config.html_title or app.config.project)
    index.write_text(
        f'<!DOCTYPE html>\n<html lang="{app.config.language or "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f'<meta http-equiv="Refresh" content="0; url={first}">\n</head>\n'
        f'<body>\n<main>\n<h1>{title}</h1>\n<p><a href="{first}">Open the book</a>.</p>\n</main>\n</body>\n</html>\n',
        encoding="utf-8",
    )


def setup(app):
    app.connect("env-updated", _copy_executed)
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("build-finished", _index_page, priority=400)
