"""Status → exception mapping: classes, attributes, ValueError/TypeError for bad arguments."""

from __future__ import annotations

import io
import os
import pickle
import socket
import subprocess
import sys
import tarfile

import pytest

import s3ml
from _binding_util import bucket, mock, s3  # noqa: F401 (fixtures)


def test_errors_missing_key_raises_no_such_key_with_attributes(s3, bucket):
    with pytest.raises(s3ml.NoSuchKey) as info:
        s3.get_object(bucket, "missing/key")
    err = info.value
    assert isinstance(err, s3ml.S3Error) and isinstance(err, s3ml.Error)
    assert err.code == "NoSuchKey" and err.status == 404 and err.operation == "GetObject"
    assert err.request_id and err.message and err.resource == f"s3://{bucket}/missing/key"
    assert "NoSuchKey" in str(err) and "GetObject" in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is s3ml.NoSuchKey and again.code == "NoSuchKey" and again.status == 404


def test_errors_bucket_codes_map_to_their_classes(s3, bucket):
    with pytest.raises(s3ml.NoSuchBucket) as info:
        s3.list_objects("no-such-bucket-here").__next__()
    assert info.value.status == 404
    # us-east-1 answers a re-create of an owned bucket with 200 (as S3 does there);
    # other regions refuse it.
    s3.create_bucket(bucket)
    with s3ml.MockServer(region="eu-west-1") as eu:
        west = eu.client()
        west.create_bucket("eu-bucket")
        with pytest.raises(s3ml.BucketAlreadyOwnedByYou):
            west.create_bucket("eu-bucket")
    s3.put_object(bucket, "x", b"1")
    with pytest.raises(s3ml.BucketNotEmpty) as info:
        s3.delete_bucket(bucket)
    assert info.value.status == 409
    with pytest.raises(s3ml.PreconditionFailed):
        s3.get_object(bucket, "x", if_match='"0000"')


def test_errors_wrong_secret_is_a_signature_error_not_retried(mock, bucket):
    bad = mock.client(secret_key="wrong")
    with pytest.raises(s3ml.S3Error) as info:
        bad.get_object(bucket, "x")
    assert info.value.code in ("SignatureDoesNotMatch", "AccessDenied") and info.value.status == 403
    assert type(info.value) is s3ml.error_class_for_code(info.value.code)


def test_errors_invalid_arguments_are_value_errors_naming_the_argument(s3):
    with pytest.raises(ValueError, match="bucket") as info:
        s3.get_object("x", "key")  # bucket name too short
    assert isinstance(info.value, s3ml.InvalidArgumentError)
    with pytest.raises(ValueError, match="checksum_algorithm"):
        s3.put_object("valid-bucket", "k", b"", checksum_algorithm="md4")
    with pytest.raises(ValueError, match="page_size"):
        s3.list_objects("valid-bucket", page_size=5000)
    with pytest.raises(TypeError):
        s3.get_object("valid-bucket", 42)


def test_errors_every_category_maps_to_its_class():
    cases = {
        "Credentials": s3ml.CredentialsError, "Network": s3ml.TransportError,
        "Timeout": s3ml.ConnectionTimeout, "Protocol": s3ml.ProtocolError, "Integrity": s3ml.IntegrityError,
        "Io": s3ml.LocalIOError, "Cancelled": s3ml.CancelledError, "InvalidArgument": ValueError,
        "Internal": s3ml.LibraryBug,
    }
    for category, cls in cases.items():
        with pytest.raises(cls) as info:
            s3ml._core._raise_status(category, message=f"{category} went wrong")
        assert info.value.category == category and info.value.message == f"{category} went wrong"
    with pytest.raises(s3ml.SlowDown) as info:
        s3ml._core._raise_status("Service", "SlowDown", 503, "reduce your request rate")
    assert info.value.status == 503 and isinstance(info.value, s3ml.S3Error)
    with pytest.raises(s3ml.S3Error) as info:
        s3ml._core._raise_status("Service", "SomeNewCode", 400, "x")
    assert type(info.value) is s3ml.S3Error and info.value.code == "SomeNewCode"
    assert issubclass(s3ml.LocalIOError, OSError)


def test_errors_unreachable_endpoint_is_a_transport_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the with block ends: nothing listens
    c = s3ml.Client(endpoint_url=f"http://127.0.0.1:{port}", access_key="a", secret_key="b", max_attempts=1)
    with pytest.raises(s3ml.TransportError) as info:
        c.get_object("some-bucket", "k")
    assert info.value.status == 0 and info.value.operation == "GetObject"


def test_errors_missing_credentials_raise_credentials_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_EC2_METADATA_DISABLED="true", HOME=str(tmp_path))
    code = (
        "import s3ml\n"
        "c = s3ml.Client(endpoint_url='http://127.0.0.1:9', max_attempts=1)\n"
        "try:\n"
        "    c.get_object('some-bucket', 'k')\n"
        "except s3ml.CredentialsError as e:\n"
        "    print('CredentialsError', e.category)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "CredentialsError Credentials", out.stderr


def _tar(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize("fmt,body", [
    ("tar", _tar([("a.txt", b"x" * 5000), ("b.txt", b"y")])[:700]),        # cut inside a member
    ("tar", b"\xff" * 2048),                                              # not a tar at all
    ("jsonl", b'{"i": 0}\n{"i": 1}\n{"i": '),                             # last record cut off
])
def test_errors_corrupt_shard_is_corrupt_data_error_not_value_error(mock, s3, bucket, fmt, body):
    s3.put_object(bucket, f"bad.{fmt}", body)
    ds = s3ml.Dataset([f"s3://{bucket}/bad.{fmt}"], format=fmt, client=s3)
    with pytest.raises(s3ml.Error) as info:
        list(ds)
    err = info.value
    assert type(err) is s3ml.CorruptDataError and err.code == "CorruptShard" and err.category == "Integrity"
    assert not isinstance(err, ValueError)  # `except ValueError` around user input must not swallow it
    assert isinstance(err, s3ml.IntegrityError) and s3ml.IntegrityError is s3ml.CorruptDataError
    assert f"s3://{bucket}/bad.{fmt}" in str(err)


def test_errors_no_credentials_anywhere_lists_the_places_looked_in(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # no instance metadata service: refused at once
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"http://127.0.0.1:{closed}"}
    code = (
        "import s3ml\n"
        "c = s3ml.Client(endpoint_url='http://127.0.0.1:9', max_attempts=1)\n"
        "try:\n"
        "    c.get_object('some-bucket', 'k')\n"
        "except s3ml.CredentialsError as e:\n"
        "    print(e.code)\n"
        "    print(e.message)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    lines = out.stdout.splitlines()
    assert len(lines) == 2, out.stdout + out.stderr
    code_, msg = lines
    assert code_ == "NoCredentials"
    assert "unusable" not in msg
    assert msg.startswith("Unable to locate credentials. Looked in: environment variables "
                          "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY): ")
    for place in (f"the shared credentials file {home}/.aws/credentials: not found",
                  f"the shared config file {home}/.aws/config: not found",
                  "a credential_process in profile 'default'",
                  f"the EC2 instance metadata service (IMDS): PUT http://127.0.0.1:{closed}/latest/api/token"):
        assert place in msg, msg
