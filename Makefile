# Remedy — every target does its own set-up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test chaos unit lint schemas-check schemas-lock broker topics bench system-deps node-deps clean

run: $(STAMP)
	REMEDY_LANG=$${REMEDY_LANG:-zh} $(BIN)/remedy run

# Tests run in 8 processes (pytest-xdist; most broker tests wait on the broker or a paced clock, not the CPU: at 6 the suite used about half of 2 cores; 8 took it from 302 s to 276 s here). `--dist loadgroup`
# keeps a module marked `xdist_group` on one process, so its shared fixture (the supervised stack, the analytics
# world) runs once; the longest tests are handed out first (tests/durations.json, tests/ordering.py).
# Then the small chaos run, alone: its two stacks and their kills need the machine's two cores to themselves.
TEST_WORKERS ?= 8

test: $(STAMP) system-deps node-deps lint schemas-check
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder -m "not chaos" $(PYTEST_ARGS)
	$(MAKE) --no-print-directory chaos

test-durations: $(STAMP) system-deps node-deps   # re-measure tests/durations.json (the order make test hands tests out in)
	REMEDY_RECORD_DURATIONS=1 $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder -m "not chaos"

chaos: $(STAMP) system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/chaos $(PYTEST_ARGS)

unit: $(STAMP) node-deps
	$(BIN)/python -m pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .

schemas-check: $(STAMP)
	$(BIN)/python -m remedy.contract.schemacheck

schemas-lock: $(STAMP)
	$(BIN)/python -m remedy.contract.schemacheck --lock

broker: $(STAMP)
	$(BIN)/remedy broker

topics: $(STAMP)
	$(BIN)/remedy topics

bench: $(STAMP)
	@for script in bench/bench_*.py; do case $$script in *bench_million*) echo "== $$script: run it on its own (python -m bench.bench_million --cases N)"; continue;; esac; echo "== $$script"; $(BIN)/python -m bench.$$(basename $$script .py) || exit 1; done

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Remedy needs $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dev]'
	touch $(STAMP)

# Debian packages Remedy and its tests use: Chromium (dashboard browser test, the report's PDF), Prometheus
# (promtool), the CJK TrueType font notify embeds in legal documents and Chromium in the report's PDF
# (fonts-wqy-microhei; docs/documents.md, docs/report.md), and poppler-utils' pdftoppm with zbar-tools' zbarimg,
# which scan the printed QR code in the documents' tests.
system-deps:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: missing$$missing (install with apt); the tests that need them will be skipped"; fi; \
	fi

# avsc, the JavaScript Avro library a lender may write with (tests/unit/test_codec_interop.py), at the version
# tests/js/package-lock.json pins, into .node/ (git-ignored). Without npm the test fails with this hint where node is
# installed, and is skipped where it is not.
NODE_DIR := .node
node-deps: $(NODE_DIR)/node_modules/.package-lock.json

$(NODE_DIR)/node_modules/.package-lock.json: tests/js/package.json tests/js/package-lock.json
	@if command -v npm >/dev/null; then \
	  mkdir -p $(NODE_DIR) && cp tests/js/package.json tests/js/package-lock.json $(NODE_DIR)/ && \
	  npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error; \
	else echo "warning: npm missing (apt-get install npm); avsc not installed, the avsc interoperability test cannot run"; fi

clean:
	rm -rf $(VENV) .remedy $(NODE_DIR)
