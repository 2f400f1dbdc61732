"""boto3 multipart uploads against `s3ml serve`.

boto3 is the peer: its transfer manager splits a 20 MiB file into 5 MiB parts and
uploads them in parallel, and its own models build and parse every multipart request
(CreateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload,
AbortMultipartUpload, ListMultipartUploads). The checks are byte-identical round
trips and S3's multipart ETag ("<md5 of the part md5s>-<n>").
"""

import hashlib
import os
import uuid

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

MiB = 1024 * 1024


def _multipart_etag(parts):
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-{len(parts)}"'


@pytest.fixture
def bucket(mock_s3):
    """A fresh bucket; objects and uploads still in progress are removed afterwards."""
    name = f"mpu-{uuid.uuid4().hex[:16]}"
    mock_s3.create_bucket(Bucket=name)
    yield name
    for u in mock_s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        mock_s3.abort_multipart_upload(Bucket=name, Key=u["Key"], UploadId=u["UploadId"])
    for page in mock_s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for o in page.get("Contents", []):
            mock_s3.delete_object(Bucket=name, Key=o["Key"])
    mock_s3.delete_bucket(Bucket=name)


def test_upload_file_and_download_file_20mib_in_5mib_parts_round_trip(mock_s3, bucket, tmp_path):
    data = os.urandom(20 * MiB)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)
    mock_s3.upload_file(str(src), bucket, "data/big.bin", Config=config)

    head = mock_s3.head_object(Bucket=bucket, Key="data/big.bin")
    assert head["ContentLength"] == len(data)
    parts = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    assert head["ETag"] == _multipart_etag(parts)
    assert head["ETag"].endswith('-4"')
    assert mock_s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    dst = tmp_path / "dst.bin"
    mock_s3.download_file(bucket, "data/big.bin", str(dst), Config=config)
    assert dst.read_bytes() == data

    # GET by part number serves that part's bytes and the part count.
    part2 = mock_s3.get_object(Bucket=bucket, Key="data/big.bin", PartNumber=2)
    assert part2["PartsCount"] == 4
    assert part2["Body"].read() == parts[1]
    assert part2["ContentRange"] == f"bytes {5 * MiB}-{10 * MiB - 1}/{len(data)}"


def test_explicit_multipart_calls_list_complete_and_abort(mock_s3, bucket):
    key = "explicit.bin"
    created = mock_s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/x-tar",
                                              Metadata={"shard": "9"})
    upload_id = created["UploadId"]
    assert created["Key"] == key and created["Bucket"] == bucket

    other = mock_s3.create_multipart_upload(Bucket=bucket, Key="abandoned")["UploadId"]
    uploads = mock_s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert sorted((u["Key"], u["UploadId"]) for u in uploads) == sorted([(key, upload_id), ("abandoned", other)])
    assert mock_s3.list_multipart_uploads(Bucket=bucket, Prefix="aban")["Uploads"][0]["UploadId"] == other

    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), b"tail bytes"]
    etags = []
    for n, body in enumerate(parts, start=1):
        r = mock_s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body)
        assert r["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
        etags.append(r["ETag"])

    listed = mock_s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2]
    assert listed["IsTruncated"] is True
    rest = mock_s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id,
                              PartNumberMarker=listed["NextPartNumberMarker"])
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in rest["Parts"]] == [(3, len(parts[2]), etags[2])]
    assert rest["IsTruncated"] is False

    with pytest.raises(ClientError) as bad_order:
        mock_s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": etags[1]}, {"PartNumber": 1, "ETag": etags[0]}]})
    assert bad_order.value.response["Error"]["Code"] == "InvalidPartOrder"

    done = mock_s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]})
    assert done["ETag"] == _multipart_etag(parts)
    got = mock_s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == b"".join(parts)
    assert got["ETag"] == done["ETag"]
    assert got["ContentType"] == "application/x-tar"
    assert got["Metadata"] == {"shard": "9"}

    mock_s3.abort_multipart_upload(Bucket=bucket, Key="abandoned", UploadId=other)
    assert mock_s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    with pytest.raises(ClientError) as gone:
        mock_s3.list_parts(Bucket=bucket, Key="abandoned", UploadId=other)
    assert gone.value.response["Error"]["Code"] == "NoSuchUpload"


def test_entity_too_small_and_invalid_part_reported_to_boto3(mock_s3, bucket):
    upload_id = mock_s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    e1 = mock_s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"small")["ETag"]
    e2 = mock_s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=2, Body=b"end")["ETag"]
    with pytest.raises(ClientError) as small:
        mock_s3.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    assert small.value.response["Error"]["Code"] == "EntityTooSmall"
    with pytest.raises(ClientError) as invalid:
        mock_s3.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e2}]})
    assert invalid.value.response["Error"]["Code"] == "InvalidPart"
    with pytest.raises(ClientError) as too_big:
        mock_s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=10001, Body=b"x")
    assert too_big.value.response["Error"]["Code"] == "InvalidArgument"


def test_upload_part_copy_from_a_byte_range(mock_s3, bucket):
    src = os.urandom(6 * MiB)
    mock_s3.put_object(Bucket=bucket, Key="src", Body=src)
    upload_id = mock_s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    p1 = mock_s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                                  CopySource={"Bucket": bucket, "Key": "src"},
                                  CopySourceRange=f"bytes=0-{5 * MiB - 1}")["CopyPartResult"]["ETag"]
    p2 = mock_s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=2,
                                  CopySource={"Bucket": bucket, "Key": "src"},
                                  CopySourceRange=f"bytes={5 * MiB}-{len(src) - 1}")["CopyPartResult"]["ETag"]
    done = mock_s3.complete_multipart_upload(
        Bucket=bucket, Key="dst", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1}, {"PartNumber": 2, "ETag": p2}]})
    assert done["ETag"] == _multipart_etag([src[:5 * MiB], src[5 * MiB:]])
    assert mock_s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == src
