"""What each page of the built book costs a reader: bytes downloaded and time to load.

    python -m benchmarks.pages            # needs a built book (_build/html) and Chromium

Writes benchmarks/results/pages.md. Bytes are what a static host serves (text gzipped, as
`tests/book_site.transfer_size` counts them); times are the browser's navigation timing
(load event, from a local server, desktop viewport), the median of three cold loads. Times
depend on the machine; compare pages with each other within one run, not across machines.
"""

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from book_site import CHROMIUM, CHROMIUM_ARGS, opened, require_built_site, serve, toc_docnames, transfer_size  # noqa: E402


def measure(browser, base, doc, loads=3):
    """(bytes downloaded, median load ms, number of requests) for one page."""
    times, total, count = [], 0, 0
    for _ in range(loads):
        weights = {}
        with opened(browser, f"{base}/{doc}.html", weights=weights) as (page, _problems):
            times.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
        total = sum(transfer_size(url, body) for url, body in weights.items())
        count = len(weights)
    return total, statistics.median(times), count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "pages.md")
    args = parser.parse_args(argv)
    site = require_built_site()
    from playwright.sync_api import sync_playwright

    base, stop = serve(site)
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for doc in toc_docnames():
                size, ms, count = measure(browser, base, doc)
                rows.append(f"| {doc} | {size / 1e6:.2f} MB | {count} | {ms:.0f} ms |")
            browser.close()
    finally:
        stop()
    table = ["| page | downloaded (gzip for text) | requests | load (median of 3) |", "|---|---|---|---|", *rows]
    args.out.write_text("# Page weight and load time\n\n" + "\n".join(table) + "\n")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
