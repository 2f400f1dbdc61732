"""Exceptions raised by s3ml.

Every error carries the fields of the C++ ``s3ml::Status`` it came from:

* ``code`` – the S3 error code (``"NoSuchKey"``, ``"SlowDown"``) or a transport code
  (``"ConnectionReset"``, ``"Timeout"``); empty when there is none,
* ``status`` – the HTTP status (0 when no response was received),
* ``request_id`` – the ``x-amz-request-id`` of the failed request (may be empty),
* ``message`` – the server's or s3ml's message,
* ``operation`` – the S3 operation (``"GetObject"``), ``resource`` – ``s3://bucket/key``,
* ``category`` – the broad class (``"Service"``, ``"Network"``, ``"Credentials"`` ...),
* ``attempts`` – how many attempts the retry loop made,
* ``response`` – the same in boto3's shape (``e.response["Error"]["Code"]``,
  ``["Error"]["Message"]``, ``["ResponseMetadata"]["HTTPStatusCode"]``), and
  ``operation_name``, as on ``botocore.exceptions.ClientError``.

Hierarchy::

    Exception
     └─ s3ml.Error
         ├─ s3ml.S3Error                 the server answered with an S3 error
         │   ├─ NoSuchKey, NoSuchBucket, AccessDenied, SlowDown, ... (keyed by .code)
         ├─ s3ml.CredentialsError        no usable credentials
         ├─ s3ml.TransportError          connection failures, resets, timeouts
         │   └─ s3ml.ConnectionTimeout   connect or stall timeout
         ├─ s3ml.ProtocolError           an unparseable answer
         ├─ s3ml.CorruptDataError        data corruption: checksum/length mismatch, corrupt or
         │                               truncated shard data, object changed during a read
         │                               (s3ml.IntegrityError is the same class)
         ├─ s3ml.LocalIOError (OSError)  local file I/O
         ├─ s3ml.CancelledError          the operation was cancelled
         ├─ s3ml.InvalidArgumentError (ValueError)   a bad argument, named in the message
         └─ s3ml.LibraryBug              a bug in s3ml
"""

from __future__ import annotations

from typing import Any, Dict, List, Type

__all__: List[str] = [
    "Error", "S3Error", "CredentialsError", "TransportError", "ConnectionTimeout", "ProtocolError",
    "CorruptDataError", "IntegrityError", "LocalIOError", "CancelledError", "InvalidArgumentError", "LibraryBug",
    "error_class_for_code",
    # one subclass of S3Error per common S3 error code (defined below)
    "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NoSuchVersion", "NoSuchTagSet", "NoSuchLifecycleConfiguration",
    "AccessDenied", "SlowDown", "InvalidObjectState", "PreconditionFailed", "NotModified", "BucketAlreadyOwnedByYou",
    "BucketAlreadyExists", "BucketNotEmpty", "InvalidBucketName", "InvalidRange", "InvalidPart", "InvalidPartOrder",
    "EntityTooSmall", "EntityTooLarge", "BadDigest", "InvalidDigest", "InvalidRequest", "InvalidArgument",
    "MalformedXML", "SignatureDoesNotMatch", "InvalidAccessKeyId", "ExpiredToken", "RequestTimeTooSkewed", "InternalError",
    "RequestTimeout", "ServiceUnavailable", "MethodNotAllowed", "NotFound", "RestoreAlreadyInProgress", "ObjectAlreadyInActiveTierError",
    "ConditionalRequestConflict",
]


class Error(Exception):
    """Base class of every s3ml error (see the module docstring for the attributes)."""

    def __init__(self, message: str = "", *, code: str = "", status: int = 0, request_id: str = "",
                 operation: str = "", resource: str = "", category: str = "", attempts: int = 0,
                 description: str = "") -> None:
        super().__init__(description or message)
        self.message = message
        self.code = code
        self.status = status
        self.request_id = request_id
        self.operation = operation
        self.resource = resource
        self.category = category
        self.attempts = attempts

    @property
    def response(self) -> Dict[str, Any]:
        """The error in the shape of ``botocore.exceptions.ClientError.response``, so code
        written for boto3 keeps working: ``e.response["Error"]["Code"]``,
        ``["Error"]["Message"]``, ``["ResponseMetadata"]["HTTPStatusCode"]`` and
        ``["ResponseMetadata"]["RequestId"]``."""
        return {
            "Error": {"Code": self.code, "Message": self.message},
            "ResponseMetadata": {"HTTPStatusCode": self.status, "RequestId": self.request_id},
        }

    @property
    def operation_name(self) -> str:
        """The S3 operation (``ClientError.operation_name``); the same as ``.operation``."""
        return self.operation

    def __reduce__(self):  # keep the attributes across pickling (multiprocessing)
        return (_rebuild, (type(self), str(self), dict(self.__dict__)))


def _rebuild(cls, description, attrs):
    err = cls.__new__(cls)
    Exception.__init__(err, description)
    err.__dict__.update(attrs)
    return err


class S3Error(Error):
    """The server answered with an S3 error; ``.code`` says which."""


class CredentialsError(Error):
    """No credentials could be found or loaded (the message names every source tried)."""


class TransportError(Error):
    """The request did not get an answer: connect failure, reset, partial body, timeout."""


class ConnectionTimeout(TransportError):
    """A connect or stall timeout (a TransportError)."""


class ProtocolError(Error):
    """The server answered something s3ml cannot parse."""


class CorruptDataError(Error):
    """Data corruption (category ``"Integrity"``): a checksum or length mismatch, corrupt or
    truncated shard data (``.code == "CorruptShard"``), or an object that changed during a
    read. Deliberately not a ValueError: ``except ValueError`` around argument handling
    must not swallow it."""


#: The former name of CorruptDataError (the same class).
IntegrityError = CorruptDataError


class LocalIOError(Error, OSError):
    """Local file I/O failed (also an OSError)."""


class CancelledError(Error):
    """The operation was cancelled (e.g. by a progress callback that raised)."""


class InvalidArgumentError(Error, ValueError):
    """An argument s3ml refuses before any I/O (also a ValueError); the message names it."""


class LibraryBug(Error):
    """A bug in s3ml (category Internal). S3's own "InternalError" code is s3ml.InternalError."""


# One subclass of S3Error per S3 error code that callers commonly catch (s3ml.NoSuchKey, ...),
# written out so that type checkers know them.
class NoSuchKey(S3Error):
    """S3 error code NoSuchKey."""

class NoSuchBucket(S3Error):
    """S3 error code NoSuchBucket."""

class NoSuchUpload(S3Error):
    """S3 error code NoSuchUpload."""

class NoSuchVersion(S3Error):
    """S3 error code NoSuchVersion."""

class NoSuchTagSet(S3Error):
    """S3 error code NoSuchTagSet."""

class NoSuchLifecycleConfiguration(S3Error):
    """S3 error code NoSuchLifecycleConfiguration."""

class AccessDenied(S3Error):
    """S3 error code AccessDenied."""

class SlowDown(S3Error):
    """S3 error code SlowDown."""

class InvalidObjectState(S3Error):
    """S3 error code InvalidObjectState."""

class PreconditionFailed(S3Error):
    """S3 error code PreconditionFailed."""

class NotModified(S3Error):
    """S3 error code NotModified."""

class BucketAlreadyOwnedByYou(S3Error):
    """S3 error code BucketAlreadyOwnedByYou."""

class BucketAlreadyExists(S3Error):
    """S3 error code BucketAlreadyExists."""

class BucketNotEmpty(S3Error):
    """S3 error code BucketNotEmpty."""

class InvalidBucketName(S3Error):
    """S3 error code InvalidBucketName."""

class InvalidRange(S3Error):
    """S3 error code InvalidRange."""

class InvalidPart(S3Error):
    """S3 error code InvalidPart."""

class InvalidPartOrder(S3Error):
    """S3 error code InvalidPartOrder."""

class EntityTooSmall(S3Error):
    """S3 error code EntityTooSmall."""

class EntityTooLarge(S3Error):
    """S3 error code EntityTooLarge."""

class BadDigest(S3Error):
    """S3 error code BadDigest."""

class InvalidDigest(S3Error):
    """S3 error code InvalidDigest."""

class InvalidRequest(S3Error):
    """S3 error code InvalidRequest."""

class InvalidArgument(S3Error):
    """S3 error code InvalidArgument."""

class MalformedXML(S3Error):
    """S3 error code MalformedXML."""

class SignatureDoesNotMatch(S3Error):
    """S3 error code SignatureDoesNotMatch."""

class InvalidAccessKeyId(S3Error):
    """S3 error code InvalidAccessKeyId."""

class ExpiredToken(S3Error):
    """S3 error code ExpiredToken."""

class RequestTimeTooSkewed(S3Error):
    """S3 error code RequestTimeTooSkewed."""

class InternalError(S3Error):
    """S3 error code InternalError."""

class RequestTimeout(S3Error):
    """S3 error code RequestTimeout."""

class ServiceUnavailable(S3Error):
    """S3 error code ServiceUnavailable."""

class MethodNotAllowed(S3Error):
    """S3 error code MethodNotAllowed."""

class NotFound(S3Error):
    """S3 error code NotFound."""

class RestoreAlreadyInProgress(S3Error):
    """S3 error code RestoreAlreadyInProgress."""

class ObjectAlreadyInActiveTierError(S3Error):
    """S3 error code ObjectAlreadyInActiveTierError."""

class ConditionalRequestConflict(S3Error):
    """S3 error code ConditionalRequestConflict."""


#: S3 error code -> its subclass of S3Error.
_BY_CODE: Dict[str, Type[S3Error]] = {cls.__name__: cls for cls in S3Error.__subclasses__()}

_BY_CATEGORY: Dict[str, Type[Error]] = {
    "Credentials": CredentialsError,
    "Network": TransportError,
    "Timeout": ConnectionTimeout,
    "Service": S3Error,
    "Protocol": ProtocolError,
    "Integrity": CorruptDataError,
    "Io": LocalIOError,
    "IO": LocalIOError,
    "Cancelled": CancelledError,
    "InvalidArgument": InvalidArgumentError,
    "Internal": LibraryBug,
}


def error_class_for_code(code: str) -> Type[S3Error]:
    """The S3Error subclass for an S3 error code (S3Error itself for other codes)."""
    return _BY_CODE.get(code, S3Error)


def _from_status(category: str, code: str, status: int, message: str, request_id: str,
                 operation: str, resource: str, attempts: int, description: str) -> Error:
    """Builds the exception for a failed s3ml::Status (called by the C++ extension)."""
    if category == "Service" or (category not in _BY_CATEGORY and status >= 300):
        cls: Type[Error] = error_class_for_code(code)
    else:
        cls = _BY_CATEGORY.get(category, Error)
    return cls(message, code=code, status=status, request_id=request_id, operation=operation,
               resource=resource, category=category, attempts=attempts, description=description)
