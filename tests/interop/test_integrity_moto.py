"""The s3ml C++ client's integrity and encryption tests against moto.

Runs the [portable] cases of the integration_integrity binary (SSE-S3 and SSE-KMS
put/head/get, a CRC32 multipart upload with part checksums, its completion and a
checksum-mode GET) against moto's server via S3ML_TEST_ENDPOINT.

Where moto differs from S3 (and the tests accept both, trusting S3's documentation
for the mock): moto answers CompleteMultipartUpload without the composite checksum
and reports it on HEAD/GET without the "-<parts>" suffix and without
x-amz-checksum-type; it echoes a KMS key id as given (S3: the key's ARN) and gives
no key id for aws:kms without one (S3: the aws/s3 key's ARN); it does not demand
the SSE-C key on GET (S3: 400 InvalidRequest), so SSE-C cases are mock-only.
"""

import os
import subprocess

import pytest

from interop_support import build_dir  # noqa: E402


BINARY = build_dir() / "tests" / "integration" / "integration_integrity"


def test_integrity_and_encryption_portable_cases_pass_against_moto(moto_endpoint):
    if not BINARY.exists():
        pytest.fail(f"integration binary not built: {BINARY} (build target integration_integrity)")
    env = dict(os.environ, S3ML_TEST_ENDPOINT=moto_endpoint, S3ML_TEST_ACCESS_KEY="testing",
               S3ML_TEST_SECRET_KEY="testing", S3ML_TEST_REGION="us-east-1")
    proc = subprocess.run([str(BINARY), "[portable]", "--reporter", "console", "--durations", "no"],
                          env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"integration_integrity [portable] failed against moto:\n{output}"
    summary = [line for line in output.splitlines() if "All tests passed" in line][-1]
    cases = int(summary.split(" in ")[1].split()[0])
    assert cases >= 4, f"too few [portable] test cases ran: {summary}"
