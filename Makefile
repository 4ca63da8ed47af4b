# Two commands for a fresh machine (README.md): `make demo` and `make test`.

# The Python versions this project runs on, newest first. Keep in step with requires-python
# in pyproject.toml (tests/test_install.py checks that they agree).
PYTHONS := 3.13 3.12 3.11
NEEDED := this project needs Python $(lastword $(PYTHONS)) to $(firstword $(PYTHONS))
IS_SUPPORTED := -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] not in "$(PYTHONS)".split())'
VERSION_OF := -c 'import platform; print(platform.python_version())'

# The interpreter a new venv is built with: the first of python3.13, python3.12, python3.11
# and python3 that runs a supported version. Each is asked, not trusted by its name: python3
# can be any version, and pyenv has a shim for every installed version that runs only the
# active ones. Override with `make PYTHON=...`. Worked out once, and only to build a venv.
PYTHON_GIVEN := $(filter-out undefined,$(origin PYTHON))
ifeq ($(PYTHON_GIVEN),)
first_supported = $(firstword $(foreach p,$(addprefix python,$(PYTHONS)) python3,\
	$(shell $(p) $(IS_SUPPORTED) >/dev/null 2>&1 && echo $(p))))
PYTHON = $(eval PYTHON := $(first_supported))$(PYTHON)
endif

VENV ?= .venv
BIN := $(VENV)/bin
HAVE_VENV := $(shell [ -e $(BIN)/python ] || [ -L $(BIN)/python ] && echo yes)
export SWS_HOME ?= $(CURDIR)/.sws

.PHONY: demo test lint install smoke python clean

# Which Python the venv has or gets, or why none will do. An existing venv is used as it is,
# unless an unsupported Python built it (or the one that did is gone), or PYTHON was given
# and is another version.
python:
ifeq ($(HAVE_VENV),yes)
	@have=$$($(BIN)/python $(VERSION_OF) 2>/dev/null); \
	if ! $(BIN)/python $(IS_SUPPORTED) 2>/dev/null; then \
	    echo "$(VENV) was built with Python $${have:-that no longer runs}; $(NEEDED):" \
	        "rm -rf $(VENV), then make again" >&2; exit 1; \
	fi; \
	want=$(if $(PYTHON_GIVEN),$$($(PYTHON) $(VERSION_OF) 2>/dev/null),$$have); \
	if [ "$${want%.*}" != "$${have%.*}" ]; then \
	    echo "$(VENV) has Python $$have, PYTHON=$(PYTHON) is $${want:-not runnable}:" \
	        "rm -rf $(VENV), or name another venv (make VENV=.venv-$${want%.*} ...)" >&2; exit 1; \
	fi; \
	echo "$(VENV): Python $$have"
else
	@if [ -z "$(PYTHON)" ]; then \
	    echo "No supported Python found (tried $(addprefix python,$(PYTHONS)) python3);" \
	        "$(NEEDED): install one, or make PYTHON=/path/to/python3.x" >&2; exit 1; \
	elif ! $(PYTHON) $(IS_SUPPORTED) 2>/dev/null; then \
	    got=$$($(PYTHON) $(VERSION_OF) 2>/dev/null); \
	    echo "PYTHON=$(PYTHON) $${got:+is Python }$${got:-does not run}; $(NEEDED)" >&2; exit 1; \
	fi; \
	echo "$(VENV): new, with $(PYTHON) (Python $$($(PYTHON) $(VERSION_OF)))"
endif

# requirements.lock: every package's exact version, the same on each supported Python.
$(BIN)/sws: pyproject.toml requirements.lock | python
	$(if $(HAVE_VENV),,$(PYTHON) -m venv $(VENV))
	$(BIN)/pip install --quiet --upgrade pip==26.3
	@# deploy: the PostgreSQL instance of the regional deployment, tested by make test
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev,deploy]'
	touch $@

install: $(BIN)/sws

# Sample returns for the five Trusts and REGION -> contracts -> warehouse -> outcome marts and
# breakdowns -> the submission status -> the ODB extract pack and the Community Planning
# partner pack for the latest sample period -> the cull report. The latest period is told as a
# story (`sws sample --story`): bad rows, a resubmission, a refused one, a late and a missing
# return.
# Each step is recorded in Dagster: `sws ui` shows them done.
DEMO_PERIOD := 2025-26-Q4

demo: install
	$(BIN)/sws sample --story --out $(SWS_HOME)/landing --end-period $(DEMO_PERIOD)
	@# the story's bad rows and refused file make `sws load` exit 1 or 2, as they should
	$(BIN)/sws load || [ $$? -le 2 ]
	$(BIN)/sws status --period $(DEMO_PERIOD)
	$(BIN)/sws extract --period $(DEMO_PERIOD)
	$(BIN)/sws extract --period $(DEMO_PERIOD) --for community-planning
	$(BIN)/sws cull-report

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# the dbt templater compiles against a warehouse: a scratch one, never the real one
	mkdir -p $(SWS_HOME)/lint/work
	SWS_HOME=$(SWS_HOME)/lint $(BIN)/sqlfluff lint dbt_project/models --templater dbt \
		--dialect duckdb --processes 2

# TEST_WORKERS=2: two pytest-xdist workers, each taking a whole test module at a time (its
# module fixtures built once). One process by default until the deployment test passes in
# parallel (tests/test_deploy_postgres.py failed a daemon run in the first parallel run).
TEST_WORKERS ?= 0

test: lint
	$(BIN)/pytest -q --durations=15 -n $(TEST_WORKERS) --dist loadfile

# A few minutes' check of another Python (CI runs it beside `make test`), e.g.
#   make smoke PYTHON=python3.12 VENV=.venv-3.12
# two small sample periods through load and extract, in a home of its own, then the contract
# and disclosure tests. Those are picked by file name, so that test_contracts.py split into
# test_contracts_*.py files or a tests/contracts/ folder is still picked.
SMOKE_HOME ?= $(CURDIR)/.sws-smoke
SMOKE_TESTS = $(wildcard tests/test_contracts*.py tests/contracts tests/test_disclosure*.py)
SMOKE_ENV := env -u SWS_LANDING -u DAGSTER_HOME -u SWS_PSEUDO_KEY SWS_HOME=$(SMOKE_HOME)

smoke: install
	rm -rf $(SMOKE_HOME)
	$(SMOKE_ENV) $(BIN)/sws sample --periods 2 --scale 0.2 --end-period $(DEMO_PERIOD) \
		--out $(SMOKE_HOME)/landing
	$(SMOKE_ENV) $(BIN)/sws load
	$(SMOKE_ENV) $(BIN)/sws extract --period $(DEMO_PERIOD)
	$(BIN)/pytest -q $(or $(SMOKE_TESTS),$(error no contract or disclosure tests found))

clean:
	rm -rf $(SWS_HOME) $(SMOKE_HOME) dbt_project/target dbt_project/logs
