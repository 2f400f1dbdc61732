# Quick start: `make demo` and `make test` do all the set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
BUILD_DIR ?= build
PYTHON ?= $(shell command -v python3)
JOBS ?= $(shell nproc)
# CI builds with -Werror.
ifeq ($(CI),true)
WERROR := ON
else
WERROR ?= OFF
endif

DEB_PACKAGES := build-essential cmake ninja-build pkg-config git \
  libcurl4-openssl-dev libssl-dev libpugixml-dev libfmt-dev catch2 libcpp-httplib-dev \
  libcli11-dev libarchive-dev nlohmann-json3-dev libbenchmark-dev zlib1g-dev curl time \
  python3-venv python3-dev python3-numpy python3-torch

.PHONY: all deps pydeps configure build test demo install clean pyvenv pyinstall pytest-python reliability-docs

all: build

# Installs missing Debian packages (as root), or prints the one line to run.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing: $$missing"; \
	    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing) >/tmp/s3ml-apt.log 2>&1 \
	      || { tail -20 /tmp/s3ml-apt.log; exit 1; }; \
	  else \
	    echo "Missing system packages. Run:"; echo "  sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

# Python peers for the interop tests (boto3, the aws CLI, moto, pytest).
pydeps:
	@$(PYTHON) -c "import boto3, botocore, moto.server, pytest, awscli" 2>/dev/null || \
	  $(PYTHON) -m pip install -q boto3 botocore awscli "moto[server]" pytest

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DS3ML_WERROR=$(WERROR) \
	  -DPython3_EXECUTABLE=$(PYTHON) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build pydeps pyinstall
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300
	@S3ML_BIN=$(CURDIR)/$(BUILD_DIR)/tools/s3ml/s3ml $(PYTHON) -m pytest -q tests/interop
	@$(VENV_PY) -m pytest -q tests/python

# ---- Python package (pyproject.toml: scikit-build-core + pybind11) -------------------------
# The Python tests run in a venv over Debian's python3 so that python3-torch (CPU) and
# python3-numpy are visible (--system-site-packages); the build backend and pytest are
# pip-installed into it once. `pip install .` builds incrementally in build/py/<wheel tag>.
VENV ?= build/venv
VENV_PY := $(VENV)/bin/python
SYSTEM_PYTHON ?= /usr/bin/python3

pyvenv: deps
	@test -x $(VENV_PY) || $(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)
	@$(VENV_PY) -c "import scikit_build_core, pybind11, pytest, build" 2>/dev/null || \
	  $(VENV_PY) -m pip install -q "scikit-build-core>=0.8" "pybind11>=2.10" "pytest>=7" build

pyinstall: pyvenv
	@CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(VENV_PY) -m pip install -q --no-deps --no-build-isolation . \
	  >/tmp/s3ml-pip.log 2>&1 || { tail -40 /tmp/s3ml-pip.log; exit 1; }

pytest-python: pyinstall
	@$(VENV_PY) -m pytest -q tests/python

# Rewrites the fault conformance table of docs/reliability.md from the test that checks it.
reliability-docs: build
	@cd $(BUILD_DIR) && S3ML_UPDATE_DOCS=1 ctest -R fault_matrix --output-on-failure --timeout 900

demo: build
	@$(BUILD_DIR)/tools/s3ml/s3ml demo

install: build
	@cmake --install $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
