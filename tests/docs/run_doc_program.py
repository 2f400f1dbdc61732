"""Runs one complete C++ program from the documentation (built by tests/docs/CMakeLists.txt
with AddressSanitizer and UBSan) and fails unless it exits 0.

With --serve S3ML: the program is one that reads the usual AWS environment (the README's
main example). It runs against an `s3ml serve` process on 127.0.0.1 (port 0, the endpoint
it prints), with AWS_ENDPOINT_URL and keys pointing at it, no profile or config file from
the machine, the bucket `train` created, and a small tar file `shard-000.tar` in its
working directory.
"""

import argparse
import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
from pathlib import Path

ACCESS_KEY, SECRET_KEY, REGION = "AKIADOCTEST", "doc-test-secret", "us-east-1"
TIMEOUT = 90


def start_serve(s3ml, work):
    proc = subprocess.Popen([s3ml, "serve", "--host", "127.0.0.1", "--port", "0", "--access-key", ACCESS_KEY,
                             "--secret-key", SECRET_KEY, "--region", REGION],
                            stdout=subprocess.PIPE, stderr=open(work / "serve.log", "w"), text=True)
    url = proc.stdout.readline().strip()
    if not url.startswith("http://"):
        proc.kill()
        raise SystemExit(f"`s3ml serve` printed {url!r} instead of its endpoint; log:\n"
                         + (work / "serve.log").read_text())
    return proc, url


def shard_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tf:
        for name, data in (("000-0.txt", b"hello"), ("000-0.cls", b"1")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return out.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--work-dir", required=True, type=Path)
    ap.add_argument("--serve", metavar="S3ML", help="the s3ml CLI: run the program against `s3ml serve`")
    a = ap.parse_args()

    work = a.work_dir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["ASAN_OPTIONS"] = "abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    server = None
    try:
        if a.serve:
            server, url = start_serve(a.serve, work)
            env.update({"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                        "AWS_REGION": REGION, "AWS_CONFIG_FILE": str(work / "no-config"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-credentials"),
                        "AWS_EC2_METADATA_DISABLED": "true"})
            mb = subprocess.run([a.serve, "--endpoint-url", url, "mb", "s3://train"], env=env, capture_output=True, text=True,
                                timeout=TIMEOUT)
            if mb.returncode != 0:
                raise SystemExit(f"s3ml mb s3://train failed: {mb.stdout}{mb.stderr}")
            (work / "shard-000.tar").write_bytes(shard_tar())
        proc = subprocess.run([a.exe], cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        sys.stdout.write(proc.stdout)
        sys.stdout.write(proc.stderr)
        if proc.returncode != 0:
            print(f"FAILED: {a.exe} exited {proc.returncode}")
            return 1
        print(f"OK: {Path(a.exe).name} exited 0")
        return 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())
