# ngha: the two commands a new user needs are `make demo` and `make test` (as root on
# Debian 12). Both install what they need: Debian packages with apt-get, Python packages
# into .venv.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
NGHA := $(VENV)/bin/ngha
OUT ?= out
# apt's and pip's chatter goes here, not to the terminal (root can write /var/log).
INSTALL_LOG ?= $(if $(filter 0,$(shell id -u)),/var/log/ngha/install.log,$(CURDIR)/.install.log)
export NGHA_INSTALL_LOG := $(INSTALL_LOG)
# The real checkers the tests run (crm_verify, crm_simulate, cibadmin, pcs, haproxy -c,
# systemd-analyze, dot), what building the virtualenv needs, the oslo libraries the
# probe service's tests run it with (/usr/bin/python3, as on the nodes), and the browser
# the chaos report's test opens the report in (headless).
DEB_TOOLS := pacemaker-cli-utils pcs resource-agents corosync haproxy graphviz systemd iproute2 \
             python3-venv python3-pip python3-oslo.db python3-oslo.messaging python3-pymysql \
             chromium

.PHONY: all deps venv bytecode test test-unit demo chaos bench clean golden docs

all: test

deps:
	@bash scripts/apt-install.sh $(DEB_TOOLS)

$(VENV)/.installed: pyproject.toml
	@mkdir -p $(dir $(INSTALL_LOG))
	@echo "installing Python packages into $(VENV) (pip output: $(INSTALL_LOG))"
	@python3 -m venv $(VENV) >>$(INSTALL_LOG) 2>&1
	@$(VENV)/bin/pip install --upgrade pip >>$(INSTALL_LOG) 2>&1 || \
	  { echo "error: pip failed; see $(INSTALL_LOG)" >&2; exit 1; }
	@$(VENV)/bin/pip install -e '.[test]' >>$(INSTALL_LOG) 2>&1 || \
	  { echo "error: pip failed; see $(INSTALL_LOG)" >&2; exit 1; }
	touch $@

# Byte-compiled once, as an installed package would be: every ngha command starts faster
# (PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module at every start).
bytecode: $(VENV)/.installed
	@$(PY) -m compileall -q ngha >>$(INSTALL_LOG) 2>&1

venv: deps $(VENV)/.installed bytecode

# Lab tests need root and the lab's packages; elsewhere they are skipped with a reason.
test: venv
	@if [ "$$(id -u)" = 0 ]; then $(NGHA) lab prepare; fi
	$(PY) -m pytest -q -rs --durations=15 -p no:cacheprovider tests

test-unit: venv
	$(PY) -m pytest -q -rs -p no:cacheprovider -m "not lab" tests

# The main job: the built-in lab booted (3 controllers), the next-gen layout planned and
# applied, and checked through the VIPs; KEEP_LAB=1 leaves the lab running afterwards.
demo: venv
	@bash scripts/demo.sh

# Every failure scenario and the resilience matrix on both layouts, full length (QUICK=1:
# short holds), and the report: $(OUT)/chaos/report.html. With the whole control plane,
# QUICK=1 takes about three hours (the matrix: 4-8 minutes a fault, ten faults a layout).
chaos: venv
	@OUT=$(OUT) QUICK=$(QUICK) bash scripts/chaos.sh

bench: venv
	$(PY) bench/render_bench.py
	$(PY) bench/simulate_bench.py
	@if [ "$$(id -u)" = 0 ]; then $(PY) bench/lab_bench.py && $(PY) bench/apply_bench.py; \
	else echo "lab benches skipped (they need root)"; fi

clean:
	rm -rf $(VENV) $(OUT) *.egg-info

# Rewrite tests/golden/* after an intended change in rendered output; review the diff.
golden: venv
	NGHA_UPDATE_GOLDEN=1 $(PY) -m pytest -q -p no:cacheprovider tests/golden tests/simulate -k "golden"

# Redraw the architecture page's pictures from the reference deployment.
docs: venv
	$(NGHA) render examples/reference-3ctl.yaml -o $(OUT)/reference-nextgen --profile nextgen
	$(NGHA) render examples/reference-3ctl.yaml -o $(OUT)/reference-legacy --profile legacy
	cp $(OUT)/reference-nextgen/graph.svg docs/img/reference-nextgen.svg
	cp $(OUT)/reference-legacy/graph.svg docs/img/reference-legacy.svg
