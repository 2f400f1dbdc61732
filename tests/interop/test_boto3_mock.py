"""boto3 (a peer nobody here wrote) against `s3ml serve`, for every operation of issue §4.

Fixtures (conftest.py): `s3ml_serve` runs the server process, `mock_s3` is a
path-style boto3 client, `mock_s3_virtual` a virtual-hosted one, `mock_bucket` a
fresh bucket per test.
"""

import datetime
import hashlib
import io
import time
import urllib.error
import urllib.request
import uuid

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum, Sha256Checksum

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, make_boto3_client

SPECIAL_KEYS = [
    "a=b", "user@host", "1+1=2", "with space", "100%", "50%25", "~tilde", "caf\u00e9/\u6570\u636e/\U0001F600",
    "double//slash", "dir/", "a/b/c/", "/leading", "q?mark", "semi;colon,comma", "hash#frag", "amp&and",
    "quote'", "star*", "paren(1)", "dollar$", "bang!", "colon:x",
]


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def http_status(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def unique_bucket(prefix="b3"):
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


# ---- buckets -----------------------------------------------------------------

def test_create_bucket_with_location_constraint_seen_by_location_head_and_list(mock_s3):
    name = unique_bucket()
    resp = mock_s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert resp["Location"] == f"/{name}"
    try:
        assert mock_s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
        head = mock_s3.head_bucket(Bucket=name)
        assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
        listed = {b["Name"]: b for b in mock_s3.list_buckets()["Buckets"]}
        assert name in listed
        assert isinstance(listed[name]["CreationDate"], datetime.datetime)
    finally:
        mock_s3.delete_bucket(Bucket=name)


def test_create_bucket_without_configuration_is_us_east_1(mock_s3):
    name = unique_bucket()
    mock_s3.create_bucket(Bucket=name)
    try:
        assert mock_s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    finally:
        mock_s3.delete_bucket(Bucket=name)


def test_create_existing_bucket_is_bucket_already_owned_by_you_outside_us_east_1(mock_s3):
    # "BucketAlreadyOwnedByYou: ... Amazon S3 returns this error in all AWS Regions except in
    # the North Virginia Region. For legacy compatibility, if you re-create an existing
    # bucket that you already own in the North Virginia Region, Amazon S3 returns 200 OK"
    name = f"interop-eu-{uuid.uuid4().hex[:12]}"
    conf = {"LocationConstraint": "eu-west-1"}
    mock_s3.create_bucket(Bucket=name, CreateBucketConfiguration=conf)
    try:
        with pytest.raises(ClientError) as e:
            mock_s3.create_bucket(Bucket=name, CreateBucketConfiguration=conf)
        assert error_code(e) == "BucketAlreadyOwnedByYou"
        assert http_status(e) == 409
    finally:
        mock_s3.delete_bucket(Bucket=name)


def test_recreate_owned_bucket_in_us_east_1_is_200_and_changes_nothing(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="kept", Body=b"x")
    again = mock_s3.create_bucket(Bucket=mock_bucket)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [o["Key"] for o in mock_s3.list_objects_v2(Bucket=mock_bucket)["Contents"]] == ["kept"]


def test_invalid_bucket_name_is_refused_by_the_server(mock_s3):
    with pytest.raises(ClientError) as e:
        mock_s3.create_bucket(Bucket="Upper_Case_Bucket")
    assert error_code(e) == "InvalidBucketName"
    assert http_status(e) == 400


def test_delete_bucket_not_empty_then_empty_then_missing(mock_s3):
    name = unique_bucket()
    mock_s3.create_bucket(Bucket=name)
    mock_s3.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        mock_s3.delete_bucket(Bucket=name)
    assert error_code(e) == "BucketNotEmpty"
    mock_s3.delete_object(Bucket=name, Key="k")
    assert mock_s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        mock_s3.delete_bucket(Bucket=name)
    assert error_code(e) == "NoSuchBucket"
    with pytest.raises(ClientError) as e:
        mock_s3.head_bucket(Bucket=name)
    assert http_status(e) == 404


# ---- put / get / head / delete -------------------------------------------------

def test_put_object_attributes_round_trip_through_head_and_get(mock_s3, mock_bucket):
    body = b"\x00\x01binary\xffpayload" * 100
    put = mock_s3.put_object(Bucket=mock_bucket, Key="data/obj.bin", Body=body, ContentType="application/x-test",
                             Metadata={"author": "ada", "run-id": "42"}, StorageClass="STANDARD_IA",
                             Tagging="team=ml&stage=dev", CacheControl="no-cache",
                             ContentDisposition="attachment; filename=\"obj.bin\"")
    md5 = hashlib.md5(body).hexdigest()
    assert put["ETag"] == f'"{md5}"'
    head = mock_s3.head_object(Bucket=mock_bucket, Key="data/obj.bin")
    assert head["ContentLength"] == len(body)
    assert head["ContentType"] == "application/x-test"
    assert head["Metadata"] == {"author": "ada", "run-id": "42"}
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["ETag"] == f'"{md5}"'
    assert head["CacheControl"] == "no-cache"
    assert head["ContentDisposition"] == "attachment; filename=\"obj.bin\""
    assert head["AcceptRanges"] == "bytes"
    assert isinstance(head["LastModified"], datetime.datetime)
    got = mock_s3.get_object(Bucket=mock_bucket, Key="data/obj.bin")
    assert got["Body"].read() == body
    assert got["TagCount"] == 2
    assert got["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]


def test_put_object_checksum_is_verified_and_returned(mock_s3, mock_bucket):
    put = mock_s3.put_object(Bucket=mock_bucket, Key="crc", Body=b"123456789", ChecksumAlgorithm="SHA256")
    assert put["ChecksumSHA256"] == "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="
    got = mock_s3.get_object(Bucket=mock_bucket, Key="crc", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"123456789"  # botocore validates the returned checksum while reading
    assert got["ChecksumSHA256"] == put["ChecksumSHA256"]
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="bad", Body=b"abc", ChecksumCRC32="AAAAAA==")
    assert error_code(e) == "BadDigest"


def test_put_object_if_none_match_star_refuses_overwrite(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="once", Body=b"1", IfNoneMatch="*")
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="once", Body=b"2", IfNoneMatch="*")
    assert error_code(e) == "PreconditionFailed"
    assert http_status(e) == 412
    assert mock_s3.get_object(Bucket=mock_bucket, Key="once")["Body"].read() == b"1"


@pytest.mark.parametrize("range_header,content_range,sl", [
    ("bytes=0-9", "bytes 0-9/100", slice(0, 10)),
    ("bytes=90-", "bytes 90-99/100", slice(90, 100)),
    ("bytes=-5", "bytes 95-99/100", slice(95, 100)),
    ("bytes=50-1000", "bytes 50-99/100", slice(50, 100)),
])
def test_get_object_ranges(mock_s3, mock_bucket, range_header, content_range, sl):
    body = bytes(range(100))
    mock_s3.put_object(Bucket=mock_bucket, Key="r", Body=body)
    got = mock_s3.get_object(Bucket=mock_bucket, Key="r", Range=range_header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == content_range
    assert got["ContentLength"] == len(body[sl])
    assert got["Body"].read() == body[sl]


def test_get_object_unsatisfiable_range_is_invalid_range(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="r", Body=b"0123456789")
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="r", Range="bytes=10-")
    assert error_code(e) == "InvalidRange"
    assert http_status(e) == 416


def test_get_object_conditionals(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="c", Body=b"conditional")
    etag = mock_s3.head_object(Bucket=mock_bucket, Key="c")["ETag"]
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    assert mock_s3.get_object(Bucket=mock_bucket, Key="c", IfMatch=etag)["Body"].read() == b"conditional"
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="c", IfMatch='"0123"')
    assert error_code(e) == "PreconditionFailed"
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="c", IfNoneMatch=etag)
    assert http_status(e) == 304
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="c", IfModifiedSince=future)
    assert http_status(e) == 304
    assert mock_s3.get_object(Bucket=mock_bucket, Key="c", IfModifiedSince=past)["Body"].read() == b"conditional"
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="c", IfUnmodifiedSince=past)
    assert http_status(e) == 412


def test_head_and_get_missing_objects(mock_s3, mock_bucket):
    with pytest.raises(ClientError) as e:
        mock_s3.head_object(Bucket=mock_bucket, Key="missing")
    assert http_status(e) == 404
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="missing")
    assert error_code(e) == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=unique_bucket("none"), Key="k")
    assert error_code(e) == "NoSuchBucket"


def test_delete_object_is_204_even_when_absent(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="d", Body=b"x")
    assert mock_s3.delete_object(Bucket=mock_bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert mock_s3.delete_object(Bucket=mock_bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "Contents" not in mock_s3.list_objects_v2(Bucket=mock_bucket)


def test_delete_objects_reports_deleted_and_quiet_mode(mock_s3, mock_bucket):
    for k in ["a", "b", "c", "d"]:
        mock_s3.put_object(Bucket=mock_bucket, Key=k, Body=k.encode())
    resp = mock_s3.delete_objects(Bucket=mock_bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "zz"}]})
    assert sorted(d["Key"] for d in resp["Deleted"]) == ["a", "b", "zz"]
    assert "Errors" not in resp
    quiet = mock_s3.delete_objects(Bucket=mock_bucket, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert "Deleted" not in quiet
    assert [o["Key"] for o in mock_s3.list_objects_v2(Bucket=mock_bucket)["Contents"]] == ["d"]


def test_delete_objects_more_than_1000_is_malformed_xml(mock_s3, mock_bucket):
    objects = [{"Key": f"k{i}"} for i in range(1001)]
    with pytest.raises(ClientError) as e:
        mock_s3.delete_objects(Bucket=mock_bucket, Delete={"Objects": objects})
    assert error_code(e) == "MalformedXML"


def test_copy_object_copy_and_replace_metadata(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="src key+1", Body=b"copy me", ContentType="text/x-src",
                       Metadata={"origin": "src"})
    copied = mock_s3.copy_object(Bucket=mock_bucket, Key="copy", CopySource={"Bucket": mock_bucket, "Key": "src key+1"})
    assert copied["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"copy me").hexdigest()}"'
    head = mock_s3.head_object(Bucket=mock_bucket, Key="copy")
    assert head["Metadata"] == {"origin": "src"}
    assert head["ContentType"] == "text/x-src"
    mock_s3.copy_object(Bucket=mock_bucket, Key="replaced", CopySource=f"{mock_bucket}/src key+1",
                        MetadataDirective="REPLACE", ContentType="text/x-new", Metadata={"fresh": "yes"})
    head = mock_s3.head_object(Bucket=mock_bucket, Key="replaced")
    assert head["Metadata"] == {"fresh": "yes"}
    assert head["ContentType"] == "text/x-new"
    assert mock_s3.get_object(Bucket=mock_bucket, Key="replaced")["Body"].read() == b"copy me"
    with pytest.raises(ClientError) as e:
        mock_s3.copy_object(Bucket=mock_bucket, Key="copy", CopySource={"Bucket": mock_bucket, "Key": "copy"})
    assert error_code(e) == "InvalidRequest"
    with pytest.raises(ClientError) as e:
        mock_s3.copy_object(Bucket=mock_bucket, Key="x", CopySource={"Bucket": mock_bucket, "Key": "absent"})
    assert error_code(e) == "NoSuchKey"


# ---- listing -------------------------------------------------------------------

@pytest.fixture
def tree_bucket(mock_s3, mock_bucket):
    keys = [f"photos/2023/img{i}.jpg" for i in range(5)] + [f"photos/2024/img{i}.jpg" for i in range(4)] + \
           ["photos/index.html", "readme.md", "videos/a.mp4", "videos/b.mp4", "\u00e9t\u00e9.txt", "Zebra"]
    for k in keys:
        mock_s3.put_object(Bucket=mock_bucket, Key=k, Body=k.encode())
    return mock_bucket, keys


def walk_v2(client, bucket, page_size, **kwargs):
    keys, prefixes, pages = [], [], 0
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, PaginationConfig={"PageSize": page_size}, **kwargs):
        pages += 1
        assert page["KeyCount"] == len(page.get("Contents", [])) + len(page.get("CommonPrefixes", []))
        assert page["KeyCount"] <= page_size
        keys += [o["Key"] for o in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    return keys, prefixes, pages


@pytest.mark.parametrize("page_size", [1, 2, 5, 1000])
def test_list_objects_v2_paginator_returns_every_key_in_byte_order(mock_s3, tree_bucket, page_size):
    bucket, keys = tree_bucket
    got, prefixes, pages = walk_v2(mock_s3, bucket, page_size)
    assert got == sorted(keys, key=lambda k: k.encode("utf-8"))
    assert prefixes == []
    assert pages == -(-len(keys) // page_size)


@pytest.mark.parametrize("page_size", [1, 3, 1000])
def test_list_objects_v2_prefix_and_delimiter(mock_s3, tree_bucket, page_size):
    bucket, _ = tree_bucket
    keys, prefixes, _ = walk_v2(mock_s3, bucket, page_size, Delimiter="/")
    assert keys == ["Zebra", "readme.md", "\u00e9t\u00e9.txt"]
    assert prefixes == ["photos/", "videos/"]
    keys, prefixes, _ = walk_v2(mock_s3, bucket, page_size, Prefix="photos/", Delimiter="/")
    assert keys == ["photos/index.html"]
    assert prefixes == ["photos/2023/", "photos/2024/"]
    keys, prefixes, _ = walk_v2(mock_s3, bucket, page_size, Prefix="photos/2024/")
    assert keys == [f"photos/2024/img{i}.jpg" for i in range(4)]


def test_list_objects_v2_start_after_and_max_keys(mock_s3, tree_bucket):
    bucket, keys = tree_bucket
    ordered = sorted(keys, key=lambda k: k.encode("utf-8"))
    resp = mock_s3.list_objects_v2(Bucket=bucket, StartAfter="photos/2024/img3.jpg", MaxKeys=2)
    assert [o["Key"] for o in resp["Contents"]] == ordered[ordered.index("photos/2024/img3.jpg") + 1:][:2]
    assert resp["IsTruncated"] is True
    assert resp["StartAfter"] == "photos/2024/img3.jpg"
    assert resp["MaxKeys"] == 2
    rest, _, _ = walk_v2(mock_s3, bucket, 1000, StartAfter="readme.md")
    assert rest == ordered[ordered.index("readme.md") + 1:]
    first = resp["Contents"][0]
    assert first["Size"] == len(first["Key"].encode())
    assert first["StorageClass"] == "STANDARD"
    assert first["ETag"] == f'"{hashlib.md5(first["Key"].encode()).hexdigest()}"'


def test_list_objects_v1_paginator_with_marker(mock_s3, tree_bucket):
    bucket, keys = tree_bucket
    got = []
    for page in mock_s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 4}):
        got += [o["Key"] for o in page.get("Contents", [])]
    assert got == sorted(keys, key=lambda k: k.encode("utf-8"))
    prefixes = []
    for page in mock_s3.get_paginator("list_objects").paginate(Bucket=bucket, Delimiter="/",
                                                                  PaginationConfig={"PageSize": 1}):
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    assert prefixes == ["photos/", "videos/"]


# ---- keys, addressing, transfers, presigning, auth -------------------------------

@pytest.mark.parametrize("style", ["path", "virtual"])
def test_special_keys_round_trip_and_list_exactly(mock_s3, mock_s3_virtual, mock_bucket, style):
    client = mock_s3 if style == "path" else mock_s3_virtual
    for key in SPECIAL_KEYS:
        body = f"body of {key}".encode()
        client.put_object(Bucket=mock_bucket, Key=key, Body=body)
        assert client.get_object(Bucket=mock_bucket, Key=key)["Body"].read() == body, key
        assert client.head_object(Bucket=mock_bucket, Key=key)["ContentLength"] == len(body), key
    listed = [o["Key"] for o in client.list_objects_v2(Bucket=mock_bucket)["Contents"]]
    assert listed == sorted(SPECIAL_KEYS, key=lambda k: k.encode("utf-8"))
    copied = client.copy_object(Bucket=mock_bucket, Key="copies/" + SPECIAL_KEYS[7],
                                CopySource={"Bucket": mock_bucket, "Key": SPECIAL_KEYS[7]})
    assert copied["CopyObjectResult"]["ETag"]
    resp = client.delete_objects(Bucket=mock_bucket, Delete={"Objects": [{"Key": k} for k in SPECIAL_KEYS]})
    assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(SPECIAL_KEYS)


def test_virtual_hosted_client_lists_buckets_and_objects(mock_s3, mock_s3_virtual, mock_bucket):
    mock_s3_virtual.put_object(Bucket=mock_bucket, Key="v/1", Body=b"1")
    assert mock_s3.get_object(Bucket=mock_bucket, Key="v/1")["Body"].read() == b"1"
    assert mock_s3_virtual.list_objects_v2(Bucket=mock_bucket, Prefix="v/")["KeyCount"] == 1
    assert mock_s3_virtual.head_bucket(Bucket=mock_bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert mock_bucket in [b["Name"] for b in mock_s3_virtual.list_buckets()["Buckets"]]


def test_upload_file_20_mib_single_part_and_download(mock_s3, mock_bucket, tmp_path):
    src = tmp_path / "big.bin"
    data = hashlib.sha256(b"seed").digest() * (20 * 1024 * 1024 // 32)
    src.write_bytes(data)
    single_part = TransferConfig(multipart_threshold=1 << 30, max_concurrency=4)  # multipart: test_boto3_multipart.py
    mock_s3.upload_file(str(src), mock_bucket, "big/file.bin", Config=single_part)
    head = mock_s3.head_object(Bucket=mock_bucket, Key="big/file.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'  # a single-part ETag
    dst = tmp_path / "back.bin"
    mock_s3.download_file(mock_bucket, "big/file.bin", str(dst), Config=single_part)
    assert dst.read_bytes() == data


@pytest.mark.parametrize("signature_version", [None, "s3v4"])
def test_presigned_get_and_put_urls_work_with_urllib(s3ml_serve, mock_bucket, signature_version):
    """boto3's default presigned URLs are SigV2 (AWSAccessKeyId/Signature/Expires); s3v4 gives X-Amz-* ones."""
    extra = {"signature_version": signature_version} if signature_version else {}
    client = make_boto3_client(s3ml_serve.url, **extra)
    key = f"pre/{signature_version}/a b+c"
    put_url = client.generate_presigned_url("put_object", Params={"Bucket": mock_bucket, "Key": key}, ExpiresIn=300)
    assert ("X-Amz-Signature=" in put_url) == (signature_version == "s3v4")
    # urllib would add "Content-Type: application/x-www-form-urlencoded", which a SigV2 URL signed as empty.
    req = urllib.request.Request(put_url, data=b"presigned payload", method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
    get_url = client.generate_presigned_url("get_object", Params={"Bucket": mock_bucket, "Key": key}, ExpiresIn=300)
    with urllib.request.urlopen(get_url, timeout=30) as resp:
        assert resp.read() == b"presigned payload"
    tampered = get_url.replace("pre/", "pre2/")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(tampered, timeout=30)
    assert e.value.code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in e.value.read()


def test_sigv2_signed_client_works(s3ml_serve, mock_bucket):
    legacy = make_boto3_client(s3ml_serve.url, signature_version="s3")
    legacy.put_object(Bucket=mock_bucket, Key="v2/obj", Body=b"signed with SigV2", Metadata={"m": "1"})
    assert legacy.get_object(Bucket=mock_bucket, Key="v2/obj")["Body"].read() == b"signed with SigV2"
    assert [o["Key"] for o in legacy.list_objects(Bucket=mock_bucket, Prefix="v2/")["Contents"]] == ["v2/obj"]


def test_expired_presigned_urls_are_access_denied(s3ml_serve, mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"x")
    v4 = make_boto3_client(s3ml_serve.url, signature_version="s3v4")
    urls = [c.generate_presigned_url("get_object", Params={"Bucket": mock_bucket, "Key": "k"}, ExpiresIn=1)
            for c in (mock_s3, v4)]
    time.sleep(2.2)
    for url in urls:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url, timeout=30)
        assert e.value.code == 403
        body = e.value.read().decode()
        assert "<Code>AccessDenied</Code>" in body
        assert "Request has expired" in body


def test_wrong_secret_key_is_signature_does_not_match(s3ml_serve):
    bad = make_boto3_client(s3ml_serve.url, secret_key="not-the-secret")
    with pytest.raises(ClientError) as e:
        bad.list_buckets()
    assert error_code(e) == "SignatureDoesNotMatch"
    assert http_status(e) == 403
    assert "CanonicalRequest" in e.value.response["Error"]


def test_unknown_access_key_is_invalid_access_key_id(s3ml_serve):
    bad = make_boto3_client(s3ml_serve.url, access_key="AKIANOBODY")
    with pytest.raises(ClientError) as e:
        bad.list_buckets()
    assert error_code(e) == "InvalidAccessKeyId"


def test_wrong_region_is_authorization_header_malformed(s3ml_serve):
    import boto3
    from botocore.config import Config
    client = boto3.session.Session().client(
        "s3", endpoint_url=s3ml_serve.url, region_name="ap-south-1", aws_access_key_id=MOCK_ACCESS_KEY,
        aws_secret_access_key=MOCK_SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as e:
        client.list_buckets()
    assert error_code(e) == "AuthorizationHeaderMalformed"


def _botocore_chunked_put(url, body, payload_len, name, streaming):
    """A PUT with an aws-chunked body, signed by botocore's own S3SigV4Auth.

    streaming=True marks the request the way botocore does over TLS (checksum in a
    trailer), so it is signed with STREAMING-UNSIGNED-PAYLOAD-TRAILER; otherwise
    botocore signs the SHA-256 of the framed body.
    """
    request = AWSRequest(method="PUT", url=url, data=body, headers={
        "Content-Encoding": "aws-chunked",
        "X-Amz-Trailer": name,
        "X-Amz-Decoded-Content-Length": str(payload_len),
        "Content-Length": str(len(body)),
    })
    if streaming:
        request.context["checksum"] = {"request_algorithm": {"algorithm": name.rsplit("-", 1)[1], "in": "trailer",
                                                             "name": name}}
    S3SigV4Auth(Credentials(MOCK_ACCESS_KEY, MOCK_SECRET_KEY), "s3", MOCK_REGION).add_auth(request)
    prepared = request.prepare()
    assert (prepared.headers["X-Amz-Content-SHA256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") == streaming
    return urllib.request.Request(prepared.url, data=body, method="PUT", headers=dict(prepared.headers))


@pytest.mark.parametrize("streaming", [True, False])
@pytest.mark.parametrize("checksum_cls,name", [(Crc32Checksum, "x-amz-checksum-crc32"),
                                               (Sha256Checksum, "x-amz-checksum-sha256")])
def test_botocore_aws_chunked_trailer_body_is_accepted(s3ml_serve, mock_s3, mock_bucket, checksum_cls, name,
                                                       streaming):
    """boto3 sends aws-chunked bodies with trailing checksums only over TLS; use botocore's encoder and signer here."""
    payload = bytes(range(256)) * 3000  # 768000 bytes: several 64 KiB chunks
    url = f"{s3ml_serve.url}/{mock_bucket}/chunked/{name}"
    body = AwsChunkedWrapper(io.BytesIO(payload), checksum_cls=checksum_cls, checksum_name=name,
                             chunk_size=64 * 1024).read()
    with urllib.request.urlopen(_botocore_chunked_put(url, body, len(payload), name, streaming), timeout=30) as resp:
        assert resp.status == 200
    assert mock_s3.get_object(Bucket=mock_bucket, Key=f"chunked/{name}")["Body"].read() == payload
    # A corrupted trailer checksum is refused and nothing is stored.
    marker = b"\r\n0\r\n" + name.encode() + b":"
    bad_body = body.replace(marker, marker + b"AAAA", 1)
    assert bad_body != body
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(_botocore_chunked_put(url + "-bad", bad_body, len(payload), name, streaming), timeout=30)
    assert e.value.code == 400
    assert b"<Code>BadDigest</Code>" in e.value.read()
    with pytest.raises(ClientError) as missing:
        mock_s3.head_object(Bucket=mock_bucket, Key=f"chunked/{name}-bad")
    assert http_status(missing) == 404
