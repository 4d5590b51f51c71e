# Two commands on a fresh machine:
#   make book   builds the HTML book into _build/html (the main job)
#   make test   installs test dependencies (Python, Chromium, vendored JS) and runs the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: book test env dev-env assets chromium book-strict pytest clean

book: env assets
	$(BIN)/jupyter-book build .
	@echo "Open _build/html/index.html"

test: dev-env assets chromium book-strict pytest

# Clean build, every notebook executed, warnings are errors.
book-strict:
	rm -rf _build
	$(BIN)/jupyter-book build . -W --keep-going

pytest:
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --nbval-lax tests book exercises

env: $(VENV)/.book-installed
dev-env: $(VENV)/.dev-installed
assets: _vendor/.stamp

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.book-installed: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.book-installed
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

_vendor/.stamp: package.json package-lock.json tools/vendor_assets.py
	npm ci --no-audit --no-fund --ignore-scripts
	$(BIN)/python tools/vendor_assets.py
	touch $@

# Debian's Chromium for the real-browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf _build _vendor node_modules
