"""boto3 against `s3ml serve`: checksums on multipart uploads.

boto3 computes each part's checksum itself (as a header over plain http); the mock
verifies it, remembers it, and on CompleteMultipartUpload answers the COMPOSITE
checksum "base64(<alg> of the concatenated binary part checksums)-<parts>". These
tests recompute that composite in Python from the part checksums botocore computed
(and from independent implementations of the algorithms) and compare it with the
mock's answer, on Complete and on HEAD/GET with ChecksumMode=ENABLED (where botocore
must not try to validate a composite value against the body). CRC32C needs botocore's
optional awscrt dependency; without it the CRC32C case is skipped (the others run).
"""

import base64
import hashlib
import io
import zlib

import boto3.s3.transfer
import pytest
from botocore.exceptions import ClientError

from conftest import make_boto3_client

MIB = 1024 * 1024
PART1 = bytes(range(256)) * (5 * MIB // 256)  # exactly 5 MiB
PART2 = b"the last, short part" * 100


def _crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def _digest(algorithm: str, data: bytes) -> bytes:
    if algorithm == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algorithm == "CRC32C":
        return _crc32c(data).to_bytes(4, "big")
    if algorithm == "SHA1":
        return hashlib.sha1(data).digest()
    return hashlib.sha256(data).digest()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _composite(algorithm: str, part_checksums_b64) -> str:
    raw = b"".join(base64.b64decode(v) for v in part_checksums_b64)
    return _b64(_digest(algorithm, raw)) + f"-{len(part_checksums_b64)}"


def _has_crt() -> bool:
    try:
        import awscrt  # noqa: F401
        return True
    except ImportError:
        return False


ALGORITHMS = ["CRC32", "SHA1", "SHA256",
              pytest.param("CRC32C", marks=pytest.mark.skipif(
                  not _has_crt(), reason="SKIPPED LOUDLY: botocore needs awscrt for CRC32C (pip install awscrt)"))]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_boto3_multipart_with_checksums_gets_the_composite_it_computes(mock_s3, mock_bucket, algorithm):
    field = "Checksum" + algorithm
    up = mock_s3.create_multipart_upload(Bucket=mock_bucket, Key="mp", ChecksumAlgorithm=algorithm)
    assert up["ChecksumAlgorithm"] == algorithm
    parts = []
    for number, body in ((1, PART1), (2, PART2)):
        r = mock_s3.upload_part(Bucket=mock_bucket, Key="mp", UploadId=up["UploadId"], PartNumber=number, Body=body,
                                ChecksumAlgorithm=algorithm)
        assert r[field] == _b64(_digest(algorithm, body))  # botocore's value, echoed by the mock
        parts.append({"PartNumber": number, "ETag": r["ETag"], field: r[field]})
    done = mock_s3.complete_multipart_upload(Bucket=mock_bucket, Key="mp", UploadId=up["UploadId"],
                                             MultipartUpload={"Parts": parts})
    expected = _composite(algorithm, [p[field] for p in parts])
    assert done[field] == expected
    assert done[field].endswith("-2")
    assert done.get("ChecksumType") == "COMPOSITE"

    head = mock_s3.head_object(Bucket=mock_bucket, Key="mp", ChecksumMode="ENABLED")
    assert head[field] == expected
    assert head.get("ChecksumType") == "COMPOSITE"
    got = mock_s3.get_object(Bucket=mock_bucket, Key="mp", ChecksumMode="ENABLED")
    assert got["Body"].read() == PART1 + PART2  # botocore skips validating a "-N" composite
    assert got[field] == expected
    part = mock_s3.get_object(Bucket=mock_bucket, Key="mp", PartNumber=2, ChecksumMode="ENABLED")
    assert part["Body"].read() == PART2
    assert part[field] == parts[1][field]


def test_boto3_managed_transfer_with_checksum_algorithm(mock_s3, mock_bucket):
    data = PART1 + PART1 + PART2
    config = boto3.s3.transfer.TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB,
                                              max_concurrency=2)
    mock_s3.upload_fileobj(io.BytesIO(data), mock_bucket, "managed", ExtraArgs={"ChecksumAlgorithm": "CRC32"},
                           Config=config)
    head = mock_s3.head_object(Bucket=mock_bucket, Key="managed", ChecksumMode="ENABLED")
    chunks = [data[i:i + 5 * MIB] for i in range(0, len(data), 5 * MIB)]
    assert head["ChecksumCRC32"] == _composite("CRC32", [_b64(_digest("CRC32", c)) for c in chunks])
    assert head["ETag"].strip('"').endswith("-3")


def test_complete_without_part_checksums_is_invalid_request(mock_s3, mock_bucket):
    up = mock_s3.create_multipart_upload(Bucket=mock_bucket, Key="bare", ChecksumAlgorithm="SHA256")
    r = mock_s3.upload_part(Bucket=mock_bucket, Key="bare", UploadId=up["UploadId"], PartNumber=1, Body=PART2,
                            ChecksumAlgorithm="SHA256")
    with pytest.raises(ClientError) as e:
        mock_s3.complete_multipart_upload(Bucket=mock_bucket, Key="bare", UploadId=up["UploadId"],
                                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": r["ETag"]}]})
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
    assert "missing for part 1" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        mock_s3.upload_part(Bucket=mock_bucket, Key="bare", UploadId=up["UploadId"], PartNumber=2, Body=PART2,
                            ChecksumAlgorithm="CRC32")
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
    assert "Checksum Type mismatch" in e.value.response["Error"]["Message"]
    mock_s3.abort_multipart_upload(Bucket=mock_bucket, Key="bare", UploadId=up["UploadId"])


def test_corrupted_part_checksum_is_bad_digest(mock_s3, mock_bucket):
    up = mock_s3.create_multipart_upload(Bucket=mock_bucket, Key="bad", ChecksumAlgorithm="CRC32")

    def corrupt(request, **_):
        name = "x-amz-checksum-crc32"
        if name in request.headers:
            del request.headers[name]
            request.headers[name] = _b64(_digest("CRC32", b"something else"))

    mock_s3.meta.events.register("before-sign.s3.UploadPart", corrupt)
    try:
        with pytest.raises(ClientError) as e:
            mock_s3.upload_part(Bucket=mock_bucket, Key="bad", UploadId=up["UploadId"], PartNumber=1, Body=PART2,
                                ChecksumAlgorithm="CRC32")
        assert e.value.response["Error"]["Code"] == "BadDigest"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    finally:
        mock_s3.meta.events.unregister("before-sign.s3.UploadPart", corrupt)
    mock_s3.abort_multipart_upload(Bucket=mock_bucket, Key="bad", UploadId=up["UploadId"])


def test_content_md5_mismatch_is_bad_digest_and_malformed_is_invalid_digest(s3ml_serve, mock_bucket):
    client = make_boto3_client(s3ml_serve.url, request_checksum_calculation="when_required")
    with pytest.raises(ClientError) as e:
        client.put_object(Bucket=mock_bucket, Key="md5", Body=b"hello",
                          ContentMD5=_b64(hashlib.md5(b"other").digest()))
    assert e.value.response["Error"]["Code"] == "BadDigest"
    with pytest.raises(ClientError) as e:
        client.put_object(Bucket=mock_bucket, Key="md5", Body=b"hello", ContentMD5="not-an-md5")
    assert e.value.response["Error"]["Code"] == "InvalidDigest"
    client.put_object(Bucket=mock_bucket, Key="md5", Body=b"hello", ContentMD5=_b64(hashlib.md5(b"hello").digest()))
    # when_required: boto3 sent no flexible checksum, and the mock stored none.
    head = client.head_object(Bucket=mock_bucket, Key="md5", ChecksumMode="ENABLED")
    assert not any(k.startswith("Checksum") and k != "ChecksumType" for k in head)


def test_full_object_crc_multipart_checksum_is_over_the_bytes(mock_s3, mock_bucket):
    up = mock_s3.create_multipart_upload(Bucket=mock_bucket, Key="full", ChecksumAlgorithm="CRC32",
                                         ChecksumType="FULL_OBJECT")
    assert up.get("ChecksumType") == "FULL_OBJECT"
    parts = []
    for number, body in ((1, PART1), (2, PART2)):
        r = mock_s3.upload_part(Bucket=mock_bucket, Key="full", UploadId=up["UploadId"], PartNumber=number, Body=body,
                                ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": number, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    done = mock_s3.complete_multipart_upload(Bucket=mock_bucket, Key="full", UploadId=up["UploadId"],
                                             MultipartUpload={"Parts": parts})
    assert done["ChecksumCRC32"] == _b64(_digest("CRC32", PART1 + PART2))
    assert done.get("ChecksumType") == "FULL_OBJECT"
    got = mock_s3.get_object(Bucket=mock_bucket, Key="full", ChecksumMode="ENABLED")
    assert got["Body"].read() == PART1 + PART2  # botocore validates a full-object CRC over the body
    with pytest.raises(ClientError) as e:
        mock_s3.create_multipart_upload(Bucket=mock_bucket, Key="x", ChecksumAlgorithm="SHA256",
                                        ChecksumType="FULL_OBJECT")
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
