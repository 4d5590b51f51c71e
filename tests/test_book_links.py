"""Static checks of the built HTML: every internal link and anchor resolves, every image has alt text."""

import re
from html.parser import HTMLParser
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
            broken.append(
                f"{href} (no file {target.relative_to(HTML.resolve()) if target.is_relative_to(HTML.resolve()) else target})"
            )
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
    missing = [
        img.get("src", "")[:80]
        for img in _get(parsed, HTML / f"{doc}.html").images
        if not _meaningful(img.get("alt")) and img.get("role") != "presentation"
    ]
    assert not missing, f"{doc}: images without a text alternative (set mystnb.image.alt on the cell): {missing}"


# ------------------------------------------------------------------ reading order and page furniture

CHAPTER_DOCS = [d for d in PAGES if re.match(r"book/\d\d_", d)]
EXERCISE_DOCS = [d for d in PAGES if d.startswith("exercises/")]


def _number(doc):
    return re.search(r"(?:book/|exercises/ch)(\d\d)_", doc).group(1)


#: (page, the page it must link to): each chapter with exercises and its exercise page, both ways
PARTNERS = [(c, e) for c in CHAPTER_DOCS for e in EXERCISE_DOCS if _number(c) == _number(e)]
PARTNERS += [(e, c) for c, e in PARTNERS]


@pytest.mark.parametrize("doc, partner", PARTNERS)
def test_chapters_and_their_exercises_link_both_ways(doc, partner):
    import posixpath

    text = (HTML / f"{doc}.html").read_text(encoding="utf-8")
    nav = re.search(r'<nav class="dlfund-practice-link".*?</nav>', text, re.DOTALL)
    assert nav, f"{doc}: no link to {partner}"
    href = re.search(r'href="([^"#]+)', nav.group(0)).group(1)
    assert posixpath.normpath(posixpath.join(posixpath.dirname(doc), href)) == f"{partner}.html"


@pytest.mark.parametrize("doc", EXERCISE_DOCS)
def test_exercise_pages_show_hints_not_stub_output(doc):
    text = (HTML / f"{doc}.html").read_text(encoding="utf-8")
    assert "not implemented yet" not in text
    assert 'class="dlfund-progress-note"' in text
    assert "<th>Passed</th>" not in text and "<th>To do</th>" not in text, f"{doc}: a progress table is shown"
    n_checks = len(re.findall(r"check</span><span class=\"p\">\(</span>", text))
    assert n_checks > 0 and text.count('<details class="dlfund-hints">') == n_checks


def test_index_has_a_title_and_there_is_no_empty_general_index():
    index = (HTML / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<title>[^<]+</title>", index) and 'lang="' in index
    assert not (HTML / "genindex.html").exists()


def test_chapter_notebooks_with_outputs_are_downloadable():
    """Every chapter whose executed notebook has outputs offers that copy for download."""
    import json

    def has_outputs(path):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return any(c.get("outputs") for c in cells if c["cell_type"] == "code")

    offered = 0
    for doc in CHAPTER_DOCS:
        copy = HTML / "_downloads" / "executed" / f"{doc}.ipynb"
        page = (HTML / f"{doc}.html").read_text(encoding="utf-8")
        shows_outputs = 'class="cell_output' in page
        assert copy.exists() == shows_outputs, (
            f"{doc}: page with outputs {shows_outputs}, executed copy {copy.exists()}"
        )
        if copy.exists():
            assert has_outputs(copy), f"{doc}: the executed copy has no outputs"
            assert f"_downloads/executed/{doc}.ipynb" in page, f"{doc}: the page does not offer it"
            offered += 1
    assert offered >= len(CHAPTER_DOCS) - 1


def test_references_use_the_citation_style_of_the_text_and_link_every_entry():
    text = (HTML / "book" / "references.html").read_text(encoding="utf-8")
    entries = re.findall(
        r'<div class="citation" id="[^"]+" role="doc-biblioentry">(.*?)</div>\s*(?=<div class="citation"|</div>)',
        text,
        re.DOTALL,
    )
    assert len(entries) >= 17
    for entry in entries:
        label = re.search(r'<span class="label"><span class="fn-bracket">\[</span>(.*?)<span', entry, re.DOTALL).group(
            1
        )
        assert re.fullmatch(r"[^\d,]+, \d{4}", label), f"label {label!r} is not author-year"
        assert 'class="reference external"' in entry, f"{label}: no link"
    # a citation in a chapter reads like the label on the references page
    chapter = (HTML / "book" / "04_optimizers.html").read_text(encoding="utf-8")
    assert "Kingma and Ba" in chapter and "Kingma and Ba, 2015" in text
