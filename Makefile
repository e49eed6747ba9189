# Fresh machine: `make run` sets up and starts the app; `make test` sets up and runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements.sha256
REQ_HASH := $(shell sha256sum requirements.txt | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: setup browser run test bench ingest clean

setup: $(STAMP)

# Reuse the venv while requirements.txt is unchanged.
$(STAMP): requirements.txt
	@if [ ! -f $(STAMP) ] || [ "$$(cat $(STAMP))" != "$(REQ_HASH)" ]; then \
	  $(PY) -m venv $(VENV) && \
	  $(BIN)/pip install --quiet --upgrade pip && \
	  $(BIN)/pip install --quiet torch==2.13.0 && \
	  $(BIN)/pip install --quiet -r requirements.txt && \
	  echo $(REQ_HASH) > $(STAMP); \
	fi

# Debian's Chromium, its driver and a CJK font, for the browser test.
browser:
	@command -v chromium >/dev/null && fc-list | grep -qi wqy || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null; }

run: setup
	$(BIN)/python -m assistant ingest data/
	@echo "Open http://$(HOST):$(PORT) in a browser"
	$(BIN)/streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.headless true --server.fileWatcherType none --client.toolbarMode minimal --browser.gatherUsageStats false

test: setup browser
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data/budget.duckdb data/budget.duckdb.wal data/index
