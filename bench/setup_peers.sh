#!/usr/bin/env bash
# Installs the peers that bench/peer_bench.py runs s3ml against, from the package
# registries only (no prebuilt downloads), under build/ so nothing leaks into the system:
#   s5cmd             build/bench-tools/bin/s5cmd  (go install, pinned version)
#   s3torchconnector  build/bench-venv              (pip: s3torchconnectorclient)
#   obstore           build/bench-venv              (pip)
#   matplotlib        build/bench-venv              (pip; for --plot)
# The venv sees the system site-packages, so boto3 (and the aws CLI's botocore) come from
# the machine. curl, boto3 and the aws CLI are expected to be installed already.
#
# Idempotent: what is already installed at the right version is left alone. A peer that
# fails to install is reported ("PEER MISSING: <name>: <reason>") and the others are still
# installed; the script exits 1 if anything is missing (peer_bench.py reports it again).
#
# Usage: bash bench/setup_peers.sh   (from anywhere; not part of `make test`)
set -u

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$REPO/build/bench-tools"
VENV="$REPO/build/bench-venv"
S5CMD_VERSION="v2.3.0"
PIP_PACKAGES=(s3torchconnectorclient obstore matplotlib)
missing=0

peer_missing() {  # name, reason
    echo "PEER MISSING: $1: $2" >&2
    missing=1
}

# --- s5cmd -------------------------------------------------------------------------
if "$TOOLS/bin/s5cmd" version 2>/dev/null | grep -q "^${S5CMD_VERSION}"; then
    echo "s5cmd ${S5CMD_VERSION}: already installed"
elif ! command -v go >/dev/null; then
    peer_missing s5cmd "no go toolchain on PATH"
else
    mkdir -p "$TOOLS/bin"
    log="$(mktemp)"
    # The version ldflag is what s5cmd's own Makefile sets (and what the check above reads).
    ldflags="-X=github.com/peak/s5cmd/v2/version.Version=${S5CMD_VERSION} -X=github.com/peak/s5cmd/v2/version.GitCommit=release"
    if GOBIN="$TOOLS/bin" go install -ldflags "$ldflags" "github.com/peak/s5cmd/v2@${S5CMD_VERSION}" >"$log" 2>&1; then
        echo "s5cmd ${S5CMD_VERSION}: installed into $TOOLS/bin (go install)"
    # `go install m@v` also asks the proxy for the module's version list (to warn about
    # deprecation), which a proxy that serves only exact versions refuses (403). Then:
    # fetch that exact version into the module cache and build it there, its own go.sum
    # pinning every dependency (-mod=mod: the zip's vendor/ holds only modules.txt).
    elif dir="$(go mod download -json "github.com/peak/s5cmd/v2@${S5CMD_VERSION}" 2>>"$log" |
                sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" && [ -n "$dir" ] &&
         (cd "$dir" && go build -mod=mod -trimpath -ldflags "$ldflags" -o "$TOOLS/bin/s5cmd" .) >>"$log" 2>&1; then
        echo "s5cmd ${S5CMD_VERSION}: built into $TOOLS/bin (go install was refused: $(grep -m1 -o '[0-9]\{3\} [A-Za-z ]*' "$log"))"
    else
        peer_missing s5cmd "go install / go build failed: $(tail -n 3 "$log" | tr '\n' ' ')"
    fi
    rm -f "$log"
fi

# --- Python peers ------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv --system-site-packages "$VENV" || peer_missing bench-venv "python3 -m venv failed"
fi
if [ -x "$VENV/bin/python" ]; then
    for pkg in "${PIP_PACKAGES[@]}"; do
        # Installed already (pip show succeeds): leave it (no network round trip).
        if "$VENV/bin/python" -m pip show -q "$pkg" >/dev/null 2>&1; then
            echo "$pkg: already installed"
            continue
        fi
        log="$(mktemp)"
        if "$VENV/bin/python" -m pip install -q "$pkg" >"$log" 2>&1; then
            echo "$pkg: installed into $VENV"
        else
            peer_missing "$pkg" "pip install failed: $(grep -m1 -E 'ERROR|error' "$log" || tail -n 1 "$log")"
        fi
        rm -f "$log"
    done
fi

# --- peers expected on the machine -------------------------------------------------
command -v curl >/dev/null || peer_missing curl "not on PATH (apt-get install curl)"
command -v aws >/dev/null || peer_missing aws "aws CLI not on PATH (pip install awscli)"
python3 -c "import boto3" 2>/dev/null || peer_missing boto3 "python3 cannot import boto3 (apt-get install python3-boto3)"

exit "$missing"
