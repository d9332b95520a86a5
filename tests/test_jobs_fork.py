"""Embedded jobs finish while the web worker is busy (see app.launcher): a job that fits
K-means after the worker ran OpenMP code, and jobs started while other threads of the worker
use the same diskcache, each hung when forked straight from the worker. Each check runs in a
fresh interpreter, as a gunicorn worker is, so no earlier test has touched OpenMP there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import flask
import pytest

from app.jobs import job_manager
from app.launcher import LaunchingDiskcacheManager
from core.config import Settings

#: A web worker's life in short: the job manager and its launcher are set up as app.factory
#: does, then the worker answers neighbour queries (OpenMP) while 4 request threads read and
#: write the job cache, and meanwhile starts 30 jobs that fit K-means and store a result.
_WORKER = """
import threading, time
import flask
import numpy as np
from pathlib import Path
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors
from app.jobs import job_manager
from core.config import Settings

manager = job_manager(Settings(data_path=Path("songs.csv"), cache_dir=Path({cache_dir!r})))
songs = np.random.default_rng(0).random((20_000, 8))

def fit(seed):
    return int(KMeans(6, n_init=1, random_state=seed).fit(songs).n_iter_)

manager.register("fit", fit, False)
manager.start_launcher(flask.Flask("jobs"))
NearestNeighbors(n_neighbors=10).fit(songs).kneighbors(songs[:2000])
busy = True

def request_thread(i):
    while busy:
        manager.handle.set(f"poll-{{i}}", "x" * 1000)
        manager.handle.get(f"poll-{{(i + 1) % 4}}")

for i in range(4):
    threading.Thread(target=request_thread, args=(i,), daemon=True).start()
keys = [f"job-{{seed}}" for seed in range(30)]
pids = [manager.call_job_fn(key, manager.func_registry["fit"], [seed], {{}}) for seed, key in enumerate(keys)]
deadline = time.monotonic() + 60  # each fit takes about a tenth of a second; a hung job never ends
while time.monotonic() < deadline and not all(manager.result_ready(key) for key in keys):
    time.sleep(0.2)
busy = False
finished = sum(isinstance(manager.handle.get(key), int) for key in keys)
for pid in pids:
    manager.terminate_job(pid)
print(f"{{finished}} of {{len(keys)}} finished")
"""


@pytest.mark.slow
def test_jobs_started_while_the_worker_is_busy_all_finish(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WORKER.format(cache_dir=str(tmp_path))],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "30 of 30 finished"


def _parent_of_job(value: int) -> tuple[int, int]:
    return value, os.getppid()


def _result(manager: LaunchingDiskcacheManager, key: str) -> object:
    for _ in range(100):
        if manager.result_ready(key):
            return manager.handle.get(key)
        time.sleep(0.1)
    return None


def test_a_job_still_runs_when_its_launcher_is_gone_or_does_not_know_it(tmp_path: Path) -> None:
    """Jobs come from the launcher; one it cannot start is forked from the worker, not lost."""
    manager = job_manager(Settings(data_path=tmp_path / "songs.csv", cache_dir=tmp_path))
    assert isinstance(manager, LaunchingDiskcacheManager)
    manager.register("job", _parent_of_job, False)
    manager.start_launcher(flask.Flask("jobs"))
    assert manager.launcher is not None
    launcher = manager.launcher.pid
    manager.call_job_fn("through-launcher", manager.func_registry["job"], [1], {})
    assert _result(manager, "through-launcher") == (1, launcher)

    manager.register("late", _parent_of_job, False)  # registered after the launcher forked
    manager.call_job_fn("late", manager.func_registry["late"], [2], {})
    assert _result(manager, "late") == (2, os.getpid())

    os.kill(launcher, signal.SIGKILL)
    os.waitpid(launcher, 0)
    manager.call_job_fn("after-launcher", manager.func_registry["job"], [3], {})
    assert _result(manager, "after-launcher") == (3, os.getpid())


#: A worker whose launcher warms up as app.factory sets it up (core.embedding.warm_up with
#: will_fork), then launches a map job: the job finds UMAP's layout code compiled before it
#: starts, and is not terminated by the fork (the OpenMP threading layer kills such children).
_WARM_WORKER = """
import functools, time
import flask
import numpy as np
from pathlib import Path
from app.jobs import job_manager
from core.config import Settings
from core.embedding import warm_up

manager = job_manager(Settings(data_path=Path("songs.csv"), cache_dir=Path({cache_dir!r})))

def umap_job(n):
    from umap.layouts import _nb_optimize_layout_euclidean_single_epoch as epoch
    from core.embedding import embed
    compiled_before = len(epoch.signatures)  # what numba has compiled in this process
    songs = np.random.default_rng(1).normal(size=(n, 6)).astype(np.float32)
    return compiled_before, embed(songs, "umap", 0).coords.shape

manager.register("umap", umap_job, False)
manager.start_launcher(flask.Flask("jobs"), warm=functools.partial(warm_up, 0, will_fork=True))
time.sleep(3)  # the launcher warms once idle for WARM_AFTER_S (2 s); a job asked now waits for it
manager.call_job_fn("map", manager.func_registry["umap"], [800], {{}})
deadline = time.monotonic() + 120
while time.monotonic() < deadline and not manager.result_ready("map"):
    time.sleep(0.2)
print(manager.handle.get("map") if manager.result_ready("map") else "no result")
"""


@pytest.mark.slow
def test_a_map_job_from_a_warmed_launcher_finds_umap_compiled(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WARM_WORKER.format(cache_dir=str(tmp_path))],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "fork() called from a process already using GNU OpenMP" not in done.stderr
    answer = done.stdout.strip().splitlines()[-1]
    assert answer != "no result", "the map job never finished (terminated by the fork?)"
    compiled_before, shape = eval(answer)  # the tuple the job returned
    assert compiled_before >= 1, "the job compiled UMAP's layout code itself"
    assert tuple(shape) == (800, 2)


def test_a_result_read_as_its_job_exits_is_not_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A job stores its result and exits; Dash reads the result and then stops the job. When the
    job has exited between psutil's existence check and its children's listing, the result is
    still answered (Dash's own manager raised NoSuchProcess there, the result already gone)."""
    manager = job_manager(Settings(data_path=Path("songs.csv"), cache_dir=tmp_path))
    assert isinstance(manager, LaunchingDiskcacheManager)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # exited and reaped: its pid names no process now
    monkeypatch.setattr("psutil.pid_exists", lambda pid: True)  # as it was at the check, an instant before
    manager.handle.set("result-key", {"drawn": "the view"})
    assert manager.get_result("result-key", finished.pid) == {"drawn": "the view"}
