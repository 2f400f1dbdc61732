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
  libcli11-dev libarchive-dev nlohmann-json3-dev libbenchmark-dev zlib1g-dev curl time

.PHONY: all deps pydeps configure build test demo install clean

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

test: build pydeps
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300
	@S3ML_BIN=$(CURDIR)/$(BUILD_DIR)/tools/s3ml/s3ml $(PYTHON) -m pytest -q tests/interop

demo: build
	@$(BUILD_DIR)/tools/s3ml/s3ml demo

install: build
	@cmake --install $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
