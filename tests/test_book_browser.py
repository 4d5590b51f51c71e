"""The built book in a real headless Chromium: every page of the table of contents.

Needs `_build/html` (the test command builds it first, from clean, with warnings as errors).
Desktop is 1366x900 in light mode; phone is 390x844 (touch, 2x pixels) in dark mode.
"""

import re
from urllib.parse import urlparse

import pytest
from book_site import ROOT, opened, run_axe, toc_docnames, wait_for_math

PAGES = toc_docnames()
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: pages whose phone screenshots are kept in test-artifacts/screenshots/ (light and dark)
SCREENSHOT_PAGES = ("book/02_foundations", "book/04_optimizers", "book/09b_quiz")


@pytest.mark.parametrize("doc", PAGES)
def test_page_renders(browser, site_url, doc):
    with opened(browser, f"{site_url}/{doc}.html") as (page, problems):
        # Title: the page's first heading appears in the document title.
        h1 = page.locator("main h1").first.inner_text().replace("#", "").strip()
        assert h1, f"{doc}: no h1 heading"
        assert h1.split()[-1] in page.title(), f"{doc}: title {page.title()!r} does not name heading {h1!r}"

        # Math: every math node was typeset by the locally served MathJax; pages without math do not load it.
        wait_for_math(page)
        n_math = page.locator(".math").count()
        assert page.locator("mjx-container").count() >= n_math
        assert page.locator("mjx-merror").count() == 0, f"{doc}: MathJax reported a TeX error"
        loads_mathjax = page.locator("script[src*='mathjax']").count() > 0
        needs_mathjax = n_math > 0 or page.locator(".mathjax_process").count() > 0
        assert loads_mathjax == needs_mathjax, (
            f"{doc}: MathJax loaded={loads_mathjax}, math on the page={needs_mathjax}"
        )

        # Icons: every Font Awesome placeholder was replaced by an inline SVG of the vendored subset.
        left = page.eval_on_selector_all("i[class*='fa-']", "els => els.map(e => e.className)")
        assert not left, f"{doc}: icons missing from the subset in tools/vendor_assets.py: {left}"

        # Figures: every image loaded and has alternative text.
        images = page.eval_on_selector_all(
            "main img", "els => els.map(e => ({src: e.getAttribute('src'), ok: e.complete && e.naturalWidth > 0}))"
        )
        broken = [i["src"][:80] for i in images if not i["ok"]]
        assert not broken, f"{doc}: images failed to load: {broken}"

        # Widgets: saved widget state renders statically.
        n_views = page.locator("script[type='application/vnd.jupyter.widget-view+json']").count()
        if n_views:
            page.wait_for_function(
                f"() => document.querySelectorAll('.jupyter-widgets.widget-container, .jupyter-widgets').length >= {n_views}",
                timeout=20000,
            )
            errors = page.locator(".jupyter-widgets-error-widget")
            assert errors.count() == 0, f"{doc}: a widget failed to render: {errors.first.inner_text()[:300]}"
        assert not problems, f"{doc}: " + "; ".join(problems)

        # Demonstrated errors show their message, not a traceback with the build machine's paths.
        for text in page.locator("main .traceback, main .dlfund-error").all_inner_texts():
            assert "Traceback" not in text and "site-packages" not in text and len(text.splitlines()) <= 4, (
                f"{doc}: an error output is a traceback:\n{text[:400]}"
            )

        # Accessibility: axe-core (vendored from npm, run inside the page) finds nothing, at any impact.
        bad = run_axe(page, AXE)
        assert not bad, f"{doc}: accessibility findings:\n" + "\n".join(bad)


@pytest.mark.parametrize("doc", PAGES)
def test_phone_page_fits_the_screen_in_dark_mode(browser, site_url, artifacts, doc):
    """At 390 px nothing is wider than the screen, with every answer and detail opened; text contrast holds in dark mode."""
    with opened(browser, f"{site_url}/{doc}.html", viewport="phone", dark=True) as (page, problems):
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        wait_for_math(page)
        page.evaluate("() => document.querySelectorAll('main details').forEach(d => d.open = true)")
        page.evaluate(
            "() => document.querySelectorAll('main .toggle-hidden, main .toggle-details__container')"
            ".forEach(e => e.classList.remove('toggle-hidden'))"
        )
        page.evaluate("() => window.dlfundBook && window.dlfundBook.refresh()")
        page.wait_for_timeout(300)
        width = page.evaluate("document.documentElement.scrollWidth")
        offenders = page.evaluate("""() => Array.from(document.querySelectorAll('main *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                         && !e.closest('.dlfund-scroll, .pst-scrollable-table-container, mjx-container, div.math, pre, .highlight, .cell_output .output, dialog, .jupyter-widgets'))
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 60))""")
        assert width <= 390, f"{doc}: the page is {width} px wide on a 390 px screen; widest: {offenders}"
        bad = run_axe(page, AXE, rules=["color-contrast"])
        assert not bad, f"{doc}: contrast findings in dark mode:\n" + "\n".join(bad)
        if doc in SCREENSHOT_PAGES:
            name = doc.replace("/", "__")
            page.screenshot(path=str(artifacts / f"{name}-phone-dark.png"))
        assert not problems, f"{doc}: " + "; ".join(problems)


@pytest.mark.parametrize("doc", SCREENSHOT_PAGES)
def test_phone_screenshots_light(browser, site_url, artifacts, doc):
    with opened(browser, f"{site_url}/{doc}.html", viewport="phone") as (page, _):
        wait_for_math(page)
        page.screenshot(path=str(artifacts / f"{doc.replace('/', '__')}-phone-light.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_phone_drawer_opens_and_its_links_work(browser, site_url, dark):
    """At 390 px the menu button opens the table of contents, and a link in it leads to that chapter."""
    with opened(browser, f"{site_url}/book/intro.html", viewport="phone", dark=dark) as (page, problems):
        button = page.locator("button.primary-toggle:visible").first
        button.tap()
        drawer = page.locator("dialog#pst-primary-sidebar-modal")
        drawer.wait_for(state="visible", timeout=15000)
        assert drawer.evaluate("d => d.open")
        link = drawer.locator("a[href*='02_foundations']").first
        link.tap()
        # the link must lead there; the page's images may still be loading on a busy machine
        page.wait_for_url(re.compile(r"02_foundations\.html"), wait_until="domcontentloaded", timeout=30000)
        # and the page-contents button opens the page's own table of contents
        page.locator("button.secondary-toggle:visible").first.tap()
        toc = page.locator("dialog#pst-secondary-sidebar-modal")
        toc.wait_for(state="visible", timeout=15000)
        assert toc.locator("a[href^='#']").count() > 3
        assert not problems, "; ".join(problems)


def test_desktop_has_no_empty_top_bar(browser, site_url):
    with opened(browser, f"{site_url}/book/intro.html") as (page, _):
        header = page.locator(".bd-header")
        assert not header.count() or header.first.bounding_box() is None, "an empty header bar is shown on desktop"
        assert page.locator(".bd-sidebar-primary a[href*='02_foundations']").first.is_visible()


def test_previous_next_walks_the_toc(browser, site_url):
    """Following "next" from the first page visits every page of the table of contents, in order."""
    with opened(browser, f"{site_url}/{PAGES[0]}.html") as (page, _):
        visited = []
        for _ in range(len(PAGES) + 2):
            visited.append(urlparse(page.url).path.lstrip("/").removesuffix(".html"))
            nxt = page.locator("a.right-next")
            if not nxt.count():
                break
            nxt.first.click()
            page.wait_for_load_state("load")
        assert visited == PAGES
        page.locator("a.left-prev").first.click()
        page.wait_for_load_state("load")
        assert urlparse(page.url).path.lstrip("/").removesuffix(".html") == PAGES[-2]


def _search_term(doc):
    """A distinctive word of the page's heading: the longest one."""
    import html as _html

    from book_site import HTML

    text = (HTML / f"{doc}.html").read_text(encoding="utf-8")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.DOTALL).group(1)
    words = re.findall(r"[A-Za-z]{5,}", _html.unescape(re.sub(r"<[^>]+>", " ", heading)))
    return max(enumerate(words), key=lambda iw: (len(iw[1]), iw[0]))[1]  # the last of the longest


def test_search_finds_each_page(browser, site_url):
    """The offline search index finds every page of the table of contents by a word of its title."""
    missed = []
    with opened(browser, f"{site_url}/search.html") as (page, problems):
        for doc in PAGES:
            term = _search_term(doc)
            page.goto(f"{site_url}/search.html?q={term}", wait_until="load")
            page.wait_for_function(
                "() => /Search finished|did not match/.test(document.querySelector('#search-results .search-summary')?.innerText || '')",
                timeout=30000,
            )
            links = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
            if not any(f"/{doc}.html" in link for link in links):
                missed.append(f"{term!r} did not find {doc} (got {links[:3]})")
        assert not missed, "\n".join(missed)
        problems = [p for p in problems if "ERR_ABORTED" not in p]
        assert not problems, "; ".join(problems)
