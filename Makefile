# vmdr.replication: `make drill` and `make test` do everything on a fresh Debian machine.
SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
RUN_DIR := $(ROOT)/lab/run
APT_PACKAGES := golang-go golang-github-vmware-govmomi-dev rsync python3-venv shellcheck chromium \
  krb5-kdc krb5-admin-server krb5-user libkrb5-dev gcc python3-dev
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export PATH := $(VENV)/bin:$(PATH)

.PHONY: help deps venv collection awx-collection lab-up lab-down lab-status drill report test units lab-tests contract integration release molecule sanity docs scripts bench clean

help:
	@echo "make drill      set up, start the lab, run a DR drill, print the report path"
	@echo "make test       unit, lab conformance, integration and sanity tests"
	@echo "make report REPORT=reports/<run>/report.json [COMPARE=...]   render a run's evidence again, RTO trend"
	@echo "make docs       build the docs site into .build/docsite/build/html (warnings are errors)"
	@echo "make lab-up / lab-down / lab-status / bench / sanity / scripts"

deps: .build/apt.stamp

.build/apt.stamp: Makefile
	@mkdir -p .build
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "installing $$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi
	@touch $@

venv: $(VENV)/.stamp

$(VENV)/.stamp: requirements.txt requirements-dev.txt .build/apt.stamp
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

collection: venv
	@mkdir -p .build/collections/ansible_collections/vmdr
	@ln -sfn $(ROOT) .build/collections/ansible_collections/vmdr/replication

lab-up: deps venv collection
	$(PY) -m lab.labctl up --run-dir $(RUN_DIR)
	$(PY) -m lab.plan --run-dir $(RUN_DIR)

lab-down: venv
	$(PY) -m lab.labctl down --run-dir $(RUN_DIR)

lab-status: venv
	$(PY) -m lab.labctl status --run-dir $(RUN_DIR)

drill: lab-up
	@for plan in plan.yml plan-hyperv.yml plan-mixed.yml plan-hyperv-kerberos.yml; do \
	  KRB5_CONFIG=$(RUN_DIR)/kdc/krb5.conf ansible-playbook playbooks/drill.yml -i $(RUN_DIR)/inventory.yml -e @$(RUN_DIR)/secrets.yml \
	    -e vmdr_plan_file=$(RUN_DIR)/$$plan -e vmdr_report_dir=$(ROOT)/reports || exit 1; \
	  echo "Drill evidence ($$plan): $$(ls -td $(ROOT)/reports/*/ | head -1)report.html (report.json, junit.xml)"; \
	done

# make report REPORT=reports/<run>/report.json [COMPARE="reports/<older>/report.json ..."] [DEST=folder]
report: venv collection
	@test -n "$(REPORT)" || { echo "usage: make report REPORT=reports/<run>/report.json [COMPARE=\"older/report.json ...\"]"; exit 2; }
	ansible-playbook playbooks/report.yml -e vmdr_report=$(abspath $(REPORT)) \
	  -e '{"vmdr_compare": [$(foreach f,$(COMPARE),"$(abspath $(f))",)""]}' $(if $(DEST),-e vmdr_report_dest=$(abspath $(DEST)))

test: deps venv collection awx-collection units lab-tests contract integration release molecule sanity

units: venv collection
	$(PY) -m pytest tests/unit -q

lab-tests: deps venv collection
	$(PY) -m pytest tests/lab -q

# every scenario of tests/contract/scenarios.py on every provider, each against a private lab
contract: deps venv collection
	$(PY) -m pytest tests/contract -q

integration: deps venv collection
	$(PY) -m pytest tests/integration -q

# the built tarball, installed; the execution environment context; the docs site; ansible-lint (production profile)
release: deps venv collection awx-collection
	$(PY) -m pytest tests/release -q

molecule: deps venv collection
	molecule test -s replication

# ansible-test sanity, empty ignore list, on every ansible-core version galaxy claims (meta/runtime.yml): each with
# a Python it supports found on PATH; a version with none is reported as skipped (SANITY_CORES="2.19" for one)
sanity: venv
	bash tests/sanity/run.sh $(foreach c,$(SANITY_CORES),--core $(c))

docs: venv collection
	$(PY) docs/docsite/build_site.py --dest $(ROOT)/.build/docsite

# awx.awx, taken from the `ansible` wheel on PyPI (Galaxy is not needed): examples/awx and its tests use it
awx-collection: venv
	$(PY) examples/awx/install_awx_collection.py --dest $(ROOT)/.build/awx-collections

# the Hyper-V PowerShell: writes one module per powershell/*.ps1 in plugins/module_utils/providers/hyperv/steps/
# and their index scripts.py (CHECK=1: only say which are stale)
scripts: venv
	$(PY) tools/gen_hyperv_scripts.py $(if $(CHECK),--check)

bench: deps venv collection
	$(PY) bench/run.py
	$(PY) bench/hyperv.py --vms 200 --latency-ms 200

clean: lab-down
	rm -rf .build reports
