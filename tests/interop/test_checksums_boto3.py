"""boto3 against `s3ml serve`: additional object checksums (x-amz-checksum-*).

boto3 computes the checksum itself (over plain http it sends it as a header) and
parses the answer with its own model, so these tests check that the mock verifies
and stores what S3 clients send and returns it on a checksum-mode GET/HEAD.
"""

import base64
import zlib

import pytest
from botocore.exceptions import ClientError

BODY = b"s3ml checksum interop " * 1000


def _crc32c(data: bytes) -> int:
    """Bitwise CRC-32C (Castagnoli, reflected 0x82F63B78): an independent reference."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def _crc32c_b64(data: bytes) -> str:
    return base64.b64encode(_crc32c(data).to_bytes(4, "big")).decode()


def _has_crt() -> bool:
    try:
        import awscrt  # noqa: F401
        return True
    except ImportError:
        return False


def _crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def test_put_crc32c_then_get_with_checksum_mode_returns_it(mock_s3, mock_bucket):
    assert _crc32c(b"123456789") == 0xE3069283  # the reference itself is right
    if _has_crt():
        put = mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=BODY, ChecksumAlgorithm="CRC32C")
    else:
        # botocore computes CRC32C only with awscrt (botocore[crt]), which is not
        # installed here; hand it the value instead (it sends the same header).
        put = mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=BODY, ChecksumCRC32C=_crc32c_b64(BODY))
    assert put["ChecksumCRC32C"] == _crc32c_b64(BODY)
    got = mock_s3.get_object(Bucket=mock_bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == BODY
    assert got["ChecksumCRC32C"] == put["ChecksumCRC32C"]
    head = mock_s3.head_object(Bucket=mock_bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32C"] == put["ChecksumCRC32C"]
    # (Current botocore sends x-amz-checksum-mode: ENABLED on every GET by default, so
    # "absent without checksum mode" is checked by the C++ client tests instead.)


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_other_algorithms_round_trip(mock_s3, mock_bucket, algorithm):
    put = mock_s3.put_object(Bucket=mock_bucket, Key=algorithm, Body=BODY, ChecksumAlgorithm=algorithm)
    field = "Checksum" + algorithm
    got = mock_s3.get_object(Bucket=mock_bucket, Key=algorithm, ChecksumMode="ENABLED")
    assert got["Body"].read() == BODY
    assert got[field] == put[field]
    if algorithm == "CRC32":
        assert got[field] == _crc32_b64(BODY)


def test_wrong_checksum_header_is_bad_digest(mock_s3, mock_bucket):
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="bad", Body=BODY, ChecksumCRC32=_crc32_b64(b"other"))
    assert e.value.response["Error"]["Code"] == "BadDigest"
    assert "CRC32" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        mock_s3.head_object(Bucket=mock_bucket, Key="bad")


def test_wrong_crc32c_header_is_bad_digest(mock_s3, mock_bucket):
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="bad32c", Body=BODY, ChecksumCRC32C=_crc32c_b64(b"other"))
    assert e.value.response["Error"]["Code"] == "BadDigest"
    assert "The CRC32C you specified did not match the calculated checksum." in e.value.response["Error"]["Message"]
