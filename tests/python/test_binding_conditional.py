"""Conditional writes and deletes through the binding, against s3ml.MockServer.

Quotes are from the S3 API reference (PutObject, CopyObject, CompleteMultipartUpload,
DeleteObject) and the S3 User Guide ("How to perform conditional deletes").
"""

from __future__ import annotations

import threading
import time

import pytest

import s3ml
from _binding_util import bucket, mock, s3, unique_bucket  # noqa: F401 (fixtures)


def test_put_object_if_none_match_star_creates_once(s3, bucket):
    # "Uploads the object only if the object key name does not already exist in the bucket
    # specified. Otherwise, Amazon S3 returns a 412 Precondition Failed error."
    s3.put_object(bucket, "once", b"first", if_none_match="*")
    with pytest.raises(s3ml.PreconditionFailed) as info:
        s3.put_object(bucket, "once", b"second", if_none_match="*")
    assert info.value.status == 412
    assert s3.get_object(bucket, "once").body == b"first"


def test_put_object_if_match_is_compare_and_swap(s3, bucket):
    # "If the ETag values do not match, the operation returns a 412 Precondition Failed error."
    v1 = s3.put_object(bucket, "cas", b"v1").etag
    s3.put_object(bucket, "cas", b"v2", if_match=v1)
    with pytest.raises(s3ml.PreconditionFailed):
        s3.put_object(bucket, "cas", b"v3", if_match=v1)
    with pytest.raises(s3ml.NoSuchKey):
        s3.put_object(bucket, "absent", b"x", if_match=v1)
    assert s3.get_object(bucket, "cas").body == b"v2"


def test_if_none_match_other_than_star_is_refused_before_any_request(s3, bucket):
    with pytest.raises(s3ml.InvalidArgumentError, match="if_none_match"):
        s3.put_object(bucket, "k", b"x", if_none_match='"abc"')


def test_copy_object_destination_conditions(s3, bucket):
    # "Copies the object only if the object key name at the destination does not already exist."
    s3.put_object(bucket, "src", b"source")
    dst = s3.put_object(bucket, "dst", b"destination").etag
    with pytest.raises(s3ml.PreconditionFailed):
        s3.copy_object(bucket, "src", bucket, "dst", dest_if_none_match="*")
    s3.copy_object(bucket, "src", bucket, "fresh", dest_if_none_match="*")
    with pytest.raises(s3ml.PreconditionFailed):
        s3.copy_object(bucket, "src", bucket, "dst", dest_if_match='"0000"')
    s3.copy_object(bucket, "src", bucket, "dst", dest_if_match=dst)
    assert s3.get_object(bucket, "dst").body == b"source"
    assert s3.get_object(bucket, "fresh").body == b"source"


def test_complete_multipart_upload_conditions_keep_the_upload_on_412(s3, bucket):
    current = s3.put_object(bucket, "big", b"old").etag
    upload = s3.create_multipart_upload(bucket, "big")
    part = s3.upload_part(bucket, "big", upload, 1, b"p" * 1024)
    with pytest.raises(s3ml.PreconditionFailed):
        s3.complete_multipart_upload(bucket, "big", upload, [(1, part)], if_none_match="*")
    s3.complete_multipart_upload(bucket, "big", upload, [(1, part)], if_match=current)
    assert s3.get_object(bucket, "big").body == b"p" * 1024


def test_delete_object_and_delete_objects_if_match(s3, bucket):
    # "If the ETag value of an object in an S3 bucket doesn't match with the ETag that you
    # provide during the delete operation, the operation fails."
    a = s3.put_object(bucket, "a", b"A").etag
    s3.put_object(bucket, "b", b"B")
    with pytest.raises(s3ml.PreconditionFailed):
        s3.delete_object(bucket, "b", if_match=a)
    s3.delete_object(bucket, "a", if_match=a)
    with pytest.raises(s3ml.NoSuchKey):
        s3.delete_object(bucket, "a", if_match="*")
    c = s3.put_object(bucket, "c", b"C").etag
    r = s3.delete_objects(bucket, [("b", None, c), ("c", None, c)])
    assert [d.key for d in r.deleted] == ["c"]
    assert [(e.key, e.code) for e in r.errors] == [("b", "PreconditionFailed")]


def test_conditional_write_conflicting_with_a_concurrent_delete_raises_conditional_request_conflict():
    # "If a conflicting operation occurs during the upload S3 returns a 409
    # ConditionalRequestConflict response."
    with s3ml.MockServer() as server:
        s3 = server.client()
        name = unique_bucket("cond")
        s3.create_bucket(name)
        etag = s3.put_object(name, "k", b"v1").etag
        server.add_fault("latency", operation="PutObject", key_prefix="k", latency_ms=1500, count=1)
        out = {}

        def write():
            try:
                s3.put_object(name, "k", b"v2", if_match=etag)
            except s3ml.S3Error as e:
                out["error"] = e

        t = threading.Thread(target=write)
        t.start()
        deadline = time.monotonic() + 20
        while server.stats()["faults_injected"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        s3.delete_object(name, "k")
        t.join(30)
        assert isinstance(out.get("error"), s3ml.ConditionalRequestConflict), out
        assert out["error"].status == 409
        assert "k" not in server.object_keys(name)
