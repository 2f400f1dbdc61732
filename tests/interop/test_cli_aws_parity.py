"""`s3ml rm/cp/ls --recursive` against `aws s3` on the same `s3ml serve`: same effect, same output.

Each case builds one layout twice (or once, for read-only commands), runs the aws CLI on one
copy and s3ml on the other with the same argument form, and compares what survives, what
was downloaded and what was printed. The layout holds the traps of a prefix taken
literally: a sibling prefix (`dirX/`), a key equal to the prefix (`dir`) and a zero-byte
"directory" marker (`dir/`).
"""

import os
import pathlib
import shutil
import subprocess
import uuid

import pytest

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN

TIMEOUT = 120  # seconds per CLI invocation

pytestmark = pytest.mark.skipif(shutil.which("aws") is None, reason="aws CLI not installed")

LAYOUT = {
    "dir": b"key equal to the prefix",
    "dir/": b"",  # a console-made "folder" marker
    "dir/a": b"a under dir",
    "dir/sub/b": b"b deeper under dir",
    "dirX/z": b"sibling prefix",
    "top": b"top-level",
}
# Downloading a whole bucket cannot hold both a file `dir` and a directory `dir/`.
LAYOUT_NO_DIR_KEY = {k: v for k, v in LAYOUT.items() if k != "dir"}

# The argument forms of a recursive command; {b} is the bucket.
FORMS = ["s3://{b}/dir", "s3://{b}/dir/", "s3://{b}", "s3://{b}/"]
FORM_IDS = ["prefix", "prefix-slash", "bucket", "bucket-slash"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    cfg = tmp_path_factory.mktemp("awscfg") / "config"
    cfg.write_text("[default]\n")
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY,
             AWS_DEFAULT_REGION=MOCK_REGION, AWS_REGION=MOCK_REGION, AWS_CONFIG_FILE=str(cfg),
             AWS_SHARED_CREDENTIALS_FILE=str(cfg.parent / "no-credentials"),
             AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    return e


@pytest.fixture
def run_both(s3ml_serve, env):
    """run_both(tool, *args, cwd=None) -> CompletedProcess; tool is "aws" or "s3ml"."""
    def run(tool, *args, cwd=None):
        cmd = ["aws", "s3"] if tool == "aws" else [S3ML_BIN]
        # aws draws "Completed ..." progress lines even when stdout is not a terminal.
        extra = ["--no-progress"] if args[0] == "cp" else []
        return subprocess.run([*cmd, *args, *extra, "--endpoint-url", s3ml_serve.url], env=env, cwd=cwd,
                              capture_output=True, text=True, timeout=TIMEOUT)
    return run


@pytest.fixture
def make_bucket(mock_s3):
    made = []

    def make(layout):
        name = f"parity-{uuid.uuid4().hex[:16]}"
        mock_s3.create_bucket(Bucket=name)
        made.append(name)
        for k, v in layout.items():
            mock_s3.put_object(Bucket=name, Key=k, Body=v)
        return name

    yield make
    for name in made:
        for page in mock_s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for o in page.get("Contents", []):
                mock_s3.delete_object(Bucket=name, Key=o["Key"])
        mock_s3.delete_bucket(Bucket=name)


def keys(mock_s3, bucket):
    out = set()
    for page in mock_s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        out |= {o["Key"] for o in page.get("Contents", [])}
    return out


def ok(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}: stderr={proc.stderr!r} stdout={proc.stdout!r}"
    return proc


def lines(proc, bucket):
    """stdout lines, sorted (aws works in parallel), with the bucket name made neutral."""
    return sorted(line.replace(bucket, "BUCKET") for line in proc.stdout.splitlines() if line.strip())


def tree(root):
    root = pathlib.Path(root)
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---- rm --recursive -------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_rm_recursive_deletes_exactly_what_aws_deletes(run_both, mock_s3, make_bucket, form):
    theirs, ours = make_bucket(LAYOUT), make_bucket(LAYOUT)
    aws = ok(run_both("aws", "rm", "--recursive", form.format(b=theirs)))
    s3ml = ok(run_both("s3ml", "rm", "--recursive", form.format(b=ours)))
    assert keys(mock_s3, ours) == keys(mock_s3, theirs)
    assert lines(s3ml, ours) == lines(aws, theirs)


def test_rm_recursive_prefix_spares_sibling_prefix_and_key_equal_to_prefix(run_both, mock_s3, make_bucket):
    # The parity test above in absolute terms, so that it cannot pass by both tools being wrong.
    b = make_bucket(LAYOUT)
    ok(run_both("s3ml", "rm", "--recursive", f"s3://{b}/dir"))
    assert keys(mock_s3, b) == {"dir", "dirX/z", "top"}


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_rm_recursive_dryrun_prints_what_aws_would_delete_and_deletes_nothing(run_both, mock_s3, make_bucket, form):
    b = make_bucket(LAYOUT)
    aws = ok(run_both("aws", "rm", "--recursive", "--dryrun", form.format(b=b)))
    s3ml = ok(run_both("s3ml", "rm", "--recursive", "--dryrun", form.format(b=b)))
    assert keys(mock_s3, b) == set(LAYOUT)
    assert lines(s3ml, b) == lines(aws, b)
    assert all(line.startswith("(dryrun) delete: s3://BUCKET/") for line in lines(s3ml, b)), s3ml.stdout


def test_rm_dryrun_single_object_prints_and_keeps_it(run_both, mock_s3, make_bucket):
    b = make_bucket(LAYOUT)
    s3ml = ok(run_both("s3ml", "rm", "--dryrun", f"s3://{b}/dir/a"))
    aws = ok(run_both("aws", "rm", "--dryrun", f"s3://{b}/dir/a"))
    assert s3ml.stdout == aws.stdout == f"(dryrun) delete: s3://{b}/dir/a\n"
    assert keys(mock_s3, b) == set(LAYOUT)


# ---- cp --recursive -------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_cp_recursive_download_writes_the_tree_aws_writes(run_both, make_bucket, tmp_path, form):
    layout = LAYOUT if "dir" in form else LAYOUT_NO_DIR_KEY
    theirs, ours = make_bucket(layout), make_bucket(layout)
    (tmp_path / "aws").mkdir()
    (tmp_path / "s3ml").mkdir()
    aws = ok(run_both("aws", "cp", "--recursive", form.format(b=theirs), "out", cwd=tmp_path / "aws"))
    s3ml = ok(run_both("s3ml", "cp", "--recursive", form.format(b=ours), "out", cwd=tmp_path / "s3ml"))
    assert tree(tmp_path / "s3ml" / "out") == tree(tmp_path / "aws" / "out")
    assert tree(tmp_path / "s3ml" / "out")  # something was copied: the comparison is not of two empty trees
    assert lines(s3ml, ours) == lines(aws, theirs)


def test_cp_recursive_prefix_downloads_only_under_the_directory(run_both, make_bucket, tmp_path):
    b = make_bucket(LAYOUT)
    ok(run_both("s3ml", "cp", "--recursive", f"s3://{b}/dir", str(tmp_path / "out")))
    assert tree(tmp_path / "out") == {"a": LAYOUT["dir/a"], "sub/b": LAYOUT["dir/sub/b"]}


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_cp_recursive_s3_to_s3_copies_the_keys_aws_copies(run_both, mock_s3, make_bucket, form):
    src = make_bucket(LAYOUT)
    theirs, ours = make_bucket({}), make_bucket({})
    ok(run_both("aws", "cp", "--recursive", form.format(b=src), f"s3://{theirs}/copy"))
    ok(run_both("s3ml", "cp", "--recursive", form.format(b=src), f"s3://{ours}/copy"))
    assert keys(mock_s3, ours) == keys(mock_s3, theirs)
    assert keys(mock_s3, ours)


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_cp_recursive_dryrun_prints_what_aws_would_copy_and_writes_nothing(run_both, make_bucket, tmp_path, form):
    b = make_bucket(LAYOUT)
    (tmp_path / "aws").mkdir()
    (tmp_path / "s3ml").mkdir()
    aws = ok(run_both("aws", "cp", "--recursive", "--dryrun", form.format(b=b), "out", cwd=tmp_path / "aws"))
    s3ml = ok(run_both("s3ml", "cp", "--recursive", "--dryrun", form.format(b=b), "out", cwd=tmp_path / "s3ml"))
    assert list((tmp_path / "s3ml").iterdir()) == []  # not even the destination directory
    assert lines(s3ml, b) == lines(aws, b)
    assert lines(s3ml, b) and all(line.startswith("(dryrun) download: s3://BUCKET/") for line in lines(s3ml, b))


def test_cp_dryrun_upload_and_s3_copy_change_nothing(run_both, mock_s3, make_bucket, tmp_path):
    b = make_bucket(LAYOUT)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f.txt").write_bytes(b"local")
    for argv in (["cp", "--dryrun", "src/f.txt", f"s3://{b}/up/f.txt"],
                 ["cp", "--dryrun", "--recursive", "src", f"s3://{b}/up"],
                 ["cp", "--dryrun", f"s3://{b}/dir/a", f"s3://{b}/copied/a"],
                 ["cp", "--dryrun", f"s3://{b}/dir/a", "dl/local-a"]):
        aws = ok(run_both("aws", *argv, cwd=tmp_path))
        s3ml = ok(run_both("s3ml", *argv, cwd=tmp_path))
        assert s3ml.stdout == aws.stdout and s3ml.stdout.startswith("(dryrun) "), (argv, s3ml.stdout, aws.stdout)
    assert keys(mock_s3, b) == set(LAYOUT)
    assert not (tmp_path / "dl").exists()


# ---- ls --recursive stays a literal prefix, as `aws s3 ls` ---------------------------


@pytest.mark.parametrize("form", ["s3://{b}/dir", "s3://{b}/dir/", "s3://{b}"], ids=FORM_IDS[:3])
def test_ls_recursive_lists_what_aws_lists(run_both, make_bucket, form):
    b = make_bucket(LAYOUT)
    aws = ok(run_both("aws", "ls", "--recursive", form.format(b=b)))
    s3ml = ok(run_both("s3ml", "ls", "--recursive", form.format(b=b)))
    assert s3ml.stdout == aws.stdout
