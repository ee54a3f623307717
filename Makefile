# Quick start: `make run` (the main experiment) and `make test` (the suite).
# Both create .venv on first use; they need only Python 3.11+ and make.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# A small lint rule set (pyflakes, pycodestyle, isort, bugbear, pyupgrade); E741 is off
# because the shape letters (B, T, I, H) are the project's names for axes.
RUFF := $(PY) -m ruff check --select E,F,W,I,B,UP --ignore E741 --line-length 100 --target-version py311

.PHONY: run test lint demo clean

# The Italy task at a small gap for the Elman RNN and the LSTM, then a side-by-side table.
# Running it again resumes (or, when finished, just reports) the same runs.
run: $(RUN_STAMP)
	$(PY) launch.py --config.model.cell=rnn --workdir=runs/italy-rnn
	$(PY) launch.py --config.model.cell=lstm --workdir=runs/italy-lstm
	$(PY) -m experiments.compare runs/italy-rnn runs/italy-lstm

demo: $(RUN_STAMP)
	$(PY) -m experiments.demo

test: $(TEST_STAMP)
	$(RUFF) recurrent experiments tests launch.py
	$(PY) -m pytest -q

lint: $(TEST_STAMP)
	$(RUFF) recurrent experiments tests launch.py

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "recurrent needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(TEST_STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(RUN_STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
