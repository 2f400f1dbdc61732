#!/usr/bin/env python3
"""Read benchmark: `s3ml bench read` vs `curl --parallel` vs boto3, against `s3ml serve` on loopback.

Workloads (issue 4, "Benchmarks"; figures in docs/benchmarks.md):
  1. --large-count shards x --large-mib MiB (default 32 x 32 MiB): MB/s.
  2. --small-count objects x 16 KiB (default 20,000): objects/s.
  3. Peak RSS of `s3ml bench read` on (1) with --memory-budget 256MiB (/usr/bin/time).
  4. CPU seconds (user+sys, /usr/bin/time) per GiB delivered, per client.
For (1) a fourth, informational client runs: curl writing each object into a tmpfs
file (/dev/shm) instead of /dev/null, so that its bytes land in new memory as the
reader's do (the targets compare against plain curl).
Each client runs --runs times per workload (interleaved, order rotated each round), and
medians are reported.
Every client is a separate process run under /usr/bin/time, so CPU and RSS are
measured the same way for all three; throughput is bytes / wall time of the process,
except for boto3, whose interpreter start-up and imports are excluded (timed inside).

Usage: python3 bench/read_bench.py [--s3ml build/tools/s3ml/s3ml] [--small-count 20000] [--runs 3]
       [--part-size SIZE] [--only large|small] [--json out.json]
Not part of `make test`.
"""

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import time

from _common import (BOTO3_SCRIPT, BUCKET, CONCURRENCY, REPO, TIME, Serve, boto3_client, client_env,
                     curl_cmd, delete_keys, listen_overflows, timed, upload, write_curl_config)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--s3ml", default=os.environ.get("S3ML_BIN", str(REPO / "build" / "tools" / "s3ml" / "s3ml")))
    ap.add_argument("--large-count", type=int, default=32)
    ap.add_argument("--large-mib", type=int, default=32)
    ap.add_argument("--small-count", type=int, default=20000)
    ap.add_argument("--small-kib", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", help="also write all raw figures to this file")
    ap.add_argument("--part-size", help="s3ml bench read --part-size (default: the reader's default, 8 MiB)")
    ap.add_argument("--only", choices=["large", "small"], help="run one workload only")
    ap.add_argument("--concurrency", type=int, default=CONCURRENCY,
                    help="requests in flight for every client: s3ml --fetch-threads/--max-in-flight, "
                         "curl --parallel-max, boto3 threads/max_concurrency (default %(default)s)")
    args = ap.parse_args()
    if not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} is missing: apt-get install time (it is in the Makefile's DEB_PACKAGES)")

    bench_start = time.monotonic()
    serve = Serve(args.s3ml)
    print(f"s3ml serve at {serve.url}", flush=True)
    s3 = boto3_client(serve.url)
    s3.create_bucket(Bucket=BUCKET)
    env = client_env()
    tmp = tempfile.TemporaryDirectory()
    boto3_script = pathlib.Path(tmp.name, "boto3_get.py")
    boto3_script.write_text(BOTO3_SCRIPT)

    workloads = [
        ("large", args.large_count, args.large_mib << 20),
        ("small", args.small_count, args.small_kib << 10),
    ]
    results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "python": platform.python_version(), "loadavg_start": os.getloadavg()},
               "args": vars(args),
               "workloads": {}}
    if args.only:
        workloads = [w for w in workloads if w[0] == args.only]
    for name, count, size in workloads:
        t0 = time.monotonic()
        keys = upload(s3, name, count, size)
        up = time.monotonic() - t0
        print(f"[{name}] uploaded {count} x {size} B in {up:.1f} s", flush=True)
        keys_file = pathlib.Path(tmp.name, f"{name}.keys")
        keys_file.write_text("\n".join(keys))
        curl_cfg = pathlib.Path(tmp.name, f"{name}.curl")
        write_curl_config(serve.url, keys, curl_cfg)
        # Informational 4th client for the large shards: the same curl, but each
        # object lands in a tmpfs file (/dev/shm), i.e. in freshly allocated
        # memory as the reader's shard buffers do, instead of /dev/null.
        shm_dir = None
        if name == "large" and os.path.isdir("/dev/shm"):
            shm_dir = tempfile.mkdtemp(prefix="s3ml-bench-", dir="/dev/shm")
            shm_cfg = pathlib.Path(tmp.name, f"{name}.curl-shm")
            write_curl_config(serve.url, keys, shm_cfg, [f"{shm_dir}/obj-{i:06d}" for i in range(len(keys))])
        total = count * size
        s3ml_cmd = [args.s3ml, "bench", "read", f"s3://{BUCKET}/{name}/", "--endpoint-url", serve.url,
                    "--fetch-threads", str(args.concurrency), "--max-in-flight", str(args.concurrency),
                    "--memory-budget", "256MiB", "--json",
                    # The reader's default part size unless --part-size is given.
                    *(["--part-size", args.part_size] if args.part_size else [])]
        clients = {
            "s3ml": s3ml_cmd,
            "curl": curl_cmd(curl_cfg, args.concurrency),
            "boto3": [sys.executable, str(boto3_script), serve.url, BUCKET, str(keys_file), str(args.concurrency)],
        }
        if name == "large":
            # boto3 "with its transfer threads", as the issue words it (large
            # shards only: per object it costs ~10x a get_object, which would
            # make the 20,000-object workload take minutes per run).
            clients["boto3-tm"] = [sys.executable, str(boto3_script), serve.url, BUCKET, str(keys_file),
                                   str(args.concurrency), "transfer"]
        if shm_dir:
            clients["curl-shm"] = curl_cmd(shm_cfg, args.concurrency)
        runs = {c: [] for c in clients}
        order = list(clients)
        for i in range(args.runs):
            # Rotate who goes first, so no client always runs right after the
            # same neighbour (page cache, server heap, load spikes).
            for c in order[i % len(order):] + order[:i % len(order)]:
                cmd = clients[c]
                load = os.getloadavg()[0]
                server_cpu0, overflows0 = serve.cpu_seconds(), listen_overflows()
                out, wall, cpu, rss = timed(cmd, env)
                if c == "curl-shm":  # free the tmpfs pages before the next run (not timed)
                    for f in pathlib.Path(shm_dir).iterdir():
                        f.unlink()
                server_cpu, overflows = serve.cpu_seconds() - server_cpu0, listen_overflows() - overflows0
                secs = wall
                if c in ("boto3", "boto3-tm"):
                    info = json.loads(out)
                    assert info["bytes"] == total, info
                    secs = info["seconds"]
                elif c == "s3ml":
                    info = json.loads(out.strip().splitlines()[-1])
                    assert info["samples"] == count and info["sample_bytes"] == total, info
                    # Also keep the reader's own (in-process) epoch time.
                    runs[c].append({"reader_seconds": info["seconds"], "stall_seconds": info["stall_seconds"],
                                    "requests": info["requests"]})
                rec = {"seconds": secs, "wall": wall, "cpu": cpu, "rss_kib": rss, "server_cpu": server_cpu,
                       "listen_overflows": overflows, "loadavg_1m": load, "mb_s": total / 1e6 / secs, "obj_s": count / secs, "cpu_s_per_gib": cpu / (total / 2**30)}
                if c == "s3ml":
                    runs[c][-1].update(rec)
                else:
                    runs[c].append(rec)
                print(f"[{name}] run {i + 1} {c:8s}: {rec['mb_s']:8.1f} MB/s {rec['obj_s']:9.0f} obj/s "
                      f"{secs:6.2f} s  cpu {cpu:5.2f} s  rss {rss / 1024:7.1f} MiB  server cpu {server_cpu:5.2f} s  "
                      f"listen overflows {overflows}  load {load:.1f}",
                      flush=True)
        med = {c: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for c, rs in runs.items()}
        results["workloads"][name] = {"count": count, "size": size, "upload_seconds": up, "runs": runs, "median": med}
        print(f"[{name}] medians:", flush=True)
        for c, m in med.items():
            print(f"    {c:8s}: {m['mb_s']:8.1f} MB/s {m['obj_s']:9.0f} obj/s  cpu/GiB {m['cpu_s_per_gib']:6.2f} s  "
                  f"rss {m['rss_kib'] / 1024:7.1f} MiB  server cpu {m['server_cpu']:5.2f} s", flush=True)
        ratio = lambda a, b: med[a]["seconds"] and med[b]["seconds"] / med[a]["seconds"]
        print(f"    s3ml/curl = {ratio('s3ml', 'curl'):.2f}x   s3ml/boto3 = {ratio('s3ml', 'boto3'):.2f}x", flush=True)
        results["workloads"][name]["ratios"] = {"s3ml_vs_curl": ratio("s3ml", "curl"),
                                                "s3ml_vs_boto3": ratio("s3ml", "boto3")}
        if "boto3-tm" in med:
            print(f"    s3ml/boto3-tm = {ratio('s3ml', 'boto3-tm'):.2f}x (boto3's transfer threads, s3transfer)",
                  flush=True)
            results["workloads"][name]["ratios"]["s3ml_vs_boto3_tm"] = ratio("s3ml", "boto3-tm")
        if shm_dir:
            print(f"    s3ml/curl-shm = {ratio('s3ml', 'curl-shm'):.2f}x (informational: curl writing into tmpfs)",
                  flush=True)
            results["workloads"][name]["ratios"]["s3ml_vs_curl_shm"] = ratio("s3ml", "curl-shm")
            os.rmdir(shm_dir)
        # Free the server's memory before the next workload.
        delete_keys(s3, keys)

    if "large" in results["workloads"]:
        large = results["workloads"]["large"]["runs"]["s3ml"]
        peak = max(r["rss_kib"] for r in large) / 1024
        print(f"peak RSS of s3ml bench read (large, --memory-budget 256MiB): {peak:.1f} MiB "
              f"(target <= 320 MiB: {'met' if peak <= 320 else 'MISSED'})")
        results["peak_rss_mib_large_s3ml"] = peak
    code = serve.stop()
    results["total_seconds"] = time.monotonic() - bench_start
    results["machine"]["loadavg_end"] = os.getloadavg()
    print(f"total {results['total_seconds']:.0f} s; s3ml serve exited {code}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
