"""State shared by every process of a deployment, behind one interface, on two backends.

The model cache, the locks that make a fit happen once, the preview look-up cache and
the rate limiter all use a ``SharedStore``: ``DiskStore`` (diskcache in a folder, the
embedded default: every process on one host) or ``RedisStore`` (any number of hosts on
one Redis, chosen by ``AUDIOSPACE_REDIS_URL``). Callers never ask which one they have.

Locks are short *leases*: ``Lease.acquire`` takes one for ``seconds``, its holder renews
it while it works (``held`` runs a heartbeat thread), and a holder that died (kill -9,
OOM) loses it within ``seconds``: nothing waits on a dead process for longer than that.
On Redis the lease is redis-py's ``Lock`` (SET NX PX, renewed with ``extend``); on disk
it is an entry added with ``Cache.add`` and an expiry, renewed in a transaction only by
the token that took it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import diskcache

log = logging.getLogger(__name__)

#: Values are models, projections and sweeps; 4 GB holds every K of a 1M-song catalog.
DISK_SIZE_LIMIT = 4 * 2**30
#: SQLite reads the database through read() calls, not a memory map: a database file
#: truncated under a mapping kills the reading process with SIGBUS (3 of 4 gunicorn workers
#: died so), where read() only sees a damaged file, which is set aside and started afresh.
SQLITE_SETTINGS: dict[str, int] = {"sqlite_mmap_size": 0}
#: Seconds SQLite waits for another connection's write before a call gives up. Writes take
#: milliseconds; diskcache's 60 s let a damaged database hold a request past any timeout.
SQLITE_TIMEOUT_S = 5
#: A DiskStore's two databases: values (evicted by size) and counters and leases (never).
_FOLDERS = ("values", "locks")
_DISK_ERRORS = (sqlite3.Error, OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError)


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite says another connection holds the database (wait), rather than that
    the file is damaged ("disk I/O error" on a truncated write-ahead log, "no such table")."""
    return any(word in str(exc) for word in ("locked", "busy"))


class StoreUnavailableError(RuntimeError):
    """The shared store cannot be reached (Redis down, disk unusable); the message says which."""


class Lease(Protocol):
    def acquire(self, wait_s: float | None) -> bool:
        """Take the lease, waiting at most ``wait_s`` seconds (None: until it is free)."""
        ...

    def renew(self) -> bool:
        """Extend a lease this holder has; False when it was lost (it lapsed, someone took it)."""
        ...

    def release(self) -> None: ...


class SharedStore(Protocol):
    """A key-value store shared by every process, with expiry, counters and leases."""

    #: e.g. "diskcache" or "redis", for /healthz and logs.
    backend: str

    def get(self, key: str) -> object | None: ...

    def set(self, key: str, value: object, expire: float | None = None) -> None: ...

    def delete(self, key: str) -> None: ...

    def incr(self, key: str, expire: float | None = None) -> int:
        """Add one to the counter ``key`` (0 if absent) and return it; ``expire`` is set when it is created."""
        ...

    def count(self, key: str) -> int:
        """The counter's value, 0 if absent."""
        ...

    def lease(self, name: str, seconds: float) -> Lease: ...

    def ping(self) -> None:
        """Raise StoreUnavailableError unless the store answers."""
        ...

    def close(self) -> None: ...


def _backoff(started: float, wait_s: float | None) -> bool:
    """Sleep a little (longer the longer we have waited); False once ``wait_s`` is used up."""
    waited = time.monotonic() - started
    if wait_s is not None and waited >= wait_s:
        return False
    pause = min(0.5, 0.02 + waited / 20)
    time.sleep(pause if wait_s is None else max(0.0, min(pause, wait_s - waited)))
    return True


@contextlib.contextmanager
def held(lease: Lease, seconds: float) -> Iterator[None]:
    """Keep an acquired ``lease`` renewed every ``seconds``/3 until the block ends, then release it."""
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(seconds / 3):
            if not lease.renew():
                log.warning("a lease lapsed while its holder was still working")
                return

    beat = threading.Thread(target=heartbeat, name="lease-heartbeat", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()
        with contextlib.suppress(Exception):
            lease.release()


# -- diskcache ---------------------------------------------------------------------------------


class _DiskLease:
    def __init__(self, locks: diskcache.Cache, name: str, seconds: float) -> None:
        self.locks, self.name, self.seconds = locks, name, seconds
        self.token = uuid.uuid4().hex

    def acquire(self, wait_s: float | None) -> bool:
        started = time.monotonic()
        while not self.locks.add(self.name, self.token, expire=self.seconds, retry=True):
            if not _backoff(started, wait_s):
                return False
        return True

    def renew(self) -> bool:
        with self.locks.transact(retry=True):
            if self.locks.get(self.name, retry=True) != self.token:
                return False
            self.locks.set(self.name, self.token, expire=self.seconds, retry=True)
            return True

    def release(self) -> None:
        with self.locks.transact(retry=True):
            if self.locks.get(self.name, retry=True) == self.token:
                self.locks.delete(self.name, retry=True)


class DiskStore:
    """diskcache in ``directory``: values (size-limited, least recently stored evicted first)
    and, beside them, counters and leases in a cache that never evicts.

    A folder deleted while serving is noticed and recreated (handles to deleted files are
    reopened); a damaged database is set aside and started afresh, on its own: the other
    stores of the deployment are untouched.
    """

    backend = "diskcache"

    def __init__(self, directory: str | Path, size_limit: int = DISK_SIZE_LIMIT) -> None:
        self.directory = Path(directory)
        self.size_limit = size_limit
        self._open()

    def _open(self) -> None:
        try:
            self._connect()
            len(self._values)
        except _DISK_ERRORS as exc:
            if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
                raise  # busy, not damaged: never wipe a store that other workers are using
            self._start_afresh(exc)
            return
        self._opened = self._files()

    def _start_afresh(self, exc: Exception) -> None:
        log.warning("shared store at %s is unusable (%s); starting it afresh", self.directory, exc)
        self.close()
        self._remove()
        self._connect()
        self._opened = self._files()

    def _remove(self) -> None:
        """Delete this store's databases, and nothing else: the model cache's folder also
        holds the previews store, the job results and the datasets."""
        for name in _FOLDERS:
            shutil.rmtree(self.directory / name, ignore_errors=True)

    def _connect(self) -> None:
        options = {"timeout": SQLITE_TIMEOUT_S, **SQLITE_SETTINGS}
        self._values = diskcache.Cache(str(self.directory / "values"), size_limit=self.size_limit, **options)
        self._meta = diskcache.Cache(str(self.directory / "locks"), eviction_policy="none", **options)

    def _files(self) -> tuple[tuple[int, int], ...] | None:
        """Which database files the folder holds now (device, inode); None if one is gone."""
        try:
            return tuple(
                (found.st_dev, found.st_ino)
                for found in (os.stat(self.directory / name / "cache.db") for name in _FOLDERS)
            )
        except OSError:
            return None

    def _reopen_if_gone(self) -> None:
        """Reopen when the databases this process has open are no longer the folder's: it was
        deleted (and perhaps already recreated by another process, so the folders exist)."""
        if self._files() != self._opened:
            self.close()
            self._open()

    def get(self, key: str) -> object | None:
        """The value, or None on a miss or an unreadable entry (which is removed)."""
        self._reopen_if_gone()
        try:
            return self._values.get(key, retry=True)
        except Exception as exc:  # unpickling garbage raises nearly anything (TypeError, ImportError, ...)
            log.warning("shared entry %s unreadable (%s); dropped", key, exc)
            self.delete(key)
            return None

    def set(self, key: str, value: object, expire: float | None = None) -> None:
        self._values.set(key, value, expire=expire, retry=True)

    def delete(self, key: str) -> None:
        """Remove ``key``; a database that cannot even do that (damaged, or locked for good by
        a damaged write-ahead log) is started afresh rather than waited on."""
        try:
            self._values.delete(key, retry=False)
        except (diskcache.Timeout, *_DISK_ERRORS) as exc:
            self._start_afresh(exc)

    def incr(self, key: str, expire: float | None = None) -> int:
        value = self._meta.incr(key, default=0, retry=True)
        if value == 1 and expire is not None:
            self._meta.touch(key, expire=expire, retry=True)
        return int(value)

    def count(self, key: str) -> int:
        try:
            return int(self._meta.get(key, 0, retry=True))
        except _DISK_ERRORS:
            return 0

    def lease(self, name: str, seconds: float) -> Lease:
        self._reopen_if_gone()
        return _DiskLease(self._meta, name, seconds)

    def ping(self) -> None:
        try:
            self._reopen_if_gone()
            self._values.get("ping", retry=True)
        except _DISK_ERRORS as exc:
            raise StoreUnavailableError(f"the cache folder cannot be used: {exc}") from None

    def close(self) -> None:
        for cache in (getattr(self, "_values", None), getattr(self, "_meta", None)):
            if cache is not None:
                with contextlib.suppress(*_DISK_ERRORS):
                    cache.close()


# -- Redis -------------------------------------------------------------------------------------


class _RedisLease:
    def __init__(self, store: RedisStore, lock: object) -> None:
        self.store, self.lock = store, lock

    def acquire(self, wait_s: float | None) -> bool:
        with self.store._reachable():
            return bool(self.lock.acquire(blocking=True, blocking_timeout=wait_s))

    def renew(self) -> bool:
        from redis.exceptions import LockError

        try:
            with self.store._reachable():
                return bool(self.lock.reacquire())
        except (LockError, StoreUnavailableError):
            return False

    def release(self) -> None:
        from redis.exceptions import LockError

        with contextlib.suppress(LockError, StoreUnavailableError), self.store._reachable():
            self.lock.release()


class RedisStore:
    """Redis at ``url``; every key is prefixed with ``namespace`` so stores can share a database.
    Values are pickled (they are our own dataclasses and arrays, written by our own processes)."""

    backend = "redis"

    def __init__(self, url: str, namespace: str) -> None:
        import redis  # imported here: the embedded deployment never needs it

        self.url, self.namespace = url, namespace
        self.client = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30, retry_on_timeout=True
        )
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    @contextlib.contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except self._errors as exc:
            raise StoreUnavailableError(f"Redis is not reachable ({exc})") from None

    def get(self, key: str) -> object | None:
        with self._reachable():
            raw = self.client.get(self._key(key))
        if raw is None:
            return None
        try:
            return pickle.loads(raw)
        except Exception as exc:  # an entry written by another version of the app
            log.warning("shared entry %s unreadable (%s); dropped", key, exc)
            self.delete(key)
            return None

    def set(self, key: str, value: object, expire: float | None = None) -> None:
        with self._reachable():
            self.client.set(self._key(key), pickle.dumps(value, protocol=5), px=int(expire * 1000) if expire else None)

    def delete(self, key: str) -> None:
        with self._reachable():
            self.client.delete(self._key(key))

    def incr(self, key: str, expire: float | None = None) -> int:
        with self._reachable():
            value = int(self.client.incr(self._key(key)))
            if value == 1 and expire is not None:
                self.client.pexpire(self._key(key), int(expire * 1000))
        return value

    def count(self, key: str) -> int:
        with self._reachable():
            return int(self.client.get(self._key(key)) or 0)

    def lease(self, name: str, seconds: float) -> Lease:
        lock = self.client.lock(self._key(name), timeout=seconds, sleep=0.05, thread_local=False)
        return _RedisLease(self, lock)

    def ping(self) -> None:
        with self._reachable():
            self.client.ping()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


def open_store(redis_url: str | None, directory: Path, namespace: str) -> SharedStore:
    """The deployment's store for ``namespace``: Redis when ``redis_url`` is set (``directory``
    unused), else a DiskStore in ``directory``."""
    return RedisStore(redis_url, namespace) if redis_url else DiskStore(directory)
