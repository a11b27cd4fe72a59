# Two commands for a fresh machine (python3 >= 3.11, gcc, cmake, make):
#   make ask   - set up and stream an answer from the embedded model
#   make test  - set up with dev dependencies and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROMPT ?= What is the capital of France?
# Peers measured beside teleprinter (benchmarks/bench_peers.py): their own venv, never runtime deps
BENCH_VENV ?= .venv-bench
BENCH_PEERS := streamdown textual llm llm-gguf shell-gpt pyte

.PHONY: ask test lint typecheck bench bench-quick bench-tools clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

ask: $(VENV)/.installed
	$(BIN)/teleprinter ask "$(PROMPT)"

test: $(VENV)/.installed-dev $(BENCH_VENV)/.installed  # the benchmarks' smoke test runs the peers too
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy --strict src
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy --strict src

$(BENCH_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet $(BENCH_PEERS)
	touch $@

# valgrind (callgrind) gives the instruction counts beside the per-token timings
bench-tools:
	@command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind)

bench: $(VENV)/.installed-dev $(BENCH_VENV)/.installed bench-tools
	$(BIN)/python -m benchmarks

bench-quick: $(VENV)/.installed-dev $(BENCH_VENV)/.installed bench-tools
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) $(BENCH_VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
