"""PyTorch adapters for s3ml: datasets that shard themselves across DataLoader
workers and ``torch.distributed`` ranks, and checkpoints streamed to and from S3.

Import it explicitly (``import s3ml.torch``); ``import s3ml`` never imports torch.
Works with torch 1.13 and 2.x.

* :class:`S3IterableDataset` — streaming, sharded, shuffled, resumable.
* :class:`DataLoader` — a ``torch.utils.data.DataLoader`` that also tracks how many
  batches the consumer took, so ``state_dict()`` is exact with ``num_workers > 0``.
* :class:`S3MapDataset` — random access over objects, listing lazily.
* :func:`save` / :func:`load` — ``torch.save``/``torch.load`` streamed through a
  multipart upload / ranged GETs, versioning-aware.

Fork safety: constructing any of these does no I/O and starts no threads; every
process (DataLoader worker, spawned rank) builds its own client and reader on
first use.
"""

from __future__ import annotations

import inspect
import math
import os
import pickle
import warnings
import weakref
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Union

import torch
import torch.utils.data as _tud

import s3ml as _s3ml
from s3ml import _core
from s3ml._args import bad_value, check_bool, check_callable, check_choice, check_float, check_int, check_known
from s3ml.client import _check_client_args
from s3ml.dataset import _check_dataset_options, _check_source

__all__ = [
    "S3IterableDataset",
    "S3MapDataset",
    "DataLoader",
    "ObjectSample",
    "sample_to_dict",
    "sample_to_tensors",
    "save",
    "load",
]

_STATE_VERSION = 1
# Keyword arguments of s3ml.Client accepted directly by the datasets.
_CLIENT_ARGS = ("endpoint_url", "region", "profile", "access_key", "secret_key", "session_token",
                "max_attempts", "addressing_style", "max_connections", "verify")
_UNEVEN = ("exact", "drop", "pad")
# Every keyword argument of s3ml.Client (client_kwargs may hold any of them).
_ALL_CLIENT_ARGS = _CLIENT_ARGS + ("allow_sse_c_over_http", "request_checksum_calculation")
# s3ml.Dataset options S3IterableDataset sets itself (from its own arguments and the
# DataLoader worker / torch.distributed rank).
_MANAGED_OPTIONS = ("format", "rank", "world_size", "worker_id", "num_workers", "uneven", "seed", "shuffle",
                    "shuffle_buffer")


def _check_client_choice(client: Any, client_kwargs: Any) -> Dict[str, Any]:
    """Checks client= / client_kwargs= (TypeError / ValueError naming the argument)."""
    if client is not None and not isinstance(client, _core.Client):
        raise TypeError(f"client: expected an s3ml.Client, got {type(client).__name__}")
    if client_kwargs is None:
        return {}
    if not isinstance(client_kwargs, dict):
        raise TypeError(f"client_kwargs: expected a dict of s3ml.Client arguments, got {type(client_kwargs).__name__}")
    check_known("client_kwargs", client_kwargs, _ALL_CLIENT_ARGS)
    return dict(client_kwargs)


# --------------------------------------------------------------------------- helpers


def _field_name(name: str) -> str:
    return name if name else "data"


def sample_to_dict(sample: Any) -> Dict[str, Any]:
    """The default transform: a WebDataset-style dict ``{"__key__", "__shard__",
    "__index__", <field>: bytes, ...}``. The single field of a raw object (named
    ``""`` by the C++ reader) is called ``"data"``; tar members keep their extension
    (``"jpg"``, ``"cls"``); JSON Lines records are ``"json"``."""
    out: Dict[str, Any] = {
        "__key__": sample.key,
        "__shard__": getattr(sample, "shard", ""),
        "__index__": getattr(sample, "index", 0),
    }
    for name, buf in sample.fields.items():
        out[_field_name(name)] = bytes(buf)
    return out


def _field_tensor(buf: Any, shared: bool) -> torch.Tensor:
    t = torch.empty(len(memoryview(buf)), dtype=torch.uint8)
    if shared:
        t.share_memory_()
    if t.numel():
        # The shard buffer is read-only and is only read here (torch warns for any
        # read-only source).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            t.copy_(torch.frombuffer(buf, dtype=torch.uint8))
    return t


def sample_to_tensors(sample: Any) -> Dict[str, Any]:
    """As :func:`sample_to_dict`, with every field a 1-D ``torch.uint8`` tensor
    instead of ``bytes`` (``S3IterableDataset(tensors=True)``). In a DataLoader
    worker the tensors are allocated in shared memory, so the worker copies each
    field once and hands the training process a file descriptor instead of pickling
    the bytes through a pipe: large samples move at memory speed. Fields of
    different lengths cannot be stacked by the default ``collate_fn``: use
    ``batch_size=None`` or a ``collate_fn`` that keeps lists."""
    shared = _tud.get_worker_info() is not None
    out: Dict[str, Any] = {
        "__key__": sample.key,
        "__shard__": getattr(sample, "shard", ""),
        "__index__": getattr(sample, "index", 0),
    }
    for name, buf in sample.fields.items():
        out[_field_name(name)] = _field_tensor(buf, shared)
    return out


class _ProcessLocalClient:
    """Holds a client per process: a client inherited through fork() is never used
    (its connections belong to the parent); the child gets a fresh one rebuilt from
    the same configuration (s3ml.Client pickles by configuration)."""

    def __init__(self, client: Any, client_kwargs: Dict[str, Any]):
        self._template = client
        self._kwargs = dict(client_kwargs)
        self._owner_pid = os.getpid()
        self._client = None
        self._pid = None

    def get(self) -> Any:
        pid = os.getpid()
        if self._client is None or self._pid != pid:
            if self._template is None:
                self._client = _s3ml.Client(**self._kwargs)
            elif pid == self._owner_pid:
                self._client = self._template
            else:
                self._client = pickle.loads(pickle.dumps(self._template))
            self._pid = pid
        return self._client

    def __getstate__(self):
        return {"template": self._template, "kwargs": self._kwargs}

    def __setstate__(self, st):
        self._template = st["template"]
        self._kwargs = st["kwargs"]
        self._owner_pid = -1  # unpickled: never the process that built the template
        self._client = None
        self._pid = None


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


def _skips(state: Dict[str, Any], n: int) -> List[int]:
    """The per-worker skip counts of a loaded state for a run with n workers. A
    state at the very start of its epoch fits any number of workers."""
    consumed = [int(c) for c in state["consumed"]]
    if not any(consumed):
        return [0] * n
    if state["num_workers"] != n:
        raise ValueError(
            f"load_state_dict: the state was taken with num_workers={state['num_workers']}, "
            f"the DataLoader has {n} (resume with the same number of workers)")
    return consumed


def _skip(reader: Any, n: int) -> None:
    """Advances `reader` by n samples (fewer at the end of the epoch) without
    handing them to Python code: the C++ reader still fetches their shards."""
    batch = getattr(reader, "next_batch", None)
    while n > 0:
        if batch is not None:
            got = len(batch(min(n, 1024)))
            if got == 0:
                return
            n -= got
        else:
            if next(reader, None) is None:
                return
            n -= 1


def _split_s3_uri(uri: str, name: str = "uri") -> "tuple[str, str]":
    if not isinstance(uri, str):
        raise TypeError(f"{name}: expected an 's3://bucket/key' str, got {type(uri).__name__}")
    try:
        bucket, key = _core.parse_s3_uri(uri)
    except ValueError as e:
        raise bad_value(name, getattr(e, "message", "") or str(e)) from None
    return bucket, key


def _rr_consumed(batches: int, totals: Sequence[Optional[int]], batch_size: int, drop_last: bool) -> List[int]:
    """Samples the consumer took from each worker after `batches` batches of a
    multi-worker DataLoader over an IterableDataset.

    torch's DataLoader hands out batches in round-robin worker order (0, 1, ...,
    N-1, 0, ...); a worker whose iterator is exhausted leaves the rotation and the
    others keep their relative order. Worker w yields ceil(T_w / B) batches
    (floor with drop_last) where T_w is its sample count; `totals[w]` is T_w for a
    worker known to be exhausted and None for one still running (it is then still
    in the rotation: the DataLoader can only skip a worker after it reported its end,
    which happens after the worker recorded its total)."""
    n = len(totals)
    nb: List[float] = []
    for t in totals:
        if t is None:
            nb.append(math.inf)
        else:
            nb.append(t // batch_size if drop_last else -(-t // batch_size))
    taken = [0] * n
    remaining = batches
    done_rounds = 0
    while remaining > 0:
        active = [w for w in range(n) if nb[w] > done_rounds]
        if not active:
            raise RuntimeError(
                f"s3ml.torch: the consumer took {batches} batches but the workers produced fewer; "
                "state tracking is out of step with the DataLoader")
        # Full rounds that can run before the next worker drops out.
        horizon = min(nb[w] for w in active)
        full = min(remaining // len(active), horizon - done_rounds) if horizon != math.inf else remaining // len(active)
        full = int(full)
        if full > 0:
            for w in active:
                taken[w] += full
            remaining -= full * len(active)
            done_rounds += full
            continue
        for w in active:  # a partial round
            if remaining == 0:
                break
            taken[w] += 1
            remaining -= 1
        done_rounds += 1
    samples = []
    for w in range(n):
        s = taken[w] * batch_size
        if totals[w] is not None:
            s = min(s, totals[w])
        samples.append(s)
    return samples


# --------------------------------------------------------------------------- iterable


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
        source = _check_source(source)
        check_choice("format", format, ("raw", "tar", "jsonl"))
        check_choice("uneven", uneven, _UNEVEN, optional=True)
        check_callable("transform", transform)
        rank = check_int("rank", rank, min=0, max=2**31 - 1, optional=True)
        world_size = check_int("world_size", world_size, min=1, max=2**31 - 1, optional=True)
        if (rank is None) != (world_size is None):
            raise bad_value("rank" if rank is None else "world_size", "give rank and world_size both or neither")
        if world_size is not None and not rank < world_size:
            raise bad_value("rank", f"must be in [0, world_size), got {rank} of {world_size}")
        seed = check_int("seed", seed, min=0, max=2**64 - 1)
        shuffle_buffer = check_int("shuffle_buffer", shuffle_buffer, min=0, max=2**64 - 1)
        shuffle = check_bool("shuffle", shuffle)
        tensors = check_bool("tensors", tensors)
        if tensors and transform is not None:
            raise bad_value("tensors", "applies to the default transform; give tensors=True or a transform, not both")
        self.tensors = tensors
        self.source = source
        self.format = format
        self.transform = transform
        self.shuffle = shuffle
        self.seed = seed
        self.shuffle_buffer = shuffle_buffer
        self.uneven = uneven
        client_kwargs = _check_client_choice(client, client_kwargs)
        for name in _CLIENT_ARGS:
            if name in reader_options:
                client_kwargs[name] = reader_options.pop(name)
        if client is not None and client_kwargs:
            raise TypeError(f"pass either client= or client arguments, not both ({', '.join(client_kwargs)})")
        client_kwargs = _check_client_args(client_kwargs)
        for name in _MANAGED_OPTIONS:
            if name in reader_options:
                raise TypeError(f"S3IterableDataset: {name} is not an argument here (it is set from the dataset's own "
                                "arguments, the DataLoader worker and the torch.distributed rank)")
        self.reader_options = _check_dataset_options(reader_options, owner="S3IterableDataset")
        self._client = _ProcessLocalClient(client, client_kwargs)
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
        ds = _s3ml.Dataset(
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
            skip = _skips(st, 1)[0]
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
                _skip(reader, skip)
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
                skip = _skips(st, nw)[wid]
        reader = self._make_reader(wid, nw, epoch)
        produced = 0
        try:
            _skip(reader, skip)
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
            skip = _skips(st, n)
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
            n = 1
            consumed = [0]
            return self._state(self._epoch, n, consumed, None)
        base = self._base or [0]
        if self._mode == "direct":
            consumed = [base[0] + self._direct_count]
            reader_state = None
            if self._direct_reader is not None:
                reader_state = self._direct_reader.state_dict()
            return self._state(self._base_epoch, 1, consumed, reader_state)
        lo = self._loader
        if self._mode == "untracked" or lo is None:
            raise RuntimeError(
                "S3IterableDataset.state_dict: the DataLoader delivers batches out of order (in_order=False), "
                "so the consumed position is unknown; use in_order=True to take states")
        n = lo["n"]
        raw = self._shared[2:2 + n].tolist()
        totals = [None if t < 0 else int(t) for t in raw]
        taken = _rr_consumed(lo["batches"], totals, lo["batch"], lo["drop_last"])
        consumed = [base[w] + taken[w] for w in range(n)]
        return self._state(self._base_epoch, n, consumed, None)

    def _state(self, epoch, n, consumed, reader_state) -> Dict[str, Any]:
        st = {
            "version": _STATE_VERSION,
            "epoch": int(epoch),
            "rank": self.rank,
            "world_size": self.world_size,
            "num_workers": int(n),
            "consumed": [int(c) for c in consumed],
            "config": self._fingerprint(),
        }
        if reader_state is not None:
            st["reader_state"] = reader_state
        return st

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Makes the next iteration continue where `state` was taken (and selects
        its epoch). Errors: ValueError when the state is malformed or was taken
        with another configuration, rank or world size."""
        if not isinstance(state, dict) or state.get("version") != _STATE_VERSION:
            raise ValueError("load_state_dict: not an S3IterableDataset state (missing or unknown 'version')")
        for k in ("epoch", "num_workers", "consumed", "world_size", "rank", "config"):
            if k not in state:
                raise ValueError(f"load_state_dict: state has no {k!r}")
        if len(state["consumed"]) != state["num_workers"]:
            raise ValueError("load_state_dict: 'consumed' must have one count per worker")
        if state["world_size"] != self.world_size or state["rank"] != self.rank:
            raise ValueError(
                f"load_state_dict: the state is for rank {state['rank']} of {state['world_size']}, "
                f"this process is rank {self.rank} of {self.world_size}")
        mine = self._fingerprint()
        theirs = state["config"]
        diff = [k for k in mine if theirs.get(k) != mine[k]]
        if diff:
            raise ValueError(f"load_state_dict: the state was taken with different {', '.join(diff)}")
        self._pending = dict(state)
        self._mode = None
        self._reset_seen()
        self._epoch = int(state["epoch"])
        if self._shared is not None:
            self._shared[0] = self._epoch


class DataLoader(_tud.DataLoader):
    """``torch.utils.data.DataLoader`` that, over an :class:`S3IterableDataset`,
    counts the batches its consumer took so that ``dataset.state_dict()`` (or this
    loader's ``state_dict()``) is exact with ``num_workers > 0``. Same arguments as
    torch's DataLoader. ``persistent_workers=True`` is supported for epochs
    (``set_epoch`` reaches the workers through shared memory); restore a state
    before the first iteration.

    Errors: TypeError / ValueError naming the argument for a bad ``num_workers``,
    ``batch_size``, ``drop_last``, ``timeout``, ``prefetch_factor`` or
    ``persistent_workers``; torch checks the others."""

    def __init__(self, dataset: Any, *args: Any, **kwargs: Any) -> None:
        try:
            bound = inspect.signature(_tud.DataLoader.__init__).bind(self, dataset, *args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"DataLoader: {exc}") from None
        a = bound.arguments
        if "num_workers" in a:
            check_int("num_workers", a["num_workers"], min=0, max=2**31 - 1)
        if "batch_size" in a:
            check_int("batch_size", a["batch_size"], min=1, max=2**63 - 1, optional=True)
        if "drop_last" in a:
            check_bool("drop_last", a["drop_last"])
        if "timeout" in a:
            check_float("timeout", a["timeout"], min=0.0)
        if a.get("prefetch_factor") is not None:
            check_int("prefetch_factor", a["prefetch_factor"], min=1, max=2**31 - 1)
        if "persistent_workers" in a:
            check_bool("persistent_workers", a["persistent_workers"])
        super().__init__(dataset, *args, **kwargs)

    def __iter__(self):
        ds = self.dataset
        if not isinstance(ds, S3IterableDataset):
            yield from super().__iter__()
            return
        ds._loader_begin(self.num_workers, self.batch_size, self.drop_last,
                         in_order=getattr(self, "in_order", True))
        try:
            for batch in super().__iter__():
                ds._loader_step()
                yield batch
        finally:
            ds._loader_end()

    def state_dict(self) -> Dict[str, Any]:
        """The dataset's state (see S3IterableDataset.state_dict)."""
        if not isinstance(self.dataset, S3IterableDataset):
            raise TypeError("DataLoader.state_dict: the dataset is not an S3IterableDataset")
        return self.dataset.state_dict()

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        if not isinstance(self.dataset, S3IterableDataset):
            raise TypeError("DataLoader.load_state_dict: the dataset is not an S3IterableDataset")
        self.dataset.load_state_dict(state)


# --------------------------------------------------------------------------- map-style


class ObjectSample:
    """One object of an :class:`S3MapDataset`: ``.key``, ``.data`` (an
    ``s3ml.Buffer``: buffer protocol, ``bytes(...)``), ``.etag``, ``.version_id``,
    ``.fields`` (``{"data": data}``), ``sample["data"]``."""

    __slots__ = ("key", "bucket", "data", "etag", "version_id")

    def __init__(self, bucket: str, key: str, data: Any, etag: str = "", version_id: Optional[str] = None):
        self.bucket = bucket
        self.key = key
        self.data = data
        self.etag = etag
        self.version_id = version_id

    @property
    def fields(self) -> Dict[str, Any]:
        return {"data": self.data}

    def __getitem__(self, name: str) -> Any:
        if name != "data":
            raise KeyError(name)
        return self.data

    def __repr__(self) -> str:
        return f"ObjectSample(s3://{self.bucket}/{self.key}, {len(self.data)} bytes)"


def _default_object_transform(obj: ObjectSample) -> Dict[str, Any]:
    return {"__key__": obj.key, "data": bytes(obj.data)}


class S3MapDataset(_tud.Dataset):
    """Random access to the objects under ``"s3://bucket/prefix"`` (or a list of
    ``"s3://"`` URIs), one object per item, in listing order.

    Listing is lazy: construction does no I/O; ``ds[i]`` lists only as many
    ListObjectsV2 pages as needed to reach key ``i`` (1000 keys a page) and then
    GETs that object; ``len(ds)`` lists everything once. Listed keys are kept, so
    each page is requested once per process. DataLoader workers start from the
    keys listed before they were created and continue listing on their own.

    ``transform(obj)`` receives an :class:`ObjectSample`; default: a dict
    ``{"__key__": key, "data": bytes}``. The client is ``client``, or built in each
    process from ``client_kwargs`` / ``s3ml.Client`` keyword arguments.
    """

    def __init__(
        self,
        source: Union[str, Sequence[str]],
        *,
        transform: Optional[Callable[[ObjectSample], Any]] = None,
        client: Any = None,
        client_kwargs: Optional[Dict[str, Any]] = None,
        **client_args: Any,
    ):
        check_callable("transform", transform)
        check_known("S3MapDataset", client_args, _CLIENT_ARGS)
        client_kwargs = dict(_check_client_choice(client, client_kwargs), **client_args)
        if client is not None and client_kwargs:
            raise TypeError(f"pass either client= or client arguments, not both ({', '.join(client_kwargs)})")
        client_kwargs = _check_client_args(client_kwargs)
        self.transform = transform
        self._client = _ProcessLocalClient(client, client_kwargs)
        self._pages = None
        self._pages_pid = None
        if isinstance(source, str):
            self.bucket, self.prefix = _split_s3_uri(source, "source")
            self._keys: List["tuple[str, str]"] = []
            self._complete = False
        elif isinstance(source, (list, tuple)):
            keys = []
            for i, uri in enumerate(source):
                if not isinstance(uri, str):
                    raise TypeError(f"source[{i}]: expected an 's3://bucket/key' string")
                b, k = _split_s3_uri(uri, f"source[{i}]")
                if not k:
                    raise bad_value(f"source[{i}]", f"no key in {uri!r}")
                keys.append((b, k))
            self.bucket, self.prefix = None, None
            self._keys = keys
            self._complete = True
        else:
            raise TypeError("source: expected 's3://bucket/prefix' or a list of 's3://bucket/key' URIs")

    def __getstate__(self):
        st = self.__dict__.copy()
        st["_pages"] = None
        st["_pages_pid"] = None
        return st

    def _list_until(self, n: Optional[int]) -> None:
        """Lists until at least n keys are known (n=None: all)."""
        if self._complete:
            return
        if self._pages is None or self._pages_pid != os.getpid():
            # A fresh listing (first use, or in a forked worker); skip what is known.
            known = len(self._keys)
            it = iter(self._client.get().list_objects(self.bucket, prefix=self.prefix))
            for _ in range(known):
                if next(it, None) is None:
                    break
            self._pages, self._pages_pid = it, os.getpid()
        while n is None or len(self._keys) < n:
            obj = next(self._pages, None)
            if obj is None:
                self._complete = True
                self._pages = None
                return
            self._keys.append((self.bucket, obj.key))

    def __len__(self) -> int:
        self._list_until(None)
        return len(self._keys)

    def key(self, index: int) -> str:
        """The key of item `index` (lists lazily)."""
        return self._locate(index)[1]

    def _locate(self, index: int) -> "tuple[str, str]":
        index = int(index)
        if index < 0:
            index += len(self)
            if index < 0:
                raise IndexError("S3MapDataset index out of range")
        self._list_until(index + 1)
        if index >= len(self._keys):
            raise IndexError(f"S3MapDataset index {index} out of range ({len(self._keys)} objects)")
        return self._keys[index]

    def __getitem__(self, index: int) -> Any:
        bucket, key = self._locate(index)
        res = self._client.get().get_object(bucket, key)
        obj = ObjectSample(bucket, key, res.body, getattr(res, "etag", ""), getattr(res, "version_id", None))
        return (self.transform or _default_object_transform)(obj)


# --------------------------------------------------------------------------- checkpoints


def _client_for(client: Any, client_kwargs: Dict[str, Any]) -> Any:
    return client if client is not None else _s3ml.Client(**client_kwargs)


def save(
    obj: Any,
    uri: str,
    *,
    client: Any = None,
    client_kwargs: Optional[Dict[str, Any]] = None,
    metadata: Optional[Dict[str, Any]] = None,
    part_size: Optional[int] = None,
    **torch_save_kwargs: Any,
) -> Any:
    """``torch.save(obj)`` streamed to ``uri`` (``"s3://bucket/key"``) through
    ``client.open_write`` (a multipart upload: full parts go up in the background
    while serialization continues; memory bounded by the part size and
    concurrency; if serialization or the upload fails the upload is aborted and
    nothing is stored). ``metadata`` values (converted with ``str()``, e.g.
    ``{"step": 100, "loss": 0.25}``) are stored as ``x-amz-meta-*``. Other keyword
    arguments go to ``torch.save``. Returns the stored ``s3ml.ArtifactInfo``
    (``.version_id`` in a versioned bucket, ``.etag``, ``.size``)."""
    _split_s3_uri(uri)
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise TypeError("metadata: expected a dict of str to str")
        metadata = {str(k): str(v) for k, v in metadata.items()}
    c = _client_for(client, client_kwargs or {})
    kwargs: Dict[str, Any] = {}
    if metadata:
        kwargs["metadata"] = metadata
    if part_size is not None:
        kwargs["part_size"] = part_size
    w = c.open_write(uri, **kwargs)
    try:
        torch.save(obj, w, **torch_save_kwargs)
    except BaseException:
        _abort(w)
        raise
    return _commit(w)


def _abort(w: Any) -> None:
    # Never close() here: closing a checkpoint writer commits.
    try:
        w.abort()
    except Exception:  # the original error is the one to report
        pass


def _commit(w: Any) -> Any:
    return w.commit()


def load(
    uri: str,
    *,
    version_id: Optional[str] = None,
    map_location: Any = None,
    client: Any = None,
    client_kwargs: Optional[Dict[str, Any]] = None,
    **torch_load_kwargs: Any,
) -> Any:
    """``torch.load`` of the object at ``uri`` (the latest version, or
    ``version_id``), streamed through ``client.open_read`` (ranged GETs pinned to
    one version). Other keyword arguments go to ``torch.load`` (e.g.
    ``weights_only``)."""
    _split_s3_uri(uri)
    c = _client_for(client, client_kwargs or {})
    r = c.open_read(uri, version_id=version_id)
    try:
        return torch.load(r, map_location=map_location, **torch_load_kwargs)
    finally:
        r.close()
