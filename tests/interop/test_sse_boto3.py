"""boto3 against `s3ml serve`: server-side encryption headers.

SSE-S3 and SSE-KMS: the mock echoes what S3 echoes (algorithm, the key's ARN, the
default aws/s3 key's ARN when none is given, the context on writes, the bucket key
flag). SSE-C: botocore base64-encodes the key and computes its MD5 itself and sends
SSE-C over plain http without complaint (S3 itself refuses SSE-C over http with 400
InvalidRequest; the mock, being http-only, accepts it - documented in
docs/integrity-and-encryption.md), so boto3 can exercise the mock's SSE-C rules:
the key is demanded on GET/HEAD (400 InvalidRequest), another key is 403
AccessDenied, and a key MD5 that does not match the key is 400 InvalidArgument.
"""

import base64
import hashlib
import json
import re

import pytest
from botocore.exceptions import ClientError

KEY = b"0123456789abcdef0123456789abcdef"  # 32 bytes
OTHER_KEY = b"fedcba9876543210fedcba9876543210"


def _code(exc_info):
    return exc_info.value.response["Error"]["Code"], exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_sse_s3_is_echoed_on_put_head_and_get(mock_s3, mock_bucket):
    put = mock_s3.put_object(Bucket=mock_bucket, Key="s3", Body=b"abc", ServerSideEncryption="AES256")
    assert put["ServerSideEncryption"] == "AES256"
    assert mock_s3.head_object(Bucket=mock_bucket, Key="s3")["ServerSideEncryption"] == "AES256"
    got = mock_s3.get_object(Bucket=mock_bucket, Key="s3")
    assert got["ServerSideEncryption"] == "AES256"
    assert got["Body"].read() == b"abc"


def test_sse_kms_echoes_key_arn_context_and_bucket_key(mock_s3, mock_bucket):
    context = base64.b64encode(json.dumps({"team": "ml"}).encode()).decode()
    put = mock_s3.put_object(Bucket=mock_bucket, Key="kms", Body=b"abc", ServerSideEncryption="aws:kms",
                             SSEKMSKeyId="1234abcd-12ab-34cd-56ef-1234567890ab",
                             SSEKMSEncryptionContext=context, BucketKeyEnabled=True)
    assert put["ServerSideEncryption"] == "aws:kms"
    assert re.fullmatch(r"arn:aws:kms:us-east-1:\d{12}:key/1234abcd-12ab-34cd-56ef-1234567890ab", put["SSEKMSKeyId"])
    assert put["SSEKMSEncryptionContext"] == context
    assert put["BucketKeyEnabled"] is True
    head = mock_s3.head_object(Bucket=mock_bucket, Key="kms")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == put["SSEKMSKeyId"]
    assert head["BucketKeyEnabled"] is True


def test_sse_kms_without_key_id_reports_the_default_key_arn(mock_s3, mock_bucket):
    put = mock_s3.put_object(Bucket=mock_bucket, Key="kms-default", Body=b"abc", ServerSideEncryption="aws:kms")
    assert re.fullmatch(r"arn:aws:kms:us-east-1:\d{12}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                        put["SSEKMSKeyId"])
    up = mock_s3.create_multipart_upload(Bucket=mock_bucket, Key="mp", ServerSideEncryption="aws:kms")
    assert up["SSEKMSKeyId"] == put["SSEKMSKeyId"]
    mock_s3.abort_multipart_upload(Bucket=mock_bucket, Key="mp", UploadId=up["UploadId"])


def test_sse_bad_values_are_invalid_argument(mock_s3, mock_bucket):
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="bad", Body=b"x", ServerSideEncryption="AES512")
    assert _code(e) == ("InvalidArgument", 400)
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="bad", Body=b"x", ServerSideEncryption="AES256",
                           SSEKMSKeyId="some-key")
    assert _code(e) == ("InvalidArgument", 400)


def test_sse_c_round_trip_and_the_key_is_demanded(mock_s3, mock_bucket):
    put = mock_s3.put_object(Bucket=mock_bucket, Key="c", Body=b"customer", SSECustomerAlgorithm="AES256",
                             SSECustomerKey=KEY)
    md5 = base64.b64encode(hashlib.md5(KEY).digest()).decode()
    assert put["SSECustomerAlgorithm"] == "AES256"
    assert put["SSECustomerKeyMD5"] == md5
    got = mock_s3.get_object(Bucket=mock_bucket, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=KEY)
    assert got["Body"].read() == b"customer"
    assert got["SSECustomerKeyMD5"] == md5
    head = mock_s3.head_object(Bucket=mock_bucket, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=KEY)
    assert head["SSECustomerKeyMD5"] == md5

    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="c")
    assert _code(e) == ("InvalidRequest", 400)
    assert "Server Side Encryption" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        mock_s3.head_object(Bucket=mock_bucket, Key="c")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=OTHER_KEY)
    assert _code(e) == ("AccessDenied", 403)


def test_sse_c_key_md5_mismatch_and_bad_key_length_are_invalid_argument(mock_s3, mock_bucket):
    def corrupt_md5(request, **_):
        name = "x-amz-server-side-encryption-customer-key-MD5"
        del request.headers[name]  # HTTPHeaders appends on assignment
        request.headers[name] = base64.b64encode(hashlib.md5(b"not the key").digest()).decode()

    mock_s3.meta.events.register("before-sign.s3.PutObject", corrupt_md5)
    try:
        with pytest.raises(ClientError) as e:
            mock_s3.put_object(Bucket=mock_bucket, Key="md5", Body=b"x", SSECustomerAlgorithm="AES256",
                               SSECustomerKey=KEY)
        assert _code(e) == ("InvalidArgument", 400)
        assert "MD5" in e.value.response["Error"]["Message"]
    finally:
        mock_s3.meta.events.unregister("before-sign.s3.PutObject", corrupt_md5)
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="short", Body=b"x", SSECustomerAlgorithm="AES256",
                           SSECustomerKey=b"16 bytes only!!!")
    assert _code(e) == ("InvalidArgument", 400)


def test_sse_c_copy_needs_the_source_key(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="src", Body=b"copy", SSECustomerAlgorithm="AES256",
                       SSECustomerKey=KEY)
    with pytest.raises(ClientError) as e:
        mock_s3.copy_object(Bucket=mock_bucket, Key="dst", CopySource={"Bucket": mock_bucket, "Key": "src"})
    assert _code(e) == ("InvalidRequest", 400)
    out = mock_s3.copy_object(Bucket=mock_bucket, Key="dst", CopySource={"Bucket": mock_bucket, "Key": "src"},
                              CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=KEY,
                              SSECustomerAlgorithm="AES256", SSECustomerKey=OTHER_KEY)
    assert out["SSECustomerKeyMD5"] == base64.b64encode(hashlib.md5(OTHER_KEY).digest()).decode()
    got = mock_s3.get_object(Bucket=mock_bucket, Key="dst", SSECustomerAlgorithm="AES256", SSECustomerKey=OTHER_KEY)
    assert got["Body"].read() == b"copy"


def test_sse_c_multipart_upload_with_boto3(mock_s3, mock_bucket):
    args = dict(SSECustomerAlgorithm="AES256", SSECustomerKey=KEY)
    up = mock_s3.create_multipart_upload(Bucket=mock_bucket, Key="mpc", **args)
    part1 = b"a" * (5 * 1024 * 1024)
    with pytest.raises(ClientError) as e:
        mock_s3.upload_part(Bucket=mock_bucket, Key="mpc", UploadId=up["UploadId"], PartNumber=1, Body=part1)
    assert _code(e) == ("InvalidRequest", 400)
    p1 = mock_s3.upload_part(Bucket=mock_bucket, Key="mpc", UploadId=up["UploadId"], PartNumber=1, Body=part1, **args)
    p2 = mock_s3.upload_part(Bucket=mock_bucket, Key="mpc", UploadId=up["UploadId"], PartNumber=2, Body=b"tail",
                             **args)
    mock_s3.complete_multipart_upload(Bucket=mock_bucket, Key="mpc", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]}, **args)
    got = mock_s3.get_object(Bucket=mock_bucket, Key="mpc", **args)
    assert got["Body"].read() == part1 + b"tail"


def _cli(s3ml_serve, *args):
    import os
    import subprocess
    from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN
    env = dict(os.environ, AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY,
               AWS_REGION=MOCK_REGION, AWS_EC2_METADATA_DISABLED="true")
    env.pop("AWS_PROFILE", None)
    return subprocess.run([S3ML_BIN, *args, "--endpoint-url", s3ml_serve.url], env=env, capture_output=True,
                          text=True, timeout=60)


def test_cli_cp_sets_encryption_and_checksum(s3ml_serve, mock_s3, mock_bucket, tmp_path):
    small = tmp_path / "small.bin"
    small.write_bytes(b"cli bytes" * 1000)
    r = _cli(s3ml_serve, "cp", str(small), f"s3://{mock_bucket}/kms.bin", "--sse", "aws:kms",
             "--sse-kms-key-id", "alias/cli", "--checksum-algorithm", "CRC32C", "--no-progress")
    assert r.returncode == 0, r.stderr
    head = mock_s3.head_object(Bucket=mock_bucket, Key="kms.bin", ChecksumMode="ENABLED")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith(":alias/cli")
    assert "ChecksumCRC32C" in head

    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (9 * 1024 * 1024 // 256))  # two 8 MiB-default parts
    r = _cli(s3ml_serve, "cp", str(big), f"s3://{mock_bucket}/big.bin", "--sse", "AES256",
             "--checksum-algorithm", "SHA256", "--multipart-threshold", "5MiB", "--no-progress")
    assert r.returncode == 0, r.stderr
    head = mock_s3.head_object(Bucket=mock_bucket, Key="big.bin", ChecksumMode="ENABLED")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ChecksumSHA256"].endswith("-2")
    assert head.get("ChecksumType") == "COMPOSITE"

    r = _cli(s3ml_serve, "cp", str(small), f"s3://{mock_bucket}/x", "--sse", "rot13")
    assert r.returncode != 0
    assert "--sse" in r.stderr
