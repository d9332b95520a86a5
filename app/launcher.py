"""Embedded background jobs forked from a clean process, not from the busy web worker.

Dash's ``DiskcacheManager`` forks each job from the process that asked for it. A web worker
runs several request threads, and a child forked while another thread is inside SQLite
(diskcache: every job poll, every model-cache look-up, lease renewals) inherits SQLite's
in-process lock bookkeeping in that state: its first write waits on a lock no process
holds, forever or for diskcache's 60 s timeout. Measured here: with 4 threads using one
diskcache, 93 of 200 children forked beside them hung.

So each worker forks one *launcher* as soon as its app is built, while it still runs a
single thread and holds no lock. The launcher never starts a thread or touches SQLite; it
waits on a pipe and forks every job from its own clean state, a snapshot of the finished
app (registered callbacks, context). Jobs are grandchildren of the worker: Dash still polls
and terminates them by pid, and the launcher reaps them (SIGCHLD ignored).

GNU OpenMP is not fork-safe either (a child of a process that ran a parallel region on
several threads hangs in its first one), so the web worker keeps OpenMP on one thread, and
so do the jobs: several jobs each spinning OpenMP threads on every core slow each other
down badly (30 concurrent K-means fits on 2 cores: 15 s with 2 threads each, 0.6 s with one).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

import flask
import psutil
from dash import DiskcacheManager

log = logging.getLogger(__name__)

#: Jobs yield the CPU to request threads (nice 10): with every core busy fitting, a page
#: load or a cached K switch still runs first.
JOB_NICENESS = 10
#: Seconds without a job request after which a launcher warms up (see _serve).
WARM_AFTER_S = 2.0


def _run_job(job_fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The job process: default signals, lower CPU priority, run, exit without running
    inherited exit handlers."""
    status = 1
    try:
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        os.nice(JOB_NICENESS)
        job_fn(*args)  # Dash's job function stores the result or the error itself
        status = 0
    finally:
        os._exit(status)


def _serve(
    requests: multiprocessing.connection.Connection,
    jobs: dict[str, Callable[..., Any]],
    server: flask.Flask,
    warm: Callable[[], object] | None,
) -> None:
    """The launcher's life: for each (job name, arguments) received, fork the job and send its
    pid back. Ends, without running any inherited exit handler, when the worker is gone.

    ``warm`` (compiling code that jobs need: core.embedding.warm_up with ``will_fork``) runs
    once the launcher has been idle for WARM_AFTER_S, so it does not compete with the worker's
    start. It runs in the launcher itself, not in a thread (a job forked mid-compilation would
    inherit the compiler's lock, held): every job forked after it inherits the compiled code,
    and a job asked for while it runs waits for it.

    Jobs run inside ``server``'s app context, so code that asks for the current app gets the
    one that launched them: asked of Dash, it is whichever app last ran a method in the
    forking thread (the wrong one when a process builds several apps, as tests do)."""
    try:
        server.app_context().push()
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished jobs are reaped by the kernel
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        if warm is not None and not requests.poll(WARM_AFTER_S):
            try:
                warm()
            except Exception:  # a failed warm-up only means the first map job compiles
                log.exception("warming the job launcher failed")
        while True:
            name, args = requests.recv()
            pid = os.fork()
            if pid == 0:
                requests.close()
                _run_job(jobs[name], args)
            requests.send(pid)
    finally:
        os._exit(0)


class JobLauncher:
    """The worker's end of a launcher process (see the module docstring).

    ``jobs`` maps a job name to the function the job runs; the launcher knows the mapping as
    it was when it started, so only names known then can be launched.
    """

    def __init__(
        self, jobs: dict[str, Callable[..., Any]], server: flask.Flask, warm: Callable[[], object] | None = None
    ) -> None:
        self.names = frozenset(jobs)
        self.owner = os.getpid()
        ours, theirs = multiprocessing.Pipe()
        pid = os.fork()
        if pid == 0:
            ours.close()
            _serve(theirs, jobs, server, warm)
        theirs.close()
        self.pid, self._requests, self._lock = pid, ours, threading.Lock()

    def launch(self, name: str, args: tuple[Any, ...]) -> int | None:
        """The pid of a new job running ``jobs[name](*args)``, or None when this launcher cannot
        start it (unknown name, launcher gone, or a launcher inherited from another process)."""
        if name not in self.names or os.getpid() != self.owner:
            return None
        try:
            with self._lock:
                self._requests.send((name, args))
                return int(self._requests.recv())
        except (OSError, EOFError):
            log.warning("the job launcher (pid %s) is gone; jobs are forked from the worker", self.pid)
            self.names = frozenset()
            return None


class LaunchingDiskcacheManager(DiskcacheManager):
    """``DiskcacheManager`` whose jobs come from a ``JobLauncher`` once ``start_launcher`` ran.

    Before that, or for a callback registered after it, a job is forked from this process as
    Dash does (the fallback risks the hang described above, so it is logged).
    """

    launcher: JobLauncher | None = None

    def start_launcher(self, server: flask.Flask, warm: Callable[[], object] | None = None) -> None:
        """Fork the launcher (``warm``: see ``_serve``). Call while this process runs a single
        thread and no lock is held: after the app is fully built, before serving or starting
        any thread (a gunicorn worker runs none at that point)."""
        self.launcher = JobLauncher(dict(self.func_registry), server, warm)

    def call_job_fn(self, key: str, job_fn: Callable[..., Any], args: Any, context: Any) -> int:
        name = next((name for name, registered in self.func_registry.items() if registered is job_fn), None)
        launcher, job_args = self.launcher, (key, self._make_progress_key(key), args, context)
        launched = launcher.launch(name, job_args) if launcher and name else None
        if launched is not None:
            return launched
        log.warning("job %s is forked from the web worker (no launcher for it)", name)
        return super().call_job_fn(key, job_fn, args, context)

    def terminate_job(self, job: int | str | None) -> None:
        """Dash's, for a job that ends on its own meanwhile. A job exits as soon as it has stored
        its result, and Dash stops it right after reading that result: when the job is gone
        between psutil's check that it exists and the listing of its children, psutil raises
        NoSuchProcess, and Dash, which has already taken the result from the cache, loses it
        (the view stays pending; seen once in a fresh-clone run)."""
        with contextlib.suppress(psutil.NoSuchProcess):
            super().terminate_job(job)
