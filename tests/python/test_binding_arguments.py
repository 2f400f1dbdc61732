"""Every constructor argument of the public classes is checked before any I/O: a bad value
raises ValueError, a wrong type TypeError, and the message starts with the argument's name
(never a dump of the native signature)."""

from __future__ import annotations

from typing import Any

import pytest

import s3ml
from _binding_util import import_torch_or_skip

URI = "s3://bucket/prefix/"
CLIENT: "dict[str, Any]" = dict(endpoint_url="http://127.0.0.1:9", access_key="a", secret_key="b")


def _client():
    return s3ml.Client(**CLIENT)


def _dataset(**kw):
    return s3ml.Dataset(kw.pop("source", URI), client=kw.pop("client", _client()), **kw)


def _mock(**kw):
    server = s3ml.MockServer(**kw)
    server.stop()


def _fault(**kw):
    with s3ml.MockServer() as server:
        server.add_fault(**kw)


def _open_write(**kw):
    s3ml.checkpoint.open_write(kw.pop("client", _client()), kw.pop("uri", "s3://bucket/ckpt.pt"), **kw)


def _open_read(**kw):
    s3ml.checkpoint.open_read(kw.pop("client", _client()), kw.pop("uri", "s3://bucket/ckpt.pt"), **kw)


# (what, factory, argument, bad value, exception)
CASES = [
    # s3ml.Client
    ("Client", lambda **kw: s3ml.Client(**kw), "endpoint_url", 5, TypeError),
    ("Client", lambda **kw: s3ml.Client(**kw), "endpoint_url", "ftp://host", ValueError),
    ("Client", lambda **kw: s3ml.Client(**kw), "region", 1, TypeError),
    ("Client", lambda **kw: s3ml.Client(**kw), "region", "", ValueError),
    ("Client", lambda **kw: s3ml.Client(**kw), "profile", ["p"], TypeError),
    ("Client", lambda **kw: s3ml.Client(**kw), "profile", "", ValueError),
    ("Client", lambda **kw: s3ml.Client(secret_key="s", **kw), "access_key", 1, TypeError),
    ("Client", lambda **kw: s3ml.Client(access_key="a", **kw), "secret_key", b"s", TypeError),
    ("Client", lambda **kw: s3ml.Client(access_key="a", secret_key="s", **kw), "session_token", 3, TypeError),
    ("Client", lambda **kw: s3ml.Client(**kw), "max_attempts", "3", TypeError),
    ("Client", lambda **kw: s3ml.Client(**kw), "max_attempts", 0, ValueError),
    ("Client", lambda **kw: s3ml.Client(**kw), "max_attempts", 2**40, ValueError),
    ("Client", lambda **kw: s3ml.Client(**kw), "max_connections", 1.5, TypeError),
    ("Client", lambda **kw: s3ml.Client(**kw), "max_connections", -1, ValueError),
    ("Client", lambda **kw: s3ml.Client(**kw), "addressing_style", "sideways", ValueError),
    ("Client", lambda **kw: s3ml.Client(**kw), "addressing_style", 1, TypeError),
    ("Client", lambda **kw: s3ml.Client(**kw), "verify", 1, TypeError),
    ("Client", lambda **kw: s3ml.Client(**kw), "verify", "", ValueError),
    ("Client", lambda **kw: s3ml.Client(**kw), "allow_sse_c_over_http", "yes", TypeError),
    ("Client", lambda **kw: s3ml.Client(**kw), "request_checksum_calculation", "always", ValueError),
    ("Client", lambda **kw: s3ml.Client(**kw), "request_checksum_calculation", 1, TypeError),
    # s3ml.Dataset
    ("Dataset", _dataset, "source", 42, TypeError),
    ("Dataset", _dataset, "source", [], ValueError),
    ("Dataset", _dataset, "client", "not a client", TypeError),
    ("Dataset", _dataset, "format", "zip", ValueError),
    ("Dataset", _dataset, "format", None, TypeError),
    ("Dataset", _dataset, "bucket", 7, TypeError),
    ("Dataset", _dataset, "rank", -1, ValueError),
    ("Dataset", _dataset, "rank", 2, ValueError),  # world_size 1
    ("Dataset", _dataset, "world_size", 0, ValueError),
    ("Dataset", _dataset, "worker_id", 1, ValueError),  # num_workers 1
    ("Dataset", _dataset, "num_workers", "2", TypeError),
    ("Dataset", _dataset, "uneven", "even", ValueError),
    ("Dataset", _dataset, "seed", -1, ValueError),
    ("Dataset", _dataset, "seed", 1.0, TypeError),
    ("Dataset", _dataset, "shuffle", "no", TypeError),
    ("Dataset", _dataset, "shuffle_buffer", -1, ValueError),
    ("Dataset", _dataset, "fetch_threads", 0, ValueError),
    ("Dataset", _dataset, "fetch_threads", 1000, ValueError),
    ("Dataset", _dataset, "max_in_flight", 0, ValueError),
    ("Dataset", _dataset, "memory_budget", -5, ValueError),
    ("Dataset", _dataset, "part_size", 0, ValueError),
    ("Dataset", _dataset, "prefetch_ahead", -1, ValueError),
    ("Dataset", _dataset, "as_completed", 1, TypeError),
    ("Dataset", _dataset, "skip_failed", "true", TypeError),
    ("Dataset", _dataset, "cache_dir", 3, TypeError),
    ("Dataset", _dataset, "cache_limit", 0, ValueError),
    ("Dataset", _dataset, "no_such_option", 1, TypeError),
    ("Dataset", lambda **kw: s3ml.Dataset(URI, **CLIENT, **kw), "max_attempts", 0, ValueError),
    ("Manifest", lambda **kw: s3ml.Manifest(**kw), "location", 5, TypeError),
    ("Manifest", lambda **kw: s3ml.Manifest(**kw), "location", "", ValueError),
    # s3ml.MockServer
    ("MockServer", _mock, "access_key", "", ValueError),
    ("MockServer", _mock, "secret_key", 1, TypeError),
    ("MockServer", _mock, "region", None, TypeError),
    ("MockServer", _mock, "verify_signatures", "no", TypeError),
    ("MockServer", _mock, "port", 70000, ValueError),
    ("MockServer", _mock, "seed", -1, ValueError),
    ("MockServer", _mock, "threads", 0, ValueError),
    ("MockServer", _mock, "allow_anonymous", 0, TypeError),
    ("MockServer", _mock, "faults", "reset", TypeError),
    ("MockServer", _mock, "faults", [{"kind": "explode"}], ValueError),
    ("MockServer", _mock, "no_such_option", 1, TypeError),
    ("add_fault", _fault, "kind", "explode", ValueError),
    ("add_fault", _fault, "status", 42, ValueError),
    ("add_fault", _fault, "count", -1, ValueError),
    ("add_fault", _fault, "probability", 2.0, ValueError),
    ("add_fault", _fault, "probability", "half", TypeError),
    ("add_fault", _fault, "nth", 0, ValueError),
    ("add_fault", _fault, "latency_ms", -1, ValueError),
    ("add_fault", _fault, "truncate_after", "10", TypeError),
    # checkpoint writer / reader options
    ("open_write", _open_write, "client", None, TypeError),
    ("open_write", _open_write, "uri", "bucket/ckpt.pt", ValueError),
    ("open_write", _open_write, "metadata", ["step"], TypeError),
    ("open_write", _open_write, "part_size", 1024, ValueError),
    ("open_write", _open_write, "part_size", "8MiB", TypeError),
    ("open_write", _open_write, "concurrency", 0, ValueError),
    ("open_write", _open_write, "memory_budget", -1, ValueError),
    ("open_write", _open_write, "content_type", 5, TypeError),
    ("open_read", _open_read, "version_id", 5, TypeError),
    ("open_read", _open_read, "version_id", "", ValueError),
    ("open_read", _open_read, "part_size", 10, ValueError),
    ("open_read", _open_read, "read_ahead", 0, ValueError),
]


def _ids(case):
    what, _, arg, value, exc = case
    return f"{what}-{arg}={value!r}-{exc.__name__}"


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_arguments_bad_value_or_type_raises_naming_the_argument(case):
    _, factory, arg, value, exc = case
    with pytest.raises(exc) as info:
        factory(**{arg: value})
    msg = str(info.value)
    assert arg in msg, msg
    assert "incompatible" not in msg and "Invoked with" not in msg, msg  # no pybind signature dump
    if exc is ValueError:
        assert not isinstance(info.value, TypeError)


def test_arguments_shuffle_buffer_minus_one_names_it():
    # The report that started this: a signature dump instead of a ValueError.
    with pytest.raises(ValueError, match=r"^shuffle_buffer: must be >= 0, got -1$"):
        _dataset(shuffle_buffer=-1)


def test_arguments_good_values_still_accepted():
    import numpy as np

    ds = _dataset(shuffle=np.bool_(True), seed=np.int64(3), fetch_threads=4, cache_dir=None)
    assert ds.num_workers == 1
    c = s3ml.Client(max_attempts=np.int32(2), verify=False, **CLIENT)
    assert c._config()["max_attempts"] == 2
    import pickle
    m = pickle.loads(pickle.dumps(s3ml.Manifest("s3://b/m.txt")))
    assert m.location == "s3://b/m.txt" and isinstance(m, s3ml.Manifest)


torch = import_torch_or_skip("the s3ml.torch argument tests")
import s3ml.torch as st  # noqa: E402


def _iterable(**kw):
    return st.S3IterableDataset(kw.pop("source", URI), **{**CLIENT, **kw} if "client" not in kw else kw)


def _map(**kw):
    return st.S3MapDataset(kw.pop("source", URI), **{**CLIENT, **kw} if "client" not in kw else kw)


def _loader(**kw):
    return st.DataLoader(st.S3IterableDataset(URI, **CLIENT), **kw)


TORCH_CASES = [
    ("S3IterableDataset", _iterable, "source", 3.5, TypeError),
    ("S3IterableDataset", _iterable, "format", "zip", ValueError),
    ("S3IterableDataset", _iterable, "transform", "upper", TypeError),
    ("S3IterableDataset", _iterable, "client", object(), TypeError),
    ("S3IterableDataset", _iterable, "client_kwargs", [("region", "x")], TypeError),
    ("S3IterableDataset", _iterable, "shuffle", "yes", TypeError),
    ("S3IterableDataset", _iterable, "seed", "7", TypeError),
    ("S3IterableDataset", _iterable, "seed", -1, ValueError),
    ("S3IterableDataset", _iterable, "shuffle_buffer", -1, ValueError),
    ("S3IterableDataset", _iterable, "uneven", "odd", ValueError),
    ("S3IterableDataset", lambda **kw: _iterable(world_size=2, **kw), "rank", 5, ValueError),
    ("S3IterableDataset", lambda **kw: _iterable(rank=0, **kw), "world_size", 0, ValueError),
    ("S3IterableDataset", _iterable, "fetch_threads", 0, ValueError),
    ("S3IterableDataset", _iterable, "memory_budget", "1G", TypeError),
    ("S3IterableDataset", _iterable, "worker_id", 0, TypeError),  # set from the DataLoader worker
    ("S3IterableDataset", _iterable, "no_such_option", 1, TypeError),
    ("S3IterableDataset", _iterable, "max_attempts", 0, ValueError),
    ("S3MapDataset", _map, "source", "bucket/prefix", ValueError),
    ("S3MapDataset", _map, "source", 5, TypeError),
    ("S3MapDataset", _map, "transform", 5, TypeError),
    ("S3MapDataset", _map, "client", "c", TypeError),
    ("S3MapDataset", _map, "client_kwargs", "region=x", TypeError),
    ("S3MapDataset", _map, "region", "", ValueError),
    ("DataLoader", _loader, "num_workers", -1, ValueError),
    ("DataLoader", _loader, "num_workers", "2", TypeError),
    ("DataLoader", _loader, "batch_size", 0, ValueError),
    ("DataLoader", _loader, "drop_last", "yes", TypeError),
    ("DataLoader", _loader, "timeout", -1, ValueError),
    ("DataLoader", _loader, "persistent_workers", 1, TypeError),
    ("DataLoader", _loader, "prefetch_factor", 0, ValueError),
]


@pytest.mark.parametrize("case", TORCH_CASES, ids=[_ids(c) for c in TORCH_CASES])
def test_arguments_torch_adapters_bad_value_or_type_raises_naming_the_argument(case):
    test_arguments_bad_value_or_type_raises_naming_the_argument(case)
