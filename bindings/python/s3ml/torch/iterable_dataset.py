"""``s3ml.torch.S3IterableDataset``: a streaming dataset that shards itself across
DataLoader workers and ``torch.distributed`` ranks, shuffles per epoch and resumes
exactly (the arithmetic is in :mod:`.resume`)."""

from __future__ import annotations

import os
import weakref
from typing import Any, Callable, Dict, Iterator, List, Optional

import torch
import torch.utils.data as _tud

from s3ml._args import bad_value, check_bool, check_callable, check_choice, check_int
from s3ml.client import DATASET_CLIENT_ARGS
from s3ml.dataset import Dataset, _check_dataset_options, _check_source

from .process_client import ProcessLocalClient
from .resume import check_state, consumed_per_worker, make_state, skip_counts, skip_samples
from .samples import sample_to_dict, sample_to_tensors

__all__ = ["S3IterableDataset"]

_UNEVEN = ("exact", "drop", "pad")
# s3ml.Dataset options S3IterableDataset sets itself (from its own arguments and the
# DataLoader worker / torch.distributed rank).
_MANAGED_OPTIONS = ("format", "rank", "world_size", "worker_id", "num_workers", "uneven", "seed", "shuffle",
                    "shuffle_buffer")

# Samples a DataLoader worker takes from its reader per call (see _iter_worker).
_WORKER_BATCH = 64

# Datasets without their "iterated by workers" flag yet (see S3IterableDataset._seen).
# The flag is shared memory that must exist before a worker process does: it is made
# right before any fork() of this process (DataLoader workers with the fork start
# method) and when the dataset is pickled (spawn/forkserver workers) -- never at
# construction, so a dataset that is never handed to a worker costs nothing.
_WANT_SEEN_FLAG: "weakref.WeakSet[S3IterableDataset]" = weakref.WeakSet()


def _make_seen_flags() -> None:
    for ds in list(_WANT_SEEN_FLAG):
        try:
            ds._seen_flag()
        except Exception:  # never fail a fork; state_dict() then cannot detect workers
            pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_make_seen_flags)


class S3IterableDataset(_tud.IterableDataset):
    """A streaming dataset of the samples of an S3 dataset, read by s3ml's C++
    reader (parallel prefetch, bounded memory) in every DataLoader worker.

    ``source``: ``"s3://bucket/prefix/"``, a brace pattern
    ``"s3://bucket/train-{0000..0099}.tar"``, a list of ``"s3://"`` URIs, or an
    ``s3ml.Manifest``. ``format``: ``"raw"`` (one object = one sample), ``"tar"``
    (WebDataset shards) or ``"jsonl"``.

    Sharding: the unit of assignment is a *shard* (an object). Reader
    ``rank * num_workers + worker_id`` of ``world_size * num_workers`` reads its
    share, where ``worker_id/num_workers`` come from
    ``torch.utils.data.get_worker_info()`` and ``rank/world_size`` from
    ``torch.distributed`` when it is initialized (or the ``rank``/``world_size``
    arguments). ``uneven`` says what to do when shards do not divide evenly among
    the readers: ``"exact"`` (every shard once; the default for one process),
    ``"pad"`` (repeat a few shards so every reader gets as many shards; the default
    when ``world_size > 1``, so ranks do not wait on each other at the end of an
    epoch), ``"drop"``.

    ``transform(sample)`` runs in the worker on each ``s3ml.Sample`` (zero-copy
    field buffers: ``sample.fields[name]`` or ``sample[name]``); it must return
    something the DataLoader can collate. Default: :func:`sample_to_dict`, or with
    ``tensors=True`` :func:`sample_to_tensors` (fields as uint8 tensors, in shared
    memory in DataLoader workers: no pickling of sample bytes between processes).

    Epochs: ``set_epoch(n)`` before each epoch reshuffles deterministically from
    ``(seed, n)`` (with ``shuffle=True`` shards are permuted; ``shuffle_buffer > 1``
    also mixes samples across shards).

    Resume: ``state_dict()`` is the position of the *consumer*: the epoch and, for
    each of the ``num_workers`` readers of this rank, how many of its samples the
    consumer has received. ``load_state_dict(state)`` makes the next iteration start
    exactly there (each worker skips the samples already consumed: no sample lost
    or repeated, also with shuffling). It is exact when the dataset is iterated
    directly, by a ``torch.utils.data.DataLoader`` with ``num_workers=0``, or by
    :class:`s3ml.torch.DataLoader` with any ``num_workers`` (which counts the
    batches its consumer took and maps them to workers with the DataLoader's
    round-robin order). After iteration by a ``torch.utils.data.DataLoader`` with
    ``num_workers > 0`` the workers' progress is invisible to this process, and
    ``state_dict()`` raises RuntimeError (never a wrong position) until the dataset
    is iterated directly or by :class:`s3ml.torch.DataLoader`, or a state is loaded.
    Take it between batches; restore it with the same source,
    options, ``num_workers`` and ``world_size``. In ``torch.distributed`` runs every
    rank saves and restores its own state.

    Other keyword arguments go to ``s3ml.Dataset`` (``fetch_threads``,
    ``max_in_flight``, ``memory_budget``, ``part_size``, ``cache_dir``, ...); the
    client is ``client`` or built in each process from ``client_kwargs`` or the
    ``s3ml.Client`` keyword arguments given directly (``endpoint_url``,
    ``region``, ``access_key``, ...).
    """

    def __init__(
        self,
        source: Any,
        *,
        format: str = "raw",
        transform: Optional[Callable[[Any], Any]] = None,
        tensors: bool = False,
        client: Any = None,
        client_kwargs: Optional[Dict[str, Any]] = None,
        shuffle: bool = False,
        seed: int = 0,
        shuffle_buffer: int = 0,
        uneven: Optional[str] = None,
        rank: Optional[int] = None,
        world_size: Optional[int] = None,
        **reader_options: Any,
    ):
        super().__init__()
        # Everything is checked here, in the process that builds the dataset: a bad
        # argument must not surface later as an error in a DataLoader worker.
        self.source = _check_source(source)
        self.format = check_choice("format", format, ("raw", "tar", "jsonl"))
        self.uneven = check_choice("uneven", uneven, _UNEVEN, optional=True)
        self.transform = check_callable("transform", transform)
        rank = check_int("rank", rank, min=0, max=2**31 - 1, optional=True)
        world_size = check_int("world_size", world_size, min=1, max=2**31 - 1, optional=True)
        if (rank is None) != (world_size is None):
            raise bad_value("rank" if rank is None else "world_size", "give rank and world_size both or neither")
        if world_size is not None and not rank < world_size:
            raise bad_value("rank", f"must be in [0, world_size), got {rank} of {world_size}")
        self.seed = check_int("seed", seed, min=0, max=2**64 - 1)
        self.shuffle_buffer = check_int("shuffle_buffer", shuffle_buffer, min=0, max=2**64 - 1)
        self.shuffle = check_bool("shuffle", shuffle)
        self.tensors = check_bool("tensors", tensors)
        if self.tensors and transform is not None:
            raise bad_value("tensors", "applies to the default transform; give tensors=True or a transform, not both")
        direct = {name: reader_options.pop(name) for name in DATASET_CLIENT_ARGS if name in reader_options}
        self._client = ProcessLocalClient.from_arguments(client, client_kwargs, direct)
        for name in _MANAGED_OPTIONS:
            if name in reader_options:
                raise TypeError(f"S3IterableDataset: {name} is not an argument here (it is set from the dataset's own "
                                "arguments, the DataLoader worker and the torch.distributed rank)")
        self.reader_options = _check_dataset_options(reader_options, owner="S3IterableDataset")
        self._explicit_rank = (rank, world_size) if rank is not None else None
        self._rank_world: Optional["tuple[int, int]"] = self._explicit_rank
        if self._rank_world is None:
            self._resolve_rank()
        self._epoch = 0
        # Resume: a loaded state waiting for the next iteration, and the one in use.
        self._pending: Optional[Dict[str, Any]] = None
        self._base: Optional[List[int]] = None
        self._base_epoch = 0
        # Direct (in-process) iteration counter.
        self._mode: Optional[str] = None
        self._direct_count = 0
        self._direct_reader = None
        # s3ml.torch.DataLoader tracking (main process) and the block shared with workers:
        # [epoch set last, epoch of the tracked iteration (-1: none running), totals[N]
        # (-1: still running), skip[N]].
        self._loader: Optional[Dict[str, Any]] = None
        self._shared: Optional[torch.Tensor] = None
        # [1 once a DataLoader worker iterated this dataset without s3ml.torch.DataLoader
        # tracking it]: written by workers, read by state_dict() here (shared memory).
        self._seen: Optional[torch.Tensor] = None
        _WANT_SEEN_FLAG.add(self)

    # -- configuration ------------------------------------------------------------

    def _resolve_rank(self) -> None:
        if self._explicit_rank is not None:
            self._rank_world = self._explicit_rank
            return
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            self._rank_world = (dist.get_rank(), dist.get_world_size())

    @property
    def rank(self) -> int:
        """This process's rank (from torch.distributed when initialized)."""
        if self._rank_world is None:
            self._resolve_rank()
        return (self._rank_world or (0, 1))[0]

    @property
    def world_size(self) -> int:
        """The number of ranks (from torch.distributed when initialized)."""
        if self._rank_world is None:
            self._resolve_rank()
        return (self._rank_world or (0, 1))[1]

    @property
    def epoch(self) -> int:
        return self._epoch

    def _effective_uneven(self, world_size: int) -> str:
        if self.uneven is not None:
            return self.uneven
        return "pad" if world_size > 1 else "exact"

    def _fingerprint(self) -> Dict[str, Any]:
        src = self.source
        if not isinstance(src, (str, list)):
            src = repr(src)
        return {
            "source": src,
            "format": self.format,
            "shuffle": self.shuffle,
            "seed": self.seed,
            "shuffle_buffer": self.shuffle_buffer,
            "uneven": self._effective_uneven(self.world_size),
        }

    def __getstate__(self):
        # Pickled for spawned workers: resolve rank/world here (the child has no
        # process group), and never ship a live reader.
        if self._rank_world is None:
            self._resolve_rank()
        self._seen_flag()  # shared with a spawned worker, so that state_dict() here sees it
        st = self.__dict__.copy()
        st["_direct_reader"] = None
        st["_loader"] = None
        return st

    def __setstate__(self, st):
        self.__dict__.update(st)
        if self.__dict__.get("_seen") is None:
            self._seen = None
            _WANT_SEEN_FLAG.add(self)

    def _seen_flag(self) -> torch.Tensor:
        if self._seen is None:
            self._seen = torch.zeros(1, dtype=torch.int64).share_memory_()
            _WANT_SEEN_FLAG.discard(self)
        return self._seen

    def _reset_seen(self) -> None:
        if self._seen is not None:
            self._seen[0] = 0

    def set_epoch(self, epoch: int) -> None:
        """Selects the epoch the next iteration reads (its shuffle order); the
        position becomes the start of that epoch. A loaded state for another epoch
        is dropped."""
        epoch = int(epoch)
        if epoch < 0:
            raise ValueError("epoch: must be >= 0")
        self._epoch = epoch
        if self._pending is not None and self._pending["epoch"] != epoch:
            self._pending = None
        if self._mode is not None and epoch != self._base_epoch:
            # A new epoch: the position is its start until it is iterated.
            self._mode, self._loader, self._base = None, None, None
        if self._shared is not None:
            self._shared[0] = epoch

    # -- iteration ----------------------------------------------------------------

    def _make_reader(self, worker_id: int, num_workers: int, epoch: int):
        rank, world = self.rank, self.world_size
        ds = Dataset(
            self.source,
            format=self.format,
            client=self._client.get(),
            rank=rank,
            world_size=world,
            worker_id=worker_id,
            num_workers=num_workers,
            uneven=self._effective_uneven(world),
            seed=self.seed,
            shuffle=self.shuffle,
            shuffle_buffer=self.shuffle_buffer,
            **self.reader_options,
        )
        return ds.reader(epoch=epoch)

    def __iter__(self) -> Iterator[Any]:
        info = _tud.get_worker_info()
        transform = self.transform or (sample_to_tensors if getattr(self, "tensors", False) else sample_to_dict)
        if info is None:
            return self._iter_direct(transform)
        return self._iter_worker(info.id, info.num_workers, transform)

    def _iter_direct(self, transform):
        if self._rank_world is None:
            self._resolve_rank()
        epoch = self._epoch
        skip = 0
        reader_state = None
        st, self._pending = self._pending, None
        if st is not None and st["epoch"] == epoch:
            skip = skip_counts(st, 1)[0]
            reader_state = st.get("reader_state")
        self._mode = "direct"
        self._reset_seen()
        self._base, self._base_epoch = [skip], epoch
        self._direct_count = 0
        reader = self._make_reader(0, 1, epoch)
        self._direct_reader = reader
        try:
            if reader_state is not None:
                reader.load_state_dict(reader_state)
            else:
                skip_samples(reader, skip)
            # One next() per sample (not next_batch): state_dict() records this
            # reader's own position, which must be right after the last sample yielded.
            for sample in reader:
                self._direct_count += 1
                yield transform(sample)
        finally:
            self._direct_reader = None
            reader.close()

    def _iter_worker(self, wid: int, nw: int, transform):
        shared = self._shared
        epoch = self._epoch
        skip = 0
        # shared[1] >= 0 while s3ml.torch.DataLoader runs a tracked iteration: it
        # then holds the epoch (also for persistent workers) and the skip counts.
        if shared is not None and shared.numel() == 2 + 2 * nw and int(shared[1]) >= 0:
            epoch = int(shared[1])
            skip = int(shared[2 + nw + wid])
        else:
            shared = None
            # Nothing in the main process counts what this worker delivers: tell its
            # state_dict() that it cannot know the position.
            if self._seen is not None:
                self._seen[0] = 1
            st = self._pending
            if st is not None and st["epoch"] == epoch:
                skip = skip_counts(st, nw)[wid]
        reader = self._make_reader(wid, nw, epoch)
        produced = 0
        try:
            skip_samples(reader, skip)
            # Samples are taken _WORKER_BATCH at a time (one GIL release and one call
            # per batch instead of per sample). Exact: a worker's position is counted
            # by the main process from the batches it received, never read from this
            # reader, and `produced` counts the samples yielded.
            next_batch = reader.next_batch
            while True:
                batch = next_batch(_WORKER_BATCH)
                if not batch:
                    break
                for sample in batch:
                    produced += 1
                    yield transform(sample)
            # Exhausted: record the total before the DataLoader learns of the end
            # (it only drops this worker from its rotation after that).
            if shared is not None:
                shared[2 + wid] = produced
        finally:
            reader.close()

    # -- DataLoader tracking (called by s3ml.torch.DataLoader in the main process) --

    def _loader_begin(self, num_workers: int, batch_size: Optional[int], drop_last: bool,
                      in_order: bool = True) -> None:
        if self._rank_world is None:
            self._resolve_rank()
        st, self._pending = self._pending, None
        n = max(1, num_workers)
        skip = [0] * n
        if st is not None and st["epoch"] == self._epoch:
            skip = skip_counts(st, n)
        self._base, self._base_epoch = skip, self._epoch
        self._reset_seen()
        if num_workers == 0:
            # Iterated in this process: the dataset counts by itself.
            self._loader = None
            self._pending = st if st is not None and st["epoch"] == self._epoch else None
            return
        if self._shared is None or self._shared.numel() != 2 + 2 * n:
            self._shared = torch.zeros(2 + 2 * n, dtype=torch.int64).share_memory_()
        self._shared[0] = self._epoch
        self._shared[2:2 + n] = -1
        self._shared[1] = self._epoch
        self._shared[2 + n:] = torch.tensor(skip, dtype=torch.int64)
        # torch >= 2.6 can deliver batches out of order (in_order=False): then the
        # consumed batches no longer identify the samples.
        self._mode = "loader" if in_order else "untracked"
        self._loader = {"n": n, "batch": batch_size or 1, "drop_last": bool(drop_last and batch_size),
                        "batches": 0}

    def _loader_end(self) -> None:
        if self._shared is not None:
            self._shared[1] = -1  # workers of other loaders use their own copy of the state

    def _loader_step(self) -> None:
        if self._loader is not None:
            self._loader["batches"] += 1

    # -- state ----------------------------------------------------------------------

    def state_dict(self) -> Dict[str, Any]:
        """The consumer's position (see the class docs). JSON-serializable.

        Errors: RuntimeError when the position is unknown here: the dataset was
        iterated in the worker processes of a ``torch.utils.data.DataLoader`` with
        ``num_workers > 0`` (only :class:`s3ml.torch.DataLoader` tells the dataset
        which batches its consumer took), or by one with ``in_order=False``."""
        if self._seen is not None and int(self._seen[0]) != 0:
            raise RuntimeError(
                "S3IterableDataset.state_dict: the dataset was iterated in DataLoader worker processes "
                "that this process cannot observe (a torch.utils.data.DataLoader with num_workers > 0), "
                "so the consumed position is unknown; iterate it with s3ml.torch.DataLoader (same "
                "arguments), which tracks the position exactly, or with num_workers=0")
        if self._mode is None:
            if self._pending is not None:
                return dict(self._pending)
            return self._state(self._epoch, [0], None)
        base = self._base or [0]
        if self._mode == "direct":
            consumed = [base[0] + self._direct_count]
            reader_state = None
            if self._direct_reader is not None:
                reader_state = self._direct_reader.state_dict()
            return self._state(self._base_epoch, consumed, reader_state)
        lo = self._loader
        if self._mode == "untracked" or lo is None:
            raise RuntimeError(
                "S3IterableDataset.state_dict: the DataLoader delivers batches out of order (in_order=False), "
                "so the consumed position is unknown; use in_order=True to take states")
        n = lo["n"]
        raw = self._shared[2:2 + n].tolist()
        totals = [None if t < 0 else int(t) for t in raw]
        taken = consumed_per_worker(lo["batches"], totals, lo["batch"], lo["drop_last"])
        consumed = [base[w] + taken[w] for w in range(n)]
        return self._state(self._base_epoch, consumed, None)

    def _state(self, epoch, consumed, reader_state) -> Dict[str, Any]:
        return make_state(epoch, self.rank, self.world_size, consumed, self._fingerprint(), reader_state)

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Makes the next iteration continue where `state` was taken (and selects
        its epoch). Errors: ValueError when the state is malformed or was taken
        with another configuration, rank or world size."""
        check_state(state, self.rank, self.world_size, self._fingerprint())
        self._pending = dict(state)
        self._mode = None
        self._reset_seen()
        self._epoch = int(state["epoch"])
        if self._shared is not None:
            self._shared[0] = self._epoch
