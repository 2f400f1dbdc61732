#!/usr/bin/env python3
"""DataLoader(num_workers=2) over large raw samples: S3IterableDataset with bytes fields
(the default) vs tensors=True (uint8 tensors in shared memory), against `s3ml serve`.

With bytes fields every sample is pickled through the worker's pipe; with tensors=True the
worker copies it once into shared memory and passes a file descriptor. Rounds alternate
the order; medians and every run are printed.

Usage: python3 bench/dataloader_bench.py [--s3ml build/tools/s3ml/s3ml] [--count 32] [--mib 32] [--runs 3]
Not part of `make test`.
"""

import argparse
import os
import pathlib
import statistics
import subprocess
import time

import torch  # noqa: F401  (s3ml.torch needs it)
from torch.utils.data import DataLoader

import s3ml
import s3ml.torch as st

REPO = pathlib.Path(__file__).resolve().parents[1]
KEYS = dict(region="us-east-1", access_key="AKIABENCHMOCK0000001", secret_key="bench/mock+secret=key")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--s3ml", default=os.environ.get("S3ML_BIN", str(REPO / "build/tools/s3ml/s3ml")))
    ap.add_argument("--count", type=int, default=32)
    ap.add_argument("--mib", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    serve = subprocess.Popen([a.s3ml, "serve", "--port", "0", "--access-key", KEYS["access_key"],
                              "--secret-key", KEYS["secret_key"]], stdout=subprocess.PIPE, text=True)
    try:
        endpoint = serve.stdout.readline().strip()
        kw = dict(endpoint_url=endpoint, **KEYS)
        client = s3ml.Client(**kw)
        client.create_bucket("dlbench")
        body = os.urandom(a.mib << 20)
        for i in range(a.count):
            client.put_object("dlbench", f"large/{i:04d}", body)

        def run(tensors):
            ds = st.S3IterableDataset("s3://dlbench/large/", client_kwargs=kw, tensors=tensors)
            t0, n = time.perf_counter(), 0
            for s in DataLoader(ds, batch_size=None, num_workers=2):
                n += len(s["data"])
            assert n == a.count * (a.mib << 20)
            return n / (time.perf_counter() - t0) / 2**20

        res = {False: [], True: []}
        for r in range(a.runs):
            for t in ((False, True) if r % 2 == 0 else (True, False)):
                res[t].append(run(t))
        print(f"DataLoader(num_workers=2, batch_size=None), {a.count} x {a.mib} MiB, {a.runs} rounds")
        for t, v in res.items():
            print(f"  {'tensors=True ' if t else 'bytes (default)'}: median {statistics.median(v):6.0f} MiB/s"
                  f"  runs {[round(x) for x in v]}")
    finally:
        serve.terminate()
        serve.wait(timeout=30)


if __name__ == "__main__":
    main()
