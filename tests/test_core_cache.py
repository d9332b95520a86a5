"""The on-disk model cache: one fit across processes, dead lock holders, deleted or corrupt folders."""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from core.cache import ModelCache, NotReady, cached_only, computing
from core.catalog import Catalog
from core.engine import Engine
from core.shared import DiskStore
from tests import cache_workers

N_PROCESSES = 8


class Counter:
    """A compute function that counts its calls and returns a value large enough for its own file."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        return np.arange(50_000, dtype=np.int64)  # 400 kB: diskcache keeps it in a .val file


def test_value_is_computed_once_and_then_served(model_cache: ModelCache) -> None:
    """A second ask for the same key is a fetch: compute runs once, times_computed says 1."""
    compute = Counter()
    first = model_cache.get_or_compute("k", compute)
    second = model_cache.get_or_compute("k", compute)
    assert compute.calls == 1
    assert model_cache.times_computed("k") == 1
    np.testing.assert_array_equal(first, second)
    assert model_cache.times_computed("never-asked") == 0


@pytest.mark.slow  # starts a process
def test_eight_processes_on_one_cold_key_fit_once(tmp_path: Path, blobs_csv: tuple[Path, np.ndarray]) -> None:
    """8 spawned processes, lined up on a barrier, ask for the same uncached clustering with one
    shared cache folder: exactly one of them fits, and all 8 get the same labels."""
    ctx = multiprocessing.get_context("spawn")
    cache_dir = tmp_path / "shared-cache"
    start = ctx.Barrier(N_PROCESSES)
    results = ctx.Queue()
    args = (str(blobs_csv[0]), str(cache_dir), 5, start, results)
    processes = [ctx.Process(target=cache_workers.cluster_in_process, args=args) for _ in range(N_PROCESSES)]
    for process in processes:
        process.start()
    answers = []
    try:
        for _ in range(N_PROCESSES):
            answers.append(results.get(timeout=240))
    except queue.Empty:
        pytest.fail(f"only {len(answers)} of {N_PROCESSES} processes answered")
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0] * N_PROCESSES
    assert len({pid for pid, _, _ in answers}) == N_PROCESSES
    keys = {key for _, key, _ in answers}
    assert len(keys) == 1
    labels = [tuple(lab) for _, _, lab in answers]
    assert len(set(labels)) == 1, "processes got different clusterings"
    cache = ModelCache(cache_dir)
    assert cache.times_computed(keys.pop()) == 1
    cache.close()


@pytest.mark.slow  # starts a process
def test_lock_of_a_worker_that_died_mid_fit_lapses_within_its_lease(tmp_path: Path) -> None:
    """A process that takes the fit lock and dies (os._exit inside compute) stops renewing it;
    the next caller gets the lock once the short lease lapses (seconds, not the worst-case fit
    time) and computes, instead of hanging."""
    ctx = multiprocessing.get_context("spawn")
    cache_dir = tmp_path / "cache"
    lease = 2.0
    dying = ctx.Process(target=cache_workers.die_holding_lock, args=(str(cache_dir), "model", lease))
    dying.start()
    dying.join(timeout=120)
    assert dying.exitcode == 1
    # White-box check that the scenario is real: the dead process's lease is still held.
    assert not DiskStore(cache_dir).lease("lock:model", lease).acquire(wait_s=0)

    cache = ModelCache(cache_dir, lease_s=lease)
    started = time.monotonic()
    assert cache.get_or_compute("model", lambda: "fitted by a live worker") == "fitted by a live worker"
    assert time.monotonic() - started < 4 * lease
    assert cache.times_computed("model") == 1
    cache.close()


def test_a_live_fit_longer_than_its_lease_keeps_the_lock(tmp_path: Path) -> None:
    """The holder renews its lease while it computes: a fit that takes 4 leases is still done
    once, and a second caller waits for it rather than computing beside it."""
    calls = []

    def slow_fit() -> str:
        calls.append(1)
        time.sleep(2.0)
        return "fitted"

    first, second = ModelCache(tmp_path / "cache", lease_s=0.5), ModelCache(tmp_path / "cache", lease_s=0.5)
    with ThreadPoolExecutor(2) as pool:
        one = pool.submit(first.get_or_compute, "model", slow_fit)
        time.sleep(0.3)
        two = pool.submit(second.get_or_compute, "model", slow_fit)
        assert (one.result(timeout=30), two.result(timeout=30)) == ("fitted", "fitted")
    assert len(calls) == 1 and first.times_computed("model") == 1


def test_read_only_callers_get_not_ready_naming_the_work(tmp_path: Path) -> None:
    """Inside cached_only() a miss raises NotReady with what is missing, computing nothing;
    computing() inside it (a background job) computes; then read-only callers get the value."""
    cache = ModelCache(tmp_path / "cache")
    with cached_only():
        with pytest.raises(NotReady) as missing:
            cache.get_or_compute("model", lambda: "fitted", "K-Means (K=5)")
        assert missing.value.what == "K-Means (K=5)" and cache.times_computed("model") == 0
        with computing():
            assert cache.get_or_compute("model", lambda: "fitted") == "fitted"
        assert cache.get_or_compute("model", lambda: "never called") == "fitted"


def test_folder_deleted_between_caches_means_recompute(tmp_path: Path) -> None:
    """A cache folder removed between two ModelCache lifetimes is recreated; the value is recomputed."""
    compute = Counter()
    cache = ModelCache(tmp_path / "cache")
    cache.get_or_compute("k", compute)
    cache.close()
    shutil.rmtree(tmp_path / "cache")
    cache = ModelCache(tmp_path / "cache")
    np.testing.assert_array_equal(cache.get_or_compute("k", compute), np.arange(50_000))
    assert compute.calls == 2
    assert (tmp_path / "cache").is_dir()
    cache.close()


def test_folder_deleted_under_an_open_cache_means_recompute(model_cache: ModelCache) -> None:
    """Deleting the folder while a ModelCache is open: the next ask recomputes, stores again, and
    the one after is served from the new folder."""
    compute = Counter()
    model_cache.get_or_compute("k", compute)
    shutil.rmtree(model_cache.store.directory)
    np.testing.assert_array_equal(model_cache.get_or_compute("k", compute), np.arange(50_000))
    assert compute.calls == 2
    model_cache.get_or_compute("k", compute)
    assert compute.calls == 2
    assert model_cache.times_computed("k") == 1  # counted in the recreated folder


def test_engine_survives_its_cache_folder_being_deleted(blobs_catalog: Catalog, model_cache: ModelCache) -> None:
    """The Engine answers the same clustering after its cache folder vanished between calls."""
    engine = Engine(blobs_catalog, model_cache)
    params = engine.params(5)
    before = engine.clustering(params).labels
    shutil.rmtree(model_cache.store.directory)
    np.testing.assert_array_equal(engine.clustering(params).labels, before)


def _garbage_over_sqlite(directory: Path) -> None:
    for db in directory.rglob("cache.db*"):
        db.write_bytes(b"this is not a database " * 500)


def test_garbage_sqlite_files_mean_recompute(tmp_path: Path) -> None:
    """Garbage written over the cache's sqlite files (between runs) is not an error: recompute."""
    compute = Counter()
    cache = ModelCache(tmp_path / "cache")
    cache.get_or_compute("k", compute)
    cache.close()
    _garbage_over_sqlite(tmp_path / "cache")
    cache = ModelCache(tmp_path / "cache")
    np.testing.assert_array_equal(cache.get_or_compute("k", compute), np.arange(50_000))
    assert compute.calls == 2
    cache.get_or_compute("k", compute)
    assert compute.calls == 2, "the recomputed value was not stored again"
    cache.close()


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(b"\x00garbage\xff" * 100, id="random-bytes"),
        pytest.param(pickle.dumps(np.arange(50_000))[:1000], id="truncated-pickle"),
        pytest.param(b"cno_such_module_anymore\nModel\n.", id="pickle-of-a-vanished-class"),
    ],
)
def test_garbage_value_files_mean_recompute(model_cache: ModelCache, garbage: bytes) -> None:
    """A value file overwritten with garbage (or naming code that no longer exists) is a miss:
    the value is recomputed and stored again, with no error."""
    compute = Counter()
    model_cache.get_or_compute("k", compute)
    value_files = list(model_cache.store.directory.rglob("*.val"))
    assert value_files, "the value should live in its own file"
    for path in value_files:
        path.write_bytes(garbage)
    np.testing.assert_array_equal(model_cache.get_or_compute("k", compute), np.arange(50_000))
    assert compute.calls == 2
    model_cache.get_or_compute("k", compute)
    assert compute.calls == 2


def test_engine_survives_a_corrupt_cache(blobs_catalog: Catalog, tmp_path: Path) -> None:
    """An Engine opened on a cache whose files are garbage answers the same clustering as before."""
    cache = ModelCache(tmp_path / "cache")
    engine = Engine(blobs_catalog, cache)
    params = engine.params(4)
    before = engine.clustering(params).labels
    projection = engine.projection(params).coords
    cache.close()
    for path in (tmp_path / "cache").rglob("*.val"):
        path.write_bytes(b"garbage")
    _garbage_over_sqlite(tmp_path / "cache")
    cache = ModelCache(tmp_path / "cache")
    engine = Engine(blobs_catalog, cache)
    np.testing.assert_array_equal(engine.clustering(params).labels, before)
    np.testing.assert_array_equal(engine.projection(params).coords, projection)
    assert cache.times_computed(engine.clustering_key(params)) == 1
    cache.close()
