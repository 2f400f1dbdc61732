"""A 2-process torch.distributed run (gloo over 127.0.0.1, spawned by the test with
torch.multiprocessing.spawn), each rank with 2 DataLoader workers, against an
s3ml.MockServer in this (the parent) process."""

import json
import os
import socket
import time

import pytest

from _binding_util import import_torch_or_skip

torch = import_torch_or_skip("the s3ml.torch distributed tests")
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

import s3ml

BUCKET = "ddp"
N_SHARDS = 12          # divisible by 2 ranks x 2 workers: "pad" (the DDP default) repeats nothing
SAMPLES_PER_SHARD = 5  # tar shards of 5 samples each -> 60 samples
TIMEOUT_S = 240


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tar(members):
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _rank_main(rank, world_size, port, client_kwargs, out_dir):
    """Runs in each spawned rank (module-level so spawn can import it)."""
    import s3ml.torch as st

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    try:
        def make():
            # rank/world_size come from torch.distributed (not passed).
            return st.S3IterableDataset(f"s3://{BUCKET}/shards/", format="tar", client_kwargs=client_kwargs,
                                        shuffle=True, seed=1234, shuffle_buffer=8)

        result = {"rank": rank}
        ds = make()
        assert (ds.rank, ds.world_size) == (rank, world_size)
        # Workers forked from the rank process (the usual Linux default).
        loader = st.DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="fork")
        for epoch in (0, 1):
            ds.set_epoch(epoch)
            keys = [k for batch in loader for k in batch["__key__"]]
            result[f"epoch{epoch}"] = keys
            # Every rank read the same number of samples (a collective must not hang).
            n = torch.tensor([len(keys)])
            dist.all_reduce(n)
            result[f"epoch{epoch}_total"] = int(n)

        # Mid-epoch resume in epoch 1: take 3 batches, save the state, start a fresh
        # dataset + loader (as after a restart) and finish the epoch. These workers are
        # spawned: the dataset (rank, epoch, shared counters, client) travels by pickle.
        ds = make()
        ds.set_epoch(1)
        it = iter(st.DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="spawn"))
        before = [k for _ in range(3) for k in next(it)["__key__"]]
        state = ds.state_dict()
        del it
        state = json.loads(json.dumps(state))  # a plain, serialisable state
        ds2 = make()
        ds2.load_state_dict(state)
        after = [k for batch in st.DataLoader(ds2, batch_size=4, num_workers=2, multiprocessing_context="spawn")
                 for k in batch["__key__"]]
        result["resume_before"] = before
        result["resume_after"] = after
        result["state"] = state
        dist.barrier()
        with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
            json.dump(result, f)
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def server():
    with s3ml.MockServer() as srv:
        c = srv.client()
        c.create_bucket(BUCKET)
        for s in range(N_SHARDS):
            members = [(f"s{s:02d}/x{k}.txt", f"{s}-{k}".encode()) for k in range(SAMPLES_PER_SHARD)]
            c.put_object(BUCKET, f"shards/shard-{s:03d}.tar", _tar(members))
        yield srv


def test_two_ranks_two_workers_cover_once_reshuffle_and_resume(server, tmp_path):
    world = 2
    ctx = mp.spawn(_rank_main, args=(world, _free_port(), server.client_kwargs(), str(tmp_path)),
                   nprocs=world, join=False)
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

    results = [json.load(open(tmp_path / f"rank{r}.json")) for r in range(world)]
    everything = {f"s{s:02d}/x{k}" for s in range(N_SHARDS) for k in range(SAMPLES_PER_SHARD)}
    for epoch in (0, 1):
        shares = [r[f"epoch{epoch}"] for r in results]
        assert all(len(s) == len(set(s)) for s in shares), f"epoch {epoch}: a rank saw a sample twice"
        assert not set(shares[0]) & set(shares[1]), f"epoch {epoch}: the ranks' shares overlap"
        assert set(shares[0]) | set(shares[1]) == everything, f"epoch {epoch}: samples missing"
        assert results[0][f"epoch{epoch}_total"] == len(everything)
    # set_epoch reshuffles: a different order (and assignment), the same set.
    order0 = results[0]["epoch0"] + results[1]["epoch0"]
    order1 = results[0]["epoch1"] + results[1]["epoch1"]
    assert order0 != order1
    assert sorted(order0) == sorted(order1)
    # Resume mid-epoch: per rank, nothing lost or repeated, same share as the uninterrupted epoch.
    for r in results:
        both = r["resume_before"] + r["resume_after"]
        assert len(r["resume_before"]) == 12
        assert len(both) == len(set(both)), f"rank {r['rank']}: repeated {set(r['resume_before']) & set(r['resume_after'])}"
        assert sorted(both) == sorted(r["epoch1"]), f"rank {r['rank']}: resumed epoch differs from the full epoch"
        assert r["state"]["rank"] == r["rank"] and r["state"]["world_size"] == 2
        assert r["state"]["num_workers"] == 2 and sum(r["state"]["consumed"]) == 12
    resumed = [k for r in results for k in r["resume_before"] + r["resume_after"]]
    assert sorted(resumed) == sorted(everything)
