#!/usr/bin/env bash
# `make package-check`: builds the Conan 2 package of this checkout and runs its
# test_package, offline. (The CMake config package and the pkg-config files are checked
# by ctest's package_consumer test, tests/package.)
#
#   1. a venv with Conan 2 from PyPI (build-conan/venv, made once);
#   2. a fresh CONAN_HOME (build-conan/home) every run: `--build=missing` would otherwise
#      reuse a binary cached by an earlier run and test nothing new;
#   3. no remote: conancenter is removed, and the requirements resolve to the wrapper
#      recipes of packaging/conan/system/, which describe Debian's packages;
#   4. `conan create . --build=missing -tf packaging/conan/test_package`, which builds
#      s3ml, packages it, then builds and runs the consumer (mock server + put/get).
#
# Extra arguments go to `conan create`, e.g. `check.sh -o 's3ml/*:with_cli=True'`.
# Environment: S3ML_CONAN_DIR (default build-conan), S3ML_CONAN_VENV (default
# $S3ML_CONAN_DIR/venv), JOBS (default 2), PYTHON (python3, for the venv).
# Needs no stdin; the full Conan output is in $S3ML_CONAN_DIR/create.log.
set -euo pipefail

start=$SECONDS
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${S3ML_CONAN_DIR:-$root/build-conan}
mkdir -p "$work"
work=$(cd "$work" && pwd)
venv=${S3ML_CONAN_VENV:-$work/venv}
log=$work/create.log
jobs=${JOBS:-2}
python=${PYTHON:-python3}
export CONAN_HOME=$work/home

took() { echo "package-check: took $((SECONDS - start)) s"; }
fail() {
  echo "package-check: FAILED: $*" >&2
  took >&2
  exit 1
}
# Runs a step with its output in the log; on failure shows the end of the log.
step() {
  local what=$1
  shift
  echo "package-check: $what"
  { echo "+ $*"; } >>"$log"
  if ! "$@" </dev/null >>"$log" 2>&1; then
    echo "---- last 60 lines of $log ----" >&2
    tail -n 60 "$log" >&2
    fail "$what"
  fi
}

: >"$log"
if ! "$venv/bin/conan" --version >/dev/null 2>&1; then
  step "creating $venv with Conan 2 from PyPI" \
    bash -c "rm -rf '$venv' && '$python' -m venv '$venv' && '$venv/bin/pip' install -q 'conan>=2.0,<3'"
fi
conan=$venv/bin/conan
"$conan" --version | grep -q '^Conan version 2\.' || fail "$venv has $("$conan" --version), not Conan 2"

rm -rf "$CONAN_HOME"
mkdir -p "$CONAN_HOME"
cat >"$CONAN_HOME/global.conf" <<EOF
core:non_interactive=True
tools.build:jobs=$jobs
EOF
step "fresh CONAN_HOME $CONAN_HOME, no remote" "$conan" remote remove conancenter
step "detecting the default profile" "$conan" profile detect --force
if command -v ninja >/dev/null; then
  echo "tools.cmake.cmaketoolchain:generator=Ninja" >>"$CONAN_HOME/global.conf"
fi

system=$root/packaging/conan/system
step "exporting the wrappers of Debian's libraries (packaging/conan/system)" \
  "$conan" export "$system/debian_base"
for recipe in "$system"/*/; do
  [ "$(basename "$recipe")" = debian_base ] || step "  exporting $(basename "$recipe")" "$conan" export "$recipe"
done
echo "package-check: local recipes: $("$conan" list '*' 2>/dev/null | sed -n 's/^    \([^ ]*\/[^ ]*\)$/\1/p' | tr '\n' ' ')"

step "conan create . --build=missing -tf packaging/conan/test_package $*" \
  "$conan" create "$root" --build=missing -tf "$root/packaging/conan/test_package" "$@"
grep -E 'package consumer OK|^s3ml python package OK|s3ml CLI --version' "$log" | sed 's/^/package-check: /' || true
grep -q 'package consumer OK' "$log" || fail "test_package did not print its OK line (see $log)"
echo "package-check: OK"
took
