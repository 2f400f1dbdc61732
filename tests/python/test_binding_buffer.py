"""s3ml.Buffer: buffer protocol without copies."""

from __future__ import annotations

import numpy as np
import pytest

import s3ml
from _binding_util import bucket, mock, s3  # noqa: F401 (fixtures)


def test_buffer_numpy_and_memoryview_share_the_body_memory(s3, bucket):
    payload = bytes(range(256)) * 4096
    s3.put_object(bucket, "blob", payload)
    body = s3.get_object(bucket, "blob").body
    assert isinstance(body, s3ml.Buffer) and len(body) == len(payload)
    view = memoryview(body)
    assert view.obj is body and view.readonly and view.nbytes == len(payload) and view.format == "B"
    arr = np.frombuffer(body, dtype=np.uint8)
    assert arr.ctypes.data == body.address  # same memory, no copy
    assert np.frombuffer(body, dtype=np.uint8).ctypes.data == arr.ctypes.data
    base = arr.base
    while isinstance(base, memoryview):
        base = base.obj
    assert base is body  # the array keeps the Buffer alive
    assert not arr.flags.writeable
    assert bytes(body) == payload and body.tobytes() == payload and body == payload
    with pytest.raises(TypeError):
        view[0] = 1
    del body, view
    assert int(arr[:256].sum()) == sum(range(256))  # still valid: the array owns a reference


def test_buffer_slices_are_zero_copy_views(s3, bucket):
    s3.put_object(bucket, "s", b"0123456789")
    body = s3.get_object(bucket, "s").body
    part = body[2:5]
    assert isinstance(part, s3ml.Buffer) and bytes(part) == b"234"
    assert part.address == body.address + 2
    assert body[-1] == ord("9")
    with pytest.raises(IndexError):
        body[10]
    with pytest.raises(ValueError):
        body[::2]


def test_buffer_of_empty_object_is_valid(s3, bucket):
    s3.put_object(bucket, "empty", b"")
    body = s3.get_object(bucket, "empty").body
    assert len(body) == 0 and bytes(body) == b"" and memoryview(body).nbytes == 0
    assert np.frombuffer(body, dtype=np.uint8).size == 0
