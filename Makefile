# Latchkey: `make run` serves the app, `make test` checks it. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
CHROMIUM := /usr/bin/chromium
PGBIN := /usr/lib/postgresql/15/bin

.PHONY: run test lint format install install-test browser node-judge axe clean bench soak \
	pot messages translations

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Serve on FLASK_RUN_HOST:FLASK_RUN_PORT (127.0.0.1:5000): SQLite in instance/ unless
# DATABASE_URL is set, mail to /dev/mailbox unless MAIL_SERVER is set. `flask run` is not debug
# mode, where the app refuses to start without mail configured: ask for the dev mailbox by name.
run: export MAIL_DELIVERY ?= $(if $(MAIL_SERVER),smtp,dev_mailbox)
run: install translations
	$(FLASK) db upgrade
	$(FLASK) run

# Languages (SPEC §11): `make messages` extracts the words of the Python and templates into
# app/translations/messages.pot and merges them into each language's messages.po (translate
# what is new or fuzzy there); the .mo files the app reads are compiled from them, again only
# when a .po changes. tests/unit/test_catalogs.py fails while any message is missing or fuzzy.
BABEL := $(BIN)/pybabel
TRANSLATIONS := app/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)

POT ?= $(TRANSLATIONS)/messages.pot

pot: install
	$(BABEL) -q extract -F babel.cfg -k _l -k N_ -k ngettext_l:1,2 -c Translators: --sort-by-file \
	  --project Latchkey --msgid-bugs-address security@latchkey.localhost -o $(POT) .

messages: pot
	$(BABEL) -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --ignore-obsolete \
	  --no-fuzzy-matching

%.mo: %.po | $(VENV)/.installed
	$(BABEL) -q compile -i $< -o $@

translations: $(CATALOGS:.po=.mo)

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

browser: $(CHROMIUM)

# openid-client, the outside judge of the OpenID provider (tests/browser/test_openid_client.py),
# installed exactly as locked, again only when package.json or the lock file changes.
JUDGE := tests/oidc_client
$(JUDGE)/node_modules/.installed: $(JUDGE)/package.json $(JUDGE)/package-lock.json
	npm ci --prefix $(JUDGE) --silent --no-audit --no-fund
	touch $@

node-judge: $(JUDGE)/node_modules/.installed

# axe-core, injected into every page by tests/browser/test_accessibility.py, installed the same way.
AXE := tests/axe
$(AXE)/node_modules/.installed: $(AXE)/package.json $(AXE)/package-lock.json
	npm ci --prefix $(AXE) --silent --no-audit --no-fund
	touch $@

axe: $(AXE)/node_modules/.installed

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Branch coverage of app/ is printed, and the whole suite fails under this floor (96.4 % when it
# was set); a run of some tests only (PYTEST_ARGS=…) is not held to it.
COVERAGE_FLOOR := 95
test: install-test browser node-judge axe lint translations
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(BIN)/pytest -p playwright -p schemathesis.pytest.plugin \
	  -p pytest_cov --cov --cov-report=term:skip-covered --durations=15 \
	  $(if $(PYTEST_ARGS),,--cov-fail-under=$(COVERAGE_FLOOR)) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(JUDGE)/node_modules $(AXE)/node_modules

# Benchmarks: ratios against a bare Flask endpoint served the same way, in the same run.
/usr/bin/wrk:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk

bench: install-test browser /usr/bin/wrk translations
	$(BIN)/python -m bench.run

# Soak: sustained load and faults (SMTP down, PostgreSQL restarted, workers killed) against
# gunicorn, a throwaway PostgreSQL 15 cluster and a real SMTP server, loopback only; see
# soak/README.md. `make soak SOAK_ARGS=load` runs one scenario.
$(PGBIN)/initdb:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null

soak: install-test $(PGBIN)/initdb translations
	$(BIN)/python -m soak $(SOAK_ARGS)
