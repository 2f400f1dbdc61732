"""The `aws` CLI (a peer nobody here wrote) against `s3ml serve`.

Each invocation is a subprocess with a bounded timeout and an environment that
holds only the server's credentials and a throwaway config; results are checked
byte for byte, and cross-checked with boto3 against the same server.
"""

import hashlib
import json
import os
import subprocess
import uuid

import pytest

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY

TIMEOUT = 120  # seconds per aws invocation


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory):
    cfg = tmp_path_factory.mktemp("awscfg") / "config"
    # 6 MiB parts: the 9 MiB upload below goes multipart (2 parts) through the mock.
    cfg.write_text("[default]\ns3 =\n  multipart_threshold = 8MB\n  multipart_chunksize = 6MB\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY,
               AWS_DEFAULT_REGION=MOCK_REGION, AWS_CONFIG_FILE=str(cfg),
               AWS_SHARED_CREDENTIALS_FILE=str(cfg.parent / "no-credentials"),
               AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    return env


@pytest.fixture
def aws(s3ml_serve, aws_env):
    """aws(*args, check=True) -> CompletedProcess (text); fails the test on a non-zero exit when check."""
    def run(*args, check=True):
        proc = subprocess.run(["aws", "--endpoint-url", s3ml_serve.url, *args], env=aws_env,
                              capture_output=True, text=True, timeout=TIMEOUT)
        if check:
            assert proc.returncode == 0, f"aws {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}"
        return proc
    return run


@pytest.fixture
def cli_bucket(aws, mock_s3):
    name = f"cli-{uuid.uuid4().hex[:16]}"
    assert "make_bucket: " + name in aws("s3", "mb", f"s3://{name}").stdout
    yield name
    aws("s3", "rb", f"s3://{name}", "--force", check=False)


def test_s3_mb_ls_rb(aws, mock_s3):
    name = f"cli-{uuid.uuid4().hex[:16]}"
    aws("s3", "mb", f"s3://{name}")
    assert name in [b["Name"] for b in mock_s3.list_buckets()["Buckets"]]
    assert any(line.endswith(" " + name) for line in aws("s3", "ls").stdout.splitlines())
    # Re-creating a bucket you own in us-east-1 is 200 in S3 (CreateBucket: "For legacy
    # compatibility ... Amazon S3 returns 200 OK"), so aws s3 mb succeeds again.
    again = aws("s3", "mb", f"s3://{name}", check=False)
    assert again.returncode == 0, again.stderr
    assert f"make_bucket: {name}" in again.stdout
    assert f"remove_bucket: {name}" in aws("s3", "rb", f"s3://{name}").stdout
    assert name not in [b["Name"] for b in mock_s3.list_buckets()["Buckets"]]


def test_s3_cp_up_and_down_round_trips_bytes(aws, mock_s3, cli_bucket, tmp_path):
    src = tmp_path / "payload.bin"
    data = os.urandom(9 * 1024 * 1024 + 17)  # over the 8 MiB threshold: a 2-part multipart upload
    src.write_bytes(data)
    key = "dir/with space+plus=eq@at~tilde.bin"
    aws("s3", "cp", str(src), f"s3://{cli_bucket}/{key}")
    got = mock_s3.get_object(Bucket=cli_bucket, Key=key)
    assert got["Body"].read() == data
    chunk = 6 * 1024 * 1024
    part_md5s = b"".join(hashlib.md5(data[i : i + chunk]).digest() for i in range(0, len(data), chunk))
    assert got["ETag"] == f'"{hashlib.md5(part_md5s).hexdigest()}-2"'
    dst = tmp_path / "back.bin"
    aws("s3", "cp", f"s3://{cli_bucket}/{key}", str(dst))
    assert dst.read_bytes() == data


def test_s3_ls_and_ls_recursive(aws, mock_s3, cli_bucket):
    for key, size in [("top.txt", 3), ("a/one.txt", 5), ("a/b/two.txt", 7), ("caf\u00e9/\u00e9t\u00e9.txt", 11)]:
        mock_s3.put_object(Bucket=cli_bucket, Key=key, Body=b"x" * size)
    top = aws("s3", "ls", f"s3://{cli_bucket}/").stdout.splitlines()
    assert sorted(line.split()[-1] for line in top) == sorted(["a/", "caf\u00e9/", "top.txt"])
    assert any(line.strip().startswith("PRE a/") for line in top)
    rec = aws("s3", "ls", "--recursive", f"s3://{cli_bucket}").stdout.splitlines()
    listed = {line.split(None, 3)[3]: int(line.split(None, 3)[2]) for line in rec}
    assert listed == {"top.txt": 3, "a/one.txt": 5, "a/b/two.txt": 7, "caf\u00e9/\u00e9t\u00e9.txt": 11}
    sub = aws("s3", "ls", f"s3://{cli_bucket}/a/").stdout.splitlines()
    assert sorted(line.split()[-1] for line in sub) == ["b/", "one.txt"]


def test_s3_rm_and_rm_recursive(aws, mock_s3, cli_bucket):
    keys = ["keep.txt", "gone.txt"] + [f"tree/{i}/f{j}.txt" for i in range(3) for j in range(4)]
    for k in keys:
        mock_s3.put_object(Bucket=cli_bucket, Key=k, Body=k.encode())
    assert f"delete: s3://{cli_bucket}/gone.txt" in aws("s3", "rm", f"s3://{cli_bucket}/gone.txt").stdout
    out = aws("s3", "rm", "--recursive", f"s3://{cli_bucket}/tree/").stdout
    assert out.count("delete: ") == 12
    remaining = [o["Key"] for o in mock_s3.list_objects_v2(Bucket=cli_bucket).get("Contents", [])]
    assert remaining == ["keep.txt"]


def test_s3_cp_recursive_and_s3_to_s3(aws, mock_s3, cli_bucket, tmp_path):
    tree = tmp_path / "tree"
    files = {"a.txt": b"A", "sub/b.txt": b"BB", "sub/deeper/c.bin": bytes(range(256))}
    for rel, data in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(data)
    aws("s3", "cp", "--recursive", str(tree), f"s3://{cli_bucket}/up/")
    for rel, data in files.items():
        assert mock_s3.get_object(Bucket=cli_bucket, Key=f"up/{rel}")["Body"].read() == data
    aws("s3", "cp", f"s3://{cli_bucket}/up/sub/b.txt", f"s3://{cli_bucket}/copied/b.txt")
    assert mock_s3.get_object(Bucket=cli_bucket, Key="copied/b.txt")["Body"].read() == b"BB"
    down = tmp_path / "down"
    aws("s3", "cp", "--recursive", f"s3://{cli_bucket}/up/", str(down))
    for rel, data in files.items():
        assert (down / rel).read_bytes() == data


def test_s3api_object_operations(aws, mock_s3, cli_bucket, tmp_path):
    body = tmp_path / "body.bin"
    data = b"s3api bytes \x00\xff" * 1000
    body.write_bytes(data)
    put = json.loads(aws("s3api", "put-object", "--bucket", cli_bucket, "--key", "obj/one", "--body", str(body),
                         "--content-type", "application/x-cli", "--metadata", "k1=v1,k2=v2",
                         "--storage-class", "STANDARD_IA", "--tagging", "t=1").stdout)
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'

    head = json.loads(aws("s3api", "head-object", "--bucket", cli_bucket, "--key", "obj/one").stdout)
    assert head["ContentLength"] == len(data)
    assert head["ContentType"] == "application/x-cli"
    assert head["Metadata"] == {"k1": "v1", "k2": "v2"}
    assert head["StorageClass"] == "STANDARD_IA"

    out = tmp_path / "out.bin"
    got = json.loads(aws("s3api", "get-object", "--bucket", cli_bucket, "--key", "obj/one", str(out)).stdout)
    assert out.read_bytes() == data
    assert got["TagCount"] == 1
    ranged = tmp_path / "ranged.bin"
    r = json.loads(aws("s3api", "get-object", "--bucket", cli_bucket, "--key", "obj/one", "--range", "bytes=-10",
                       str(ranged)).stdout)
    assert ranged.read_bytes() == data[-10:]
    assert r["ContentRange"] == f"bytes {len(data) - 10}-{len(data) - 1}/{len(data)}"

    aws("s3api", "copy-object", "--bucket", cli_bucket, "--key", "obj/two", "--copy-source",
        f"{cli_bucket}/obj/one", "--metadata-directive", "REPLACE", "--metadata", "fresh=1")
    two = mock_s3.head_object(Bucket=cli_bucket, Key="obj/two")
    assert two["Metadata"] == {"fresh": "1"}
    assert mock_s3.get_object(Bucket=cli_bucket, Key="obj/two")["Body"].read() == data

    missing = aws("s3api", "head-object", "--bucket", cli_bucket, "--key", "obj/none", check=False)
    assert missing.returncode != 0
    assert "404" in missing.stderr

    listed = json.loads(aws("s3api", "list-objects-v2", "--bucket", cli_bucket, "--prefix", "obj/").stdout)
    assert [o["Key"] for o in listed["Contents"]] == ["obj/one", "obj/two"]
    single = json.loads(aws("s3api", "list-objects-v2", "--bucket", cli_bucket, "--max-keys", "1",
                            "--no-paginate").stdout)
    assert single["KeyCount"] == 1
    assert single["IsTruncated"] is True
    assert single["NextContinuationToken"]
    paged = json.loads(aws("s3api", "list-objects-v2", "--bucket", cli_bucket, "--page-size", "1",
                           "--start-after", "obj/one").stdout)
    assert [o["Key"] for o in paged["Contents"]] == ["obj/two"]

    deleted = json.loads(aws("s3api", "delete-objects", "--bucket", cli_bucket, "--delete",
                             json.dumps({"Objects": [{"Key": "obj/one"}, {"Key": "obj/two"}]})).stdout)
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["obj/one", "obj/two"]
    assert "Contents" not in mock_s3.list_objects_v2(Bucket=cli_bucket)


def test_s3api_bucket_operations(aws, mock_s3):
    name = f"cli-{uuid.uuid4().hex[:16]}"
    aws("s3api", "create-bucket", "--bucket", name, "--create-bucket-configuration", "LocationConstraint=eu-west-2")
    try:
        loc = json.loads(aws("s3api", "get-bucket-location", "--bucket", name).stdout)
        assert loc["LocationConstraint"] == "eu-west-2"
        aws("s3api", "head-bucket", "--bucket", name)
    finally:
        aws("s3api", "delete-bucket", "--bucket", name)
    gone = aws("s3api", "head-bucket", "--bucket", name, check=False)
    assert gone.returncode != 0
    assert "404" in gone.stderr


def test_wrong_secret_is_refused(s3ml_serve, aws_env):
    env = dict(aws_env, AWS_SECRET_ACCESS_KEY="wrong-secret")
    proc = subprocess.run(["aws", "--endpoint-url", s3ml_serve.url, "s3api", "list-buckets"], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode != 0
    assert "SignatureDoesNotMatch" in proc.stderr
