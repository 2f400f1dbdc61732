"""Conditional writes and deletes: boto3 and the s3ml CLI against `s3ml serve`.

If-None-Match: * and If-Match on PutObject, CopyObject and CompleteMultipartUpload;
If-Match on DeleteObject and a per-object ETag in DeleteObjects; 409
ConditionalRequestConflict for a conflicting change while a conditional request is in
progress (the request is held inside the server by a fault plan's delay instruction,
so the concurrent change lands while it is in progress).

Quotes are from the S3 API reference and the S3 User Guide (conditional deletes).
"""

import json
import os
import subprocess
import threading
import time
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore.exceptions import ClientError

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN, make_boto3_client

PART = 5 * 1024 * 1024  # S3's minimum size of a part that is not the last


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def http_status(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def body(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def exists(s3, bucket, key):
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        return False


def admin(url, method, path, body=None):
    """One SigV4-signed request to the mock's admin API; returns the parsed JSON."""
    data = json.dumps(body).encode() if body is not None else b""
    request = botocore.awsrequest.AWSRequest(method=method, url=url + path, data=data)
    botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(MOCK_ACCESS_KEY, MOCK_SECRET_KEY), "s3",
                              MOCK_REGION).add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(prepared.url, data=data if method == "POST" else None,
                                 headers=dict(prepared.headers), method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


class Held:
    """A boto3 client whose next `operation` request is held 1.5 s inside the server (a
    fault plan's delay instruction); wait() returns once that request has arrived."""

    def __init__(self, url, operation):
        self.url = url
        self.plan = admin(url, "POST", "/_s3ml/fault-plans", {"instructions": {operation: ["delay-1500ms"]}})["id"]
        self.client = make_boto3_client(url)

        def add_plan(request, **_):
            request.headers["x-s3ml-fault-plan"] = self.plan

        self.client.meta.events.register("before-send.s3", add_plan)

    def start(self, fn):
        self.out = {}

        def target():
            try:
                self.out["result"] = fn(self.client)
            except ClientError as e:
                self.out["error"] = e

        self.thread = threading.Thread(target=target)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not admin(self.url, "GET", f"/_s3ml/fault-plans/{self.plan}")["fired"]:
            assert time.monotonic() < deadline, "the held request never reached the server"
            time.sleep(0.01)

    def result(self):
        self.thread.join(30)
        assert not self.thread.is_alive()
        return self.out


# ---- PutObject ------------------------------------------------------------------------

def test_put_object_if_match_replaces_only_the_named_version(mock_s3, mock_bucket):
    # "Uploads the object only if the ETag (entity tag) value provided during the WRITE
    # operation matches the ETag of the object in S3. If the ETag values do not match, the
    # operation returns a 412 Precondition Failed error."
    v1 = mock_s3.put_object(Bucket=mock_bucket, Key="cas", Body=b"v1")["ETag"]
    mock_s3.put_object(Bucket=mock_bucket, Key="cas", Body=b"v2", IfMatch=v1)
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="cas", Body=b"v3", IfMatch=v1)
    assert (http_status(e), error_code(e)) == (412, "PreconditionFailed")
    assert body(mock_s3, mock_bucket, "cas") == b"v2"
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="absent", Body=b"x", IfMatch=v1)
    assert (http_status(e), error_code(e)) == (404, "NoSuchKey")


def test_put_object_if_none_match_other_than_star_is_not_implemented(mock_s3, mock_bucket):
    # If-None-Match on a write "Expects the '*' (asterisk) character."
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"x", IfNoneMatch='"abc"')
    assert (http_status(e), error_code(e)) == (501, "NotImplemented")


def test_put_object_409_when_a_delete_lands_while_the_write_is_in_progress(s3ml_serve, mock_s3, mock_bucket):
    # "If a conflicting operation occurs during the upload S3 returns a 409
    # ConditionalRequestConflict response."
    etag = mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"v1")["ETag"]
    held = Held(s3ml_serve.url, "PutObject")
    held.start(lambda c: c.put_object(Bucket=mock_bucket, Key="k", Body=b"v2", IfMatch=etag))
    mock_s3.delete_object(Bucket=mock_bucket, Key="k")
    out = held.result()
    assert "error" in out, out
    assert out["error"].response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert out["error"].response["Error"]["Code"] == "ConditionalRequestConflict"
    assert not exists(mock_s3, mock_bucket, "k")


# ---- CopyObject -----------------------------------------------------------------------

def test_copy_object_destination_conditions(mock_s3, mock_bucket):
    # "Copies the object only if the object key name at the destination does not already
    # exist in the bucket specified. Otherwise, Amazon S3 returns a 412 Precondition Failed error."
    mock_s3.put_object(Bucket=mock_bucket, Key="src", Body=b"source")
    dst = mock_s3.put_object(Bucket=mock_bucket, Key="dst", Body=b"destination")["ETag"]
    source = {"Bucket": mock_bucket, "Key": "src"}
    with pytest.raises(ClientError) as e:
        mock_s3.copy_object(Bucket=mock_bucket, Key="dst", CopySource=source, IfNoneMatch="*")
    assert (http_status(e), error_code(e)) == (412, "PreconditionFailed")
    mock_s3.copy_object(Bucket=mock_bucket, Key="new", CopySource=source, IfNoneMatch="*")
    assert body(mock_s3, mock_bucket, "new") == b"source"
    with pytest.raises(ClientError) as e:
        mock_s3.copy_object(Bucket=mock_bucket, Key="dst", CopySource=source, IfMatch='"0000"')
    assert error_code(e) == "PreconditionFailed"
    mock_s3.copy_object(Bucket=mock_bucket, Key="dst", CopySource=source, IfMatch=dst)
    assert body(mock_s3, mock_bucket, "dst") == b"source"


# ---- CompleteMultipartUpload ------------------------------------------------------------

def _one_part_upload(s3, bucket, key):
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"p" * 1024)["ETag"]
    return upload, {"Parts": [{"PartNumber": 1, "ETag": etag}]}


def test_complete_multipart_upload_conditions(mock_s3, mock_bucket):
    # CompleteMultipartUpload If-None-Match: "Uploads the object only if the object key name
    # does not already exist in the bucket specified. Otherwise, Amazon S3 returns a 412
    # Precondition Failed error."
    current = mock_s3.put_object(Bucket=mock_bucket, Key="big", Body=b"old")["ETag"]
    upload, parts = _one_part_upload(mock_s3, mock_bucket, "big")
    with pytest.raises(ClientError) as e:
        mock_s3.complete_multipart_upload(Bucket=mock_bucket, Key="big", UploadId=upload,
                                          MultipartUpload=parts, IfNoneMatch="*")
    assert (http_status(e), error_code(e)) == (412, "PreconditionFailed")
    with pytest.raises(ClientError) as e:
        mock_s3.complete_multipart_upload(Bucket=mock_bucket, Key="big", UploadId=upload,
                                          MultipartUpload=parts, IfMatch='"0000"')
    assert error_code(e) == "PreconditionFailed"
    # The failed preconditions left the upload in place.
    mock_s3.complete_multipart_upload(Bucket=mock_bucket, Key="big", UploadId=upload,
                                      MultipartUpload=parts, IfMatch=current)
    assert body(mock_s3, mock_bucket, "big") == b"p" * 1024


def test_complete_multipart_upload_409_ends_the_upload(s3ml_serve, mock_s3, mock_bucket):
    # "On a 409 failure you should re-initiate the multipart upload with
    # CreateMultipartUpload and re-upload each part."
    current = mock_s3.put_object(Bucket=mock_bucket, Key="big", Body=b"old")["ETag"]
    upload, parts = _one_part_upload(mock_s3, mock_bucket, "big")
    held = Held(s3ml_serve.url, "CompleteMultipartUpload")
    held.start(lambda c: c.complete_multipart_upload(
        Bucket=mock_bucket, Key="big", UploadId=upload, MultipartUpload=parts, IfMatch=current))
    mock_s3.delete_object(Bucket=mock_bucket, Key="big")
    out = held.result()
    assert out["error"].response["Error"]["Code"] == "ConditionalRequestConflict"
    with pytest.raises(ClientError) as e:
        mock_s3.list_parts(Bucket=mock_bucket, Key="big", UploadId=upload)
    assert error_code(e) == "NoSuchUpload"


# ---- DeleteObject / DeleteObjects ---------------------------------------------------------

def test_delete_object_if_match(mock_s3, mock_bucket):
    # "If the ETag value of an object in an S3 bucket doesn't match with the ETag that you
    # provide during the delete operation, the operation fails."
    old = mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"old")["ETag"]
    new = mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"new")["ETag"]
    with pytest.raises(ClientError) as e:
        mock_s3.delete_object(Bucket=mock_bucket, Key="k", IfMatch=old)
    assert (http_status(e), error_code(e)) == (412, "PreconditionFailed")
    assert body(mock_s3, mock_bucket, "k") == b"new"
    mock_s3.delete_object(Bucket=mock_bucket, Key="k", IfMatch=new)
    assert not exists(mock_s3, mock_bucket, "k")
    with pytest.raises(ClientError) as e:
        mock_s3.delete_object(Bucket=mock_bucket, Key="k", IfMatch="*")
    assert (http_status(e), error_code(e)) == (404, "NoSuchKey")


def test_delete_objects_per_object_etag(mock_s3, mock_bucket):
    # "For conditionally deleting multiple objects using the DeleteObjects operation, you
    # must provide the ETag value in the ETag element of the object in the XML request body."
    a = mock_s3.put_object(Bucket=mock_bucket, Key="a", Body=b"A")["ETag"]
    mock_s3.put_object(Bucket=mock_bucket, Key="b", Body=b"B")
    r = mock_s3.delete_objects(Bucket=mock_bucket, Delete={"Objects": [
        {"Key": "a", "ETag": a}, {"Key": "b", "ETag": a}]})
    assert [d["Key"] for d in r.get("Deleted", [])] == ["a"]
    assert [(x["Key"], x["Code"]) for x in r["Errors"]] == [("b", "PreconditionFailed")]
    assert exists(mock_s3, mock_bucket, "b")


def test_delete_object_409_when_a_write_lands_while_the_delete_is_in_progress(s3ml_serve, mock_s3, mock_bucket):
    # User Guide: a 409 Conflict "if a DELETE or PUT request for an object succeeds before a
    # conditional delete operation on that object completes".
    etag = mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"v1")["ETag"]
    held = Held(s3ml_serve.url, "DeleteObject")
    held.start(lambda c: c.delete_object(Bucket=mock_bucket, Key="k", IfMatch=etag))
    mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"v2")
    out = held.result()
    assert out["error"].response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert body(mock_s3, mock_bucket, "k") == b"v2"


# ---- the CLI: cp --no-overwrite / --if-match, rm --if-match -----------------------------------

def _cli(s3ml_serve, *args, input=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY, AWS_REGION=MOCK_REGION,
               AWS_CONFIG_FILE="/nonexistent/s3ml-test-config",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent/s3ml-test-credentials", AWS_EC2_METADATA_DISABLED="true")
    return subprocess.run([S3ML_BIN, *args, "--endpoint-url", s3ml_serve.url], input=input, capture_output=True,
                          timeout=60, env=env)


def test_cli_cp_no_overwrite_skips_existing_objects(s3ml_serve, mock_s3, mock_bucket, tmp_path):
    src = tmp_path / "f.txt"
    src.write_bytes(b"new contents")
    mock_s3.put_object(Bucket=mock_bucket, Key="f.txt", Body=b"kept")
    r = _cli(s3ml_serve, "cp", str(src), f"s3://{mock_bucket}/f.txt", "--no-overwrite")
    assert r.returncode == 0, r.stderr
    assert b"skip:" in r.stdout and b"destination exists" in r.stdout
    assert body(mock_s3, mock_bucket, "f.txt") == b"kept"
    r = _cli(s3ml_serve, "cp", str(src), f"s3://{mock_bucket}/g.txt", "--no-overwrite")
    assert r.returncode == 0, r.stderr
    assert body(mock_s3, mock_bucket, "g.txt") == b"new contents"
    # Multipart uploads (above --multipart-threshold) complete conditionally too.
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(PART + 1024))
    r = _cli(s3ml_serve, "cp", str(big), f"s3://{mock_bucket}/f.txt", "--no-overwrite",
             "--multipart-threshold", "5MiB")
    assert r.returncode == 0, r.stderr
    assert b"skip:" in r.stdout
    assert body(mock_s3, mock_bucket, "f.txt") == b"kept"
    assert mock_s3.list_multipart_uploads(Bucket=mock_bucket).get("Uploads", []) == []


def test_cli_cp_if_match_replaces_only_the_named_version(s3ml_serve, mock_s3, mock_bucket):
    etag = mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"v1")["ETag"]
    r = _cli(s3ml_serve, "cp", "-", f"s3://{mock_bucket}/k", "--if-match", '"0000"', input=b"v2")
    assert r.returncode != 0
    assert b"PreconditionFailed" in r.stderr
    assert body(mock_s3, mock_bucket, "k") == b"v1"
    r = _cli(s3ml_serve, "cp", "-", f"s3://{mock_bucket}/k", "--if-match", etag, input=b"v2")
    assert r.returncode == 0, r.stderr
    assert body(mock_s3, mock_bucket, "k") == b"v2"


def test_cli_rm_if_match(s3ml_serve, mock_s3, mock_bucket):
    etag = mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"v1")["ETag"]
    r = _cli(s3ml_serve, "rm", f"s3://{mock_bucket}/k", "--if-match", '"0000"')
    assert r.returncode != 0
    assert b"PreconditionFailed" in r.stderr
    assert exists(mock_s3, mock_bucket, "k")
    r = _cli(s3ml_serve, "rm", f"s3://{mock_bucket}/k", "--if-match", etag)
    assert r.returncode == 0, r.stderr
    assert not exists(mock_s3, mock_bucket, "k")
