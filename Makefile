# Two commands do everything on a fresh Debian/Ubuntu machine:
#   make run    install what is needed, then serve on http://127.0.0.1:8000
#   make test   install what is needed, then run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install run test migrate browser clean bench fuzz

help:
	@echo "make run     install everything, start the server (embedded database) on http://127.0.0.1:$(PORT)"
	@echo "make test    install everything, run the whole test suite"
	@echo "make bench   install everything, run the benchmarks (table on the console, JSON in results/)"
	@echo "make fuzz    fuzz the protocol decoders with atheris (FUZZ_RUNS inputs, default 100000)"
	@echo "make migrate apply database migrations to DATABASE_URL (or the embedded database)"
	@echo "make clean   remove the virtual environment, npm packages and local data"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is required (found $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  echo "python3-venv is missing; installing it with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv && \
	  $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	@command -v npm >/dev/null || { \
	  echo "npm is missing; installing Node.js and npm with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The code pad's editor (CodeMirror) is bundled from the npm packages into one ES module.
web/node_modules/.bundles/codemirror.js: web/bundles/codemirror.js web/node_modules/.installed
	cd web && npm run build --silent

install: $(VENV)/.installed web/node_modules/.installed web/node_modules/.bundles/codemirror.js

# Browser tests drive the distribution's Chromium; Playwright never downloads a browser here.
# espeak-ng speaks the answer that the fake microphone plays.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! command -v espeak-ng >/dev/null; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing Chromium and espeak-ng for the browser tests"; \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium espeak-ng || \
	      echo "could not install chromium and espeak-ng: browser tests will be skipped"; \
	  else echo "no /usr/bin/chromium or espeak-ng: browser tests will be skipped"; fi; \
	fi

run: install
	$(BIN)/interview-engine serve --demo --port $(PORT)

migrate: install
	$(BIN)/interview-engine migrate

test: install browser
	$(BIN)/python -m pytest
	cd web && npm test --silent

clean:
	rm -rf $(VENV) web/node_modules .data .pytest_cache

# Stack ceiling (echo vs engine), persistence (writer vs COPY), codec and coach, and the
# default-profile load test; BENCH_* variables are described in bench/run.py.
bench: $(VENV)/.installed
	$(BIN)/python -m bench.run

# Coverage-guided fuzzing of the protocol decoders; the corpus grows in .data/fuzz/corpus.
# HYPOTHESIS_PROFILE=long with `make test` is the long run of the property-based tests.
FUZZ_RUNS ?= 100000
fuzz: $(VENV)/.installed
	$(BIN)/python -m tests.fuzz.decode --runs $(FUZZ_RUNS)
