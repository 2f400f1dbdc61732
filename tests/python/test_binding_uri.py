"""s3ml.parse_s3_uri: the C++ ParseS3Uri (the CLI's and the dataset sources' parser) from Python."""

from __future__ import annotations

import pickle

import pytest

import s3ml


def test_parse_s3_uri_keeps_the_key_verbatim_and_unpacks_as_bucket_and_key():
    u = s3ml.parse_s3_uri("s3://my-bucket/a//b c/%2F/")
    assert (u.bucket, u.key) == ("my-bucket", "a//b c/%2F/")
    bucket, key = u
    assert (bucket, key) == ("my-bucket", "a//b c/%2F/")
    assert str(u) == "s3://my-bucket/a//b c/%2F/"
    assert s3ml.parse_s3_uri(str(u)) == u and hash(s3ml.parse_s3_uri(str(u))) == hash(u)
    assert pickle.loads(pickle.dumps(u)) == u
    assert tuple(s3ml.parse_s3_uri("s3://my-bucket")) == ("my-bucket", "")
    assert tuple(s3ml.parse_s3_uri("s3://my-bucket/")) == ("my-bucket", "")


@pytest.mark.parametrize("uri, why", [
    ("my-bucket/key", "missing the s3:// scheme"),
    ("S3://my-bucket/key", "must be lowercase"),
    ("s3:/my-bucket/key", "must be followed by '//'"),
    ("https://my-bucket/key", "unsupported scheme 'https://'"),
    ("s3://", "missing bucket name"),
    ("s3:///key", "missing bucket name"),
    ("s3://My_Bucket/key", "it contains 'M'"),
    ("s3://ab/key", "3 to 63 characters"),
    ("s3://my-bucket/key\n", "control character"),
    ("s3://my-bucket/" + "k" * 1025, "1025 bytes long"),
])
def test_parse_s3_uri_says_what_is_wrong(uri, why):
    with pytest.raises(s3ml.InvalidArgumentError) as info:
        s3ml.parse_s3_uri(uri)
    assert isinstance(info.value, ValueError)
    assert info.value.message.startswith("invalid S3 URI '")
    assert why in info.value.message


def test_python_helpers_report_the_same_reason_under_the_argument_name():
    from s3ml import checkpoint
    with pytest.raises(ValueError, match=r"^uri: invalid S3 URI 's3://ab/k': invalid bucket name 'ab'"):
        checkpoint.parse_s3_uri("s3://ab/k")
    with pytest.raises(ValueError, match=r"^uri: expected 's3://bucket/key' with a key"):
        checkpoint.parse_s3_uri("s3://my-bucket/")
    assert checkpoint.parse_s3_uri("s3://my-bucket/a//b") == ("my-bucket", "a//b")
