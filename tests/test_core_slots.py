"""Jobs take turns: at most N computations at once on a host, the others wait and say so;
a computation inside another uses its turn; a killed job frees its turn; cached values
never wait."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from core import progress
from core.cache import ModelCache
from core.slots import limited, turn
from tests.services import wait_for


def test_at_most_n_compute_at_once_and_the_others_say_they_wait(tmp_path: Path) -> None:
    spans: list[tuple[float, float]] = []
    waiting: list[str] = []

    def job() -> None:
        with progress.reporting(lambda step: waiting.append(step.what)), limited(tmp_path, 2), turn(poll_s=0.02):
            started = time.monotonic()
            time.sleep(0.4)
            spans.append((started, time.monotonic()))

    threads = [threading.Thread(target=job) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    most_at_once = max(sum(s <= t < e for s, e in spans) for t, _ in spans)
    assert (len(spans), most_at_once) == (3, 2)
    assert len(waiting) == 1 and "computes 2 things at a time" in waiting[0]


def test_a_computation_inside_another_runs_on_its_turn(tmp_path: Path) -> None:
    done = []
    with limited(tmp_path, 1), turn(), turn():  # a sweep's fits inside the sweep
        done.append(True)
    assert done == [True]


def test_a_killed_job_frees_its_turn(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from core.slots import limited, turn\n"
            "with limited(Path(sys.argv[1]), 1), turn():\n    print('holding', flush=True); time.sleep(120)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert holder.stdout.readline().strip() == b"holding"
    got = []

    def take() -> None:
        with limited(tmp_path, 1), turn(poll_s=0.05):
            got.append(time.monotonic())

    waiter = threading.Thread(target=take)
    waiter.start()
    time.sleep(0.3)
    assert got == [], "the turn was taken while its holder lived"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    wait_for(lambda: got, "the turn of the killed job", timeout=5)
    waiter.join()


def test_a_cached_model_never_waits_for_a_turn(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "cache")
    cache.get_or_compute("model", lambda: "fitted")
    folder = tmp_path / "slots"
    folder.mkdir()
    with (folder / "slot-0").open("a") as busy:
        fcntl.flock(busy, fcntl.LOCK_EX)  # every turn taken by another job
        with limited(folder, 1):
            assert cache.get_or_compute("model", lambda: "refitted") == "fitted"
