# Two entry points, both safe on a fresh machine with Python 3.11:
#   make run    set up, load the bundled examples, serve the UI and SPARQL endpoint
#   make test   set up (Python packages, Debian chromium), run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8080

.PHONY: setup system-deps run test bench clean

setup: $(VENV)/.installed

# Quiet but not silent: one line per step (pip --quiet says nothing for a minute).
$(VENV)/.installed: pyproject.toml $(wildcard package.json package-lock.json)
	@echo "setup: creating $(VENV) and installing claimgraph with its Python packages (a minute or two the first time)"
	@python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[test]'
	@if [ -f package.json ]; then echo "setup: fetching the browser assets (npm ci) and vendoring them"; \
	  npm ci --no-audit --no-fund --loglevel=error && $(PY) scripts/vendor_assets.py; fi
	@touch $@

# Debian's chromium drives the browser tests (Playwright uses it; no browser download).
system-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; \
	fi
	@if [ ! -x /usr/bin/virtuoso-t ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; fi; \
	fi

run: setup
	$(VENV)/bin/claimgraph demo --port $(PORT)

test: setup system-deps
	$(VENV)/bin/pytest -q

clean:
	rm -rf $(VENV) node_modules build *.egg-info
