"""The built book in a real headless Chromium: every page of the table of contents.

Needs `_build/html` (the test command builds it first, from clean, with warnings as errors).
"""
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from book_site import ROOT, toc_docnames

PAGES = toc_docnames()
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _open(browser, url, viewport="desktop"):
    """Open `url`; return (page, context, problems) where problems lists console errors and bad requests."""
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    problems = []
    host = urlparse(url).netloc

    def on_request(request):
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https") and parsed.netloc != host:
            problems.append(f"request left 127.0.0.1: {request.url}")

    page.on("request", on_request)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # Block anything that is not local so a regression cannot hang the test on the network.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle", timeout=15000)
    return page, context, problems


def _wait_for_math(page):
    if page.locator(".math").count():
        page.wait_for_function(
            "() => document.querySelectorAll('.math').length <= document.querySelectorAll('mjx-container').length",
            timeout=20000,
        )


@pytest.mark.parametrize("doc", PAGES)
def test_page_renders(browser, site_url, artifacts, doc):
    page, context, problems = _open(browser, f"{site_url}/{doc}.html")
    try:
        # Title: the page's first heading appears in the document title.
        h1 = page.locator("main h1").first.inner_text().replace("#", "").strip()
        assert h1, f"{doc}: no h1 heading"
        assert h1.split()[-1] in page.title(), f"{doc}: title {page.title()!r} does not name heading {h1!r}"

        # Math: every math node was typeset by the locally served MathJax.
        _wait_for_math(page)
        n_math = page.locator(".math").count()
        assert page.locator("mjx-container").count() >= n_math
        assert page.locator("mjx-merror").count() == 0, f"{doc}: MathJax reported a TeX error"

        # Figures: every image loaded and has alternative text.
        images = page.eval_on_selector_all(
            "main img",
            "els => els.map(e => ({src: e.getAttribute('src'), ok: e.complete && e.naturalWidth > 0,"
            " alt: (e.getAttribute('alt') || '').trim()}))",
        )
        broken = [i["src"] for i in images if not i["ok"]]
        assert not broken, f"{doc}: images failed to load: {broken}"

        # Widgets: saved widget state renders statically (the fallback a reader sees without a kernel).
        n_views = page.locator("script[type='application/vnd.jupyter.widget-view+json']").count()
        if n_views:
            page.wait_for_function(
                f"() => document.querySelectorAll('.jupyter-widgets.widget-container, .jupyter-widgets').length >= {n_views}",
                timeout=15000,
            )
            errors = page.locator(".jupyter-widgets-error-widget")
            assert errors.count() == 0, f"{doc}: a widget failed to render: {errors.first.inner_text()[:300]}"
            for img in page.locator(".jupyter-widgets img").all():
                assert img.is_visible() and img.evaluate("e => e.naturalWidth > 0"), f"{doc}: a widget image is not shown"
        assert not problems, f"{doc}: " + "; ".join(problems)

        # Accessibility: axe-core (from the npm registry, run inside the page) finds no serious
        # or critical violation.
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{doc}: accessibility violations:\n" + "\n".join(bad)

        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            page.screenshot(path=str(artifacts / f"{doc.replace('/', '__')}-{name}.png"), full_page=False)
    finally:
        context.close()


def test_previous_next_walks_the_toc(browser, site_url):
    """Following "next" from the first page visits every page of the table of contents, in order."""
    page, context, problems = _open(browser, f"{site_url}/{PAGES[0]}.html")
    try:
        visited = []
        for _ in range(len(PAGES) + 2):
            visited.append(urlparse(page.url).path.lstrip("/").removesuffix(".html"))
            nxt = page.locator("a.right-next")
            if not nxt.count():
                break
            nxt.first.click()
            page.wait_for_load_state("load")
        assert visited == PAGES
        # and "previous" goes back one page
        page.locator("a.left-prev").first.click()
        page.wait_for_load_state("load")
        assert urlparse(page.url).path.lstrip("/").removesuffix(".html") == PAGES[-2]
    finally:
        context.close()


def _search_term(doc):
    """A distinctive word of the page's heading: the longest one."""
    import html as _html
    from book_site import HTML

    text = (HTML / f"{doc}.html").read_text(encoding="utf-8")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S).group(1)
    words = re.findall(r"[A-Za-z]{5,}", _html.unescape(re.sub(r"<[^>]+>", " ", heading)))
    return max(enumerate(words), key=lambda iw: (len(iw[1]), iw[0]))[1]  # the last of the longest


def test_search_finds_each_page(browser, site_url):
    """The offline search index finds every page of the table of contents by a word of its title."""
    page, context, problems = _open(browser, f"{site_url}/search.html")
    missed = []
    try:
        for doc in PAGES:
            term = _search_term(doc)
            page.goto(f"{site_url}/search.html?q={term}", wait_until="load")
            # results arrive one by one; read them once the search says it has finished
            page.wait_for_function(
                "() => /Search finished|did not match/.test(document.querySelector('#search-results .search-summary')?.innerText || '')", timeout=30000)
            links = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
            if not any(f"/{doc}.html" in link for link in links):
                missed.append(f"{term!r} did not find {doc} (got {links[:3]})")
        assert not missed, "\n".join(missed)
        # moving on to the next search cancels the previous page's summary fetches: not a failure
        problems = [p for p in problems if "ERR_ABORTED" not in p]
        assert not problems, "; ".join(problems)
    finally:
        context.close()
