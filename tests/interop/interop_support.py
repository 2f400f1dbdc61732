"""Helpers shared by the interop tests: where the build is, free loopback ports, moto.

Imported by conftest.py (the `moto_endpoint` fixture) and by test modules that run
our C++ test binaries or the CLI against a peer.
"""

import contextlib
import os
import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def build_dir() -> Path:
    """$S3ML_BUILD_DIR, else the build tree holding $S3ML_BIN (<build>/tools/s3ml/s3ml, as the
    Makefile passes it), else <repo>/build."""
    if os.environ.get("S3ML_BUILD_DIR"):
        return Path(os.environ["S3ML_BUILD_DIR"])
    if os.environ.get("S3ML_BIN"):
        return Path(os.environ["S3ML_BIN"]).resolve().parents[2]
    return REPO / "build"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def moto_server():
    """moto's ThreadedMotoServer on a free 127.0.0.1 port; yields its endpoint URL, stops on exit."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
