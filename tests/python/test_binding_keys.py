"""Keys S3 accepts that are easy to lose on the way (whitespace-only, control characters,
'%', '+') round-trip through the binding: put, get, list, delete_object, delete_objects.

"The object key name consists of a sequence of Unicode characters encoded in UTF-8, with a
maximum length of 1,024 bytes" (S3 User Guide, Naming Amazon S3 objects).
"""

from __future__ import annotations

import pytest

import s3ml
from _binding_util import bucket, mock, s3, unique_bucket  # noqa: F401 (fixtures)

HARD_KEYS = [" ", "  ", "\t", "\n", "a\nb", "cr\r", "crlf\r\n", "ctl\x01\x1f\x7f", "%", "%25", "+", "a+b c",
             "trailing ", " leading", "nbsp\u00a0", "amp&<lt>\"q'", "caf\u00e9 \U0001F600"]


def _sorted_by_bytes(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def test_hard_keys_round_trip_and_delete_objects_empties_the_bucket(s3):
    name = unique_bucket("keys")
    s3.create_bucket(name)
    for key in HARD_KEYS:
        s3.put_object(name, key, f"body of {key}".encode())
        assert bytes(s3.get_object(name, key).body) == f"body of {key}".encode(), repr(key)
    assert [o.key for o in s3.list_objects(name, page_size=4)] == _sorted_by_bytes(HARD_KEYS)
    # "Replacement must be made for object keys containing special characters (such as
    # carriage returns) when using XML requests." (DeleteObjects)
    res = s3.delete_objects(name, HARD_KEYS)
    assert res.errors == []
    assert sorted(d.key for d in res.deleted) == sorted(HARD_KEYS)
    assert list(s3.list_objects(name)) == []
    s3.delete_bucket(name)  # empty, so not BucketNotEmpty
    with pytest.raises(s3ml.NoSuchBucket):
        s3.head_bucket(name)


def test_hard_keys_delete_object_one_by_one(s3, bucket):
    for key in HARD_KEYS:
        s3.put_object(bucket, key, b"x")
    for key in HARD_KEYS:
        s3.delete_object(bucket, key)
    assert list(s3.list_objects(bucket)) == []


def test_hard_keys_common_prefixes_keep_their_whitespace(s3, bucket):
    for key in [" /a", "\n/b", "+/c", "%/d"]:
        s3.put_object(bucket, key, b"x")
    assert list(s3.list_prefixes(bucket, delimiter="/")) == _sorted_by_bytes([" /", "\n/", "+/", "%/"])
