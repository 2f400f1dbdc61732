"""Bucket settings through the binding against s3ml.MockServer: default encryption,
bucket tagging, and the canned ACL of put_object (Object Ownership BucketOwnerEnforced,
S3's default, accepts only the owner's full control)."""

from __future__ import annotations

import pytest

import s3ml
from _binding_util import bucket, mock, s3, unique_bucket  # noqa: F401 (fixtures)


def test_bucket_encryption_defaults_to_sse_s3_and_a_kms_default_applies_to_puts(s3, bucket):
    # GetBucketEncryption: "By default, all buckets have a default encryption configuration
    # that uses server-side encryption with Amazon S3 managed keys (SSE-S3)."
    assert s3.get_bucket_encryption(bucket) == {"sse_algorithm": "AES256", "kms_key_id": "",
                                                "bucket_key_enabled": False}
    s3.put_bucket_encryption(bucket, "aws:kms", kms_key_id="alias/checkpoints", bucket_key_enabled=True)
    assert s3.get_bucket_encryption(bucket) == {"sse_algorithm": "aws:kms", "kms_key_id": "alias/checkpoints",
                                                "bucket_key_enabled": True}
    put = s3.put_object(bucket, "ckpt", b"weights")
    assert put.server_side_encryption == "aws:kms"
    assert put.sse_kms_key_id.endswith(":alias/checkpoints")
    s3.delete_bucket_encryption(bucket)
    assert s3.get_bucket_encryption(bucket)["sse_algorithm"] == "AES256"
    assert s3.put_object(bucket, "after", b"x").server_side_encryption == "AES256"
    with pytest.raises(s3ml.InvalidArgumentError):
        s3.put_bucket_encryption(bucket, "AES256", kms_key_id="k")


def test_bucket_tagging_round_trip_and_no_such_tag_set(s3, bucket):
    with pytest.raises(s3ml.NoSuchTagSet):
        s3.get_bucket_tagging(bucket)
    s3.put_bucket_tagging(bucket, {"project": "llm", "stage": "train"})
    assert s3.get_bucket_tagging(bucket) == {"project": "llm", "stage": "train"}
    with pytest.raises(s3ml.S3Error) as e:
        s3.put_bucket_tagging(bucket, {"aws:reserved": "x"})
    assert e.value.code == "InvalidTag"
    s3.delete_bucket_tagging(bucket)
    with pytest.raises(s3ml.NoSuchTagSet):
        s3.get_bucket_tagging(bucket)


def test_put_object_acl_is_sent_and_bucket_owner_enforced_refuses_public_acls(s3, bucket):
    s3.put_object(bucket, "k", b"x", acl="bucket-owner-full-control")
    with pytest.raises(s3ml.S3Error) as e:
        s3.put_object(bucket, "k", b"x", acl="public-read")
    assert e.value.code == "AccessControlListNotSupported"
