"""s3ml.torch.S3IterableDataset with DataLoader workers: coverage, reshuffling, resume."""

import collections
import io
import pickle
import tarfile

import pytest

from _binding_util import import_torch_or_skip

torch = import_torch_or_skip("the s3ml.torch tests")
from torch.utils.data import DataLoader as TorchDataLoader  # noqa: E402

import s3ml
import s3ml.torch as st

BUCKET = "torchdata"
# Three workers on a two-core CI machine is intended here (uneven worker rotation).
pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create")


def _tar(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture(scope="module")
def server():
    with s3ml.MockServer() as srv:
        c = srv.client()
        c.create_bucket(BUCKET)
        # 23 raw objects, and 7 tar shards with uneven sample counts (3..9).
        for i in range(23):
            c.put_object(BUCKET, f"raw/obj-{i:03d}", f"object {i}".encode())
        for s in range(7):
            n = 3 + s
            members = []
            for k in range(n):
                members.append((f"s{s}/sample{k:02d}.txt", f"shard {s} sample {k}".encode()))
                members.append((f"s{s}/sample{k:02d}.cls", str((s + k) % 3).encode()))
            c.put_object(BUCKET, f"tar/shard-{s:02d}.tar", _tar(members))
        yield srv


RAW_KEYS = {f"raw/obj-{i:03d}" for i in range(23)}
TAR_KEYS = {f"s{s}/sample{k:02d}" for s in range(7) for k in range(3 + s)}


def _keys(batch):
    return list(batch["__key__"])


def _epoch_keys(loader):
    return [k for batch in loader for k in _keys(batch)]


def _ds(server, prefix="raw/", **kw):
    fmt = "tar" if prefix.startswith("tar") else "raw"
    return st.S3IterableDataset(f"s3://{BUCKET}/{prefix}", format=fmt, client_kwargs=server.client_kwargs(), **kw)


def test_dataloader_two_workers_every_sample_once_per_epoch(server):
    ds = _ds(server, shuffle=True, seed=3, shuffle_buffer=4)
    loader = TorchDataLoader(ds, batch_size=4, num_workers=2)
    for epoch in range(2):
        ds.set_epoch(epoch)
        keys = _epoch_keys(loader)
        counts = collections.Counter(keys)
        assert set(counts) == RAW_KEYS
        assert max(counts.values()) == 1, [k for k, v in counts.items() if v > 1]


def test_dataloader_two_workers_tar_shards_fields_and_transform(server):
    def transform(sample):
        return {"__key__": sample.key, "text": bytes(sample["txt"]).decode(), "label": int(bytes(sample["cls"]))}

    ds = _ds(server, prefix="tar/", transform=transform, shuffle=True, shuffle_buffer=8)
    loader = st.DataLoader(ds, batch_size=5, num_workers=2)
    seen = []
    for batch in loader:
        assert isinstance(batch["label"], torch.Tensor)
        for key, text, label in zip(batch["__key__"], batch["text"], batch["label"].tolist()):
            s, k = key.split("/sample")
            assert text == f"shard {s[1:]} sample {int(k)}"
            assert label == (int(s[1:]) + int(k)) % 3
            seen.append(key)
    assert sorted(seen) == sorted(TAR_KEYS)


def test_default_transform_gives_bytes_dict(server):
    ds = _ds(server)
    items = list(ds)
    assert len(items) == 23
    first = items[0]
    assert set(first) == {"__key__", "__shard__", "__index__", "data"}
    assert first["data"] == f"object {int(first['__key__'][-3:])}".encode()
    assert first["__shard__"] == f"s3://{BUCKET}/{first['__key__']}"


def test_tensors_true_hands_fields_over_as_shared_memory_tensors(server):
    # In DataLoader workers the fields are uint8 tensors in shared memory (passed by
    # file descriptor, not pickled); iterated directly they are plain tensors; the
    # bytes are the same either way, tar fields included.
    loader = TorchDataLoader(_ds(server, tensors=True), batch_size=None, num_workers=2)
    seen = {}
    for sample in loader:
        t = sample["data"]
        assert isinstance(t, torch.Tensor) and t.dtype == torch.uint8 and t.dim() == 1
        assert t.is_shared()
        seen[sample["__key__"]] = bytes(t.tolist())
    assert seen == {k: f"object {int(k[-3:])}".encode() for k in RAW_KEYS}

    direct = list(_ds(server, tensors=True))
    assert len(direct) == 23 and not direct[0]["data"].is_shared()
    assert bytes(direct[0]["data"].tolist()) == f"object {int(direct[0]['__key__'][-3:])}".encode()

    tar = {s["__key__"]: s for s in TorchDataLoader(_ds(server, prefix="tar/", tensors=True), batch_size=None,
                                                      num_workers=2)}
    assert set(tar) == TAR_KEYS
    s = tar["s3/sample02"]
    assert bytes(s["txt"].tolist()) == b"shard 3 sample 2" and bytes(s["cls"].tolist()) == b"2"

    with pytest.raises(s3ml.InvalidArgumentError, match="tensors"):
        _ds(server, tensors=True, transform=lambda x: x)


def test_set_epoch_reshuffles_deterministically(server):
    ds = _ds(server, prefix="tar/", shuffle=True, seed=11, shuffle_buffer=16)
    loader = TorchDataLoader(ds, batch_size=3, num_workers=2)
    ds.set_epoch(0)
    e0 = _epoch_keys(loader)
    ds.set_epoch(1)
    e1 = _epoch_keys(loader)
    ds.set_epoch(0)
    e0_again = _epoch_keys(loader)
    assert sorted(e0) == sorted(e1) == sorted(TAR_KEYS)
    assert e0 != e1, "set_epoch(1) must give another order"
    assert e0 == e0_again, "the order depends only on (seed, epoch)"


@pytest.mark.parametrize("num_workers,batch_size", [(2, 4), (2, None), (3, 2), (0, 3)])
def test_resume_mid_epoch_no_loss_no_repeat(server, num_workers, batch_size):
    def make():
        ds = _ds(server, prefix="tar/", shuffle=True, seed=5, shuffle_buffer=6)
        ds.set_epoch(2)
        return ds, st.DataLoader(ds, batch_size=batch_size, num_workers=num_workers)

    def keys_of(b):
        return _keys(b) if batch_size is not None else [b["__key__"]]

    ds, loader = make()
    full = [k for b in loader for k in keys_of(b)]
    assert sorted(full) == sorted(TAR_KEYS)
    n_batches = sum(1 for _ in loader)
    for cut in sorted({0, 1, n_batches // 3, n_batches // 2, n_batches - 1, n_batches}):
        ds, loader = make()
        it = iter(loader)
        got = [k for _ in range(cut) for k in keys_of(next(it))]
        state = ds.state_dict()
        assert loader.state_dict() == state
        del it
        # The state is plain data: it survives torch.save/pickle (it goes into checkpoints).
        state = pickle.loads(pickle.dumps(state))
        ds2 = _ds(server, prefix="tar/", shuffle=True, seed=5, shuffle_buffer=6)
        ds2.load_state_dict(state)
        assert ds2.epoch == 2
        rest = [k for b in st.DataLoader(ds2, batch_size=batch_size, num_workers=num_workers) for k in keys_of(b)]
        both = got + rest
        assert len(both) == len(set(both)), f"cut {cut}: repeated samples {sorted(set(got) & set(rest))}"
        assert set(both) == TAR_KEYS, f"cut {cut}: lost {sorted(TAR_KEYS - set(both))}"


def test_resume_twice_in_a_row(server):
    ds = _ds(server, shuffle=True, seed=1)
    it = iter(st.DataLoader(ds, batch_size=2, num_workers=2))
    a = [k for _ in range(3) for k in _keys(next(it))]
    s1 = ds.state_dict()
    del it
    ds2 = _ds(server, shuffle=True, seed=1)
    ds2.load_state_dict(s1)
    it = iter(st.DataLoader(ds2, batch_size=2, num_workers=2))
    b = [k for _ in range(4) for k in _keys(next(it))]
    s2 = ds2.state_dict()
    del it
    assert sum(s2["consumed"]) == len(a) + len(b)
    ds3 = _ds(server, shuffle=True, seed=1)
    ds3.load_state_dict(s2)
    c = _epoch_keys(st.DataLoader(ds3, batch_size=2, num_workers=2))
    assert sorted(a + b + c) == sorted(RAW_KEYS)


def test_direct_iteration_state_uses_reader_state(server):
    ds = _ds(server, prefix="tar/", shuffle=True, shuffle_buffer=5, seed=9)
    it = iter(ds)
    first = [next(it)["__key__"] for _ in range(10)]
    state = ds.state_dict()
    assert state["consumed"] == [10] and "reader_state" in state
    ds2 = _ds(server, prefix="tar/", shuffle=True, shuffle_buffer=5, seed=9)
    ds2.load_state_dict(state)
    rest = [s["__key__"] for s in ds2]
    assert sorted(first + rest) == sorted(TAR_KEYS)
    # The reference order continues exactly.
    ref = [s["__key__"] for s in _ds(server, prefix="tar/", shuffle=True, shuffle_buffer=5, seed=9)]
    assert first + rest == ref


def test_load_state_dict_rejects_other_configuration_and_garbage(server):
    ds = _ds(server, shuffle=True, seed=1)
    it = iter(st.DataLoader(ds, batch_size=2, num_workers=2))
    next(it)
    state = ds.state_dict()
    del it
    with pytest.raises(ValueError, match="seed"):
        _ds(server, shuffle=True, seed=2).load_state_dict(state)
    with pytest.raises(ValueError, match="version"):
        _ds(server).load_state_dict({"epoch": 0})
    other = _ds(server, shuffle=True, seed=1)
    other.load_state_dict(state)
    with pytest.raises(ValueError, match="num_workers=2"):
        list(st.DataLoader(other, batch_size=2, num_workers=3))
    with pytest.raises(ValueError, match="format"):
        st.S3IterableDataset(f"s3://{BUCKET}/raw/", format="parquet")
    with pytest.raises(ValueError, match="uneven"):
        st.S3IterableDataset(f"s3://{BUCKET}/raw/", uneven="sometimes")
    with pytest.raises(ValueError, match="rank"):
        st.S3IterableDataset(f"s3://{BUCKET}/raw/", rank=2, world_size=2)


def test_explicit_rank_world_shares_are_disjoint(server):
    shares = []
    for rank in range(3):
        ds = _ds(server, rank=rank, world_size=3, uneven="exact", shuffle=True)
        shares.append([k for k in _epoch_keys(TorchDataLoader(ds, batch_size=4, num_workers=2))])
    flat = [k for s in shares for k in s]
    assert len(flat) == len(set(flat)) and set(flat) == RAW_KEYS
    assert all(shares)
    # "pad" (the default with world_size > 1) gives every reader as many shards.
    padded = [_epoch_keys(TorchDataLoader(_ds(server, rank=r, world_size=3), batch_size=4, num_workers=2))
              for r in range(3)]
    assert len({len(p) for p in padded}) == 1
    assert set(k for p in padded for k in p) == RAW_KEYS


def test_construction_does_no_io_and_pickles(server):
    before = server.stats()["requests"]
    ds = _ds(server, prefix="tar/")
    ds2 = pickle.loads(pickle.dumps(ds))
    ds2.set_epoch(1)
    assert server.stats()["requests"] == before
    assert sorted(s["__key__"] for s in ds2) == sorted(TAR_KEYS)


def test_missing_prefix_error_reaches_the_consumer(server):
    ds = st.S3IterableDataset(f"s3://{BUCKET}/nothing-here/", client_kwargs=server.client_kwargs())
    with pytest.raises(Exception, match="nothing-here"):
        list(TorchDataLoader(ds, batch_size=2, num_workers=2))


def test_persistent_workers_follow_set_epoch(server):
    ds = _ds(server, prefix="tar/", shuffle=True, seed=4, shuffle_buffer=8)
    loader = st.DataLoader(ds, batch_size=4, num_workers=2, persistent_workers=True)
    orders = []
    for epoch in (0, 1, 0):
        ds.set_epoch(epoch)
        orders.append(_epoch_keys(loader))
    assert all(sorted(o) == sorted(TAR_KEYS) for o in orders)
    assert orders[0] != orders[1] and orders[0] == orders[2]
    # The same orders as fresh (non-persistent) workers.
    fresh = _ds(server, prefix="tar/", shuffle=True, seed=4, shuffle_buffer=8)
    fresh.set_epoch(1)
    assert _epoch_keys(st.DataLoader(fresh, batch_size=4, num_workers=2)) == orders[1]


def test_plain_torch_dataloader_resumes_from_a_state(server):
    ds = _ds(server, prefix="tar/", shuffle=True, seed=2)
    it = iter(st.DataLoader(ds, batch_size=3, num_workers=2))
    got = [k for _ in range(5) for k in _keys(next(it))]
    state = ds.state_dict()
    del it
    ds2 = _ds(server, prefix="tar/", shuffle=True, seed=2)
    ds2.load_state_dict(state)
    rest = _epoch_keys(TorchDataLoader(ds2, batch_size=3, num_workers=2))
    assert sorted(got + rest) == sorted(TAR_KEYS)


def test_drop_last_resume_delivers_no_sample_twice(server):
    def make():
        return _ds(server, prefix="tar/", shuffle=True, seed=8)

    full = _epoch_keys(st.DataLoader(make(), batch_size=4, num_workers=2, drop_last=True))
    assert len(full) == len(set(full)) and set(full) < TAR_KEYS  # partial batches were dropped
    for cut in (1, 3, 6):
        ds = make()
        it = iter(st.DataLoader(ds, batch_size=4, num_workers=2, drop_last=True))
        got = [k for _ in range(cut) for k in _keys(next(it))]
        state = ds.state_dict()
        del it
        ds2 = make()
        ds2.load_state_dict(state)
        rest = _epoch_keys(st.DataLoader(ds2, batch_size=4, num_workers=2, drop_last=True))
        assert not set(got) & set(rest), f"cut {cut}: repeated samples"
        assert set(got) <= set(full)


def test_client_object_used_before_fork_is_rebuilt_in_workers(server):
    client = server.client()
    assert bytes(client.get_object(BUCKET, "raw/obj-000").body) == b"object 0"  # connections open
    ds = st.S3IterableDataset(f"s3://{BUCKET}/raw/", client=client)
    keys = _epoch_keys(TorchDataLoader(ds, batch_size=5, num_workers=2))
    assert sorted(keys) == sorted(RAW_KEYS)
    assert bytes(client.get_object(BUCKET, "raw/obj-001").body) == b"object 1"  # still usable here
    # Client arguments can also be given directly.
    direct = st.S3IterableDataset(f"s3://{BUCKET}/raw/", **server.client_kwargs())
    assert sorted(s["__key__"] for s in direct) == sorted(RAW_KEYS)
    with pytest.raises(TypeError, match="either client"):
        st.S3IterableDataset(f"s3://{BUCKET}/raw/", client=client, endpoint_url=server.endpoint_url)


def test_state_after_a_full_epoch_and_set_epoch(server):
    ds = _ds(server, shuffle=True)
    loader = st.DataLoader(ds, batch_size=4, num_workers=2)
    ds.set_epoch(0)
    n = len(_epoch_keys(loader))
    end = ds.state_dict()
    assert end["epoch"] == 0 and sum(end["consumed"]) == n == 23
    ds.set_epoch(1)
    start = ds.state_dict()
    assert start["epoch"] == 1 and not any(start["consumed"])
    resumed = _ds(server, shuffle=True)
    resumed.load_state_dict(start)
    assert sorted(_epoch_keys(st.DataLoader(resumed, batch_size=4, num_workers=2))) == sorted(RAW_KEYS)


def test_a_resume_applies_to_one_iteration_only(server):
    ds = _ds(server, shuffle=True, seed=6)
    it = iter(st.DataLoader(ds, batch_size=2, num_workers=2))
    got = [k for _ in range(4) for k in _keys(next(it))]
    state = ds.state_dict()
    del it
    ds.load_state_dict(state)
    rest = _epoch_keys(st.DataLoader(ds, batch_size=2, num_workers=2))
    assert sorted(got + rest) == sorted(RAW_KEYS)
    # Iterating the same epoch again (tracked or not) reads all of it.
    assert sorted(_epoch_keys(st.DataLoader(ds, batch_size=2, num_workers=2))) == sorted(RAW_KEYS)
    assert sorted(_epoch_keys(TorchDataLoader(ds, batch_size=2, num_workers=2))) == sorted(RAW_KEYS)


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_state_dict_after_plain_dataloader_workers_raises_instead_of_restarting_the_epoch(server, context):
    # A torch DataLoader's workers iterate copies of the dataset in child processes:
    # the dataset here never sees what they delivered. Its state must not claim
    # "start of the epoch" (a resume would replay the samples already consumed).
    ds = _ds(server, shuffle=True, seed=4)
    it = iter(TorchDataLoader(ds, batch_size=3, num_workers=2, multiprocessing_context=context))
    got = [k for _ in range(3) for k in _keys(next(it))]
    assert len(set(got)) == 9
    with pytest.raises(RuntimeError, match=r"num_workers > 0.*s3ml\.torch\.DataLoader"):
        ds.state_dict()
    del it
    with pytest.raises(RuntimeError, match=r"s3ml\.torch\.DataLoader"):
        ds.state_dict()  # still unknown after the iteration ended
    ds.set_epoch(1)
    with pytest.raises(RuntimeError, match=r"s3ml\.torch\.DataLoader"):
        ds.state_dict()
    # s3ml.torch.DataLoader tracks the consumer: states are exact again.
    it = iter(st.DataLoader(ds, batch_size=3, num_workers=2))
    taken = [k for _ in range(2) for k in _keys(next(it))]
    state = ds.state_dict()
    assert state["epoch"] == 1 and sum(state["consumed"]) == len(taken) == 6
    del it


def test_state_dict_is_exact_after_plain_dataloader_without_workers_or_a_load(server):
    ds = _ds(server, shuffle=True, seed=4)
    it = iter(TorchDataLoader(ds, batch_size=3, num_workers=2))
    next(it)
    del it
    with pytest.raises(RuntimeError):
        ds.state_dict()
    # num_workers=0 iterates in this process: counted here.
    it = iter(TorchDataLoader(ds, batch_size=3, num_workers=0))
    next(it)
    next(it)
    assert ds.state_dict()["consumed"] == [6]
    del it
    # A loaded state is a known position too.
    it = iter(TorchDataLoader(ds, batch_size=3, num_workers=2))
    next(it)
    del it
    fresh = _ds(server, shuffle=True, seed=4).state_dict()
    ds.load_state_dict(fresh)
    assert ds.state_dict() == fresh
