"""The process-local client of the s3ml.torch datasets: the dataset keeps a client (or
the arguments to build one) and every process that iterates it -- a forked or spawned
DataLoader worker, a torch.distributed rank -- uses a client of its own."""

from __future__ import annotations

import os
import pickle
from typing import Any, Dict

from s3ml import _core
from s3ml.client import CLIENT_ARGS, Client, _check_client_args
from s3ml._args import check_known

__all__ = ["ProcessLocalClient"]


class ProcessLocalClient:
    """Holds a client per process: a client inherited through fork() is never used
    (its connections belong to the parent); the child gets a fresh one rebuilt from
    the same configuration (s3ml.Client pickles by configuration)."""

    def __init__(self, client: Any, client_kwargs: Dict[str, Any]):
        self._template = client
        self._kwargs = dict(client_kwargs)
        self._owner_pid = os.getpid()
        self._client = None
        self._pid = None

    @classmethod
    def from_arguments(cls, client: Any, client_kwargs: Any, direct: Dict[str, Any]) -> "ProcessLocalClient":
        """From a dataset's ``client=`` (an s3ml.Client), ``client_kwargs=`` (a dict of
        s3ml.Client arguments) and the client arguments given to it directly (`direct`).
        Checks them all (TypeError / ValueError naming the argument)."""
        if client is not None and not isinstance(client, _core.Client):
            raise TypeError(f"client: expected an s3ml.Client, got {type(client).__name__}")
        kwargs: Dict[str, Any] = {}
        if client_kwargs is not None:
            if not isinstance(client_kwargs, dict):
                raise TypeError("client_kwargs: expected a dict of s3ml.Client arguments, got "
                                f"{type(client_kwargs).__name__}")
            check_known("client_kwargs", client_kwargs, CLIENT_ARGS)
            kwargs.update(client_kwargs)
        kwargs.update(direct)
        if client is not None and kwargs:
            raise TypeError(f"pass either client= or client arguments, not both ({', '.join(kwargs)})")
        return cls(client, _check_client_args(kwargs))

    def get(self) -> Any:
        pid = os.getpid()
        if self._client is None or self._pid != pid:
            if self._template is None:
                self._client = Client(**self._kwargs)
            elif pid == self._owner_pid:
                self._client = self._template
            else:
                self._client = pickle.loads(pickle.dumps(self._template))
            self._pid = pid
        return self._client

    def __getstate__(self):
        return {"template": self._template, "kwargs": self._kwargs}

    def __setstate__(self, st):
        self._template = st["template"]
        self._kwargs = st["kwargs"]
        self._owner_pid = -1  # unpickled: never the process that built the template
        self._client = None
        self._pid = None
