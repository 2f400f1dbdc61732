"""PyTorch adapters for s3ml: datasets that shard themselves across DataLoader
workers and ``torch.distributed`` ranks, and checkpoints streamed to and from S3.

Import it explicitly (``import s3ml.torch``); ``import s3ml`` never imports torch.
Works with torch 1.13 and 2.x.

* :class:`S3IterableDataset` — streaming, sharded, shuffled, resumable
  (``iterable_dataset.py``; the resume arithmetic in ``resume.py``).
* :class:`DataLoader` — a ``torch.utils.data.DataLoader`` that also tracks how many
  batches the consumer took, so ``state_dict()`` is exact with ``num_workers > 0``
  (``loader.py``).
* :class:`S3MapDataset` — random access over objects, listing lazily (``map_dataset.py``).
* :func:`save` / :func:`load` — ``torch.save``/``torch.load`` streamed through a
  multipart upload / ranged GETs, versioning-aware (``checkpoint.py``).
* :func:`sample_to_dict` / :func:`sample_to_tensors` — the default transforms (``samples.py``).
* ``s3ml.torch.dcp`` (imported explicitly; torch >= 2.2) — ``torch.distributed.checkpoint``
  storage on S3, committed atomically (``dcp.py``).

Fork safety: constructing any of these does no I/O and starts no threads; every
process (DataLoader worker, spawned rank) builds its own client and reader on
first use (``process_client.py``).
"""

from __future__ import annotations

from .checkpoint import load, save
from .iterable_dataset import S3IterableDataset
from .loader import DataLoader
from .map_dataset import ObjectSample, S3MapDataset
from .samples import sample_to_dict, sample_to_tensors

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

# The public names live here for users, pickles and reprs (s3ml.torch.S3IterableDataset),
# wherever the package keeps their code.
for _obj in (S3IterableDataset, S3MapDataset, DataLoader, ObjectSample, sample_to_dict, sample_to_tensors,
             save, load):
    _obj.__module__ = __name__
del _obj
