# The two commands: `make demo` (set up and run the demo) and `make test` (run the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-check test install lint format bench-ingest bench-train bench-serve clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Translations: locale/*.po are in the repository; their compiled .mo files are made here (Babel, no GNU gettext)
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

install: $(STAMP) $(MO)

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
