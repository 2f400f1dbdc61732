"""Browser POST uploads (S3's POST Object) against `s3ml serve`.

Forms made by boto3's generate_presigned_post and by `s3ml presign --post` are posted
with `requests` as multipart/form-data, as a browser posts them, and the mock must
accept what S3 accepts and refuse what S3 refuses (the policy's conditions, its
expiry, its signature). moto accepts POST uploads but checks no policy (moto 5.x
reads only key, file, success_action_status/_redirect and acl), so the s3ml form is
checked there only for being stored.

S3 API reference: "POST Object" and "POST Policy" (sigv4-HTTPPOSTConstructPolicy).
"""

import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN, make_boto3_client

CLI_TIMEOUT = 60  # seconds per CLI invocation
HTTP_TIMEOUT = 30


def _post(form, content, filename="upload.bin"):
    # requests sends `data` fields first, then `files`: the file is the last field,
    # as S3 requires.
    return requests.post(form["url"], data=list(form["fields"].items()),
                         files={"file": (filename, content)}, timeout=HTTP_TIMEOUT, allow_redirects=False)


def _error_code(response):
    return ET.fromstring(response.content).findtext("Code")


def _cli_env(access_key=MOCK_ACCESS_KEY, secret_key=MOCK_SECRET_KEY):
    """An environment where only what the test sets can reach the CLI."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key, AWS_REGION=MOCK_REGION,
               AWS_CONFIG_FILE="/nonexistent/s3ml-test-config",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent/s3ml-test-credentials", AWS_EC2_METADATA_DISABLED="true")
    return env


def _s3ml_post_form(endpoint, path, *args, access_key=MOCK_ACCESS_KEY, secret_key=MOCK_SECRET_KEY):
    out = subprocess.run([S3ML_BIN, "presign", "--post", path, *args, "--endpoint-url", endpoint],
                         capture_output=True, text=True, timeout=CLI_TIMEOUT,
                         env=_cli_env(access_key, secret_key))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# boto3 signs POST policies with Signature Version 2 (AWSAccessKeyId, signature) by
# default, and with SigV4 (x-amz-credential, x-amz-signature, ...) when told to.
SIGNATURES = [{}, {"signature_version": "s3v4"}]


@pytest.mark.parametrize("config", SIGNATURES, ids=["sigv2", "sigv4"])
def test_boto3_generate_presigned_post_form_is_accepted(s3ml_serve, mock_s3, mock_bucket, config):
    client = make_boto3_client(s3ml_serve.url, **config)
    form = client.generate_presigned_post(mock_bucket, "uploads/a.txt", ExpiresIn=300)
    assert ("x-amz-signature" in form["fields"]) == bool(config)
    # "The POST operation adds an object to a specified bucket by using HTML forms."
    response = _post(form, b"hello from a browser")
    # "If the value is not set or if it is set to an invalid value, Amazon S3 returns
    # an empty document with a 204 status code."
    assert response.status_code == 204, response.text
    assert response.headers["ETag"] == mock_s3.head_object(Bucket=mock_bucket, Key="uploads/a.txt")["ETag"]
    assert mock_s3.get_object(Bucket=mock_bucket, Key="uploads/a.txt")["Body"].read() == b"hello from a browser"


@pytest.mark.parametrize("config", SIGNATURES, ids=["sigv2", "sigv4"])
def test_boto3_form_with_fields_conditions_and_201(s3ml_serve, mock_s3, mock_bucket, config):
    form = make_boto3_client(s3ml_serve.url, **config).generate_presigned_post(
        mock_bucket, "user/eric/${filename}",
        Fields={"Content-Type": "image/png", "success_action_status": "201", "x-amz-meta-owner": "eric"},
        Conditions=[["starts-with", "$Content-Type", "image/"], {"success_action_status": "201"},
                    {"x-amz-meta-owner": "eric"}, ["content-length-range", 1, 64]],
        ExpiresIn=300)
    response = _post(form, b"\x89PNG...", filename="cat.png")
    # "If the value is set to 201, Amazon S3 returns an XML document with a 201 status code."
    assert response.status_code == 201, response.text
    doc = ET.fromstring(response.content)
    assert doc.tag == "PostResponse"
    assert doc.findtext("Bucket") == mock_bucket
    assert doc.findtext("Key") == "user/eric/cat.png"
    head = mock_s3.head_object(Bucket=mock_bucket, Key="user/eric/cat.png")
    assert head["ContentType"] == "image/png"
    assert head["Metadata"] == {"owner": "eric"}
    assert doc.findtext("ETag") == head["ETag"]


def test_boto3_form_content_length_range_refuses_a_large_file(mock_s3, mock_bucket):
    form = mock_s3.generate_presigned_post(mock_bucket, "small", Conditions=[["content-length-range", 0, 4]])
    response = _post(form, b"far too large")
    assert response.status_code == 400
    assert _error_code(response) == "EntityTooLarge"
    assert _post(form, b"tiny").status_code == 204


def test_boto3_form_with_a_changed_key_fails_its_condition(mock_s3, mock_bucket):
    form = mock_s3.generate_presigned_post(mock_bucket, "granted")
    form["fields"]["key"] = "not-granted"
    response = _post(form, b"x")
    assert response.status_code == 403
    assert _error_code(response) == "AccessDenied"
    assert "Policy Condition failed" in ET.fromstring(response.content).findtext("Message")


@pytest.mark.parametrize("config", SIGNATURES, ids=["sigv2", "sigv4"])
def test_boto3_form_signed_with_another_secret_is_refused(s3ml_serve, mock_bucket, config):
    other = make_boto3_client(s3ml_serve.url, secret_key="not-the-mock-secret", **config)
    response = _post(other.generate_presigned_post(mock_bucket, "k"), b"x")
    assert response.status_code == 403
    assert _error_code(response) == "SignatureDoesNotMatch"


def test_boto3_form_redirect(mock_s3, mock_bucket):
    # "Amazon S3 appends the bucket, key, and etag values as query string parameters to the URL."
    form = mock_s3.generate_presigned_post(
        mock_bucket, "r", Fields={"success_action_redirect": "https://example.com/ok"},
        Conditions=[{"success_action_redirect": "https://example.com/ok"}])
    response = _post(form, b"redirect me")
    assert response.status_code == 303
    etag = mock_s3.head_object(Bucket=mock_bucket, Key="r")["ETag"]
    assert response.headers["Location"] == (
        f"https://example.com/ok?bucket={mock_bucket}&key=r&etag={requests.utils.quote(etag, safe='')}")


def test_s3ml_presign_post_form_is_accepted_by_the_mock(s3ml_serve, mock_s3, mock_bucket):
    form = _s3ml_post_form(s3ml_serve.url, f"s3://{mock_bucket}/cli/${{filename}}",
                           "--field", "Content-Type=text/plain",
                           "--condition", '["starts-with", "$Content-Type", "text/"]',
                           "--content-length-range", "1,100", "--expires-in", "120")
    assert list(form["fields"])[:2] == ["key", "Content-Type"]
    response = _post(form, b"from the s3ml CLI", filename="note.txt")
    assert response.status_code == 204, response.text
    obj = mock_s3.get_object(Bucket=mock_bucket, Key="cli/note.txt")
    assert obj["Body"].read() == b"from the s3ml CLI"
    assert obj["ContentType"] == "text/plain"
    # The same form with a file over the range is refused.
    assert _error_code(_post(form, b"x" * 101, filename="big.txt")) == "EntityTooLarge"


def test_s3ml_presign_post_form_is_stored_by_moto(moto_endpoint):
    client = make_boto3_client(moto_endpoint, access_key="testing", secret_key="testing")
    client.create_bucket(Bucket="post-moto")
    form = _s3ml_post_form(moto_endpoint, "s3://post-moto/from-s3ml", access_key="testing", secret_key="testing")
    response = _post(form, b"moto stores it")
    assert response.status_code == 204, response.text
    assert client.get_object(Bucket="post-moto", Key="from-s3ml")["Body"].read() == b"moto stores it"


def test_s3ml_presign_post_options_need_post(s3ml_serve):
    out = subprocess.run([S3ML_BIN, "presign", "s3://bucket/k", "--field", "a=b", "--endpoint-url", s3ml_serve.url],
                         capture_output=True, text=True, timeout=CLI_TIMEOUT, env=_cli_env())
    assert out.returncode != 0
    assert "need --post" in out.stderr


def test_portable_cpp_post_upload_passes_against_moto(moto_endpoint):
    """integration_post's [portable] test (a Client::PresignPost form posted as a browser would) against moto."""
    from interop_support import build_dir

    binary = build_dir() / "tests" / "integration" / "integration_post"
    if not binary.exists():
        pytest.fail(f"integration binary not built: {binary} (build target integration_post)")
    env = dict(os.environ, S3ML_TEST_ENDPOINT=moto_endpoint, S3ML_TEST_ACCESS_KEY="testing",
               S3ML_TEST_SECRET_KEY="testing", S3ML_TEST_REGION="us-east-1")
    proc = subprocess.run([str(binary), "[portable]", "--reporter", "console"], env=env, capture_output=True,
                          text=True, timeout=CLI_TIMEOUT)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "All tests passed" in output and "in 1 test case" in output, output
