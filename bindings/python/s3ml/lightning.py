"""Lightning checkpoints on S3: :class:`S3CheckpointIO`, a ``CheckpointIO`` plugin for
``lightning`` (``lightning.pytorch``) that writes and reads ``s3://`` checkpoints
through :func:`s3ml.torch.save` / :func:`s3ml.torch.load` (a streamed multipart upload,
aborted on failure; ranged GETs pinned to one object version).

    from lightning.pytorch import Trainer
    from s3ml.lightning import S3CheckpointIO

    trainer = Trainer(plugins=[S3CheckpointIO()], ...)
    trainer.fit(model)
    trainer.save_checkpoint("s3://bucket/run/last.ckpt")
    Trainer(plugins=[S3CheckpointIO()], ...).fit(model, ckpt_path="s3://bucket/run/last.ckpt")

Paths that are not ``s3://`` URIs go to Lightning's own ``TorchCheckpointIO`` (local
files), so one trainer can keep local and S3 checkpoints. Import it explicitly;
``import s3ml`` never imports Lightning or torch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Union

try:
    from lightning.pytorch.plugins.io import CheckpointIO, TorchCheckpointIO
except ImportError:  # the standalone "pytorch_lightning" package
    try:
        from pytorch_lightning.plugins.io import CheckpointIO, TorchCheckpointIO  # type: ignore[assignment,no-redef]
    except ImportError as exc:
        raise ImportError("s3ml.lightning needs the 'lightning' package (pip install lightning)") from exc

from ._args import check_s3_uri
from .torch import checkpoint as _ckpt
from .torch.process_client import ProcessLocalClient

__all__ = ["S3CheckpointIO"]

_Path = Union[str, Path]


def _s3(path: _Path) -> Optional[str]:
    p = os.fspath(path)
    return p if isinstance(p, str) and p.startswith("s3://") else None


class S3CheckpointIO(CheckpointIO):
    """Saves, loads and removes ``s3://bucket/key`` checkpoints; other paths are local
    files handled by ``TorchCheckpointIO``.

    ``client`` (an ``s3ml.Client``) or ``client_kwargs`` (its arguments) choose the
    store; default: ``s3ml.Client()`` (credentials and region resolved like boto3).
    Each process (a DDP rank, a spawned worker) uses a client of its own.
    ``part_size`` tunes the multipart upload. ``storage_options`` of
    ``Trainer.save_checkpoint`` may hold ``{"metadata": {...}}``: stored as the object's
    ``x-amz-meta-*`` (for example the step or a validation metric, see
    ``s3ml.checkpoint.best``). Thread safety: one trainer at a time."""

    def __init__(self, client: Any = None, client_kwargs: Optional[Dict[str, Any]] = None,
                 part_size: Optional[int] = None) -> None:
        super().__init__()
        self._clients = ProcessLocalClient.from_arguments(client, client_kwargs, {})
        self.part_size = part_size
        self._local = TorchCheckpointIO()

    def save_checkpoint(self, checkpoint: Dict[str, Any], path: _Path,
                        storage_options: Optional[Any] = None) -> None:
        uri = _s3(path)
        if uri is None:
            self._local.save_checkpoint(checkpoint, path, storage_options=storage_options)
            return
        metadata = None
        if storage_options is not None:
            if not isinstance(storage_options, dict) or set(storage_options) - {"metadata"}:
                raise TypeError("storage_options: expected None or {'metadata': {name: value}} for an s3:// path, "
                                f"got {storage_options!r}")
            metadata = storage_options.get("metadata")
        _ckpt.save(checkpoint, uri, client=self._clients.get(), metadata=metadata, part_size=self.part_size)

    def load_checkpoint(self, path: _Path, map_location: Optional[Callable] = None,
                        weights_only: Optional[bool] = None) -> Dict[str, Any]:
        uri = _s3(path)
        if uri is None:
            return self._local.load_checkpoint(path, map_location=map_location, weights_only=weights_only)
        kwargs: Dict[str, Any] = {}
        if weights_only is not None:
            kwargs["weights_only"] = weights_only
        return _ckpt.load(uri, client=self._clients.get(), map_location=map_location, **kwargs)

    def remove_checkpoint(self, path: _Path) -> None:
        uri = _s3(path)
        if uri is None:
            self._local.remove_checkpoint(path)
            return
        bucket, key = check_s3_uri("path", uri, key_required=True)
        self._clients.get().delete_object(bucket, key)

    def teardown(self) -> None:
        pass
