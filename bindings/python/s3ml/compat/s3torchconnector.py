"""s3torchconnector's API over s3ml: change the import, keep the code.

::

    # from s3torchconnector import S3IterableDataset, S3MapDataset, S3Checkpoint
    from s3ml.compat.s3torchconnector import S3IterableDataset, S3MapDataset, S3Checkpoint

    ds = S3IterableDataset.from_prefix("s3://bucket/train/", region="us-east-1",
                                       transform=lambda obj: (obj.key, obj.read()))
    ckpt = S3Checkpoint(region="us-east-1")
    with ckpt.writer("s3://bucket/ckpt.pt") as f:
        torch.save(model.state_dict(), f)

Each name is a thin alias over s3ml's own classes (docs/pytorch.md has the table):

* ``S3IterableDataset.from_prefix/from_objects`` -> :class:`s3ml.torch.S3IterableDataset`
  (``format="raw"``: one object = one sample, fetched by s3ml's parallel prefetching
  reader). ``transform`` receives an :class:`S3Reader` (``.bucket``, ``.key``,
  ``read``/``readinto``/``seek``/``tell``) over the fetched bytes (no copy). With
  ``reader_constructor=S3ReaderConstructor.range_based()``, nothing is fetched before
  the transform: the reader streams the object through ranged GETs
  (:meth:`s3ml.torch.ObjectSample.open`).
* ``S3MapDataset.from_prefix/from_objects`` -> :class:`s3ml.torch.S3MapDataset`.
* ``S3Checkpoint(region=...).writer(uri)/reader(uri)`` -> ``s3ml.checkpoint.open_write``
  (multipart upload, committed on close) / ``open_read`` (seekable ranged reads).
* ``S3ClientConfig`` -> :class:`s3ml.Client` options: ``max_attempts``, ``profile``,
  ``unsigned``, ``force_path_style`` (``addressing_style="path"``), ``part_size`` (the
  ranged-read part size of streaming readers); ``throughput_target_gbps`` is accepted
  and not used (s3ml sizes its connection pool by ``max_connections``).

Differences: s3ml's iterable dataset always shards its objects across DataLoader
workers and ``torch.distributed`` ranks (``enable_sharding`` is accepted; with it False
s3torchconnector would hand every worker every object).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

import torch.utils.data as _tud

from s3ml._args import check_s3_uri
from s3ml.checkpoint import CheckpointReader, CheckpointWriter, open_read, open_write
from s3ml.client import Client
from s3ml.errors import Error as S3Exception
from s3ml.torch.iterable_dataset import S3IterableDataset as _S3mlIterableDataset
from s3ml.torch.map_dataset import ObjectSample
from s3ml.torch.map_dataset import S3MapDataset as _S3mlMapDataset

__all__ = ["S3IterableDataset", "S3MapDataset", "S3Checkpoint", "S3ClientConfig", "S3ReaderConstructor",
           "S3Reader", "S3Writer", "S3Exception"]

S3Writer = CheckpointWriter


def identity(obj: Any) -> Any:
    return obj


@dataclass(frozen=True)
class S3ClientConfig:
    """s3torchconnector's client configuration, mapped to s3ml.Client options."""

    throughput_target_gbps: float = 10.0
    part_size: int = 8 * 1024 * 1024
    unsigned: bool = False
    force_path_style: bool = False
    max_attempts: int = 10
    profile: Optional[str] = None


@dataclass(frozen=True)
class _ReaderKind:
    kind: str
    buffer_size: Optional[int] = None


class S3ReaderConstructor:
    """How ``transform`` reads each object: ``sequential()`` (the default: the whole
    object, fetched ahead by s3ml's prefetching reader) or ``range_based()`` (ranged GETs
    on demand, for large objects of which only parts are read)."""

    @staticmethod
    def sequential() -> _ReaderKind:
        return _ReaderKind("sequential")

    @staticmethod
    def range_based(buffer_size: Optional[int] = None) -> _ReaderKind:
        return _ReaderKind("range_based", buffer_size)

    @staticmethod
    def default() -> _ReaderKind:
        return _ReaderKind("sequential")


def _client_kwargs(region: str, endpoint: Optional[str], config: Optional[S3ClientConfig]) -> Dict[str, Any]:
    config = config or S3ClientConfig()
    kwargs: Dict[str, Any] = {"region": region, "max_attempts": config.max_attempts}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
    if config.profile:
        kwargs["profile"] = config.profile
    if config.unsigned:
        kwargs["unsigned"] = True
    if config.force_path_style:
        kwargs["addressing_style"] = "path"
    return kwargs


class S3Reader(io.RawIOBase):
    """The file-like object ``transform`` receives: ``.bucket``, ``.key``, ``read``,
    ``readinto``, ``seek``, ``tell``. Over bytes already fetched (no copy until read),
    or -- range-based -- over an s3ml ranged reader opened on first use."""

    def __init__(self, bucket: str, key: str, data: Any = None, opener: Optional[Callable[[], Any]] = None) -> None:
        super().__init__()
        self.bucket = bucket
        self.key = key
        self._view = memoryview(data).cast("B") if data is not None else None
        self._pos = 0
        self._opener = opener
        self._stream: Optional[Any] = None

    def _s(self) -> Any:
        if self._stream is None:
            assert self._opener is not None
            self._stream = self._opener()
        return self._stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:  # type: ignore[override]
        if self._view is None:
            return self._s().readinto(b)  # type: ignore[no-any-return]
        out = memoryview(b).cast("B")
        n = max(0, min(len(out), len(self._view) - self._pos))
        out[:n] = self._view[self._pos:self._pos + n]
        self._pos += n
        return n

    def read(self, size: Optional[int] = -1) -> bytes:  # type: ignore[override]
        if self._view is None:
            return self._s().read(-1 if size is None else size)  # type: ignore[no-any-return]
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        start, self._pos = self._pos, max(self._pos, end)
        return bytes(self._view[start:end])

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self._view is None:
            return self._s().seek(offset, whence)  # type: ignore[no-any-return]
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        if base + offset < 0:
            raise ValueError(f"seek: negative position {base + offset}")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos if self._view is None and self._stream is None else (
            self._pos if self._view is not None else self._s().tell())

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        super().close()


def _uri_parts(uri: str) -> "tuple[str, str]":
    return check_s3_uri("uri", uri)


class S3IterableDataset(_tud.IterableDataset):  # type: ignore[type-arg]
    """s3torchconnector's ``S3IterableDataset`` over :class:`s3ml.torch.S3IterableDataset`."""

    def __init__(self, source: Union[str, List[str]], *, region: str, endpoint: Optional[str] = None,
                 transform: Callable[[S3Reader], Any] = identity, s3client_config: Optional[S3ClientConfig] = None,
                 enable_sharding: bool = False, reader_constructor: Optional[_ReaderKind] = None) -> None:
        super().__init__()
        self.region = region
        self.endpoint = endpoint
        self.transform = transform
        self.enable_sharding = enable_sharding
        self._config = s3client_config or S3ClientConfig()
        self._reader = reader_constructor or S3ReaderConstructor.default()
        kwargs = _client_kwargs(region, endpoint, s3client_config)
        if self._reader.kind == "range_based":
            self._inner: Any = _S3mlMapDataset(source, transform=self._stream_sample, client_kwargs=kwargs,
                                               stream=True)
        else:
            self._inner = _S3mlIterableDataset(source, format="raw", transform=self._buffer_sample,
                                               client_kwargs=kwargs)

    @classmethod
    def from_prefix(cls, s3_uri: str, *, region: str, endpoint: Optional[str] = None,
                    transform: Callable[[S3Reader], Any] = identity, s3client_config: Optional[S3ClientConfig] = None,
                    enable_sharding: bool = False, reader_constructor: Optional[_ReaderKind] = None
                    ) -> "S3IterableDataset":
        _uri_parts(s3_uri)
        return cls(s3_uri, region=region,
                   endpoint=endpoint, transform=transform, s3client_config=s3client_config,
                   enable_sharding=enable_sharding, reader_constructor=reader_constructor)

    @classmethod
    def from_objects(cls, object_uris: Union[str, Iterable[str]], *, region: str, endpoint: Optional[str] = None,
                     transform: Callable[[S3Reader], Any] = identity, s3client_config: Optional[S3ClientConfig] = None,
                     enable_sharding: bool = False, reader_constructor: Optional[_ReaderKind] = None
                     ) -> "S3IterableDataset":
        uris = [object_uris] if isinstance(object_uris, str) else list(object_uris)
        return cls(uris, region=region, endpoint=endpoint, transform=transform, s3client_config=s3client_config,
                   enable_sharding=enable_sharding, reader_constructor=reader_constructor)

    def _buffer_sample(self, sample: Any) -> Any:
        bucket, key = _uri_parts(sample.shard) if sample.shard.startswith("s3://") else ("", sample.key)
        return self.transform(S3Reader(bucket, key, data=sample.data))

    def _stream_sample(self, obj: ObjectSample) -> Any:
        part = self._reader.buffer_size or self._config.part_size
        return self.transform(S3Reader(obj.bucket, obj.key,
                                       opener=lambda: obj.open(part_size=max(part, 64 * 1024))))

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self._inner, _S3mlMapDataset):
            info = _tud.get_worker_info()
            wid, nw = (info.id, info.num_workers) if info is not None else (0, 1)
            i = wid
            while True:
                try:
                    yield self._inner[i]
                except IndexError:
                    return
                i += nw
        else:
            yield from self._inner


class S3MapDataset(_tud.Dataset):  # type: ignore[type-arg]
    """s3torchconnector's ``S3MapDataset`` over :class:`s3ml.torch.S3MapDataset`."""

    def __init__(self, source: Union[str, List[str]], *, region: str, endpoint: Optional[str] = None,
                 transform: Callable[[S3Reader], Any] = identity, s3client_config: Optional[S3ClientConfig] = None,
                 reader_constructor: Optional[_ReaderKind] = None) -> None:
        self.region = region
        self.endpoint = endpoint
        self.transform = transform
        self._config = s3client_config or S3ClientConfig()
        self._reader = reader_constructor or S3ReaderConstructor.default()
        self._inner = _S3mlMapDataset(source, transform=self._sample, client_kwargs=_client_kwargs(
            region, endpoint, s3client_config), stream=self._reader.kind == "range_based")

    @classmethod
    def from_prefix(cls, s3_uri: str, *, region: str, endpoint: Optional[str] = None,
                    transform: Callable[[S3Reader], Any] = identity, s3client_config: Optional[S3ClientConfig] = None,
                    reader_constructor: Optional[_ReaderKind] = None) -> "S3MapDataset":
        return cls(s3_uri, region=region, endpoint=endpoint, transform=transform, s3client_config=s3client_config,
                   reader_constructor=reader_constructor)

    @classmethod
    def from_objects(cls, object_uris: Union[str, Iterable[str]], *, region: str, endpoint: Optional[str] = None,
                     transform: Callable[[S3Reader], Any] = identity, s3client_config: Optional[S3ClientConfig] = None,
                     reader_constructor: Optional[_ReaderKind] = None) -> "S3MapDataset":
        uris = [object_uris] if isinstance(object_uris, str) else list(object_uris)
        return cls(uris, region=region, endpoint=endpoint, transform=transform, s3client_config=s3client_config,
                   reader_constructor=reader_constructor)

    def _sample(self, obj: ObjectSample) -> Any:
        if self._reader.kind == "range_based":
            part = self._reader.buffer_size or self._config.part_size
            return self.transform(S3Reader(obj.bucket, obj.key,
                                           opener=lambda: obj.open(part_size=max(part, 64 * 1024))))
        return self.transform(S3Reader(obj.bucket, obj.key, data=obj.data))

    def __len__(self) -> int:
        return len(self._inner)

    def __getitem__(self, i: int) -> Any:
        return self._inner[i]


class S3Checkpoint:
    """s3torchconnector's ``S3Checkpoint``: ``writer(uri)`` streams a multipart upload
    (committed on close, aborted on an exception in its ``with`` block); ``reader(uri)``
    is a seekable file over ranged GETs (what ``torch.load`` needs)."""

    def __init__(self, region: str, endpoint: Optional[str] = None,
                 s3client_config: Optional[S3ClientConfig] = None) -> None:
        self.region = region
        self.endpoint = endpoint
        self._config = s3client_config or S3ClientConfig()
        self._kwargs = _client_kwargs(region, endpoint, s3client_config)
        self._client: Optional[Client] = None

    def _c(self) -> Client:
        if self._client is None:
            self._client = Client(**self._kwargs)
        return self._client

    def writer(self, s3_uri: str) -> CheckpointWriter:
        return open_write(self._c(), s3_uri)

    def reader(self, s3_uri: str) -> io.BufferedReader:
        raw: CheckpointReader = open_read(self._c(), s3_uri, part_size=max(self._config.part_size, 64 * 1024))
        return io.BufferedReader(raw)

