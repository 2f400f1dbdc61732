"""Property test: s3ml's SigV4 signer agrees with botocore's byte for byte.

A few hundred random S3 requests (awkward keys, query parameters with empty
values, headers with odd spacing and repeats, session tokens, signed and
unsigned payloads, presigned URLs) are signed at fixed instants by botocore's
S3 signers (``S3SigV4Auth`` for headers, ``S3SigV4QueryAuth`` for presigned
URLs: both leave the path un-normalised, as S3 requires) and by s3ml through
the ``sigv4_tool`` helper built with the unit tests. Every signature must match.

The tool is looked up at $S3ML_BUILD_DIR/tests/unit/auth/sigv4_tool, else next to
$S3ML_BIN's build tree, else <repo>/build.
"""

import datetime
import json
import os
import random
import subprocess
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SEED = 20240524
HEADER_CASES = 300
PRESIGN_CASES = 150
REPO_ROOT = Path(__file__).resolve().parents[2]


def _tool_path() -> Path:
    if os.environ.get("S3ML_BUILD_DIR"):
        build = Path(os.environ["S3ML_BUILD_DIR"])
    elif os.environ.get("S3ML_BIN"):
        build = Path(os.environ["S3ML_BIN"]).resolve().parents[2]  # <build>/tools/s3ml/s3ml
    else:
        build = REPO_ROOT / "build"
    return build / "tests" / "unit" / "auth" / "sigv4_tool"


# ---------------------------------------------------------------- generators

KEY_ATOMS = [
    "a", "Z", "0", "9", "-", "_", ".", "~", "=", "@", "+", " ", "%", "%20", "%2F", "!", "*", "'", "(", ")",
    "$", "&", ",", ";", ":", "?", "#", "[", "]", '"', "<", ">", "{", "}", "|", "^", "`", "\\",
    "\u00fc", "\u00e9", "\u6587\u5b57", "\u0416", "\U0001F600", "\u00a0", "/", "//", "data", "shard-00001.tar",
]
QUERY_NAMES = [
    "prefix", "delimiter", "list-type", "max-keys", "start-after", "continuation-token", "uploads", "versionId",
    "versioning", "lifecycle", "tagging", "partNumber", "uploadId", "x-id", "response-content-type",
    "a b", "k=v", "\u00fc", "plus+name", "slash/name", "tilde~", "Zeta", "X-Amz-Meta", "_under",
]
QUERY_VALUES = ["", "", "2", "J", "a b", "x+y", "a=b&c", "/", "dir/sub/", "\u00fc\u6587", "~.-_", "%41", "1000", "*"]
HEADER_NAMES = [
    "x-amz-meta-Color", "X-Amz-Meta-color", "x-amz-meta-A_b", "Content-Type", "content-md5", "Range", "If-Match",
    "If-None-Match", "Cache-Control", "x-amz-storage-class", "X-Amz-Tagging", "x-amz-acl", "Content-Language",
    "User-Agent", "Expect", "x-amz-copy-source", "x-amz-checksum-crc32c", "X-Amz-Server-Side-Encryption",
]
HEADER_WORDS = ["text/plain", "bytes=0-9", "STANDARD", "k1=v1&k2=v2", '"etag"', "no-cache", "a,b", "100-continue",
                "/bucket/key%20x", "Wm9vbQ==", "private"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "auto", "local"]
ENDPOINTS = [
    ("http", "127.0.0.1", 9000, "path"),
    ("http", "localhost", 80, "path"),
    ("https", "s3.amazonaws.com", 443, "path"),
    ("https", "s3.eu-west-1.amazonaws.com", 8443, "path"),
    ("https", "s3.us-east-1.amazonaws.com", 443, "virtual"),
    ("http", "minio.internal", 9000, "virtual"),
]
BUCKETS = ["examplebucket", "train-data", "b.dots.x", "a1"]
ACCESS_KEYS = ["AKIAIOSFODNN7EXAMPLE", "ASIAXXXXEXAMPLE", "minio"]
SECRETS = ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "minio123", "s+e/c=r%e t~\u00fc"]


def _key(rng: random.Random) -> str:
    key = "".join(rng.choice(KEY_ATOMS) for _ in range(rng.randint(1, 8)))
    if rng.random() < 0.2:
        key += "/"  # trailing slash ("directory marker")
    if rng.random() < 0.1:
        key = "/" + key  # leading slash: the path gets "//"
    return key


def _query(rng: random.Random, unique: bool):
    pairs = []
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
        name = rng.choice(QUERY_NAMES)
        if unique and any(n == name for n, _ in pairs):
            continue
        pairs.append((name, rng.choice(QUERY_VALUES)))
    return pairs


def _spacing(rng: random.Random, words) -> str:
    sep = lambda: rng.choice([" ", "  ", "\t", " \t ", "   "])  # noqa: E731
    inner = sep().join(words)
    return rng.choice(["", " ", "\t", "  "]) + inner + rng.choice(["", " ", "\t ", "   "])


def _headers(rng: random.Random):
    headers = []
    for _ in range(rng.randint(0, 5)):
        name = rng.choice(HEADER_NAMES)
        words = [rng.choice(HEADER_WORDS) for _ in range(rng.randint(1, 3))]
        headers.append((name, _spacing(rng, words)))
    if headers and rng.random() < 0.3:  # a repeated header, possibly with different case
        name, _ = rng.choice(headers)
        headers.append((rng.choice([name, name.lower(), name.upper()]), _spacing(rng, [rng.choice(HEADER_WORDS)])))
    return headers


def _amz_date(rng: random.Random) -> str:
    t = datetime.datetime(2013, 5, 24) + datetime.timedelta(seconds=rng.randint(0, 12 * 365 * 86400))
    return t.strftime("%Y%m%dT%H%M%SZ")


def _case(rng: random.Random, i: int, mode: str) -> dict:
    scheme, host, port, style = rng.choice(ENDPOINTS)
    bucket = rng.choice(BUCKETS)
    key = _key(rng)
    encoded_key = quote(key, safe="/~")  # what botocore's S3 serializer puts on the wire
    if style == "virtual":
        host = f"{bucket}.{host}"
        path = "/" + encoded_key
    else:
        path = f"/{bucket}/{encoded_key}"
    case = {
        "id": i,
        "mode": mode,
        "method": rng.choice(["GET", "PUT", "HEAD", "DELETE", "POST"]) if mode == "header" else rng.choice(["GET", "PUT"]),
        "scheme": scheme,
        "host": host,
        "port": port,
        "query": _query(rng, unique=(mode == "presign")),
        "access_key": rng.choice(ACCESS_KEYS),
        "secret_key": rng.choice(SECRETS),
        "region": rng.choice(REGIONS),
        "amz_date": _amz_date(rng),
    }
    # Half the cases hand s3ml the raw key, so its own encoder is checked too.
    if rng.random() < 0.5:
        case["path"] = path
    else:
        case["bucket"] = "" if style == "virtual" else bucket
        case["key"] = key
    case["_expected_path"] = path
    if rng.random() < 0.4:
        case["token"] = rng.choice(["FQoGZXIvYXdzEXAMPLE", "tok/with+odd=chars%", "IQoJb3JpZ2luX2Vj" * 8])
    if mode == "header":
        case["headers"] = _headers(rng)
        if case["method"] in ("PUT", "POST") and rng.random() < 0.7:
            case["body"] = rng.choice(["", "Welcome to Amazon S3.", "\u00fc" * 100, "x" * 70000])
        if rng.random() < 0.2:
            case["payload_hash"] = "UNSIGNED-PAYLOAD"
    else:
        case["expires"] = rng.choice([1, 60, 3600, 86400, 604800])
    return case


# ---------------------------------------------------------------- botocore side

class _ClientConfig:
    def __init__(self, sign_payload: bool):
        self.s3 = {"payload_signing_enabled": sign_payload}


def _botocore_sign(case: dict) -> dict:
    creds = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    default_port = {"http": 80, "https": 443}[case["scheme"]]
    netloc = case["host"] if case["port"] == default_port else f"{case['host']}:{case['port']}"
    url = f"{case['scheme']}://{netloc}{case['_expected_path']}"
    when = datetime.datetime.strptime(case["amz_date"], "%Y%m%dT%H%M%SZ")
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        if case["mode"] == "header":
            request = AWSRequest(method=case["method"], url=url, data=case.get("body", "").encode("utf-8") or None,
                                 params=list(case["query"]))
            for name, value in case["headers"]:
                request.headers[name] = value  # HTTPMessage appends: repeats are kept
            if case.get("payload_hash") == "UNSIGNED-PAYLOAD":
                request.context["client_config"] = _ClientConfig(sign_payload=False)
            S3SigV4Auth(creds, "s3", case["region"]).add_auth(request)
            return {"authorization": request.headers["Authorization"],
                    "x-amz-content-sha256": request.headers["X-Amz-Content-SHA256"]}
        request = AWSRequest(method=case["method"], url=url, params=dict(case["query"]))
        S3SigV4QueryAuth(creds, "s3", case["region"], expires=case["expires"]).add_auth(request)
        return {"url": request.url}


# ---------------------------------------------------------------- s3ml side

def _s3ml_sign(cases):
    tool = _tool_path()
    if not tool.exists():
        pytest.fail(f"sigv4_tool not found at {tool}: build the unit tests first "
                    f"(cmake --build <build> --target sigv4_tool) or set S3ML_BUILD_DIR")
    payload = "".join(json.dumps({k: v for k, v in c.items() if not k.startswith("_")}) + "\n" for c in cases)
    proc = subprocess.run([str(tool)], input=payload.encode("utf-8"), capture_output=True, timeout=60)
    lines = proc.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(cases), f"sigv4_tool answered {len(lines)} of {len(cases)} lines; stderr: {proc.stderr!r}"
    return [json.loads(line) for line in lines]


def _describe(case: dict) -> str:
    shown = {k: v for k, v in case.items() if k not in ("body",)}
    if "body" in case:
        shown["body"] = f"<{len(case['body'])} chars>"
    return json.dumps(shown, ensure_ascii=False, indent=1)


def _generate(mode: str, count: int, seed: int):
    rng = random.Random(seed)
    return [_case(rng, i, mode) for i in range(count)]


def _compare(cases):
    results = _s3ml_sign(cases)
    for case, ours in zip(cases, results):
        assert ours.get("ok"), f"s3ml failed to sign case {case['id']}: {ours.get('error')}\n{_describe(case)}"
        assert ours["path"] == case["_expected_path"], (
            f"case {case['id']}: s3ml encoded the key as {ours['path']!r}, botocore as "
            f"{case['_expected_path']!r}\n{_describe(case)}")
        theirs = _botocore_sign(case)
        if case["mode"] == "header":
            assert ours["authorization"] == theirs["authorization"], (
                f"first mismatch, case {case['id']} (header signing):\n  s3ml:     {ours['authorization']}\n"
                f"  botocore: {theirs['authorization']}\ns3ml canonical request:\n{ours['canonical_request']}\n"
                f"request:\n{_describe(case)}")
            sent = {n.lower(): v for n, v in ours["headers"]}
            assert sent["x-amz-content-sha256"] == theirs["x-amz-content-sha256"], f"case {case['id']}"
        else:
            assert ours["url"] == theirs["url"], (
                f"first mismatch, case {case['id']} (presigned URL):\n  s3ml:     {ours['url']}\n"
                f"  botocore: {theirs['url']}\nrequest:\n{_describe(case)}")
    return len(cases)


def test_header_signatures_match_botocore_for_random_requests():
    assert _compare(_generate("header", HEADER_CASES, SEED)) == HEADER_CASES


def test_presigned_urls_match_botocore_for_random_requests():
    assert _compare(_generate("presign", PRESIGN_CASES, SEED + 1)) == PRESIGN_CASES


def test_generator_covers_the_awkward_cases():
    """The property test is only as good as its inputs: make sure they include what breaks signers."""
    cases = _generate("header", HEADER_CASES, SEED) + _generate("presign", PRESIGN_CASES, SEED + 1)
    keys = [c.get("key") or c["_expected_path"] for c in cases]
    paths = [c["_expected_path"] for c in cases]
    for needle in ["%3D", "%40", "%2B", "%20", "%25", "~", "%C3%BC"]:
        assert any(needle in p for p in paths), f"no generated path contains {needle}"
    assert any("//" in p for p in paths)
    assert any(p.endswith("/") for p in paths)
    assert any(v == "" for c in cases for _, v in c["query"])
    assert any(c.get("token") for c in cases)
    assert any(c.get("payload_hash") == "UNSIGNED-PAYLOAD" for c in cases)
    assert any("\t" in v or "  " in v for c in cases for _, v in c.get("headers", []))
    assert any("key" in c for c in cases) and any("path" in c for c in cases)
    assert len(set(keys)) > 100


def test_a_wrong_signature_is_detected():
    """Guard against a comparison that cannot fail: a different secret must give a different signature."""
    case = _generate("header", 1, SEED)[0]
    ours = _s3ml_sign([case])[0]
    theirs = _botocore_sign(dict(case, secret_key=case["secret_key"] + "x"))
    assert ours["authorization"] != theirs["authorization"]
