# The README's two commands: `make report` and `make test`. Both create .venv from nothing when it is missing
# and install the exact versions of requirements.lock, then the package itself (editable, no dependencies).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: venv report test lint format lock clean-cache notebooks

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

report: $(STAMP)
	$(PY) -m aictlab.report $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks notebooks
	$(PY) -m ruff format --check src tests benchmarks notebooks

test: lint
	$(PY) -m pytest -n 2 --durations=15 $(ARGS)

format: $(STAMP)
	$(PY) -m ruff check --fix src tests benchmarks notebooks
	$(PY) -m ruff format src tests benchmarks notebooks

# Re-pin after changing pyproject.toml's dependencies: freezes the current .venv into requirements.lock and
# environment.yml (tests/test_environment.py checks that the two agree).
lock: $(STAMP)
	$(PY) -m aictlab._lock

# Pair the jupytext .py notebooks with .ipynb files (no outputs).
notebooks: $(STAMP)
	$(PY) -m jupytext --sync notebooks/*.py

clean-cache:
	rm -rf data/processed/*
