"""Sphinx extension: a self-contained, light and accessible book that works on any screen.

* Jupyter Book 1 always loads sphinx-thebe, which injects its configuration script twice
  (a page error: "THEBE_JS_URL has already been declared") and points at a CDN. This book
  launches notebooks through Binder and does not use Thebe, so that handler is removed.
* Static files (``static/``): ``book.css`` and ``book.js`` (phone navigation, tap-to-enlarge
  figures, scroll cues, widgets that need a kernel), ``a11y-fixes.js``; the template
  override (``templates/layout.html``) loads ``icons.js`` (a vendored subset) instead of the
  theme's 1.5 MB Font Awesome script.
* :mod:`book_outputs`: demonstrated errors shown as their message; the book style for every
  notebook kernel of the build. :mod:`book_pages`: MathJax only on pages with math, links
  between a chapter and its exercises, downloads with outputs, a titled ``index.html``.
  :mod:`book_citations`: the bibliography labelled author-year, like the citations in the text.
  :mod:`book_exercises`: exercise pages show hints (folded) instead of "not implemented yet".
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import book_citations
import book_exercises
import book_outputs
import book_pages


def _drop_thebe(app, config):
    for event, listeners in app.events.listeners.items():
        app.events.listeners[event] = [
            listener
            for listener in listeners
            if not (
                getattr(listener.handler, "__module__", "").startswith("sphinx_thebe")
                and listener.handler.__name__ == "init_thebe_core"
            )
        ]


def _add_templates(app, config):
    config.templates_path.append(str(HERE / "templates"))


def _add_static(app):
    app.config.html_static_path.append(str(HERE / "static"))
    app.add_css_file("book.css")
    app.add_js_file("book.js", loading_method="defer")
    app.add_js_file("a11y-fixes.js")


def setup(app):
    app.connect("config-inited", _drop_thebe)
    app.connect("config-inited", _add_templates)
    app.connect("builder-inited", _add_static)
    book_citations.setup(app)
    book_exercises.setup(app)
    book_outputs.setup(app)
    book_pages.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
