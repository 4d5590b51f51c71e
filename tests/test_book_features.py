"""Features of the built book in Chromium: widgets, the quiz, figure legibility, page weight.

Needs `_build/html` (see tests/test_book_browser.py).
"""

import re

import pytest
from book_site import PAGE_BUDGET_BYTES, ROOT, opened, toc_docnames, transfer_size, wait_for_math
from matplotlib import rc_params_from_file

PAGES = toc_docnames()
CHAPTERS = [d for d in PAGES if re.match(r"book/\d\d_", d)]
STYLE = rc_params_from_file(str(ROOT / "book" / "matplotlibrc"), use_default_template=True)
#: 9 pt at the CSS reference of 96 px per inch
MIN_TEXT_PX = 9 * 96 / 72


def _visible_figure_alts(page):
    return page.eval_on_selector_all(
        "main .jupyter-widgets img", "els => els.filter(e => e.offsetParent !== null).map(e => e.alt)"
    )


def test_activation_explorer_switches_figures_without_a_kernel(browser, site_url):
    with opened(browser, f"{site_url}/book/02_foundations.html") as (page, problems):
        page.wait_for_function("() => document.querySelectorAll('.jupyter-widgets select').length >= 3", timeout=20000)
        selects = page.locator(".jupyter-widgets select")
        alts = _visible_figure_alts(page)
        assert len(alts) == 1 and "sigmoid" in alts[0], alts
        selects.nth(0).select_option("tanh")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.jupyter-widgets img'))"
            ".some(e => e.offsetParent !== null && e.alt.includes('tanh'))",
            timeout=5000,
        )
        assert len(_visible_figure_alts(page)) == 1
        selects.nth(1).select_option("-12 to 12")
        alt = _visible_figure_alts(page)[0]
        assert "tanh" in alt and "-12 to 12" in alt, alt
        selects.nth(0).select_option("leaky_relu")
        selects.nth(2).select_option("0.3")
        alt = _visible_figure_alts(page)[0]
        assert "alpha = 0.3" in alt and "-12 to 12" in alt, alt
        assert not problems, "; ".join(problems)


def test_optimizer_race_is_marked_as_needing_a_kernel_and_not_duplicated(browser, site_url):
    with opened(browser, f"{site_url}/book/04_optimizers.html") as (page, problems):
        page.wait_for_selector(".dlfund-needs-kernel-note", timeout=20000)
        controls = page.locator(".dlfund-needs-kernel select")
        assert controls.count() >= 4
        assert all(controls.nth(i).is_disabled() for i in range(controls.count()))
        note = page.locator(".dlfund-needs-kernel-note").first
        assert "Binder" in note.inner_text() and note.locator("a").count() >= 1
        # the static figure of the default race appears once (the widget does not repeat it)
        assert page.locator(".dlfund-needs-kernel img").count() == 0
        assert not problems, "; ".join(problems)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_quiz_grades_answers_and_keeps_the_score(browser, site_url, viewport):
    with opened(browser, f"{site_url}/book/09b_quiz.html", viewport=viewport) as (page, problems):
        questions = page.locator(".dlfund-quiz-question:visible")
        assert questions.count() == 10
        score = page.locator(".dlfund-quiz-score")

        def answer(q, right):
            if q.get_attribute("data-kind") == "choice":
                correct = int(q.get_attribute("data-correct"))
                n = q.locator("input[type=radio]").count()
                q.locator("input[type=radio]").nth(correct if right else (correct + 1) % n).check()
            else:
                value = float(q.get_attribute("data-value"))
                tolerance = float(q.get_attribute("data-tolerance"))
                q.locator("input[type=text]").fill(repr(value if right else value + 10 * tolerance + 1))
            q.locator("button.dlfund-quiz-check").click()
            return q.locator(".dlfund-quiz-feedback").inner_text()

        first, second = questions.nth(0), questions.nth(1)
        assert answer(first, True).startswith("✔ Correct")
        assert first.locator(".dlfund-quiz-explanation").is_visible()
        assert answer(second, False).startswith("✘ Not quite")
        assert "1 correct of 2 answered" in score.inner_text()
        # an unreadable number is not graded
        numeric = page.locator(".dlfund-quiz-question:visible[data-kind=numeric]").first
        if numeric.count():
            numeric.locator("input[type=text]").fill("about ten")
            numeric.locator("button.dlfund-quiz-check").click()
            assert "Could not read" in numeric.locator(".dlfund-quiz-feedback").inner_text()
            assert "of 2 answered" in score.inner_text()
        # a new quiz starts a new score
        page.locator("button.dlfund-quiz-new").click()
        assert "0 correct of 0 answered" in score.inner_text()
        assert not problems, "; ".join(problems)


@pytest.mark.parametrize("doc", CHAPTERS)
def test_figures_are_sharp_and_their_text_legible_on_desktop(browser, site_url, doc):
    """Figures are 2x PNG (or SVG); fitted to the column, their smallest style text stays >= 9 pt.

    The smallest text of the style is its tick labels; a figure drawn at `figure.dpi` shows
    that text at size_pt * dpi / 72 px, times the scale the page applies to the figure.
    """
    with opened(browser, f"{site_url}/{doc}.html") as (page, _):
        figures = page.eval_on_selector_all(
            "main .cell_output img",
            "els => els.filter(e => !e.src.startsWith('data:image/svg')).map(e => ({src: e.src.slice(-40), css: parseFloat(e.style.width) || Number(e.getAttribute('width')) || 0,"
            " natural: e.naturalWidth, shown: e.getBoundingClientRect().width}))",
        )
        smallest_pt = min(STYLE["xtick.labelsize"], STYLE["ytick.labelsize"], STYLE["font.size"])
        base_px = smallest_pt * STYLE["figure.dpi"] / 72
        small, blurry = [], []
        for f in figures:
            if f["src"].endswith(".svg"):
                continue
            if not f["css"] or f["natural"] < 1.9 * f["css"]:
                blurry.append(f["src"])
                continue
            text_px = base_px * f["shown"] / f["css"]
            if text_px < MIN_TEXT_PX:
                small.append(f"{f['src']}: {text_px:.1f} px")
        assert not blurry, f"{doc}: figures not at 2x resolution: {blurry}"
        assert not small, f"{doc}: figure text below 9 pt on a 1366 px screen: {small}"


def test_shrunk_figures_enlarge_when_tapped_on_a_phone(browser, site_url):
    with opened(browser, f"{site_url}/book/04_optimizers.html", viewport="phone") as (page, _):
        zoomable = page.locator("img.dlfund-zoomable")
        assert zoomable.count() > 0
        img = zoomable.first
        img.scroll_into_view_if_needed()
        shown = img.bounding_box()["width"]
        img.tap()
        big = page.locator("dialog.dlfund-zoom img")
        big.wait_for(state="visible", timeout=5000)
        assert big.bounding_box()["width"] > 1.3 * shown
        page.locator("dialog.dlfund-zoom .dlfund-zoom-close").tap()
        assert not page.locator("dialog.dlfund-zoom").evaluate("d => d.open")


@pytest.mark.parametrize("doc", PAGES)
def test_page_weight_budget(browser, site_url, doc):
    """What a page loads fits in 2 MB (text gzipped as served), except on the pages with Jupyter widgets."""
    weights = {}
    with opened(browser, f"{site_url}/{doc}.html", weights=weights) as (page, _):
        wait_for_math(page)
        page.wait_for_timeout(500)
        has_widgets = page.locator("script[type='application/vnd.jupyter.widget-view+json']").count() > 0
    sizes = {url: transfer_size(url, body) for url, body in weights.items()}
    total = sum(sizes.values())
    assert total > 0 and sum(len(b) for b in weights.values()) >= total
    if not has_widgets:
        biggest = sorted(sizes.items(), key=lambda kv: -kv[1])[:4]
        assert total <= PAGE_BUDGET_BYTES, f"{doc}: {total / 1e6:.2f} MB; largest: " + ", ".join(
            f"{u.rsplit('/', 1)[-1][:40]} {b / 1e3:.0f} kB" for u, b in biggest
        )
