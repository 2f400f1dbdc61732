"""Interrupting the `s3ml` CLI (SIGINT, SIGTERM) loses nothing and leaves nothing behind.

A real `s3ml` process moves data to and from `s3ml serve` through a throttling loopback
proxy (so the transfer is still running when the signal arrives, on any machine); the
test sends it real signals and checks, through boto3 against the same server, that no
multipart upload stays open, no object appears half-written and no temporary file is
left in the destination folder; the CLI ends its progress line, prints
`cancelled: interrupted` and exits 130.
"""

import os
import pathlib
import signal
import subprocess
import sys
import time
import uuid

import pytest

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
from throttle_proxy import silent_listener, throttle_proxy  # noqa: E402

WAIT = 30  # seconds: the longest any step below may take


def cli_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY, AWS_REGION=MOCK_REGION,
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
               AWS_EC2_METADATA_DISABLED="true")
    return env


def start(endpoint, *args):
    return subprocess.Popen([S3ML_BIN, "--endpoint-url", endpoint, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env())


def wait_until(pred, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def interrupt(proc, sig):
    """Sends `sig`; returns (exit code, stderr, seconds from the signal to the exit)."""
    t0 = time.monotonic()
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=10)
        pytest.fail(f"s3ml did not exit within {WAIT}s of {sig!r}")
    return proc.returncode, err, time.monotonic() - t0


@pytest.fixture
def slow(s3ml_serve):
    with throttle_proxy("127.0.0.1", s3ml_serve.port, rate=1 << 20) as proxy:
        yield proxy


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_upload_aborts_its_multipart_upload_and_exits_130(tmp_path, mock_s3, mock_bucket, slow, sig):
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(1 << 20) * 48)  # 48 MiB: 6 parts of 8 MiB, at 1 MiB/s per connection through the proxy
    proc = start(slow.endpoint, "cp", "--multipart-threshold", "8MiB", str(src), f"s3://{mock_bucket}/big.bin")
    wait_until(lambda: mock_s3.list_multipart_uploads(Bucket=mock_bucket).get("Uploads") or proc.poll() is not None,
               "the multipart upload to start")
    assert proc.poll() is None, "the upload finished before it could be interrupted"
    time.sleep(0.3)  # parts in flight
    code, err, took = interrupt(proc, sig)
    assert code == 130, err
    assert err.strip().splitlines()[-1].endswith("cancelled: interrupted"), err
    assert took < 10, f"took {took:.1f}s to stop"
    assert mock_s3.list_multipart_uploads(Bucket=mock_bucket).get("Uploads", []) == []
    assert mock_s3.list_objects_v2(Bucket=mock_bucket).get("KeyCount") == 0


@pytest.mark.parametrize("threshold", ["64MiB", "8MiB"], ids=["one-GET", "ranged-parts"])
def test_interrupted_download_removes_its_temporary_file(tmp_path, mock_s3, mock_bucket, slow, threshold):
    mock_s3.put_object(Bucket=mock_bucket, Key="big.bin", Body=os.urandom(1 << 20) * 40)
    dest = tmp_path / "out"
    dest.mkdir()
    proc = start(slow.endpoint, "cp", "--multipart-threshold", threshold, f"s3://{mock_bucket}/big.bin",
                 str(dest / "big.bin"))
    wait_until(lambda: any(dest.iterdir()) or proc.poll() is not None, "the temporary file to appear")
    assert proc.poll() is None, "the download finished before it could be interrupted"
    code, err, took = interrupt(proc, signal.SIGINT)
    assert code == 130, err
    assert "cancelled: interrupted" in err
    assert took < 10
    assert list(dest.iterdir()) == [], f"left behind: {[p.name for p in dest.iterdir()]}"


def test_interrupted_concurrent_recursive_copies_leave_no_file_and_no_upload(tmp_path, mock_s3, mock_bucket, slow):
    # Four objects at once, each above the multipart threshold: after Ctrl-C every worker
    # stops, no temporary file stays, no multipart upload stays open, and it exits 130.
    for i in range(6):
        mock_s3.put_object(Bucket=mock_bucket, Key=f"tree/obj{i}.bin", Body=os.urandom(1 << 20) * 12)
    dest = tmp_path / "out"
    proc = start(slow.endpoint, "cp", "--recursive", "--concurrency", "4", "--multipart-threshold", "8MiB",
                 f"s3://{mock_bucket}/tree", str(dest))
    wait_until(lambda: (dest.exists() and sum(1 for _ in dest.iterdir()) >= 2) or proc.poll() is not None,
               "downloads to start")
    assert proc.poll() is None, "the copy finished before it could be interrupted"
    code, err, took = interrupt(proc, signal.SIGINT)
    assert code == 130, err
    assert took < 10, f"took {took:.1f}s to stop"
    assert [p.name for p in dest.rglob("*") if p.is_file()] == []

    src = tmp_path / "src"
    src.mkdir()
    for i in range(6):
        (src / f"f{i}.bin").write_bytes(os.urandom(1 << 20) * 12)
    proc = start(slow.endpoint, "cp", "--recursive", "--concurrency", "4", "--multipart-threshold", "8MiB",
                 str(src), f"s3://{mock_bucket}/up")
    wait_until(lambda: len(mock_s3.list_multipart_uploads(Bucket=mock_bucket).get("Uploads", [])) >= 2
               or proc.poll() is not None, "uploads to start")
    assert proc.poll() is None, "the upload finished before it could be interrupted"
    code, err, took = interrupt(proc, signal.SIGINT)
    assert code == 130, err
    assert took < 10, f"took {took:.1f}s to stop"
    assert mock_s3.list_multipart_uploads(Bucket=mock_bucket).get("Uploads", []) == []
    assert mock_s3.list_objects_v2(Bucket=mock_bucket, Prefix="up/").get("KeyCount") == 0


def test_interrupt_stops_a_request_to_a_server_that_never_answers():
    with silent_listener() as port:
        proc = start(f"http://127.0.0.1:{port}", "ls", "s3://some-bucket")
        time.sleep(0.5)
        assert proc.poll() is None
        code, err, took = interrupt(proc, signal.SIGINT)
    assert code == 130, err
    assert "cancelled: interrupted" in err
    assert took < 2, f"took {took:.1f}s to stop"


def test_a_second_signal_exits_at_once(tmp_path, mock_s3, mock_bucket, slow):
    mock_s3.put_object(Bucket=mock_bucket, Key="big.bin", Body=os.urandom(1 << 20) * 40)
    dest = tmp_path / "out.bin"
    proc = start(slow.endpoint, "cp", f"s3://{mock_bucket}/big.bin", str(dest))
    wait_until(lambda: any(tmp_path.iterdir()) or proc.poll() is not None, "the download to start")
    proc.send_signal(signal.SIGINT)
    code, _, took = interrupt(proc, signal.SIGINT)
    assert code == 130
    assert took < 2


def test_an_uninterrupted_copy_through_the_same_path_succeeds(tmp_path, mock_s3, mock_bucket, s3ml_serve):
    """The control: the same commands without a signal complete byte for byte."""
    src = tmp_path / "f.bin"
    data = os.urandom(20 << 20)
    src.write_bytes(data)
    key = f"k-{uuid.uuid4().hex[:8]}"
    up = subprocess.run([S3ML_BIN, "--endpoint-url", s3ml_serve.url, "cp", str(src), f"s3://{mock_bucket}/{key}"],
                        capture_output=True, text=True, env=cli_env(), timeout=WAIT)
    assert up.returncode == 0, up.stderr
    down = subprocess.run([S3ML_BIN, "--endpoint-url", s3ml_serve.url, "cp", f"s3://{mock_bucket}/{key}",
                           str(tmp_path / "back.bin")], capture_output=True, text=True, env=cli_env(), timeout=WAIT)
    assert down.returncode == 0, down.stderr
    assert (tmp_path / "back.bin").read_bytes() == data
