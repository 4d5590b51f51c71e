# Two commands on a fresh machine:
#   make book   builds the HTML book into _build/html (the main job)
#   make test   installs test dependencies (Python, Chromium, bubblewrap, vendored JS) and runs the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_WORKERS ?= 2
# The book build executes the notebooks with the default seed; the notebook tests run them again
# with this one, so every claim in the book is proven on two seeds.
CHECK_SEED ?= 1

.PHONY: book test env dev-env assets chromium bubblewrap lint book-strict pytest lock clean

book: env assets
	$(BIN)/jupyter-book build .
	@echo "Open _build/html/index.html"

test: dev-env assets chromium bubblewrap lint book-strict pytest

# Lint (pyflakes, pycodestyle errors, a complexity limit) and layout (ruff format); settings in pyproject.toml.
lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Clean build, every notebook executed, warnings are errors.
book-strict:
	rm -rf _build
	$(BIN)/jupyter-book build . -W --keep-going

pytest:
	DLFUND_SEED=$(CHECK_SEED) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --nbval-lax tests book exercises

env: $(VENV)/.book-installed
dev-env: $(VENV)/.dev-installed
assets: _vendor/.stamp

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The locked environment (exact versions); the package itself on top, editable.
$(VENV)/.book-installed: requirements.lock pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock $(VENV)/.book-installed
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	touch $@

# Refresh the locks after editing requirements*.txt or pyproject.toml's dependencies
# (pip-tools in a small venv of its own; needs the package index).
LOCK_TOOLS := $(VENV)/lock-tools
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile -q --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links --upgrade
lock:
	test -x $(LOCK_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install -q pip-tools; }
	$(PIP_COMPILE) -o requirements.lock pyproject.toml requirements.txt
	$(PIP_COMPILE) -c requirements.lock -o requirements-dev.lock pyproject.toml requirements-dev.txt

_vendor/.stamp: package.json package-lock.json tools/vendor_assets.py
	npm ci --no-audit --no-fund --ignore-scripts
	$(BIN)/python tools/vendor_assets.py
	touch $@

# Debian's Chromium for the real-browser tests (Playwright drives it; no browser download).
chromium:
	@sh tools/apt_install.sh chromium chromium

# Debian's bubblewrap: `python -m dlfund grade` runs each submission in a bwrap sandbox.
bubblewrap:
	@sh tools/apt_install.sh bwrap bubblewrap

clean:
	rm -rf _build _vendor node_modules
