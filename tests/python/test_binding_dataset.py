"""s3ml.Dataset / Reader / Sample over WebDataset tar shards and raw objects."""

from __future__ import annotations

import io
import tarfile
import time

import numpy as np
import pytest

import s3ml
from _binding_util import mock, unique_bucket  # noqa: F401 (fixtures)

SHARDS = 7
PER_SHARD = 5


def make_tar(shard: int) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for j in range(PER_SHARD):
            key = f"s{shard:02d}_{j:02d}"
            for ext, data in (("cls", str(shard * 100 + j).encode()), ("bin", bytes([shard, j]) * 64)):
                info = tarfile.TarInfo(f"{key}.{ext}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture(scope="module")
def shards(mock):
    s3 = mock.client()
    bucket = unique_bucket("ds")
    s3.create_bucket(bucket)
    for i in range(SHARDS):
        s3.put_object(bucket, f"train/shard-{i:03d}.tar", make_tar(i))
    return bucket


ALL_KEYS = sorted(f"s{i:02d}_{j:02d}" for i in range(SHARDS) for j in range(PER_SHARD))


def test_dataset_tar_samples_have_zero_copy_fields(mock, shards):
    ds = s3ml.Dataset(f"s3://{shards}/train/", format="tar", client=mock.client())
    samples = list(ds)
    assert sorted(s.key for s in samples) == ALL_KEYS
    s = samples[0]
    assert s.shard.startswith(f"s3://{shards}/train/shard-") and s.keys() == ["cls", "bin"]
    assert int(bytes(s["cls"])) == int(s.key[1:3]) * 100 + int(s.key[4:6])
    assert "bin" in s and "jpg" not in s and s.get("jpg") is None
    with pytest.raises(KeyError):
        s["jpg"]
    fields = s.fields
    assert isinstance(fields["bin"], s3ml.Buffer) and len(fields["bin"]) == 128
    arr = np.frombuffer(fields["bin"], dtype=np.uint8)
    assert arr.ctypes.data == s["bin"].address  # a view into the shard: no copy
    assert s.fields is fields  # built once per sample, then cached
    assert [x.fields is x.fields for x in samples[:3]] == [True] * 3


def test_dataset_rank_worker_grid_covers_each_sample_once_per_epoch(mock, shards):
    client = mock.client()
    for epoch in (0, 1):
        seen = []
        shares = []
        for rank in range(2):
            for worker in range(2):
                ds = s3ml.Dataset(f"s3://{shards}/train/shard-{{000..006}}.tar", format="tar", client=client,
                                  rank=rank, world_size=2, worker_id=worker, num_workers=2, shuffle=True,
                                  seed=3)
                with ds.reader(epoch=epoch) as reader:
                    keys = [s.key for s in reader]
                shares.append(set(keys))
                seen += keys
        assert sorted(seen) == ALL_KEYS  # every sample exactly once
        assert all(a.isdisjoint(b) for i, a in enumerate(shares) for b in shares[i + 1:])


def test_dataset_state_dict_resumes_mid_epoch_without_loss_or_repeats(mock, shards):
    kwargs = dict(format="tar", client=mock.client(), shuffle=True, shuffle_buffer=8, seed=11)
    source = [f"s3://{shards}/train/shard-{i:03d}.tar" for i in range(SHARDS)]
    full = [s.key for s in s3ml.Dataset(source, **kwargs).reader(epoch=2)]
    reader = s3ml.Dataset(source, **kwargs).reader(epoch=2)
    head = [next(reader).key for _ in range(13)]
    state = reader.state_dict()
    assert isinstance(state["state"], str) and state["epoch"] == 2
    reader.close()
    resumed = s3ml.Dataset(source, **kwargs).reader()
    resumed.load_state_dict(state)
    tail = [s.key for s in resumed]
    assert head + tail == full
    metrics = resumed.metrics()
    assert metrics["samples_delivered"] == len(tail) and metrics["bytes_fetched"] > 0


def test_dataset_set_epoch_reshuffles_deterministically(mock, shards):
    ds = s3ml.Dataset(f"s3://{shards}/train/", format="tar", client=mock.client(), shuffle=True,
                      shuffle_buffer=16, seed=5)
    r = ds.reader()
    e0 = [s.key for s in r]
    r.set_epoch(1)
    e1 = [s.key for s in r]
    assert sorted(e0) == sorted(e1) == ALL_KEYS and e0 != e1
    ds.set_epoch(1)
    assert [s.key for s in ds] == e1


def test_dataset_raw_objects_map_style_and_batches(mock):
    s3 = mock.client()
    bucket = unique_bucket("raw")
    s3.create_bucket(bucket)
    for i in range(6):
        s3.put_object(bucket, f"img/{i}.bin", bytes([i]) * (i + 1))
    ds = s3ml.Dataset(f"img/", bucket=bucket, client=s3)
    assert len(ds) == 6 and ds.size() == 6
    s = ds[3]
    assert s.key == "img/3.bin" and s.keys() == [""] and bytes(s.data) == bytes([3]) * 4
    assert bytes(ds[-1].data) == bytes([5]) * 6
    with pytest.raises(IndexError):
        ds[6]
    reader = ds.reader()
    batch = reader.next_batch(4)
    assert [x.key for x in batch] == [f"img/{i}.bin" for i in range(4)]
    assert len(reader.next_batch(4)) == 2 and reader.next_batch(4) == []


def test_dataset_prefetch_ahead_bounds_read_ahead_within_the_budget(mock):
    s3 = mock.client()
    bucket = unique_bucket("ahead")
    s3.create_bucket(bucket)
    for i in range(30):
        s3.put_object(bucket, f"obj/{i:02d}", bytes([i]) * (40 << 10))
    common = dict(bucket=bucket, client=s3, fetch_threads=2, max_in_flight=2, part_size=64 << 10,
                  memory_budget=1 << 20)
    ahead_seen = {}
    for ahead in (0, 1 << 20):  # 0: 2 x 64 KiB, i.e. three 40 KiB objects; then the whole budget
        reader = s3ml.Dataset("obj/", prefetch_ahead=ahead, **common).reader()
        got, seen = [], []
        for s in reader:
            got.append(bytes(s.data))
            # A slow consumer: let the prefetcher settle (nothing in flight, reservation
            # unchanged) before the next sample, then note how far ahead it reserved.
            last = None
            for _ in range(500):
                m = reader.metrics()
                if m["requests_in_flight"] == 0 and m["budget_in_use"] == last:
                    break
                last = m["budget_in_use"]
                time.sleep(0.002)
            seen.append(reader.metrics()["budget_in_use"])
        assert got == [bytes([i]) * (40 << 10) for i in range(30)]
        # Samples 15..26: past what the start may reserve beyond the window (the
        # first sample is waited for), with at least three objects still to come.
        ahead_seen[ahead] = (max(seen[15:27]), max(seen))
        assert reader.metrics()["budget_high_water"] <= 1 << 20
    assert ahead_seen[0][0] == 3 * (40 << 10)  # the window: three objects ahead, never a fourth
    assert ahead_seen[1 << 20][1] >= 10 * (40 << 10)  # as deep as the budget allows
    with pytest.raises(ValueError, match="^prefetch_ahead: must be >= 0"):
        s3ml.Dataset("obj/", prefetch_ahead=-1, **common)


def test_dataset_arguments_are_validated_before_any_io(mock):
    c = mock.client()
    with pytest.raises(ValueError, match="format"):
        s3ml.Dataset("s3://b/p/", format="zip", client=c)
    with pytest.raises(ValueError, match="uneven"):
        s3ml.Dataset("s3://b/p/", uneven="sometimes", client=c)
    with pytest.raises(ValueError, match="rank"):
        s3ml.Dataset("s3://b/p/", rank=2, world_size=2, client=c)
    with pytest.raises(ValueError, match="source"):
        s3ml.Dataset("no-scheme/prefix", client=c)
    with pytest.raises(TypeError):
        s3ml.Dataset(42, client=c)
    with pytest.raises(TypeError, match="client"):
        s3ml.Dataset("s3://b/p/", client=c, region="us-east-1")


def test_dataset_manifest_source_and_failed_shards(mock, shards, tmp_path):
    manifest = tmp_path / "manifest.txt"
    manifest.write_text("# two shards\n" + "".join(f"s3://{shards}/train/shard-{i:03d}.tar\n" for i in (1, 4)))
    ds = s3ml.Dataset(s3ml.Manifest(manifest), format="tar", client=mock.client())
    assert sorted(s.key for s in ds) == sorted(k for k in ALL_KEYS if k[1:3] in ("01", "04"))
    missing = s3ml.Dataset([f"s3://{shards}/train/shard-000.tar", f"s3://{shards}/train/nope.tar"], format="tar",
                           client=mock.client(max_attempts=1))
    with pytest.raises(s3ml.NoSuchKey):
        list(missing)
    skipping = s3ml.Dataset([f"s3://{shards}/train/shard-000.tar", f"s3://{shards}/train/nope.tar"],
                            format="tar", client=mock.client(max_attempts=1), skip_failed=True)
    r = skipping.reader()
    assert len(list(r)) == PER_SHARD and r.metrics()["shards_skipped"] == 1
