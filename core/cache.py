"""The on-disk model cache shared by every worker process.

``ModelCache.get_or_compute(key, compute)`` returns the cached value or computes it
once: concurrent callers in any process on the same key wait on a diskcache Lock and
then read what the first one stored. Locks live in their own Cache that never evicts,
and expire after ``lock_expire_s`` (the worst-case fit time), so a worker killed
mid-fit delays the others by at most that long and never wedges them.

A cache directory that was deleted, or whose files are corrupt, is recreated and the
value recomputed: the cache can only make answers faster, never make them fail.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import diskcache

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Values are models, projections and sweeps; 4 GB holds every K of a 1M-song catalog.
SIZE_LIMIT = 4 * 2**30
_CACHE_ERRORS = (sqlite3.Error, OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError)
_COMPUTED = "computed:"


class ModelCache:
    """A diskcache.Cache in ``directory`` plus a never-evicting lock cache beside it."""

    def __init__(self, directory: str | Path, lock_expire_s: float = 900.0) -> None:
        self.directory = Path(directory)
        self.lock_expire_s = lock_expire_s
        self._open()

    def _open(self) -> None:
        try:
            self._values = diskcache.Cache(str(self.directory / "values"), size_limit=SIZE_LIMIT)
            self._locks = diskcache.Cache(str(self.directory / "locks"), eviction_policy="none")
            len(self._values)
        except sqlite3.OperationalError:
            raise  # busy or unreachable, not corrupt: never wipe a cache that other workers are using
        except _CACHE_ERRORS as exc:
            log.warning("model cache at %s is unusable (%s); starting it afresh", self.directory, exc)
            shutil.rmtree(self.directory, ignore_errors=True)
            self._values = diskcache.Cache(str(self.directory / "values"), size_limit=SIZE_LIMIT)
            self._locks = diskcache.Cache(str(self.directory / "locks"), eviction_policy="none")

    def _reopen_if_gone(self) -> None:
        if not (self.directory / "values").is_dir() or not (self.directory / "locks").is_dir():
            self.close()
            self._open()

    def get(self, key: str) -> object | None:
        """The cached value, or None on a miss or an unreadable entry (which is removed)."""
        self._reopen_if_gone()
        try:
            return self._values.get(key)
        except Exception as exc:  # unpickling garbage raises nearly anything (TypeError, ImportError, ...)
            log.warning("cache entry %s unreadable (%s); recomputing", key, exc)
            self._discard(key)
            return None

    def _discard(self, key: str) -> None:
        try:
            self._values.delete(key)
        except _CACHE_ERRORS:
            self.close()
            shutil.rmtree(self.directory, ignore_errors=True)
            self._open()

    def _store(self, key: str, value: object) -> None:
        try:
            self._values.set(key, value)
            self._locks.incr(_COMPUTED + key, default=0)
        except _CACHE_ERRORS as exc:
            log.warning("could not store %s in the model cache (%s); serving it uncached", key, exc)

    def get_or_compute(self, key: str, compute: Callable[[], T]) -> T:
        """The value for ``key``, computed by ``compute()`` at most once across processes
        (unless the lock expires under a compute that outlives ``lock_expire_s``)."""
        value = self.get(key)
        if value is not None:
            return value  # type: ignore[return-value]
        try:
            lock = diskcache.Lock(self._locks, "lock:" + key, expire=self.lock_expire_s)
            lock.acquire()
        except _CACHE_ERRORS as exc:
            log.warning("model cache lock unavailable (%s); computing without it", exc)
            return compute()
        try:
            value = self.get(key)
            if value is None:
                value = compute()
                self._store(key, value)
            return value  # type: ignore[return-value]
        finally:
            with contextlib.suppress(*_CACHE_ERRORS):
                lock.release()

    def times_computed(self, key: str) -> int:
        """How often ``key`` was computed and stored since the cache was created."""
        try:
            return int(self._locks.get(_COMPUTED + key, 0))
        except _CACHE_ERRORS:
            return 0

    def close(self) -> None:
        for cache in (getattr(self, "_values", None), getattr(self, "_locks", None)):
            if cache is not None:
                with contextlib.suppress(*_CACHE_ERRORS):
                    cache.close()
