"""``s3ml.torch.save`` / ``s3ml.torch.load``: ``torch.save`` / ``torch.load`` streamed to
and from S3 through the checkpoint file objects of :mod:`s3ml.checkpoint`."""

from __future__ import annotations

from typing import Any, Dict, Optional

import torch

from s3ml._args import check_s3_uri
from s3ml.client import Client

__all__ = ["save", "load"]


def _client_for(client: Any, client_kwargs: Dict[str, Any]) -> Any:
    return client if client is not None else Client(**client_kwargs)


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
    check_s3_uri("uri", uri)
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
    return w.commit()


def _abort(w: Any) -> None:
    # Never close() here: closing a checkpoint writer commits.
    try:
        w.abort()
    except Exception:  # the original error is the one to report
        pass


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
    check_s3_uri("uri", uri)
    c = _client_for(client, client_kwargs or {})
    r = c.open_read(uri, version_id=version_id)
    try:
        return torch.load(r, map_location=map_location, **torch_load_kwargs)
    finally:
        r.close()
