"""Helpers for the book tests: the table of contents, the built site, a local server, a browser."""

import contextlib
import functools
import http.server
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def toc_docnames():
    """Every document of _toc.yml in reading order (root first)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [str(Path(n).with_suffix("")) for n in names]


def require_built_site():
    index = HTML / "index.html"
    if not index.exists():
        raise RuntimeError(f"{index} is missing: build the book first (`make book-strict`, part of `make test`)")
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a browser that cancels a download closes the socket: not an error of the site


def serve(directory):
    """Serve `directory` on 127.0.0.1 at a free port; returns (base_url, shutdown)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_address[1]}", server.shutdown


VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
#: a page without widgets may weigh this much: everything it loads, text compressed as static hosts
#: serve it (gzip), images as they are
PAGE_BUDGET_BYTES = 2 * 1024 * 1024
COMPRESSED = (".html", ".js", ".css", ".svg", ".json", ".woff")  # .woff (v1) is not compressed inside


def transfer_size(url, body):
    """Bytes a reader downloads for one response: gzip level 6 for text, as served by static hosts."""
    import gzip
    from urllib.parse import urlparse

    path = urlparse(url).path
    return len(gzip.compress(body, 6)) if path.endswith(COMPRESSED) else len(body)


def open_page(browser, url, viewport="desktop", dark=False, weights=None):
    """Open `url` in a fresh context; return (page, context, problems).

    problems lists console errors, failed or non-local requests. `weights`, if a dict, collects
    {url: body bytes} of every response. The phone viewport is a touch device.
    """
    import re
    from urllib.parse import urlparse

    options = {"viewport": VIEWPORTS[viewport], "color_scheme": "dark" if dark else "light"}
    if viewport == "phone":
        options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    context = browser.new_context(**options)
    page = context.new_page()
    problems = []
    host = urlparse(url).netloc

    def on_request(request):
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https") and parsed.netloc != host:
            problems.append(f"request left 127.0.0.1: {request.url}")

    def on_finished(request):
        response = request.response()
        if weights is not None and response is not None:
            from playwright.sync_api import Error

            try:
                weights[request.url] = response.body()
            except Error:  # a body the browser did not keep (a redirect): nothing to count
                weights[request.url] = b""

    page.on("request", on_request)
    page.on("requestfinished", on_finished)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # Block anything that is not local so a regression cannot hang the test on the network.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle", timeout=20000)
    return page, context, problems


@contextlib.contextmanager
def opened(browser, url, **options):
    """`open_page` as a context manager: yields (page, problems) and closes the context."""
    page, context, problems = open_page(browser, url, **options)
    try:
        yield page, problems
    finally:
        context.close()


def wait_for_math(page):
    if page.locator(".math").count():
        page.wait_for_function(
            "() => document.querySelectorAll('.math').length <= document.querySelectorAll('mjx-container').length",
            timeout=30000,
        )


def run_axe(page, axe_path, rules=None):
    """axe-core's violations in the page: list of 'id (impact): help -> targets'."""
    page.add_script_tag(path=str(axe_path))
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    result = page.evaluate("async (o) => await axe.run(document, o)", options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
