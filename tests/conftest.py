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


# ---------------------------------------------------------------- PyTorch reference summary
# Report the largest relative error of dlfund against PyTorch (recorded by tests/_torchref.py).

_TORCHREF_KEY = "torchref_max_rel_errors"
_worker_results = {}


def _merge(into, results):
    for name, rel in results.items():
        into[name] = max(rel, into.get(name, 0.0))


def pytest_sessionfinish(session):
    """Under pytest-xdist, send this worker's comparisons to the controller."""
    if hasattr(session.config, "workeroutput"):
        import sys

        mod = sys.modules.get("_torchref")
        session.config.workeroutput[_TORCHREF_KEY] = dict(mod.MAX_REL_ERRORS) if mod else {}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    _merge(_worker_results, getattr(node, "workeroutput", {}).get(_TORCHREF_KEY, {}))


def pytest_terminal_summary(terminalreporter):
    """One line: the largest relative error vs PyTorch over every reference comparison of the run."""
    import sys

    results = dict(_worker_results)
    mod = sys.modules.get("_torchref")
    if mod is not None:
        _merge(results, mod.MAX_REL_ERRORS)
    if not results:
        return
    name, rel = max(results.items(), key=lambda kv: kv[1])
    terminalreporter.write_line(
        f"largest relative error vs PyTorch: {rel:.3g} ({name}; {len(results)} comparisons, "
        "max|ours - torch| / max|torch| per array)"
    )
