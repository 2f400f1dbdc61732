"""boto3 (and the s3ml CLI) against `s3ml serve`: lifecycle configuration, archive
storage classes and RestoreObject, with botocore parsing the mock's answers.

botocore adds Content-MD5 / a checksum itself for PutBucketLifecycleConfiguration
(httpChecksumRequired), so these requests pass the mock's integrity-header check.
The mock clock cannot be advanced from outside the process, so enforcement over time
is tested in tests/integration/client_lifecycle_test.cc; here we test the wire
format, error codes and what is visible at once (x-amz-expiration, x-amz-restore).
"""

import datetime
import json
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN


def _code(exc_info):
    return exc_info.value.response["Error"]["Code"]


def _status(exc_info):
    return exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]


RULES = [
    {
        "ID": "logs",
        "Status": "Enabled",
        "Filter": {"Prefix": "logs/"},
        "Expiration": {"Days": 30},
        "Transitions": [{"Days": 7, "StorageClass": "GLACIER"}],
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
    },
    {
        "ID": "tagged",
        "Status": "Disabled",
        "Filter": {"And": {"Prefix": "data/", "Tags": [{"Key": "tier", "Value": "cold"}],
                           "ObjectSizeGreaterThan": 100}},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 10, "NewerNoncurrentVersions": 2},
        "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "STANDARD_IA"}],
    },
    {"ID": "markers", "Status": "Enabled", "Filter": {"Prefix": ""},
     "Expiration": {"ExpiredObjectDeleteMarker": True}},
]


def test_lifecycle_round_trip_and_delete(mock_s3, mock_bucket):
    with pytest.raises(ClientError) as e:
        mock_s3.get_bucket_lifecycle_configuration(Bucket=mock_bucket)
    assert _code(e) == "NoSuchLifecycleConfiguration"
    assert _status(e) == 404

    mock_s3.put_bucket_lifecycle_configuration(Bucket=mock_bucket, LifecycleConfiguration={"Rules": RULES})
    got = mock_s3.get_bucket_lifecycle_configuration(Bucket=mock_bucket)
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    rules = got["Rules"]
    assert [r["ID"] for r in rules] == ["logs", "tagged", "markers"]
    assert rules[0]["Filter"] == {"Prefix": "logs/"}
    assert rules[0]["Expiration"] == {"Days": 30}
    assert rules[0]["Transitions"] == [{"Days": 7, "StorageClass": "GLACIER"}]
    assert rules[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}
    assert rules[1]["Status"] == "Disabled"
    assert rules[1]["Filter"]["And"]["Tags"] == [{"Key": "tier", "Value": "cold"}]
    assert rules[1]["Filter"]["And"]["ObjectSizeGreaterThan"] == 100
    assert rules[1]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 10, "NewerNoncurrentVersions": 2}
    assert rules[2]["Expiration"] == {"ExpiredObjectDeleteMarker": True}

    mock_s3.delete_bucket_lifecycle(Bucket=mock_bucket)
    with pytest.raises(ClientError) as e:
        mock_s3.get_bucket_lifecycle_configuration(Bucket=mock_bucket)
    assert _code(e) == "NoSuchLifecycleConfiguration"


@pytest.mark.parametrize("rule,code,message", [
    ({"Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}}, "InvalidArgument",
     "'Days' for Expiration action must be a positive integer"),
    ({"Status": "Enabled", "Filter": {"Prefix": ""},
      "Expiration": {"Date": datetime.datetime(2031, 1, 1, 5, 0, tzinfo=datetime.timezone.utc)}},
     "InvalidArgument", "'Date' must be at midnight GMT"),
    ({"ID": "x" * 256, "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}},
     "InvalidArgument", "ID length should not exceed allowed limit of 255"),
    ({"Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1, "ExpiredObjectDeleteMarker": True}},
     "MalformedXML", None),
    ({"Status": "Enabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}},
      "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
     "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."),
    ({"Status": "Enabled", "Filter": {"Prefix": ""}}, "InvalidRequest", None),
])
def test_invalid_rules_get_s3_error_codes(mock_s3, mock_bucket, rule, code, message):
    with pytest.raises(ClientError) as e:
        mock_s3.put_bucket_lifecycle_configuration(Bucket=mock_bucket, LifecycleConfiguration={"Rules": [rule]})
    assert _code(e) == code
    assert _status(e) == 400
    if message:
        assert e.value.response["Error"]["Message"] == message


def test_duplicate_rule_ids_are_invalid_argument(mock_s3, mock_bucket):
    rule = {"ID": "same", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}
    with pytest.raises(ClientError) as e:
        mock_s3.put_bucket_lifecycle_configuration(Bucket=mock_bucket,
                                                   LifecycleConfiguration={"Rules": [rule, dict(rule)]})
    assert _code(e) == "InvalidArgument"


def test_head_and_put_report_expiration_parsed_by_botocore(mock_s3, mock_bucket):
    mock_s3.put_bucket_lifecycle_configuration(Bucket=mock_bucket, LifecycleConfiguration={"Rules": [
        {"ID": "tmp-rule", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 3}}]})
    put = mock_s3.put_object(Bucket=mock_bucket, Key="tmp/a", Body=b"x")
    assert 'rule-id="tmp-rule"' in put["Expiration"]
    head = mock_s3.head_object(Bucket=mock_bucket, Key="tmp/a")
    assert head["Expiration"] == put["Expiration"]
    # The expiry is a midnight UTC, 3 days after creation rounded up to the next day.
    expiry = head["Expiration"].split('expiry-date="')[1].split('"')[0]
    when = datetime.datetime.strptime(expiry, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=datetime.timezone.utc)
    created = head["LastModified"]
    assert (when.hour, when.minute, when.second) == (0, 0, 0)
    assert datetime.timedelta(days=3) < when - created <= datetime.timedelta(days=4)
    mpu = mock_s3.create_multipart_upload(Bucket=mock_bucket, Key="tmp/mpu")
    part = mock_s3.upload_part(Bucket=mock_bucket, Key="tmp/mpu", UploadId=mpu["UploadId"], PartNumber=1, Body=b"z")
    done = mock_s3.complete_multipart_upload(Bucket=mock_bucket, Key="tmp/mpu", UploadId=mpu["UploadId"],
                                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert 'rule-id="tmp-rule"' in done["Expiration"]
    other = mock_s3.put_object(Bucket=mock_bucket, Key="keep/b", Body=b"y")
    assert "Expiration" not in other
    assert "Expiration" not in mock_s3.head_object(Bucket=mock_bucket, Key="keep/b")


def test_glacier_object_needs_restore_and_restore_states(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="cold", Body=b"frozen", StorageClass="GLACIER")
    head = mock_s3.head_object(Bucket=mock_bucket, Key="cold")
    assert head["StorageClass"] == "GLACIER"
    assert "Restore" not in head
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="cold")
    assert _code(e) == "InvalidObjectState"
    assert _status(e) == 403
    assert e.value.response["Error"].get("StorageClass") == "GLACIER"

    first = mock_s3.restore_object(Bucket=mock_bucket, Key="cold",
                                   RestoreRequest={"Days": 2, "GlacierJobParameters": {"Tier": "Standard"}})
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as e:
        mock_s3.restore_object(Bucket=mock_bucket, Key="cold", RestoreRequest={"Days": 2})
    assert _code(e) == "RestoreAlreadyInProgress"
    assert _status(e) == 409
    assert mock_s3.head_object(Bucket=mock_bucket, Key="cold")["Restore"] == 'ongoing-request="true"'
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=mock_bucket, Key="cold")
    assert _code(e) == "InvalidObjectState"


def test_restore_of_standard_object_is_invalid_object_state(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="hot", Body=b"x")
    with pytest.raises(ClientError) as e:
        mock_s3.restore_object(Bucket=mock_bucket, Key="hot", RestoreRequest={"Days": 1})
    assert _code(e) == "InvalidObjectState"
    assert _status(e) == 403
    with pytest.raises(ClientError) as e:
        mock_s3.restore_object(Bucket=mock_bucket, Key="missing", RestoreRequest={"Days": 1})
    assert _code(e) == "NoSuchKey"


# ---- the s3ml CLI ----------------------------------------------------------------------

def _cli(url, *args, stdin=None):
    env = {"AWS_ACCESS_KEY_ID": MOCK_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": MOCK_SECRET_KEY,
           "AWS_REGION": MOCK_REGION, "PATH": "/usr/bin:/bin"}
    return subprocess.run([S3ML_BIN, "--endpoint-url", url, *args], capture_output=True, text=True,
                          input=stdin, env=env, timeout=60)


def test_cli_lifecycle_put_get_delete(s3ml_serve, mock_s3, mock_bucket, tmp_path):
    spec = tmp_path / "rules.json"
    spec.write_text(json.dumps({"Rules": RULES}))
    put = _cli(s3ml_serve.url, "lifecycle", f"s3://{mock_bucket}", "put", str(spec))
    assert put.returncode == 0, put.stderr
    # What boto3 reads back is what the CLI sent.
    assert mock_s3.get_bucket_lifecycle_configuration(Bucket=mock_bucket)["Rules"][1]["Filter"]["And"]["Tags"] == [
        {"Key": "tier", "Value": "cold"}]
    get = _cli(s3ml_serve.url, "lifecycle", f"s3://{mock_bucket}", "get")
    assert get.returncode == 0, get.stderr
    printed = json.loads(get.stdout)
    assert printed["Rules"] == RULES
    # The printed JSON is accepted back as input (aws s3api get -> put round trip).
    again = _cli(s3ml_serve.url, "lifecycle", f"s3://{mock_bucket}", "put", "-", stdin=get.stdout)
    assert again.returncode == 0, again.stderr
    deleted = _cli(s3ml_serve.url, "lifecycle", f"s3://{mock_bucket}", "delete")
    assert deleted.returncode == 0, deleted.stderr
    missing = _cli(s3ml_serve.url, "lifecycle", f"s3://{mock_bucket}", "get")
    assert missing.returncode != 0
    assert "NoSuchLifecycleConfiguration" in missing.stderr


def test_cli_lifecycle_rejects_bad_json_and_rules_before_sending(s3ml_serve, mock_bucket, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Rules": [{"Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Dayz": 1}}]}')
    r = _cli(s3ml_serve.url, "lifecycle", f"s3://{mock_bucket}", "put", str(bad))
    assert r.returncode != 0
    assert "Dayz" in r.stderr
    zero = tmp_path / "zero.json"
    zero.write_text('{"Rules": [{"Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}}]}')
    r = _cli(s3ml_serve.url, "lifecycle", f"s3://{mock_bucket}", "put", str(zero))
    assert r.returncode != 0
    assert "positive" in r.stderr


def test_cli_restore(s3ml_serve, mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="deep", Body=b"x", StorageClass="DEEP_ARCHIVE")
    r = _cli(s3ml_serve.url, "restore", f"s3://{mock_bucket}/deep", "--days", "2", "--tier", "Bulk")
    assert r.returncode == 0, r.stderr
    assert "restore started" in r.stdout
    assert mock_s3.head_object(Bucket=mock_bucket, Key="deep")["Restore"] == 'ongoing-request="true"'
    r = _cli(s3ml_serve.url, "restore", f"s3://{mock_bucket}/deep", "--days", "2")
    assert r.returncode != 0
    assert "RestoreAlreadyInProgress" in r.stderr


def test_aws_cli_and_s3ml_cli_share_the_json_shape(s3ml_serve, mock_bucket, tmp_path):
    """`aws s3api put-bucket-lifecycle-configuration` input is `s3ml lifecycle put` input,
    and `s3ml lifecycle get` prints what `aws s3api get-bucket-lifecycle-configuration` prints."""
    env = {"AWS_ACCESS_KEY_ID": MOCK_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": MOCK_SECRET_KEY,
           "AWS_DEFAULT_REGION": MOCK_REGION, "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1", "PATH": "/usr/bin:/bin:" + os.path.dirname(sys.executable)}
    spec = tmp_path / "rules.json"
    spec.write_text(json.dumps({"Rules": RULES}))
    put = subprocess.run(["aws", "--endpoint-url", s3ml_serve.url, "s3api", "put-bucket-lifecycle-configuration",
                          "--bucket", mock_bucket, "--lifecycle-configuration", f"file://{spec}"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert put.returncode == 0, put.stderr
    aws_get = subprocess.run(["aws", "--endpoint-url", s3ml_serve.url, "s3api", "get-bucket-lifecycle-configuration",
                              "--bucket", mock_bucket], env=env, capture_output=True, text=True, timeout=120)
    assert aws_get.returncode == 0, aws_get.stderr
    ours = _cli(s3ml_serve.url, "lifecycle", f"s3://{mock_bucket}", "get")
    assert ours.returncode == 0, ours.stderr
    assert json.loads(ours.stdout) == json.loads(aws_get.stdout)
