"""Porting without rewriting: boto3 habits (ClientError-shaped .response, unsigned
clients, common prefixes of delimited listings) and s3torchconnector's names
(s3ml.compat.s3torchconnector), against the mock."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import s3ml
from _binding_util import bucket, import_torch_or_skip, mock, s3, unique_bucket  # noqa: F401 (fixtures)


# ---- boto3 habits ----------------------------------------------------------------

def test_errors_carry_a_botocore_shaped_response(s3, bucket):
    with pytest.raises(s3ml.NoSuchKey) as info:
        s3.get_object(bucket, "missing")
    e = info.value
    assert e.response["Error"]["Code"] == "NoSuchKey" and e.response["Error"]["Message"] == e.message
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert e.response["ResponseMetadata"]["RequestId"] == e.request_id
    assert e.operation_name == "GetObject"
    assert (e.code, e.status) == ("NoSuchKey", 404)  # s3ml's own attributes stay


def test_list_objects_with_delimiter_reports_common_prefixes(s3, bucket):
    for key in ("top.txt", "a/1", "a/2", "b/c/3"):
        s3.put_object(bucket, key, b"x")
    it = s3.list_objects(bucket, delimiter="/", page_size=1)
    assert [o.key for o in it] == ["top.txt"]  # iteration is unchanged: the objects
    assert it.common_prefixes == ["a/", "b/"]
    nested = s3.list_objects(bucket, prefix="b/", delimiter="/")
    assert list(nested) == [] and nested.common_prefixes == ["b/c/"]
    plain = s3.list_objects(bucket)
    assert len(list(plain)) == 4 and plain.common_prefixes == []


def test_unsigned_client_sends_anonymous_requests(bucket):
    with s3ml.MockServer(allow_anonymous=True) as server:
        server.client().create_bucket("public")
        server.client().put_object("public", "k", b"open data")
        anon = s3ml.Client(endpoint_url=server.endpoint_url, region=server.region, unsigned=True)
        assert bytes(anon.get_object("public", "k").body) == b"open data"
        assert anon._config()["unsigned"] is True
        import pickle
        assert pickle.loads(pickle.dumps(anon))._config()["unsigned"] is True
    with pytest.raises(ValueError, match="unsigned"):
        s3ml.Client(unsigned=True, access_key="a", secret_key="b")
    with pytest.raises(TypeError, match="unsigned"):
        s3ml.Client(unsigned="yes")


def test_unsigned_client_is_refused_by_a_server_that_wants_signatures(mock):
    anon = s3ml.Client(endpoint_url=mock.endpoint_url, region=mock.region, unsigned=True)
    with pytest.raises(s3ml.AccessDenied) as info:
        anon.list_buckets()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# ---- s3torchconnector names ------------------------------------------------------

# The same user code for s3torchconnector and for s3ml.compat.s3torchconnector: only the
# import line differs ({IMPORT}). It prints what it read.
USER_CODE = textwrap.dedent('''
    import io, os, sys
    import torch
    {IMPORT}

    region, endpoint, bucket = os.environ["T_REGION"], os.environ["T_ENDPOINT"], os.environ["T_BUCKET"]
    config = S3ClientConfig(force_path_style=True)

    def key_and_bytes(obj):
        return obj.key, obj.read()

    ds = S3IterableDataset.from_prefix(f"s3://{{bucket}}/data/", region=region, endpoint=endpoint,
                                       transform=key_and_bytes, s3client_config=config)
    print(sorted(ds))
    objs = S3IterableDataset.from_objects([f"s3://{{bucket}}/data/b", f"s3://{{bucket}}/data/a"], region=region,
                                          endpoint=endpoint, transform=key_and_bytes, s3client_config=config)
    print(list(objs))

    def middle(obj):
        obj.seek(2)
        return obj.read(3)

    ranged = S3MapDataset.from_prefix(f"s3://{{bucket}}/data/", region=region, endpoint=endpoint, transform=middle,
                                      s3client_config=config,
                                      reader_constructor=S3ReaderConstructor.range_based())
    print(len(ranged), [ranged[i] for i in range(len(ranged))])
    mapped = S3MapDataset.from_objects([f"s3://{{bucket}}/data/a"], region=region, endpoint=endpoint,
                                       transform=key_and_bytes, s3client_config=config)
    print(mapped[0])

    ckpt = S3Checkpoint(region=region, endpoint=endpoint, s3client_config=config)
    with ckpt.writer(f"s3://{{bucket}}/ckpt.pt") as w:
        torch.save({{"w": torch.arange(6)}}, w)
    with ckpt.reader(f"s3://{{bucket}}/ckpt.pt") as r:
        print(torch.load(r)["w"].tolist())
''')

EXPECTED = ("[('data/a', b'aaaaaaaa'), ('data/b', b'bbbbbbbbbb')]\n"
            "[('data/b', b'bbbbbbbbbb'), ('data/a', b'aaaaaaaa')]\n"
            "2 [b'aaa', b'bbb']\n"
            "('data/a', b'aaaaaaaa')\n"
            "[0, 1, 2, 3, 4, 5]\n")


def _run_user_code(tmp_path, import_line, mock, bucket):
    script = tmp_path / "user.py"
    script.write_text(USER_CODE.format(IMPORT=import_line))
    env = dict(os.environ, T_REGION=mock.region, T_ENDPOINT=mock.endpoint_url, T_BUCKET=bucket,
               AWS_ACCESS_KEY_ID=mock.access_key, AWS_SECRET_ACCESS_KEY=mock.secret_key,
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return subprocess.run([sys.executable, str(script)], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=240)


@pytest.fixture()
def data_bucket(s3):
    name = unique_bucket("compat")
    s3.create_bucket(name)
    s3.put_object(name, "data/a", b"a" * 8)
    s3.put_object(name, "data/b", b"b" * 10)
    return name


NAMES = "S3IterableDataset, S3MapDataset, S3Checkpoint, S3ClientConfig, S3ReaderConstructor"


def test_s3torchconnector_user_code_runs_on_s3ml_with_only_the_import_changed(tmp_path, mock, data_bucket):
    import_torch_or_skip("the s3torchconnector compatibility tests")
    proc = _run_user_code(tmp_path, f"from s3ml.compat.s3torchconnector import {NAMES}", mock, data_bucket)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == EXPECTED


def test_the_same_user_code_gives_the_same_output_on_s3torchconnector(tmp_path, mock, data_bucket):
    import_torch_or_skip("the s3torchconnector compatibility tests")
    try:
        import s3torchconnector  # noqa: F401
    except Exception as exc:  # not installable on every machine (it needs its native client)
        pytest.skip(f"s3torchconnector is not importable here: {exc}")
    proc = _run_user_code(tmp_path, f"from s3torchconnector import {NAMES}", mock, data_bucket)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == EXPECTED


def test_map_dataset_stream_mode_fetches_nothing_before_the_transform_reads(mock, s3, data_bucket):
    import_torch_or_skip("s3ml.torch")
    import s3ml.torch
    seen = []

    def head_only(obj):
        with obj.open(part_size=64 * 1024) as f:
            seen.append(f.read(2))
        return obj.key

    ds = s3ml.torch.S3MapDataset(f"s3://{data_bucket}/data/", client=s3, transform=head_only, stream=True)
    before = mock.stats()["requests_by_operation"]
    assert [ds[i] for i in range(len(ds))] == ["data/a", "data/b"]
    after = mock.stats()["requests_by_operation"]
    assert seen == [b"aa", b"bb"]
    # Each read was one HEAD (pinning the version) and ranged GETs: no whole-object GET beyond them.
    assert after.get("HeadObject", 0) - before.get("HeadObject", 0) == 2
    lazy = s3ml.torch.S3MapDataset(f"s3://{data_bucket}/data/", client=s3, transform=lambda o: bytes(o.data),
                                   stream=True)
    assert lazy[1] == b"b" * 10
