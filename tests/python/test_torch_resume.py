"""s3ml.torch resume arithmetic (s3ml/torch/resume.py), checked directly: the per-worker
sample counts a consumer has taken after k batches of a multi-worker DataLoader, against
a model of torch's round-robin delivery and against what a real torch DataLoader yields;
and that skipping those counts in every worker resumes with no sample lost or repeated,
for several num_workers / batch_size / drop_last / rank / world_size combinations.
No S3 and no mock server: the datasets here are plain lists of ints."""

from __future__ import annotations

import itertools

import pytest

from _binding_util import import_torch_or_skip

torch = import_torch_or_skip("the s3ml.torch resume arithmetic tests")
# Up to 4 DataLoader workers on a smaller machine: torch's advice is not the point here.
pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create:UserWarning")

from s3ml.torch.resume import (  # noqa: E402
    STATE_VERSION, check_state, consumed_per_worker, make_state, skip_counts, skip_samples)


def round_robin(totals, batch_size, drop_last):
    """The worker of each batch torch's DataLoader delivers, in order: workers take turns
    (0, 1, ..., N-1, 0, ...), and a worker with no batch left leaves the rotation."""
    left = [t // batch_size if drop_last else -(-t // batch_size) for t in totals]
    order = []
    while any(left):
        for w in range(len(totals)):
            if left[w]:
                order.append(w)
                left[w] -= 1
    return order


def counted(order, k, totals, batch_size):
    per_worker = [0] * len(totals)
    for w in order[:k]:
        per_worker[w] += batch_size
    return [min(c, t) for c, t in zip(per_worker, totals)]


def test_consumed_per_worker_hand_computed():
    # Two workers with 5 and 3 samples, batches of 2: w0 [0 1], w1 [0 1], w0 [2 3], w1 [2], w0 [4].
    assert [consumed_per_worker(k, [5, 3], 2, False) for k in range(6)] == [
        [0, 0], [2, 0], [2, 2], [4, 2], [4, 3], [5, 3]]
    # drop_last: w0 has 2 full batches, w1 one: w0, w1, w0.
    assert [consumed_per_worker(k, [5, 3], 2, True) for k in range(4)] == [[0, 0], [2, 0], [2, 2], [4, 2]]
    # Workers still running (total unknown) stay in the rotation.
    assert consumed_per_worker(7, [None, None, None], 4, False) == [12, 8, 8]
    # One finished early (1 batch): the others keep alternating after it left.
    assert consumed_per_worker(6, [3, None, None], 4, False) == [3, 12, 8]
    # batch_size=None in the DataLoader is one sample a batch.
    assert consumed_per_worker(5, [2, 10], 1, False) == [2, 3]


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("batch_size", [1, 2, 3, 5])
@pytest.mark.parametrize("totals", [[0], [7], [4, 4], [9, 2], [0, 5, 1], [6, 6, 5, 1], [13, 0, 8, 3, 3]])
def test_consumed_per_worker_matches_round_robin_delivery(totals, batch_size, drop_last):
    order = round_robin(totals, batch_size, drop_last)
    for k in range(len(order) + 1):
        want = counted(order, k, totals, batch_size)
        assert consumed_per_worker(k, totals, batch_size, drop_last) == want, (k, order)
        # A worker that has batches left after batch k has not reported its end yet: the
        # same answer with its total unknown.
        running = [None if w in order[k:] else t for w, t in enumerate(totals)]
        assert consumed_per_worker(k, running, batch_size, drop_last) == want, (k, running)
    with pytest.raises(RuntimeError, match="out of step"):
        consumed_per_worker(len(order) + 1, totals, batch_size, drop_last)


class ShareOfRange(torch.utils.data.IterableDataset):
    """Samples 0..n-1 shared like s3ml's readers: reader rank * W + worker of world_size * W
    (W = max(num_workers, 1)) takes every (world_size * W)-th one; worker w first skips skip[w]."""

    def __init__(self, n, rank, world_size, num_workers, skip=None):
        self.n, self.rank, self.world_size, self.workers = n, rank, world_size, max(num_workers, 1)
        self.skip = list(skip) if skip is not None else [0] * self.workers

    def share(self, worker):
        readers = self.world_size * self.workers
        return [i for i in range(self.n) if i % readers == self.rank * self.workers + worker]

    def worker_of(self, sample):
        return sample % (self.world_size * self.workers) - self.rank * self.workers

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker = 0 if info is None else info.id
        it = iter(self.share(worker))
        skip_samples(it, self.skip[worker])
        return it


def samples_of(batches):
    out = []
    for b in batches:
        out.extend(b.tolist() if isinstance(b, torch.Tensor) else [int(b)])
    return out


CASES = [  # n, num_workers, batch_size, drop_last, rank, world_size
    (23, 0, 4, False, 0, 1),
    (23, 1, 3, False, 0, 1),
    (23, 2, 3, False, 0, 1),
    (23, 2, 3, True, 0, 1),
    (30, 3, 2, False, 1, 2),
    (31, 3, 4, True, 1, 2),
    (40, 2, None, False, 2, 3),
    (17, 4, 2, False, 0, 2),
]


@pytest.mark.parametrize("n,num_workers,batch_size,drop_last,rank,world_size", CASES,
                         ids=[f"n{c[0]}-w{c[1]}-b{c[2]}-{'drop' if c[3] else 'keep'}-r{c[4]}of{c[5]}"
                              for c in CASES])
def test_resume_points_match_a_real_dataloader_and_resume_exactly(n, num_workers, batch_size, drop_last, rank,
                                                                  world_size):
    ds = ShareOfRange(n, rank, world_size, num_workers)
    workers = max(num_workers, 1)
    totals = [len(ds.share(w)) for w in range(workers)]
    loader_args = dict(batch_size=batch_size, drop_last=drop_last, num_workers=num_workers)
    everything = samples_of(torch.utils.data.DataLoader(ds, **loader_args))
    b = batch_size or 1
    nbatches = sum(t // b if drop_last else -(-t // b) for t in totals)
    # Every sample of this rank (with drop_last: but each worker's last partial batch).
    kept = [i for w in range(workers) for i in ds.share(w)[:totals[w] // b * b if drop_last else None]]
    assert sorted(everything) == sorted(kept)
    for k in sorted({0, 1, nbatches // 3, nbatches // 2 + 1, nbatches - 1, nbatches}):
        # Take k batches from a real DataLoader; the workers it came from are the resume point.
        taken = samples_of(itertools.islice(torch.utils.data.DataLoader(ds, **loader_args), k))
        per_worker = [0] * workers
        for s in taken:
            per_worker[ds.worker_of(s)] += 1
        consumed = consumed_per_worker(k, totals, b, bool(drop_last and batch_size))
        assert consumed == per_worker, f"after {k} of {nbatches} batches"
        # Each worker skipping its count resumes exactly where the consumer stopped.
        state = make_state(0, rank, world_size, consumed, {"n": n})
        check_state(state, rank, world_size, {"n": n})
        rest = samples_of(torch.utils.data.DataLoader(
            ShareOfRange(n, rank, world_size, num_workers, skip_counts(state, workers)), **loader_args))
        assert sorted(taken + rest) == sorted(kept), f"after {k} of {nbatches} batches"


def test_state_checks_and_skip_counts():
    st = make_state(3, 1, 2, [4, 0, 5], {"seed": 1}, reader_state=None)
    assert st == {"version": STATE_VERSION, "epoch": 3, "rank": 1, "world_size": 2, "num_workers": 3,
                  "consumed": [4, 0, 5], "config": {"seed": 1}}
    check_state(st, 1, 2, {"seed": 1})
    with pytest.raises(ValueError, match="rank 1 of 2"):
        check_state(st, 0, 2, {"seed": 1})
    with pytest.raises(ValueError, match="different seed"):
        check_state(st, 1, 2, {"seed": 2})
    with pytest.raises(ValueError, match="one count per worker"):
        check_state(dict(st, num_workers=2), 1, 2, {"seed": 1})
    with pytest.raises(ValueError, match="version"):
        check_state(dict(st, version=99), 1, 2, {"seed": 1})
    assert skip_counts(st, 3) == [4, 0, 5]
    with pytest.raises(ValueError, match="num_workers=3"):
        skip_counts(st, 2)
    # The start of an epoch fits any number of workers.
    assert skip_counts(make_state(0, 0, 1, [0, 0], {}), 5) == [0] * 5


class BatchedReader:
    def __init__(self, n):
        self.items, self.calls = list(range(n)), 0

    def next_batch(self, k):
        self.calls += 1
        got, self.items = self.items[:k], self.items[k:]
        return got


def test_skip_samples_uses_batches_and_stops_at_the_end():
    r = BatchedReader(3000)
    skip_samples(r, 2500)
    assert r.items[0] == 2500 and r.calls == 3  # 1024 + 1024 + 452
    skip_samples(r, 10_000)
    assert r.items == []
    it = iter(range(5))
    skip_samples(it, 3)
    assert list(it) == [3, 4]
