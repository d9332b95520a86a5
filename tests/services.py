"""Real services for tests, on loopback: a redis-server and a Celery worker, started and
stopped by the tests themselves (Debian's redis-server; skipped with a reason without it)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

REDIS_SERVER = shutil.which("redis-server")
CELERY = Path(sys.executable).with_name("celery")
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(port: int, workers: int = 2, threads: int = 4, timeout_s: int = 120) -> list[str]:
    """The Procfile's ``web`` line on a loopback port: gthread workers serving app.wsgi:server."""
    command = [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread"]
    return [*command, "--threads", str(threads), "--timeout", str(timeout_s), "app.wsgi:server"]


def answers_health(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def quiet(env: dict[str, str]) -> dict[str, str]:
    """``env`` without the map warm-up unless it asks for it (AUDIOSPACE_WARM_MAPS): each
    process would spend about 4 s of a core compiling UMAP, which few tests use
    (tests/test_jobs_fork.py checks the warm-up itself)."""
    return {"AUDIOSPACE_WARM_MAPS": "0", **env}


@contextlib.contextmanager
def serving(
    env: dict[str, str], cwd: Path, workers: int = 2, timeout_s: int = 120, ready_s: float = 60.0
) -> Iterator[str]:
    """gunicorn as the Procfile runs it, on a free loopback port, with ``env``; yields its base
    URL once /healthz answers (within ``ready_s``) and stops every process it started after."""
    port = free_port()
    process = subprocess.Popen(
        gunicorn_command(port, workers=workers, timeout_s=timeout_s),
        env=quiet(env),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers_health(base), "gunicorn to answer /healthz", timeout=ready_s)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wait_for(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """A redis-server on a free loopback port, without persistence; ``stop``/``start`` again on
    the same port (to test what the app does while Redis is away)."""

    def __init__(self, folder: Path) -> None:
        if REDIS_SERVER is None:
            pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self.answers, "redis-server to answer")
        return self

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class CeleryWorker:
    """``celery -A app.worker:celery worker`` (the Procfile's worker line) with ``env``; kill -9 or stop it."""

    def __init__(self, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.env, self.cwd, self.log = env, cwd, log
        self.process: subprocess.Popen | None = None

    def start(self) -> CeleryWorker:
        command = [str(CELERY), "-A", "app.worker:celery", "worker", "--concurrency", "1", "--loglevel", "INFO"]
        command += ["--pool", "prefork", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command,
                env={**quiet(self.env), "PYTHONPATH": str(Path(__file__).parents[1])},
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: b"ready." in self.log.read_bytes(), "the Celery worker to be ready", timeout=60)
        return self

    def kill(self) -> None:
        """kill -9 the worker and its pool processes, as an OOM kill or a lost host would."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None
