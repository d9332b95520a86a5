"""At most a few computations at once on one host; the others wait their turn.

Every background job of the embedded deployment is a process of its own, and nothing
else bounds how many compute: sixteen visitors asking for t-SNE maps started sixteen
fits of over two minutes each and kept every core busy. Within ``limited(folder,
slots)`` (a job's whole run), each model the cache must compute (core.cache) first
takes one of ``slots`` turns: an exclusive lock on a file in a folder shared by every
worker of the host. The kernel frees a dead job's lock, so a killed job never keeps
its turn. Only computing waits: a job whose models are cached draws at once, and a
computation inside another (a K sweep's fits) runs on its parent's turn. While every
turn is taken, the job waits and says so through core.progress.

Celery deployments need none of this: a Celery worker's concurrency is its turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from core import progress

_LIMIT: ContextVar[tuple[Path, int] | None] = ContextVar("audiospace_slots", default=None)
_HOLDING: ContextVar[bool] = ContextVar("audiospace_slot_held", default=False)


@contextlib.contextmanager
def limited(folder: Path, slots: int) -> Iterator[None]:
    """Computations in the block take turns: at most ``slots`` at once across the host."""
    folder.mkdir(parents=True, exist_ok=True)
    token = _LIMIT.set((folder, slots))
    try:
        yield
    finally:
        _LIMIT.reset(token)


@contextlib.contextmanager
def turn(poll_s: float = 0.25) -> Iterator[None]:
    """Hold a turn for the block (waiting for one), or nothing outside ``limited`` or
    within a turn already held."""
    limit = _LIMIT.get()
    if limit is None or _HOLDING.get():
        yield
        return
    folder, slots = limit
    waited = False
    while True:
        for slot in range(slots):
            with (folder / f"slot-{slot}").open("a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                token = _HOLDING.set(True)
                try:
                    yield
                finally:
                    _HOLDING.reset(token)
                return
        if not waited:
            progress.report(
                f"Waiting for a turn: this server computes {slots} thing{'s' if slots != 1 else ''} at a time, "
                "and yours starts as soon as one is done"
            )
            waited = True
        time.sleep(poll_s)
