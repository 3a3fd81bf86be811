# Two commands on a fresh machine: `make run` (whole stack) and `make test` (every test).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
ALLO := $(VENV)/bin/allo
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: all run stop call test check lint types imports setup venv sysdeps test-unit test-integration test-e2e test-faults test-ha clean bench bench-quick
.PHONY: run-cluster test-cluster

all: test

venv: $(STAMP)

$(STAMP): pyproject.toml
	@echo "[allo] Python environment in $(VENV) (project installed editable with dev tools)"
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

sysdeps:
	@bash scripts/system-deps.sh

setup: venv sysdeps
	@$(ALLO) setup

run: venv sysdeps
	@$(ALLO) run

# The two-node topology of docs/scaling.md on this machine (Kamailio, two Asterisk, two allo, PostgreSQL);
# `make stop` stops it too. `make run` stays the single node.
run-cluster: venv sysdeps
	@$(ALLO) run-cluster

stop: venv
	@$(ALLO) stop

call: venv
	@$(ALLO) call

lint: venv
	$(VENV)/bin/ruff check .

types: venv
	$(VENV)/bin/mypy

# Import contracts (pyproject.toml [tool.importlinter], docs/architecture.md): the layers and the no-cycle rule.
imports: venv
	$(VENV)/bin/lint-imports --no-cache

check: lint types imports

test-unit: venv
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-integration: venv sysdeps
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

test-e2e: venv sysdeps
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

# Fixtures set up their own PostgreSQL cluster, Asterisk instance and `allo serve` on free ports.
test: venv sysdeps check
	$(PY) -m pytest tests/unit tests/integration tests/e2e $(PYTEST_ARGS)

# Faults under load and attacks with figures (issue 7): docs/reliability.md is rendered at the end.
test-faults: venv sysdeps
	$(PY) -m pytest tests/faults $(PYTEST_ARGS)

# The database's primary killed under a write load (issue 21): pg_auto_failover promotes the standby, allo writes
# on, nothing acknowledged is lost; ~1.5 min, so `.ci/run` runs it; docs/reliability.md is rendered at the end.
test-ha: venv sysdeps
	$(PY) -m pytest tests/ha $(PYTEST_ARGS)

# Two nodes behind Kamailio (issue 21, docs/scaling.md): the SIP path, failover under a SIPp load with figures in
# docs/reliability.md, the acceptance call. One cluster for the session; under 10 min.
# `make run-cluster`'s own test binds its fixed addresses (Kamailio on 127.0.0.1:5060...): it runs in a network
# namespace of its own when the machine allows one (root), so a `make run` or another stack left on this machine
# cannot clash with it; elsewhere it runs as it is and names any fixed port already taken.
RUN_CLUSTER_TEST = tests/cluster/test_run_cluster.py
test-cluster: venv sysdeps
	@if unshare --net true 2>/dev/null; then \
		unshare --net -- sh -c 'ip link set lo up && exec $(PY) -m pytest $(RUN_CLUSTER_TEST) $(PYTEST_ARGS)'; \
	else $(PY) -m pytest $(RUN_CLUSTER_TEST) $(PYTEST_ARGS); fi
	$(PY) -m pytest tests/cluster --ignore=$(RUN_CLUSTER_TEST) $(PYTEST_ARGS)

# Benchmarks (issues 6 and 17; not part of `test`): their own stack in .state-bench/ on free ports, then
# bench/results/<UTC>.json and docs/benchmarks.md. Full run < 30 min; quick (sections 1 and 3 reduced) < 5 min.
# One section: BENCH_ARGS="--sections knowledge --carry bench/results/<earlier full run>.json" keeps the others'
# figures in the report; `--quick --sections knowledge` is its small variant (1,000 sheets, 10,000 bodies, ~1 min).
# The desk's screen-pop (issue 18): `--sections desk` (~3 min; `--quick`: 30 desks, 5 phones, < 1 min).
# Planning (issue 20): `--sections planning` (a generated year, the week plan and the forecast's error; ~5 s after
# the stack's ~15 s set-up; `--quick`: the same rows with a tenth of the calls).
# One node behind Kamailio (issue 21): `--sections cluster`, only when named (the journey straight and through the
# proxy at rising rates, ~3 min; `--quick` ~1.2 min); its figures feed `allo cluster size --bench <results JSON>`.
BENCH_ARGS ?=
bench: venv sysdeps
	$(PY) -m bench $(BENCH_ARGS)

bench-quick: venv sysdeps
	$(PY) -m bench --quick $(BENCH_ARGS)

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache
