"""``s3ml.torch.S3MapDataset``: random access to the objects under an S3 prefix (or a
list of URIs), one object per item, listing lazily."""

from __future__ import annotations

import io
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import torch.utils.data as _tud

from s3ml._args import check_bool, check_callable, check_known, check_s3_uri
from s3ml.checkpoint import open_read
from s3ml.client import DATASET_CLIENT_ARGS

from .process_client import ProcessLocalClient

__all__ = ["S3MapDataset", "ObjectSample"]


class ObjectSample:
    """One object of an :class:`S3MapDataset`: ``.key``, ``.data`` (an
    ``s3ml.Buffer``: buffer protocol, ``bytes(...)``), ``.etag``, ``.version_id``,
    ``.fields`` (``{"data": data}``), ``sample["data"]``.

    ``open()`` returns a readable, seekable binary file over the object instead:
    ranged GETs with read-ahead, pinned to one version, for objects too large to hold
    whole. With ``S3MapDataset(..., stream=True)`` nothing is fetched before the
    transform runs, and ``.data`` (when used) GETs the whole object then."""

    __slots__ = ("key", "bucket", "_data", "etag", "version_id", "_client")

    def __init__(self, bucket: str, key: str, data: Any, etag: str = "", version_id: Optional[str] = None,
                 client: Any = None):
        self.bucket = bucket
        self.key = key
        self._data = data
        self.etag = etag
        self.version_id = version_id
        self._client = client

    @property
    def data(self) -> Any:
        if self._data is None:
            if self._client is None:
                raise ValueError(f"s3://{self.bucket}/{self.key}: no data and no client to fetch it")
            res = self._client.get_object(self.bucket, self.key, version_id=self.version_id)
            self._data, self.etag = res.body, res.etag
        return self._data

    def open(self, *, part_size: Optional[int] = None, read_ahead: Optional[int] = None) -> io.BufferedReader:
        """A buffered, seekable binary file over the object (s3ml.checkpoint.open_read:
        ranged GETs of ``part_size`` bytes, ``read_ahead`` of them in parallel). When the
        body was already fetched, a file over those bytes (no request)."""
        if self._data is not None:
            return io.BufferedReader(io.BytesIO(self._data))  # type: ignore[arg-type]
        if self._client is None:
            raise ValueError(f"s3://{self.bucket}/{self.key}: no client to read it with")
        raw = open_read(self._client, f"s3://{self.bucket}/{self.key}", version_id=self.version_id or None,
                        part_size=part_size, read_ahead=read_ahead)
        return io.BufferedReader(raw)

    @property
    def fields(self) -> Dict[str, Any]:
        return {"data": self.data}

    def __getitem__(self, name: str) -> Any:
        if name != "data":
            raise KeyError(name)
        return self.data

    def __repr__(self) -> str:
        size = "not fetched" if self._data is None else f"{len(self._data)} bytes"
        return f"ObjectSample(s3://{self.bucket}/{self.key}, {size})"


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

    ``stream=True``: ``ds[i]`` fetches nothing before calling ``transform``, which reads
    the object through ``obj.open()`` (a seekable file over ranged GETs) -- for samples
    too large to fetch whole, or when only part of each is needed.
    """

    def __init__(
        self,
        source: Union[str, Sequence[str]],
        *,
        transform: Optional[Callable[[ObjectSample], Any]] = None,
        client: Any = None,
        client_kwargs: Optional[Dict[str, Any]] = None,
        stream: bool = False,
        **client_args: Any,
    ):
        check_callable("transform", transform)
        self.stream = check_bool("stream", stream)
        check_known("S3MapDataset", client_args, DATASET_CLIENT_ARGS)
        self.transform = transform
        self._client = ProcessLocalClient.from_arguments(client, client_kwargs, client_args)
        self._pages = None
        self._pages_pid = None
        if isinstance(source, str):
            self.bucket, self.prefix = check_s3_uri("source", source)
            self._keys: List["tuple[str, str]"] = []
            self._complete = False
        elif isinstance(source, (list, tuple)):
            keys = []
            for i, uri in enumerate(source):
                keys.append(check_s3_uri(f"source[{i}]", uri, key_required=True))
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
        client = self._client.get()
        if self.stream:
            obj = ObjectSample(bucket, key, None, client=client)
        else:
            res = client.get_object(bucket, key)
            obj = ObjectSample(bucket, key, res.body, res.etag, res.version_id, client=client)
        return (self.transform or _default_object_transform)(obj)
