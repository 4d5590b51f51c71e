"""Sphinx extension: keep the built book self-contained and accessible.

Jupyter Book 1 always loads sphinx-thebe, which injects its configuration script twice
(a page error: "THEBE_JS_URL has already been declared") and points at a CDN. This book
launches notebooks through Binder and does not use Thebe, so the handler that injects those scripts is removed.
"""
from pathlib import Path


def _drop_thebe(app, config):
    for event, listeners in app.events.listeners.items():
        app.events.listeners[event] = [
            listener for listener in listeners
            if not (getattr(listener.handler, "__module__", "").startswith("sphinx_thebe")
                    and listener.handler.__name__ == "init_thebe_core")
        ]


def _add_static(app):
    app.config.html_static_path.append(str(Path(__file__).parent / "static"))
    app.add_js_file("a11y-fixes.js")


def setup(app):
    app.connect("config-inited", _drop_thebe)
    app.connect("builder-inited", _add_static)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
