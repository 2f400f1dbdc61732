"""Multipart retries and error codes through boto3 against `s3ml serve`.

"Note that if CompleteMultipartUpload fails, applications should be prepared to retry any
failed requests" (S3 API reference, CompleteMultipartUpload): a retry of a Complete whose
answer was lost finds the upload completed and gets the same answer.
"""

import uuid

import pytest
from botocore.exceptions import ClientError

MiB = 1024 * 1024


@pytest.fixture
def bucket(mock_s3):
    name = f"mpr-{uuid.uuid4().hex[:16]}"
    mock_s3.create_bucket(Bucket=name)
    yield name
    for u in mock_s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        mock_s3.abort_multipart_upload(Bucket=name, Key=u["Key"], UploadId=u["UploadId"])
    for o in mock_s3.list_objects_v2(Bucket=name).get("Contents", []):
        mock_s3.delete_object(Bucket=name, Key=o["Key"])
    mock_s3.delete_bucket(Bucket=name)


def _two_part_upload(mock_s3, bucket, key):
    up = mock_s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32")
    parts = []
    for n, body in ((1, b"a" * (5 * MiB)), (2, b"tail")):
        r = mock_s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=n, Body=body,
                                ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    return up["UploadId"], parts


def test_second_complete_of_a_completed_upload_answers_the_same(mock_s3, bucket):
    upload_id, parts = _two_part_upload(mock_s3, bucket, "obj")
    first = mock_s3.complete_multipart_upload(Bucket=bucket, Key="obj", UploadId=upload_id,
                                              MultipartUpload={"Parts": parts})
    again = mock_s3.complete_multipart_upload(Bucket=bucket, Key="obj", UploadId=upload_id,
                                              MultipartUpload={"Parts": parts})
    assert again["ETag"] == first["ETag"] and again["ETag"].endswith('-2"')
    assert again["ChecksumCRC32"] == first["ChecksumCRC32"]
    assert mock_s3.get_object(Bucket=bucket, Key="obj")["Body"].read() == b"a" * (5 * MiB) + b"tail"
    with pytest.raises(ClientError) as e:  # the upload itself is gone
        mock_s3.list_parts(Bucket=bucket, Key="obj", UploadId=upload_id)
    assert e.value.response["Error"]["Code"] == "NoSuchUpload"


def test_get_and_head_part_number_beyond_the_part_count_is_400_invalid_part_number(mock_s3, bucket):
    upload_id, parts = _two_part_upload(mock_s3, bucket, "obj")
    mock_s3.complete_multipart_upload(Bucket=bucket, Key="obj", UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert mock_s3.get_object(Bucket=bucket, Key="obj", PartNumber=2)["Body"].read() == b"tail"
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=bucket, Key="obj", PartNumber=3)
    assert e.value.response["Error"]["Code"] == "InvalidPartNumber"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as e:
        mock_s3.head_object(Bucket=bucket, Key="obj", PartNumber=3)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
