"""Client.presign_post: boto3-shaped browser POST forms, posted to s3ml.MockServer."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid

import pytest

from _binding_util import bucket, mock, s3, unique_bucket  # noqa: F401 (fixtures)


def _post(form, content: bytes, filename: str = "f.bin"):
    """Posts the fields, then the file (last), as multipart/form-data; returns (status, body)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in form["fields"].items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(form["url"], data=b"".join(parts), method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_presign_post_form_uploads_with_fields_and_conditions(s3, bucket):
    form = s3.presign_post(bucket, "in/${filename}", fields={"Content-Type": "text/plain"},
                           conditions=[["starts-with", "$Content-Type", "text/"], ["content-length-range", 1, 50]],
                           expires_in=120)
    assert set(form) == {"url", "fields"}
    assert list(form["fields"])[:2] == ["key", "Content-Type"]
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert {"bucket": bucket} in policy["conditions"]
    assert ["starts-with", "$key", "in/"] in policy["conditions"]
    assert ["content-length-range", 1, 50] in policy["conditions"]
    status, body = _post(form, b"posted from python", filename="note.txt")
    assert status == 204, body
    got = s3.get_object(bucket, "in/note.txt")
    assert bytes(got.body) == b"posted from python" and got.content_type == "text/plain"
    status, body = _post(form, b"x" * 51, filename="big.txt")
    assert status == 400 and b"<Code>EntityTooLarge</Code>" in body


def test_presign_post_dict_conditions_and_eq_lists(s3, bucket):
    form = s3.presign_post(bucket, "k", fields={"x-amz-meta-a": "1", "success_action_status": "201"},
                           conditions=[{"x-amz-meta-a": "1"}, ["eq", "$success_action_status", "201"]])
    status, body = _post(form, b"v")
    assert status == 201 and b"<Key>k</Key>" in body
    assert s3.head_object(bucket, "k").metadata == {"a": "1"}


def test_presign_post_rejects_malformed_conditions(s3, bucket):
    with pytest.raises(ValueError, match="conditions"):
        s3.presign_post(bucket, "k", conditions=[["starts-with", "key", "x"]])  # field without '$'
    with pytest.raises(ValueError, match="conditions"):
        s3.presign_post(bucket, "k", conditions=[["between", "$key", "x"]])
    with pytest.raises(ValueError, match="conditions"):
        s3.presign_post(bucket, "k", conditions=[{"a": "1", "b": "2"}])
    with pytest.raises(ValueError, match="expires_in"):
        s3.presign_post(bucket, "k", expires_in=0)
    with pytest.raises(ValueError, match="content-length-range"):
        s3.presign_post(bucket, "k", conditions=[["content-length-range", 10, 1]])
