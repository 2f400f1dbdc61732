"""Fixtures for interop tests against `s3ml serve` (the mock S3 server run as a process).

The binary comes from $S3ML_BIN (default <repo>/build/tools/s3ml/s3ml). The server
listens on 127.0.0.1, port 0 (it prints its endpoint URL as its only stdout line),
and is stopped with SIGTERM at the end of the session; the fixture asserts that it
exited 0. Every wait is bounded, so nothing here can hang.
"""

import os
import pathlib
import signal
import socket
import subprocess
import threading
import uuid

import boto3
import pytest
from botocore.config import Config

REPO = pathlib.Path(__file__).resolve().parents[2]
S3ML_BIN = os.environ.get("S3ML_BIN", str(REPO / "build" / "tools" / "s3ml" / "s3ml"))

MOCK_ACCESS_KEY = "AKIAINTEROPMOCK00001"
MOCK_SECRET_KEY = "interop/mock+secret=key"
MOCK_REGION = "us-east-1"
START_TIMEOUT = 20  # seconds for the server to print its URL
STOP_TIMEOUT = 20  # seconds for the server to exit after SIGTERM


class MockServe:
    """One `s3ml serve` process; `url` is the endpoint it printed."""

    def __init__(self, *extra_args):
        self.proc = subprocess.Popen(
            [S3ML_BIN, "serve", "--host", "127.0.0.1", "--port", "0",
             "--access-key", MOCK_ACCESS_KEY, "--secret-key", MOCK_SECRET_KEY,
             "--region", MOCK_REGION, *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        if not line or not line[0].startswith("http://"):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=STOP_TIMEOUT)
            raise RuntimeError(f"`s3ml serve` did not print its endpoint URL within {START_TIMEOUT}s "
                               f"(stdout line {line!r}); stderr:\n{err}")
        self.url = line[0].strip()
        self.port = int(self.url.rsplit(":", 1)[1])
        # Drain stderr so the pipe never fills while the server runs.
        self.stderr_lines = []
        self._stderr_reader = threading.Thread(
            target=lambda: self.stderr_lines.extend(self.proc.stderr), daemon=True)
        self._stderr_reader.start()

    def stop(self):
        """SIGTERM, then the exit code (killing the process if it does not exit in time)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
            raise AssertionError(f"`s3ml serve` did not exit within {STOP_TIMEOUT}s of SIGTERM")
        self._stderr_reader.join(5)
        return code


def _require_binary():
    if not (os.path.isfile(S3ML_BIN) and os.access(S3ML_BIN, os.X_OK)):
        pytest.skip(f"SKIPPED LOUDLY: the s3ml binary is missing at {S3ML_BIN} - build it "
                    f"(cmake --build <dir> --target s3ml_cli) or set S3ML_BIN; "
                    f"the boto3/aws CLI interop tests against `s3ml serve` did not run")


@pytest.fixture(scope="session")
def s3ml_serve():
    """A running `s3ml serve`; asserts a clean exit (code 0) on SIGTERM at teardown."""
    _require_binary()
    server = MockServe()
    yield server
    code = server.stop()
    assert code == 0, f"`s3ml serve` exited {code} on SIGTERM; stderr:\n{''.join(server.stderr_lines)}"


def make_boto3_client(endpoint, addressing_style="path", access_key=MOCK_ACCESS_KEY,
                      secret_key=MOCK_SECRET_KEY, **config):
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=MOCK_REGION,
        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": addressing_style}, connect_timeout=5, read_timeout=60,
                      retries={"max_attempts": 1, "mode": "standard"}, **config))


@pytest.fixture(scope="session")
def mock_s3(s3ml_serve):
    """boto3 client, path-style addressing, the server's credentials."""
    return make_boto3_client(s3ml_serve.url)


_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo_with_localhost_subdomains(host, *args, **kwargs):
    # <bucket>.localhost is loopback (RFC 6761) but this machine's resolver does
    # not know it; resolve it here, in this test process only.
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(scope="session")
def mock_s3_virtual(s3ml_serve):
    """boto3 client with virtual-hosted addressing: requests go to <bucket>.localhost:<port>."""
    socket.getaddrinfo = _getaddrinfo_with_localhost_subdomains
    try:
        yield make_boto3_client(f"http://localhost:{s3ml_serve.port}", addressing_style="virtual")
    finally:
        socket.getaddrinfo = _real_getaddrinfo


def _empty_and_delete(client, bucket):
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def mock_bucket(mock_s3):
    """A fresh bucket (unique name), emptied and deleted afterwards."""
    name = f"interop-{uuid.uuid4().hex[:16]}"
    mock_s3.create_bucket(Bucket=name)
    yield name
    _empty_and_delete(mock_s3, name)


@pytest.fixture(scope="module")
def moto_endpoint():
    """moto's ThreadedMotoServer on a free loopback port (one per test module)."""
    pytest.importorskip("moto.server")
    from interop_support import moto_server

    with moto_server() as endpoint:
        yield endpoint
