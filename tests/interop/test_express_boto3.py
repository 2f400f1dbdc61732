"""boto3 against `s3ml serve`: S3 Express One Zone directory buckets.

botocore implements S3 Express itself: for a bucket named `<base>--<zone>--x-s3` it
calls CreateSession (GET /?session, SigV4 with service `s3express`), caches the
session per bucket and signs every later request with the session's credentials and
`x-amz-s3session-token`. Pointed at a custom endpoint (the mock) it keeps that
endpoint and uses path-style URLs, so the whole protocol runs against `s3ml serve`.
These tests check that the mock verifies what botocore sends, and refuses what S3
Express refuses. The s3ml CLI (our client) is cross-checked on the same bucket.

moto does not implement S3 Express (no CreateSession, no session-token auth:
moto 5.x has no `s3express` code at all), so there is no moto comparison here.
"""

import datetime
import json
import os
import subprocess
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN

CLI_TIMEOUT = 60  # seconds per CLI invocation: nothing may hang


def _client(endpoint, session_auth=True, access_key=MOCK_ACCESS_KEY, secret_key=MOCK_SECRET_KEY):
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=MOCK_REGION,
        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": "path", "disable_s3_express_session_auth": not session_auth},
                      connect_timeout=5, read_timeout=60, retries={"max_attempts": 1, "mode": "standard"}))


def _directory_bucket_name():
    return f"it{uuid.uuid4().hex[:10]}--use1-az4--x-s3"


class _Recorder:
    """Records (method, url, headers) of every request a boto3 client sends."""

    def __init__(self, client):
        self.requests = []
        client.meta.events.register("before-send.s3", self._record)

    def _record(self, request, **kwargs):
        headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
        self.requests.append((request.method, request.url, headers))


@pytest.fixture
def iam_client(s3ml_serve):
    """boto3 signing with the account's keys (service s3express) - CreateBucket, CreateSession."""
    return _client(s3ml_serve.url, session_auth=False)


@pytest.fixture
def express_client(s3ml_serve):
    """boto3 as shipped: S3 Express session auth on."""
    return _client(s3ml_serve.url)


@pytest.fixture
def directory_bucket(iam_client, express_client):
    name = _directory_bucket_name()
    iam_client.create_bucket(
        Bucket=name,
        CreateBucketConfiguration={"Location": {"Type": "AvailabilityZone", "Name": "use1-az4"},
                                   "Bucket": {"Type": "Directory", "DataRedundancy": "SingleAvailabilityZone"}})
    yield name
    for page in express_client.get_paginator("list_objects_v2").paginate(Bucket=name):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            express_client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
    iam_client.delete_bucket(Bucket=name)


def test_boto3_put_get_list_through_one_session(express_client, directory_bucket):
    rec = _Recorder(express_client)
    for i in range(5):
        express_client.put_object(Bucket=directory_bucket, Key=f"shard-{i}", Body=f"payload {i}".encode())
    for i in range(5):
        body = express_client.get_object(Bucket=directory_bucket, Key=f"shard-{i}")["Body"].read()
        assert body == f"payload {i}".encode()
    listing = express_client.list_objects_v2(Bucket=directory_bucket)
    assert [o["Key"] for o in listing["Contents"]] == [f"shard-{i}" for i in range(5)]
    express_client.head_object(Bucket=directory_bucket, Key="shard-0")
    express_client.delete_object(Bucket=directory_bucket, Key="shard-0")

    sessions = [r for r in rec.requests if r[1].endswith("?session")]
    data = [r for r in rec.requests if not r[1].endswith("?session")]
    assert len(sessions) == 1, "botocore caches one session per bucket"
    assert "/s3express/aws4_request" in sessions[0][2]["authorization"]
    assert f"Credential={MOCK_ACCESS_KEY}/" in sessions[0][2]["authorization"]
    for method, url, headers in data:
        assert headers.get("x-amz-s3session-token"), (method, url)
        assert "x-amz-security-token" not in headers
        assert "/s3express/aws4_request" in headers["authorization"]
        assert f"Credential={MOCK_ACCESS_KEY}/" not in headers["authorization"]  # the session's key, not ours


def test_boto3_create_session_returns_five_minute_credentials(iam_client, directory_bucket):
    resp = iam_client.create_session(Bucket=directory_bucket, SessionMode="ReadOnly")
    creds = resp["Credentials"]
    assert creds["AccessKeyId"] and creds["SecretAccessKey"] and creds["SessionToken"]
    assert creds["AccessKeyId"] != MOCK_ACCESS_KEY
    left = creds["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=4) < left <= datetime.timedelta(minutes=5, seconds=1)


def test_boto3_without_session_is_refused_for_object_requests(iam_client, directory_bucket):
    with pytest.raises(ClientError) as e:
        iam_client.put_object(Bucket=directory_bucket, Key="k", Body=b"v")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    iam_client.head_bucket(Bucket=directory_bucket)  # S3 Express allows HeadBucket with IAM keys


def test_boto3_forged_session_token_is_invalid(iam_client, s3ml_serve, directory_bucket):
    creds = iam_client.create_session(Bucket=directory_bucket)["Credentials"]
    # The session's keys with session auth off: botocore signs them itself (service s3express),
    # and the hook puts a token that is not the session's in x-amz-s3session-token.
    forged = _client(s3ml_serve.url, session_auth=False, access_key=creds["AccessKeyId"],
                     secret_key=creds["SecretAccessKey"])

    def swap_token(request, **kwargs):
        request.headers["x-amz-s3session-token"] = "not-the-token"
    forged.meta.events.register("before-sign.s3", swap_token)
    with pytest.raises(ClientError) as e:
        forged.get_object(Bucket=directory_bucket, Key="k")
    assert e.value.response["Error"]["Code"] == "InvalidToken"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_boto3_versioning_not_supported_on_directory_buckets(express_client, directory_bucket):
    with pytest.raises(ClientError) as e:
        express_client.put_bucket_versioning(Bucket=directory_bucket,
                                             VersioningConfiguration={"Status": "Enabled"})
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_s3ml_cli_and_boto3_share_a_directory_bucket(s3ml_serve, express_client, directory_bucket, tmp_path):
    src = tmp_path / "cli-upload.bin"
    src.write_bytes(b"from the s3ml cli" * 100)
    env = _cli_env(s3ml_serve)
    r = subprocess.run([S3ML_BIN, "cp", str(src), f"s3://{directory_bucket}/cli-upload.bin"],
                       env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT)
    assert r.returncode == 0, r.stderr
    got = express_client.get_object(Bucket=directory_bucket, Key="cli-upload.bin")["Body"].read()
    assert got == src.read_bytes()
    express_client.put_object(Bucket=directory_bucket, Key="from-boto3.txt", Body=b"boto3 wrote this")
    r = subprocess.run([S3ML_BIN, "cat", f"s3://{directory_bucket}/from-boto3.txt"],
                       env=env, capture_output=True, timeout=CLI_TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"boto3 wrote this"


def _cli_env(s3ml_serve):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY,
               AWS_REGION=MOCK_REGION, AWS_ENDPOINT_URL=s3ml_serve.url, AWS_EC2_METADATA_DISABLED="true")
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_S3_DISABLE_EXPRESS_SESSION_AUTH", None)
    return env


def test_s3ml_cli_mb_and_create_session_credentials_work_in_boto3(s3ml_serve, iam_client, express_client):
    bucket = _directory_bucket_name()
    env = _cli_env(s3ml_serve)
    r = subprocess.run([S3ML_BIN, "mb", f"s3://{bucket}"], env=env, capture_output=True, text=True,
                       timeout=CLI_TIMEOUT)
    assert r.returncode == 0, r.stderr
    try:
        iam_client.head_bucket(Bucket=bucket)
        express_client.put_object(Bucket=bucket, Key="k", Body=b"session data")

        r = subprocess.run([S3ML_BIN, "create-session", f"s3://{bucket}", "--read-only"], env=env,
                           capture_output=True, text=True, timeout=CLI_TIMEOUT)
        assert r.returncode == 0, r.stderr
        creds = json.loads(r.stdout)["Credentials"]
        assert set(creds) == {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}

        # Sign with the CLI's session by hand: botocore with session auth off, plus the token header.
        reader = _client(s3ml_serve.url, session_auth=False, access_key=creds["AccessKeyId"],
                         secret_key=creds["SecretAccessKey"])

        def add_token(request, **kwargs):
            request.headers["x-amz-s3session-token"] = creds["SessionToken"]
        reader.meta.events.register("before-sign.s3", add_token)
        assert reader.get_object(Bucket=bucket, Key="k")["Body"].read() == b"session data"
        with pytest.raises(ClientError) as e:  # a ReadOnly session cannot write
            reader.put_object(Bucket=bucket, Key="k2", Body=b"x")
        assert e.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        express_client.delete_object(Bucket=bucket, Key="k")
        iam_client.delete_bucket(Bucket=bucket)


def test_s3ml_cli_create_session_rejects_general_purpose_bucket(s3ml_serve):
    r = subprocess.run([S3ML_BIN, "create-session", "s3://plain-bucket"], env=_cli_env(s3ml_serve),
                       capture_output=True, text=True, timeout=CLI_TIMEOUT)
    assert r.returncode != 0
    assert "directory bucket" in r.stderr


# ---- signer cross-check: s3ml's SigV4Signer("s3express", kS3ExpressSession) vs botocore's S3ExpressAuth

def _sigv4_tool(s3ml_bin):
    from pathlib import Path
    build = Path(os.environ["S3ML_BUILD_DIR"]) if os.environ.get("S3ML_BUILD_DIR") else Path(s3ml_bin).resolve().parents[2]
    return build / "tests" / "unit" / "auth" / "sigv4_tool"


EXPRESS_SIGNING_CASES = [
    # (method, key, query, headers, body)
    ("GET", "shard-00001.tar", [], [], None),
    ("GET", "dir/file name+1.txt", [["partNumber", "2"]], [["Range", "bytes=0-99"]], None),
    ("PUT", "upload/ü.bin", [], [["Content-Type", "application/octet-stream"], ["x-amz-meta-Color", "blue"]],
     "Welcome to S3 Express."),
    ("GET", "", [["list-type", "2"], ["prefix", "a b/"], ["delimiter", "/"]], [], None),
    ("DELETE", "k", [["uploadId", "abc/def+="]], [], None),
]


@pytest.mark.parametrize("mode", ["header", "presign"])
def test_s3ml_express_signatures_match_botocore(mode):
    from unittest import mock
    from urllib.parse import quote

    import botocore.auth
    from botocore.auth import S3ExpressAuth, S3ExpressQueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    tool = _sigv4_tool(S3ML_BIN)
    if not tool.exists():
        pytest.fail(f"sigv4_tool not found at {tool}: build it (cmake --build <build> --target sigv4_tool)")
    host = "train--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com"
    amz_date = "20240102T030405Z"
    token = "SESSIONTOKEN/with+odd=chars"
    cases = []
    for method, key, query, headers, body in EXPRESS_SIGNING_CASES:
        case = {"mode": mode, "method": method, "scheme": "https", "host": host, "key": key, "query": query,
                "access_key": "ASIASESSIONKEY", "secret_key": "session/secret+key", "token": token,
                "region": "us-west-2", "amz_date": amz_date, "service": "s3express", "s3express_token": True}
        if mode == "header":
            case["headers"] = headers
            if body is not None:
                case["body"] = body
        else:
            case["expires"] = 300
        cases.append(case)
    payload = "".join(json.dumps(c) + "\n" for c in cases)
    proc = subprocess.run([str(tool)], input=payload.encode(), capture_output=True, timeout=60)
    ours = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(ours) == len(cases), proc.stderr

    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    creds = Credentials("ASIASESSIONKEY", "session/secret+key", token)
    for case, got in zip(cases, ours):
        assert got["ok"], got
        url = f"https://{host}/{quote(case['key'], safe='/~')}"
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
            if mode == "header":
                request = AWSRequest(method=case["method"], url=url,
                                     data=(case.get("body") or "").encode() or None,
                                     params=[tuple(q) for q in case["query"]])
                for name, value in case["headers"]:
                    request.headers[name] = value
                S3ExpressAuth(creds, "s3express", "us-west-2", identity_cache=None).add_auth(request)
                assert got["authorization"] == request.headers["Authorization"], case
                sent = {n.lower(): v for n, v in got["headers"]}
                assert sent["x-amz-s3session-token"] == token
                assert "x-amz-security-token" not in sent
            else:
                request = AWSRequest(method=case["method"], url=url, params=[tuple(q) for q in case["query"]])
                S3ExpressQueryAuth(creds, "s3express", "us-west-2", identity_cache=None, expires=300).add_auth(request)
                theirs = dict(p.split("=", 1) for p in request.url.split("?", 1)[1].split("&"))
                mine = dict(p.split("=", 1) for p in got["url"].split("?", 1)[1].split("&"))
                assert mine["X-Amz-Signature"] == theirs["X-Amz-Signature"], case
                assert "X-Amz-S3session-Token" in mine and "X-Amz-Security-Token" not in mine
