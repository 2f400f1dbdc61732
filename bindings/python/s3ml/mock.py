"""s3ml.MockServer: an in-process S3 server for tests (no network, no Docker)."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from . import _core
from ._args import bad_value, check_bool, check_choice, check_float, check_int, check_known, check_str
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
        check_known("MockServer", kwargs, ("port", "seed", "threads", "allow_anonymous"))
        for name, value in (("access_key", access_key), ("secret_key", secret_key), ("region", region)):
            check_str(name, value, nonempty=True)
        verify_signatures = check_bool("verify_signatures", verify_signatures)
        if "port" in kwargs:
            kwargs["port"] = check_int("port", kwargs["port"], min=0, max=65535)
        if "seed" in kwargs:
            kwargs["seed"] = check_int("seed", kwargs["seed"], min=0, max=2**64 - 1)
        if "threads" in kwargs:
            kwargs["threads"] = check_int("threads", kwargs["threads"], min=1, max=1024)
        if "allow_anonymous" in kwargs:
            kwargs["allow_anonymous"] = check_bool("allow_anonymous", kwargs["allow_anonymous"])
        rules = []
        if faults is not None:
            if isinstance(faults, (str, bytes, dict)) or not hasattr(faults, "__iter__"):
                raise TypeError(f"faults: expected a list of dicts of add_fault() arguments, got {type(faults).__name__}")
            for i, fault in enumerate(faults):
                if not isinstance(fault, dict):
                    raise TypeError(f"faults[{i}]: expected a dict of add_fault() arguments, got {type(fault).__name__}")
                rules.append(fault)
        super().__init__(access_key=access_key, secret_key=secret_key, region=region,
                         verify_signatures=verify_signatures, **kwargs)
        try:
            for i, fault in enumerate(rules):
                try:
                    self.add_fault(**fault)
                except TypeError as exc:
                    raise TypeError(f"faults[{i}]: {exc}") from None
                except ValueError as exc:
                    raise bad_value(f"faults[{i}]", str(exc)) from None
        except BaseException:
            self.stop()
            raise

    def add_fault(self, kind: str = "http_error", *, operation: str = "*", key_prefix: str = "", status: int = 503,
                  code: str = "SlowDown", count: int = 0, probability: float = 0.0, nth: Any = None,
                  truncate_after: int = 0, latency_ms: int = 0) -> None:
        check_choice("kind", kind, ("http_error", "error", "reset", "connection_reset", "truncate", "truncate_body",
                                    "latency", "delay"))
        check_str("operation", operation, nonempty=True)
        check_str("key_prefix", key_prefix)
        check_str("code", code)
        status = check_int("status", status, min=100, max=599)
        count = check_int("count", count, min=0, max=2**31 - 1)
        probability = check_float("probability", probability, min=0.0)
        if probability > 1.0:
            raise bad_value("probability", f"must be in [0, 1], got {probability}")
        if nth is not None:
            items = [nth] if not isinstance(nth, (list, tuple)) else list(nth)
            nth = [check_int("nth", n, min=1, max=2**31 - 1) for n in items]
        truncate_after = check_int("truncate_after", truncate_after, min=0, max=2**64 - 1)
        latency_ms = check_int("latency_ms", latency_ms, min=0, max=2**63 - 1)
        super().add_fault(kind, operation=operation, key_prefix=key_prefix, status=status, code=code, count=count,
                          probability=probability, nth=nth, truncate_after=truncate_after, latency_ms=latency_ms)

    add_fault.__doc__ = (_core.MockServer.add_fault.__doc__ or "").split("\n\n", 1)[-1]

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
