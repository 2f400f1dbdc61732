"""boto3 (and the s3ml CLI) against `s3ml serve`: versioning, tagging, storage classes.

boto3 is the peer here: it builds the requests and parses the answers with its
own models, so these tests check that the mock speaks S3's wire format for
versioning (configuration, version ids, delete markers, ListObjectVersions and its
key/version-id markers), object tagging and storage classes. The CLI's
`versioning` and `ls --versions` commands are run as subprocesses against the same
server and cross-checked with boto3.
"""

import os
import subprocess
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN

CLI_TIMEOUT = 60  # seconds per CLI invocation: nothing may hang


def _delete_everything(client, bucket):
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        entries = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                   for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if entries:
            client.delete_objects(Bucket=bucket, Delete={"Objects": entries, "Quiet": True})
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def bucket(mock_s3):
    """A fresh (unversioned) bucket; every version and marker is deleted afterwards."""
    name = f"ver-{uuid.uuid4().hex[:16]}"
    mock_s3.create_bucket(Bucket=name)
    yield name
    _delete_everything(mock_s3, name)


@pytest.fixture
def versioned(mock_s3, bucket):
    mock_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def _error(excinfo):
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["ResponseMetadata"]["HTTPHeaders"]


# ---- versioning ----------------------------------------------------------------------

def test_bucket_versioning_states(mock_s3, bucket):
    assert "Status" not in mock_s3.get_bucket_versioning(Bucket=bucket)
    mock_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert mock_s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    mock_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert mock_s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


def test_bucket_versioning_bad_status_is_malformed_xml(mock_s3, bucket):
    with pytest.raises(ClientError) as e:
        mock_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "On"})
    code, status, _ = _error(e)
    assert (code, status) == ("MalformedXML", 400)
    with pytest.raises(ClientError) as e:
        mock_s3.get_bucket_versioning(Bucket=f"missing-{uuid.uuid4().hex[:12]}")
    assert _error(e)[0] == "NoSuchBucket"


def test_version_ids_and_reads_by_version(mock_s3, versioned):
    v1 = mock_s3.put_object(Bucket=versioned, Key="k", Body=b"one")["VersionId"]
    v2 = mock_s3.put_object(Bucket=versioned, Key="k", Body=b"two!")["VersionId"]
    assert v1 and v2 and v1 != v2 and "null" not in (v1, v2)
    latest = mock_s3.get_object(Bucket=versioned, Key="k")
    assert latest["VersionId"] == v2 and latest["Body"].read() == b"two!"
    old = mock_s3.get_object(Bucket=versioned, Key="k", VersionId=v1)
    assert old["VersionId"] == v1 and old["Body"].read() == b"one"
    head = mock_s3.head_object(Bucket=versioned, Key="k", VersionId=v1)
    assert head["ContentLength"] == 3 and head["VersionId"] == v1
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=versioned, Key="k", VersionId="Z" * 32)
    assert _error(e)[:2] == ("NoSuchVersion", 404)
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=versioned, Key="k", VersionId="not-a-version")
    assert _error(e)[:2] == ("InvalidArgument", 400)


def test_delete_marker_hides_key_and_deleting_it_restores(mock_s3, versioned):
    v1 = mock_s3.put_object(Bucket=versioned, Key="k", Body=b"keep")["VersionId"]
    d = mock_s3.delete_object(Bucket=versioned, Key="k")
    assert d["DeleteMarker"] is True
    marker = d["VersionId"]
    assert marker and marker != v1

    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=versioned, Key="k")
    code, status, headers = _error(e)
    assert (code, status) == ("NoSuchKey", 404)
    assert headers.get("x-amz-delete-marker") == "true"
    with pytest.raises(ClientError) as e:
        mock_s3.get_object(Bucket=versioned, Key="k", VersionId=marker)
    code, status, headers = _error(e)
    assert (code, status) == ("MethodNotAllowed", 405)
    assert headers.get("x-amz-delete-marker") == "true"
    assert mock_s3.list_objects_v2(Bucket=versioned)["KeyCount"] == 0

    undo = mock_s3.delete_object(Bucket=versioned, Key="k", VersionId=marker)
    assert undo["DeleteMarker"] is True and undo["VersionId"] == marker
    back = mock_s3.get_object(Bucket=versioned, Key="k")
    assert back["Body"].read() == b"keep" and back["VersionId"] == v1


def test_list_object_versions_order_and_paginator(mock_s3, versioned):
    expected = []
    for key in ("a", "b", "c"):
        ids = [mock_s3.put_object(Bucket=versioned, Key=key, Body=key.encode() * i)["VersionId"] for i in range(1, 4)]
        expected += [(key, vid) for vid in reversed(ids)]
    marker = mock_s3.delete_object(Bucket=versioned, Key="b")["VersionId"]

    full = mock_s3.list_object_versions(Bucket=versioned)
    versions = [(v["Key"], v["VersionId"]) for v in full["Versions"]]
    assert versions == expected
    latest = [(v["Key"], v["VersionId"]) for v in full["Versions"] if v["IsLatest"]]
    assert latest == [expected[0], expected[6]]  # b's latest is the marker
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in full["DeleteMarkers"]] == [("b", marker, True)]
    assert all(v["StorageClass"] == "STANDARD" for v in full["Versions"])
    assert [v["Size"] for v in full["Versions"][:3]] == [3, 2, 1]

    pages = list(mock_s3.get_paginator("list_object_versions").paginate(
        Bucket=versioned, PaginationConfig={"PageSize": 2}))
    assert len(pages) == 5  # 10 entries, 2 per page
    paged = []
    for page in pages:
        for v in page.get("Versions", []):
            paged.append((v["Key"], v["VersionId"]))
    assert paged == expected
    truncated = pages[0]
    assert truncated["IsTruncated"] is True
    assert truncated["NextKeyMarker"] == "a" and truncated["NextVersionIdMarker"] == expected[1][1]


def test_list_object_versions_prefix_delimiter(mock_s3, versioned):
    for key in ("dir/a", "dir/sub/b", "top"):
        mock_s3.put_object(Bucket=versioned, Key=key, Body=b"x")
    r = mock_s3.list_object_versions(Bucket=versioned, Prefix="dir/", Delimiter="/")
    assert [v["Key"] for v in r["Versions"]] == ["dir/a"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir/sub/"]


def test_suspended_versioning_writes_null_versions(mock_s3, versioned):
    v1 = mock_s3.put_object(Bucket=versioned, Key="k", Body=b"enabled")["VersionId"]
    mock_s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Suspended"})
    # No VersionId in a suspended bucket's write answers (PutObject's "Versioning suspended"
    # sample response); the object is the "null" version, as reads and listings say.
    assert "VersionId" not in mock_s3.put_object(Bucket=versioned, Key="k", Body=b"n1")
    assert "VersionId" not in mock_s3.put_object(Bucket=versioned, Key="k", Body=b"n2")
    assert mock_s3.head_object(Bucket=versioned, Key="k")["VersionId"] == "null"
    copied = mock_s3.copy_object(Bucket=versioned, Key="copy", CopySource={"Bucket": versioned, "Key": "k"})
    assert "VersionId" not in copied
    r = mock_s3.list_object_versions(Bucket=versioned)
    assert [(v["VersionId"], v["IsLatest"]) for v in r["Versions"] if v["Key"] == "k"] == [("null", True), (v1, False)]
    assert mock_s3.get_object(Bucket=versioned, Key="k")["Body"].read() == b"n2"


def test_copy_and_delete_objects_with_versions(mock_s3, versioned):
    v1 = mock_s3.put_object(Bucket=versioned, Key="src", Body=b"first")["VersionId"]
    mock_s3.put_object(Bucket=versioned, Key="src", Body=b"second")
    c = mock_s3.copy_object(Bucket=versioned, Key="dst",
                            CopySource={"Bucket": versioned, "Key": "src", "VersionId": v1})
    assert c["CopySourceVersionId"] == v1 and c["VersionId"]
    assert mock_s3.get_object(Bucket=versioned, Key="dst")["Body"].read() == b"first"

    r = mock_s3.delete_objects(Bucket=versioned, Delete={"Objects": [
        {"Key": "src", "VersionId": v1}, {"Key": "dst"}]})
    deleted = {d["Key"]: d for d in r["Deleted"]}
    assert deleted["src"]["VersionId"] == v1 and not deleted["src"].get("DeleteMarker")
    assert deleted["dst"]["DeleteMarker"] is True and deleted["dst"]["DeleteMarkerVersionId"]
    assert "Errors" not in r


def test_delete_bucket_refused_while_versions_remain(mock_s3, versioned):
    mock_s3.put_object(Bucket=versioned, Key="k", Body=b"x")
    mock_s3.delete_object(Bucket=versioned, Key="k")  # only a marker is current
    with pytest.raises(ClientError) as e:
        mock_s3.delete_bucket(Bucket=versioned)
    assert _error(e)[:2] == ("BucketNotEmpty", 409)


# ---- tagging ---------------------------------------------------------------------------

def test_object_tagging_round_trip(mock_s3, bucket):
    mock_s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="team=ml&note=a%20b")
    assert mock_s3.get_object(Bucket=bucket, Key="k")["TagCount"] == 2
    tags = mock_s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("note", "a b"), ("team", "ml")]
    mock_s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "stage", "Value": "prod"}]})
    assert mock_s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [{"Key": "stage", "Value": "prod"}]
    mock_s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert mock_s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    assert "TagCount" not in mock_s3.get_object(Bucket=bucket, Key="k")


def test_object_tagging_by_version(mock_s3, versioned):
    v1 = mock_s3.put_object(Bucket=versioned, Key="k", Body=b"1", Tagging="gen=1")["VersionId"]
    mock_s3.put_object(Bucket=versioned, Key="k", Body=b"2", Tagging="gen=2")
    r = mock_s3.put_object_tagging(Bucket=versioned, Key="k", VersionId=v1,
                                   Tagging={"TagSet": [{"Key": "gen", "Value": "one"}]})
    assert r["VersionId"] == v1
    old = mock_s3.get_object_tagging(Bucket=versioned, Key="k", VersionId=v1)
    assert old["VersionId"] == v1 and old["TagSet"] == [{"Key": "gen", "Value": "one"}]
    assert mock_s3.get_object_tagging(Bucket=versioned, Key="k")["TagSet"] == [{"Key": "gen", "Value": "2"}]


def test_object_tagging_limits(mock_s3, bucket):
    mock_s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    eleven = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    with pytest.raises(ClientError) as e:
        mock_s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": eleven})
    assert _error(e)[:2] == ("BadRequest", 400)
    for tag in ({"Key": "k" * 129, "Value": "v"}, {"Key": "k", "Value": "v" * 257},
                {"Key": "aws:reserved", "Value": "v"}, {"Key": "k", "Value": "semi;colon"}):
        with pytest.raises(ClientError) as e:
            mock_s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [tag]})
        assert _error(e)[:2] == ("InvalidTag", 400), tag
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=bucket, Key="h", Body=b"x", Tagging="&".join(f"k{i}=v" for i in range(11)))
    assert _error(e)[0] == "BadRequest"


def test_copy_tagging_directive(mock_s3, bucket):
    mock_s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="a=1")
    mock_s3.copy_object(Bucket=bucket, Key="same", CopySource={"Bucket": bucket, "Key": "src"})
    assert mock_s3.get_object_tagging(Bucket=bucket, Key="same")["TagSet"] == [{"Key": "a", "Value": "1"}]
    mock_s3.copy_object(Bucket=bucket, Key="new", CopySource={"Bucket": bucket, "Key": "src"},
                        TaggingDirective="REPLACE", Tagging="z=9")
    assert mock_s3.get_object_tagging(Bucket=bucket, Key="new")["TagSet"] == [{"Key": "z", "Value": "9"}]


# ---- storage classes -------------------------------------------------------------------

def test_storage_class_put_copy_head_list(mock_s3, bucket):
    mock_s3.put_object(Bucket=bucket, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    mock_s3.put_object(Bucket=bucket, Key="std", Body=b"x")
    assert mock_s3.head_object(Bucket=bucket, Key="ia")["StorageClass"] == "STANDARD_IA"
    assert "StorageClass" not in mock_s3.head_object(Bucket=bucket, Key="std")  # omitted for STANDARD
    mock_s3.copy_object(Bucket=bucket, Key="std", CopySource={"Bucket": bucket, "Key": "std"},
                        StorageClass="GLACIER_IR")
    assert mock_s3.get_object(Bucket=bucket, Key="std")["StorageClass"] == "GLACIER_IR"
    listed = {o["Key"]: o["StorageClass"] for o in mock_s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {"ia": "STANDARD_IA", "std": "GLACIER_IR"}
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=bucket, Key="bad", Body=b"x", StorageClass="FROZEN")
    assert _error(e)[:2] == ("InvalidStorageClass", 400)


# ---- CLI: s3ml versioning, s3ml ls --versions -----------------------------------------

def _cli(server, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY, AWS_REGION=MOCK_REGION,
               AWS_CONFIG_FILE="/nonexistent/s3ml-test-config",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent/s3ml-test-credentials",
               AWS_EC2_METADATA_DISABLED="true")
    return subprocess.run([S3ML_BIN, *args, "--endpoint-url", server.url], capture_output=True, text=True,
                          timeout=CLI_TIMEOUT, env=env)


def _ok(result):
    assert result.returncode == 0, f"exit {result.returncode}: stderr={result.stderr!r} stdout={result.stdout!r}"
    return result.stdout


def test_cli_versioning_show_enable_suspend(s3ml_serve, mock_s3, bucket):
    assert _ok(_cli(s3ml_serve, "versioning", f"s3://{bucket}")).strip() == "Unversioned"
    assert _ok(_cli(s3ml_serve, "versioning", f"s3://{bucket}", "enable")).strip() == \
        f"versioning: s3://{bucket} Enabled"
    assert mock_s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert _ok(_cli(s3ml_serve, "versioning", f"s3://{bucket}")).strip() == "Enabled"
    _ok(_cli(s3ml_serve, "versioning", f"s3://{bucket}", "suspend"))
    assert mock_s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


def test_cli_versioning_errors(s3ml_serve, bucket):
    bad = _cli(s3ml_serve, "versioning", f"s3://{bucket}", "disable")
    assert bad.returncode == 2
    lines = [line for line in bad.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("s3ml versioning:") and "disable" in lines[0]
    key = _cli(s3ml_serve, "versioning", f"s3://{bucket}/key")
    assert key.returncode == 2
    missing = _cli(s3ml_serve, "versioning", f"s3://missing-{uuid.uuid4().hex[:12]}")
    assert missing.returncode == 1 and "NoSuchBucket" in missing.stderr


def test_cli_ls_versions(s3ml_serve, mock_s3, versioned):
    v1 = mock_s3.put_object(Bucket=versioned, Key="data/a.bin", Body=b"12345")["VersionId"]
    v2 = mock_s3.put_object(Bucket=versioned, Key="data/a.bin", Body=b"1234567")["VersionId"]
    marker = mock_s3.delete_object(Bucket=versioned, Key="data/a.bin")["VersionId"]
    mock_s3.put_object(Bucket=versioned, Key="data/sub/b", Body=b"x")
    mock_s3.put_object(Bucket=versioned, Key="top", Body=b"x")

    rows = [line.split() for line in _ok(_cli(s3ml_serve, "ls", "--versions", f"s3://{versioned}/data/")).splitlines()]
    # PRE for the sub-directory, then a.bin's marker and versions, newest first.
    assert rows[0] == ["PRE", "sub/"]
    entries = rows[1:]
    assert [(r[2], r[3], r[4]) for r in entries] == [("DELETE", marker, "LATEST"), ("7", v2, "a.bin"),
                                                        ("5", v1, "a.bin")]
    assert entries[0][5] == "a.bin"

    everything = _ok(_cli(s3ml_serve, "ls", "--versions", "--recursive", f"s3://{versioned}"))
    keys = [line.split()[-1] for line in everything.splitlines()]
    assert keys == ["data/a.bin", "data/a.bin", "data/a.bin", "data/sub/b", "top"]
    # Plain ls (no --versions) shows no deleted key.
    plain = _ok(_cli(s3ml_serve, "ls", "--recursive", f"s3://{versioned}"))
    assert "a.bin" not in plain and "data/sub/b" in plain
