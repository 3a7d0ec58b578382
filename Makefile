# Two commands on a fresh machine: `make run` and `make test`. Both are idempotent: the venv is
# created once and reinstalled only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.stamp-runtime
DEV_STAMP := $(VENV)/.stamp-dev
BENCH_STAMP := $(VENV)/.stamp-bench

.PHONY: run test lint package bench bench-quick model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[train,dev]"
	touch $@ $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)
	$(BIN)/dogcat-sorter $(ARGS)

test: $(DEV_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# Style, then types: mypy checks dogcat_desktop and training (see [tool.mypy] in pyproject.toml).
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The double-click app: dist/dogcat-sorter/ with dogcat-sorter and dogcat-sorter-cli.
package: $(DEV_STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN build.spec
	@du -sh dist/dogcat-sorter

# The benchmarks also need the decoders they compare (the bench extra).
$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[train,dev,bench]"
	touch $@ $(DEV_STAMP) $(RUNTIME_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py

bench-quick: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py --quick

# Rebuild the bundled model from the shared photos; training/splits.txt says which collections
# train, validate and test. About 25-35 min on 2 CPU cores from scratch (embedding every photo
# and view is most of it), a few minutes once ~/.cache/dogcat-training holds the embeddings.
model: $(DEV_STAMP)
	$(BIN)/python -m training --data-dir ../shared/data \
	    --base-weights ../shared/weights/mobilenet_v2_1.00_224.weights.h5 --out resources/model

clean:
	rm -rf build dist .pytest_cache .ruff_cache
