"""client.open_write / open_read: checkpoint streams as binary file objects; the registry."""

from __future__ import annotations

import io
import os

import pytest

import s3ml
from s3ml import checkpoint
from _binding_util import bucket, mock, s3  # noqa: F401 (fixtures)


def test_checkpoint_write_then_read_round_trip_multipart(s3, bucket):
    data = os.urandom((11 << 20) + 7)
    uri = f"s3://{bucket}/ckpt/model.bin"
    with s3.open_write(uri, metadata={"step": 100, "loss": "0.5"}, part_size=5 << 20) as f:
        assert f.writable() and not f.seekable()
        for i in range(0, len(data), 1 << 20):
            f.write(data[i:i + (1 << 20)])
        assert f.tell() == len(data)
    assert f.closed and f.info.size == len(data)
    head = s3.head_object(bucket, "ckpt/model.bin")
    assert head.metadata == {"step": "100", "loss": "0.5"} and head.etag.strip('"').endswith("-3")
    with s3.open_read(uri, part_size=1 << 20) as r:
        assert r.readable() and r.seekable() and r.size == len(data)
        assert r.read(10) == data[:10]
        r.seek(-5, io.SEEK_END)
        assert r.read() == data[-5:]
        r.seek(3 << 20)
        assert r.read(100) == data[3 << 20:(3 << 20) + 100]
        r.seek(0)
        assert r.read() == data
    buffered = io.BufferedReader(s3.open_read(uri))
    assert buffered.read() == data


def test_checkpoint_exception_in_with_block_aborts_and_stores_nothing(s3, bucket):
    uri = f"s3://{bucket}/ckpt/broken.bin"
    with pytest.raises(RuntimeError, match="training crashed"):
        with s3.open_write(uri, part_size=5 << 20) as f:
            f.write(os.urandom(6 << 20))  # one part already uploading
            raise RuntimeError("training crashed")
    with pytest.raises(s3ml.NoSuchKey):
        s3.head_object(bucket, "ckpt/broken.bin")
    assert s3.list_multipart_uploads(bucket) == []
    w = s3.open_write(uri)
    w.write(b"abandoned")
    w.abort()
    with pytest.raises(s3ml.NoSuchKey):
        s3.head_object(bucket, "ckpt/broken.bin")
    with pytest.raises(ValueError, match="uri"):
        s3.open_write("/local/path")
    with pytest.raises(ValueError):
        s3.open_write(f"s3://{bucket}/k", metadata={"bad name!": "x"})


def test_checkpoint_registry_over_versions(s3, bucket):
    s3.put_bucket_versioning(bucket, True)
    uri = f"s3://{bucket}/models/net"
    for step, acc in ((1, "0.5"), (2, "0.9"), (3, "0.7")):
        with s3.open_write(uri, metadata={"step": step, "acc": acc}) as f:
            f.write(f"weights-{step}".encode())
    versions = checkpoint.list_versions(s3, uri)
    assert [v.metadata["step"] for v in versions] == ["3", "2", "1"] and versions[0].is_latest
    best = checkpoint.best(s3, uri, "acc")
    assert best.metadata["step"] == "2"
    with s3.open_read(uri, version_id=best.version_id) as r:
        assert r.read() == b"weights-2"
    rolled = checkpoint.rollback(s3, uri, best.version_id)
    assert checkpoint.latest(s3, uri).version_id == rolled.version_id
    with s3.open_read(uri) as r:
        assert r.read() == b"weights-2"
