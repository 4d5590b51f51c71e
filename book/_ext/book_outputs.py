"""Notebook outputs in the book: short error displays and one figure and table style.

* A cell that demonstrates an error (tagged ``raises-exception``) shows the exception's
  message, not a traceback with the build machine's paths. The cell's code is on the page
  just above, so the message is all a reader needs.
* Every kernel the build starts reads ``<build>/ipython/profile_default/ipython_kernel_config.py``
  (through ``IPYTHONDIR``): figures as 2x PNG sized for the page (``retina``), the book's
  matplotlib style (``book/matplotlibrc``, which Jupyter also reads for a reader running a
  chapter in ``book/``), and pandas showing each number on its own (``.6g``) instead of a
  whole column in scientific notation.
"""

import os
import re
from pathlib import Path

from docutils import nodes

ROOT = Path(__file__).resolve().parents[2]
STYLE = ROOT / "book" / "matplotlibrc"
# the line that names the exception: "ValueError: ...", "dlfund.grading.GradingError: ..."
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Warning|Interrupt|Exit)\b(?::.*)?$")

KERNEL_CONFIG = """# Written by book/_ext/book_outputs.py for the kernels of the book build.
c.HistoryManager.enabled = False
c.InlineBackend.figure_formats = {{"retina"}}
c.InteractiveShellApp.exec_lines = [
    "import matplotlib as _dlfund_mpl; _dlfund_mpl.rc_file({style!r}); del _dlfund_mpl",
    "try:\\n    import pandas as _dlfund_pd\\n    _dlfund_pd.set_option('display.float_format', '{{:.6g}}'.format)\\n"
    "    del _dlfund_pd\\nexcept ImportError:\\n    pass",
]
"""


def short_error(traceback_text):
    """The exception lines of a traceback (from the line naming the exception to the end)."""
    lines = traceback_text.rstrip().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if _EXCEPTION_LINE.match(lines[i].strip()) and not lines[i].startswith(" "):
            return "\n".join(lines[i:])
    return lines[-1] if lines else traceback_text


def _shorten_errors(app, doctree):
    for node in list(doctree.findall(nodes.literal_block)):
        if "traceback" in node.get("classes", []):
            text = short_error(node.astext())
            node.children = [nodes.Text(text)]
            node.rawsource = text
            node["classes"].append("dlfund-error")


def _kernel_style(app, config):
    ipython_dir = Path(app.doctreedir).parent / "ipython"
    profile = ipython_dir / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG.format(style=str(STYLE)), encoding="utf-8")
    os.environ["IPYTHONDIR"] = str(ipython_dir)


def setup(app):
    app.connect("config-inited", _kernel_style)
    app.connect("doctree-read", _shorten_errors)
