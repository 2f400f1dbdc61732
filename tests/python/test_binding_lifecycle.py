"""Lifecycle rules, archive restores, server-side encryption and S3 Express sessions
through the binding, against s3ml.MockServer."""

from __future__ import annotations

import datetime
import os
import pickle
import re

import pytest

import s3ml
from _binding_util import bucket, mock, s3, unique_bucket  # noqa: F401 (fixtures)


@pytest.fixture()
def server():
    """A server of its own: these tests move its clock."""
    with s3ml.MockServer() as srv:
        yield srv


RULES = [
    {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30},
     "Transitions": [{"Days": 7, "StorageClass": "GLACIER"}],
     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
    {"ID": "tagged", "Status": "Disabled", "Filter": {"Tag": {"Key": "tier", "Value": "cold"}},
     "Expiration": {"Date": datetime.datetime(2031, 1, 1, tzinfo=datetime.timezone.utc)}},
    {"ID": "and", "Status": "Enabled",
     "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
                        "ObjectSizeGreaterThan": 10}},
     "NoncurrentVersionExpiration": {"NoncurrentDays": 5, "NewerNoncurrentVersions": 2},
     "NoncurrentVersionTransitions": [{"NoncurrentDays": 1, "StorageClass": "GLACIER"}]},
]


def test_lifecycle_put_get_round_trip_equals_input_and_delete_removes_it(s3, bucket):
    s3.put_bucket_lifecycle_configuration(bucket, RULES)
    assert s3.get_bucket_lifecycle_configuration(bucket) == RULES
    # boto3's LifecycleConfiguration wrapper and ISO date strings are accepted too.
    s3.put_bucket_lifecycle_configuration(bucket, {"Rules": [
        {"ID": "d", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Date": "2030-06-01"}}]})
    (rule,) = s3.get_bucket_lifecycle_configuration(bucket)
    assert rule["Expiration"]["Date"] == datetime.datetime(2030, 6, 1, tzinfo=datetime.timezone.utc)
    s3.delete_bucket_lifecycle_configuration(bucket)
    with pytest.raises(s3ml.NoSuchLifecycleConfiguration) as info:
        s3.get_bucket_lifecycle_configuration(bucket)
    assert isinstance(info.value, s3ml.S3Error) and info.value.code == "NoSuchLifecycleConfiguration"
    s3.delete_bucket_lifecycle_configuration(bucket)  # none left: still fine


@pytest.mark.parametrize("rules, where", [
    ([{"ID": "x", "Status": "On", "Expiration": {"Days": 1}}], "rules[0].Status"),
    ([{"Status": "Enabled", "Expiration": {"Days": "1"}}], "rules[0].Expiration.Days"),
    ([{"Status": "Enabled", "Expiration": {"Days": True}}], "rules[0].Expiration.Days"),
    ([{"Status": "Enabled", "Expiration": {"Days": 1}}, {"Status": "Enabled", "Expire": {}}], "rules[1]"),
    ([{"Status": "Enabled", "Transitions": [{"Days": 1}]}], "rules[0].Transitions[0]"),
    ([{"Status": "Enabled", "Filter": {"Tag": {"Value": "v"}}, "Expiration": {"Days": 1}}], "rules[0].Filter.Tag"),
    ([{"Status": "Enabled", "Expiration": {"Date": "soon"}}], "rules[0].Expiration.Date"),
    (["not a dict"], "rules[0]"),
    ([{"Status": "Enabled"}], None),  # no action: rejected by the C++ validation before sending
])
def test_lifecycle_malformed_rules_raise_value_error_naming_the_field(s3, bucket, rules, where):
    with pytest.raises(ValueError, match=re.escape(where) if where else "(?i)rule"):
        s3.put_bucket_lifecycle_configuration(bucket, rules)
    with pytest.raises(s3ml.NoSuchLifecycleConfiguration):  # nothing was stored
        s3.get_bucket_lifecycle_configuration(bucket)


def test_lifecycle_expiration_removes_matching_objects_when_time_passes(server):
    s3 = server.client()
    s3.create_bucket("lc-expiry")
    s3.put_object("lc-expiry", "logs/a.txt", b"old log")
    s3.put_object("lc-expiry", "keep/b.txt", b"kept")
    s3.put_bucket_lifecycle_configuration(
        "lc-expiry", [{"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 1}}])
    head = s3.head_object("lc-expiry", "logs/a.txt")
    assert head.expiration_info is not None and head.expiration_info["rule_id"] == "expire-logs"
    assert head.expiration_info["expiry_date"] > server.now()
    assert s3.head_object("lc-expiry", "keep/b.txt").expiration_info is None
    server.advance_time(days=2)
    with pytest.raises(s3ml.NoSuchKey):
        s3.get_object("lc-expiry", "logs/a.txt")
    assert bytes(s3.get_object("lc-expiry", "keep/b.txt").body) == b"kept"


def test_restore_object_of_glacier_object_then_readable_after_restore(server):
    s3 = server.client()
    s3.create_bucket("arch")
    s3.put_object("arch", "cold.bin", b"frozen bytes", storage_class="GLACIER")
    assert s3.head_object("arch", "cold.bin").restore_status is None
    with pytest.raises(s3ml.InvalidObjectState):
        s3.get_object("arch", "cold.bin")
    assert s3.restore_object("arch", "cold.bin", days=2) == 202
    assert s3.head_object("arch", "cold.bin").restore_status == {"ongoing": True, "expiry_date": None}
    with pytest.raises(s3ml.RestoreAlreadyInProgress) as info:
        s3.restore_object("arch", "cold.bin", days=2)
    assert info.value.status == 409
    server.advance_time(hours=5)  # a Standard restore takes 4 hours
    assert bytes(s3.get_object("arch", "cold.bin").body) == b"frozen bytes"
    head = s3.head_object("arch", "cold.bin")
    assert head.restore_status["ongoing"] is False and head.restore_status["expiry_date"] > server.now()
    assert 'ongoing-request="false"' in head.restore and head.storage_class == "GLACIER"
    assert s3.restore_object("arch", "cold.bin", days=3, tier="Bulk") == 200  # extends the restored copy
    with pytest.raises(ValueError, match="tier"):
        s3.restore_object("arch", "cold.bin", tier="Instant")
    s3.put_object("arch", "warm.bin", b"standard")
    with pytest.raises(s3ml.InvalidObjectState):
        s3.restore_object("arch", "warm.bin")


def test_object_info_reports_tag_count(s3, bucket):
    s3.put_object(bucket, "t", b"x", tagging={"a": "1", "b": "2"})
    assert s3.head_object(bucket, "t").tag_count == 2
    s3.put_object(bucket, "u", b"x")
    assert s3.get_object(bucket, "u").tag_count == 0


def test_sse_s3_and_kms_are_echoed_by_put_head_get_and_copy(s3, bucket):
    put = s3.put_object(bucket, "s3", b"aes", sse="AES256")
    assert put.server_side_encryption == "AES256" and put.sse_kms_key_id == ""
    assert s3.head_object(bucket, "s3").server_side_encryption == "AES256"
    kms = s3.put_object(bucket, "kms", b"kms", sse="aws:kms", sse_kms_key_id="my-key",
                        sse_kms_context={"project": "ml"})
    assert kms.server_side_encryption == "aws:kms" and kms.sse_kms_key_id.endswith("key/my-key")
    got = s3.get_object(bucket, "kms")
    assert bytes(got.body) == b"kms" and got.server_side_encryption == "aws:kms"
    assert got.sse_kms_key_id == kms.sse_kms_key_id
    plain = s3.put_object(bucket, "plain", b"p")
    assert s3.head_object(bucket, "plain").server_side_encryption in ("", "AES256")
    assert plain.sse_customer_algorithm == ""
    copy = s3.copy_object(bucket, "s3", bucket, "s3-to-kms", sse="aws:kms")
    assert copy.server_side_encryption == "aws:kms" and copy.sse_kms_key_id.startswith("arn:aws:kms:")
    upload_id = s3.create_multipart_upload(bucket, "mp", sse="aws:kms", sse_kms_key_id="alias/mp")
    part = s3.upload_part(bucket, "mp", upload_id, 1, b"x" * 100)
    done = s3.complete_multipart_upload(bucket, "mp", upload_id, [(1, part)])
    assert done.server_side_encryption == "aws:kms"
    assert s3.head_object(bucket, "mp").sse_kms_key_id.endswith("alias/mp")


def test_sse_arguments_are_validated_before_sending(s3, bucket):
    with pytest.raises(ValueError, match="sse"):
        s3.put_object(bucket, "k", b"x", sse="aws:fancy")
    with pytest.raises(ValueError, match="sse_kms_key_id"):
        s3.put_object(bucket, "k", b"x", sse="AES256", sse_kms_key_id="key")
    with pytest.raises(ValueError, match="sse_kms_context"):
        s3.put_object(bucket, "k", b"x", sse_kms_context={"a": "b"})
    with pytest.raises(TypeError, match="sse"):
        s3.put_object(bucket, "k", b"x", sse=42)
    with pytest.raises(TypeError, match="sse_kms_context"):
        s3.put_object(bucket, "k", b"x", sse="aws:kms", sse_kms_context={"a": 1})
    with pytest.raises(ValueError, match="sse"):
        s3.get_object(bucket, "k", sse="AES256")
    with pytest.raises(ValueError, match="32 bytes"):
        s3ml.SSECustomerKey(b"short")
    with pytest.raises(s3ml.NoSuchKey):
        s3.head_object(bucket, "k")  # nothing was written


def test_sse_c_round_trip_needs_the_key_and_https_or_opt_in(mock, bucket, tmp_path):
    key = s3ml.SSECustomerKey(os.urandom(32))
    other = s3ml.SSECustomerKey(os.urandom(32))
    assert "key_md5=" in repr(key) and len(key.key_md5) == 24
    strict = mock.client()
    with pytest.raises(ValueError, match="(?i)http"):  # the key would travel in clear text
        strict.put_object(bucket, "secret", b"x", sse=key)
    s3 = s3ml.Client(endpoint_url=mock.endpoint_url, region=mock.region, access_key=mock.access_key,
                     secret_key=mock.secret_key, addressing_style="path", allow_sse_c_over_http=True)
    put = s3.put_object(bucket, "secret", b"customer encrypted", sse=key)
    assert put.sse_customer_algorithm == "AES256" and put.sse_customer_key_md5 == key.key_md5
    got = s3.get_object(bucket, "secret", sse=key)
    assert bytes(got.body) == b"customer encrypted" and got.sse_customer_algorithm == "AES256"
    assert s3.head_object(bucket, "secret", sse=key).object_size == 18
    with pytest.raises(s3ml.S3Error) as info:
        s3.get_object(bucket, "secret")
    assert info.value.status == 400 and info.value.code == "InvalidRequest"
    with pytest.raises(s3ml.AccessDenied):
        s3.get_object(bucket, "secret", sse=other)
    s3.copy_object(bucket, "secret", bucket, "copy", copy_source_sse=key, sse=other)
    assert bytes(s3.get_object(bucket, "copy", sse=other).body) == b"customer encrypted"
    path = tmp_path / "f.bin"
    path.write_bytes(b"z" * 3000)
    s3.upload_file(path, bucket, "file", sse=key, part_size=1024 * 1024 * 5)
    assert bytes(s3.get_object(bucket, "file", sse=key).body) == b"z" * 3000
    # The option survives pickling (it is part of the configuration).
    clone = pickle.loads(pickle.dumps(s3))
    assert clone._config()["allow_sse_c_over_http"] is True
    assert bytes(clone.get_object(bucket, "secret", sse=key).body) == b"customer encrypted"


def test_client_checksum_calculation_option_is_validated_and_pickled(mock, bucket):
    with pytest.raises(ValueError, match="request_checksum_calculation"):
        s3ml.Client(request_checksum_calculation="sometimes")
    s3 = s3ml.Client(endpoint_url=mock.endpoint_url, region=mock.region, access_key=mock.access_key,
                     secret_key=mock.secret_key, request_checksum_calculation="WHEN_REQUIRED")
    assert s3._config()["request_checksum_calculation"] == "when_required"
    assert "allow_sse_c_over_http" not in s3._config()
    s3.put_object(bucket, "c", b"checksummed", checksum_algorithm="CRC32C")
    assert bytes(s3.get_object(bucket, "c").body) == b"checksummed"
    clone = pickle.loads(pickle.dumps(s3))
    assert clone._config() == s3._config()


def test_create_session_on_directory_bucket_returns_credentials(s3):
    name = f"{unique_bucket('dir')}--use1-az4--x-s3"
    s3.create_bucket(name)
    session = s3.create_session(name)
    creds = session["Credentials"]
    assert creds["AccessKeyId"] and creds["SecretAccessKey"] and creds["SessionToken"]
    assert isinstance(creds["Expiration"], datetime.datetime)
    assert creds["Expiration"] > datetime.datetime.now(datetime.timezone.utc)
    assert s3.create_session(name, mode="ReadOnly")["Credentials"]["SessionToken"] != creds["SessionToken"]
    s3.put_object(name, "zonal/obj", b"express")
    assert bytes(s3.get_object(name, "zonal/obj").body) == b"express"
    with pytest.raises(ValueError, match="mode"):
        s3.create_session(name, mode="Admin")
    ordinary = unique_bucket()
    s3.create_bucket(ordinary)
    with pytest.raises(s3ml.Error):
        s3.create_session(ordinary)
