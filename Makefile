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

.PHONY: run test lint demo benchmarks performance reproduce clean

# A small version of the vanishing-gradient study (RNN, LSTM, GRU and chrono-initialised LSTM
# on the Italy task at gaps 4-32, three seeds each, until solved or 3000 steps), then the
# headline plots copied for the README. Running it again resumes where it stopped (inside
# a point, from its checkpoint) and redraws the outputs.
STUDY := runs/vanishing-small
run: $(RUN_STAMP)
	$(PY) launch.py --config=experiments/configs/vanishing.py:small --workdir=$(STUDY)
	mkdir -p docs/images
	cp $(STUDY)/plots/steps_to_solve.png $(STUDY)/plots/key_gradient_vs_steps.png \
		$(STUDY)/plots/gradient_norms.png $(STUDY)/plots/accuracy_vs_gap.png \
		$(STUDY)/plots/lyapunov_spectrum.png $(STUDY)/plots/sensitivity_vs_timescale.png \
		docs/images/

demo: $(RUN_STAMP)
	$(PY) -m experiments.demo

# Every sweep behind docs/benchmarks.md, one point after another (hours on a laptop CPU;
# interrupted, it resumes), then one summary of them all in runs/benchmarks/summary.md.
BENCH := runs/benchmarks
benchmarks: $(TEST_STAMP)
	$(PY) launch.py --config=experiments/configs/adding.py:sweep --workdir=$(BENCH)/adding
	$(PY) launch.py --config=experiments/configs/copying.py:sweep --workdir=$(BENCH)/copying
	$(PY) launch.py --config=experiments/configs/digits.py:sweep --workdir=$(BENCH)/digits
	$(PY) launch.py --config=experiments/configs/digits.py:permuted_sweep \
		--workdir=$(BENCH)/digits-permuted
	$(PY) launch.py --config=experiments/configs/temporal_order.py:sweep \
		--workdir=$(BENCH)/temporal-order
	$(PY) -m experiments.aggregate $(BENCH)

# Throughput of every cell against Flax, PyTorch (if installed: pip install -e '.[bench]')
# and the floor of unavoidable products; the tables behind docs/performance.md.
performance: $(RUN_STAMP)
	$(PY) launch.py --config=experiments/configs/benchmark.py --workdir=runs/benchmark

# Re-run every result in docs/results/ and compare (see python -m experiments.reproduce --list
# for what each costs).
reproduce: $(RUN_STAMP)
	$(PY) -m experiments.reproduce --all

# One pytest worker per core, whole files per worker, so a file's shared fixtures run once,
# the longest files first (tests/conftest.py).
# JAX compiles dominate the suite; tests/conftest.py makes them cheaper.
test: $(TEST_STAMP)
	$(RUFF) recurrent experiments tests launch.py
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder

lint: $(TEST_STAMP)
	$(RUFF) recurrent experiments tests launch.py

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "recurrent needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(TEST_STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(RUN_STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
