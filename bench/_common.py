"""What the throughput harnesses in bench/ share (read_bench.py, python_bench.py, peer_bench.py):
the mock's credentials, `s3ml serve` as a subprocess, running a client under /usr/bin/time,
seeding objects, presigned curl configs and the boto3 reader script.

Not a benchmark by itself; not part of `make test`.
"""

import concurrent.futures
import os
import pathlib
import re
import signal
import subprocess
import textwrap
import threading
import time
import urllib.parse

import boto3
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REPO = pathlib.Path(__file__).resolve().parents[1]
ACCESS_KEY = "AKIABENCHMOCK0000001"
SECRET_KEY = "bench/mock+secret=key"
REGION = "us-east-1"
BUCKET = "bench"
TIME = "/usr/bin/time"
CONCURRENCY = 16
# `s3ml serve` runs with its default --threads: its connection pool starts
# another thread whenever every thread is busy (e.g. with an idle keep-alive
# connection), and its listen queue is SOMAXCONN deep, so neither the number of
# client connections nor a burst of connects is what gets measured. (Before
# those fixes, the harness passed --threads 64 and still lost 1 s SYN
# retransmits to httplib's listen backlog of 5.)
SERVE_THREADS = None
# Presigned URLs outlive the longest harness run (peer_bench.py reuses them across workloads).
PRESIGN_EXPIRES = 4 * 3600

BOTO3_SCRIPT = textwrap.dedent("""
    import concurrent.futures, json, sys, time
    import boto3
    from botocore.config import Config
    endpoint, bucket, keys_file, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    mode = sys.argv[5] if len(sys.argv) > 5 else "get"
    keys = open(keys_file).read().split()
    s3 = boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="%(region)s",
        aws_access_key_id="%(ak)s", aws_secret_access_key="%(sk)s",
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=threads,
                      retries={"max_attempts": 3, "mode": "standard"}))
    def get(k):
        return len(s3.get_object(Bucket=bucket, Key=k)["Body"].read())
    t0 = time.monotonic()
    if mode == "get":
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            total = sum(pool.map(get, keys))
    else:
        # boto3's own transfer threads (s3transfer: what download_fileobj and
        # `aws s3 cp --recursive` use), every object queued on one manager,
        # written to /dev/null (the cheapest sink for it).
        import io, os
        from boto3.s3.transfer import TransferConfig
        from s3transfer.manager import TransferManager
        class Sink(io.FileIO):  # /dev/null, counting what is written
            written = 0
            def write(self, b):
                self.written += len(b)
                return super().write(b)
        sinks = [Sink(os.devnull, "wb") for _ in keys]
        with TransferManager(s3, TransferConfig(max_concurrency=threads)) as tm:
            for f in [tm.download(bucket, k, f) for k, f in zip(keys, sinks)]:
                f.result()
        total = sum(f.written for f in sinks)
        for f in sinks:
            f.close()
    print(json.dumps({"bytes": total, "seconds": time.monotonic() - t0}))
""") % {"region": REGION, "ak": ACCESS_KEY, "sk": SECRET_KEY}


class Serve:
    """`s3ml serve` on 127.0.0.1:0, as tests/interop/conftest.py starts it.
    `threads`: its --threads (None: the server's default)."""

    def __init__(self, binary, threads=SERVE_THREADS):
        self.proc = subprocess.Popen(
            [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--access-key", ACCESS_KEY,
             "--secret-key", SECRET_KEY, "--region", REGION,
             *(["--threads", str(threads)] if threads else [])],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = []
        t = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(20)
        if not line or not line[0].startswith("http://"):
            self.proc.kill()
            raise RuntimeError("s3ml serve did not start: " + self.proc.communicate(timeout=20)[1])
        self.url = line[0].strip()
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=30)


def listen_overflows():
    """TcpExtListenOverflows: SYNs dropped because a listen queue was full (each costs the client a 1 s retransmit)."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split()[1:], values.split()[1:]))["ListenOverflows"])
    return 0


def timed(cmd, env=None, stdout=subprocess.PIPE, timeout=600):
    """Runs cmd under /usr/bin/time; returns (stdout text or None, wall s, cpu s = user + sys, max RSS KiB).
    stdout: subprocess.PIPE to capture it, or e.g. subprocess.DEVNULL for a client that
    writes the objects there. Raises RuntimeError if cmd exits non-zero."""
    t0 = time.monotonic()
    # A marker, so that the figures are found even after a child's stderr without a final newline.
    r = subprocess.run([TIME, "-f", "S3ML-TIME %U %S %M", *cmd], stdout=stdout, stderr=subprocess.PIPE,
                       text=True, env=env, timeout=timeout)
    wall = time.monotonic() - t0
    if r.returncode != 0:
        stderr = "\n".join(line for line in r.stderr.splitlines()
                           if not line.startswith(("Command exited with non-zero status", "S3ML-TIME")))
        raise RuntimeError(f"{cmd[0]} exited {r.returncode}: {stderr[-2000:]}")
    user, system, rss = re.findall(r"S3ML-TIME ([0-9.]+) ([0-9.]+) ([0-9]+)", r.stderr)[-1]
    return r.stdout, wall, float(user) + float(system), int(rss)


def boto3_client(endpoint, pool=16):
    """A boto3 S3 client for the mock (path-style, SigV4): seeding, presigning, deleting."""
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, max_pool_connections=pool))


def client_env():
    """os.environ with the mock's credentials for client processes, and nothing that would
    send them elsewhere (profiles, session tokens, endpoint overrides, instance metadata)."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
               AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION, AWS_EC2_METADATA_DISABLED="true")
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        env.pop(k, None)
    return env


def upload(s3, prefix, count, size, threads=8):
    """PUTs count objects of size random bytes (one body for all) as prefix/obj-NNNNNN; returns the keys."""
    body = os.urandom(size)
    keys = [f"{prefix}/obj-{i:06d}" for i in range(count)]
    def put(k):
        s3.put_object(Bucket=BUCKET, Key=k, Body=body)
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, keys))
    return keys


def delete_keys(s3, keys):
    """Deletes the objects (frees the mock's memory between workloads)."""
    for i in range(0, len(keys), 1000):
        s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]]})


def presigned_urls(endpoint, keys, method="GET"):
    """SigV4 query-string URLs for BUCKET/key, as boto3's generate_presigned_url makes them but
    without its per-call endpoint resolution (~4x faster: it matters for 100,000 keys)."""
    auth = S3SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION, expires=PRESIGN_EXPIRES)
    for k in keys:
        request = AWSRequest(method=method, url=f"{endpoint}/{BUCKET}/{urllib.parse.quote(k)}")
        auth.add_auth(request)
        yield request.prepare().url


def write_curl_config(endpoint, keys, path, outputs=None):
    """A curl -K config: one presigned GET URL per key (signed here, before any timed run) and
    its output file (default /dev/null for every key)."""
    with open(path, "w") as f:
        for i, url in enumerate(presigned_urls(endpoint, keys)):
            f.write(f'url = "{url}"\noutput = "{outputs[i] if outputs else os.devnull}"\n')


def curl_cmd(config, concurrency):
    """curl reading every URL of a write_curl_config() file, concurrency transfers at a time."""
    return ["curl", "--parallel", "--parallel-max", str(concurrency), "--fail", "-s", "-K", str(config)]
