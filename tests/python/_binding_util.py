"""Shared fixtures of the binding tests (imported explicitly: tests/python has other owners)."""

from __future__ import annotations

import itertools
import threading

import pytest

import s3ml

_counter = itertools.count()
_lock = threading.Lock()


def import_torch_or_skip(what: str):
    """`import torch`, or skip the calling test module with a notice that cannot be missed."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - only where torch cannot be installed at all
        pytest.skip(
            f"\n\n*** TORCH IS NOT INSTALLED: {what} are SKIPPED ({exc}). Install Debian's python3-torch and "
            "run them in a venv made with --system-site-packages (make test does). ***\n",
            allow_module_level=True)
    return torch


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
