"""Progress of long work, in words, for whoever is listening (a background job's page).

Engine code calls ``report("Fitting K-Means, K=5", done=3, total=11)`` at its steps;
nothing happens unless a caller listens with ``reporting(callback)``. A context
variable carries the listener, so concurrent jobs in one process do not mix.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """What is being computed now; ``done`` of ``total`` steps when the work has steps;
    ``elapsed_s`` since the listener started."""

    what: str
    done: int | None
    total: int | None
    elapsed_s: float

    def text(self) -> str:
        steps = f" ({self.done} of {self.total})" if self.total else ""
        return f"{self.what}{steps} · {self.elapsed_s:.0f} s"


Listener = Callable[[Step], None]
_listener: ContextVar[tuple[Listener, float] | None] = ContextVar("audiospace_progress", default=None)


def report(what: str, done: int | None = None, total: int | None = None) -> None:
    listening = _listener.get()
    if listening is not None:
        listener, started = listening
        listener(Step(what, done, total, time.monotonic() - started))


@contextlib.contextmanager
def reporting(listener: Listener) -> Iterator[None]:
    token = _listener.set((listener, time.monotonic()))
    try:
        yield
    finally:
        _listener.reset(token)
