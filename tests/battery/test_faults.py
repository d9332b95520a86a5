"""Faults an unlucky operator causes while gunicorn serves (2 workers, real HTTP on
loopback): the cache folder deleted, a cache database truncated and overwritten, a job
killed mid-fit, a restart. Every request gets an
answer, no worker dies, the damaged store alone starts afresh, and the workers share
what is computed afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from core.cache import open_model_cache
from core.catalog import load_catalog
from core.config import Settings
from core.engine import Engine
from tests.conftest import blob_frame
from tests.services import serving

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    csv = tmp_path / "songs.csv"
    blob_frame((200, 150, 100), seed=5)[0].to_csv(csv, index=False)
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(csv),
        "AUDIOSPACE_CACHE_DIR": str(tmp_path / "cache"),
        "AUDIOSPACE_DATASETS_DIR": str(tmp_path / "datasets"),
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
        "AUDIOSPACE_LOCK_LEASE": "2",
    }
    with serving(env, tmp_path) as base:
        yield base, Settings.from_env(env)


def _fit(settings: Settings, k: int) -> tuple[Engine, str]:
    """Fit K and its projection in this process (as a background job would); the engine and
    the clustering's key."""
    engine = Engine(load_catalog(settings.data_path), open_model_cache(settings), seed=settings.seed)
    params = engine.params(k)
    engine.clustering(params)
    engine.projection(params)
    return engine, engine.clustering_key(params)


def _downloads(base: str, k: int, rounds: int = 12) -> list[requests.Response]:
    """Concurrent downloads of K's CSV until both workers have answered (bounded)."""
    answers: list[requests.Response] = []
    with ThreadPoolExecutor(6) as pool:
        for _ in range(rounds):
            answers += pool.map(lambda _: requests.get(f"{base}/download/songs.csv?k={k}", timeout=30), range(6))
            if len({a.headers["X-Worker-Pid"] for a in answers}) == 2:
                break
    return answers


def _workers(answers: list[requests.Response]) -> set[str]:
    return {a.headers["X-Worker-Pid"] for a in answers}


def test_the_cache_folder_deleted_while_serving_is_noticed_by_every_worker(served: tuple[str, Settings]) -> None:
    base, settings = served
    _fit(settings, 7)
    before = _downloads(base, 7)
    assert {a.status_code for a in before} == {200} and len(_workers(before)) == 2

    shutil.rmtree(settings.cache_dir)
    engine, key = _fit(settings, 8)  # a job computes into the recreated folder
    after = _downloads(base, 8)
    assert len(_workers(after)) == 2
    assert {a.status_code for a in after} == {200}, "a worker still reads the deleted cache"
    assert engine.cache.times_computed(key) == 1


def test_a_damaged_cache_database_costs_no_worker_and_no_request(served: tuple[str, Settings]) -> None:
    """The model store's database cut in half and its header overwritten while both workers
    use it: every request is answered (from what SQLite still holds, or 503 "being
    computed"), no worker dies; the first to find the store damaged (a worker or the next
    job) starts it afresh, the job refits, the stores beside them (previews, job results) untouched, and both
    workers serve from the fresh one."""
    base, settings = served
    _fit(settings, 7)
    before = _downloads(base, 7)
    workers = _workers(before)
    assert len(workers) == 2
    neighbours = [settings.cache_dir / "previews" / "values" / "cache.db", settings.cache_dir / "jobs" / "cache.db"]
    assert all(path.is_file() for path in neighbours)

    database = settings.cache_dir / "values" / "cache.db"
    # The database and its write-ahead log; not SQLite's shared-memory index (cache.db-shm),
    # which every process maps into memory by design, like memory of its own.
    for part in (database, database.with_name("cache.db-wal")):
        os.truncate(part, part.stat().st_size // 2)
    with database.open("r+b") as damaged:
        damaged.write(b"\x00garbage\xff" * 400)
    damaged_file = database.stat().st_ino
    after = _downloads(base, 7, rounds=6) + [requests.get(base + "/healthz", timeout=30) for _ in range(6)]
    assert {a.status_code for a in after} <= {200, 503}, "a request failed on the damaged store"
    assert _workers(after) == workers, "a worker died"

    _fit(settings, 7)  # a worker, or else the next job, finds the store damaged and starts it afresh
    assert database.stat().st_ino != damaged_file, "the damaged database is still in use"
    assert all(path.is_file() for path in neighbours), "a store beside the damaged one was removed"
    refitted = _downloads(base, 7)
    assert {a.status_code for a in refitted} == {200} and _workers(refitted) == workers


_DIES_MID_FIT = """
import sys, time
from core.cache import open_model_cache
from core.config import Settings
settings = Settings.from_env()
cache = open_model_cache(settings)
def fit():
    print("fitting", flush=True)
    time.sleep(600)
cache.get_or_compute(sys.argv[1], fit, "K-Means (K=9)")
"""


def test_a_job_killed_mid_fit_wedges_nothing(served: tuple[str, Settings], tmp_path: Path) -> None:
    """A job process holding the fit's lease is killed -9 (an OOM kill, a deploy): requests
    for that model meanwhile answer at once ("being computed"), /healthz stays up, and the
    next job gets the lease once it lapses and fits."""
    base, settings = served
    engine = Engine(load_catalog(settings.data_path), open_model_cache(settings), seed=settings.seed)
    key = engine.clustering_key(engine.params(9))
    env = {**os.environ, "AUDIOSPACE_DATA": str(settings.data_path), "AUDIOSPACE_CACHE_DIR": str(settings.cache_dir)}
    job = subprocess.Popen(
        [sys.executable, "-c", _DIES_MID_FIT, key], env=env, stdout=subprocess.PIPE, cwd=Path(__file__).parents[2]
    )
    assert job.stdout.readline().strip() == b"fitting"
    with ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(
                lambda path: requests.get(base + path, timeout=10),
                ["/download/songs.csv?k=9"] * 12 + ["/healthz"] * 4,
            )
        )
    assert [a.status_code for a in answers] == [503] * 12 + [200] * 4
    job.kill()
    job.wait()

    _fit(settings, 9)  # the next job: waits out the dead holder's lease (AUDIOSPACE_LOCK_LEASE), then fits
    assert engine.cache.times_computed(key) == 1
    assert {a.status_code for a in _downloads(base, 9)} == {200}


def test_a_restarted_server_serves_what_was_computed_before(served: tuple[str, Settings], tmp_path: Path) -> None:
    base, settings = served
    engine, key = _fit(settings, 6)
    assert {a.status_code for a in _downloads(base, 6)} == {200}
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(settings.data_path),
        "AUDIOSPACE_CACHE_DIR": str(settings.cache_dir),
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
    }
    with serving(env, tmp_path) as restarted:
        assert {a.status_code for a in _downloads(restarted, 6)} == {200}
    assert engine.cache.times_computed(key) == 1, "the restarted server refitted"
