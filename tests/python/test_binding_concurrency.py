"""The GIL is released during I/O; list_objects is lazy; fault injection reaches the client."""

from __future__ import annotations

import threading
import time

import pytest

import s3ml
from _binding_util import bucket, mock, s3  # noqa: F401 (fixtures)


def test_gil_released_while_get_object_waits(mock, s3, bucket):
    s3.put_object(bucket, "slow", b"x" * 1000)
    mock.add_fault("latency", operation="GetObject", key_prefix="slow", latency_ms=1500, count=1)
    ticks = 0
    stop = threading.Event()

    def spin():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    t.start()
    try:
        start = time.monotonic()
        time.sleep(0.05)
        before = ticks
        body = s3.get_object(bucket, "slow").body
        elapsed = time.monotonic() - start
    finally:
        stop.set()
        t.join()
        mock.clear_faults()
    assert len(body) == 1000 and elapsed >= 1.4
    # With the GIL held for 1.5 s the thread could not have ticked more than a handful of times.
    assert ticks - before > 200, f"only {ticks - before} ticks while get_object waited"


def test_list_objects_is_lazy_one_request_per_page(mock, s3, bucket):
    for i in range(25):
        s3.put_object(bucket, f"obj-{i:03d}", b"")
    before = mock.stats()["requests_by_operation"].get("ListObjectsV2", 0)
    it = s3.list_objects(bucket, page_size=10)
    assert mock.stats()["requests_by_operation"].get("ListObjectsV2", 0) == before  # nothing yet
    first = next(it)
    assert first.key == "obj-000"
    assert mock.stats()["requests_by_operation"]["ListObjectsV2"] == before + 1
    assert it.pages_fetched == 1
    rest = [o.key for o in it]
    assert len(rest) == 24 and it.pages_fetched == 3
    assert mock.stats()["requests_by_operation"]["ListObjectsV2"] == before + 3


def test_faults_transient_errors_are_retried_then_surface(mock, s3, bucket):
    s3.put_object(bucket, "f", b"data")
    before = mock.stats()["faults_injected"]
    mock.add_fault("http_error", operation="GetObject", key_prefix="f", status=503, code="SlowDown", count=2)
    retrying = mock.client(max_attempts=5)
    assert bytes(retrying.get_object(bucket, "f").body) == b"data"
    assert mock.stats()["faults_injected"] == before + 2
    mock.clear_faults()
    mock.add_fault("http_error", operation="GetObject", key_prefix="f", status=503, code="SlowDown")
    once = mock.client(max_attempts=1)
    with pytest.raises(s3ml.SlowDown) as info:
        once.get_object(bucket, "f")
    assert info.value.status == 503 and info.value.attempts == 1
    mock.clear_faults()
    mock.add_fault("reset", operation="GetObject", key_prefix="f", nth=[1])
    fresh = mock.client(max_attempts=1)  # a new connection: curl does not silently re-send
    with pytest.raises(s3ml.TransportError) as info:
        fresh.get_object(bucket, "f")
    assert info.value.status == 0
    assert bytes(fresh.get_object(bucket, "f").body) == b"data"  # only the 1st matching request
    mock.clear_faults()
    with pytest.raises(ValueError, match="kind"):
        mock.add_fault("explode")


def test_mock_server_options_faults_and_clock():
    with s3ml.MockServer(access_key="AK", secret_key="SK", region="eu-west-1",
                         faults=[{"kind": "http_error", "operation": "PutObject", "status": 500,
                                  "code": "InternalError", "count": 1}]) as m:
        assert m.endpoint_url.startswith("http://127.0.0.1:") and m.region == "eu-west-1"
        c = m.client(max_attempts=1)
        c.create_bucket("clock-bucket", region="eu-west-1")
        with pytest.raises(s3ml.InternalError):
            c.put_object("clock-bucket", "k", b"1")
        c.put_object("clock-bucket", "k", b"1")
        assert m.object_body("clock-bucket", "k") == b"1" and m.object_keys("clock-bucket") == ["k"]
        t0 = m.now()
        m.advance_time(days=2)
        assert (m.now() - t0).total_seconds() >= 2 * 86400 - 1
    assert not m.running
