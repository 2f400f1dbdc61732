"""The s3ml client and CLI against moto for lifecycle configuration and restores.

Runs the [portable] cases of the integration_lifecycle binary (config round trip,
NoSuchLifecycleConfiguration, client-side validation) with S3ML_TEST_ENDPOINT
pointing at moto's ThreadedMotoServer, then drives `s3ml lifecycle` and
`s3ml restore` against moto and compares with what boto3 reads back.

Where moto differs from S3 (and why the mock follows S3's documentation instead)
is asserted explicitly below, so a moto upgrade that changes it is noticed.
"""

import json
import os
import subprocess
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from interop_support import build_dir  # noqa: E402


BINARY = build_dir() / "tests" / "integration" / "integration_lifecycle"
CLI = Path(os.environ.get("S3ML_BIN", str(build_dir() / "tools" / "s3ml" / "s3ml")))
KEY, SECRET = "AKIAMOTOLIFECYCLE001", "moto-secret"


@pytest.fixture
def moto_s3(moto_endpoint):
    return boto3.session.Session().client(
        "s3", endpoint_url=moto_endpoint, region_name="us-east-1", aws_access_key_id=KEY,
        aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def _cli(endpoint, *args, stdin=None):
    if not CLI.exists():
        pytest.fail(f"s3ml binary not built: {CLI}")
    env = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(CLI), "--endpoint-url", endpoint, *args], capture_output=True, text=True,
                          input=stdin, env=env, timeout=120)


def test_portable_lifecycle_cases_pass_against_moto(moto_endpoint):
    if not BINARY.exists():
        pytest.fail(f"integration binary not built: {BINARY} (build target integration_lifecycle)")
    env = dict(os.environ, S3ML_TEST_ENDPOINT=moto_endpoint, S3ML_TEST_ACCESS_KEY=KEY,
               S3ML_TEST_SECRET_KEY=SECRET, S3ML_TEST_REGION="us-east-1")
    proc = subprocess.run([str(BINARY), "[portable]", "--reporter", "console"], env=env,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    summary = [line for line in out.splitlines() if "All tests passed" in line][-1]
    assert int(summary.split(" in ")[1].split()[0]) >= 2, summary


def test_cli_lifecycle_against_moto(moto_endpoint, moto_s3, tmp_path):
    bucket = "s3ml-lc-moto-cli"
    moto_s3.create_bucket(Bucket=bucket)
    rules = [
        {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30},
         "Transitions": [{"Days": 7, "StorageClass": "GLACIER"}]},
        {"ID": "mpu", "Status": "Enabled", "Filter": {"Prefix": ""},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
    ]
    spec = tmp_path / "rules.json"
    spec.write_text(json.dumps({"Rules": rules}))
    put = _cli(moto_endpoint, "lifecycle", f"s3://{bucket}", "put", str(spec))
    assert put.returncode == 0, put.stderr
    got = moto_s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [r["ID"] for r in got] == ["logs", "mpu"]
    assert got[0]["Expiration"] == {"Days": 30}
    assert got[0]["Transitions"] == [{"Days": 7, "StorageClass": "GLACIER"}]
    printed = _cli(moto_endpoint, "lifecycle", f"s3://{bucket}", "get")
    assert printed.returncode == 0, printed.stderr
    doc = json.loads(printed.stdout)
    assert doc["Rules"][0]["Expiration"] == {"Days": 30}
    assert doc["Rules"][1]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 3}
    assert _cli(moto_endpoint, "lifecycle", f"s3://{bucket}", "delete").returncode == 0
    missing = _cli(moto_endpoint, "lifecycle", f"s3://{bucket}", "get")
    assert missing.returncode != 0
    assert "NoSuchLifecycleConfiguration" in missing.stderr


def test_cli_restore_against_moto(moto_endpoint, moto_s3):
    bucket = "s3ml-lc-moto-restore"
    moto_s3.create_bucket(Bucket=bucket)
    moto_s3.put_object(Bucket=bucket, Key="cold", Body=b"x", StorageClass="GLACIER")
    with pytest.raises(ClientError) as e:
        moto_s3.get_object(Bucket=bucket, Key="cold")
    assert e.value.response["Error"]["Code"] == "InvalidObjectState"  # moto agrees with S3 here
    r = _cli(moto_endpoint, "restore", f"s3://{bucket}/cold", "--days", "1")
    assert r.returncode == 0, r.stderr
    moto_s3.put_object(Bucket=bucket, Key="hot", Body=b"x")
    hot = _cli(moto_endpoint, "restore", f"s3://{bucket}/hot", "--days", "1")
    assert hot.returncode != 0
    assert "InvalidObjectState" in hot.stderr


def test_where_moto_differs_from_s3(moto_s3):
    """Documented differences; the mock follows S3's documentation in each case."""
    bucket = "s3ml-lc-moto-diff"
    moto_s3.create_bucket(Bucket=bucket)
    moto_s3.put_object(Bucket=bucket, Key="cold", Body=b"x", StorageClass="GLACIER")
    moto_s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 1})
    # S3: a restore takes hours (409 RestoreAlreadyInProgress when repeated meanwhile, GET
    # still InvalidObjectState). moto completes restores at once: the repeat is accepted
    # and the object is readable immediately.
    again = moto_s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 1})
    assert again["ResponseMetadata"]["HTTPStatusCode"] in (200, 202)
    assert moto_s3.get_object(Bucket=bucket, Key="cold")["Body"].read() == b"x"
    # S3 keeps size conditions inside <And> and NewerNoncurrentVersions; moto drops both.
    moto_s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "t", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "d/", "Tags": [{"Key": "a", "Value": "b"}], "ObjectSizeGreaterThan": 1024}},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 40, "NewerNoncurrentVersions": 3}}]})
    rule = moto_s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert "ObjectSizeGreaterThan" not in rule["Filter"]["And"]
    assert "NewerNoncurrentVersions" not in rule["NoncurrentVersionExpiration"]
    # S3 refuses Days = 0 with InvalidArgument; moto stores it.
    moto_s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "zero", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}}]})
    # S3 reports x-amz-expiration on objects matching an expiration rule; moto does not.
    moto_s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "e", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 3}}]})
    moto_s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert "Expiration" not in moto_s3.head_object(Bucket=bucket, Key="k")
