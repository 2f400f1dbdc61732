#!/usr/bin/env python3
"""Python binding and PyTorch benchmark (issue 5, "Performance"; figures in docs/benchmarks.md).

Against ONE `s3ml serve --threads 64` on 127.0.0.1 (port 0), back to back, --runs
repetitions each (contenders interleaved, order rotated every repetition), medians:

  1. Python iteration over an s3ml.Dataset reader (no decoding: per sample it only
     sums len() of each field's s3ml.Buffer) vs the C++ reader (`s3ml bench read`,
     which does the same sum in C++), with the same reader options (16 fetch threads,
     16 requests in flight, 256 MiB budget, 8 MiB parts), on
       a. raw: N objects x 64 KiB (default 10,000; --quick 3,000), one sample each;
       b. tar: M shards x 8 MiB of 32 samples of 256 KiB (default 64; --quick 16)
     (one discarded warm-up run of each first).
     Target: Python samples/s >= 0.9x C++ samples/s.
  2. torch DataLoader(num_workers=2, batch_size=32, collate keeping bytes) over
     s3ml.torch.S3IterableDataset (default transform: dict with the bytes) vs the
     same pipeline whose IterableDataset calls boto3 get_object per key (one boto3
     client per worker, keys sharded worker_id::num_workers; it is handed the key
     list, so it does no listing), on D objects x 64 KiB (default 2,000; --quick
     1,000). Target: >= 3x samples/s.
Repetitions: reader 7, DataLoader 5 (--quick: 5 and 3); --runs N sets both.

Every contender is a separate process (this script re-invoked with --child, or the
`s3ml` binary). Throughput is samples / the contender's own timing of one epoch:
from the first next() (reader created, imports done) to the last sample — for the
DataLoader from iter(loader) (so worker start-up counts for both pipelines) to the
last batch. CPU seconds: for Python children user+sys of the process and its
DataLoader workers over the same interval (imports excluded, workers reaped first);
for `s3ml bench read` its whole process (getrusage(RUSAGE_CHILDREN) around it).
Server CPU is read from /proc/<pid>/stat of `s3ml serve`.

The machine may be shared (other builds running): compare the ratios within one
run, not absolute figures across runs. The paired ratio (median over repetitions
of the per-repetition ratio) is reported beside the ratio of medians.

Usage:  build/venv/bin/python bench/python_bench.py [--quick] [--runs N] [--json out.json]
        [--s3ml path/to/s3ml] [--only reader|dataloader]
Needs: the s3ml package (build/venv), torch and boto3 importable (Debian: python3-torch
python3-boto3), and a built `s3ml` binary (default: the newer of build-perf/ and build/).
Not part of `make test`.
"""

import argparse
import concurrent.futures
import io
import json
import os
import pathlib
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import ACCESS_KEY, REGION, SECRET_KEY, Serve  # noqa: E402  (one copy of the server harness)
BUCKET = "pybench"
SERVE_THREADS = 64
# Reader options shared by the Python reader and `s3ml bench read` (workload 1).
READER = {"fetch_threads": 16, "max_in_flight": 16, "memory_budget": 256 << 20, "part_size": 8 << 20}
# Per-worker reader options of S3IterableDataset (workload 2): the binding's defaults.
DL_READER = {"fetch_threads": 8, "max_in_flight": 8}
DL_WORKERS = 2
DL_BATCH = 32
CHILD_TIMEOUT = 300


# --------------------------------------------------------------------------- children


def _cpu_now():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _client_kwargs(endpoint):
    return dict(endpoint_url=endpoint, region=REGION, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                addressing_style="path")


def child_py_read(endpoint, uri, fmt):
    import s3ml

    ds = s3ml.Dataset(uri, format=fmt, client=s3ml.Client(**_client_kwargs(endpoint)), **READER)
    reader = ds.reader()
    samples = nbytes = 0
    cpu0 = _cpu_now()
    th0 = time.thread_time()
    t0 = time.perf_counter()
    for sample in reader:
        samples += 1
        for buf in sample.fields.values():
            nbytes += len(buf)
    secs = time.perf_counter() - t0
    # CPU of the consuming (Python) thread alone: next() incl. the C++ Next() and the
    # Sample/Buffer objects, vs the whole process (the reader's fetch threads too).
    thread_cpu = time.thread_time() - th0
    cpu = _cpu_now() - cpu0
    reader.close()
    return {"samples": samples, "sample_bytes": nbytes, "seconds": secs, "cpu": cpu, "thread_cpu": thread_cpu}


def keep_bytes(batch):
    """The collate function of both DataLoader pipelines: the list of sample dicts as is."""
    return batch


def _boto3_dataset_class():
    import torch.utils.data as tud

    class Boto3KeysDataset(tud.IterableDataset):
        """One boto3 get_object per key; each worker its own client and keys[worker::workers]."""

        def __init__(self, endpoint, bucket, keys):
            super().__init__()
            self.endpoint, self.bucket, self.keys = endpoint, bucket, keys

        def __iter__(self):
            import boto3
            from botocore.config import Config

            info = tud.get_worker_info()
            wid, nw = (info.id, info.num_workers) if info else (0, 1)
            s3 = boto3.session.Session().client(
                "s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"}))
            for key in self.keys[wid::nw]:
                body = s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                yield {"__key__": key, "data": body}

    return Boto3KeysDataset


def child_dataloader(endpoint, kind, uri, keys_file):
    import torch.utils.data as tud

    if kind == "s3ml":
        import s3ml.torch as st

        ds = st.S3IterableDataset(uri, format="raw", client_kwargs=_client_kwargs(endpoint), **DL_READER)
    else:
        bucket = uri[5:].split("/", 1)[0]
        keys = pathlib.Path(keys_file).read_text().split()
        ds = _boto3_dataset_class()(endpoint, bucket, keys)
    loader = tud.DataLoader(ds, batch_size=DL_BATCH, num_workers=DL_WORKERS, collate_fn=keep_bytes)
    samples = nbytes = 0
    cpu0 = _cpu_now()
    t0 = time.perf_counter()
    it = iter(loader)
    for batch in it:
        samples += len(batch)
        for s in batch:
            nbytes += len(s["data"])
    secs = time.perf_counter() - t0
    # The iterator joined its workers when it was exhausted; make sure they are reaped
    # so that their CPU time is in RUSAGE_CHILDREN.
    del it
    cpu = _cpu_now() - cpu0
    return {"samples": samples, "sample_bytes": nbytes, "seconds": secs, "cpu": cpu}


def run_child(argv):
    mode, endpoint, uri = argv[0], argv[1], argv[2]
    if mode == "py-read":
        out = child_py_read(endpoint, uri, argv[3])
    elif mode == "dl-s3ml":
        out = child_dataloader(endpoint, "s3ml", uri, None)
    elif mode == "dl-boto3":
        out = child_dataloader(endpoint, "boto3", uri, argv[3])
    else:
        raise SystemExit(f"unknown child mode {mode!r}")
    print(json.dumps(out), flush=True)


# --------------------------------------------------------------------------- parent


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_measured(cmd, env, serve, parse):
    """Runs one contender; returns its record (samples/s from its own timing)."""
    load = os.getloadavg()[0]
    cpu0, scpu0 = children_cpu(), serve.cpu_seconds()
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=CHILD_TIMEOUT)
    wall = time.monotonic() - t0
    proc_cpu, server_cpu = children_cpu() - cpu0, serve.cpu_seconds() - scpu0
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... exited {r.returncode}: {r.stderr[-3000:]}")
    info = parse(r.stdout)
    return {"samples": info["samples"], "sample_bytes": info["sample_bytes"], "seconds": info["seconds"],
            "samples_s": info["samples"] / info["seconds"], "mb_s": info["sample_bytes"] / 1e6 / info["seconds"],
            "cpu": info.get("cpu", proc_cpu), "process_cpu": proc_cpu, "server_cpu": server_cpu,
            "wall": wall, "loadavg_1m": load, **({"thread_cpu": info["thread_cpu"]} if "thread_cpu" in info else {})}


def last_json(out):
    return json.loads(out.strip().splitlines()[-1])


def upload(client, prefix, blobs, threads=8):
    """blobs: list of (key, bytes). Uses s3ml.Client.put_object on a thread pool."""
    def put(kb):
        client.put_object(BUCKET, kb[0], kb[1])
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, blobs))
    return [k for k, _ in blobs]


def make_tar(shard, samples, rnd):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for i in range(samples):
            base = f"s{shard:04d}-{i:05d}"
            for ext, data in (("bin", rnd[i % len(rnd)]), ("cls", str(i % 10).encode())):
                ti = tarfile.TarInfo(f"{base}.{ext}")
                ti.size = len(data)
                ti.mtime = 0
                tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def pick_binary():
    cands = [REPO / "build-perf" / "tools" / "s3ml" / "s3ml", REPO / "build" / "tools" / "s3ml" / "s3ml"]
    cands = [c for c in cands if os.access(c, os.X_OK)]
    if not cands:
        sys.exit("no s3ml binary: build the s3ml target (or pass --s3ml)")
    return str(max(cands, key=lambda c: c.stat().st_mtime))


def compare(name, runs, a, b, target, print_fn):
    """Medians of a and b, the ratio of medians and the median paired ratio (a/b samples/s)."""
    med = {c: {k: statistics.median(r[k] for r in runs[c]) for k in ("samples_s", "mb_s", "seconds", "cpu",
                                                                       "server_cpu", "wall")}
           for c in (a, b)}
    ratio = med[a]["samples_s"] / med[b]["samples_s"]
    paired = statistics.median(ra["samples_s"] / rb["samples_s"] for ra, rb in zip(runs[a], runs[b]))
    met = ratio >= target
    print_fn(f"[{name}] medians over {len(runs[a])} runs:")
    for c in (a, b):
        m = med[c]
        print_fn(f"    {c:16s} {m['samples_s']:9.0f} samples/s {m['mb_s']:8.1f} MB/s  {m['seconds']:6.2f} s  "
                 f"cpu {m['cpu']:5.2f} s  server cpu {m['server_cpu']:5.2f} s")
    print_fn(f"    {a}/{b} = {ratio:.2f}x (paired {paired:.2f}x), target >= {target}x: {'met' if met else 'MISSED'}")
    res = {"median": med, "ratio": ratio, "paired_ratio": paired, "target": target, "met": met}
    if all("thread_cpu" in r for r in runs[a]):
        us = statistics.median(r["thread_cpu"] * 1e6 / r["samples"] for r in runs[a])
        busy = statistics.median(r["thread_cpu"] / r["seconds"] for r in runs[a])
        print_fn(f"    {a}: consumer thread CPU {us:.1f} us/sample (median), busy {busy:.0%} of the epoch")
        res["consumer_us_per_sample"], res["consumer_busy"] = us, busy
    return res


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return run_child(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="less data and fewer runs: < 3 min")
    ap.add_argument("--runs", type=int, help="repetitions per contender, >= 3 (default: reader 7, DataLoader 5; "
                    "--quick 5 and 3)")
    ap.add_argument("--raw-count", type=int, help="raw objects of 64 KiB for the reader (default 10000, --quick 3000)")
    ap.add_argument("--tar-count", type=int, help="tar shards of 8 MiB (default 64, --quick 16)")
    ap.add_argument("--dl-count", type=int, help="raw objects of 64 KiB for the DataLoader (default 2000, --quick 1000)")
    ap.add_argument("--s3ml", default=os.environ.get("S3ML_BIN"), help="the s3ml binary (default: newest build)")
    ap.add_argument("--only", choices=["reader", "dataloader"], help="run one workload only")
    ap.add_argument("--json", help="also write all raw figures to this file")
    args = ap.parse_args()
    if args.runs is not None and args.runs < 3:
        ap.error("--runs must be >= 3 (medians)")
    reader_runs = args.runs or (5 if args.quick else 7)
    dl_runs = args.runs or (3 if args.quick else 5)
    raw_count = args.raw_count or (3000 if args.quick else 10000)
    tar_count = args.tar_count or (16 if args.quick else 64)
    dl_count = args.dl_count or (1000 if args.quick else 2000)
    raw_size, tar_sample, tar_per_shard = 64 << 10, 256 << 10, 32  # 32 x 256 KiB = 8 MiB shards
    binary = args.s3ml or pick_binary()
    try:
        import boto3  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        sys.exit(f"{e}: the benchmark needs torch and boto3 (Debian: apt-get install python3-torch python3-boto3)")
    import s3ml

    log = []

    def out(line):
        print(line, flush=True)
        log.append(line)

    start = time.monotonic()
    out(f"python {platform.python_version()} ({sys.executable}), s3ml from {pathlib.Path(s3ml.__file__).parent}, "
        f"torch {torch.__version__}, boto3 {boto3.__version__}")
    out(f"s3ml binary {binary}; {os.cpu_count()} CPUs; load average {os.getloadavg()}")
    serve = Serve(binary, threads=SERVE_THREADS)
    out(f"s3ml serve --threads {SERVE_THREADS} at {serve.url}")
    results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg_start": os.getloadavg()},
               "args": vars(args), "binary": binary, "endpoint": serve.url, "workloads": {}}
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION=REGION,
               AWS_DEFAULT_REGION=REGION, AWS_EC2_METADATA_DISABLED="true")
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        env.pop(k, None)
    me = [sys.executable, str(pathlib.Path(__file__).resolve()), "--child"]
    tmp = pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / f"python_bench.{os.getpid()}.keys"
    try:
        client = s3ml.Client(**_client_kwargs(serve.url))
        client.create_bucket(BUCKET)
        rnd = [os.urandom(raw_size) for _ in range(16)]
        t0 = time.monotonic()
        if args.only != "dataloader":
            upload(client, "raw", [(f"raw/obj-{i:06d}", rnd[i % 16]) for i in range(raw_count)])
            out(f"uploaded raw/: {raw_count} x 64 KiB in {time.monotonic() - t0:.1f} s")
        if args.only != "reader":
            t0 = time.monotonic()
            dl_keys = upload(client, "dl", [(f"dl/obj-{i:06d}", rnd[i % 16]) for i in range(dl_count)])
            out(f"uploaded dl/: {dl_count} x 64 KiB in {time.monotonic() - t0:.1f} s")
            tmp.write_text("\n".join(dl_keys))
        raw_uri = f"s3://{BUCKET}/raw/"
        dl_uri = f"s3://{BUCKET}/dl/"
        tar_uri = f"s3://{BUCKET}/tar/"
        if args.only != "dataloader":
            trnd = [os.urandom(tar_sample - 512) for _ in range(4)]  # member + its 512 B header = 256 KiB
            t0 = time.monotonic()
            upload(client, "tar", [(f"tar/shard-{s:04d}.tar", make_tar(s, tar_per_shard, trnd))
                                   for s in range(tar_count)], threads=4)
            out(f"uploaded tar: {tar_count} shards x {tar_per_shard} samples (~8 MiB) in {time.monotonic() - t0:.1f} s")

        def cpp_cmd(uri, fmt):
            return [binary, "bench", "read", uri, "--endpoint-url", serve.url, "--region", REGION,
                    "--fetch-threads", str(READER["fetch_threads"]), "--max-in-flight", str(READER["max_in_flight"]),
                    "--memory-budget", f"{READER['memory_budget'] >> 20}MiB",
                    "--part-size", f"{READER['part_size'] >> 20}MiB", "--format", fmt, "--json"]

        workloads = []
        if args.only != "dataloader":
            workloads += [
                ("reader-raw", raw_count, {"python reader": me + ["py-read", serve.url, raw_uri, "raw"],
                                           "C++ reader": cpp_cmd(raw_uri, "raw")}, 0.9, reader_runs),
                ("reader-tar", tar_count * tar_per_shard,
                 {"python reader": me + ["py-read", serve.url, tar_uri, "tar"],
                  "C++ reader": cpp_cmd(tar_uri, "tar")}, 0.9, reader_runs),
            ]
        if args.only != "reader":
            workloads += [
                ("dataloader-raw", dl_count, {"S3IterableDataset": me + ["dl-s3ml", serve.url, dl_uri],
                                              "boto3 get_object": me + ["dl-boto3", serve.url, dl_uri, str(tmp)]},
                 3.0, dl_runs),
            ]
        for name, expect, cmds, target, runs_n in workloads:
            runs = {c: [] for c in cmds}
            order = list(cmds)
            if name.startswith("reader"):
                # One discarded warm-up run each (server heap, page cache of the binaries).
                for c in order:
                    run_measured(cmds[c], env, serve, last_json)
            for i in range(runs_n):
                for c in order[i % len(order):] + order[:i % len(order)]:
                    rec = run_measured(cmds[c], env, serve, last_json)
                    if rec["samples"] != expect:
                        raise RuntimeError(f"[{name}] {c} delivered {rec['samples']} samples, expected {expect}")
                    runs[c].append(rec)
                    out(f"[{name}] run {i + 1} {c:18s}: {rec['samples_s']:9.0f} samples/s {rec['mb_s']:8.1f} MB/s "
                        f"{rec['seconds']:6.2f} s  cpu {rec['cpu']:5.2f} s (process {rec['process_cpu']:5.2f} s)  "
                        f"server cpu {rec['server_cpu']:5.2f} s  load {rec['loadavg_1m']:.1f}"
                        + (f"  consumer thread cpu {rec['thread_cpu'] * 1e6 / rec['samples']:.1f} us/sample"
                           if "thread_cpu" in rec else ""))
            a, b = order
            summary = compare(name, runs, a, b, target, out)
            results["workloads"][name] = {"samples": expect, "runs": runs, **summary}
    finally:
        code = serve.stop()
        tmp.unlink(missing_ok=True)
    results["total_seconds"] = time.monotonic() - start
    results["machine"]["loadavg_end"] = os.getloadavg()
    out(f"total {results['total_seconds']:.0f} s; s3ml serve exited {code}; load average {os.getloadavg()}")
    if args.json:
        results["log"] = log
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
