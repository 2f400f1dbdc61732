"""s3ml: a fast S3 client for machine learning (C++ core, Python and PyTorch bindings).

Quick start::

    import s3ml
    with s3ml.MockServer() as server:           # or s3ml.Client() for AWS / any S3
        s3 = server.client()
        s3.create_bucket("data")
        s3.put_object("data", "hello.txt", b"hello")
        body = s3.get_object("data", "hello.txt").body   # s3ml.Buffer, zero-copy
        print(bytes(body))
        for obj in s3.list_objects("data"):     # lazy, page by page
            print(obj.key, obj.size)

``import s3ml`` starts no threads and imports neither torch nor numpy; the PyTorch
adapters live in ``s3ml.torch`` (imported on first access).
"""

from __future__ import annotations

import importlib
from typing import Any

from . import _core
from ._core import (
    Buffer, BucketInfo, ObjectInfo, GetObjectResult, PutObjectResult, DeleteObjectResult,
    DeleteObjectsResult, DeletedObject, DeleteError, CopyObjectResult, ObjectSummary, ObjectVersion,
    UploadPartResult, CompleteMultipartUploadResult, PartInfo, MultipartUploadInfo,
    TransferUploadResult, TransferDownloadResult, SSECustomerKey, S3Uri, parse_s3_uri,
)
from .errors import (
    Error, S3Error, CredentialsError, TransportError, ConnectionTimeout, ProtocolError, CorruptDataError,
    IntegrityError, LocalIOError, CancelledError, InvalidArgumentError, LibraryBug, error_class_for_code,
    NoSuchKey, NoSuchBucket, NoSuchUpload, NoSuchVersion, NoSuchTagSet, NoSuchLifecycleConfiguration,
    AccessDenied, SlowDown, InvalidObjectState, PreconditionFailed, NotModified, BucketAlreadyOwnedByYou,
    BucketAlreadyExists, BucketNotEmpty, InvalidBucketName, InvalidRange, InvalidPart, InvalidPartOrder,
    EntityTooSmall, EntityTooLarge, BadDigest, InvalidDigest, InvalidRequest, InvalidArgument, MalformedXML,
    SignatureDoesNotMatch, InvalidAccessKeyId, ExpiredToken, RequestTimeTooSkewed, InternalError,
    RequestTimeout, ServiceUnavailable, MethodNotAllowed, NotFound, RestoreAlreadyInProgress,
    ObjectAlreadyInActiveTierError, ConditionalRequestConflict,
)
from .client import Client
from .mock import MockServer
from .dataset import Dataset, Reader, Sample, Manifest

__version__: str = _core.__version__

# The public names (what `from s3ml import *` gives and what type checkers see as exported).
__all__ = [
    "Client", "MockServer", "Dataset", "Reader", "Sample", "Manifest",
    "Buffer", "BucketInfo", "ObjectInfo", "GetObjectResult", "PutObjectResult", "DeleteObjectResult",
    "DeleteObjectsResult", "DeletedObject", "DeleteError", "CopyObjectResult", "ObjectSummary", "ObjectVersion",
    "UploadPartResult", "CompleteMultipartUploadResult", "PartInfo", "MultipartUploadInfo",
    "TransferUploadResult", "TransferDownloadResult", "SSECustomerKey", "S3Uri", "parse_s3_uri",
    # s3ml.errors.__all__, spelled out for type checkers (tests/python/test_typing.py checks they agree)
    "Error", "S3Error", "CredentialsError", "TransportError", "ConnectionTimeout", "ProtocolError",
    "CorruptDataError", "IntegrityError", "LocalIOError", "CancelledError", "InvalidArgumentError",
    "LibraryBug", "error_class_for_code", "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NoSuchVersion",
    "NoSuchTagSet", "NoSuchLifecycleConfiguration", "AccessDenied", "SlowDown", "InvalidObjectState",
    "PreconditionFailed", "NotModified", "BucketAlreadyOwnedByYou", "BucketAlreadyExists", "BucketNotEmpty",
    "InvalidBucketName", "InvalidRange", "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "EntityTooLarge",
    "BadDigest", "InvalidDigest", "InvalidRequest", "InvalidArgument", "MalformedXML", "SignatureDoesNotMatch",
    "InvalidAccessKeyId", "ExpiredToken", "RequestTimeTooSkewed", "InternalError", "RequestTimeout",
    "ServiceUnavailable", "MethodNotAllowed", "NotFound", "RestoreAlreadyInProgress",
    "ObjectAlreadyInActiveTierError", "ConditionalRequestConflict",
]

# Submodules imported on first access: s3ml.torch pulls in torch.
_LAZY = {"torch", "checkpoint", "fsspec", "compat"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 's3ml' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | _LAZY)
