"""An fsspec filesystem over the s3ml client: ``s3ml://bucket/key`` URLs for pandas,
pyarrow, Dask, Hugging Face ``datasets`` and anything else that speaks fsspec.

::

    import fsspec
    fs = fsspec.filesystem("s3ml", endpoint_url="http://127.0.0.1:9000", key="...", secret="...")
    fs.ls("bucket/prefix")
    fs.cat_ranges(["bucket/a", "bucket/b"], [0, 100], [10, 200])   # concurrent ranged GETs

The protocol ``s3ml`` is registered with fsspec through the package's entry point (and
again when this module is imported). :func:`register_s3` makes ``s3://`` URLs use it too.

What runs where:

* ``cat``/``cat_file`` of many paths and ``cat_ranges`` issue their GETs concurrently
  from one call of :meth:`s3ml.Client.get_objects` (the GIL is released for the whole
  batch; ``max_concurrency`` requests in flight), not one GET after another.
* ``open(path, "rb")`` is a buffered, seekable file over ranged GETs pinned to the
  version it opened, with ``read_ahead`` ranges of ``block_size`` bytes fetched in
  parallel ahead of the read position (s3ml's artifact reader).
* ``open(path, "wb")`` streams through a multipart upload (parts uploaded in the
  background); ``close()`` commits, an exception in a ``with`` block aborts.
* ``put_file``/``get_file`` are the transfer manager's parallel multipart upload and
  parallel ranged download.
* ``find`` is one flat listing (no walk directory by directory); ``ls`` is one
  delimited listing.

Options like s3fs's map to :class:`s3ml.Client`'s: ``endpoint_url``, ``key`` /
``secret`` / ``token`` (access key, secret key, session token), ``anon=True``
(unsigned requests), ``profile``, ``region``, and ``client_kwargs`` (``endpoint_url``,
``region_name``, ``verify``, ``aws_access_key_id``, ... or any ``s3ml.Client``
keyword argument). Or pass a ready ``client=s3ml.Client(...)``.

Errors: a missing object, bucket or prefix raises ``FileNotFoundError`` (chained from
the s3ml error); other failures raise the s3ml exception (``s3ml.AccessDenied``, ...).
"""

from __future__ import annotations

import io
import os
from glob import has_magic  # type: ignore[attr-defined]
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import fsspec
from fsspec.spec import AbstractFileSystem

from . import _core, checkpoint as _checkpoint
from .client import Client
from .errors import Error, InvalidRange, S3Error

__all__ = ["S3mlFileSystem", "register_s3"]

_MiB = 2**20
# Ranged reads of open(): block_size bytes a request, read_ahead requests ahead. Small
# enough that a Parquet footer or one column chunk does not pull tens of MiB.
_DEFAULT_BLOCK_SIZE = 4 * _MiB
_DEFAULT_READ_AHEAD = 2
_MAX_DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys

# s3fs/botocore names in client_kwargs -> s3ml.Client's.
_CLIENT_KWARG_ALIASES = {
    "region_name": "region",
    "aws_access_key_id": "access_key",
    "aws_secret_access_key": "secret_key",
    "aws_session_token": "session_token",
}


def _is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, S3Error) and (exc.status == 404 or exc.code in ("NoSuchKey", "NoSuchBucket", "NotFound"))


def _not_found(path: str, exc: Optional[BaseException] = None) -> FileNotFoundError:
    err = FileNotFoundError(2, "No such file or directory", path)
    if exc is not None:
        err.__cause__ = exc
    return err


class S3mlFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """fsspec filesystem for ``s3ml://bucket/key`` (see the module docstring).

    Thread safety: an instance may be used from many threads (the client is shared;
    each open file belongs to one thread at a time)."""

    protocol = ("s3ml", "s3")
    root_marker = ""

    def __init__(self, *args: Any, client: Optional[Client] = None, endpoint_url: Optional[str] = None,
                 key: Optional[str] = None, secret: Optional[str] = None, token: Optional[str] = None,
                 anon: bool = False, profile: Optional[str] = None, region: Optional[str] = None,
                 client_kwargs: Optional[Dict[str, Any]] = None, max_concurrency: int = 16,
                 default_block_size: int = _DEFAULT_BLOCK_SIZE, default_read_ahead: int = _DEFAULT_READ_AHEAD,
                 **storage_options: Any) -> None:
        super().__init__(*args, **storage_options)
        if client is not None:
            if not isinstance(client, _core.Client):
                raise TypeError(f"client: expected an s3ml.Client, got {type(client).__name__}")
            if any(v is not None for v in (endpoint_url, key, secret, token, profile, region, client_kwargs)) or anon:
                raise TypeError("S3mlFileSystem: give client= or the client options, not both")
            self.client = client
        else:
            kwargs: Dict[str, Any] = {}
            for name, value in (client_kwargs or {}).items():
                kwargs[_CLIENT_KWARG_ALIASES.get(name, name)] = value
            for name, value in (("endpoint_url", endpoint_url), ("access_key", key), ("secret_key", secret),
                                ("session_token", token), ("profile", profile), ("region", region)):
                if value is not None:
                    kwargs[name] = value
            if anon:
                kwargs["unsigned"] = True
            self.client = Client(**kwargs)
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or not 1 <= max_concurrency <= 256:
            raise ValueError(f"max_concurrency: must be an int in 1..256, got {max_concurrency!r}")
        self.max_concurrency = max_concurrency
        self.default_block_size = default_block_size
        self.default_read_ahead = default_read_ahead

    # ---- paths --------------------------------------------------------------------

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        path = os.fspath(path) if isinstance(path, os.PathLike) else path
        for proto in ("s3ml://", "s3://", "s3a://"):
            if path.startswith(proto):
                path = path[len(proto):]
                break
        return path.strip("/")

    def _split(self, path: str) -> Tuple[str, str]:
        path = self._strip_protocol(path)
        bucket, _, key = path.partition("/")
        return bucket, key

    def _split_key(self, path: str) -> Tuple[str, str]:
        bucket, key = self._split(path)
        if not bucket or not key:
            raise ValueError(f"expected 'bucket/key', got {path!r}")
        return bucket, key

    @staticmethod
    def _file_info(bucket: str, key: str, size: int, etag: str, last_modified: Any,
                   storage_class: str = "STANDARD", version_id: str = "") -> Dict[str, Any]:
        info = {"name": f"{bucket}/{key}", "size": size, "type": "file", "Key": f"{bucket}/{key}", "Size": size,
                "ETag": etag, "LastModified": last_modified, "mtime": last_modified, "StorageClass": storage_class}
        if version_id:
            info["VersionId"] = version_id
        return info

    @staticmethod
    def _dir_info(name: str) -> Dict[str, Any]:
        return {"name": name, "size": 0, "type": "directory", "Key": name, "Size": 0, "StorageClass": "DIRECTORY"}

    # ---- listing and metadata -----------------------------------------------------

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> Union[List[str], List[Dict[str, Any]]]:
        path = self._strip_protocol(path)
        if not path:
            out = [self._dir_info(b.name) for b in self.client.list_buckets()]
        else:
            bucket, key = self._split(path)
            prefix = key + "/" if key else ""
            try:
                it = self.client.list_objects(bucket, prefix, delimiter="/")
                out = [self._file_info(bucket, o.key, o.size, o.etag, o.last_modified, o.storage_class)
                       for o in it if o.key != prefix]
            except Error as e:
                if _is_not_found(e):
                    raise _not_found(path, e) from None
                raise
            out += [self._dir_info(f"{bucket}/{p.rstrip('/')}") for p in it.common_prefixes]
            if not out:
                info = self.info(path)  # FileNotFoundError when nothing is there
                if info["type"] == "file":
                    out = [info]
        return out if detail else [o["name"] for o in out]

    def info(self, path: str, **kwargs: Any) -> Dict[str, Any]:
        path = self._strip_protocol(path)
        if not path:
            return self._dir_info("")
        bucket, key = self._split(path)
        try:
            if not key:
                self.client.head_bucket(bucket)
                return self._dir_info(bucket)
            try:
                h = self.client.head_object(bucket, key, version_id=kwargs.get("version_id"))
                return self._file_info(bucket, key, h.object_size, h.etag, h.last_modified, h.storage_class,
                                       h.version_id)
            except Error as e:
                if not _is_not_found(e):
                    raise
            # Not an object: a "directory" when some key starts with key + "/".
            it = self.client.list_objects(bucket, key + "/", delimiter="/", page_size=1)
            if next(iter(it), None) is not None or it.common_prefixes:
                return self._dir_info(path)
        except Error as e:
            if _is_not_found(e):
                raise _not_found(path, e) from None
            raise
        raise _not_found(path)

    def find(self, path: str, maxdepth: Optional[int] = None, withdirs: bool = False, detail: bool = False,
             **kwargs: Any) -> Union[List[str], Dict[str, Dict[str, Any]]]:
        path = self._strip_protocol(path)
        if maxdepth is not None or not path:
            return super().find(path, maxdepth=maxdepth, withdirs=withdirs, detail=detail, **kwargs)  # type: ignore[no-any-return]
        bucket, key = self._split(path)
        prefix = key + "/" if key else ""
        out: Dict[str, Dict[str, Any]] = {}
        try:
            for o in self.client.list_objects(bucket, prefix):  # one flat listing
                if withdirs:
                    rel = o.key[len(prefix):].split("/")[:-1]
                    for i in range(1, len(rel) + 1):
                        d = f"{bucket}/{prefix}{'/'.join(rel[:i])}"
                        out.setdefault(d, self._dir_info(d))
                if o.key.endswith("/"):
                    continue  # a "directory marker" object
                out[f"{bucket}/{o.key}"] = self._file_info(bucket, o.key, o.size, o.etag, o.last_modified,
                                                           o.storage_class)
        except Error as e:
            if not _is_not_found(e):
                raise
        if out:
            if withdirs:
                out[path] = self._dir_info(path)
        elif key:
            try:
                info = self.info(path)
            except FileNotFoundError:
                info = None
            if info is not None and (info["type"] == "file" or withdirs):
                out[path] = info
        names = sorted(out)
        return {n: out[n] for n in names} if detail else names

    def modified(self, path: str) -> Any:
        info = self.info(path)
        if info["type"] != "file":
            raise IsADirectoryError(path)
        return info["LastModified"]

    def sign(self, path: str, expiration: int = 3600, **kwargs: Any) -> str:
        bucket, key = self._split_key(path)
        return self.client.presign("GET", bucket, key, expires_in=expiration)

    # ---- reading ------------------------------------------------------------------

    def _size(self, path: str) -> int:
        return int(self.info(path)["size"])

    def _range(self, path: str, start: Optional[int], end: Optional[int],
               sizes: Dict[str, int]) -> Union[None, str, Tuple[int, Optional[int]], bytes]:
        """get_object's range for the slice [start:end] of `path` (Python slice rules);
        b"" when the slice is empty. Negative bounds cost one HEAD per path (kept in `sizes`)."""
        if (start is not None and start < 0 and end is None):
            return f"bytes=-{-start}"
        if (start is not None and start < 0) or (end is not None and end < 0):
            if path not in sizes:
                sizes[path] = self._size(path)
            size = sizes[path]
            if start is not None and start < 0:
                start = max(0, size + start)
            if end is not None and end < 0:
                end = max(0, size + end)
        start = start or 0
        if end is None:
            return None if start == 0 else (start, None)
        if end <= start:
            return b""
        return (start, end - 1)

    def _get_many(self, items: Sequence[Tuple[str, Optional[int], Optional[int]]]) -> List[Union[bytes, BaseException]]:
        """The bytes of each (path, start, end), fetched concurrently; a failure is its
        exception in place (a missing object: FileNotFoundError)."""
        out: List[Union[bytes, BaseException, None]] = [None] * len(items)
        requests: List[Tuple[Any, ...]] = []
        slots: List[int] = []
        sizes: Dict[str, int] = {}
        for i, (path, start, end) in enumerate(items):
            try:
                bucket, key = self._split_key(path)
                rng = self._range(path, start, end, sizes)
            except (Error, OSError, ValueError) as e:
                out[i] = e
                continue
            if isinstance(rng, bytes):
                out[i] = rng
                continue
            requests.append((bucket, key) if rng is None else (bucket, key, rng))
            slots.append(i)
        if requests:
            bodies = self.client.get_objects(requests, concurrency=self.max_concurrency, return_exceptions=True)
            for i, body in zip(slots, bodies):
                if isinstance(body, InvalidRange):
                    out[i] = b""  # the range starts at or beyond the end: empty, like a file slice
                elif isinstance(body, BaseException):
                    out[i] = _not_found(items[i][0], body) if _is_not_found(body) else body
                else:
                    out[i] = bytes(body)
        return out  # type: ignore[return-value]

    def cat_file(self, path: str, start: Optional[int] = None, end: Optional[int] = None, **kwargs: Any) -> bytes:
        result = self._get_many([(path, start, end)])[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def cat_ranges(self, paths: List[str], starts: Union[int, None, List[Optional[int]]],
                   ends: Union[int, None, List[Optional[int]]], max_gap: Optional[int] = None,
                   on_error: str = "return", **kwargs: Any) -> List[Union[bytes, BaseException]]:
        """The bytes of each ``paths[i][starts[i]:ends[i]]``, all requested concurrently
        (``max_concurrency`` GETs in flight). With ``on_error="return"`` a failure is its
        exception in the list; otherwise the first failure raises."""
        if max_gap is not None:
            raise NotImplementedError("max_gap: ranges are fetched concurrently, never merged")
        if not isinstance(paths, list):
            raise TypeError(f"paths: expected a list, got {type(paths).__name__}")
        starts_l = starts if isinstance(starts, list) else [starts] * len(paths)
        ends_l = ends if isinstance(ends, list) else [ends] * len(paths)
        if len(starts_l) != len(paths) or len(ends_l) != len(paths):
            raise ValueError("cat_ranges: paths, starts and ends must have the same length")
        out = self._get_many(list(zip(paths, starts_l, ends_l)))
        if on_error != "return":
            for r in out:
                if isinstance(r, BaseException):
                    raise r
        return out

    def cat(self, path: Union[str, List[str]], recursive: bool = False, on_error: str = "raise",
            **kwargs: Any) -> Union[bytes, Dict[str, Union[bytes, BaseException]]]:
        """Like fsspec's ``cat``, with every object of a many-path call fetched concurrently."""
        plist = path if isinstance(path, list) else [path]
        if recursive and not any(has_magic(p) for p in plist):
            # The files below each path (a recursive expand_path would list the
            # "directories" too, which have no bytes to cat).
            paths = sorted({f for p in plist for f in self.find(p)})
            if not paths:
                raise _not_found(str(path))
        else:
            paths = self.expand_path(path, recursive=recursive)
        if len(paths) > 1 or isinstance(path, list) or paths[0] != self._strip_protocol(path):
            results = self._get_many([(p, None, None) for p in paths])
            out: Dict[str, Union[bytes, BaseException]] = {}
            for p, r in zip(paths, results):
                if isinstance(r, BaseException):
                    if on_error == "raise":
                        raise r
                    if on_error == "omit":
                        continue
                out[p] = r
            return out
        return self.cat_file(paths[0], **kwargs)

    def _open(self, path: str, mode: str = "rb", block_size: Optional[int] = None, autocommit: bool = True,
              cache_options: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Any:
        bucket, key = self._split_key(path)
        uri = f"s3://{bucket}/{key}"
        if mode == "rb":
            read_ahead = kwargs.pop("read_ahead", None) or self.default_read_ahead
            part = block_size or self.default_block_size
            try:
                raw = _checkpoint.open_read(self.client, uri, version_id=kwargs.pop("version_id", None),
                                            part_size=max(part, 64 * 1024), read_ahead=read_ahead)
            except Error as e:
                if _is_not_found(e):
                    raise _not_found(path, e) from None
                raise
            return S3mlReadFile(self, f"{bucket}/{key}", raw)
        if mode == "wb":
            if not autocommit:
                raise NotImplementedError("s3ml filesystem: transactions (autocommit=False) are not supported")
            native = _checkpoint._native_writer(self.client, uri, kwargs.pop("metadata", None),
                                                part_size=block_size if block_size and block_size >= 5 * _MiB else None,
                                                content_type=kwargs.pop("content_type", None))
            return S3mlWriteFile(self, f"{bucket}/{key}", native, uri)
        raise NotImplementedError(f"s3ml filesystem: mode {mode!r} is not supported (use 'rb' or 'wb')")

    # ---- writing ------------------------------------------------------------------

    def pipe_file(self, path: str, value: Any, mode: str = "overwrite", **kwargs: Any) -> None:
        bucket, key = self._split_key(path)
        self.client.put_object(bucket, key, value, if_none_match="*" if mode == "create" else None,
                               content_type=kwargs.get("content_type"), metadata=kwargs.get("metadata"))

    def put_file(self, lpath: str, rpath: str, callback: Any = None, mode: str = "overwrite", **kwargs: Any) -> None:
        if os.path.isdir(lpath):
            return  # S3 has no directories: the files below make the prefix exist
        bucket, key = self._split_key(rpath)
        progress = None
        if callback is not None and hasattr(callback, "absolute_update"):
            callback.set_size(os.path.getsize(lpath))
            progress = lambda done, total: callback.absolute_update(done)  # noqa: E731
        self.client.upload_file(lpath, bucket, key, progress=progress, content_type=kwargs.get("content_type"),
                                metadata=kwargs.get("metadata"))

    def get_file(self, rpath: str, lpath: str, callback: Any = None, outfile: Any = None, **kwargs: Any) -> None:
        if self.isdir(rpath):
            os.makedirs(lpath, exist_ok=True)
            return
        bucket, key = self._split_key(rpath)
        progress = None
        if callback is not None and hasattr(callback, "absolute_update"):
            def progress(done: int, total: int) -> None:
                callback.set_size(total)
                callback.absolute_update(done)
        try:
            if outfile is not None:
                self.client.download_fileobj(bucket, key, outfile, progress=progress)
            else:
                self.client.download_file(bucket, key, lpath, progress=progress)
        except Error as e:
            if _is_not_found(e):
                raise _not_found(rpath, e) from None
            raise

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        b1, k1 = self._split_key(path1)
        b2, k2 = self._split_key(path2)
        try:
            self.client.copy_object(b1, k1, b2, k2)
        except Error as e:
            if _is_not_found(e):
                raise _not_found(path1, e) from None
            raise

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        """Creates the bucket of a bare ``bucket`` path (FileExistsError when it exists);
        a path inside a bucket needs nothing (S3 has no directories) but the bucket,
        created with ``create_parents``."""
        bucket, key = self._split(path)
        if not bucket:
            raise ValueError("mkdir: no bucket in the path")
        if key:
            if create_parents and not self.exists(bucket):
                self.client.create_bucket(bucket, region=kwargs.get("region"))
            return
        # S3 in us-east-1 answers 200 to re-creating a bucket one owns (legacy
        # behaviour), so an existing bucket is looked for first.
        if self.exists(bucket):
            raise FileExistsError(17, "Bucket exists", bucket)
        try:
            self.client.create_bucket(bucket, region=kwargs.get("region"))
        except S3Error as e:
            if e.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise FileExistsError(17, "Bucket exists", bucket) from e
            raise

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        try:
            self.mkdir(path, create_parents=True)
        except FileExistsError:
            if not exist_ok:
                raise

    def rmdir(self, path: str) -> None:
        bucket, key = self._split(path)
        if not key:
            self.client.delete_bucket(bucket)

    def rm_file(self, path: str) -> None:
        bucket, key = self._split_key(path)
        self.client.delete_object(bucket, key)

    def _rm(self, path: str) -> None:
        self.rm_file(path)

    def rm(self, path: Union[str, List[str]], recursive: bool = False, maxdepth: Optional[int] = None) -> None:
        """Deletes the objects (DeleteObjects, up to 1000 keys a request); with
        ``recursive``, a bare bucket path also deletes the emptied bucket."""
        paths = self.expand_path(path, recursive=recursive, maxdepth=maxdepth)
        by_bucket: Dict[str, List[str]] = {}
        buckets: List[str] = []
        for p in paths:
            bucket, key = self._split(p)
            if key:
                by_bucket.setdefault(bucket, []).append(key)
            elif recursive:
                buckets.append(bucket)
        for bucket, keys in by_bucket.items():
            for i in range(0, len(keys), _MAX_DELETE_BATCH):
                res = self.client.delete_objects(bucket, keys[i:i + _MAX_DELETE_BATCH], quiet=True)
                if res.errors:
                    e = res.errors[0]
                    raise OSError(f"rm: could not delete {len(res.errors)} object(s); first: "
                                  f"{bucket}/{e.key}: {e.code} {e.message}")
        for bucket in buckets:
            self.client.delete_bucket(bucket)


class S3mlReadFile(io.BufferedReader):
    """The buffered, seekable file of ``S3mlFileSystem.open(path, "rb")`` (ranged GETs
    with read-ahead, pinned to one version of the object)."""

    mode = "rb"

    def __init__(self, fs: S3mlFileSystem, path: str, raw: _checkpoint.CheckpointReader) -> None:
        super().__init__(raw, buffer_size=256 * 1024)
        self.fs = fs
        self.path = path

    @property
    def size(self) -> int:
        raw: Any = self.raw
        return int(raw.size)

    @property
    def details(self) -> Dict[str, Any]:
        raw: Any = self.raw
        i = raw.info
        return self.fs._file_info(i.bucket, i.key, i.size, i.etag, i.last_modified, version_id=i.version_id)


class S3mlWriteFile(_checkpoint.CheckpointWriter):
    """The file of ``S3mlFileSystem.open(path, "wb")``: a multipart upload committed by
    ``close()``; an exception in its ``with`` block (or ``discard()``) aborts it."""

    mode = "wb"

    def __init__(self, fs: S3mlFileSystem, path: str, native: Any, uri: str) -> None:
        super().__init__(native, uri)
        self.fs = fs
        self.path = path

    def discard(self) -> None:
        self.abort()


def register_s3(clobber: bool = True) -> None:
    """Makes fsspec use S3mlFileSystem for ``s3://`` (and ``s3a://``) URLs too:
    ``fsspec.filesystem("s3", endpoint_url=...)``, ``pandas.read_parquet("s3://...",
    storage_options=...)``. Without this call ``s3://`` stays with s3fs."""
    for proto in ("s3", "s3a"):
        fsspec.register_implementation(proto, S3mlFileSystem, clobber=clobber)


fsspec.register_implementation("s3ml", S3mlFileSystem, clobber=True)
