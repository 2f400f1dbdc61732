#!/usr/bin/env python3
"""Checkpoint benchmark: streaming ArtifactWriter/ArtifactReader vs TransferManager file
upload/download of the same artifact, against `s3ml serve` on loopback (separate process).

Runs `s3ml checkpoint bench` (tools/s3ml/cmd_checkpoint.cc), which writes a --size-mib
artifact through ArtifactWriter in 1 MiB Write() calls, uploads the same bytes from a
local file with TransferManager::UploadFile, reads the artifact back through
ArtifactReader in 1 MiB Read() calls and downloads the file copy with
TransferManager::DownloadFile; same part size and concurrency for both; medians of --runs.
Figures: docs/benchmarks.md ("Checkpoint artifacts"). Not part of `make test`.

Usage: python3 bench/checkpoint_bench.py [--s3ml build/tools/s3ml/s3ml] [--size-mib 256] [--runs 5]
"""

import argparse
import json
import os
import pathlib
import platform
import signal
import subprocess
import threading

REPO = pathlib.Path(__file__).resolve().parents[1]
ACCESS_KEY = "AKIABENCHMOCK0000001"
SECRET_KEY = "bench/mock+secret=key"
REGION = "us-east-1"


def start_serve(binary):
    proc = subprocess.Popen(
        [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--access-key", ACCESS_KEY,
         "--secret-key", SECRET_KEY, "--region", REGION, "--threads", "32"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = []
    t = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    t.start()
    t.join(20)
    if not line or not line[0].startswith("http://"):
        proc.kill()
        raise RuntimeError("s3ml serve did not start: " + proc.communicate(timeout=20)[1])
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    return proc, line[0].strip()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--s3ml", default=str(REPO / "build" / "tools" / "s3ml" / "s3ml"))
    p.add_argument("--size-mib", type=int, default=256)
    p.add_argument("--part-size-mib", type=int, default=16)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args()

    proc, url = start_serve(args.s3ml)
    try:
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                   AWS_DEFAULT_REGION=REGION)
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        out = subprocess.run(
            [args.s3ml, "--endpoint-url", url, "checkpoint", "bench", "s3://bench/ckpt", "--json",
             "--size-mib", str(args.size_mib), "--part-size-mib", str(args.part_size_mib),
             "--concurrency", str(args.concurrency), "--runs", str(args.runs)],
            env=env, check=True, capture_output=True, text=True, timeout=1800).stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    fig = json.loads(out.strip().splitlines()[-1])
    fig["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"
    print(f"{fig['size_mib']} MiB artifact, {fig['part_size_mib']} MiB parts, concurrency {fig['concurrency']}, "
          f"median of {fig['runs']} runs, against s3ml serve on 127.0.0.1 ({fig['machine']})")
    print(f"  write: ArtifactWriter {fig['checkpoint_write_mib_s']:8.1f} MiB/s   "
          f"TransferManager::UploadFile {fig['transfer_upload_file_mib_s']:8.1f} MiB/s")
    print(f"  read:  ArtifactReader {fig['checkpoint_read_mib_s']:8.1f} MiB/s   "
          f"TransferManager::DownloadFile {fig['transfer_download_file_mib_s']:8.1f} MiB/s")
    print(f"  writer memory high-water {fig['writer_memory_high_water_mib']:.0f} MiB")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(fig, indent=2) + "\n")


if __name__ == "__main__":
    main()
