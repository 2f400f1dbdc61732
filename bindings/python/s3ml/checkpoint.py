"""Checkpoints and model artifacts as file objects, plus a versioning-aware registry.

``client.open_write("s3://b/ckpt.pt", metadata={"step": "100"})`` returns a writable
binary file object that streams through a multipart upload (parts are uploaded in
the background while you keep writing; memory stays within a budget).
``close()`` — or leaving a ``with`` block normally — commits; an exception inside
the ``with`` block, ``abort()``, or dropping the object without closing it aborts the
upload, so nothing (not even parts) is left behind.

``client.open_read("s3://b/ckpt.pt", version_id=None)`` returns a readable, seekable
binary file object: ranged GETs pinned to the version it opened, with read-ahead.

Both work with ``torch.save(obj, f)`` / ``torch.load(f)`` and anything else that takes
a binary file.
"""

from __future__ import annotations

import io
from typing import Any, Dict, List, Optional, Tuple

from . import _core
from ._args import check_int, check_s3_uri, check_str, check_str_dict

__all__ = ["CheckpointWriter", "CheckpointReader", "open_write", "open_read", "list_versions",
           "latest", "version", "best", "rollback", "parse_s3_uri", "ArtifactInfo"]

ArtifactInfo = _core.ArtifactInfo


def parse_s3_uri(uri: str) -> Tuple[str, str]:
    """("bucket", "key") of "s3://bucket/key" (s3ml.parse_s3_uri, with a key required);
    ValueError naming the URI otherwise."""
    return check_s3_uri("uri", uri, key_required=True)


def _check_client(client: Any) -> None:
    if not isinstance(client, _core.Client):
        raise TypeError(f"client: expected an s3ml.Client, got {type(client).__name__}")


class CheckpointWriter(io.RawIOBase):
    """Writable, non-seekable binary stream to one S3 object (see the module docstring)."""

    def __init__(self, native: Any, uri: str) -> None:
        super().__init__()
        self._w = native
        self.uri = uri
        self.info: Optional[ArtifactInfo] = None
        self._aborted = False

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a closed CheckpointWriter")
        return self._w.write(b)

    def tell(self) -> int:
        return self._w.bytes_written

    def commit(self) -> ArtifactInfo:
        """Uploads the rest, completes the upload and closes; returns what was stored."""
        if self.info is None:
            self.info = self._w.commit()
        super().close()
        return self.info

    def abort(self) -> None:
        """Discards everything written (aborts the multipart upload) and closes."""
        if self.info is None and not self._aborted:
            self._aborted = True
            self._w.abort()
        super().close()

    def close(self) -> None:
        if self.closed:
            return
        if self._aborted:
            super().close()
        else:
            self.commit()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()

    def __del__(self) -> None:
        # Dropped without close(): abort (never commit half-written data).
        try:
            if not self.closed:
                self.abort()
        except Exception:
            pass

    def stats(self) -> Dict[str, int]:
        return self._w.stats()


class CheckpointReader(io.RawIOBase):
    """Readable, seekable binary stream over one object version (see the module docstring)."""

    def __init__(self, native: Any, uri: str) -> None:
        super().__init__()
        self._r = native
        self.uri = uri
        self.info: ArtifactInfo = native.info

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("read from a closed CheckpointReader")
        return self._r.readinto(b)

    def readall(self) -> bytes:
        remaining = max(0, self._r.size - self._r.tell())
        buf = bytearray(remaining)
        view = memoryview(buf)
        got = 0
        while got < remaining:
            n = self._r.readinto(view[got:])
            if n == 0:
                break
            got += n
        del view
        return bytes(buf[:got])

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._r.tell() + offset
        elif whence == io.SEEK_END:
            target = self._r.size + offset
        else:
            raise ValueError(f"whence: expected 0, 1 or 2, got {whence}")
        if target < 0:
            raise ValueError(f"seek: negative position {target}")
        self._r.seek(min(target, self._r.size))
        return self._r.tell()

    def tell(self) -> int:
        return self._r.tell()

    @property
    def size(self) -> int:
        return self._r.size

    def close(self) -> None:
        if not self.closed:
            self._r.close()
        super().close()


def open_write(client: Any, uri: str, metadata: Optional[Dict[str, Any]] = None, part_size: Optional[int] = None,
               *, concurrency: Optional[int] = None, memory_budget: Optional[int] = None,
               content_type: Optional[str] = None) -> CheckpointWriter:
    """A CheckpointWriter for ``uri``. Metadata values are converted with ``str()``.
    Errors: TypeError / ValueError naming the argument for bad options (``part_size``
    5 MiB..5 GiB, ``concurrency`` 1..64, ``memory_budget`` at least one part)."""
    return CheckpointWriter(_native_writer(client, uri, metadata, part_size, concurrency=concurrency,
                                           memory_budget=memory_budget, content_type=content_type), uri)


def _native_writer(client: Any, uri: str, metadata: Optional[Dict[str, Any]] = None,
                   part_size: Optional[int] = None, *, concurrency: Optional[int] = None,
                   memory_budget: Optional[int] = None, content_type: Optional[str] = None) -> Any:
    """The native artifact writer of open_write (arguments checked the same way)."""
    _check_client(client)
    bucket, key = parse_s3_uri(uri)
    check_str_dict("metadata", metadata)
    part_size = check_int("part_size", part_size, min=5 * 2**20, max=5 * 2**30, optional=True)
    concurrency = check_int("concurrency", concurrency, min=1, max=64, optional=True)
    memory_budget = check_int("memory_budget", memory_budget, min=0, max=2**64 - 1, optional=True)
    check_str("content_type", content_type, optional=True)
    md = None if metadata is None else {str(k): str(v) for k, v in metadata.items()}
    return _core.open_artifact_writer(client, bucket, key, metadata=md, part_size=part_size,
                                      concurrency=concurrency, memory_budget=memory_budget,
                                      content_type=content_type)


def open_read(client: Any, uri: str, version_id: Optional[str] = None, *, part_size: Optional[int] = None,
              read_ahead: Optional[int] = None) -> CheckpointReader:
    """A CheckpointReader for ``uri`` (the given version, or the current one).
    Errors: TypeError / ValueError naming the argument for bad options."""
    _check_client(client)
    bucket, key = parse_s3_uri(uri)
    check_str("version_id", version_id, optional=True, nonempty=True)
    part_size = check_int("part_size", part_size, min=64 * 2**10, max=5 * 2**30, optional=True)
    read_ahead = check_int("read_ahead", read_ahead, min=1, max=64, optional=True)
    native = _core.open_artifact_reader(client, bucket, key, version_id=version_id, part_size=part_size,
                                        read_ahead=read_ahead)
    return CheckpointReader(native, uri)


def list_versions(client: Any, uri: str) -> List[ArtifactInfo]:
    """Every version of exactly ``uri``'s key, newest first, with metadata (no delete markers)."""
    return _core.list_artifact_versions(client, *parse_s3_uri(uri))


def latest(client: Any, uri: str) -> ArtifactInfo:
    """The current version (NoSuchKey when deleted or absent)."""
    return _core.latest_artifact(client, *parse_s3_uri(uri))


def version(client: Any, uri: str, version_id: str) -> ArtifactInfo:
    """One given version with its metadata."""
    return _core.artifact_version(client, *parse_s3_uri(uri), version_id)


def best(client: Any, uri: str, metric: str, higher_is_better: bool = True) -> ArtifactInfo:
    """The version whose numeric metadata ``metric`` is best (ties: newer)."""
    return _core.best_artifact(client, *parse_s3_uri(uri), metric, higher_is_better)


def rollback(client: Any, uri: str, version_id: str) -> ArtifactInfo:
    """Makes ``version_id`` the latest again (a server-side copy; history is kept)."""
    return _core.rollback_artifact(client, *parse_s3_uri(uri), version_id)
