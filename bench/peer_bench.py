#!/usr/bin/env python3
"""Peer benchmark: s3ml against what ML users would pick instead, in one run against one `s3ml serve`.

Peers (install them with `bash bench/setup_peers.sh`; this script runs itself under
build/bench-venv/bin/python when that venv exists, since it holds the Python peers and matplotlib):
  s3ml              `s3ml bench read` (default reader options unless a workload says otherwise)
  curl              `curl --parallel --parallel-max N`, presigned URLs (signed before timing), to /dev/null
  s5cmd             its faster way for the object size: large objects, `s5cmd --numworkers N run FILE`
                    of `cat s3://...` lines, stdout to /dev/null (each cat: a HEAD, then one GET per
                    50 MiB part); small ones, `s5cmd --numworkers N cp 's3://bucket/prefix/*' DIR/`
                    into tmpfs (it lists the prefix itself, as s3ml does); `s5cmd cp` / `s5cmd ls`
  s3torchconnector  its MountpointS3Client (AWS CRT), N threads each iterating get_object()
  obstore           S3Store, N get_async() + bytes_async() at a time (asyncio on its Tokio runtime)
  boto3             N threads of get_object().read(); boto3-tm: s3transfer's TransferManager with
                    N threads, every object queued (read_bench.py's script); upload_file/download_file
  aws               `aws s3 ls --recursive` (listing only)
A peer that is not installed, or fails to run, is reported as "PEER MISSING: <name>: <reason>"
(and in the JSON under "missing_peers"); the other clients still run.

Workloads (--only, comma-separated; all by default):
  large         32 objects x 32 MiB, 16 in flight: MB/s, CPU s/GiB, peak RSS. Every client.
  churn         the same, with a "memory churn" step before every client run: a separate
                process allocates 1 GiB, writes one byte in every page, frees it and exits.
  instructions  `perf stat -e instructions` of one run per large-workload client: instructions
                per GiB (where the VM exposes the counter; else reported as not available).
  small         20,000 objects x 16 KiB, 16 in flight: objects/s, CPU ms per 1k objects, peak RSS.
                Every client but boto3-tm (~10x boto3's per-object cost: minutes per run).
  scaling       (a) the large objects at 4 / 16 / 64 in flight: s3ml (--fetch-threads N
                --max-in-flight N, --memory-budget max(256 MiB, N x 8 MiB part) so that N requests
                can be in flight), curl (--parallel-max N), s5cmd (--numworkers N);
                (b) 2,000 / 20,000 / 50,000 objects x 16 KiB (--small-levels; see FULL on why not
                100,000 by default): s3ml and curl reading (16 in flight)
                and listing the prefix: `s3ml ls --recursive`, `aws s3 ls --recursive`, `s5cmd ls`
                (each output's line count is checked). s5cmd, s3torchconnector, obstore and boto3
                read small objects in `small` only (s5cmd and boto3 would take minutes per round
                at 50,000 objects).
  transfer      a 1 GiB file (in a temporary directory under /tmp, on disk) downloaded and uploaded:
                `s3ml cp`, `s5cmd cp`, boto3's upload_file/download_file, each with its default
                settings, and curl (one GET / one presigned PUT: the single-stream baseline).
                `s3ml cp` fsyncs the downloaded file, the others do not; `sync` runs (untimed)
                after every run so that no client inherits another's dirty pages.

Method: every client run is its own process under /usr/bin/time (user+sys CPU, max RSS).
Throughput is bytes (or objects) / wall time of the process for s3ml, curl, s5cmd, aws and the
listers; for the Python clients (s3torchconnector, obstore, boto3, boto3-tm, boto3 transfers)
it is timed inside the process, from after the imports and client construction to the last
byte (interpreter start-up excluded; it still counts in their CPU and RSS). `s3ml bench read`
lists the prefix inside its timed run; the other readers are handed the keys. Rounds (--runs,
default 5): every client once per round, the order reversed on odd rounds; medians with the
min-max spread. Objects are seeded once per data set with `s3ml cp --recursive` (boto3 manages
only ~300 PUT/s here) before any timed run, and deleted when no workload needs them.

Output: per-run lines, then a Markdown table per workload (ratio to curl, or to `aws s3 ls`
for listings), PEER MISSING lines again, --json (every run) and --plot (PNG, matplotlib).

Usage: nice -n 10 python3 bench/peer_bench.py [--runs 5] [--only large,small,...] [--quick]
           [--json out.json] [--plot docs/img/peer_bench.png] [--s3ml build/tools/s3ml/s3ml]
           [--small-levels 2000,20000,50000]
--quick: tiny sizes and 1 round (smoke test of the harness, < 2 minutes). Not part of `make test`.
"""

import argparse
import dataclasses
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Optional

from _common import (BOTO3_SCRIPT, BUCKET, CONCURRENCY, REPO, TIME, Serve, boto3_client, client_env, curl_cmd,
                     delete_keys, listen_overflows, presigned_urls, timed, write_curl_config)

BENCH = pathlib.Path(__file__).resolve().parent
VENV_PYTHON = REPO / "build" / "bench-venv" / "bin" / "python"
S5CMD = REPO / "build" / "bench-tools" / "bin" / "s5cmd"
PEER_CLIENTS = BENCH / "peer_clients.py"
WORKLOADS = ("large", "churn", "instructions", "small", "scaling", "transfer")
PART_SIZE_MIB = 8  # `s3ml bench read`'s default --part-size
DEFAULT_BUDGET_MIB = 256  # and its default --memory-budget
# ext4 allows 65,000 links to one inode: seeding makes a new source file every LINKS_PER_FILE objects.
LINKS_PER_FILE = 50_000
SMALL_OBJECT_LIMIT = 1 << 20  # s5cmd reads objects under this size with `cp` into tmpfs (see s5cmd_read)
LARGE_CLIENTS = ["s3ml", "curl", "s5cmd", "s3torchconnector", "obstore", "boto3", "boto3-tm"]


@dataclasses.dataclass(frozen=True)
class Sizes:
    large_count: int
    large_mib: int
    small_count: int
    small_kib: int
    in_flight: tuple  # scaling (a)
    small_levels: tuple  # scaling (b)
    file_mib: int  # transfer
    churn_mib: int


# Scaling (b) stops at 50,000 objects, not 100,000: at 100,000 its rounds alone take ~4.5 min on an
# idle box and ~9 min on a shared one (aws s3 ls ~45 s, s3ml and curl ~25-30 s each per round), which
# would take the full run past ~35 min. `--small-levels 2000,20000,100000` puts it back.
FULL = Sizes(32, 32, 20_000, 16, (4, 16, 64), (2_000, 20_000, 50_000), 1024, 1024)
QUICK = Sizes(8, 4, 300, 16, (4, 16, 64), (100, 300, 1_000), 64, 256)


def wall_seconds(out, wall):
    """The default timing of a client: the wall time of its process."""
    return wall


@dataclasses.dataclass
class Client:
    """One contender of a workload: its command, how to check and time a run, what to do after it."""
    cmd: list
    # seconds(stdout, wall) -> the seconds to count; raises if the run delivered the wrong thing.
    seconds: Callable = wall_seconds
    stdout: int = subprocess.PIPE  # subprocess.DEVNULL for clients that write the objects to stdout
    cleanup: Optional[Callable] = None  # after every run, failed or not, untimed; must not raise
    baseline: str = "curl"  # the ratio column compares with this client of the same workload
    series: str = ""  # scaling: the line this point belongs to, and its x
    x: int = 0


@dataclasses.dataclass
class Dataset:
    prefix: str
    count: int
    size: int
    keys: list
    keys_file: pathlib.Path
    curl_cfg: pathlib.Path


def one_line(text, limit=400):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else "..." + text[-limit:]


def median_range(values):
    return statistics.median(values), min(values), max(values)


# ----------------------------------------------------------------------------- checks of a run


def inner_seconds(expected_bytes):
    """A Python client's own timing (its JSON line), after checking it read every byte."""
    def parse(out, wall):
        info = json.loads(out.strip().splitlines()[-1])
        if info["bytes"] != expected_bytes:
            raise RuntimeError(f"delivered {info['bytes']} bytes, expected {expected_bytes}")
        return info["seconds"]
    return parse


def s3ml_read_seconds(count, nbytes):
    """`s3ml bench read --json`: the process's wall time, after checking samples and bytes."""
    def parse(out, wall):
        info = json.loads(out.strip().splitlines()[-1])
        if info["samples"] != count or info["sample_bytes"] != nbytes:
            raise RuntimeError(f"read {info['samples']} samples / {info['sample_bytes']} bytes, "
                               f"expected {count} / {nbytes}")
        return wall
    return parse


def listed_seconds(count):
    """A listing: the process's wall time, after checking it printed one line per object."""
    def parse(out, wall):
        lines = len(out.splitlines())
        if lines != count:
            raise RuntimeError(f"listed {lines} objects, expected {count}")
        return wall
    return parse


# ----------------------------------------------------------------------------- peers


def find_peers():
    """name -> None when usable, else why not."""
    peers = {}
    for name, exe, hint in (("curl", "curl", "apt-get install curl"), ("aws", "aws", "pip install awscli")):
        peers[name] = None if shutil.which(exe) else f"{exe} not on PATH ({hint})"
    try:
        version = subprocess.run([str(S5CMD), "version"], capture_output=True, text=True, timeout=30)
        peers["s5cmd"] = None if version.returncode == 0 else one_line(version.stderr)
    except OSError as e:
        peers["s5cmd"] = f"{S5CMD}: {e.strerror} (run bench/setup_peers.sh)"
    for name, module in (("s3torchconnector", "s3torchconnectorclient"), ("obstore", "obstore")):
        try:
            __import__(module)
            peers[name] = None
        except ImportError as e:
            peers[name] = f"{e} in {sys.executable} (run bench/setup_peers.sh)"
    return peers


def perf_instructions_reason():
    """None if `perf stat -e instructions` counts here, else why not."""
    if not shutil.which("perf"):
        return "perf is not installed (apt-get install linux-perf)"
    with tempfile.NamedTemporaryFile("r") as out:
        r = subprocess.run(["perf", "stat", "-e", "instructions", "-x,", "-o", out.name, "--", "true"],
                           capture_output=True, text=True)
        text = out.read()
    if r.returncode != 0:
        return one_line(r.stderr or text)
    value = [line for line in text.splitlines() if ",instructions" in line]
    if not value or not value[0].split(",")[0].isdigit():
        return one_line(f"perf stat says {value[0].split(',')[0] if value else text!r} for instructions "
                        "(no hardware performance counters in this VM?)")
    return None


# ----------------------------------------------------------------------------- the harness


class PeerBench:
    """One `s3ml serve`, the data sets seeded on it, and the workloads run against it (their
    records in self.sections, the peers that could not run in self.missing)."""

    def __init__(self, args, sizes, runs, peers):
        self.args, self.sizes, self.runs, self.peers = args, sizes, runs, peers
        self.missing = [{"name": n, "reason": r, "workload": None} for n, r in peers.items() if r]
        self.tmp = tempfile.TemporaryDirectory(prefix="peer-bench-", dir="/tmp")
        self.shm = tempfile.TemporaryDirectory(prefix="peer-bench-", dir="/dev/shm")  # s5cmd's small objects
        self.serve = Serve(args.s3ml)
        self.url = self.serve.url
        self.s3 = boto3_client(self.url, pool=32)
        self.s3.create_bucket(Bucket=BUCKET)
        self.env = client_env()
        self.datasets = {}
        self.sections = {}
        boto3_script = pathlib.Path(self.tmp.name, "boto3_get.py")
        boto3_script.write_text(BOTO3_SCRIPT)
        self.boto3_script = str(boto3_script)

    def close(self):
        code = self.serve.stop()
        self.tmp.cleanup()
        self.shm.cleanup()
        return code

    def usable(self, name):
        return self.peers.get(name) is None

    def peer_missing(self, name, reason, workload=None):
        print(f"PEER MISSING: {name}: {reason}", flush=True)
        self.missing.append({"name": name, "reason": reason, "workload": workload})

    # --- data ---------------------------------------------------------------------------

    def dataset(self, prefix, count, size):
        """The objects prefix/obj-NNNNNN (count x size B, one random body), seeded on first use with
        `s3ml cp --recursive` of a directory of hard links, plus the files the clients read."""
        if prefix in self.datasets:
            return self.datasets[prefix]
        t0 = time.monotonic()
        src = pathlib.Path(self.tmp.name, prefix)
        src.mkdir()
        for i in range(count):
            path = src / f"obj-{i:06d}"
            if i % LINKS_PER_FILE == 0:
                first = path
                first.write_bytes(os.urandom(size))
            else:
                os.link(first, path)
        subprocess.run([self.args.s3ml, "--endpoint-url", self.url, "cp", "--recursive", "--no-progress",
                        "--concurrency", "64", str(src), f"s3://{BUCKET}/{prefix}/"],
                       env=self.env, check=True, stdout=subprocess.DEVNULL)
        shutil.rmtree(src)
        keys = [f"{prefix}/obj-{i:06d}" for i in range(count)]
        ds = Dataset(prefix, count, size, keys, pathlib.Path(self.tmp.name, f"{prefix}.keys"),
                     pathlib.Path(self.tmp.name, f"{prefix}.curl"))
        ds.keys_file.write_text("\n".join(keys))
        write_curl_config(self.url, keys, ds.curl_cfg)
        print(f"[seed] {prefix}: {count} x {size} B in {time.monotonic() - t0:.1f} s (presigned URLs included)",
              flush=True)
        self.datasets[prefix] = ds
        return ds

    def drop(self, ds):
        delete_keys(self.s3, ds.keys)
        del self.datasets[ds.prefix]

    # --- clients ------------------------------------------------------------------------

    def s3ml_read(self, ds, in_flight=None):
        cmd = [self.args.s3ml, "bench", "read", f"s3://{BUCKET}/{ds.prefix}/", "--endpoint-url", self.url, "--json"]
        if in_flight:  # scaling: N requests in flight, with the budget to hold their parts
            cmd += ["--fetch-threads", str(in_flight), "--max-in-flight", str(in_flight),
                    "--memory-budget", f"{max(DEFAULT_BUDGET_MIB, in_flight * PART_SIZE_MIB)}MiB"]
        return Client(cmd, seconds=s3ml_read_seconds(ds.count, ds.count * ds.size))

    def s5cmd_read(self, ds, workers):
        """s5cmd's faster way for the object size (measured here): large objects, `run` of `cat` lines
        into /dev/null (a HEAD and one GET each); small ones, `cp 's3://bucket/prefix/*' DIR/` into
        tmpfs (it lists, then one GET each: ~1.6x the objects/s of `cat`, whose HEAD doubles the requests)."""
        s5cmd = [str(S5CMD), "--endpoint-url", self.url, "--numworkers", str(workers)]
        if ds.size >= SMALL_OBJECT_LIMIT:
            commands = pathlib.Path(self.tmp.name, f"{ds.prefix}.s5cmd")
            commands.write_text("".join(f"cat s3://{BUCKET}/{k}\n" for k in ds.keys))
            return Client(s5cmd + ["run", str(commands)], stdout=subprocess.DEVNULL)
        sink = pathlib.Path(self.shm.name)

        def written(out, wall):
            files = sum(1 for _ in sink.iterdir())
            if files != ds.count:
                raise RuntimeError(f"wrote {files} files, expected {ds.count}")
            return wall

        def empty_sink():
            for f in sink.iterdir():
                f.unlink()

        return Client(s5cmd + ["cp", f"s3://{BUCKET}/{ds.prefix}/*", f"{sink}/"], seconds=written,
                      cleanup=empty_sink)

    def python_peer(self, mode, ds, threads):
        return Client([sys.executable, str(PEER_CLIENTS), mode, self.url, BUCKET, str(ds.keys_file), str(threads)],
                      seconds=inner_seconds(ds.count * ds.size))

    def boto3_read(self, ds, threads, mode="get"):
        return Client([sys.executable, self.boto3_script, self.url, BUCKET, str(ds.keys_file), str(threads), mode],
                      seconds=inner_seconds(ds.count * ds.size))

    def read_clients(self, ds, names):
        """The named readers of ds at CONCURRENCY in flight, less the peers that are not installed."""
        n = CONCURRENCY
        every = {
            "s3ml": self.s3ml_read(ds),
            "curl": Client(curl_cmd(ds.curl_cfg, n)),
            "s5cmd": self.s5cmd_read(ds, n),
            "s3torchconnector": self.python_peer("s3torch", ds, n),
            "obstore": self.python_peer("obstore", ds, n),
            "boto3": self.boto3_read(ds, n),
            "boto3-tm": self.boto3_read(ds, n, "transfer"),
        }
        return {name: every[name] for name in names if self.usable("boto3" if name == "boto3-tm" else name)}

    def list_clients(self, ds):
        prefix = f"s3://{BUCKET}/{ds.prefix}/"
        cmds = {
            "s3ml ls": [self.args.s3ml, "--endpoint-url", self.url, "ls", "--recursive", prefix],
            "aws s3 ls": ["aws", "--endpoint-url", self.url, "s3", "ls", "--recursive", prefix],
            "s5cmd ls": [str(S5CMD), "--endpoint-url", self.url, "ls", prefix + "*"],
        }
        peer_of = {"s3ml ls": "s3ml", "aws s3 ls": "aws", "s5cmd ls": "s5cmd"}
        return {name: Client(cmd, seconds=listed_seconds(ds.count), baseline="aws s3 ls")
                for name, cmd in cmds.items() if self.usable(peer_of[name])}

    # --- rounds -------------------------------------------------------------------------

    def measure(self, client, kind, count, nbytes):
        load = os.getloadavg()[0]
        server_cpu0, overflows0 = self.serve.cpu_seconds(), listen_overflows()
        out, wall, cpu, rss = timed(client.cmd, self.env, client.stdout)
        secs = client.seconds(out, wall)
        rec = {"seconds": secs, "wall": wall, "cpu": cpu, "rss_kib": rss,
               "server_cpu": self.serve.cpu_seconds() - server_cpu0,
               "listen_overflows": listen_overflows() - overflows0, "loadavg_1m": load}
        if kind == "bytes":
            rec.update(rate=nbytes / 1e6 / secs, cost=cpu / (nbytes / 2**30))  # MB/s, CPU s/GiB
        else:
            rec.update(rate=count / secs, cost=cpu * 1e6 / count)  # objects/s, CPU ms per 1k objects
        return rec

    def run_section(self, name, title, kind, count, nbytes, clients, before=None):
        """--runs interleaved rounds of clients; stores the section's record in self.sections.
        kind: "bytes" (MB/s, CPU s/GiB) or "objects" (objects/s, CPU ms per 1k objects)."""
        print(f"[{name}] {title}: {', '.join(clients)}", flush=True)
        runs, failed = {c: [] for c in clients}, {}
        order = list(clients)
        for i in range(self.runs):
            for c in order if i % 2 == 0 else order[::-1]:
                if c in failed:
                    continue
                if before:
                    before()
                try:
                    rec = self.measure(clients[c], kind, count, nbytes)
                # Whatever a client does wrong (exit status, wrong byte count, unparsable output,
                # time-out) is that client's failure: report it and go on with the others.
                except Exception as e:  # noqa: BLE001
                    failed[c] = one_line(e)
                    self.peer_missing(c, f"failed in workload {name}: {failed[c]}", name)
                    continue
                finally:
                    if clients[c].cleanup:
                        clients[c].cleanup()
                runs[c].append(rec)
                unit = "MB/s" if kind == "bytes" else "obj/s"
                print(f"[{name}] round {i + 1} {c:18s} {rec['rate']:9.1f} {unit}  {rec['seconds']:7.2f} s  "
                      f"cpu {rec['cpu']:6.2f} s  rss {rec['rss_kib'] / 1024:7.1f} MiB  "
                      f"server cpu {rec['server_cpu']:5.2f} s  load {rec['loadavg_1m']:.1f}", flush=True)
        section = {"title": title, "kind": kind, "count": count, "bytes": nbytes, "failed": failed, "clients": {}}
        for c, rs in runs.items():
            if not rs:
                continue
            rate, lo, hi = median_range([r["rate"] for r in rs])
            section["clients"][c] = {
                "baseline": clients[c].baseline, "series": clients[c].series, "x": clients[c].x, "runs": rs,
                "summary": {"rate": rate, "rate_min": lo, "rate_max": hi,
                            "cost": statistics.median(r["cost"] for r in rs),
                            "rss_mib": max(r["rss_kib"] for r in rs) / 1024,
                            "server_cpu": statistics.median(r["server_cpu"] for r in rs)}}
        self.sections[name] = section

    # --- workloads ----------------------------------------------------------------------

    def large_dataset(self):
        s = self.sizes
        return self.dataset("large", s.large_count, s.large_mib << 20)

    def large_title(self, ds, what):
        return f"{ds.count} x {ds.size >> 20} MiB, {CONCURRENCY} in flight, {what}"

    def run_large(self, churn):
        ds = self.large_dataset()
        clients = self.read_clients(ds, LARGE_CLIENTS)
        if not churn:
            self.run_section("large", self.large_title(ds, "quiet"), "bytes", ds.count, ds.count * ds.size, clients)
            return
        churn_cmd = [sys.executable, str(PEER_CLIENTS), "churn", str(self.sizes.churn_mib)]
        self.run_section("churn", self.large_title(ds, f"{self.sizes.churn_mib} MiB memory churn before every run"),
                         "bytes", ds.count, ds.count * ds.size, clients,
                         before=lambda: subprocess.run(churn_cmd, check=True))

    def run_instructions(self):
        """One run per large-workload client under `perf stat -e instructions` (outside the rounds; the
        Python clients' count includes their interpreter start-up)."""
        reason = perf_instructions_reason()
        if reason:
            print(f"perf stat: instructions not available: {reason}", flush=True)
            self.sections["instructions"] = {"available": False, "title": "perf stat -e instructions", "reason": reason}
            return
        ds = self.large_dataset()
        clients = self.read_clients(ds, LARGE_CLIENTS)
        per_gib = {}
        for name, client in clients.items():
            with tempfile.NamedTemporaryFile("r") as out:
                r = subprocess.run(["perf", "stat", "-e", "instructions", "-x,", "-o", out.name, "--", *client.cmd],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=self.env)
                counts = [line.split(",")[0] for line in out.read().splitlines() if ",instructions" in line]
            if r.returncode != 0 or not counts or not counts[0].isdigit():
                self.peer_missing(name, f"failed under perf stat: {one_line(r.stderr)}", "instructions")
                continue
            per_gib[name] = int(counts[0]) / (ds.count * ds.size / 2**30)
            print(f"[instructions] {name:18s} {per_gib[name] / 1e9:8.2f} G instructions/GiB", flush=True)
        self.sections["instructions"] = {"available": True, "title": self.large_title(ds, "one run each"),
                                         "per_gib": per_gib}

    def run_small(self):
        s = self.sizes
        ds = self.dataset(f"small-{s.small_count}", s.small_count, s.small_kib << 10)
        clients = self.read_clients(ds, ["s3ml", "curl", "s5cmd", "s3torchconnector", "obstore", "boto3"])
        self.run_section("small", f"{ds.count} x {s.small_kib} KiB, {CONCURRENCY} in flight", "objects", ds.count,
                         ds.count * ds.size, clients)

    def run_scaling_large(self):
        """Scaling (a): the large objects at each in-flight level, every level in the same interleaved rounds."""
        ds = self.large_dataset()
        clients = {}
        for n in self.sizes.in_flight:
            level = {"s3ml": self.s3ml_read(ds, n), "curl": Client(curl_cmd(ds.curl_cfg, n)),
                     "s5cmd": self.s5cmd_read(ds, n)}
            for name, client in level.items():
                if self.usable(name):
                    clients[f"{name} x{n}"] = dataclasses.replace(client, baseline=f"curl x{n}", series=name, x=n)
        self.run_section("scaling-large", f"{ds.count} x {ds.size >> 20} MiB at "
                         f"{' / '.join(map(str, self.sizes.in_flight))} in flight", "bytes", ds.count,
                         ds.count * ds.size, clients)

    def run_scaling_small(self):
        """Scaling (b): reading and listing each small-object level (the small workload's objects are reused)."""
        kib = self.sizes.small_kib
        for count in self.sizes.small_levels:
            ds = self.dataset(f"small-{count}", count, kib << 10)
            clients = {**self.read_clients(ds, ["s3ml", "curl"]), **self.list_clients(ds)}
            self.run_section(f"scaling-small-{count}", f"{count} x {kib} KiB: read at {CONCURRENCY} in flight, "
                             "and list", "objects", count, count * ds.size, clients)
            self.drop(ds)

    def drop_all(self):
        for ds in list(self.datasets.values()):
            self.drop(ds)

    def run_transfer(self):
        size = self.sizes.file_mib << 20
        work = pathlib.Path(self.tmp.name, "transfer")
        work.mkdir()
        src, out = work / "src.bin", work / "out.bin"
        with src.open("wb") as f:
            for _ in range(size >> 20):
                f.write(os.urandom(1 << 20))
        key = "file/big.bin"
        subprocess.run([self.args.s3ml, "--endpoint-url", self.url, "cp", "--no-progress", str(src),
                        f"s3://{BUCKET}/{key}"], env=self.env, check=True, stdout=subprocess.DEVNULL)

        def downloaded(timing):
            """Checks the downloaded file's size, then times the run with timing."""
            def parse(stdout, wall):
                got = out.stat().st_size if out.exists() else None
                if got != size:
                    raise RuntimeError(f"downloaded file has {got} bytes, expected {size}")
                return timing(stdout, wall)
            return parse

        def uploaded(up_key, timing):
            """Checks the uploaded object's size, then times the run with timing."""
            def parse(stdout, wall):
                got = self.s3.head_object(Bucket=BUCKET, Key=up_key)["ContentLength"]
                if got != size:
                    raise RuntimeError(f"uploaded object has {got} bytes, expected {size}")
                return timing(stdout, wall)
            return parse

        def remove_download():
            out.unlink(missing_ok=True)
            subprocess.run(["sync"], check=False)  # no client inherits the previous one's dirty pages

        s3ml = [self.args.s3ml, "--endpoint-url", self.url, "cp", "--no-progress"]
        s5cmd = [str(S5CMD), "--endpoint-url", self.url, "cp"]
        py = [sys.executable, str(PEER_CLIENTS)]
        uri = f"s3://{BUCKET}/{key}"
        up = {tool: f"file/up-{tool}" for tool in ("s3ml", "s5cmd", "boto3", "curl")}
        (get_url,), (put_url,) = presigned_urls(self.url, [key]), presigned_urls(self.url, [up["curl"]], "PUT")
        downloads = {
            "s3ml cp": Client(s3ml + [uri, str(out)], seconds=downloaded(wall_seconds)),
            "s5cmd cp": Client(s5cmd + [uri, str(out)], seconds=downloaded(wall_seconds)),
            "boto3 download_file": Client(py + ["boto3-download", self.url, BUCKET, key, str(out)],
                                          seconds=downloaded(inner_seconds(size))),
            "curl": Client(["curl", "--fail", "-s", "-o", str(out), get_url], seconds=downloaded(wall_seconds)),
        }
        uploads = {
            "s3ml cp": Client(s3ml + [str(src), f"s3://{BUCKET}/{up['s3ml']}"],
                              seconds=uploaded(up["s3ml"], wall_seconds)),
            "s5cmd cp": Client(s5cmd + [str(src), f"s3://{BUCKET}/{up['s5cmd']}"],
                               seconds=uploaded(up["s5cmd"], wall_seconds)),
            "boto3 upload_file": Client(py + ["boto3-upload", self.url, BUCKET, up["boto3"], str(src)],
                                        seconds=uploaded(up["boto3"], inner_seconds(size))),
            "curl": Client(["curl", "--fail", "-s", "-o", os.devnull, "-T", str(src), put_url],
                           seconds=uploaded(up["curl"], wall_seconds)),
        }
        for client in downloads.values():
            client.cleanup = remove_download
        for name, client in uploads.items():
            # Frees the mock's memory (a missing object is no error for DeleteObject).
            client.cleanup = lambda k=up[name.split()[0]]: self.s3.delete_object(Bucket=BUCKET, Key=k)
        downloads, uploads = ({n: c for n, c in clients.items() if self.usable(n.split()[0])}
                              for clients in (downloads, uploads))
        mib = size >> 20
        self.run_section("transfer-download", f"one {mib} MiB object to a file in /tmp (curl: one GET)", "bytes", 1,
                         size, downloads)
        self.run_section("transfer-upload", f"one {mib} MiB file from /tmp (curl: one presigned PUT)", "bytes", 1,
                         size, uploads)
        self.s3.delete_object(Bucket=BUCKET, Key=key)
        shutil.rmtree(work)


# ----------------------------------------------------------------------------- report


def markdown_tables(sections):
    lines = []
    for name, sec in sections.items():
        if name == "instructions":
            lines += [f"### instructions: {sec['title']}", ""]
            if not sec["available"]:
                lines += [f"perf stat: instructions not available: {sec['reason']}", ""]
                continue
            base = sec["per_gib"].get("curl")
            lines += ["| client | instructions per GiB | vs curl |", "|---|---:|---:|"]
            lines += [f"| {c} | {v / 1e9:.2f} G | {f'{v / base:.2f}x' if base else '-'} |"
                      for c, v in sec["per_gib"].items()]
            lines.append("")
            continue
        rate, cost = (("MB/s", "CPU s/GiB") if sec["kind"] == "bytes" else ("objects/s", "CPU ms / 1k objects"))
        lines += [f"### {name}: {sec['title']}", "",
                  f"| client | {rate} median [min-max] | {cost} | peak RSS MiB | ratio to |", "|---|---:|---:|---:|---:|"]
        for c, info in sec["clients"].items():
            m = info["summary"]
            base = sec["clients"].get(info["baseline"])
            ratio = f"{m['rate'] / base['summary']['rate']:.2f}x {info['baseline']}" if base else "-"
            lines.append(f"| {c} | {m['rate']:.1f} [{m['rate_min']:.1f}-{m['rate_max']:.1f}] | {m['cost']:.2f} | "
                         f"{m['rss_mib']:.1f} | {ratio} |")
        lines += [f"| {c} | FAILED: {why} | | | |" for c, why in sec["failed"].items()]
        lines.append("")
    return lines


def plot(sections, path):
    """Bar charts (large quiet/churn MB/s and CPU s/GiB, small objects/s, transfers) and scaling
    line charts, one PNG; panels whose workload did not run are left out."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def bar_chart(ax, groups, metric, title, ylabel, log=False):
        """groups: {label: section}; one bar per client and group, min-max whiskers for rates."""
        names = list(dict.fromkeys(c for sec in groups.values() for c in sec["clients"]))
        width = 0.8 / len(groups)
        for g, (label, sec) in enumerate(groups.items()):
            xs = [i + (g - (len(groups) - 1) / 2) * width for i, c in enumerate(names) if c in sec["clients"]]
            ms = [sec["clients"][c]["summary"] for c in names if c in sec["clients"]]
            ys = [m[metric] for m in ms]
            err = [[y - m["rate_min"] for y, m in zip(ys, ms)], [m["rate_max"] - y for y, m in zip(ys, ms)]]
            ax.bar(xs, ys, width, label=label, yerr=err if metric == "rate" else None, capsize=2)
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set(title=title, ylabel=ylabel)
        if log:
            ax.set_yscale("log")
        if len(groups) > 1:
            ax.legend(fontsize=8)

    def line_chart(ax, points, metric, title, xlabel, ylabel, base, log_y=False):
        """points: {series: [(x, summary)]}; log x axis of the given base."""
        for series, pts in points.items():
            pts.sort(key=lambda p: p[0])
            ax.plot([p[0] for p in pts], [p[1][metric] for p in pts], marker="o", label=series)
        ax.set_xscale("log", base=base)
        if log_y:
            ax.set_yscale("log")
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
        ax.legend(fontsize=8)

    panels = []
    large = {label: sections[n] for n, label in (("large", "quiet"), ("churn", "memory churn")) if n in sections}
    if large:
        panels.append(lambda ax: bar_chart(ax, large, "rate", "Large objects: throughput", "MB/s"))
        panels.append(lambda ax: bar_chart(ax, large, "cost", "Large objects: CPU per GiB", "CPU s/GiB"))
    if "small" in sections:
        panels.append(lambda ax: bar_chart(ax, {"": sections["small"]}, "rate", "Small objects: throughput",
                                           "objects/s (log)", log=True))
    if "scaling-large" in sections:
        in_flight = {}
        for info in sections["scaling-large"]["clients"].values():
            in_flight.setdefault(info["series"], []).append((info["x"], info["summary"]))
        for metric, title, ylabel in (("rate", "Scaling: throughput", "MB/s"), ("cost", "Scaling: CPU", "CPU s/GiB"),
                                      ("rss_mib", "Scaling: peak RSS", "MiB")):
            panels.append(lambda ax, m=metric, t=title, y=ylabel:
                          line_chart(ax, in_flight, m, t, "requests in flight", y, base=2))
    levels = {}
    for name, sec in sections.items():
        if name.startswith("scaling-small-"):
            for c, info in sec["clients"].items():
                levels.setdefault(c, []).append((sec["count"], info["summary"]))
    if levels:
        panels.append(lambda ax: line_chart(ax, levels, "rate", "Small objects: read and list",
                                            "objects under the prefix", "objects/s (log)", base=10, log_y=True))
    transfer = {label: sections[n] for n, label in (("transfer-download", "download"), ("transfer-upload", "upload"))
                if n in sections}
    if transfer:
        # Clients are named after the operation ("boto3 download_file"): one bar group per tool.
        tools = {label: {**sec, "clients": {c.split()[0]: v for c, v in sec["clients"].items()}}
                 for label, sec in transfer.items()}
        panels.append(lambda ax: bar_chart(ax, tools, "rate", "File transfer", "MB/s"))
    if not panels:
        return False
    cols = min(3, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.2 * rows), squeeze=False)
    for ax, draw in zip(axes.flat, panels):
        draw(ax)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    fig.suptitle("s3ml vs peers against one `s3ml serve` on loopback (medians; whiskers: min-max)")
    fig.tight_layout()
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)  # docs/img/ may not exist yet
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ----------------------------------------------------------------------------- main


def reexec_in_bench_venv():
    """Run under build/bench-venv's interpreter (the Python peers and matplotlib), when it exists."""
    if VENV_PYTHON.exists() and pathlib.Path(sys.prefix).resolve() != VENV_PYTHON.parents[1].resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(pathlib.Path(__file__).resolve()), *sys.argv[1:]])


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--s3ml", default=os.environ.get("S3ML_BIN", str(REPO / "build" / "tools" / "s3ml" / "s3ml")))
    ap.add_argument("--runs", type=int, help="rounds per workload (default 5; --quick: 1)")
    ap.add_argument("--only", help=f"comma-separated workloads out of {','.join(WORKLOADS)} (default: all)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes and 1 round: a smoke test of the harness")
    ap.add_argument("--json", help="write every run and summary to this file")
    ap.add_argument("--plot", help="write the charts to this PNG (e.g. docs/img/peer_bench.png)")
    ap.add_argument("--small-levels", help="comma-separated object counts of scaling (b) (default "
                    f"{','.join(map(str, FULL.small_levels))}; --quick: {','.join(map(str, QUICK.small_levels))})")
    args = ap.parse_args()
    args.only = args.only.split(",") if args.only else list(WORKLOADS)
    unknown = set(args.only) - set(WORKLOADS)
    if unknown:
        ap.error(f"unknown workload(s) {', '.join(sorted(unknown))}: choose from {', '.join(WORKLOADS)}")
    if args.runs is not None and args.runs < 1:
        ap.error("--runs must be >= 1")
    if args.small_levels:
        try:
            args.small_levels = tuple(int(n) for n in args.small_levels.split(","))
        except ValueError:
            ap.error(f"--small-levels takes object counts such as 2000,20000,100000, not {args.small_levels!r}")
    return args


def main():
    reexec_in_bench_venv()
    args = parse_args()
    if not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} is missing: apt-get install time (it is in the Makefile's DEB_PACKAGES)")
    if not os.access(args.s3ml, os.X_OK):
        sys.exit(f"no s3ml binary at {args.s3ml}: build the s3ml target, or pass --s3ml (or S3ML_BIN)")
    sizes = QUICK if args.quick else FULL
    if args.small_levels:
        sizes = dataclasses.replace(sizes, small_levels=args.small_levels)
    runs = args.runs or (1 if args.quick else 5)
    start = time.monotonic()
    print(f"python {sys.executable}; s3ml {args.s3ml}; {os.cpu_count()} CPUs; load average {os.getloadavg()}; "
          f"workloads {','.join(args.only)}; {runs} round(s); sizes {sizes}", flush=True)
    peers = find_peers()
    for name, reason in peers.items():
        print(f"PEER MISSING: {name}: {reason}" if reason else f"peer {name}: ok", flush=True)
    bench = PeerBench(args, sizes, runs, peers)
    print(f"s3ml serve at {bench.url}", flush=True)
    try:
        if "large" in args.only:
            bench.run_large(churn=False)
        if "churn" in args.only:
            bench.run_large(churn=True)
        if "instructions" in args.only:
            bench.run_instructions()
        if "scaling" in args.only:
            bench.run_scaling_large()
        bench.drop_all()
        if "small" in args.only:
            bench.run_small()
        if "scaling" in args.only:  # after small: its level of the same count reuses those objects
            bench.run_scaling_small()
        bench.drop_all()
        if "transfer" in args.only:
            bench.run_transfer()
    finally:
        code = bench.close()
    total = time.monotonic() - start
    print()
    print("\n".join(markdown_tables(bench.sections)))
    for m in bench.missing:
        print(f"PEER MISSING: {m['name']}: {m['reason']}")
    print(f"total {total:.0f} s; s3ml serve exited {code}; load average {os.getloadavg()}")
    results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": sys.version,
                           "loadavg_end": os.getloadavg()},
               "args": vars(args), "runs": runs, "sizes": dataclasses.asdict(sizes), "missing_peers": bench.missing,
               "workloads": bench.sections, "total_seconds": total}
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2))
    if args.plot:
        try:
            if plot(bench.sections, args.plot):
                print(f"plot: {args.plot}")
        except ImportError as e:
            print(f"PLOT NOT WRITTEN: matplotlib: {e} (run bench/setup_peers.sh)")


if __name__ == "__main__":
    main()
