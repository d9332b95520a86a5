"""The model cache shared by every worker, and the rule for who may compute.

``ModelCache.get_or_compute(key, compute, what)`` returns the cached value or computes it
once across every process of the deployment: callers take a short lease on the key
(core.shared), renewed while ``compute`` runs; the others wait, then read what it
stored. A holder killed mid-fit loses its lease within ``lease_s`` seconds and the next
caller computes instead: nothing is wedged.

Who may compute: a web request must answer quickly, so it reads only. Inside
``cached_only()`` a miss raises ``NotReady`` (naming what is missing) instead of
computing or waiting; the app then runs the work as a background job, which computes
(``get_or_compute`` outside that block), taking its turn with the host's other
jobs (``core.slots``), and reports its progress through ``core.progress``. The command
line and the benchmarks compute directly.

A store that cannot be used (a damaged disk cache, Redis gone) never makes an answer
wrong: reads miss, and a fit runs without the lease rather than not at all; an
unreachable Redis is reported as ``StoreUnavailableError`` by ``ping``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from core import progress, slots
from core.config import Settings
from core.shared import DiskStore, SharedStore, StoreUnavailableError, held, open_store

log = logging.getLogger(__name__)
T = TypeVar("T")

_COMPUTED = "computed:"
#: Set by ``cached_only``: this context reads the cache and never computes.
_READ_ONLY: ContextVar[bool] = ContextVar("audiospace_cache_read_only", default=False)


class NotReady(Exception):  # noqa: N818 - it is a state, not an error
    """A value a read-only caller asked for is not in the cache yet; ``what`` says which, in words."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@contextlib.contextmanager
def _read_only(value: bool) -> Iterator[None]:
    token = _READ_ONLY.set(value)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


def cached_only() -> contextlib.AbstractContextManager[None]:
    """Within the block, cache misses raise NotReady instead of computing (web requests)."""
    return _read_only(True)


def computing() -> contextlib.AbstractContextManager[None]:
    """Within the block, misses are computed even inside ``cached_only`` (background jobs)."""
    return _read_only(False)


class ModelCache:
    """Cached models on a SharedStore (a folder path means a DiskStore there).

    ``lease_s`` is how long a fit's lease outlives a holder that stopped renewing it.
    """

    def __init__(self, store: SharedStore | str | Path, lease_s: float = 20.0) -> None:
        self.store: SharedStore = DiskStore(store) if isinstance(store, str | Path) else store
        self.lease_s = lease_s

    @property
    def backend(self) -> str:
        return self.store.backend

    def get(self, key: str) -> object | None:
        """The cached value, or None on a miss (or when the store cannot be read)."""
        try:
            return self.store.get(key)
        except StoreUnavailableError:
            raise
        except Exception as exc:
            log.warning("model cache read of %s failed (%s); treated as a miss", key, exc)
            return None

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def get_or_compute(self, key: str, compute: Callable[[], T], what: str = "a model") -> T:
        """The value for ``key``, computed by ``compute()`` at most once across processes.

        Read-only callers (``cached_only``) get NotReady on a miss. ``what`` names the
        value in words, for progress messages and NotReady.
        """
        value = self.get(key)
        if value is not None:
            return value  # type: ignore[return-value]
        if _READ_ONLY.get():
            raise NotReady(what)
        lease = self.store.lease("lock:" + key, self.lease_s)
        if not lease.acquire(wait_s=0):
            progress.report(f"Waiting for {what}, which another worker is computing")
            lease.acquire(wait_s=None)
        with held(lease, self.lease_s):
            value = self.get(key)
            if value is None:
                with slots.turn():
                    progress.report(f"Computing {what}")
                    value = compute()
                self._store(key, value)
        return value  # type: ignore[return-value]

    def _store(self, key: str, value: object) -> None:
        try:
            self.store.set(key, value)
            self.store.incr(_COMPUTED + key)
        except Exception as exc:
            log.warning("could not store %s in the model cache (%s); serving it uncached", key, exc)

    def times_computed(self, key: str) -> int:
        """How often ``key`` was computed and stored since the store was created."""
        try:
            return self.store.count(_COMPUTED + key)
        except Exception:
            return 0

    def close(self) -> None:
        self.store.close()


def open_model_cache(settings: Settings, directory: Path | None = None) -> ModelCache:
    """The deployment's model cache: on Redis when ``settings.redis_url`` is set, else on disk in
    ``directory`` (default ``settings.cache_dir``)."""
    return ModelCache(open_store(settings.redis_url, directory or settings.cache_dir, "models"), settings.lock_lease_s)
