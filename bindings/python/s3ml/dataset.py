"""s3ml.Dataset: sharded, shuffled, resumable reading of a dataset from S3.

A ``Dataset`` is only a description (source + options): constructing it starts no
thread and does no I/O, so it is safe to build before ``fork()`` (DataLoader workers).
``iter(ds)`` / ``ds.reader(epoch)`` create a :class:`s3ml.Reader` for this process,
which prefetches shards on a fixed pool of threads started by its first ``next()``.

Sources: ``"s3://bucket/prefix/"`` (every object under it), ``"s3://b/k-{000..009}.tar"``
(a brace pattern), a list of ``"s3://"`` URIs (or keys with ``bucket=``), or
``s3ml.Manifest("s3://b/manifest.txt" or a local path)``.

Formats: ``"raw"`` (one object = one sample, single field ``""``; use ``sample.data``),
``"tar"`` (WebDataset: members grouped by basename, fields named by extension) and
``"jsonl"`` (one sample per line, field ``"json"``).
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from . import _core
from ._args import bad_value, check_bool, check_choice, check_int, check_known, check_path, check_str
from .client import DATASET_CLIENT_ARGS, Client, _check_client_args

__all__ = ["Dataset", "Reader", "Sample", "Manifest"]

Reader = _core.Reader
Sample = _core.Sample


class Manifest(_core.Manifest):
    """A manifest of shards: one "s3://bucket/key [size [etag]]" per line ('#' comments),
    stored at an s3:// URI or a local path (str or os.PathLike)."""

    def __init__(self, location: Any) -> None:
        super().__init__(check_path("location", location))


_U64_MAX = 2**64 - 1
_INT_MAX = 2**31 - 1
_FORMATS = ("raw", "tar", "jsonl", "webdataset", "json_lines")
# Keyword arguments of the native Dataset besides source and client, with their checks.
_INT_OPTIONS = {  # name: (min, max)
    "rank": (0, _INT_MAX), "world_size": (1, _INT_MAX), "worker_id": (0, _INT_MAX),
    "num_workers": (1, _INT_MAX), "seed": (0, _U64_MAX), "shuffle_buffer": (0, _U64_MAX),
    "fetch_threads": (1, 256), "max_in_flight": (1, _INT_MAX), "memory_budget": (1, _U64_MAX),
    "part_size": (1, _U64_MAX), "prefetch_ahead": (0, _U64_MAX), "cache_limit": (1, _U64_MAX),
}
_BOOL_OPTIONS = ("shuffle", "as_completed", "skip_failed")
DATASET_OPTIONS = ("format", "bucket", "uneven", "cache_dir") + tuple(_INT_OPTIONS) + _BOOL_OPTIONS


def _check_source(source: Any) -> Any:
    if isinstance(source, (_core.Manifest, str)):
        if isinstance(source, str) and not source:
            raise bad_value("source", "must not be empty")
        return source
    if isinstance(source, os.PathLike):
        raise TypeError("source: a local path must be given as s3ml.Manifest(path)")
    if isinstance(source, (list, tuple)):
        for i, item in enumerate(source):
            if not isinstance(item, str):
                raise TypeError(f"source[{i}]: expected an s3:// URI or key (str), got {type(item).__name__}")
        if not source:
            raise bad_value("source", "the list of shards is empty")
        return list(source)
    raise TypeError("source: expected an s3:// prefix or brace pattern, a list of URIs/keys, or s3ml.Manifest, "
                    f"got {type(source).__name__}")


def _check_dataset_options(opts: Dict[str, Any], owner: str = "Dataset") -> Dict[str, Any]:
    """Checks the keyword arguments of s3ml.Dataset other than source/client (TypeError /
    ValueError naming the argument) and returns them normalized."""
    check_known(owner, opts, DATASET_OPTIONS)
    out = dict(opts)
    if "format" in opts:
        check_choice("format", opts["format"], _FORMATS)
    check_str("bucket", opts.get("bucket"), optional=True, nonempty=True)
    if "uneven" in opts:
        check_choice("uneven", opts["uneven"], ("exact", "drop", "pad"))
    if "cache_dir" in opts:
        out["cache_dir"] = check_path("cache_dir", opts["cache_dir"], optional=True)
    for name, (lo, hi) in _INT_OPTIONS.items():
        if name in opts:
            out[name] = check_int(name, opts[name], min=lo, max=hi)
    for name in _BOOL_OPTIONS:
        if name in opts:
            out[name] = check_bool(name, opts[name])
    if out.get("rank", 0) >= out.get("world_size", 1):
        raise bad_value("rank", f"must be in [0, world_size), got {out.get('rank', 0)} of {out.get('world_size', 1)}")
    if out.get("worker_id", 0) >= out.get("num_workers", 1):
        raise bad_value("worker_id", f"must be in [0, num_workers), got {out.get('worker_id', 0)} of "
                                     f"{out.get('num_workers', 1)}")
    return out


def _rebuild_dataset(cls: type, source: Any, kwargs: Dict[str, Any]) -> "Dataset":
    return cls(source, **kwargs)


class Dataset(_core.Dataset):
    """A dataset for one (rank, worker) of a training job. See the module docstring.

    Keyword arguments: ``format`` ("raw" | "tar" | "jsonl"), ``client`` (an s3ml.Client;
    or pass its arguments — endpoint_url, region, profile, access_key, ... — directly),
    ``bucket`` (for bare keys/prefixes), ``rank``, ``world_size``, ``worker_id``,
    ``num_workers``, ``uneven`` ("exact" | "drop" | "pad"), ``seed``, ``shuffle`` (permute
    shards per epoch), ``shuffle_buffer`` (cross-shard sample shuffle), ``fetch_threads``,
    ``max_in_flight``, ``memory_budget``, ``part_size``, ``prefetch_ahead`` (bytes read ahead
    of the consumer; 0: what keeps the requests in flight busy), ``as_completed``,
    ``skip_failed``, ``cache_dir``, ``cache_limit``. Bad values raise ValueError naming the argument.

    Pickles by its arguments (the client by its configuration).
    """

    def __init__(self, source: Any, *, client: Optional[Client] = None, **kwargs: Any) -> None:
        client_args = {k: kwargs.pop(k) for k in DATASET_CLIENT_ARGS if k in kwargs}
        source = _check_source(source)
        kwargs = _check_dataset_options(kwargs)
        if client is None:
            client = Client(**_check_client_args(client_args))
        elif not isinstance(client, _core.Client):
            raise TypeError(f"client: expected an s3ml.Client, got {type(client).__name__}")
        elif client_args:
            raise TypeError(f"Dataset: pass either client= or client arguments, not both ({', '.join(client_args)})")
        super().__init__(source, client, **kwargs)
        self._source_arg = source
        self._kwargs = dict(kwargs, client=client)

    def __reduce__(self):
        return (_rebuild_dataset, (type(self), self._source_arg, self._kwargs))

    def __repr__(self) -> str:
        return (f"s3ml.Dataset({self.source}, format={self.format!r}, rank={self.rank}/{self.world_size}, "
                f"worker={self.worker_id}/{self.num_workers})")
