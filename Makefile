# The two commands of the README: `make figures` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2

.PHONY: figures test baselines report lint clean-figures

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

figures: $(STAMP)
	$(BIN)/snakemake --profile profiles/default --cores $(CORES)

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

# Regenerate the figure regression baselines on purpose (after a reviewed change of a figure).
baselines: $(STAMP)
	UNDERHOOD_UPDATE_BASELINES=1 $(BIN)/python -m pytest -q tests/test_figures.py

report: figures
	$(BIN)/snakemake --profile profiles/default --report report.html

lint: $(STAMP)
	$(BIN)/snakemake --lint
