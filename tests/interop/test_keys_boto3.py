"""Keys S3 accepts that are easy to lose on the way: whitespace-only keys, control
characters, '%' and '+'. boto3 and the s3ml CLI against `s3ml serve`.

"The object key name consists of a sequence of Unicode characters encoded in UTF-8, with a
maximum length of 1,024 bytes" (S3 User Guide, Naming Amazon S3 objects). Each key must
round-trip through PutObject, both listing encodings, DeleteObject and DeleteObjects, so
that a bucket holding them can be emptied and deleted.
"""

import subprocess
import urllib.parse
import uuid

import pytest

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN

HARD_KEYS = [" ", "  ", "\t", "\n", "a\nb", "cr\r", "crlf\r\n", "ctl\x01\x1f\x7f", "%", "%25", "+", "a+b c",
             "trailing ", " leading", "nbsp\u00a0", "amp&<lt>\"q'", "caf\u00e9 \U0001F600"]
TIMEOUT = 60  # seconds per CLI run


def _by_bytes(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


@pytest.fixture
def hard_bucket(mock_s3):
    """A bucket holding every hard key; the test must leave it deletable (it checks that itself)."""
    name = f"keys-{uuid.uuid4().hex[:12]}"
    mock_s3.create_bucket(Bucket=name)
    for key in HARD_KEYS:
        mock_s3.put_object(Bucket=name, Key=key, Body=f"body of {key}".encode())
    return name


def _raw_list_keys(client, bucket, **kwargs):
    """ListObjectsV2 without botocore's automatic encoding-type=url (the plain XML encoding)."""
    def drop_encoding(params, **_):
        if "EncodingType" not in kwargs:
            params.pop("EncodingType", None)
    client.meta.events.register("before-parameter-build.s3.ListObjectsV2", drop_encoding)
    try:
        resp = client.list_objects_v2(Bucket=bucket, **kwargs)
    finally:
        client.meta.events.unregister("before-parameter-build.s3.ListObjectsV2", drop_encoding)
    return resp


def test_hard_keys_get_head_and_list_in_both_encodings(mock_s3, hard_bucket):
    for key in HARD_KEYS:
        assert mock_s3.get_object(Bucket=hard_bucket, Key=key)["Body"].read() == f"body of {key}".encode(), repr(key)
        assert mock_s3.head_object(Bucket=hard_bucket, Key=key)["ContentLength"] == len(f"body of {key}".encode())
    # "Encoding type used by Amazon S3 to encode object keys in the response." botocore
    # asks for encoding-type=url by itself and decodes; the key must survive that.
    auto = mock_s3.list_objects_v2(Bucket=hard_bucket)
    assert [o["Key"] for o in auto["Contents"]] == _by_bytes(HARD_KEYS)
    # Asked for explicitly, botocore leaves the keys encoded: no raw whitespace or
    # control character, and unquote_plus gives each key back.
    url = mock_s3.list_objects_v2(Bucket=hard_bucket, EncodingType="url")
    assert url["EncodingType"] == "url"
    encoded = [o["Key"] for o in url["Contents"]]
    assert not any(c in k for k in encoded for c in " \t\r\n\x01\x1f\x7f"), encoded
    assert [urllib.parse.unquote_plus(k) for k in encoded] == _by_bytes(HARD_KEYS)
    paged = []
    for page in mock_s3.get_paginator("list_objects").paginate(Bucket=hard_bucket, PaginationConfig={"PageSize": 3}):
        paged += [o["Key"] for o in page.get("Contents", [])]
    assert paged == _by_bytes(HARD_KEYS)
    # Plain XML (no encoding-type): whitespace survives; expat refuses the control
    # characters S3 writes as references, so the plain listing is read without them.
    plain_keys = [k for k in HARD_KEYS if not any(c in k for c in "\x01\x1f")]
    for k in set(HARD_KEYS) - set(plain_keys):
        mock_s3.delete_object(Bucket=hard_bucket, Key=k)
    plain = _raw_list_keys(mock_s3, hard_bucket)
    assert "EncodingType" not in plain
    assert [o["Key"] for o in plain["Contents"]] == _by_bytes(plain_keys)
    mock_s3.delete_objects(Bucket=hard_bucket, Delete={"Objects": [{"Key": k} for k in plain_keys]})
    mock_s3.delete_bucket(Bucket=hard_bucket)


def test_hard_keys_delete_objects_then_bucket_deletes(mock_s3, hard_bucket):
    # "Replacement must be made for object keys containing special characters (such as
    # carriage returns) when using XML requests." (DeleteObjects, ObjectIdentifier Key)
    # The answer names the deleted keys in plain XML, where U+0001 and U+001F can only be
    # character references that expat (botocore's parser) refuses, as it would S3's: those
    # two go in a Quiet request, whose answer lists errors only.
    loud = [k for k in HARD_KEYS if not any(c in k for c in "\x01\x1f")]
    resp = mock_s3.delete_objects(Bucket=hard_bucket, Delete={"Objects": [{"Key": k} for k in loud]})
    assert resp.get("Errors", []) == []
    assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(loud)
    quiet = mock_s3.delete_objects(Bucket=hard_bucket, Delete={
        "Objects": [{"Key": k} for k in set(HARD_KEYS) - set(loud)], "Quiet": True})
    assert quiet.get("Errors", []) == [] and "Deleted" not in quiet
    assert mock_s3.list_objects_v2(Bucket=hard_bucket)["KeyCount"] == 0
    mock_s3.delete_bucket(Bucket=hard_bucket)  # was BucketNotEmpty: the " " object stayed


def test_hard_keys_delete_object_one_by_one(mock_s3, hard_bucket):
    for key in HARD_KEYS:
        assert mock_s3.delete_object(Bucket=hard_bucket, Key=key)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert mock_s3.list_objects_v2(Bucket=hard_bucket)["KeyCount"] == 0
    mock_s3.delete_bucket(Bucket=hard_bucket)


def _cli(s3ml_serve, *args, input=None):
    env = {"AWS_ACCESS_KEY_ID": MOCK_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": MOCK_SECRET_KEY,
           "AWS_REGION": MOCK_REGION, "AWS_CONFIG_FILE": "/nonexistent/s3ml-test-config",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/s3ml-test-credentials",
           "AWS_EC2_METADATA_DISABLED": "true", "PATH": "/usr/bin:/bin"}
    return subprocess.run([S3ML_BIN, *args, "--endpoint-url", s3ml_serve.url], input=input, capture_output=True,
                          timeout=TIMEOUT, env=env)


def test_cli_ls_and_rm_recursive_handle_hard_keys(s3ml_serve, mock_s3, hard_bucket):
    listed = _cli(s3ml_serve, "ls", "--recursive", f"s3://{hard_bucket}")
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout.decode("utf-8")
    for key in HARD_KEYS:
        assert f" {key}\n" in out, repr(key)  # printed verbatim after the size column, as aws does
    rm = _cli(s3ml_serve, "rm", "--recursive", f"s3://{hard_bucket}")
    assert rm.returncode == 0, rm.stderr
    assert mock_s3.list_objects_v2(Bucket=hard_bucket)["KeyCount"] == 0
    rb = _cli(s3ml_serve, "rb", f"s3://{hard_bucket}")
    assert rb.returncode == 0, rb.stderr
    assert hard_bucket not in [b["Name"] for b in mock_s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize("key", [" ", "  ", "+", "%", "%25", "a+b c", "trailing "])
def test_cli_cp_cat_rm_address_whitespace_percent_and_plus_keys(s3ml_serve, mock_s3, mock_bucket, key):
    up = _cli(s3ml_serve, "cp", "-", f"s3://{mock_bucket}/{key}", input=b"from stdin")
    assert up.returncode == 0, up.stderr
    assert mock_s3.get_object(Bucket=mock_bucket, Key=key)["Body"].read() == b"from stdin"
    cat = _cli(s3ml_serve, "cat", f"s3://{mock_bucket}/{key}")
    assert cat.returncode == 0 and cat.stdout == b"from stdin", cat.stderr
    rm = _cli(s3ml_serve, "rm", f"s3://{mock_bucket}/{key}")
    assert rm.returncode == 0, rm.stderr
    assert mock_s3.list_objects_v2(Bucket=mock_bucket)["KeyCount"] == 0
