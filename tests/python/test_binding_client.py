"""s3ml.Client against s3ml.MockServer: every area round-trips through the binding."""

from __future__ import annotations

import datetime
import io
import os
import urllib.request

import pytest

import s3ml
from _binding_util import bucket, mock, s3, unique_bucket  # noqa: F401 (fixtures)


def test_client_put_get_head_delete_round_trip(s3, bucket):
    put = s3.put_object(bucket, "a/b.txt", b"hello world", metadata={"step": "7"}, content_type="text/plain",
                        tagging={"team": "ml"})
    assert put.etag.strip('"') == "5eb63bbbe01eeed093cb22bb8f5acdc3"
    got = s3.get_object(bucket, "a/b.txt")
    assert bytes(got.body) == b"hello world" and len(got.body) == 11
    assert got.metadata == {"step": "7"} and got.content_type == "text/plain"
    assert got.etag == put.etag and got.content_length == 11 and got.storage_class == "STANDARD"
    assert isinstance(got.last_modified, datetime.datetime) and got.last_modified.tzinfo is not None
    assert abs((datetime.datetime.now(datetime.timezone.utc) - got.last_modified).total_seconds()) < 300
    head = s3.head_object(bucket, "a/b.txt")
    assert head.object_size == 11 and head.metadata == {"step": "7"}
    assert s3.get_object_tagging(bucket, "a/b.txt") == {"team": "ml"}
    s3.delete_object(bucket, "a/b.txt")
    with pytest.raises(s3ml.NoSuchKey):
        s3.head_object(bucket, "a/b.txt")


def test_client_ranges_accept_header_strings_and_tuples(s3, bucket):
    s3.put_object(bucket, "r", bytes(range(100)))
    assert bytes(s3.get_object(bucket, "r", range="bytes=10-19").body) == bytes(range(10, 20))
    assert bytes(s3.get_object(bucket, "r", range=(90, None)).body) == bytes(range(90, 100))
    assert bytes(s3.get_object(bucket, "r", range="bytes=-5").body) == bytes(range(95, 100))
    with pytest.raises(ValueError, match="range"):
        s3.get_object(bucket, "r", range="10-20")


def test_client_bodies_from_buffers_str_and_files(s3, bucket):
    s3.put_object(bucket, "ba", bytearray(b"xyz"))
    s3.put_object(bucket, "mv", memoryview(b"0123456789")[2:5])
    s3.put_object(bucket, "st", "héllo")
    s3.put_object(bucket, "fo", io.BytesIO(b"from a file"))
    assert bytes(s3.get_object(bucket, "ba").body) == b"xyz"
    assert bytes(s3.get_object(bucket, "mv").body) == b"234"
    assert s3.get_object(bucket, "st").body.decode() == "héllo"
    assert bytes(s3.get_object(bucket, "fo").body) == b"from a file"
    with pytest.raises(TypeError, match="body"):
        s3.put_object(bucket, "bad", 12345)


def test_client_copy_delete_many_and_buckets(s3, bucket):
    for i in range(5):
        s3.put_object(bucket, f"k{i}", f"v{i}".encode())
    s3.copy_object(bucket, "k0", bucket, "copy", metadata={"new": "yes"})
    assert s3.head_object(bucket, "copy").metadata == {"new": "yes"}
    res = s3.delete_objects(bucket, [f"k{i}" for i in range(5)])
    assert sorted(d.key for d in res.deleted) == [f"k{i}" for i in range(5)] and res.errors == []
    assert [o.key for o in s3.list_objects(bucket)] == ["copy"]
    assert bucket in [b.name for b in s3.list_buckets()]
    assert s3.head_bucket(bucket) == "us-east-1"
    other = unique_bucket()
    s3.create_bucket(other)
    s3.delete_bucket(other)
    with pytest.raises(s3ml.NoSuchBucket):
        s3.head_bucket(other)


def test_client_list_objects_prefixes_and_versions(s3, bucket):
    for k in ["a/1", "a/2", "b/1", "c"]:
        s3.put_object(bucket, k, b"x")
    assert [o.key for o in s3.list_objects(bucket, prefix="a/")] == ["a/1", "a/2"]
    assert list(s3.list_prefixes(bucket)) == ["a/", "b/"]
    assert [o.key for o in s3.list_objects(bucket, delimiter="/")] == ["c"]
    s3.put_bucket_versioning(bucket, True)
    assert s3.get_bucket_versioning(bucket) == "Enabled"
    v1 = s3.put_object(bucket, "v", b"one").version_id
    v2 = s3.put_object(bucket, "v", b"two").version_id
    s3.delete_object(bucket, "v")
    versions = list(s3.list_object_versions(bucket, prefix="v"))
    assert [v.is_delete_marker for v in versions] == [True, False, False]
    assert [v.version_id for v in versions[1:]] == [v2, v1] and versions[0].is_latest
    assert bytes(s3.get_object(bucket, "v", version_id=v1).body) == b"one"


def test_client_multipart_primitives(s3, bucket):
    upload = s3.create_multipart_upload(bucket, "mp", metadata={"m": "1"})
    assert [u.upload_id for u in s3.list_multipart_uploads(bucket)] == [upload]
    p1 = s3.upload_part(bucket, "mp", upload, 1, b"a" * (5 << 20))
    p2 = s3.upload_part(bucket, "mp", upload, 2, b"tail")
    assert [p.part_number for p in s3.list_parts(bucket, "mp", upload)] == [1, 2]
    done = s3.complete_multipart_upload(bucket, "mp", upload, [(1, p1), (2, p2.etag)])
    assert done.etag.strip('"').endswith("-2")
    assert s3.head_object(bucket, "mp").object_size == (5 << 20) + 4
    aborted = s3.create_multipart_upload(bucket, "gone")
    s3.abort_multipart_upload(bucket, "gone", aborted)
    with pytest.raises(s3ml.NoSuchUpload):
        s3.list_parts(bucket, "gone", aborted)


def test_client_transfer_files_with_progress(s3, bucket, tmp_path):
    src = tmp_path / "big.bin"
    data = os.urandom((12 << 20) + 123)
    src.write_bytes(data)
    seen = []
    up = s3.upload_file(src, bucket, "big", part_size=5 << 20, concurrency=3,
                        progress=lambda done, total: seen.append((done, total)), metadata={"k": "v"})
    assert up.parts == 3 and up.size == len(data)
    assert seen and max(d for d, _ in seen) == len(data) and all(t == len(data) for _, t in seen)
    dst = tmp_path / "out.bin"
    down = s3.download_file(bucket, "big", dst, part_size=5 << 20)
    assert dst.read_bytes() == data and down.size == len(data) and down.requests == 3
    assert bytes(s3.download_bytes(bucket, "big", part_size=5 << 20)) == data
    sink = io.BytesIO()
    s3.download_fileobj(bucket, "big", sink)
    assert sink.getvalue() == data
    up2 = s3.upload_fileobj(io.BytesIO(data), bucket, "stream", part_size=5 << 20)
    assert up2.parts == 3 and bytes(s3.get_object(bucket, "stream").body) == data


def test_client_progress_callback_exception_cancels_the_upload(s3, bucket, tmp_path):
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(11 << 20))

    class Stop(Exception):
        pass

    def boom(done, total):
        raise Stop("user said stop")

    with pytest.raises(Stop):
        s3.upload_file(src, bucket, "never", part_size=5 << 20, progress=boom)
    assert list(s3.list_multipart_uploads(bucket)) == []
    with pytest.raises(s3ml.NoSuchKey):
        s3.head_object(bucket, "never")


def test_client_select_yields_records_server_side_and_locally(s3, bucket):
    rows = "".join(f"{i},{i * i}\n" for i in range(1000))
    s3.put_object(bucket, "t.csv", rows.encode())
    for local in (False, True):
        stream = s3.select(bucket, "t.csv", "SELECT s._1 FROM S3Object s WHERE CAST(s._2 AS INT) > 998000",
                           local=local)
        out = b"".join(stream)
        assert out == b"999\n"
        assert stream.stats()["evaluated_locally"] == local


def test_client_presign_url_works_without_the_client(s3, bucket):
    s3.put_object(bucket, "p", b"presigned")
    url = s3.presign("GET", bucket, "p", expires_in=60)
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"presigned"
    with pytest.raises(ValueError, match="expires_in"):
        s3.presign("GET", bucket, "p", expires_in=0)


def test_client_constructor_validates_arguments():
    with pytest.raises(ValueError, match="secret_key"):
        s3ml.Client(access_key="AKIA")
    with pytest.raises(ValueError, match="addressing_style"):
        s3ml.Client(addressing_style="sideways")
    with pytest.raises(ValueError, match="max_attempts"):
        s3ml.Client(max_attempts=0)
    with pytest.raises(TypeError):
        s3ml.Client(max_attempts="three")
    with pytest.raises(TypeError, match="verify"):
        s3ml.Client(verify=3)
