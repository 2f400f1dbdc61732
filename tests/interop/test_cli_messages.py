"""What `s3ml` says when something is wrong, and the exit code it says it with.

Against `s3ml serve`: a rejected option is named by the flag (or environment variable)
the user set, never by the library struct behind it; a server error shows what was
wrong (S3's message, or what this side knows when a HEAD answer has no body); usage
errors exit 2, failures of a command that started running exit 1, each as one line.
"""

import os
import subprocess
import uuid

import pytest

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN

TIMEOUT = 60
EXIT_FAILURE, EXIT_USAGE = 1, 2
STRUCTS = ("ClientOptions", "TransferOptions", "ReaderOptions", "ArtifactReadOptions", "ArtifactWriteOptions")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY,
               AWS_DEFAULT_REGION=MOCK_REGION, AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true")
    env.update(extra)
    return env


def s3ml(*args, endpoint=None, env=None, input=None):
    cmd = [S3ML_BIN, *args]
    if endpoint:
        cmd += ["--endpoint-url", endpoint]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env or _env(), input=input)


def one_error_line(proc, exit_code):
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == exit_code, f"exit {proc.returncode}, expected {exit_code}: {proc.stderr!r}"
    assert len(lines) == 1, f"expected one error line, got {lines!r}"
    return lines[0]


@pytest.fixture
def bucket(mock_s3):
    name = f"msg-{uuid.uuid4().hex[:16]}"
    mock_s3.create_bucket(Bucket=name)
    yield name
    for page in mock_s3.get_paginator("list_object_versions").paginate(Bucket=name):
        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
            mock_s3.delete_object(Bucket=name, Key=v["Key"], VersionId=v["VersionId"])
    mock_s3.delete_bucket(Bucket=name)


# ---- a rejected option names the flag ----------------------------------------------


@pytest.mark.parametrize("argv,needle", [
    (["--endpoint-url", "notaurl", "ls"], "--endpoint-url"),
    (["ls", "s3://b", "--endpoint-url", "ftp://127.0.0.1:9"], "--endpoint-url"),
    (["ls", "s3://b", "--endpoint-url", "http://127.0.0.1:9", "--region", "US East"], "--region"),
], ids=["endpoint-no-scheme", "endpoint-bad-scheme", "region"])
def test_client_option_error_names_the_global_flag(argv, needle):
    line = one_error_line(s3ml(*argv), EXIT_USAGE)
    assert needle in line and not any(s in line for s in STRUCTS), line


@pytest.mark.parametrize("var,value,needle", [
    ("AWS_ENDPOINT_URL_S3", "notaurl", "AWS_ENDPOINT_URL_S3"),
    ("AWS_REGION", "Not A Region", "AWS_REGION"),
])
def test_client_option_from_environment_names_the_variable_not_a_flag(var, value, needle):
    line = one_error_line(s3ml("ls", "s3://b", env=_env(**{var: value})), EXIT_USAGE)
    assert needle in line and not any(s in line for s in STRUCTS), line
    assert "--endpoint-url" not in line and "--region" not in line, line


@pytest.mark.parametrize("args,needle", [
    (["--fetch-threads", "300"], "--fetch-threads"),
    (["--memory-budget", "0"], "--memory-budget"),
    (["--part-size", "0"], "--part-size"),
])
def test_bench_read_reader_option_error_names_the_flag(s3ml_serve, mock_s3, bucket, args, needle):
    mock_s3.put_object(Bucket=bucket, Key="t/a", Body=b"x")
    line = one_error_line(s3ml("bench", "read", f"s3://{bucket}/t/", *args, endpoint=s3ml_serve.url), EXIT_USAGE)
    assert line.startswith("s3ml bench read: ") and needle in line, line
    assert not any(s in line for s in STRUCTS), line


@pytest.mark.parametrize("argv,needle", [
    (["save", "-", "{uri}", "--part-size-mib", "1"], "--part-size-mib"),
    (["save", "-", "{uri}", "--concurrency", "0"], "--concurrency"),
    (["load", "{uri}", "-", "--read-ahead", "0"], "--read-ahead"),
    (["load", "{uri}", "-", "--part-size-mib", "0"], "--part-size-mib"),
], ids=["save-part-size", "save-concurrency", "load-read-ahead", "load-part-size"])
def test_checkpoint_artifact_option_error_names_the_flag(s3ml_serve, mock_s3, bucket, argv, needle):
    mock_s3.put_object(Bucket=bucket, Key="m/ckpt", Body=b"weights")
    argv = [a.format(uri=f"s3://{bucket}/m/ckpt") for a in argv]
    line = one_error_line(s3ml("checkpoint", *argv, endpoint=s3ml_serve.url, input="data"), EXIT_USAGE)
    assert line.startswith(f"s3ml checkpoint {argv[0]}: ") and needle in line, line
    assert not any(s in line for s in STRUCTS), line


# ---- a server error says what was wrong ------------------------------------------------


def test_checkpoint_load_malformed_version_id_says_it_is_not_a_valid_version_id(s3ml_serve, mock_s3, bucket):
    mock_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    mock_s3.put_object(Bucket=bucket, Key="m/ckpt", Body=b"weights")
    line = one_error_line(s3ml("checkpoint", "load", "--version-id", "bogus", f"s3://{bucket}/m/ckpt", "-",
                               endpoint=s3ml_serve.url), EXIT_FAILURE)
    assert f"s3://{bucket}/m/ckpt" in line and "'bogus' is not a valid version id" in line, line


def test_checkpoint_load_version_of_another_key_says_it_does_not_exist_for_the_key(s3ml_serve, mock_s3, bucket):
    mock_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    mock_s3.put_object(Bucket=bucket, Key="m/ckpt", Body=b"weights")
    other = mock_s3.put_object(Bucket=bucket, Key="m/other", Body=b"other")["VersionId"]
    line = one_error_line(s3ml("checkpoint", "load", "--version-id", other, f"s3://{bucket}/m/ckpt", "-",
                               endpoint=s3ml_serve.url), EXIT_FAILURE)
    assert "NoSuchVersion" in line and f"version id '{other}' does not exist" in line, line


def test_checkpoint_rollback_malformed_version_id_says_it_is_not_a_valid_version_id(s3ml_serve, mock_s3, bucket):
    mock_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    mock_s3.put_object(Bucket=bucket, Key="m/ckpt", Body=b"weights")
    line = one_error_line(s3ml("checkpoint", "rollback", f"s3://{bucket}/m/ckpt", "--version-id", "bogus",
                               endpoint=s3ml_serve.url), EXIT_FAILURE)
    assert "'bogus' is not a valid version id" in line, line


def test_error_with_an_s3_error_body_shows_s3s_message(s3ml_serve, bucket):
    # A GET's error has a body: its <Message> is part of the line, after the code.
    line = one_error_line(s3ml("cat", f"s3://{bucket}/no/such/key", endpoint=s3ml_serve.url), EXIT_FAILURE)
    assert "NoSuchKey (HTTP 404" in line and "The specified key does not exist." in line, line


# ---- bench read: runtime failures exit 1, usage errors 2 -----------------------------


def test_bench_read_corrupt_tar_shard_exits_1_naming_the_shard(s3ml_serve, mock_s3, bucket):
    mock_s3.put_object(Bucket=bucket, Key="shards/bad.tar", Body=os.urandom(64) + b"\x00garbage, not a tar" * 64)
    proc = s3ml("bench", "read", f"s3://{bucket}/shards/", "--format", "tar", endpoint=s3ml_serve.url)
    line = one_error_line(proc, EXIT_FAILURE)
    assert line.startswith("s3ml bench read: "), line
    # The shard, then the decoder's cause (libarchive's words, e.g. "Unrecognized archive format").
    cause = line.partition(f"tar shard s3://{bucket}/shards/bad.tar: ")[2]
    assert cause.strip(), line
    assert proc.stdout == ""  # no epoch line for an epoch that failed


def test_bench_read_empty_prefix_exits_1_and_bad_arguments_exit_2(s3ml_serve, bucket):
    line = one_error_line(s3ml("bench", "read", f"s3://{bucket}/missing/", endpoint=s3ml_serve.url), EXIT_FAILURE)
    assert f"s3://{bucket}/missing/" in line, line
    one_error_line(s3ml("bench", "read", f"s3://{bucket}/t/", "--format", "zip", endpoint=s3ml_serve.url), EXIT_USAGE)
    line = one_error_line(s3ml("bench", "read", "notauri", endpoint=s3ml_serve.url), EXIT_USAGE)
    assert "invalid S3 URI 'notauri'" in line, line
