"""The default transforms of :class:`s3ml.torch.S3IterableDataset`: an ``s3ml.Sample``
as a WebDataset-style dict of ``bytes`` or of ``torch.uint8`` tensors."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict

import torch
import torch.utils.data as _tud

__all__ = ["sample_to_dict", "sample_to_tensors"]


def _field_name(name: str) -> str:
    return name if name else "data"


def _sample_dict(sample: Any, field: Callable[[Any], Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {
        "__key__": sample.key,
        "__shard__": getattr(sample, "shard", ""),
        "__index__": getattr(sample, "index", 0),
    }
    for name, buf in sample.fields.items():
        out[_field_name(name)] = field(buf)
    return out


def sample_to_dict(sample: Any) -> Dict[str, Any]:
    """The default transform: a WebDataset-style dict ``{"__key__", "__shard__",
    "__index__", <field>: bytes, ...}``. The single field of a raw object (named
    ``""`` by the C++ reader) is called ``"data"``; tar members keep their extension
    (``"jpg"``, ``"cls"``); JSON Lines records are ``"json"``."""
    return _sample_dict(sample, bytes)


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
    return _sample_dict(sample, lambda buf: _field_tensor(buf, shared))
