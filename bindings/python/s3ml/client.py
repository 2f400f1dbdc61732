"""s3ml.Client: the native client plus pickling and the checkpoint file objects."""

from __future__ import annotations

from typing import Any, Dict

from . import _core

__all__ = ["Client"]


def _rebuild_client(cls: type, config: Dict[str, Any]) -> "Client":
    return cls(**config)


class Client(_core.Client):
    __doc__ = _core.Client.__doc__

    def __reduce__(self):
        # Only the configuration travels: the child process resolves credentials again
        # and builds its own connections on first use.
        return (_rebuild_client, (type(self), self._config()))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items() if k not in ("secret_key", "session_token"))
        return f"s3ml.Client({args})"

    # ---- checkpoints (s3ml.checkpoint) ------------------------------------------------
    def open_write(self, uri: str, metadata: Dict[str, str] | None = None, part_size: int | None = None,
                   **kwargs: Any):
        """A writable binary file object that streams to ``uri`` (``s3://bucket/key``) through a
        multipart upload. ``close()`` (or leaving a ``with`` block normally) commits; an
        exception in the ``with`` block, ``abort()``, or dropping the object without closing
        aborts the upload (nothing is stored). See :func:`s3ml.checkpoint.open_write`."""
        from .checkpoint import open_write
        return open_write(self, uri, metadata=metadata, part_size=part_size, **kwargs)

    def open_read(self, uri: str, version_id: str | None = None, **kwargs: Any):
        """A readable, seekable binary file object over ``uri`` (ranged GETs pinned to one
        version). See :func:`s3ml.checkpoint.open_read`."""
        from .checkpoint import open_read
        return open_read(self, uri, version_id=version_id, **kwargs)
