"""s3ml.torch.dcp: torch.distributed.checkpoint save/load on S3 (a 2-rank gloo run with a
sharded state dict, atomic commit, pinned reads, coalesced ranged reads)."""

import os
import subprocess
import sys
import textwrap
import time

import pytest

from _binding_util import import_torch_or_skip, unique_bucket

torch = import_torch_or_skip("the s3ml.torch.dcp tests")
try:
    import torch.distributed.checkpoint as dcp
    HAVE_DCP = callable(getattr(dcp, "save", None))
except ImportError:
    HAVE_DCP = False
if not HAVE_DCP:
    pytest.skip(f"torch {torch.__version__} has no torch.distributed.checkpoint.save (torch >= 2.2): the DCP "
                "tests run in the torch 2.x venv of make test (build/venv-torch2)", allow_module_level=True)

import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

import s3ml  # noqa: E402
from s3ml.torch.dcp import S3StorageReader, S3StorageWriter  # noqa: E402

TIMEOUT_S = 240


@pytest.fixture(scope="module")
def server():
    with s3ml.MockServer() as srv:
        yield srv


@pytest.fixture()
def bucket(server):
    name = unique_bucket("dcp")
    server.client().create_bucket(name)
    return name


def _state(seed):
    g = torch.Generator().manual_seed(seed)
    return {
        "model": {"fc1.weight": torch.randn(32, 16, generator=g), "fc1.bias": torch.randn(32, generator=g),
                  "fc2.weight": torch.randn(4, 32, generator=g, dtype=torch.float64),
                  "emb": torch.randint(-2**62, 2**62, (10, 3), generator=g, dtype=torch.int64),
                  "half": torch.randn(7, generator=g).half(), "nan": torch.tensor([float("nan"), -0.0])},
        "step": seed, "name": f"run-{seed}",
    }


def _zeros_like(state):
    out = {"model": {k: torch.zeros_like(v) for k, v in state["model"].items()}, "step": -1, "name": ""}
    return out


def _failure(call):
    """The exception a dcp.save/dcp.load call raised, unwrapped from torch's
    CheckpointException (a BaseException holding each rank's exception)."""
    try:
        call()
    except BaseException as exc:  # noqa: B902 - CheckpointException is not an Exception
        failures = getattr(exc, "failures", None)
        if failures:
            return next(iter(failures.values()))[0]
        return exc
    pytest.fail("the call did not raise")


def _assert_bit_identical(a, b):
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        assert a[k].contiguous().view(torch.uint8).numpy().tobytes() == \
            b[k].contiguous().view(torch.uint8).numpy().tobytes(), k


def test_single_process_save_load_is_bit_identical_and_uses_the_filesystem_layout(server, bucket):
    c = server.client()
    state = _state(1)
    uri = f"s3://{bucket}/ckpt/step-1"
    dcp.save(state, storage_writer=S3StorageWriter(uri, client=c), no_dist=True)
    assert sorted(server.object_keys(bucket)) == ["ckpt/step-1/.metadata", "ckpt/step-1/__0_0.distcp"]
    back = _zeros_like(state)
    dcp.load(back, storage_reader=S3StorageReader(uri, client=c), no_dist=True)
    _assert_bit_identical(state["model"], back["model"])
    assert back["step"] == 1 and back["name"] == "run-1"
    # checkpoint_id given to dcp.save/dcp.load instead of the writer/reader.
    uri2 = f"s3://{bucket}/ckpt/step-2/"
    dcp.save(state, checkpoint_id=uri2, storage_writer=S3StorageWriter(client=c), no_dist=True)
    back = _zeros_like(state)
    dcp.load(back, checkpoint_id=uri2, storage_reader=S3StorageReader(client=c), no_dist=True)
    _assert_bit_identical(state["model"], back["model"])


def test_a_downloaded_checkpoint_loads_with_torchs_filesystem_reader(server, bucket, tmp_path):
    c = server.client()
    state = _state(2)
    dcp.save(state, storage_writer=S3StorageWriter(f"s3://{bucket}/c", client=c), no_dist=True)
    for key in server.object_keys(bucket):
        (tmp_path / key.split("/", 1)[1]).write_bytes(server.object_body(bucket, key))
    back = _zeros_like(state)
    dcp.load(back, storage_reader=dcp.FileSystemReader(str(tmp_path)), no_dist=True)
    _assert_bit_identical(state["model"], back["model"])


def test_reads_are_coalesced_and_large_ranges_split_into_parallel_parts(server, bucket):
    c = server.client()
    small = {f"t{i:03d}": torch.full((4,), float(i)) for i in range(200)}
    dcp.save(small, storage_writer=S3StorageWriter(f"s3://{bucket}/small", client=c), no_dist=True)
    back = {k: torch.zeros(4) for k in small}
    reader = S3StorageReader(f"s3://{bucket}/small", client=c)
    dcp.load(back, storage_reader=reader, no_dist=True)
    _assert_bit_identical(small, back)
    assert reader.requests == 1, "200 adjacent items of one object should be one ranged GET"
    # Without coalescing and with small parts: one GET per item, and a 1 MiB tensor in 64 KiB parts.
    reader = S3StorageReader(f"s3://{bucket}/small", client=c, coalesce_gap=0, part_size=64 * 1024)
    back = {k: torch.zeros(4) for k in small}
    dcp.load(back, storage_reader=reader, no_dist=True)
    _assert_bit_identical(small, back)
    big = {"w": torch.randn(256, 1024)}
    dcp.save(big, storage_writer=S3StorageWriter(f"s3://{bucket}/big", client=c), no_dist=True)
    reader = S3StorageReader(f"s3://{bucket}/big", client=c, part_size=64 * 1024, max_concurrency=4,
                             max_inflight_bytes=1)
    back = {"w": torch.zeros(256, 1024)}
    dcp.load(back, storage_reader=reader, no_dist=True)
    _assert_bit_identical(big, back)
    assert reader.requests >= 16


def test_saving_over_a_committed_checkpoint_is_refused_unless_overwrite(server, bucket):
    c = server.client()
    uri = f"s3://{bucket}/ckpt"
    dcp.save(_state(1), storage_writer=S3StorageWriter(uri, client=c), no_dist=True)
    before = {k: server.object_body(bucket, k) for k in server.object_keys(bucket)}
    err = _failure(lambda: dcp.save(_state(2), storage_writer=S3StorageWriter(uri, client=c), no_dist=True))
    assert isinstance(err, RuntimeError) and "already committed" in str(err), err
    assert {k: server.object_body(bucket, k) for k in server.object_keys(bucket)} == before, \
        "a refused save wrote data objects"
    dcp.save(_state(3), storage_writer=S3StorageWriter(uri, client=c, overwrite=True), no_dist=True)
    back = _zeros_like(_state(3))
    dcp.load(back, storage_reader=S3StorageReader(uri, client=c), no_dist=True)
    _assert_bit_identical(_state(3)["model"], back["model"])


class _RacingWriter(S3StorageWriter):
    """Another save commits at the same id while this one writes its data."""

    def write_data(self, plan, planner):
        self._client().put_object(self.bucket, self.prefix + ".metadata", b"the other save")
        return super().write_data(plan, planner)


def test_commit_is_conditional_so_a_concurrent_commit_is_never_replaced(server, bucket):
    c = server.client()
    uri = f"s3://{bucket}/race"
    err = _failure(lambda: dcp.save(_state(1), storage_writer=_RacingWriter(uri, client=c), no_dist=True))
    assert isinstance(err, RuntimeError) and "while this one was being saved" in str(err), err
    assert server.object_body(bucket, "race/.metadata") == b"the other save"


def test_data_replaced_after_the_commit_is_refused_not_mixed(server, bucket):
    c = server.client()
    uri = f"s3://{bucket}/pinned"
    dcp.save(_state(1), storage_writer=S3StorageWriter(uri, client=c), no_dist=True)
    # As if a later save with overwrite=True died after rewriting the data object.
    good = server.object_body(bucket, "pinned/__0_0.distcp")
    c.put_object(bucket, "pinned/__0_0.distcp", good[:-1] + bytes([good[-1] ^ 1]))
    err = _failure(lambda: dcp.load(_zeros_like(_state(1)), storage_reader=S3StorageReader(uri, client=c),
                                    no_dist=True))
    assert isinstance(err, s3ml.PreconditionFailed), err


def test_versioned_bucket_keeps_each_committed_checkpoint_loadable(server):
    c = server.client()
    bucket = unique_bucket("dcpv")
    c.create_bucket(bucket)
    c.put_bucket_versioning(bucket, True)
    uri = f"s3://{bucket}/ckpt"
    dcp.save(_state(1), storage_writer=S3StorageWriter(uri, client=c), no_dist=True)
    v1 = c.head_object(bucket, "ckpt/.metadata").version_id
    dcp.save(_state(2), storage_writer=S3StorageWriter(uri, client=c, overwrite=True), no_dist=True)
    latest = _zeros_like(_state(2))
    dcp.load(latest, storage_reader=S3StorageReader(uri, client=c), no_dist=True)
    _assert_bit_identical(_state(2)["model"], latest["model"])
    old = _zeros_like(_state(1))
    dcp.load(old, storage_reader=S3StorageReader(uri, client=c, version_id=v1), no_dist=True)
    _assert_bit_identical(_state(1)["model"], old["model"])
    assert old["step"] == 1


def test_no_checkpoint_and_bad_ids_fail_clearly(server, bucket):
    c = server.client()
    err = _failure(lambda: dcp.load({"x": torch.zeros(1)},
                                    storage_reader=S3StorageReader(f"s3://{bucket}/none", client=c), no_dist=True))
    # torch reports it as the failed metadata read (an AssertionError in torch 2.15) with our message.
    assert "no committed checkpoint" in str(err), err
    with pytest.raises(ValueError, match="checkpoint_id"):
        S3StorageWriter("/local/dir")
    with pytest.raises(ValueError, match="checkpoint_id"):
        S3StorageReader("s3://bucket-only")
    with pytest.raises(ValueError, match="max_concurrency"):
        S3StorageReader("s3://bkt/k", max_concurrency=0)
    assert S3StorageWriter.validate_checkpoint_id("s3://bkt/ckpt")
    assert not S3StorageReader.validate_checkpoint_id("/tmp/ckpt")


# ---- a save killed mid-way ---------------------------------------------------------------

_KILLED_SAVE = textwrap.dedent("""
    import sys, torch
    import torch.distributed.checkpoint as dcp
    from s3ml.torch.dcp import S3StorageWriter
    import s3ml
    uri, endpoint, access_key, secret_key = sys.argv[1:5]
    c = s3ml.Client(endpoint_url=endpoint, access_key=access_key, secret_key=secret_key, region="us-east-1",
                    addressing_style="path")
    state = {f"w{i}": torch.randn(1024, 1024) for i in range(6)}   # 24 MiB: several 5 MiB parts
    print("saving", flush=True)
    dcp.save(state, storage_writer=S3StorageWriter(uri, client=c, part_size=5 * 2**20), no_dist=True)
    print("saved", flush=True)
""")


def test_a_save_killed_mid_way_leaves_no_loadable_checkpoint(server, bucket, tmp_path):
    c = server.client()
    # Slow parts, so the kill lands while the data object is being uploaded.
    server.add_fault("latency", operation="UploadPart", latency_ms=400)
    script = tmp_path / "save.py"
    script.write_text(_KILLED_SAVE)
    uri = f"s3://{bucket}/killed"
    proc = subprocess.Popen([sys.executable, str(script), uri, server.endpoint_url, server.access_key,
                             server.secret_key], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not c.list_multipart_uploads(bucket, "killed/"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the save never started its upload"
            time.sleep(0.05)
        proc.kill()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        server.clear_faults()
    assert b"saved" not in proc.stdout.read()
    assert "killed/.metadata" not in server.object_keys(bucket)
    err = _failure(lambda: dcp.load({f"w{i}": torch.zeros(1024, 1024) for i in range(6)},
                                    storage_reader=S3StorageReader(uri, client=c), no_dist=True))
    # torch reports it as the failed metadata read (an AssertionError in torch 2.15) with our message.
    assert "no committed checkpoint" in str(err), err


# ---- two ranks (gloo over 127.0.0.1) --------------------------------------------------------

def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_main(rank, world_size, port, client_kwargs, uri, out_dir):
    from torch.distributed.tensor import Replicate, Shard, distribute_tensor, init_device_mesh

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    try:
        mesh = init_device_mesh("cpu", (world_size,))
        full = _state(7)["model"]
        # The model's parameters sharded row-wise across the ranks; a replicated vector.
        sharded = {k: distribute_tensor(v, mesh, [Shard(0)]) for k, v in full.items() if k != "nan"}
        sharded["nan"] = distribute_tensor(full["nan"], mesh, [Replicate()])
        dcp.save({"model": sharded, "step": 7}, storage_writer=S3StorageWriter(uri, client_kwargs=client_kwargs))
        target = {k: distribute_tensor(torch.zeros_like(v), mesh, [Shard(0)]) for k, v in full.items()
                  if k != "nan"}
        target["nan"] = distribute_tensor(torch.zeros(2), mesh, [Replicate()])
        state = {"model": target, "step": -1}
        dcp.load(state, storage_reader=S3StorageReader(uri, client_kwargs=client_kwargs))
        gathered = {k: v.full_tensor() for k, v in state["model"].items()}
        local = {k: v.to_local().clone() for k, v in state["model"].items()}
        torch.save({"full": gathered, "local": local, "step": state["step"]},
                   os.path.join(out_dir, f"rank{rank}.pt"))
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_two_ranks_save_and_load_a_sharded_state_dict_bit_identical(server, bucket, tmp_path):
    uri = f"s3://{bucket}/ddp/step-7"
    ctx = mp.spawn(_rank_main, args=(2, _free_port(), server.client_kwargs(), uri, str(tmp_path)),
                   nprocs=2, join=False)
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while not ctx.join(timeout=1):
            if time.monotonic() > deadline:
                pytest.fail(f"the distributed run did not finish within {TIMEOUT_S} s")
    finally:
        for p in ctx.processes:
            if p.is_alive():
                p.kill()
                p.join(5)
    full = _state(7)["model"]
    assert sorted(server.object_keys(bucket)) == ["ddp/step-7/.metadata", "ddp/step-7/__0_0.distcp",
                                                  "ddp/step-7/__1_0.distcp"]
    for rank in range(2):
        got = torch.load(tmp_path / f"rank{rank}.pt")
        assert got["step"] == 7
        _assert_bit_identical(full, got["full"])
        # Each rank restored its own shard (rows rank*n/2 ..).
        w = full["fc1.weight"]
        _assert_bit_identical({"w": w[rank * 16:(rank + 1) * 16]}, {"w": got["local"]["fc1.weight"]})
    # Each rank's object holds only its shard: the 2-rank checkpoint loads whole into one process.
    back = _zeros_like(_state(7))
    del back["name"]
    dcp.load(back, storage_reader=S3StorageReader(uri, client=server.client()), no_dist=True)
    back["model"].pop("nan"), full.pop("nan")
    _assert_bit_identical(full, back["model"])
    assert back["step"] == 7
