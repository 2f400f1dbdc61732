"""S3 Select against `s3ml serve`: botocore parses our event stream (Records, Stats,
Progress, End, and the HTTP 400 error for a bad query), and the `s3ml select` CLI gets
the same records from the server and from its local engine (--local)."""

import gzip
import os
import subprocess

import botocore.exceptions
import pytest

from conftest import MOCK_ACCESS_KEY, MOCK_REGION, MOCK_SECRET_KEY, S3ML_BIN

CSV = (
    "name,age,city\n"
    "alice,34,paris\n"
    "bob,27,berlin\n"
    "carol,41,\"new york, ny\"\n"
    "dave,19,rome\n"
)
TIMEOUT = 60


def _select(client, bucket, key, sql, input_ser, output_ser=None, **extra):
    resp = client.select_object_content(
        Bucket=bucket, Key=key, Expression=sql, ExpressionType="SQL",
        InputSerialization=input_ser, OutputSerialization=output_ser or {"CSV": {}}, **extra)
    records, kinds, stats = [], [], None
    for event in resp["Payload"]:
        kinds.extend(event.keys())
        if "Records" in event:
            records.append(event["Records"]["Payload"])
        if "Stats" in event:
            stats = event["Stats"]["Details"]
    return b"".join(records).decode(), kinds, stats


def test_boto3_select_csv_gets_records_stats_and_end(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="people.csv", Body=CSV.encode())
    records, kinds, stats = _select(
        mock_s3, mock_bucket, "people.csv",
        "SELECT s.name, s.city FROM S3Object s WHERE CAST(s.age AS INT) > 30",
        {"CSV": {"FileHeaderInfo": "USE"}, "CompressionType": "NONE"},
        RequestProgress={"Enabled": True})
    assert records == 'alice,paris\ncarol,"new york, ny"\n'
    assert kinds[-1] == "End"
    assert "Stats" in kinds and "Progress" in kinds
    assert stats["BytesScanned"] == len(CSV)
    assert stats["BytesProcessed"] == len(CSV)
    assert stats["BytesReturned"] == len(records)


def test_boto3_select_gzip_json_lines_to_json(mock_s3, mock_bucket):
    body = b'{"n":1,"tag":"a"}\n{"n":2,"tag":"b"}\n{"n":3,"tag":"a"}\n'
    mock_s3.put_object(Bucket=mock_bucket, Key="rows.jsonl.gz", Body=gzip.compress(body))
    records, kinds, stats = _select(
        mock_s3, mock_bucket, "rows.jsonl.gz", "SELECT s.n FROM S3Object s WHERE s.tag = 'a'",
        {"JSON": {"Type": "LINES"}, "CompressionType": "GZIP"}, {"JSON": {}})
    assert records == '{"n":1}\n{"n":3}\n'
    assert kinds[-1] == "End"
    assert stats["BytesProcessed"] == len(body)


def test_boto3_select_bad_query_is_a_client_error_with_the_s3_code(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="people.csv", Body=CSV.encode())
    with pytest.raises(botocore.exceptions.ClientError) as e:
        _select(mock_s3, mock_bucket, "people.csv", "SELECT FROM WHERE", {"CSV": {}})
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["Error"]["Code"].startswith("Parse")


def _cli(url, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=MOCK_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=MOCK_SECRET_KEY,
               AWS_REGION=MOCK_REGION, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_EC2_METADATA_DISABLED="true")
    return subprocess.run([S3ML_BIN, "--endpoint-url", url, *args], env=env, capture_output=True,
                          timeout=TIMEOUT)


@pytest.mark.parametrize("local", [False, True], ids=["server", "local"])
def test_cli_select_prints_the_records(s3ml_serve, mock_s3, mock_bucket, local):
    mock_s3.put_object(Bucket=mock_bucket, Key="people.csv", Body=CSV.encode())
    args = ["select", f"s3://{mock_bucket}/people.csv", "--sql",
            "SELECT UPPER(s.name) FROM S3Object s WHERE s.city <> 'rome'", "--stats"]
    if local:
        args.append("--local")
    out = _cli(s3ml_serve.url, *args)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode() == "ALICE\nBOB\nCAROL\n"
    assert ("(local)" if local else "(server)") in out.stderr.decode()


def test_cli_select_bad_query_fails_with_the_code(s3ml_serve, mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="people.csv", Body=CSV.encode())
    out = _cli(s3ml_serve.url, "select", f"s3://{mock_bucket}/people.csv", "--sql", "SELECT FROM WHERE")
    assert out.returncode == 1
    assert b"Parse" in out.stderr
    assert out.stdout == b""
