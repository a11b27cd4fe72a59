# Two commands for a fresh machine (python3 >= 3.11 with venv, gcc, g++, cmake, make):
#   make ask   - set up and stream an answer from the embedded model
#   make test  - set up with dev dependencies and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROMPT ?= What is the capital of France?
# Peers measured beside teleprinter (benchmarks/bench_peers.py): their own venv, never runtime deps
BENCH_VENV ?= .venv-bench
BENCH_PEERS := streamdown textual llm llm-gguf shell-gpt pyte

.PHONY: ask test lint typecheck bench bench-quick bench-tools clean pictures test-services

# scripts/setup.py (system python3, standard library only) creates the venv and runs pip, one line
# per step, a heartbeat while llama.cpp compiles, and one line naming what is missing on failure.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) scripts/setup.py --venv $(VENV)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml
	@$(PYTHON) scripts/setup.py --venv $(VENV) --extras dev
	@touch $(VENV)/.installed $@

ask: $(VENV)/.installed
	@echo '$(BIN)/teleprinter ask "$(PROMPT)"   (the embedded model unless .env names a provider; it loads in a few seconds)'
	@$(BIN)/teleprinter ask "$(PROMPT)"
	@printf '%s\n' "" "Try next:" \
	  '  make ask PROMPT="Why is the sky blue?"  another question' \
	  '  $(BIN)/teleprinter chat              a conversation (Ctrl-C stops an answer, Ctrl-D leaves)' \
	  '  $(BIN)/teleprinter --help            every command, with examples' \
	  '  $(BIN)/teleprinter doctor            check the terminal and provider settings'

# The relay tests run Debian's redis-server (and openssl for their TLS certificates): installed here
# when missing and we may (root with apt-get); otherwise one line says what to install.
test-services:
	@missing=""; for tool in redis-server:redis-server openssl:openssl; do \
		command -v $${tool%%:*} >/dev/null 2>&1 || missing="$$missing $${tool#*:}"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "make: installing$$missing for the Redis tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null; \
		else \
			echo "make: the Redis tests need$$missing: install it (e.g. sudo apt-get install$$missing)"; \
		fi; \
	fi

test: $(VENV)/.installed-dev test-services $(BENCH_VENV)/.installed  # the benchmarks' smoke test runs the peers too
	@echo "ruff: lint src tests benchmarks examples scripts"
	@$(BIN)/ruff check src tests benchmarks examples scripts
	@echo "mypy --strict src"
	@$(BIN)/mypy --strict src
	@echo "pytest: the whole suite (several minutes: the embedded model, tmux and network tests included)"
	@$(BIN)/python -m pytest
	@printf '%s\n' "" "Try next:" \
	  '  make ask                       stream an answer from the embedded model' \
	  '  make pictures                  redraw the README screenshots from the recordings in tests/data' \
	  '  make bench-quick               teleprinter against its baselines and its peers, a few minutes'

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples scripts
	$(BIN)/mypy --strict src

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	@$(PYTHON) scripts/setup.py --venv $(VENV) --extras dev,bench
	@touch $@

$(BENCH_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet $(BENCH_PEERS)
	touch $@

# valgrind (callgrind) gives the instruction counts beside the per-token timings
bench-tools:
	@command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind)

bench: $(VENV)/.installed-bench $(BENCH_VENV)/.installed bench-tools
	$(BIN)/python -m benchmarks

bench-quick: $(VENV)/.installed-bench $(BENCH_VENV)/.installed bench-tools
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) $(BENCH_VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

pictures: $(VENV)/.installed-dev
	$(BIN)/python scripts/pictures.py
