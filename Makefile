# wfc developer tasks. Every target creates the virtual environment first when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup compile lint test bench build worker-dev stubs clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job: compile the shipped specs into workflows/ and lint the result.
compile: setup
	$(BIN)/wfc compile
	$(BIN)/wfc lint workflows

# What blocks a commit or an image build: strict lint, stale artifacts, stale node stubs.
lint: setup
	$(BIN)/wfc catalog stubs --check
	$(BIN)/wfc compile --check
	$(BIN)/wfc lint --strict workflows specs

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: setup
	$(BIN)/python -m bench

build: lint
	docker build -t wfc-worker:latest -f worker/Dockerfile .

worker-dev: setup
	$(BIN)/python -m worker.dev

stubs: setup
	$(BIN)/wfc catalog stubs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis
