# The two commands: `make demo` (set up and run the demo) and `make test` (run the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-check test install lock lint format bench-ingest bench-train bench-serve clean

# Installs exactly what the lock files name (every transitive dependency pinned); `make lock` remakes them
# from requirements.txt and requirements-dev.txt, the versions people choose.
$(STAMP): requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $(STAMP)

LOCK_FLAGS := --quiet --strip-extras --no-emit-index-url --no-emit-find-links --annotation-style line

lock: $(STAMP)
	$(BIN)/pip-compile $(LOCK_FLAGS) --output-file requirements.lock requirements.txt
	$(BIN)/pip-compile $(LOCK_FLAGS) --output-file requirements-dev.lock requirements-dev.txt

# Translations: locale/*.po are in the repository; their compiled .mo files are made here (Babel, no GNU gettext)
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

install: $(STAMP) $(MO)

# a person reads the demo's logs at a terminal; production logs are JSON (docs/operations.md#logs)
demo: export LOG_FORMAT ?= text
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py generate_demo
	$(BIN)/python manage.py train
	$(BIN)/python manage.py refresh_content
	$(BIN)/python manage.py suggest_features --publish 2
	$(BIN)/python manage.py simulate_traffic
	$(BIN)/python manage.py demo_access
	$(BIN)/python manage.py runserver 127.0.0.1:8000

demo-check: install
	$(BIN)/python bench/demo_runs.py --runs 10

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench-ingest: install
	$(BIN)/python bench/ingest.py

bench-train: install
	$(BIN)/python bench/train.py

bench-serve: install
	$(BIN)/python bench/serve.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm
