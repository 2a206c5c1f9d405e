# The two commands of the README, and the steps they are made of.
#   make demo   crawl the bundled demo portals, archive, parse, serve on http://127.0.0.1:8001
#   make test   the whole test suite
# Every target installs what it needs and can be run again safely.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install chromium office redis demo test test-under-load bench bench-crawl bench-cluster bench-datasette clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for scrapy-playwright and the browser tests (Playwright's own browser
# download needs the internet; where there is one, `playwright install chromium` works too),
# and a CJK font so Chinese renders in the browser's screenshots.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto.*cjk"; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium fonts-wqy-zenhei >/dev/null; fi

# LibreOffice, headless, for DOC/WPS/ET reports (converted to DOCX/XLSX in a sandboxed
# subprocess, pipelines/parser/convert.py): Writer and Calc without the GUI, ~300 MB.
office:
	@if ! command -v soffice >/dev/null 2>&1 || ! test -e /usr/lib/libreoffice/program/libswlo.so \
	    || ! test -e /usr/lib/libreoffice/program/libsclo.so; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui >/dev/null; fi

# Debian's redis-server for the cluster tests (each test starts its own on 127.0.0.1 and stops
# it); a cluster's broker is any Redis the workers reach (ZFXXGK_BROKER=redis://HOST:6379/0).
redis:
	@if ! command -v redis-server >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends redis-server >/dev/null; fi

demo: install chromium office
	$(BIN)/zfxxgk demo

test: install chromium office redis
	$(BIN)/python -m pytest

# The reliability check: the whole suite RUNS times in a row (default 5) while LOAD busy
# processes (default 2, both cores) keep the machine busy; a line per run, a summary, and
# exit 1 if any run failed. Logs in test-artifacts/under-load/. PYTEST_ARGS narrows it down,
# e.g. make test-under-load RUNS=3 PYTEST_ARGS=tests/nightly
RUNS ?= 5
LOAD ?= 2
PYTEST_ARGS ?=
test-under-load: install chromium office redis
	$(BIN)/python tests/under_load.py --runs $(RUNS) --load $(LOAD) -- $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/parse_bench.py

bench-crawl: install
	$(BIN)/python bench/crawl_bench.py --portals 200 --reports 20 --latency-ms 150 0

bench-cluster: install redis
	$(BIN)/python bench/cluster_bench.py --portals 200 --reports 20 --workers 1 2 3 --latency-ms 0 150

# the issue's national scale, 100,000 reports (~20 M cells, ~21 GB in a temporary folder, about an hour on
# two cores); make bench-datasette REPORTS=30000 for a quicker look
bench-datasette: install
	$(BIN)/python bench/datasette_bench.py --reports $(or $(REPORTS),100000)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis test-artifacts
