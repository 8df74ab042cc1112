# The two commands of the README: `make figures` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2

.PHONY: figures test baselines mutations report lint clean-figures

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

# Regenerate the figure regression baselines on purpose (after a reviewed change of a figure): train
# the test zoo into tests/fixtures/ (committed), then make every test figure from it.
baselines: $(STAMP)
	$(BIN)/python tests/make_fixtures.py
	UNDERHOOD_UPDATE_BASELINES=1 $(BIN)/python -m pytest -q tests/test_figures.py -k "test_figure_matches_baseline and not another_cpu"

# Does a deliberate small change to the code fail a figure test? (on demand; about 25 minutes on 2 cores)
mutations: $(STAMP)
	$(BIN)/python tests/mutations.py

# Snakemake's report of a built tier: make report (embedded), make report TIER=lecture
TIER ?= embedded
report: $(STAMP)
	$(BIN)/snakemake --profile profiles/default --config tier=$(TIER) --report report-$(TIER).html

lint: $(STAMP)
	$(BIN)/snakemake --lint
