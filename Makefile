# ClassLab: `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_COLLAB := .venv-collab
STAMP := .stamp
EXTENSIONS := slides video help gpu grader
PORT ?= 8888
export PATH := $(abspath $(BIN)):$(PATH)

EXT_SOURCES := $(shell find extensions/*/src extensions/*/schema extensions/*/style -type f 2>/dev/null) \
	$(wildcard extensions/*/package.json extensions/*/tsconfig.json) tsconfig.base.json
PY_PACKAGES := server-ext-bridge $(addprefix extensions/,$(EXTENSIONS)) meta
# Editable installs follow source edits by themselves; only packaging changes need a reinstall.
PY_PACKAGING := $(foreach p,$(PY_PACKAGES),$(p)/pyproject.toml) $(wildcard server-ext-bridge/jupyter-config/*/*.json)

.PHONY: help venv venv-collab node build install demo test test-deps test-js test-py test-slurm test-ui test-binder test-hub test-install lint bench clean

help:
	@echo "make demo   build everything and run JupyterLab with ClassLab on 127.0.0.1:$(PORT), serving examples/"
	@echo "make test   set up (incl. Chromium via apt) and run every suite; ends with 'N passed, N failed'"
	@echo "make bench  run the benchmarks under bench/, results in bench/results/"
	@echo "one suite:  make test-js | test-py | test-slurm | test-install | test-ui | test-binder | test-hub | lint"
	@echo "            (test-slurm: a real single-node Slurm from Debian packages, as root: scripts/slurm-single-node.sh)"

$(STAMP):
	@mkdir -p $(STAMP)

# --- Python: .venv with JupyterLab, JupyterHub and the test tools -------------------------------
$(STAMP)/venv: requirements-dev.txt | $(STAMP)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@
venv: $(STAMP)/venv

# --- npm workspaces (`npm install` follows package-lock.json; `npm ci` trips on rspack's optional binaries) ---
$(STAMP)/node: package.json package-lock.json $(wildcard extensions/*/package.json) ui-tests/package.json | $(STAMP)
	npm install --no-audit --no-fund
	@touch $@
node: $(STAMP)/node

# --- Prebuilt labextensions (production build, what the wheels ship) ---------------------------
$(STAMP)/build: $(STAMP)/node $(EXT_SOURCES)
	npx lerna run build:prod
	@touch $@
build: $(STAMP)/build

# --- Editable installs into .venv; labextensions linked so a rebuild is picked up ---------------
$(STAMP)/install: $(STAMP)/venv $(PY_PACKAGING) | $(STAMP)/build
	@# Unlink the previous `develop` links first: pip would write the wheels' install.json through them into the
	@# source labextension folders, and the next wheel build would then hold install.json twice.
	@# SKIP_JUPYTER_BUILDER: an editable install would otherwise run `npm install` and a clean `build:prod` of each
	@# extension (hatch-jupyter-builder ignores skip-if-exists for editables); $(STAMP)/build has built them.
	@for e in $(EXTENSIONS); do l=$(VENV)/share/jupyter/labextensions/@classlab/$$e; if [ -L $$l ]; then rm $$l; fi; done
	SKIP_JUPYTER_BUILDER=1 $(BIN)/python -m pip install --quiet --no-build-isolation --no-deps $(foreach p,$(PY_PACKAGES),-e $(p))
	@for e in $(EXTENSIONS); do $(BIN)/jupyter-builder develop --overwrite extensions/$$e >/dev/null || exit 1; done
	@touch $@
install: $(STAMP)/install

# --- .venv-collab: JupyterLab + jupyter-collaboration (RTC) + ClassLab, the same editable way as .venv --------
# For the Help browser test with collaboration on (ui-tests/playwright.collab.config.ts) and bench/help.
# `make clean` keeps it (as .venv): its labextension links point at the folders $(STAMP)/build makes again.
$(STAMP)/venv-collab: requirements-collab.txt $(PY_PACKAGING) | $(STAMP) $(STAMP)/build
	@test -x $(VENV_COLLAB)/bin/python || $(PYTHON) -m venv $(VENV_COLLAB)
	@for e in $(EXTENSIONS); do l=$(VENV_COLLAB)/share/jupyter/labextensions/@classlab/$$e; if [ -L $$l ]; then rm $$l; fi; done
	$(VENV_COLLAB)/bin/python -m pip install --quiet -r requirements-collab.txt
	SKIP_JUPYTER_BUILDER=1 $(VENV_COLLAB)/bin/python -m pip install --quiet --no-build-isolation --no-deps $(foreach p,$(PY_PACKAGES),-e $(p))
	@for e in $(EXTENSIONS); do $(VENV_COLLAB)/bin/jupyter-builder develop --overwrite extensions/$$e >/dev/null || exit 1; done
	@touch $@
venv-collab: $(STAMP)/venv-collab

demo: $(STAMP)/install $(STAMP)/build
	@bash scripts/demo.sh $(PORT)

# --- Tests -------------------------------------------------------------------------------------
test-deps:
	@bash scripts/install-test-deps.sh

test: $(STAMP)/install $(STAMP)/build $(STAMP)/venv-collab test-deps
	@$(BIN)/python scripts/run_suites.py

test-js: $(STAMP)/node
	@$(BIN)/python scripts/run_suites.py js
test-py: $(STAMP)/install
	@$(BIN)/python scripts/run_suites.py py
# Slurm packages come with test-deps; the suite brings the daemons up itself (and stops only those it started).
test-slurm: $(STAMP)/install test-deps
	@$(BIN)/python scripts/run_suites.py slurm
test-install: $(STAMP)/install $(STAMP)/build
	@$(BIN)/python scripts/run_suites.py install
test-ui: $(STAMP)/install $(STAMP)/build $(STAMP)/venv-collab test-deps
	@$(BIN)/python scripts/run_suites.py ui
# Builds .binder-check/ from binder/ alone (its own venv and npm build), then runs the browser specs against it.
test-binder: $(STAMP)/node test-deps
	@$(BIN)/python scripts/run_suites.py binder
test-hub: $(STAMP)/install $(STAMP)/build test-deps
	@$(BIN)/python scripts/run_suites.py hub
lint: $(STAMP)/install $(STAMP)/node
	@$(BIN)/python scripts/run_suites.py lint

bench: $(STAMP)/install $(STAMP)/build test-deps
	$(BIN)/python bench/run.py

clean:
	npx lerna run clean || true
	rm -rf $(STAMP) dist ui-tests/artifacts ui-tests/test-results .binder-check
