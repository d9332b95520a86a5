"""Faults an unlucky operator causes while gunicorn serves (2 workers, real HTTP on
loopback): the cache folder deleted, a cache database truncated and overwritten. Every request gets an
answer, no worker dies, the damaged store alone starts afresh, and the workers share
what is computed afterwards."""

from __future__ import annotations

import os
import shutil
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
    computed"), no worker dies; the next job to open the store sets the damaged databases
    aside and refits, the stores beside them (previews, job results) untouched, and both
    workers serve from the fresh one."""
    base, settings = served
    _fit(settings, 7)
    before = _downloads(base, 7)
    workers = _workers(before)
    assert len(workers) == 2
    neighbours = [settings.cache_dir / "previews" / "values" / "cache.db", settings.cache_dir / "jobs" / "cache.db"]
    assert all(path.is_file() for path in neighbours)

    database = settings.cache_dir / "values" / "cache.db"
    for part in database.parent.glob("cache.db*"):  # the database and its write-ahead log
        os.truncate(part, part.stat().st_size // 2)
    with database.open("r+b") as damaged:
        damaged.write(b"\x00garbage\xff" * 400)
    after = _downloads(base, 7, rounds=6) + [requests.get(base + "/healthz", timeout=30) for _ in range(6)]
    assert {a.status_code for a in after} <= {200, 503}, "a request failed on the damaged store"
    assert _workers(after) == workers, "a worker died"

    damaged_file = database.stat().st_ino
    _fit(settings, 7)  # the next job finds the store damaged and starts it afresh
    assert database.stat().st_ino != damaged_file, "the damaged database is still in use"
    assert all(path.is_file() for path in neighbours), "a store beside the damaged one was removed"
    refitted = _downloads(base, 7)
    assert {a.status_code for a in refitted} == {200} and _workers(refitted) == workers
