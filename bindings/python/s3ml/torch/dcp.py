"""``torch.distributed.checkpoint`` (DCP) storage on S3: :class:`S3StorageWriter` and
:class:`S3StorageReader` (torch >= 2.2).

    import torch.distributed.checkpoint as dcp
    from s3ml.torch.dcp import S3StorageReader, S3StorageWriter

    dcp.save(state_dict, storage_writer=S3StorageWriter("s3://bucket/ckpt/step-100/"))
    dcp.load(state_dict, storage_reader=S3StorageReader("s3://bucket/ckpt/step-100/"))

Layout (the one of torch's ``FileSystemWriter``, so a downloaded checkpoint also loads
with ``FileSystemReader``): one object per rank, ``<prefix>__<rank>_0.distcp``, holding
that rank's items back to back (tensors in ``torch.save`` format), and ``<prefix>.metadata``,
the pickled ``Metadata`` (item -> object, offset, length).

* **Writes** stream each rank's object through a multipart upload
  (``client.open_write``): parts go up in the background while later items are
  serialized; a failure aborts the upload.
* **Atomic commit**: the coordinator writes ``.metadata`` last, after every rank's
  object is complete, with ``If-None-Match: *`` (unless ``overwrite=True``). A save that
  dies before that leaves no ``.metadata``, so nothing loads; a second save to the same
  id fails instead of mixing two checkpoints.
* **Pinned reads**: ``.metadata`` records each data object's version id (versioned
  bucket) or ETag. The reader fetches exactly those versions, or refuses with
  ``s3ml.PreconditionFailed`` when a data object was replaced after the commit: a
  checkpoint never loads from a mix of two saves. ``S3StorageReader(version_id=...)``
  opens an older ``.metadata`` version (a checkpoint overwritten in a versioned bucket).
* **Reads** are ranged GETs: a rank's items in one object are sorted and coalesced into
  ranges (neighbours less than ``coalesce_gap`` bytes apart), ranges above ``part_size``
  are split, and up to ``max_concurrency`` GETs run in parallel, with at most
  ``max_inflight_bytes`` fetched ahead of deserialization.

Every process (rank) uses a client of its own (``client`` is rebuilt from its
configuration after a fork or in a spawned process); constructing a writer or reader
does no I/O.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import io
import os
import pickle
import uuid
from typing import Any, Deque, Dict, List, Optional, Tuple, Union, cast

import torch
from torch.futures import Future

try:
    from torch.distributed.checkpoint.filesystem import _StorageInfo
    from torch.distributed.checkpoint.metadata import Metadata, MetadataIndex, StorageMeta
    from torch.distributed.checkpoint.planner import (LoadItemType, LoadPlan, LoadPlanner, ReadItem, SavePlan,
                                                      SavePlanner, WriteItemType)
    from torch.distributed.checkpoint.storage import StorageReader, StorageWriter, WriteResult
    from torch.distributed._shard._utils import narrow_tensor_by_index
except ImportError as _exc:  # torch < 2.2 (Debian's 1.13 has no torch.distributed.checkpoint)
    raise ImportError(f"s3ml.torch.dcp needs torch.distributed.checkpoint of torch >= 2.2 "
                      f"(this is torch {torch.__version__}): {_exc}") from _exc

from s3ml._args import check_bool, check_int, check_s3_uri, check_str
from s3ml import errors as _errors

from .process_client import ProcessLocalClient

__all__ = ["S3StorageWriter", "S3StorageReader"]

_NoSuchKey: "type[Exception]" = getattr(_errors, "NoSuchKey")
_PreconditionFailed: "type[Exception]" = getattr(_errors, "PreconditionFailed")

METADATA_NAME = ".metadata"
_DCP_VERSION = "1.0.0"
# Write results that carry where a rank's object was committed (etag, version id) to
# the coordinator; finish() moves them out of storage_data into Metadata.s3ml_objects.
_PIN_FQN = "__s3ml_object__/"
_MIB = 2**20


def _prefix_of(checkpoint_id: Union[str, "os.PathLike[str]"]) -> Tuple[str, str]:
    """("bucket", "key/prefix/") of an "s3://bucket/prefix" checkpoint id."""
    uri = os.fspath(checkpoint_id)
    bucket, key = check_s3_uri("checkpoint_id", uri, key_required=True)
    if not key.endswith("/"):
        key += "/"
    return bucket, key


def _is_s3(checkpoint_id: Any) -> bool:
    try:
        return os.fspath(checkpoint_id).startswith("s3://")
    except TypeError:
        return False


@dataclasses.dataclass
class _Pin:
    """Where one data object was committed (travels in a WriteResult's storage_data)."""
    relative_path: str
    etag: str
    version_id: str
    size: int


class _Base:
    def __init__(self, checkpoint_id: Optional[Union[str, "os.PathLike[str]"]], client: Any,
                 client_kwargs: Optional[Dict[str, Any]]) -> None:
        self._clients = ProcessLocalClient.from_arguments(client, client_kwargs, {})
        self.bucket = ""
        self.prefix = ""
        if checkpoint_id is not None:
            self.bucket, self.prefix = _prefix_of(checkpoint_id)

    def _reset_id(self, checkpoint_id: Optional[Union[str, "os.PathLike[str]"]]) -> None:
        if checkpoint_id:
            self.bucket, self.prefix = _prefix_of(checkpoint_id)
        if not self.bucket:
            raise ValueError("checkpoint_id: no 's3://bucket/prefix/' given (pass it to the writer/reader or to "
                             "dcp.save/dcp.load)")

    @property
    def checkpoint_id(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @classmethod
    def validate_checkpoint_id(cls, checkpoint_id: Union[str, "os.PathLike[str]"]) -> bool:
        return _is_s3(checkpoint_id)

    def _client(self) -> Any:
        return self._clients.get()

    def _metadata_key(self, rank: Optional[int] = None) -> str:
        return self.prefix + (METADATA_NAME if rank is None else f"__{rank}{METADATA_NAME}")


class S3StorageWriter(_Base, StorageWriter):
    """A DCP ``StorageWriter`` to ``s3://bucket/prefix/`` (see the module docstring).

    ``overwrite=False`` (default): saving where a checkpoint is already committed raises
    ``RuntimeError`` before anything is written, and the final ``.metadata`` write is
    conditional (``If-None-Match: *``), so of two concurrent saves only one commits.
    ``overwrite=True`` replaces a committed checkpoint (in a versioned bucket the old
    one stays loadable through its ``.metadata`` version id). ``part_size`` (bytes,
    >= 5 MiB) and ``concurrency`` tune each rank's multipart upload."""

    def __init__(self, checkpoint_id: Optional[Union[str, "os.PathLike[str]"]] = None, *, client: Any = None,
                 client_kwargs: Optional[Dict[str, Any]] = None, overwrite: bool = False,
                 part_size: Optional[int] = None, concurrency: Optional[int] = None) -> None:
        super().__init__(checkpoint_id, client, client_kwargs)
        self.overwrite = check_bool("overwrite", overwrite)
        self.part_size = check_int("part_size", part_size, min=5 * _MIB, max=5 * 2**30, optional=True)
        self.concurrency = check_int("concurrency", concurrency, min=1, max=64, optional=True)
        self.save_id = uuid.uuid4().hex
        self.rank: Optional[int] = None
        self.is_coordinator = False
        self.use_collectives = True

    # ---- StorageWriter ------------------------------------------------------------
    def reset(self, checkpoint_id: Optional[Union[str, "os.PathLike[str]"]] = None) -> None:
        self._reset_id(checkpoint_id)
        self.save_id = uuid.uuid4().hex

    def set_up_storage_writer(self, is_coordinator: bool, *args: Any, **kwargs: Any) -> None:
        self.is_coordinator = is_coordinator
        self.rank = kwargs.get("rank")
        self.use_collectives = kwargs.get("use_collectives", True)

    def storage_meta(self) -> Optional[StorageMeta]:
        return StorageMeta(checkpoint_id=self.checkpoint_id, save_id=self.save_id)

    def _own_metadata_key(self) -> str:
        return self._metadata_key(None if self.use_collectives or self.rank is None else self.rank)

    def prepare_local_plan(self, plan: SavePlan) -> SavePlan:
        if not self.overwrite:
            key = self._own_metadata_key()
            try:
                self._client().head_object(self.bucket, key)
            except _NoSuchKey:
                pass
            else:
                raise RuntimeError(f"a checkpoint is already committed at {self.checkpoint_id} "
                                   f"(s3://{self.bucket}/{key} exists); pass overwrite=True to replace it")
        if self.rank is not None and not self.use_collectives:
            from torch.distributed.checkpoint.filesystem import _StoragePrefix
            plan = dataclasses.replace(plan, storage_data=_StoragePrefix(f"__{self.rank}_"))
        return plan

    def prepare_global_plan(self, plans: List[SavePlan]) -> List[SavePlan]:
        from torch.distributed.checkpoint.filesystem import _StoragePrefix
        return [dataclasses.replace(p, storage_data=_StoragePrefix(f"__{i}_")) if p.storage_data is None else p
                for i, p in enumerate(plans)]

    def write_data(self, plan: SavePlan, planner: SavePlanner) -> "Future[List[WriteResult]]":
        name = f"{plan.storage_data.prefix}0.distcp"
        uri = f"s3://{self.bucket}/{self.prefix}{name}"
        kwargs: Dict[str, Any] = {}
        if self.part_size is not None:
            kwargs["part_size"] = self.part_size
        if self.concurrency is not None:
            kwargs["concurrency"] = self.concurrency
        # Byte items first, then tensors (the order of torch's FileSystemWriter).
        items = ([i for i in plan.items if i.type == WriteItemType.BYTE_IO] +
                 [i for i in plan.items if i.type != WriteItemType.BYTE_IO])
        w = self._client().open_write(uri, **kwargs)
        results: List[WriteResult] = []
        offset = 0
        try:
            for item in items:
                data = planner.resolve_data(item)
                if item.type == WriteItemType.BYTE_IO:
                    if not isinstance(data, io.BytesIO):
                        raise TypeError(f"{item.index.fqn}: a BYTE_IO item must resolve to io.BytesIO")
                    payload = data.getbuffer()
                else:
                    tensor = cast(torch.Tensor, data).detach().cpu()
                    if tensor.untyped_storage().size() != tensor.numel() * tensor.element_size():
                        tensor = tensor.clone()  # torch.save would write the whole storage of a view
                    buf = io.BytesIO()
                    torch.save(tensor, buf)
                    payload = buf.getbuffer()
                n = len(payload)
                view = memoryview(payload).cast("B")
                done = 0
                while done < n:
                    done += w.write(view[done:])
                del view
                results.append(WriteResult(index=item.index, size_in_bytes=n,
                                           storage_data=_StorageInfo(name, offset, n)))
                offset += n
        except BaseException:
            w.abort()
            raise
        info = w.commit()
        results.append(WriteResult(index=MetadataIndex(_PIN_FQN + name), size_in_bytes=0,
                                   storage_data=_Pin(name, info.etag, info.version_id, info.size)))
        fut: "Future[List[WriteResult]]" = Future()
        fut.set_result(results)
        return fut

    def finish(self, metadata: Metadata, results: List[List[WriteResult]]) -> None:
        storage: Dict[Any, Any] = {}
        pins: Dict[str, Dict[str, Any]] = {}
        for wr_list in results:
            for wr in wr_list:
                if isinstance(wr.storage_data, _Pin):
                    p = wr.storage_data
                    pins[p.relative_path] = {"etag": p.etag, "version_id": p.version_id, "size": p.size}
                else:
                    storage[wr.index] = wr.storage_data
        metadata.version = _DCP_VERSION
        metadata.storage_data = storage
        metadata.storage_meta = self.storage_meta()
        # A plain attribute of the pickled Metadata: readers without s3ml (torch's
        # FileSystemReader on a downloaded copy) ignore it.
        metadata.s3ml_objects = pins  # type: ignore[attr-defined]
        body = pickle.dumps(metadata)
        key = self._own_metadata_key()
        try:
            self._client().put_object(self.bucket, key, body, if_none_match=None if self.overwrite else "*")
        except _PreconditionFailed:
            raise RuntimeError(f"a checkpoint was committed at {self.checkpoint_id} while this one was being "
                               f"saved (s3://{self.bucket}/{key} exists); this save is not committed") from None


def _coalesce(spans: List[Tuple[int, int, Any]], gap: int, limit: int) -> List[Tuple[int, int, List[Any]]]:
    """Sorted (offset, length, item) spans -> [(start, end, items)]: neighbours closer than
    `gap` bytes share one range while it stays within `limit` bytes (a span larger than
    `limit` is a range of its own)."""
    out: List[Tuple[int, int, List[Any]]] = []
    for off, length, item in sorted(spans, key=lambda s: s[0]):
        end = off + length
        if out and off - out[-1][1] <= gap and max(end, out[-1][1]) - out[-1][0] <= limit:
            start, cur_end, items = out[-1]
            out[-1] = (start, max(cur_end, end), items + [item])
        else:
            out.append((off, end, [item]))
    return out


class S3StorageReader(_Base, StorageReader):
    """A DCP ``StorageReader`` from ``s3://bucket/prefix/`` (see the module docstring).

    ``version_id``: the version of ``.metadata`` to load (default: the latest).
    ``max_concurrency`` parallel ranged GETs (1..64, default 8) of at most ``part_size``
    bytes (default 16 MiB); items less than ``coalesce_gap`` bytes apart (default 1 MiB)
    share a GET; at most ``max_inflight_bytes`` (default 256 MiB, or one item if larger)
    are fetched ahead of deserialization."""

    def __init__(self, checkpoint_id: Optional[Union[str, "os.PathLike[str]"]] = None, *, client: Any = None,
                 client_kwargs: Optional[Dict[str, Any]] = None, version_id: Optional[str] = None,
                 max_concurrency: int = 8, part_size: int = 16 * _MIB, coalesce_gap: int = _MIB,
                 max_inflight_bytes: int = 256 * _MIB) -> None:
        super().__init__(checkpoint_id, client, client_kwargs)
        self.version_id = check_str("version_id", version_id, optional=True, nonempty=True)
        self.max_concurrency: int = cast(int, check_int("max_concurrency", max_concurrency, min=1, max=64))
        self.part_size: int = cast(int, check_int("part_size", part_size, min=64 * 2**10, max=5 * 2**30))
        self.coalesce_gap: int = cast(int, check_int("coalesce_gap", coalesce_gap, min=0, max=2**40))
        self.max_inflight_bytes: int = cast(int, check_int("max_inflight_bytes", max_inflight_bytes, min=1, max=2**62))
        self.storage_data: Dict[Any, Any] = {}
        self.objects: Dict[str, Dict[str, Any]] = {}
        self.load_id = uuid.uuid4().hex
        self.rank: Optional[int] = None
        self.requests = 0  # ranged GETs issued by the last read_data (for tests and tuning)

    def reset(self, checkpoint_id: Optional[Union[str, "os.PathLike[str]"]] = None) -> None:
        self._reset_id(checkpoint_id)
        self.storage_data = {}
        self.objects = {}
        self.load_id = uuid.uuid4().hex

    def read_metadata(self, *args: Any, **kwargs: Any) -> Metadata:
        self._reset_id(None)
        key = self._metadata_key(kwargs.get("rank"))
        try:
            got = self._client().get_object(self.bucket, key, version_id=self.version_id)
        except _NoSuchKey:
            raise FileNotFoundError(f"no committed checkpoint at {self.checkpoint_id}: s3://{self.bucket}/{key} "
                                    "does not exist (a save that did not finish commits nothing)") from None
        metadata = pickle.loads(bytes(got.body))
        if not isinstance(metadata, Metadata):
            raise ValueError(f"s3://{self.bucket}/{key}: not a torch.distributed.checkpoint Metadata "
                             f"({type(metadata).__name__})")
        meta = getattr(metadata, "storage_meta", None) or StorageMeta()
        meta.load_id = self.load_id
        metadata.storage_meta = meta
        return metadata

    def set_up_storage_reader(self, metadata: Metadata, is_coordinator: bool, *args: Any, **kwargs: Any) -> None:
        if metadata.storage_data is None:
            raise ValueError(f"{self.checkpoint_id}: the checkpoint metadata has no storage data")
        self.storage_data = metadata.storage_data
        self.objects = dict(getattr(metadata, "s3ml_objects", None) or {})
        self.rank = kwargs.get("rank")

    def prepare_local_plan(self, plan: LoadPlan) -> LoadPlan:
        return plan

    def prepare_global_plan(self, plans: List[LoadPlan]) -> List[LoadPlan]:
        return plans

    def _fetch(self, key: str, first: int, last: int, pin: Dict[str, Any]) -> Any:
        version = pin.get("version_id") or None
        etag = None if version else (pin.get("etag") or None)
        return self._client().get_object(self.bucket, key, range=(first, last), version_id=version,
                                         if_match=etag).body

    def read_data(self, plan: LoadPlan, planner: LoadPlanner) -> "Future[None]":
        self._reset_id(None)
        per_file: Dict[str, List[Tuple[int, int, ReadItem]]] = {}
        for req in plan.items:
            md = self.storage_data[req.storage_index]
            if getattr(md, "transform_descriptors", None):
                raise ValueError(f"{self.checkpoint_id}: {req.storage_index.fqn} was written with stream transforms "
                                 f"{list(md.transform_descriptors)}, which S3StorageReader does not read")
            if md.offset < 0 or md.length < 0:
                raise ValueError(f"{self.checkpoint_id}: {req.storage_index.fqn}: bad extent "
                                 f"(offset {md.offset}, length {md.length})")
            per_file.setdefault(md.relative_path, []).append((md.offset, md.length, req))
        groups = [(path, start, end, items) for path, spans in per_file.items()
                  for start, end, items in _coalesce(spans, self.coalesce_gap, self.part_size)]
        self.requests = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="s3ml-dcp") as pool:
            window: Deque[Tuple[int, int, List[ReadItem], List[Tuple[int, "concurrent.futures.Future[Any]"]]]] = collections.deque()
            inflight = 0
            nxt = 0
            while nxt < len(groups) or window:
                # Fetch ahead while within the byte budget (always at least one range).
                while nxt < len(groups) and (not window or inflight + groups[nxt][2] - groups[nxt][1]
                                             <= self.max_inflight_bytes):
                    path, start, end, items = groups[nxt]
                    nxt += 1
                    key = self.prefix + path
                    pin = self.objects.get(path, {})
                    if pin and end > int(pin.get("size", end)):
                        raise ValueError(f"{self.checkpoint_id}: items of {path} extend to byte {end}, past its "
                                         f"committed size {pin.get('size')}")
                    chunks = []
                    for off in range(start, max(end, start + 1), self.part_size):
                        last = min(end, off + self.part_size) - 1
                        if last < off:
                            break
                        chunks.append((off - start, pool.submit(self._fetch, key, off, last, pin)))
                        self.requests += 1
                    window.append((start, end, items, chunks))
                    inflight += end - start
                start, end, items, chunks = window.popleft()
                inflight -= end - start
                if not chunks:
                    data: Any = memoryview(b"")
                elif len(chunks) == 1:
                    data = memoryview(chunks[0][1].result()).cast("B")
                else:
                    joined = bytearray(end - start)
                    for rel, part_future in chunks:
                        part = memoryview(part_future.result()).cast("B")
                        joined[rel:rel + len(part)] = part
                    data = memoryview(joined)
                if len(data) != end - start:
                    raise ValueError(f"{self.checkpoint_id}: got {len(data)} bytes for range [{start}, {end})")
                for req in items:
                    md = self.storage_data[req.storage_index]
                    piece = io.BytesIO(data[md.offset - start:md.offset - start + md.length])
                    if req.type == LoadItemType.BYTE_IO:
                        planner.load_bytes(req, piece)
                    else:
                        tensor = torch.load(piece, map_location="cpu", weights_only=True)
                        tensor = narrow_tensor_by_index(tensor, req.storage_offsets, req.lengths)
                        target = planner.resolve_tensor(req).detach()
                        if target.size() != tensor.size():
                            raise ValueError(f"{self.checkpoint_id}: {req.storage_index.fqn}: stored shape "
                                             f"{tuple(tensor.size())} does not match {tuple(target.size())}")
                        target.copy_(tensor)
                        planner.commit_tensor(req, target)
                del data
        fut: "Future[None]" = Future()
        fut.set_result(None)
        return fut
