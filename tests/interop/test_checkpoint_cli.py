"""`s3ml checkpoint` (save/ls/best/load/rollback) against `s3ml serve`, checked with boto3.

boto3 is the independent witness: the versions, their x-amz-meta-* metadata and the bytes
it sees must be what the CLI (ArtifactWriter / ArtifactReader / registry) claims.
"""

import json
import os
import subprocess
import uuid

import pytest

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN

TIMEOUT = 60


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY,
               AWS_DEFAULT_REGION=MOCK_REGION, AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    return env


def cli(server, *args, input=None):
    return subprocess.run([S3ML_BIN, "--endpoint-url", server.url, "checkpoint", *args], input=input,
                          capture_output=True, timeout=TIMEOUT, env=_env())


@pytest.fixture
def versioned_bucket(mock_s3):
    name = f"ckpt-{uuid.uuid4().hex[:16]}"
    mock_s3.create_bucket(Bucket=name)
    mock_s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    yield name
    for page in mock_s3.get_paginator("list_object_versions").paginate(Bucket=name):
        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
            mock_s3.delete_object(Bucket=name, Key=v["Key"], VersionId=v["VersionId"])
    mock_s3.delete_bucket(Bucket=name)


def test_checkpoint_cli_save_ls_best_load_rollback_agree_with_boto3(s3ml_serve, mock_s3, versioned_bucket, tmp_path):
    uri = f"s3://{versioned_bucket}/models/resnet/ckpt"
    bodies = [os.urandom(6 * 1024 * 1024 + 11), os.urandom(1000), os.urandom(5 * 1024 * 1024)]
    losses = ["0.9", "0.4", "0.6"]
    for i, body in enumerate(bodies):
        r = cli(s3ml_serve, "save", "-", uri, "--part-size-mib", "5", "--meta", f"step={i + 1}",
                "--meta", f"loss={losses[i]}", "--json", input=body)
        assert r.returncode == 0, r.stderr
    saved = mock_s3.list_object_versions(Bucket=versioned_bucket, Prefix="models/resnet/ckpt")["Versions"]
    assert len(saved) == 3
    # The 6 MiB save went multipart (2 parts), the 1000-byte one as a single PutObject.
    etags = {mock_s3.head_object(Bucket=versioned_bucket, Key="models/resnet/ckpt", VersionId=v["VersionId"])
             ["Metadata"]["step"]: v["ETag"] for v in saved}
    assert etags["1"].endswith('-2"') and "-" not in etags["2"]

    r = cli(s3ml_serve, "ls", uri, "--json")
    assert r.returncode == 0, r.stderr
    listed = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [v["metadata"]["step"] for v in listed] == ["3", "2", "1"]
    assert [v["is_latest"] for v in listed] == [True, False, False]
    by_step = {v["metadata"]["step"]: v for v in listed}
    for v in saved:
        head = mock_s3.head_object(Bucket=versioned_bucket, Key="models/resnet/ckpt", VersionId=v["VersionId"])
        assert by_step[head["Metadata"]["step"]]["version_id"] == v["VersionId"]
        assert head["Metadata"]["loss"] == losses[int(head["Metadata"]["step"]) - 1]

    best = json.loads(cli(s3ml_serve, "best", uri, "--metric", "loss", "--json").stdout)
    assert best["metadata"]["step"] == "2"
    worst = json.loads(cli(s3ml_serve, "best", uri, "--metric", "loss", "--higher", "--json").stdout)
    assert worst["metadata"]["step"] == "1"

    out = tmp_path / "v1.bin"
    r = cli(s3ml_serve, "load", uri, str(out), "--version-id", by_step["1"]["version_id"])
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == bodies[0]

    r = cli(s3ml_serve, "rollback", uri, "--version-id", by_step["1"]["version_id"], "--json")
    assert r.returncode == 0, r.stderr
    latest = mock_s3.get_object(Bucket=versioned_bucket, Key="models/resnet/ckpt")
    assert latest["Body"].read() == bodies[0]
    assert latest["Metadata"] == {"step": "1", "loss": "0.9"}
    assert json.loads(r.stdout)["version_id"] == latest["VersionId"]
    assert len(mock_s3.list_object_versions(Bucket=versioned_bucket)["Versions"]) == 4


def test_checkpoint_cli_refuses_oversized_metadata_and_leaves_nothing(s3ml_serve, mock_s3, versioned_bucket, tmp_path):
    r = cli(s3ml_serve, "save", "-", f"s3://{versioned_bucket}/big", "--meta", "notes=" + "x" * 2100, input=b"data")
    assert r.returncode == 2
    assert b"2048" in r.stderr
    r = cli(s3ml_serve, "load", f"s3://{versioned_bucket}/missing", str(tmp_path / "out"))
    assert r.returncode == 1
    assert b"NoSuchKey" in r.stderr
    assert not list(tmp_path.iterdir())
    assert "Versions" not in mock_s3.list_object_versions(Bucket=versioned_bucket)
    assert not mock_s3.list_multipart_uploads(Bucket=versioned_bucket).get("Uploads")
