"""s3ml.Client: the native client plus pickling and the checkpoint file objects."""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Union

from . import _core
from ._args import bad_value, check_bool, check_choice, check_int, check_str

__all__ = ["Client"]

_INT_MAX = 2**31 - 1
# Keyword arguments of s3ml.Client that the datasets (s3ml.Dataset, s3ml.torch) take directly.
DATASET_CLIENT_ARGS = ("endpoint_url", "region", "profile", "access_key", "secret_key", "session_token",
                       "max_attempts", "addressing_style", "max_connections", "verify", "unsigned")
# Every keyword argument of s3ml.Client.
CLIENT_ARGS = DATASET_CLIENT_ARGS + ("allow_sse_c_over_http", "request_checksum_calculation")


def _check_client_args(args: Dict[str, Any]) -> Dict[str, Any]:
    """Checks s3ml.Client keyword arguments (TypeError / ValueError naming the argument);
    returns them normalized. Used by Client and by the datasets that build clients."""
    out = dict(args)
    url = check_str("endpoint_url", args.get("endpoint_url"), optional=True)
    if url is not None and not (url.startswith("http://") or url.startswith("https://")):
        raise bad_value("endpoint_url", f"expected an http:// or https:// URL, got {url!r}")
    if url is not None and len(url.split("://", 1)[1].split("/", 1)[0]) == 0:
        raise bad_value("endpoint_url", f"no host in {url!r}")
    for name in ("region", "profile"):
        check_str(name, args.get(name), optional=True, nonempty=True)
    for name in ("access_key", "secret_key", "session_token"):
        check_str(name, args.get(name), optional=True)
    for name in ("max_attempts", "max_connections"):
        if name in args:
            out[name] = check_int(name, args[name], min=1, max=_INT_MAX, optional=True)
    check_choice("addressing_style", args.get("addressing_style"), ("auto", "path", "virtual"), optional=True)
    verify = args.get("verify")
    if isinstance(verify, os.PathLike):
        out["verify"] = verify = os.fspath(verify)
    if verify is not None and not isinstance(verify, (bool, str)):
        raise TypeError(f"verify: expected a bool or the path of a CA bundle, got {type(verify).__name__}")
    if isinstance(verify, str) and not verify:
        raise bad_value("verify", "the CA bundle path must not be empty")
    if "unsigned" in args:
        out["unsigned"] = check_bool("unsigned", args["unsigned"])
        if out["unsigned"] and (args.get("access_key") is not None or args.get("secret_key") is not None):
            raise bad_value("unsigned", "anonymous requests cannot be combined with access_key/secret_key")
    if "allow_sse_c_over_http" in args:
        out["allow_sse_c_over_http"] = check_bool("allow_sse_c_over_http", args["allow_sse_c_over_http"])
    rcc = check_str("request_checksum_calculation", args.get("request_checksum_calculation"), optional=True)
    if rcc is not None and rcc.lower() not in ("when_supported", "when_required"):
        raise bad_value("request_checksum_calculation", f"expected 'when_supported' or 'when_required', got {rcc!r}")
    return out


def _rebuild_client(cls: type, config: Dict[str, Any]) -> "Client":
    return cls(**config)


class Client(_core.Client):
    __doc__ = _core.Client.__doc__

    def __init__(self, endpoint_url: Optional[str] = None, region: Optional[str] = None,
                 profile: Optional[str] = None, access_key: Optional[str] = None, secret_key: Optional[str] = None,
                 session_token: Optional[str] = None, max_attempts: Optional[int] = None,
                 addressing_style: Optional[str] = None, max_connections: Optional[int] = None,
                 verify: Union[None, bool, str, "os.PathLike[str]"] = None, allow_sse_c_over_http: bool = False,
                 request_checksum_calculation: Optional[str] = None, unsigned: bool = False) -> None:
        args = _check_client_args(dict(
            endpoint_url=endpoint_url, region=region, profile=profile, access_key=access_key,
            secret_key=secret_key, session_token=session_token, max_attempts=max_attempts,
            addressing_style=addressing_style, max_connections=max_connections, verify=verify,
            allow_sse_c_over_http=allow_sse_c_over_http,
            request_checksum_calculation=request_checksum_calculation, unsigned=unsigned))
        super().__init__(**args)

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
