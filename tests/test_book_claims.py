"""Verification out of the reader's way: in the built chapters no `assert` is visible outside a
folded cell, and the claims the chapters check show their "✓ checked" marks."""

import re

import pytest
from bs4 import BeautifulSoup
from book_site import ROOT, require_built_site, toc_docnames

NOTEBOOKS = [d for d in toc_docnames() if (ROOT / f"{d}.ipynb").exists()]
ASSERT = re.compile(r"^\s*assert\b")


def _page(docname):
    return BeautifulSoup((require_built_site() / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")


def visible_code_lines(soup):
    """Lines of code cells a reader sees without opening anything (not inside a <details>)."""
    for cell_input in soup.select("div.cell_input"):
        if cell_input.find_parent("details") is None:
            yield from cell_input.get_text().splitlines()


@pytest.mark.parametrize("docname", NOTEBOOKS)
def test_no_assert_in_the_reading_column(docname):
    shown = [line.strip() for line in visible_code_lines(_page(docname)) if ASSERT.match(line)]
    assert not shown, f"{docname}: {len(shown)} visible assert line(s), e.g. {shown[:3]}; fold the check cell"


@pytest.mark.parametrize("docname", NOTEBOOKS)
def test_folded_checks_leave_their_marks(docname):
    soup = _page(docname)
    folded_checks = [
        c for c in soup.select("div.cell_input") if c.find_parent("details") is not None and "checked(" in c.get_text()
    ]
    marks = soup.select("p.dlfund-checked")
    if folded_checks:
        assert len(marks) >= len(folded_checks), (
            f"{docname}: {len(folded_checks)} folded check cells but only {len(marks)} ✓ marks shown"
        )
    assert all(m.get_text(" ", strip=True).startswith("✓ checked:") for m in marks)
