# The tracker's commands. `make help` lists them; CI runs `make test`, exactly as a person does.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
export PREFECT_HOME ?= $(CURDIR)/.prefect
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_LOGGING_LEVEL ?= INFO
# Prefect's temporary server gets 20 s to start by default; a busy 2-core machine took longer
# (`make run` on a fresh clone timed out once), so allow more. The `tracker` command sets these
# same defaults itself (common/settings.py), so `make run` and `.venv/bin/tracker run` behave
# alike; here they also reach the tests, which run flows inside pytest.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 180

.DEFAULT_GOAL := help
.PHONY: help install run serve test test-fast bench clean

help: ## List the targets with what they do
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned dependencies (uv.lock)

run: install ## Run the whole weekly pipeline on the bundled sample corpus
	$(BIN)/tracker run --sample --auto-approve

serve: install ## Serve the weekly-tracker deployment on a local Prefect server (UI on 127.0.0.1:4200)
	$(BIN)/python -m flows.serve

test: install ## Lint (ruff, the layer order), then run the whole test suite, end-to-end tests included
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

test-fast: install ## Run the suite without the slow end-to-end tests
	$(BIN)/pytest -m "not slow"

BENCHMARKS := "extract_speed --report-only" "warehouse_load --report-only" crawl_speed flow_overhead render_speed scaling deal_resolution

bench: install ## Measure every stage next to its reference, ~35 min (benchmarks/results/latest.json)
	@status=0; started=$$(date +%s); \
	for bench in $(BENCHMARKS); do \
		echo "== python -m benchmarks.$$bench"; \
		env -u PYTHONDONTWRITEBYTECODE TRACKER_PROGRESS=0 $(BIN)/python -m benchmarks.$$bench || { echo "FAILED: benchmarks.$$bench"; status=1; }; \
	done; \
	$(BIN)/python -m benchmarks.report --elapsed $$(( $$(date +%s) - started )) || status=1; \
	exit $$status

clean: ## Remove the environment, outputs and caches (keeps nothing generated)
	rm -rf $(VENV) $(TOOLS) .prefect .pytest_cache data/*.duckdb* out
