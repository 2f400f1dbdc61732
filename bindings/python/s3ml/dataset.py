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

from typing import Any, Dict, Optional

from . import _core
from .client import Client

__all__ = ["Dataset", "Reader", "Sample", "Manifest"]

Reader = _core.Reader
Sample = _core.Sample
Manifest = _core.Manifest

_CLIENT_ARGS = ("endpoint_url", "region", "profile", "access_key", "secret_key", "session_token",
                "max_attempts", "addressing_style", "max_connections", "verify")


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
        client_args = {k: kwargs.pop(k) for k in _CLIENT_ARGS if k in kwargs}
        if client is None:
            client = Client(**client_args)
        elif client_args:
            raise TypeError(f"Dataset: pass either client= or client arguments, not both ({', '.join(client_args)})")
        if isinstance(source, (list, tuple)):
            source = list(source)
        super().__init__(source, client, **kwargs)
        self._source_arg = source
        self._kwargs = dict(kwargs, client=client)

    def __reduce__(self):
        return (_rebuild_dataset, (type(self), self._source_arg, self._kwargs))

    def __repr__(self) -> str:
        return (f"s3ml.Dataset({self.source}, format={self.format!r}, rank={self.rank}/{self.world_size}, "
                f"worker={self.worker_id}/{self.num_workers})")
