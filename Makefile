# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install migrate seed lint typecheck audit bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Beacon needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

install: $(INSTALLED)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# With REDIS_URL set: web, worker and beat as separate processes (Procfile, honcho; Ctrl-C stops all).
# Without: one process, SQLite, in-memory broker and channel layer, worker and beat embedded.
run: seed
	@if [ -n "$$REDIS_URL" ]; then \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile start --port 8000; \
	else \
		$(BIN)/python manage.py serve --host 127.0.0.1 --port 8000; \
	fi

# The suite runs on every core (pytest-xdist; each worker its own test database and Redis database),
# a test file per worker at a time. PYTEST_WORKERS=0 runs it in this process.
PYTEST_WORKERS ?= auto

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --cov --cov-report=term --cov-fail-under=85 --durations=25 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

# Known vulnerabilities in requirements.lock: pip-audit where its service answers, otherwise the
# PyPA advisories vendored in deploy/advisories (lockaudit; docs/security.md, V14).
audit: install
	$(BIN)/python -m lockaudit

bench: install
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) var staticfiles .coverage
