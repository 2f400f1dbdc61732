"""Multipart uploads and the transfer manager against moto (which implements multipart).

The C++ integration tests tagged [multipart] run against the in-process mock in ctest;
this file also starts moto's ThreadedMotoServer on a free loopback port and runs them
against it via S3ML_TEST_ENDPOINT, so a peer we did not write agrees. It also checks `s3ml cp` of a
40 MiB file with --multipart-threshold 8MiB: the object moto stores has a multipart
ETag ("<md5 of part md5s>-<n>") and downloads byte-identical, and boto3 sees no
in-progress upload left behind.

Where moto differs from S3 (and the tests trust S3's documentation):
- GET with ?partNumber=N on a multipart object returns the whole object in moto (its
  code has a TODO there); S3 returns part N. The C++ tests check partNumber with
  HeadObject only, which moto implements.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from interop_support import build_dir  # noqa: E402

MIB = 1024 * 1024


INTEGRATION = build_dir() / "tests" / "integration" / "integration_client"
CLI = Path(os.environ["S3ML_BIN"]) if os.environ.get("S3ML_BIN") else build_dir() / "tools" / "s3ml" / "s3ml"


@pytest.fixture()
def s3(moto_endpoint):
    boto3 = pytest.importorskip("boto3")
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _env(endpoint: str) -> dict:
    env = dict(os.environ)
    env.update(
        S3ML_TEST_ENDPOINT=endpoint,
        S3ML_TEST_ACCESS_KEY="testing",
        S3ML_TEST_SECRET_KEY="testing",
        S3ML_TEST_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.pop("AWS_PROFILE", None)
    return env


def _multipart_etag(data: bytes, part_size: int) -> str:
    digests = b"".join(hashlib.md5(data[i : i + part_size]).digest() for i in range(0, len(data), part_size))
    n = (len(data) + part_size - 1) // part_size
    return f'"{hashlib.md5(digests).hexdigest()}-{n}"'


def test_multipart_client_tests_pass_against_moto(moto_endpoint):
    """Every [multipart] integration test runs (none skipped) and passes against moto."""
    if not INTEGRATION.exists():
        pytest.fail(f"integration binary not built: {INTEGRATION} (build target integration_client)")
    proc = subprocess.run(
        [str(INTEGRATION), "[multipart]", "--reporter", "console", "--durations", "no"],
        env=_env(moto_endpoint),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"integration_client [multipart] failed against moto:\n{output}"
    assert "skipped" not in output, f"multipart tests were skipped against moto:\n{output}"
    summary = [line for line in output.splitlines() if "All tests passed" in line][-1]
    cases = int(summary.split(" in ")[1].split()[0])
    assert cases >= 9, f"too few [multipart] test cases ran: {summary}"


def test_cli_cp_uses_multipart_above_threshold(moto_endpoint, s3, tmp_path):
    """`s3ml cp` of 40 MiB with --multipart-threshold 8MiB stores a multipart object and
    downloads it back byte-identical; nothing is left in progress."""
    if not CLI.exists():
        pytest.fail(f"CLI not built: {CLI}")
    bucket = "s3ml-cli-multipart"
    s3.create_bucket(Bucket=bucket)
    data = os.urandom(40 * MIB)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    env = _env(moto_endpoint)
    base = [str(CLI), "--endpoint-url", moto_endpoint]

    up = subprocess.run(
        base + ["cp", str(src), f"s3://{bucket}/big.bin", "--multipart-threshold", "8MiB"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert up.returncode == 0, up.stdout + up.stderr
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    # The part size defaults to 8 MiB: 5 parts.
    assert head["ETag"] == _multipart_etag(data, 8 * MIB), head["ETag"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    dst = tmp_path / "back.bin"
    down = subprocess.run(
        base + ["cp", f"s3://{bucket}/big.bin", str(dst), "--multipart-threshold", "8MiB"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert down.returncode == 0, down.stdout + down.stderr
    assert dst.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir() if ".s3ml-" in p.name] == []

    # Below the threshold cp stays a single PutObject (plain MD5 ETag).
    small = tmp_path / "small.bin"
    small.write_bytes(data[: 3 * MIB])
    one = subprocess.run(
        base + ["cp", str(small), f"s3://{bucket}/small.bin", "--multipart-threshold", "8MiB"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert one.returncode == 0, one.stdout + one.stderr
    assert s3.head_object(Bucket=bucket, Key="small.bin")["ETag"] == f'"{hashlib.md5(data[: 3 * MIB]).hexdigest()}"'


def test_cli_rejects_a_bad_multipart_threshold(moto_endpoint, tmp_path):
    """A threshold below S3's 5 MiB minimum part size is refused with a clear message."""
    src = tmp_path / "f.bin"
    src.write_bytes(b"x")
    for bad, why in (("1KiB", "at least 5MiB"), ("lots", "cannot read 'lots'")):
        proc = subprocess.run(
            [str(CLI), "--endpoint-url", moto_endpoint, "cp", str(src), "s3://some-bucket/k", "--multipart-threshold", bad],
            env=_env(moto_endpoint), capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode != 0
        assert proc.stderr.startswith("s3ml cp: ") and "--multipart-threshold" in proc.stderr and why in proc.stderr, proc.stderr

if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
