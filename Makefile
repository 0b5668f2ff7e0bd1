# The README's two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
PO := translations/zh_Hans/LC_MESSAGES/messages.po
MO := $(PO:.po=.mo)
# pytest-xdist workers; `make test PYTEST_ARGS="-n 0 -k signup"` runs in one process (e.g. for a debugger).
PYTEST_WORKERS ?= auto

.PHONY: run test lint install install-test translations messages serve-prod

run: install $(MO)
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production: several gunicorn workers on PostgreSQL and Redis. Needs SECRET_KEY, DATABASE_URL, REDIS_URL, SITE_URL
# in the environment (see README, "PostgreSQL, Redis and gunicorn"); settings in gunicorn.conf.py.
serve-prod: install $(MO)
	@test -n "$$SECRET_KEY" -a -n "$$DATABASE_URL" -a -n "$$REDIS_URL" -a -n "$$SITE_URL" || \
		{ echo "serve-prod needs SECRET_KEY, DATABASE_URL (PostgreSQL), REDIS_URL and SITE_URL set" >&2; exit 1; }
	SHELFMADE_ENV=production $(FLASK) db upgrade
	SHELFMADE_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py "app:create_app()"

test: lint $(MO)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory node_modules/.installed; \
	else echo "npm not found: the axe-core accessibility checks will be skipped (under CI=true they fail)"; fi
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=20 $(PYTEST_ARGS)

# The rules are in pyproject.toml; `.venv/bin/ruff check --fix .` fixes most of what it finds.
lint: install-test
	$(BIN)/ruff check .

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Shelfmade needs Python 3.11 or newer; set PYTHON=python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(MO): $(PO) $(VENV)/.installed
	$(BIN)/pybabel compile -d translations -l zh_Hans --statistics

translations: $(MO)

# After adding or changing strings: extract them, then translate the new entries in $(PO).
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l --ignore-dirs ".* __pycache__" -o translations/messages.pot --no-location --sort-output app.py config.py blueprints templates
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l zh_Hans --no-fuzzy-matching
