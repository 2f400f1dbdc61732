"""``s3ml.torch.DataLoader``: torch's DataLoader that tells an
:class:`~s3ml.torch.S3IterableDataset` how many batches its consumer took, so that the
dataset's ``state_dict()`` is exact with ``num_workers > 0`` (see :mod:`.resume`)."""

from __future__ import annotations

import inspect
from typing import Any, Dict

import torch.utils.data as _tud

from s3ml._args import check_bool, check_float, check_int

from .iterable_dataset import S3IterableDataset

__all__ = ["DataLoader"]


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
