"""Shared fixtures of the binding tests (imported explicitly: tests/python has other owners)."""

from __future__ import annotations

import itertools
import threading

import pytest

import s3ml

_counter = itertools.count()
_lock = threading.Lock()


def unique_bucket(prefix: str = "pyb") -> str:
    with _lock:
        return f"{prefix}-{next(_counter):04d}"


@pytest.fixture(scope="module")
def mock():
    with s3ml.MockServer() as server:
        yield server


@pytest.fixture()
def s3(mock):
    return mock.client()


@pytest.fixture()
def bucket(s3):
    name = unique_bucket()
    s3.create_bucket(name)
    return name
