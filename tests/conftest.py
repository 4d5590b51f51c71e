import pytest

from book_site import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_built_site, serve


@pytest.fixture(scope="session")
def site_url():
    """Base URL of the built book served on 127.0.0.1."""
    url, shutdown = serve(require_built_site())
    yield url
    shutdown()


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts():
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
