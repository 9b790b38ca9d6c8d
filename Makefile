# Each target creates .venv when it is missing and (re)installs when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RECORDING ?= recordings/slow_breathing_polar_h10.csv

.PHONY: run analyze test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	@$(BIN)/biofeedback gui --check
	$(BIN)/biofeedback gui --source sim

analyze: $(VENV)/.installed-run
	$(BIN)/biofeedback analyze $(RECORDING)

test: $(VENV)/.installed-test
	$(BIN)/ruff check biofeedback tests bench
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py
	$(BIN)/python bench/gui.py
	$(BIN)/python bench/batch.py
	$(BIN)/python bench/validation.py
	$(BIN)/python bench/startup.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check biofeedback tests bench

clean:
	rm -rf $(VENV) build *.egg-info
