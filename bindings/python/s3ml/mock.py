"""s3ml.MockServer: an in-process S3 server for tests (no network, no Docker)."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from . import _core
from .client import Client

__all__ = ["MockServer"]


class MockServer(_core.MockServer):
    """An S3-compatible server on 127.0.0.1 in this process, storing objects in memory.

    ``faults`` is an optional list of dicts of :meth:`add_fault` keyword arguments.
    Use it as a context manager (stopped on exit) or call :meth:`stop`. ``client()``
    returns an :class:`s3ml.Client` configured for it.
    """

    def __init__(self, access_key: str = "AKIAMOCK", secret_key: str = "mock-secret",
                 region: str = "us-east-1", faults: Optional[Iterable[Dict[str, Any]]] = None,
                 verify_signatures: bool = True, **kwargs: Any) -> None:
        super().__init__(access_key=access_key, secret_key=secret_key, region=region,
                         verify_signatures=verify_signatures, **kwargs)
        for fault in faults or ():
            self.add_fault(**fault)

    def client(self, **overrides: Any) -> Client:
        """An s3ml.Client for this server (path-style, its credentials and region)."""
        kwargs: Dict[str, Any] = dict(endpoint_url=self.endpoint_url, region=self.region,
                                      access_key=self.access_key, secret_key=self.secret_key,
                                      addressing_style="path")
        kwargs.update(overrides)
        return Client(**kwargs)

    def client_kwargs(self) -> Dict[str, Any]:
        """The keyword arguments of :meth:`client` (for Dataset(..., **kwargs) and friends)."""
        return dict(endpoint_url=self.endpoint_url, region=self.region, access_key=self.access_key,
                    secret_key=self.secret_key, addressing_style="path")

    def __enter__(self) -> "MockServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"s3ml.MockServer({self.endpoint_url if self.running else 'stopped'})"
