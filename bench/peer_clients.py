#!/usr/bin/env python3
"""The Python peers of bench/peer_bench.py, one client per process (run by it under /usr/bin/time).

  peer_clients.py s3torch ENDPOINT BUCKET KEYS_FILE N   s3torchconnector's MountpointS3Client (AWS CRT):
                                                        N threads, each get_object() and iterate the stream
  peer_clients.py obstore ENDPOINT BUCKET KEYS_FILE N   obstore.store.S3Store: asyncio, N get_async()
                                                        + bytes_async() at a time on its Tokio runtime
  peer_clients.py boto3-download ENDPOINT BUCKET KEY PATH   boto3's transfer manager: download_file
  peer_clients.py boto3-upload ENDPOINT BUCKET KEY PATH     boto3's transfer manager: upload_file
  peer_clients.py churn MIB                             allocate MIB MiB, write one byte in every page,
                                                        free it, exit (not a client: the "memory churn" step)

Every client prints one JSON line {"bytes": N, "seconds": S}, S timed inside the process from
after the imports and the client's construction to the last byte (interpreter start-up
excluded; /usr/bin/time still counts it in CPU and RSS). Credentials come from AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY / AWS_REGION. Each mode imports only its own library, so the RSS of
one peer carries no other's imports. Not part of `make test`.
"""

import json
import os
import sys
import time


def read_keys(keys_file):
    with open(keys_file) as f:
        return f.read().split()


def s3torch(endpoint, bucket, keys_file, threads):
    import concurrent.futures

    from s3torchconnectorclient._mountpoint_s3_client import MountpointS3Client

    keys = read_keys(keys_file)
    client = MountpointS3Client(os.environ["AWS_REGION"], endpoint=endpoint, force_path_style=True)

    def get(key):
        return sum(len(chunk) for chunk in client.get_object(bucket, key))

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(get, keys))
    return total, time.monotonic() - t0


def obstore(endpoint, bucket, keys_file, concurrency):
    import asyncio

    import obstore as obs
    from obstore.store import S3Store

    keys = read_keys(keys_file)
    store = S3Store(bucket, endpoint=endpoint, region=os.environ["AWS_REGION"],
                    access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                    secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
                    client_options={"allow_http": True}, virtual_hosted_style_request=False)

    async def read_all():
        limit = asyncio.Semaphore(concurrency)

        async def get(key):
            async with limit:
                result = await obs.get_async(store, key)
                return len(await result.bytes_async())

        return sum(await asyncio.gather(*(get(k) for k in keys)))

    t0 = time.monotonic()
    total = asyncio.run(read_all())
    return total, time.monotonic() - t0


def boto3_transfer(direction, endpoint, bucket, key, path):
    import boto3
    from botocore.config import Config

    # boto3's defaults (TransferConfig: 8 MiB parts, 10 threads), as `s3.download_file` gives them.
    s3 = boto3.session.Session().client("s3", endpoint_url=endpoint,
                                        config=Config(s3={"addressing_style": "path"}))
    t0 = time.monotonic()
    if direction == "download":
        s3.download_file(bucket, key, path)
    else:
        s3.upload_file(path, bucket, key)
    return os.path.getsize(path), time.monotonic() - t0


def churn(mib):
    import resource

    size, page = mib << 20, os.sysconf("SC_PAGE_SIZE")
    buf = bytearray(size)  # CPython zero-fills it (that alone touches every page, today)
    buf[::page] = b"\x01" * len(range(0, size, page))  # a write per page: touched whatever the allocator does
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10
    if rss < size:
        sys.exit(f"churn: peak RSS {rss} B < {size} B: not every page was touched")
    del buf  # munmap'ed: the pages go back to the kernel before exit


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "churn":
        churn(int(args[0]))
        return
    if mode == "s3torch":
        total, secs = s3torch(args[0], args[1], args[2], int(args[3]))
    elif mode == "obstore":
        total, secs = obstore(args[0], args[1], args[2], int(args[3]))
    elif mode in ("boto3-download", "boto3-upload"):
        total, secs = boto3_transfer(mode.split("-")[1], *args)
    else:
        sys.exit(f"unknown mode {mode!r}")
    print(json.dumps({"bytes": total, "seconds": secs}))


if __name__ == "__main__":
    main()
