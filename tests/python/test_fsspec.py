"""s3ml.fsspec.S3mlFileSystem: the fsspec filesystem for s3ml:// URLs, against the mock."""

from __future__ import annotations

import io
import pickle
import sys
import time

import pytest

fsspec = pytest.importorskip("fsspec", reason="fsspec is not installed (tests/python/requirements.txt)")

import s3ml  # noqa: E402
from s3ml.fsspec import S3mlFileSystem, register_s3  # noqa: E402
from _binding_util import bucket, mock, s3, unique_bucket  # noqa: E402,F401 (fixtures)


@pytest.fixture()
def fs(mock):
    return fsspec.filesystem("s3ml", endpoint_url=mock.endpoint_url, key=mock.access_key, secret=mock.secret_key,
                             client_kwargs={"region_name": mock.region, "addressing_style": "path"},
                             skip_instance_cache=True)


@pytest.fixture()
def tree(s3, bucket):
    s3.put_object(bucket, "a.txt", b"alpha")
    s3.put_object(bucket, "dir/b.txt", b"bravo!")
    s3.put_object(bucket, "dir/sub/c.bin", bytes(range(256)) * 4)
    return bucket


def test_protocol_s3ml_resolves_to_s3mlfilesystem_through_the_registry(mock):
    cls = fsspec.get_filesystem_class("s3ml")
    assert cls is S3mlFileSystem
    fs, path = fsspec.core.url_to_fs("s3ml://bkt/some/key", endpoint_url=mock.endpoint_url,
                                     key=mock.access_key, secret=mock.secret_key)
    assert isinstance(fs, S3mlFileSystem) and path == "bkt/some/key"


def test_s3fs_style_options_map_to_client_options(mock):
    fs = S3mlFileSystem(endpoint_url=mock.endpoint_url, key="AK", secret="SK", token="TOK",
                        client_kwargs={"region_name": "eu-west-1", "verify": False}, skip_instance_cache=True)
    cfg = fs.client._config()
    assert cfg["endpoint_url"] == mock.endpoint_url and cfg["access_key"] == "AK" and cfg["secret_key"] == "SK"
    assert cfg["session_token"] == "TOK" and cfg["region"] == "eu-west-1" and cfg["verify"] is False
    anon = S3mlFileSystem(endpoint_url=mock.endpoint_url, anon=True, skip_instance_cache=True)
    assert anon.client._config()["unsigned"] is True
    with pytest.raises(TypeError):
        S3mlFileSystem(client=s3ml.Client(), key="AK", skip_instance_cache=True)


def test_ls_lists_files_and_directories_one_level(fs, tree):
    assert sorted(fs.ls(tree, detail=False)) == [f"{tree}/a.txt", f"{tree}/dir"]
    entries = {e["name"]: e for e in fs.ls(f"s3ml://{tree}/dir")}
    assert entries[f"{tree}/dir/b.txt"]["type"] == "file" and entries[f"{tree}/dir/b.txt"]["size"] == 6
    assert entries[f"{tree}/dir/sub"]["type"] == "directory"
    assert fs.ls(f"{tree}/a.txt", detail=False) == [f"{tree}/a.txt"]
    assert tree in fs.ls("", detail=False)
    with pytest.raises(FileNotFoundError):
        fs.ls(f"{tree}/nothing-here")
    with pytest.raises(FileNotFoundError):
        fs.ls("no-such-bucket-xyz")


def test_info_tells_files_directories_and_missing_paths_apart(fs, tree):
    f = fs.info(f"{tree}/dir/b.txt")
    assert f["type"] == "file" and f["size"] == 6 and f["ETag"] and f["mtime"] is not None
    assert fs.info(f"{tree}/dir")["type"] == "directory"
    assert fs.info(tree)["type"] == "directory"
    assert fs.isdir(f"{tree}/dir/sub") and fs.isfile(f"{tree}/a.txt") and not fs.exists(f"{tree}/dir/zzz")
    with pytest.raises(FileNotFoundError):
        fs.info(f"{tree}/missing")


def test_find_is_one_flat_listing_and_matches_walk(fs, mock, tree):
    before = mock.stats()["requests_by_operation"].get("ListObjectsV2", 0)
    found = fs.find(tree)
    assert mock.stats()["requests_by_operation"]["ListObjectsV2"] == before + 1
    assert found == [f"{tree}/a.txt", f"{tree}/dir/b.txt", f"{tree}/dir/sub/c.bin"]
    with_dirs = fs.find(tree, withdirs=True, detail=True)
    assert with_dirs[f"{tree}/dir/sub"]["type"] == "directory"
    assert fs.glob(f"{tree}/**/*.txt") == [f"{tree}/a.txt", f"{tree}/dir/b.txt"]
    assert fs.find(f"{tree}/a.txt") == [f"{tree}/a.txt"]


def test_cat_file_slices_follow_python_rules(fs, tree):
    p = f"{tree}/dir/sub/c.bin"
    data = bytes(range(256)) * 4
    assert fs.cat_file(p) == data
    for start, end in [(0, 10), (10, None), (-5, None), (5, -5), (-20, -10), (1000, 2000), (2000, None),
                       (10, 10), (10, 5), (None, 7)]:
        assert fs.cat_file(p, start, end) == data[start:end], (start, end)
    with pytest.raises(FileNotFoundError):
        fs.cat_file(f"{tree}/missing")


def test_cat_ranges_returns_each_slice_and_errors_in_place(fs, tree):
    paths = [f"{tree}/a.txt", f"{tree}/dir/b.txt", f"{tree}/missing", f"{tree}/a.txt"]
    out = fs.cat_ranges(paths, [0, 1, 0, 3], [2, 4, 1, 3])
    assert out[0] == b"al" and out[1] == b"rav" and isinstance(out[2], FileNotFoundError) and out[3] == b""
    with pytest.raises(FileNotFoundError):
        fs.cat_ranges(paths, 0, 1, on_error="raise")


def test_cat_ranges_requests_run_concurrently_not_one_after_another(fs, mock, bucket, s3):
    n, delay_ms = 8, 1000
    for i in range(n):
        s3.put_object(bucket, f"slow-{i}", b"0123456789")
    mock.add_fault("latency", operation="GetObject", key_prefix="slow-", latency_ms=delay_ms, count=n)
    try:
        start = time.monotonic()
        out = fs.cat_ranges([f"{bucket}/slow-{i}" for i in range(n)], 2, 5)
        elapsed = time.monotonic() - start
    finally:
        mock.clear_faults()
    assert out == [b"234"] * n
    # One GET after another needs at least n * delay (8 s); concurrent GETs about one delay.
    assert elapsed < n * delay_ms / 1000 / 2, f"{n} delayed GETs took {elapsed:.1f} s: not concurrent"


def test_cat_of_many_paths_is_a_dict_and_on_error_is_honoured(fs, tree):
    assert fs.cat(f"{tree}/dir", recursive=True) == {f"{tree}/dir/b.txt": b"bravo!",
                                                      f"{tree}/dir/sub/c.bin": bytes(range(256)) * 4}
    assert fs.cat(f"{tree}/a.txt") == b"alpha"
    got = fs.cat([f"{tree}/a.txt", f"{tree}/missing"], on_error="return")
    assert got[f"{tree}/a.txt"] == b"alpha" and isinstance(got[f"{tree}/missing"], FileNotFoundError)
    assert fs.cat([f"{tree}/a.txt", f"{tree}/missing"], on_error="omit") == {f"{tree}/a.txt": b"alpha"}
    with pytest.raises(FileNotFoundError):
        fs.cat([f"{tree}/a.txt", f"{tree}/missing"])


def test_open_rb_is_seekable_ranged_and_text_mode_works(fs, mock, s3, bucket):
    data = bytes(i % 251 for i in range(3 * 2**20 + 17))
    s3.put_object(bucket, "big.bin", data)
    with fs.open(f"{bucket}/big.bin", "rb", block_size=256 * 1024) as f:
        assert f.size == len(data) and f.seekable()
        assert f.read(10) == data[:10]
        f.seek(-17, io.SEEK_END)
        assert f.read() == data[-17:]
        f.seek(2**20)
        assert f.read(100) == data[2**20:2**20 + 100] and f.tell() == 2**20 + 100
    s3.put_object(bucket, "t.txt", "line 1\nline 2\n")
    with fs.open(f"s3ml://{bucket}/t.txt", "r") as t:
        assert t.readlines() == ["line 1\n", "line 2\n"]
    with pytest.raises(FileNotFoundError):
        fs.open(f"{bucket}/missing", "rb")


def test_open_wb_streams_a_multipart_upload_and_aborts_on_exception(fs, mock, s3, bucket):
    chunk = b"x" * (2**20)
    with fs.open(f"{bucket}/out.bin", "wb", block_size=5 * 2**20) as f:
        for _ in range(12):
            f.write(chunk)
    assert s3.head_object(bucket, "out.bin").object_size == 12 * 2**20
    assert s3.head_object(bucket, "out.bin").etag.strip('"').endswith("-3")  # three 5 MiB-or-less parts
    with pytest.raises(RuntimeError):
        with fs.open(f"{bucket}/aborted.bin", "wb") as f:
            f.write(b"partial")
            raise RuntimeError("boom")
    assert not fs.exists(f"{bucket}/aborted.bin")
    assert s3.list_multipart_uploads(bucket) == []
    with fs.open(f"{bucket}/t.txt", "w") as t:
        t.write("hello text")
    assert fs.cat(f"{bucket}/t.txt") == b"hello text"


def test_pipe_put_get_cp_rm_round_trip(fs, s3, bucket, tmp_path):
    fs.pipe_file(f"{bucket}/p/one", b"1")
    fs.pipe({f"{bucket}/p/two": b"22", f"{bucket}/p/three": b"333"})
    local = tmp_path / "up.bin"
    local.write_bytes(b"u" * 1000)
    fs.put_file(str(local), f"{bucket}/p/up.bin")
    assert fs.cat(f"{bucket}/p/up.bin") == b"u" * 1000
    fs.get_file(f"{bucket}/p/two", str(tmp_path / "two"))
    assert (tmp_path / "two").read_bytes() == b"22"
    fs.get(f"{bucket}/p/", str(tmp_path / "all"), recursive=True)
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == ["one", "three", "two", "up.bin"]
    fs.cp_file(f"{bucket}/p/one", f"{bucket}/q/one")
    assert fs.cat(f"{bucket}/q/one") == b"1"
    fs.rm(f"{bucket}/p", recursive=True)
    assert not fs.exists(f"{bucket}/p") and fs.exists(f"{bucket}/q/one")
    fs.rm_file(f"{bucket}/q/one")
    assert fs.find(bucket) == []
    with pytest.raises(FileNotFoundError):
        fs.get_file(f"{bucket}/gone", str(tmp_path / "gone"))


def test_mkdir_makes_buckets_and_rmdir_removes_them(fs, s3):
    name = unique_bucket("fsb")
    fs.mkdir(name)
    assert name in [b.name for b in s3.list_buckets()]
    with pytest.raises(FileExistsError):
        fs.mkdir(name)
    fs.makedirs(name, exist_ok=True)
    fs.mkdir(f"{name}/some/dir")  # nothing to create inside a bucket
    fs.rmdir(name)
    assert name not in [b.name for b in s3.list_buckets()]


def test_filesystem_pickles_with_its_options(fs, tree):
    clone = pickle.loads(pickle.dumps(fs))
    assert clone.cat(f"{tree}/a.txt") == b"alpha"


def test_register_s3_routes_s3_urls_to_s3ml(mock, tree):
    register_s3()
    try:
        fs = fsspec.filesystem("s3", endpoint_url=mock.endpoint_url, key=mock.access_key, secret=mock.secret_key,
                               skip_instance_cache=True)
        assert isinstance(fs, S3mlFileSystem)
        with fsspec.open(f"s3://{tree}/a.txt", "rb", endpoint_url=mock.endpoint_url, key=mock.access_key,
                         secret=mock.secret_key) as f:
            assert f.read() == b"alpha"
    finally:
        reg = sys.modules["fsspec.registry"]  # back to s3fs (known_implementations) for later tests
        reg._registry.pop("s3", None)
        reg._registry.pop("s3a", None)


# ---- the engine: Client.get_objects ----------------------------------------------

def test_get_objects_returns_bodies_in_request_order(s3, bucket):
    for i in range(40):
        s3.put_object(bucket, f"k{i:02d}", f"value-{i:02d}".encode())
    reqs = [(bucket, f"k{i:02d}") for i in reversed(range(40))] + [(bucket, "k07", (6, 7)), (bucket, "k08", "bytes=-2")]
    out = s3.get_objects(reqs, concurrency=7)
    assert [bytes(b) for b in out[:40]] == [f"value-{i:02d}".encode() for i in reversed(range(40))]
    assert isinstance(out[0], s3ml.Buffer) and bytes(out[40]) == b"07" and bytes(out[41]) == b"08"
    assert s3.get_objects([]) == []


def test_get_objects_raises_the_failure_or_returns_it_in_place(s3, bucket):
    s3.put_object(bucket, "here", b"1")
    with pytest.raises(s3ml.NoSuchKey) as info:
        s3.get_objects([(bucket, "here"), (bucket, "gone")])
    assert info.value.resource.endswith("/gone")
    out = s3.get_objects([(bucket, "gone"), (bucket, "here")], return_exceptions=True)
    assert isinstance(out[0], s3ml.NoSuchKey) and out[0].response["Error"]["Code"] == "NoSuchKey"
    assert bytes(out[1]) == b"1"


def test_get_objects_checks_its_arguments_before_any_request(s3, bucket):
    with pytest.raises(ValueError, match="concurrency"):
        s3.get_objects([(bucket, "k")], concurrency=0)
    with pytest.raises(TypeError, match=r"requests\[1\]"):
        s3.get_objects([(bucket, "k"), "s3://b/k"])
    with pytest.raises(ValueError, match=r"requests\[0\]"):
        s3.get_objects([(bucket, "k", (5, 2))])


def test_ctrl_c_interrupts_get_objects_with_every_request_waiting_on_a_silent_server():
    from test_interrupt import LIMIT, run_and_interrupt
    info = run_and_interrupt("""
        with silent_listener() as port:
            c = s3ml.Client(endpoint_url=f"http://127.0.0.1:{port}", access_key="a", secret_key="b")
            ready()
            try:
                c.get_objects([("bkt", f"k{i}") for i in range(8)], concurrency=4)
            except KeyboardInterrupt:
                interrupted()
    """)
    assert info["latency"] < LIMIT, info
