"""Argument checks of the public constructors: a wrong type raises TypeError, a bad value
ValueError (s3ml.InvalidArgumentError), and every message starts with the argument's name,
so that a mistake is reported before any I/O as "shuffle_buffer: must be >= 0, got -1"
rather than as a dump of the native signature."""

from __future__ import annotations

import operator
import os
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

from . import _core
from .errors import InvalidArgumentError

__all__ = ["bad_value", "check_int", "check_bool", "check_str", "check_choice", "check_float",
           "check_str_dict", "check_path", "check_callable", "check_known", "check_s3_uri"]


def bad_value(name: str, why: str) -> InvalidArgumentError:
    """The ValueError for argument `name` (raise it)."""
    return InvalidArgumentError(f"{name}: {why}", category="InvalidArgument", code="InvalidArgument")


def _type_name(value: Any) -> str:
    return type(value).__name__


def check_int(name: str, value: Any, *, min: Optional[int] = None, max: Optional[int] = None,
              optional: bool = False) -> Optional[int]:
    """An int (or anything with __index__, e.g. numpy integers; never a bool or a float)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name}: expected an int{' or None' if optional else ''}, got {_type_name(value)}")
    v = operator.index(value)
    if min is not None and v < min:
        raise bad_value(name, f"must be >= {min}, got {v}")
    if max is not None and v > max:
        raise bad_value(name, f"must be <= {max}, got {v}")
    return v


def check_float(name: str, value: Any, *, min: Optional[float] = None, optional: bool = False) -> Optional[float]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number, got {_type_name(value)}")
    v = float(value)
    if v != v or (min is not None and v < min):
        raise bad_value(name, f"must be >= {min}, got {value!r}")
    return v


def check_bool(name: str, value: Any, *, optional: bool = False) -> Optional[bool]:
    """True or False (numpy booleans too); 0/1 and strings are refused."""
    if value is None and optional:
        return None
    if isinstance(value, bool):
        return value
    if type(value).__module__ == "numpy" and _type_name(value) in ("bool_", "bool"):  # numpy 1.x / 2.x
        return bool(value)
    raise TypeError(f"{name}: expected True or False, got {_type_name(value)}")


def check_str(name: str, value: Any, *, optional: bool = False, nonempty: bool = False) -> Optional[str]:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a str{' or None' if optional else ''}, got {_type_name(value)}")
    if nonempty and not value:
        raise bad_value(name, "must not be empty")
    if "\x00" in value:
        raise bad_value(name, "must not contain NUL characters")
    return value


def check_choice(name: str, value: Any, choices: Iterable[str], *, optional: bool = False) -> Optional[str]:
    if value is None and optional:
        return None
    choices = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {_type_name(value)}")
    if value not in choices:
        raise bad_value(name, f"expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_path(name: str, value: Any, *, optional: bool = False) -> Optional[str]:
    """A str or os.PathLike path, returned as str."""
    if value is None and optional:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a path (str or os.PathLike), got {_type_name(value)}")
    if not value:
        raise bad_value(name, "must not be empty")
    return value


def check_s3_uri(name: str, value: Any, *, key_required: bool = False) -> Tuple[str, str]:
    """("bucket", "key") of an "s3://bucket/key" argument, parsed by the one C++ parser
    (s3ml.parse_s3_uri); with `key_required`, a bare "s3://bucket/" is refused too."""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected an 's3://bucket/key' str, got {_type_name(value)}")
    try:
        bucket, key = _core.parse_s3_uri(value)
    except ValueError as e:
        raise bad_value(name, getattr(e, "message", "") or str(e)) from None
    if key_required and not key:
        raise bad_value(name, f"expected 's3://bucket/key' with a key, got {value!r}")
    return bucket, key


def check_str_dict(name: str, value: Any, *, optional: bool = True) -> Optional[Dict[str, Any]]:
    """A dict with str keys (values are converted with str() by the callers)."""
    if value is None and optional:
        return None
    if not isinstance(value, dict):
        raise TypeError(f"{name}: expected a dict, got {_type_name(value)}")
    for k in value:
        if not isinstance(k, str):
            raise TypeError(f"{name}: keys must be str, got {_type_name(k)}")
        if not k:
            raise bad_value(name, "keys must not be empty")
    return value


def check_callable(name: str, value: Any, *, optional: bool = True) -> Optional[Callable[..., Any]]:
    if value is None and optional:
        return None
    if not callable(value):
        raise TypeError(f"{name}: expected a callable, got {_type_name(value)}")
    return value


def check_known(owner: str, kwargs: Dict[str, Any], known: Iterable[str]) -> None:
    """TypeError naming the first keyword argument `owner` does not take."""
    known = set(known)
    for k in kwargs:
        if k not in known:
            raise TypeError(f"{owner}: unexpected keyword argument {k!r}")
