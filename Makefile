# Entry points for developers and CI. Run make from the repository root. Each
# target first runs scripts/bootstrap.sh, which returns in seconds when the
# system packages and .venv are already up to date.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
DEMO_WORKSPACE ?= demo-workspace
# Extra pytest arguments, for example: make test PYTEST_ARGS='-k netguard -x'
PYTEST_ARGS ?=

# Corpus tests read the shared data folder named by LABELER_CORPUS. When the
# caller has not set it, use ../shared/data beside the repository if that folder
# exists. Otherwise leave it unset, so the corpus tests skip with a message.
ifeq ($(origin LABELER_CORPUS),undefined)
  ifneq ($(wildcard $(CURDIR)/../shared/data/.),)
    LABELER_CORPUS := $(abspath $(CURDIR)/../shared/data)
    export LABELER_CORPUS
  endif
endif

.PHONY: help bootstrap demo test screenshots bench

help:
	@echo "make demo         install everything and open the client on the demo workspace"
	@echo "make test         install test dependencies and run the whole test suite"
	@echo "make bootstrap    only install system packages and the virtual environment"
	@echo "make screenshots  install xvfb, then run scripts/screenshots.sh"
	@echo "make bench        run the benchmarks (python -m benchmarks.run)"

bootstrap:
	bash scripts/bootstrap.sh

demo:
	bash scripts/bootstrap.sh
	$(VENV)/bin/labeler demo --workspace $(DEMO_WORKSPACE)

# pytest exits with status 5 when it collects no tests. A suite that finds
# nothing must not pass, so that status becomes a failure.
test:
	@echo "==> bootstrap (with xvfb and xauth for GUI tests)"
	bash scripts/bootstrap.sh --gui-tests
	@echo "==> import contracts (lint-imports)"
	$(VENV)/bin/lint-imports
	@echo "==> pytest (LABELER_CORPUS=$${LABELER_CORPUS:-<unset: corpus tests skip>})"
	@status=0; \
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	if [ "$$status" -eq 5 ]; then \
	  echo "error: pytest collected no tests; check testpaths and PYTEST_ARGS" >&2; \
	  exit 1; \
	fi; \
	exit "$$status"

screenshots:
	@if [ ! -f scripts/screenshots.sh ]; then \
	  echo "scripts/screenshots.sh does not exist yet; no screenshots taken"; \
	  exit 0; \
	fi; \
	bash scripts/bootstrap.sh --gui-tests; \
	bash scripts/screenshots.sh

bench:
	@if [ ! -f benchmarks/run.py ] && [ ! -f benchmarks/run/__main__.py ]; then \
	  echo "benchmarks/run.py does not exist yet; no benchmarks run"; \
	  exit 0; \
	fi; \
	bash scripts/bootstrap.sh; \
	$(VENV)/bin/python -m benchmarks.run
