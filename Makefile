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
  python3-venv python3-dev python3-numpy python3-torch \
  clang-14 libclang-rt-14-dev llvm-14

.PHONY: all deps pydeps configure build test demo install clean pyvenv pyinstall pytest-python \
  sanitize tsan fuzz-build fuzz fuzz-smoke reliability-docs pyvenv-torch2 pyinstall-torch2 pytest-torch2

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

test: build pydeps pyinstall pyinstall-torch2 fuzz-smoke
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300
	@S3ML_BIN=$(CURDIR)/$(BUILD_DIR)/tools/s3ml/s3ml $(PYTHON) -m pytest -q tests/interop
	@$(VENV_TORCH2_PY) -m pytest -q tests/python
	@$(VENV_PY) -m pytest -q $(TORCH113_TESTS)

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
	@$(MAKE) -s $(VENV)/.test-requirements

# The test dependencies from PyPI (fsspec, pyarrow, pandas, mypy, ...), again when the list changes;
# s3torchconnector without its dependencies (they would replace Debian's torch) for test_compat.py.
$(VENV)/.test-requirements: tests/python/requirements.txt
	@$(VENV_PY) -m pip install -q -r $< "numpy<2" && \
	  $(VENV_PY) -m pip install -q --no-deps "s3torchconnector==1.5.0" "s3torchconnectorclient==1.5.0" && touch $@

pyinstall: pyvenv
	@CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(VENV_PY) -m pip install -q --no-deps --no-build-isolation . \
	  >/tmp/s3ml-pip.log 2>&1 || { tail -40 /tmp/s3ml-pip.log; exit 1; }

pytest-python: pyinstall
	@$(VENV_PY) -m pytest -q tests/python

# The torch 2.x pass: every Python suite runs on torch and Lightning from PyPI, pinned in
# tests/python/requirements-torch2.txt (plus tests/python/requirements.txt when present),
# in build/venv-torch2 (no system site packages). The venv is re-synced when a requirements
# file changes. The Debian torch 1.13 venv above then runs the torch suites only.
VENV_TORCH2 ?= build/venv-torch2
VENV_TORCH2_PY := $(VENV_TORCH2)/bin/python
TORCH2_REQS := tests/python/requirements-torch2.txt $(wildcard tests/python/requirements.txt)
TORCH113_TESTS ?= $(wildcard tests/python/test_torch_*.py) tests/python/test_docs_blocks.py

pyvenv-torch2: deps
	@test -x $(VENV_TORCH2_PY) || $(SYSTEM_PYTHON) -m venv $(VENV_TORCH2)
	@want="$$(cat $(TORCH2_REQS) | sha256sum)"; \
	if [ "$$(cat $(VENV_TORCH2)/.requirements 2>/dev/null)" != "$$want" ]; then \
	  echo "Installing $(TORCH2_REQS) into $(VENV_TORCH2) (torch with its CUDA wheels: about 5.4 GB)"; \
	  $(VENV_TORCH2_PY) -m pip install -q $(addprefix -r ,$(TORCH2_REQS)) >/tmp/s3ml-pip-torch2.log 2>&1 \
	    || { tail -40 /tmp/s3ml-pip-torch2.log; exit 1; }; \
	  echo "$$want" > $(VENV_TORCH2)/.requirements; \
	fi

pyinstall-torch2: pyvenv-torch2
	@CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(VENV_TORCH2_PY) -m pip install -q --no-deps --no-build-isolation . \
	  >/tmp/s3ml-pip-torch2.log 2>&1 || { tail -40 /tmp/s3ml-pip-torch2.log; exit 1; }

pytest-torch2: pyinstall-torch2
	@$(VENV_TORCH2_PY) -m pytest -q tests/python

# Rewrites the fault conformance table of docs/reliability.md from the test that checks it.
reliability-docs: build
	@cd $(BUILD_DIR) && S3ML_UPDATE_DOCS=1 ctest -R fault_matrix --output-on-failure --timeout 900

# ---- libFuzzer harnesses (tests/fuzz, docs/reliability.md "Fuzzing") ---------------------
# The harnesses live in the same clang ASan+UBSan build dir as `make sanitize` (S3ML_FUZZ=ON
# adds coverage instrumentation to the library layers; the ordinary test programs link and
# run there too), so CI compiles the sanitized tree once. `make fuzz` runs every harness
# FUZZ_SECONDS on a scratch copy of its corpus, two at a time; findings go to
# $(ASAN_BUILD_DIR)/fuzz/artifacts/<harness>/ and fail the target. `make test` runs
# `fuzz-smoke` (20 s each) so the harnesses keep building and stay clean.
FUZZ_BUILD_DIR ?= $(ASAN_BUILD_DIR)
FUZZ_SECONDS ?= 60
FUZZ_PARALLEL ?= 2

fuzz-build: deps
	$(call san_build,$(FUZZ_BUILD_DIR),$(ASAN_SANITIZE),--target fuzzers,-DS3ML_FUZZ=ON)

fuzz: fuzz-build
	@LSAN_OPTIONS=suppressions=$(SAN_SUPP)/lsan.supp:print_suppressions=0 ASAN_SYMBOLIZER_PATH=$(SAN_SYMBOLIZER) \
	  tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_PARALLEL)

fuzz-smoke: FUZZ_SECONDS = 20
fuzz-smoke: fuzz

demo: build
	@$(BUILD_DIR)/tools/s3ml/s3ml demo

install: build
	@cmake --install $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR)

# ---- Conan package (packaging/conan, README "Install") -----------------------------------
# `make package-check`: `conan create` of this checkout plus its test_package (a CMake
# consumer of s3ml::s3ml and s3ml::mock doing a put/get against the in-process mock),
# offline: Conan 2 from PyPI in build-conan/venv, a fresh CONAN_HOME in build-conan/home
# every run, and Debian's libraries described by packaging/conan/system/ instead of
# ConanCenter. About 4 minutes on an idle 2-core machine (7-14 under load), nearly all
# of it compiling s3ml; not part of `make test`.
# The installed CMake config package and the pkg-config files are checked by ctest's
# package_consumer test (tests/package), which `make test` runs.
.PHONY: package-check
package-check: deps
	@JOBS=$(JOBS) bash packaging/conan/check.sh

# ---- Sanitizers (docs/reliability.md, "Sanitizers") ---------------------------------------
# `make sanitize`: the whole tree built by clang-14 with AddressSanitizer + UBSan (every target,
# S3ML_SANITIZE in CMakeLists.txt), then the WHOLE ctest suite. `make tsan`: ThreadSanitizer,
# the concurrency-heavy test programs only. Any report fails the run (-fno-sanitize-recover=all,
# halt_on_error); leaks are reported at exit. -O1 with line tables: about half the compile time
# of -O2 -g, and the stacks still name file:line.
SAN_CC ?= clang-14
SAN_CXX ?= clang++-14
SAN_SYMBOLIZER ?= $(shell command -v llvm-symbolizer-14 || command -v llvm-symbolizer)
SAN_OPT_FLAGS ?= -O1 -gline-tables-only -DNDEBUG
ASAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
ASAN_SANITIZE ?= address,undefined
SAN_SUPP := $(CURDIR)/tests/sanitizers
SAN_ENV := ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:print_summary=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:report_error_type=1 \
  LSAN_OPTIONS=suppressions=$(SAN_SUPP)/lsan.supp:print_suppressions=0 \
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$(SAN_SUPP)/tsan.supp:print_suppressions=0 \
  ASAN_SYMBOLIZER_PATH=$(SAN_SYMBOLIZER) TSAN_SYMBOLIZER_PATH=$(SAN_SYMBOLIZER)
# Test programs `make tsan` builds and runs (ctest -R on the "<program>:" prefix of their test names).
TSAN_TESTS ?= unit_transport unit_mock unit_dataset integration_client integration_cancel integration_checkpoint \
  integration_integrity
san_space := $(subst ,, )
# configure-and-build of one sanitizer tree: $(1) build dir, $(2) -fsanitize= list, $(3) targets,
# $(4) extra CMake options.
define san_build
	@cmake -S . -B $(1) -G Ninja -DCMAKE_C_COMPILER=$(SAN_CC) -DCMAKE_CXX_COMPILER=$(SAN_CXX) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$(SAN_OPT_FLAGS)" \
	  -DS3ML_SANITIZE=$(2) -DS3ML_WERROR=ON -DPython3_EXECUTABLE=$(PYTHON) $(4) >/dev/null
	@cmake --build $(1) -j $(JOBS) $(3)
endef

sanitize: deps
	$(call san_build,$(ASAN_BUILD_DIR),$(ASAN_SANITIZE),,-DS3ML_FUZZ=ON)
	@cd $(ASAN_BUILD_DIR) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) --timeout 600

tsan: deps
	$(call san_build,$(TSAN_BUILD_DIR),thread,--target $(TSAN_TESTS))
	@cd $(TSAN_BUILD_DIR) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) --timeout 600 \
	  -R '^($(subst $(san_space),|,$(strip $(TSAN_TESTS)))):'
