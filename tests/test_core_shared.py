"""The shared store, one interface on two backends: diskcache in a folder and a real
redis-server on loopback. Every test here runs on both."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core.cache import ModelCache
from core.shared import DiskStore, RedisStore, SharedStore, StoreUnavailableError, held
from tests.services import RedisServer


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(params=["diskcache", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedStore]:
    if request.param == "diskcache":
        opened: SharedStore = DiskStore(tmp_path / "store")
    else:
        server = request.getfixturevalue("redis_server")
        opened = RedisStore(server.url, namespace=f"test-{tmp_path.name}")
    yield opened
    opened.close()


def test_values_round_trip_and_expire(store: SharedStore) -> None:
    labels = np.arange(10_000, dtype=np.int16)
    store.set("labels", labels)
    np.testing.assert_array_equal(store.get("labels"), labels)
    store.set("brief", ("url", "source"), expire=0.3)
    assert store.get("brief") == ("url", "source")
    time.sleep(0.5)
    assert store.get("brief") is None and store.get("never-set") is None
    store.delete("labels")
    assert store.get("labels") is None


def test_counters_count_and_expire(store: SharedStore) -> None:
    assert [store.incr("bucket", expire=0.4) for _ in range(3)] == [1, 2, 3]
    assert store.count("bucket") == 3 and store.count("other") == 0
    time.sleep(0.6)
    assert store.count("bucket") == 0


def test_a_lease_excludes_others_until_released_or_lapsed(store: SharedStore) -> None:
    mine, theirs = store.lease("fit", 0.5), store.lease("fit", 0.5)
    assert mine.acquire(wait_s=0)
    assert not theirs.acquire(wait_s=0.1)
    assert mine.renew()
    mine.release()
    assert theirs.acquire(wait_s=0)
    time.sleep(0.7)  # the holder stopped renewing (as a killed one would): the lease lapses
    assert not theirs.renew()
    assert mine.acquire(wait_s=0)
    mine.release()


def test_a_held_lease_is_renewed_past_its_length(store: SharedStore) -> None:
    mine = store.lease("long-fit", 0.4)
    assert mine.acquire(wait_s=0)
    with held(mine, 0.4):
        time.sleep(1.2)
        assert not store.lease("long-fit", 0.4).acquire(wait_s=0)
    assert store.lease("long-fit", 0.4).acquire(wait_s=0)


def test_the_model_cache_computes_once_on_either_store(store: SharedStore) -> None:
    calls = []
    cache = ModelCache(store, lease_s=1.0)
    for _ in range(3):
        assert cache.get_or_compute("model", lambda: calls.append(1) or "fitted") == "fitted"
    assert calls == [1] and cache.times_computed("model") == 1


def test_redis_going_away_is_reported_and_recovered(tmp_path: Path) -> None:
    """A stopped Redis: reads and ping raise StoreUnavailableError (a message, not a crash);
    once it is back on its port, the same store object works again."""
    server = RedisServer(tmp_path).start()
    store = RedisStore(server.url, namespace="away")
    store.set("k", 1)
    server.stop()
    with pytest.raises(StoreUnavailableError, match="Redis is not reachable"):
        store.ping()
    with pytest.raises(StoreUnavailableError):
        store.get("k")
    server.start()
    store.ping()
    store.set("k", 2)
    assert store.get("k") == 2
    server.stop()


_READER = """
import sys
from core.shared import DiskStore
store = DiskStore(sys.argv[1])
print("reading", flush=True)
for i in range(150_000):
    try:
        store.get(f"k{i % 20_000}")
    except Exception:
        pass
"""


@pytest.mark.slow
def test_a_database_truncated_under_a_reader_does_not_kill_it(tmp_path: Path) -> None:
    """SQLite reading a memory-mapped database that shrinks gets SIGBUS: 3 of 4 gunicorn workers
    died so. A DiskStore reads without a map: the reader sees a damaged file and lives on."""
    store = DiskStore(tmp_path / "store")
    for i in range(20_000):
        store.set(f"k{i}", "x" * 200)
    database = tmp_path / "store" / "values" / "cache.db"
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(tmp_path / "store")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert reader.stdout.readline().strip() == b"reading"
    time.sleep(0.3)
    os.truncate(database, database.stat().st_size // 2)
    assert reader.wait(timeout=120) == 0, f"the reader died (signal {-reader.returncode})"
