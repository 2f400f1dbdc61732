"""The `s3ml` CLI against `s3ml serve`, cross-checked with boto3 (and `aws s3 ls`).

Every command is run as a subprocess with a bounded timeout; results are verified
through an independent peer (boto3, urllib, the aws CLI) against the same server.
"""

import hashlib
import json
import http.server
import os
import pathlib
import pty
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate

import boto3
import pytest
from botocore.config import Config

REPO = pathlib.Path(__file__).resolve().parents[2]
S3ML_BIN = os.environ.get("S3ML_BIN", str(REPO / "build" / "tools" / "s3ml" / "s3ml"))
ACCESS_KEY = "K"
SECRET_KEY = "S"
REGION = "us-east-1"
TIMEOUT = 60  # seconds, per CLI invocation: nothing may hang


def _clean_env(**extra):
    """An environment where only what the test sets can reach the CLI."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE="/nonexistent/s3ml-test-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/s3ml-test-credentials",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(extra)
    return env


class ServeProcess:
    """`s3ml serve` on 127.0.0.1, port 0; the endpoint is the one line it prints."""

    def __init__(self, region=REGION):
        if not os.access(S3ML_BIN, os.X_OK):
            pytest.fail(f"s3ml binary not found at {S3ML_BIN} (set S3ML_BIN)")
        self.proc = subprocess.Popen(
            [S3ML_BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--access-key", ACCESS_KEY,
             "--secret-key", SECRET_KEY, "--region", region],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_clean_env())
        line = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(15)
        if not line or not line[0].strip().startswith("http://"):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            pytest.fail(f"s3ml serve did not print its endpoint: {line!r} {err!r}")
        self.endpoint = line[0].strip()
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            pytest.fail("s3ml serve did not exit within 15 s of SIGTERM")
        return rc


@pytest.fixture(scope="module")
def cli_server():
    server = ServeProcess()
    yield server
    rc = server.stop()
    assert rc == 0, f"s3ml serve exited with {rc} on SIGTERM: {server.proc.stderr.read()}"


@pytest.fixture(scope="module")
def s3(cli_server):
    return boto3.client(
        "s3", endpoint_url=cli_server.endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name=REGION, config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


_bucket_counter = [0]


@pytest.fixture
def bucket(s3):
    _bucket_counter[0] += 1
    name = f"cli-{os.getpid()}-{_bucket_counter[0]}"
    s3.create_bucket(Bucket=name)
    return name


def run(cli_server, *args, input=None, endpoint=None, timeout=TIMEOUT, env=None, text=False):
    """Runs s3ml with --endpoint-url (after the subcommand, as aws users write it)."""
    cmd = [S3ML_BIN, *args, "--endpoint-url", endpoint or cli_server.endpoint]
    return subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, env=env or _clean_env(), text=text)


def ok(result):
    assert result.returncode == 0, f"exit {result.returncode}: stderr={result.stderr!r} stdout={result.stdout[:500]!r}"
    return result


def one_error_line(result):
    """A failure: non-zero exit and exactly one line on stderr, which is returned."""
    assert result.returncode != 0, f"expected failure, got exit 0: {result.stdout!r}"
    err = result.stderr.decode() if isinstance(result.stderr, bytes) else result.stderr
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error line, got {lines!r}"
    return lines[0]


def keys(s3, bucket, prefix=""):
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return out


def body(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


# ---- buckets -----------------------------------------------------------------


def test_cli_mb_ls_rb_buckets_seen_by_boto3(cli_server, s3):
    name = f"cli-mb-{os.getpid()}"
    r = ok(run(cli_server, "mb", f"s3://{name}", text=True))
    assert r.stdout.strip() == f"make_bucket: {name}"
    s3.head_bucket(Bucket=name)

    other = f"cli-mb2-{os.getpid()}"
    s3.create_bucket(Bucket=other)
    listing = ok(run(cli_server, "ls", text=True)).stdout.splitlines()
    names = {line.split(" ", 2)[2] for line in listing}
    assert {name, other} <= names
    assert all(len(line.split(" ")[0]) == 10 for line in listing)  # "YYYY-MM-DD HH:MM:SS name"

    assert ok(run(cli_server, "rb", f"s3://{name}", text=True)).stdout.strip() == f"remove_bucket: {name}"
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.delete_bucket(Bucket=other)


def test_cli_mb_existing_bucket_fails_with_one_line_outside_us_east_1(tmp_path):
    # In us-east-1 S3 answers a re-create of a bucket you own with 200 (CreateBucket:
    # "For legacy compatibility ... Amazon S3 returns 200 OK"); elsewhere it is an error.
    server = ServeProcess(region="eu-west-1")
    try:
        ok(run(server, "mb", "s3://eu-again", "--region", "eu-west-1"))
        line = one_error_line(run(server, "mb", "s3://eu-again", "--region", "eu-west-1", text=True))
        assert line.startswith("s3ml mb: ") and "BucketAlreadyOwnedByYou" in line
    finally:
        assert server.stop() == 0


def test_cli_mb_existing_bucket_in_us_east_1_succeeds_as_s3_answers_200(cli_server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="kept", Body=b"x")
    r = ok(run(cli_server, "mb", f"s3://{bucket}", text=True))
    assert r.stdout.strip() == f"make_bucket: {bucket}"
    assert keys(s3, bucket) == ["kept"]
    s3.delete_object(Bucket=bucket, Key="kept")


def test_cli_rb_nonempty_needs_force_then_empties_bucket(cli_server, s3, bucket):
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"d/{i}", Body=b"x" * i)
    line = one_error_line(run(cli_server, "rb", f"s3://{bucket}", text=True))
    assert "BucketNotEmpty" in line and bucket in line
    r = ok(run(cli_server, "rb", "--force", f"s3://{bucket}", text=True))
    assert sorted(r.stdout.splitlines()) == sorted(
        [f"delete: s3://{bucket}/d/{i}" for i in range(5)] + [f"remove_bucket: {bucket}"])
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


# ---- ls ----------------------------------------------------------------------


def _populate_tree(s3, bucket):
    objs = {"top.txt": b"top", "a/1.txt": b"one", "a/b/2.txt": b"two!", "a/b/c/3.bin": os.urandom(1234),
            "ab": b"", "key with space+plus=eq@at~%.txt": b"odd"}
    for k, v in objs.items():
        s3.put_object(Bucket=bucket, Key=k, Body=v)
    return objs


def test_cli_ls_columns_and_prefixes(cli_server, s3, bucket):
    objs = _populate_tree(s3, bucket)
    lines = ok(run(cli_server, "ls", f"s3://{bucket}", text=True)).stdout.splitlines()
    assert "PRE a/" in [line.strip() for line in lines]
    files = {line[31:] : line[20:30].strip() for line in lines if "PRE " not in line}
    assert files == {"top.txt": "3", "ab": "0", "key with space+plus=eq@at~%.txt": "3"}

    lines = ok(run(cli_server, "ls", f"s3://{bucket}/a/", text=True)).stdout.splitlines()
    assert [line.strip() for line in lines if "PRE" in line] == ["PRE b/"]
    assert [line[31:] for line in lines if "PRE" not in line] == ["1.txt"]

    lines = ok(run(cli_server, "ls", "--recursive", f"s3://{bucket}", text=True)).stdout.splitlines()
    assert sorted(line[31:] for line in lines) == sorted(objs)
    sizes = {line[31:]: int(line[20:30]) for line in lines}
    assert sizes == {k: len(v) for k, v in objs.items()}


@pytest.mark.skipif(shutil.which("aws") is None, reason="aws CLI not installed")
@pytest.mark.parametrize("suffix,flags", [
    ("", []), ("", ["--recursive"]), ("/a/", []), ("/a/b", []),
    ("", ["--recursive", "--human-readable", "--summarize"]),
], ids=["bucket", "recursive", "prefix-dir", "prefix-partial", "human-summarize"])
def test_cli_ls_output_matches_aws_cli(cli_server, s3, bucket, suffix, flags):
    _populate_tree(s3, bucket)
    for size in (1, 1023, 1024, 1048575, 3 * 1024 * 1024 + 12345):
        s3.put_object(Bucket=bucket, Key=f"sizes/{size}", Body=b"z" * size)
    uri = f"s3://{bucket}{suffix}"
    ours = ok(run(cli_server, "ls", *flags, uri, text=True)).stdout
    theirs = subprocess.run(["aws", "s3", "ls", *flags, uri, "--endpoint-url", cli_server.endpoint],
                            capture_output=True, text=True, timeout=TIMEOUT, env=_clean_env())
    assert theirs.returncode == 0, theirs.stderr
    assert ours == theirs.stdout


def test_cli_mb_region_sends_location_constraint(tmp_path):
    server = ServeProcess(region="eu-west-1")
    try:
        ok(run(server, "mb", "s3://eu-bucket", "--region", "eu-west-1"))
        s3 = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY, region_name="eu-west-1",
                          config=Config(s3={"addressing_style": "path"}))
        assert s3.get_bucket_location(Bucket="eu-bucket")["LocationConstraint"] == "eu-west-1"
    finally:
        assert server.stop() == 0


def test_cli_ls_missing_bucket_fails_with_one_line(cli_server):
    line = one_error_line(run(cli_server, "ls", "s3://no-such-bucket-s3ml", text=True))
    assert line.startswith("s3ml ls: ") and "NoSuchBucket" in line and "no-such-bucket-s3ml" in line


# ---- cp ----------------------------------------------------------------------


def test_cli_cp_upload_file_then_boto3_reads_bytes(cli_server, s3, bucket, tmp_path):
    data = os.urandom(300_000)
    f = tmp_path / "data.bin"
    f.write_bytes(data)
    r = ok(run(cli_server, "cp", str(f), f"s3://{bucket}/dir/", text=True))
    assert r.stdout.strip() == f"upload: {f} to s3://{bucket}/dir/data.bin"
    got = s3.get_object(Bucket=bucket, Key="dir/data.bin")
    assert got["Body"].read() == data
    assert got["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'

    # explicit key, content type guessed from the name
    t = tmp_path / "notes.json"
    t.write_text('{"a": 1}')
    ok(run(cli_server, "cp", str(t), f"s3://{bucket}/meta/n.json"))
    head = s3.head_object(Bucket=bucket, Key="meta/n.json")
    assert head["ContentType"] == "application/json" and head["ContentLength"] == 8


def test_cli_cp_download_to_file_directory_and_stdout(cli_server, s3, bucket, tmp_path):
    data = os.urandom(1_000_003)
    s3.put_object(Bucket=bucket, Key="deep/obj.bin", Body=data)

    out = tmp_path / "out.bin"
    r = ok(run(cli_server, "cp", f"s3://{bucket}/deep/obj.bin", str(out), text=True))
    assert r.stdout.strip() == f"download: s3://{bucket}/deep/obj.bin to {out}"
    assert out.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]  # no temporary left behind

    d = tmp_path / "dir"
    d.mkdir()
    ok(run(cli_server, "cp", f"s3://{bucket}/deep/obj.bin", str(d)))
    assert (d / "obj.bin").read_bytes() == data

    r = ok(run(cli_server, "cp", f"s3://{bucket}/deep/obj.bin", "-"))
    assert r.stdout == data


def test_cli_cp_upload_from_stdin(cli_server, s3, bucket):
    data = os.urandom(70_000)
    ok(run(cli_server, "cp", "-", f"s3://{bucket}/from-stdin.bin", input=data))
    assert body(s3, bucket, "from-stdin.bin") == data


def test_cli_cp_s3_to_s3_uses_copy(cli_server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="src/a.txt", Body=b"copy me", Metadata={"k": "v"})
    r = ok(run(cli_server, "cp", f"s3://{bucket}/src/a.txt", f"s3://{bucket}/dst/", text=True))
    assert r.stdout.strip() == f"copy: s3://{bucket}/src/a.txt to s3://{bucket}/dst/a.txt"
    got = s3.get_object(Bucket=bucket, Key="dst/a.txt")
    assert got["Body"].read() == b"copy me" and got["Metadata"] == {"k": "v"}


def test_cli_cp_recursive_round_trip(cli_server, s3, bucket, tmp_path):
    src = tmp_path / "src"
    files = {"a.txt": b"A", "sub/b.bin": os.urandom(5000), "sub/deeper/c.txt": b"C" * 10, "empty": b""}
    for rel, data in files.items():
        p = src / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

    r = ok(run(cli_server, "cp", "--recursive", str(src), f"s3://{bucket}/tree", text=True))
    assert len(r.stdout.splitlines()) == len(files)
    assert sorted(keys(s3, bucket)) == sorted(f"tree/{k}" for k in files)
    for rel, data in files.items():
        assert body(s3, bucket, f"tree/{rel}") == data

    dst = tmp_path / "dst"
    ok(run(cli_server, "cp", "--recursive", f"s3://{bucket}/tree/", str(dst)))
    got = {p.relative_to(dst).as_posix(): p.read_bytes() for p in dst.rglob("*") if p.is_file()}
    assert got == files

    ok(run(cli_server, "cp", "--recursive", f"s3://{bucket}/tree", f"s3://{bucket}/copy/"))
    assert sorted(keys(s3, bucket, "copy/")) == sorted(f"copy/{k}" for k in files)
    assert body(s3, bucket, "copy/sub/b.bin") == files["sub/b.bin"]


def test_cli_cp_recursive_moves_many_objects_concurrently_with_whole_output_lines(cli_server, s3, bucket, tmp_path):
    # --concurrency 8 over 60 objects, up, down and S3 to S3: every object arrives intact
    # and every result line is whole (the workers share stdout).
    src = tmp_path / "src"
    files = {f"d{i % 4}/f{i:03d}.bin": os.urandom(1000 + 37 * i) for i in range(60)}
    for rel, data in files.items():
        p = src / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    up = ok(run(cli_server, "cp", "--recursive", "--concurrency", "8", str(src), f"s3://{bucket}/many", text=True))
    assert sorted(up.stdout.splitlines()) == sorted(f"upload: {src / rel} to s3://{bucket}/many/{rel}" for rel in files)
    dst = tmp_path / "dst"
    down = ok(run(cli_server, "cp", "--recursive", "--concurrency", "8", f"s3://{bucket}/many", str(dst), text=True))
    assert len(down.stdout.splitlines()) == len(files)
    assert all(line.startswith("download: s3://") for line in down.stdout.splitlines())
    got = {p.relative_to(dst).as_posix(): p.read_bytes() for p in dst.rglob("*") if p.is_file()}
    assert got == files
    ok(run(cli_server, "cp", "--recursive", "--concurrency", "8", f"s3://{bucket}/many", f"s3://{bucket}/copy"))
    assert sorted(keys(s3, bucket, "copy/")) == sorted(f"copy/{k}" for k in files)


def test_cli_cp_concurrency_out_of_range_is_refused(cli_server, bucket, tmp_path):
    for bad in ("0", "65", "x"):
        r = run(cli_server, "cp", "--recursive", "--concurrency", bad, str(tmp_path), f"s3://{bucket}/p", text=True)
        assert r.returncode != 0 and "--concurrency" in r.stderr, (bad, r.stderr)


def test_cli_cp_recursive_refuses_keys_escaping_destination(cli_server, s3, bucket, tmp_path):
    s3.put_object(Bucket=bucket, Key="p/../../evil.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="p/fine.txt", Body=b"y")
    dst = tmp_path / "inner" / "dst"
    r = run(cli_server, "cp", "--recursive", f"s3://{bucket}/p", str(dst), text=True)
    assert r.returncode != 0
    assert "outside the destination" in r.stderr
    assert (dst / "fine.txt").read_bytes() == b"y"
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "inner" / "evil.txt").exists()


def test_cli_cp_missing_key_and_missing_file_fail_with_one_line(cli_server, bucket, tmp_path):
    line = one_error_line(run(cli_server, "cp", f"s3://{bucket}/nope", str(tmp_path / "x"), text=True))
    assert line.startswith("s3ml cp: ") and ("NoSuchKey" in line or "404" in line) and "nope" in line
    assert list(tmp_path.iterdir()) == []  # no partial or temporary file

    line = one_error_line(run(cli_server, "cp", str(tmp_path / "missing.bin"), f"s3://{bucket}/k", text=True))
    assert "missing.bin" in line and "No such file" in line

    line = one_error_line(run(cli_server, "cp", str(tmp_path), f"s3://{bucket}/k", text=True))
    assert "is a directory" in line and "--recursive" in line


# ---- rm ----------------------------------------------------------------------


def test_cli_rm_single_object(cli_server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="gone.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="kept.txt", Body=b"y")
    r = ok(run(cli_server, "rm", f"s3://{bucket}/gone.txt", text=True))
    assert r.stdout.strip() == f"delete: s3://{bucket}/gone.txt"
    assert keys(s3, bucket) == ["kept.txt"]


def test_cli_rm_recursive_deletes_more_than_one_batch(cli_server, s3, bucket):
    n = 1005  # two DeleteObjects batches
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: s3.put_object(Bucket=bucket, Key=f"many/{i:05d}", Body=b"."), range(n)))
    s3.put_object(Bucket=bucket, Key="other/keep", Body=b"k")
    s3.put_object(Bucket=bucket, Key="manyfold", Body=b"sibling")  # s3://b/many is many/, as aws reads it
    r = ok(run(cli_server, "rm", "--recursive", f"s3://{bucket}/many", text=True))
    assert len(r.stdout.splitlines()) == n
    assert keys(s3, bucket) == ["manyfold", "other/keep"]


def test_cli_rm_bucket_without_recursive_is_refused(cli_server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    line = one_error_line(run(cli_server, "rm", f"s3://{bucket}", text=True))
    assert "--recursive" in line
    assert keys(s3, bucket) == ["k"]


# ---- cat / presign -------------------------------------------------------------


def test_cli_cat_streams_binary_to_stdout(cli_server, s3, bucket):
    data = os.urandom(2 * 1024 * 1024 + 5)
    s3.put_object(Bucket=bucket, Key="blob", Body=data)
    assert ok(run(cli_server, "cat", f"s3://{bucket}/blob")).stdout == data


def test_cli_cat_missing_key_fails_with_one_line(cli_server, bucket):
    line = one_error_line(run(cli_server, "cat", f"s3://{bucket}/absent", text=True))
    assert line.startswith("s3ml cat: ") and "NoSuchKey" in line


def test_cli_presign_get_and_put_urls_work_with_urllib(cli_server, s3, bucket):
    data = os.urandom(10_000)
    s3.put_object(Bucket=bucket, Key="p/get me.bin", Body=data)
    url = ok(run(cli_server, "presign", f"s3://{bucket}/p/get me.bin", "--expires-in", "600", text=True)).stdout.strip()
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=600" in url
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == data

    url = ok(run(cli_server, "presign", "--method", "PUT", f"s3://{bucket}/p/put.bin", text=True)).stdout.strip()
    req = urllib.request.Request(url, data=b"put via presigned url", method="PUT")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
    assert body(s3, bucket, "p/put.bin") == b"put via presigned url"

    # A URL signed with the wrong secret is refused by the server.
    bad = run(cli_server, "presign", f"s3://{bucket}/p/get me.bin", text=True,
              env=_clean_env(AWS_SECRET_ACCESS_KEY="wrong")).stdout.strip()
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad, timeout=10)
    assert e.value.code == 403


def test_cli_presign_rejects_bad_method_and_expiry(cli_server, bucket):
    assert run(cli_server, "presign", "--method", "POST", f"s3://{bucket}/k").returncode != 0
    assert run(cli_server, "presign", "--expires-in", "0", f"s3://{bucket}/k").returncode != 0
    assert run(cli_server, "presign", "--expires-in", "604801", f"s3://{bucket}/k").returncode != 0


# ---- bench read (the dataset reader) -------------------------------------------------


def test_cli_bench_read_streams_every_object_once_per_epoch(cli_server, s3, bucket):
    sizes = [0, 1, 4096, 300 * 1024, 1 << 20]  # the last two are ranged (--part-size 64KiB)
    for i, n in enumerate(sizes):
        s3.put_object(Bucket=bucket, Key=f"ds/obj-{i:02d}", Body=os.urandom(n))
    s3.put_object(Bucket=bucket, Key="other/x", Body=b"not under the prefix")
    r = ok(run(cli_server, "bench", "read", f"s3://{bucket}/ds/", "--epochs", "2", "--part-size", "64KiB",
               "--fetch-threads", "3", "--max-in-flight", "3", "--memory-budget", "4MiB",
               "--prefetch-ahead", "256KiB", "--json", text=True))
    epochs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["epoch"] for e in epochs] == [0, 1]
    for e in epochs:
        assert e["samples"] == len(sizes) and e["sample_bytes"] == sum(sizes), e
        assert e["bytes_fetched"] == sum(sizes) and e["retries"] == 0, e
        # No GET for the empty object (the listing says it is empty), one each for the
        # 1 B and 4 KiB ones, ranged parts for the others (300 KiB: 5, 1 MiB: 16).
        assert e["requests"] == 2 + 5 + 16, e
        assert e["mb_per_s"] > 0 and e["stall_seconds"] >= 0, e
        assert 0 < e["budget_high_water"] <= 4 << 20, e


def test_cli_bench_read_text_line_and_bad_options(cli_server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="t/a", Body=b"x" * 10)
    line = ok(run(cli_server, "bench", "read", f"s3://{bucket}/t/", text=True)).stdout.strip()
    assert line.startswith("epoch 0: 1 samples,") and "MB/s" in line and "stall" in line, line
    for args, needle in [(["--prefetch-ahead", "lots"], "--prefetch-ahead"),
                         (["--memory-budget", "12XB"], "--memory-budget"),
                         (["--format", "zip"], "--format")]:
        err = one_error_line(run(cli_server, "bench", "read", f"s3://{bucket}/t/", *args, text=True))
        assert err.startswith("s3ml bench read: ") and needle in err, err
    err = one_error_line(run(cli_server, "bench", "read", f"s3://{bucket}/missing/", text=True))
    assert f"s3://{bucket}/missing/" in err, err


# ---- bad input -------------------------------------------------------------------


@pytest.mark.parametrize("argv,needle", [
    (["ls", "s3:/bucket"], "invalid S3 URI 's3:/bucket'"),
    (["ls", "bucket/key"], "invalid S3 URI 'bucket/key'"),
    (["cat", "s3://"], "invalid S3 URI 's3://'"),
    (["cat", "s3://Bad_Bucket!/k"], "invalid S3 URI 's3://Bad_Bucket!/k'"),
    (["cp", "s3:/b/k", "out"], "invalid S3 URI 's3:/b/k'"),
    (["cp", "a", "b"], "must be an S3 URI"),
    (["mb", "s3://bucket/with-key"], "without a key"),
    (["cat", "s3://bucket/"], "not an object"),
])
def test_cli_invalid_arguments_fail_before_io_with_one_line(cli_server, argv, needle):
    # An endpoint nobody listens on: these must fail before any request.
    line = one_error_line(run(cli_server, *argv, endpoint="http://127.0.0.1:9", text=True))
    assert line.startswith(f"s3ml {argv[0]}: ") and needle in line, line


def test_cli_unreachable_endpoint_fails_quickly_naming_host_port(cli_server):
    with socket.socket() as s:  # a port that was free a moment ago: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    line = one_error_line(run(cli_server, "ls", "s3://some-bucket", endpoint=f"http://127.0.0.1:{port}", text=True))
    assert time.monotonic() - start < 20
    assert f"127.0.0.1:{port}" in line and line.startswith("s3ml ls: ")


def test_cli_wrong_secret_fails_with_signature_error(cli_server, bucket):
    r = run(cli_server, "ls", f"s3://{bucket}", text=True, env=_clean_env(AWS_SECRET_ACCESS_KEY="not-the-secret"))
    assert "SignatureDoesNotMatch" in one_error_line(r)


def test_cli_missing_credentials_fails_naming_sources(cli_server, bucket):
    env = _clean_env()
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    line = one_error_line(run(cli_server, "ls", f"s3://{bucket}", text=True, env=env))
    assert "environment" in line.lower()


def test_cli_profile_reads_shared_credentials_file(cli_server, s3, bucket, tmp_path):
    s3.put_object(Bucket=bucket, Key="via-profile.txt", Body=b"p")
    creds = tmp_path / "credentials"
    creds.write_text(f"[default]\naws_access_key_id = nope\naws_secret_access_key = nope\n\n"
                     f"[cli-test]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
    env = _clean_env(AWS_SHARED_CREDENTIALS_FILE=str(creds))
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    r = ok(run(cli_server, "--profile", "cli-test", "ls", f"s3://{bucket}", env=env, text=True))
    assert r.stdout.endswith(" via-profile.txt\n")
    # The default profile's keys are wrong: without --profile the server refuses them.
    line = one_error_line(run(cli_server, "ls", f"s3://{bucket}", env=env, text=True))
    assert "InvalidAccessKeyId" in line


def test_cli_no_sign_request_sends_anonymous_requests(cli_server, bucket):
    # The server requires signatures, so an anonymous request is refused (and says so).
    line = one_error_line(run(cli_server, "--no-sign-request", "ls", f"s3://{bucket}", text=True))
    assert "AccessDenied" in line


# ---- progress bar -------------------------------------------------------------------


class _SlowObjectHandler(http.server.BaseHTTPRequestHandler):
    """Serves one object for any key, dribbling the body out over ~1.5 s."""
    data = bytes(range(256)) * 4096  # 1 MiB
    chunks = 16
    delay = 0.1

    def _headers(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.data)))
        self.send_header("ETag", '"' + hashlib.md5(self.data).hexdigest() + '"')
        self.send_header("Last-Modified", formatdate(usegmt=True))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()

    def do_HEAD(self):  # noqa: N802
        self._headers()

    def do_GET(self):  # noqa: N802
        self._headers()
        step = len(self.data) // self.chunks
        for i in range(self.chunks):
            self.wfile.write(self.data[i * step:(i + 1) * step])
            self.wfile.flush()
            time.sleep(self.delay)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowObjectHandler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _run_with_tty_stderr(argv, env):
    """Runs argv with stderr on a pseudo-terminal; returns (exit code, stdout, stderr text)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        err += chunk
    out = proc.stdout.read()
    rc = proc.wait(timeout=TIMEOUT)
    os.close(master)
    return rc, out, err.decode(errors="replace")


def test_cli_progress_bar_drawn_on_terminal_only(slow_server, tmp_path):
    argv = [S3ML_BIN, "cp", "s3://slow-bucket/obj.bin", str(tmp_path / "a.bin"), "--endpoint-url", slow_server]
    rc, out, err = _run_with_tty_stderr(argv, _clean_env())
    assert rc == 0, err
    assert (tmp_path / "a.bin").read_bytes() == _SlowObjectHandler.data
    assert "%)" in err and "/s" in err and "download: s3://slow-bucket/obj.bin" in err
    assert "1.0 MiB" in err and "\r" in err
    assert out.decode().strip() == f"download: s3://slow-bucket/obj.bin to {tmp_path / 'a.bin'}"

    # Not a terminal: no bar at all.
    r = subprocess.run(argv[:3] + [str(tmp_path / "b.bin")] + argv[4:], capture_output=True, timeout=TIMEOUT,
                       env=_clean_env())
    assert r.returncode == 0 and r.stderr == b""
    # --quiet on a terminal: no bar and no result line.
    rc, out, err = _run_with_tty_stderr(argv[:3] + [str(tmp_path / "c.bin"), "--quiet"] + argv[4:], _clean_env())
    assert rc == 0 and err == "" and out == b""
    assert (tmp_path / "c.bin").read_bytes() == _SlowObjectHandler.data


# ---- demo ----------------------------------------------------------------------------


def test_cli_demo_runs_and_verifies():
    r = subprocess.run([S3ML_BIN, "demo"], capture_output=True, text=True, timeout=120, env=_clean_env())
    assert r.returncode == 0, r.stderr
    assert "all checks passed" in r.stdout
    assert "survived 2 injected 503" in r.stdout
