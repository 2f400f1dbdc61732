"""The admin API of `s3ml serve` (fault plans, the mock clock) driven from boto3/botocore.

docs/reliability.md, "Fault conformance": admin requests are SigV4-signed with the
server's own credentials; requests carrying `x-s3ml-fault-plan: <id>` consume the
plan's instructions one per request; `x-s3ml-fault` faults a single request.
"""

import datetime
import json
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore.config import Config

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, make_boto3_client

TIMEOUT = 10  # seconds for any one admin request


def admin(url, method, path, body=None, access_key=MOCK_ACCESS_KEY, secret_key=MOCK_SECRET_KEY, sign=True):
    """One admin request, SigV4-signed (service s3) with the given keys; returns (status, parsed body)."""
    data = json.dumps(body).encode() if body is not None else b""
    request = botocore.awsrequest.AWSRequest(method=method, url=url + path, data=data)
    if sign:
        creds = botocore.credentials.Credentials(access_key, secret_key)
        botocore.auth.S3SigV4Auth(creds, "s3", MOCK_REGION).add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(prepared.url, data=data if method in ("POST", "PUT") else None,
                                 headers=dict(prepared.headers), method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def boto3_client(url, total_attempts):
    """boto3, path-style, standard retry mode with `total_attempts` attempts in all."""
    return boto3.session.Session().client(
        "s3", endpoint_url=url, region_name=MOCK_REGION, aws_access_key_id=MOCK_ACCESS_KEY,
        aws_secret_access_key=MOCK_SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=30,
                      retries={"total_max_attempts": total_attempts, "mode": "standard"}))


def with_plan(client, plan_id):
    """Adds x-s3ml-fault-plan to every request of `client`, after signing (not signed)."""
    def add_header(request, **kwargs):
        request.headers["x-s3ml-fault-plan"] = plan_id

    client.meta.events.register("before-send.s3", add_header)
    return client


def test_boto3_retries_through_a_fault_plan_and_the_plan_reports_what_fired(s3ml_serve, mock_bucket, mock_s3):
    mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"payload" * 1000)
    status, plan = admin(s3ml_serve.url, "POST", "/_s3ml/fault-plans",
                         {"instructions": {"GetObject": ["return-503", "return-500-InternalError"],
                                           "PutObject": ["slowdown-for-2-requests"]}})
    assert status == 200, plan
    assert plan["completed"] is False
    client = with_plan(boto3_client(s3ml_serve.url, 5), plan["id"])

    body = client.get_object(Bucket=mock_bucket, Key="k")["Body"].read()
    assert body == b"payload" * 1000
    client.put_object(Bucket=mock_bucket, Key="k2", Body=b"x")

    status, after = admin(s3ml_serve.url, "GET", f"/_s3ml/fault-plans/{plan['id']}")
    assert status == 200
    assert [(f["operation"], f["instruction"]) for f in after["fired"]] == [
        ("GetObject", "return-503"), ("GetObject", "return-500-InternalError"),
        ("PutObject", "slowdown-for-2-requests"), ("PutObject", "slowdown-for-2-requests")]
    assert all(f["request_id"] for f in after["fired"])
    assert after["remaining"] == {}
    assert after["completed"] is True
    assert mock_s3.get_object(Bucket=mock_bucket, Key="k2")["Body"].read() == b"x"

    assert admin(s3ml_serve.url, "DELETE", f"/_s3ml/fault-plans/{plan['id']}")[0] == 204
    assert admin(s3ml_serve.url, "GET", f"/_s3ml/fault-plans/{plan['id']}")[0] == 404


def test_boto3_without_retries_sees_the_injected_error_naming_the_instruction(s3ml_serve, mock_bucket):
    status, plan = admin(s3ml_serve.url, "POST", "/_s3ml/fault-plans",
                         {"instructions": {"ListObjectsV2": ["return-503"]}})
    assert status == 200
    client = with_plan(boto3_client(s3ml_serve.url, 1), plan["id"])
    with pytest.raises(client.exceptions.ClientError) as info:
        client.list_objects_v2(Bucket=mock_bucket)
    error = info.value.response["Error"]
    assert error["Code"] == "SlowDown"
    assert "return-503" in error["Message"]
    admin(s3ml_serve.url, "DELETE", f"/_s3ml/fault-plans/{plan['id']}")


def test_a_malformed_plan_is_refused_naming_the_instruction(s3ml_serve):
    status, body = admin(s3ml_serve.url, "POST", "/_s3ml/fault-plans",
                         {"instructions": {"GetObject": ["return-503", "explode-after-1K"]}})
    assert status == 400
    assert "InvalidArgument" in body and "explode-after-1K" in body


def test_x_s3ml_fault_header_on_one_request(s3ml_serve, mock_bucket, mock_s3):
    mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"v")
    client = make_boto3_client(s3ml_serve.url)

    def add_fault(request, **kwargs):
        request.headers["x-s3ml-fault"] = "return-404-NoSuchKey"

    client.meta.events.register("before-send.s3.HeadObject", add_fault)
    with pytest.raises(client.exceptions.ClientError) as info:
        client.head_object(Bucket=mock_bucket, Key="k")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert client.get_object(Bucket=mock_bucket, Key="k")["Body"].read() == b"v"  # other operations: no fault


def test_advancing_the_clock_through_the_admin_api_moves_last_modified(s3ml_serve, mock_bucket, mock_s3):
    status, before = admin(s3ml_serve.url, "GET", "/_s3ml/clock")
    assert status == 200
    status, after = admin(s3ml_serve.url, "POST", "/_s3ml/clock", {"advance_seconds": 3 * 86400})
    assert status == 200
    parse = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")  # noqa: E731
    assert parse(after["now"]) - parse(before["now"]) >= datetime.timedelta(days=3)
    mock_s3.put_object(Bucket=mock_bucket, Key="late", Body=b"x")
    modified = mock_s3.head_object(Bucket=mock_bucket, Key="late")["LastModified"]
    assert modified - datetime.datetime.now(datetime.timezone.utc) >= datetime.timedelta(days=2, hours=23)
    status, _ = admin(s3ml_serve.url, "POST", "/_s3ml/clock", {"advance_seconds": -1})
    assert status == 400


@pytest.mark.parametrize("how", ["unsigned", "wrong secret", "other key"])
def test_admin_requests_not_signed_with_the_server_key_are_refused(s3ml_serve, how):
    kwargs = {"unsigned": dict(sign=False),
              "wrong secret": dict(secret_key="not-the-secret"),
              "other key": dict(access_key="AKIAOTHERKEY0000", secret_key="whatever")}[how]
    status, body = admin(s3ml_serve.url, "POST", "/_s3ml/fault-plans",
                         {"instructions": {"GetObject": ["return-503"]}}, **kwargs)
    assert status == 403
    assert "<Code>AccessDenied</Code>" in body
    status, body = admin(s3ml_serve.url, "POST", "/_s3ml/clock", {"advance_seconds": 1}, **kwargs)
    assert status == 403
