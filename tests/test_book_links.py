"""Static checks of the built HTML: every internal link and anchor resolves, every image has alt text."""
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from book_site import HTML, require_built_site, toc_docnames

PAGES = toc_docnames()


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.images = set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag in ("a", "link") and a.get("href"):
            self.links.append(a["href"])
        if tag == "img":
            self.images.append(a)


def _parse(path):
    c = _Collector()
    c.feed(path.read_text(encoding="utf-8"))
    return c


@pytest.fixture(scope="module")
def parsed():
    require_built_site()
    return {}


def _get(parsed, path):
    if path not in parsed:
        parsed[path] = _parse(path)
    return parsed[path]


@pytest.mark.parametrize("doc", PAGES)
def test_internal_links_and_anchors_resolve(parsed, doc):
    page = HTML / f"{doc}.html"
    assert page.exists(), f"{doc} is in _toc.yml but was not built"
    broken = []
    for href in _get(parsed, page).links:
        url = urlparse(href)
        if url.scheme or href.startswith("//") or href.startswith("mailto:"):
            continue
        target = page if not url.path else (page.parent / unquote(url.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            broken.append(f"{href} (no file {target.relative_to(HTML.resolve()) if target.is_relative_to(HTML.resolve()) else target})")
            continue
        if url.fragment and target.suffix == ".html" and unquote(url.fragment) not in _get(parsed, target).ids:
            broken.append(f"{href} (no anchor #{url.fragment})")
    assert not broken, f"{doc}: broken links:\n" + "\n".join(broken)


def _meaningful(alt):
    """Alt text that describes something: not empty and not just a file name (myst-nb's default)."""
    alt = (alt or "").strip()
    return bool(alt) and not re.fullmatch(r"[\w./-]+\.(png|jpe?g|svg|gif)", alt)


@pytest.mark.parametrize("doc", PAGES)
def test_images_have_alt_text(parsed, doc):
    missing = [img.get("src", "")[:80] for img in _get(parsed, HTML / f"{doc}.html").images
               if not _meaningful(img.get("alt")) and img.get("role") != "presentation"]
    assert not missing, f"{doc}: images without a text alternative (set mystnb.image.alt on the cell): {missing}"
