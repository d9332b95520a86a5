"""Do requests stay fast while a long job runs? Page loads and cached K switches, idle and
during a cold K sweep, on gunicorn with 2 workers, embedded and on Redis + Celery.

    .venv/bin/python bench/serving_bench.py [--songs 1000000] [--repeats 10] [--modes embedded,redis]
                                            [--out bench/SERVING_RESULTS.md]

For each mode, on a catalog of ``--songs`` songs resampled from the reference data:

1. gunicorn (2 gthread workers, as ``make run``) on a fresh cache; in Redis mode also a
   redis-server on loopback and one Celery worker (the Procfile's two lines).
2. The measured views are computed once, untimed: the explorer at K=4 and K=5.
3. Idle: ``--repeats`` page loads of ``/explorer?k=5`` (from navigation until the 3D plot
   has its 5 cluster traces) and ``--repeats`` K switches 5 → 4 → 5 (from leaving the K box
   until the plot has the new number of traces), in headless Chromium.
4. Busy: two more browsers open the overview with min-max and with robust scaling, whose
   K sweeps nobody has computed (background jobs), and the same measurements are taken
   again; a timing counts only if a sweep was running before and after it (so a busy row
   may have fewer runs). Each timing is also printed in order as it is taken.

Needs /usr/bin/chromium and chromedriver, and redis-server for the Redis mode.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from engine_bench import read_reference, resample  # noqa: E402
from ui_bench import browser, cluster_traces, machine, set_k, settle, timed  # noqa: E402

from tests.services import CeleryWorker, RedisServer, serving  # noqa: E402

#: Overviews whose K sweeps nobody has computed: each runs as a background job.
BUSY_VIEWS = ("/?k=5&scaler=minmax", "/?k=5&scaler=robust")


def write_catalog(songs: int, folder: Path) -> Path:
    path = folder / f"songs-{songs}.csv"
    resample(read_reference(), songs, seed=7).to_csv(path, index=False)
    return path


@contextmanager
def deployment(mode: str, csv: Path, folder: Path) -> Iterator[str]:
    """gunicorn with 2 workers (and in Redis mode redis-server and a Celery worker); yields its URL."""
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(csv),
        "AUDIOSPACE_CACHE_DIR": str(folder / "cache"),
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
        "PYTHONPATH": str(ROOT),
    }
    redis = worker = None
    if mode == "redis":
        redis = RedisServer(folder).start()
        env["AUDIOSPACE_REDIS_URL"] = redis.url
        worker = CeleryWorker(env, ROOT, folder / "celery.log").start()
    try:
        with serving(env, ROOT, timeout_s=300, ready_s=600) as base:
            yield base
    finally:
        if worker is not None:
            worker.stop()
        if redis is not None:
            redis.stop()


def page_load(driver: webdriver.Chrome, base: str, _i: int) -> float:
    driver.get("about:blank")
    return timed(lambda: driver.get(base + "/explorer?k=5"), lambda: cluster_traces(driver) == 5)


def k_switch(driver: webdriver.Chrome, _base: str, i: int) -> float:
    k = 4 if i % 2 == 0 else 5
    settle(driver)
    return timed(lambda: set_k(driver, k), lambda: cluster_traces(driver) == k)


def samples(
    measure: Callable[[webdriver.Chrome, str, int], float],
    driver: webdriver.Chrome,
    base: str,
    repeats: int,
    busy: Callable[[], bool] = lambda: True,
) -> list[float]:
    """Up to ``repeats`` timings, each kept only if ``busy()`` held before and after it
    (a busy phase ends when the background work does)."""
    kept: list[float] = []
    for i in range(repeats):
        if not busy():
            break
        seconds = measure(driver, base, i)
        if busy():
            kept.append(seconds)
    print(f"  {measure.__name__}: {', '.join(f'{v:.2f}' for v in kept)}", flush=True)
    return kept


def sweeping(drivers: list[webdriver.Chrome]) -> bool:
    """Whether any of these overview pages still shows its running job."""
    return any(d.find_elements(By.CSS_SELECTOR, "#overview-job-panel.running") for d in drivers)


def measure_mode(mode: str, csv: Path, repeats: int) -> dict[str, list[float]]:
    scratch = tempfile.TemporaryDirectory(prefix=f"serving-{mode}-")
    with scratch, deployment(mode, csv, Path(scratch.name)) as base:
        user, others = browser(), [browser() for _ in BUSY_VIEWS]
        try:
            for k in (4, 5):  # computed once, untimed: the measured switches are cached ones
                user.get(f"{base}/explorer?k={k}")
                WebDriverWait(user, 900, poll_frequency=0.2).until(lambda _, k=k: cluster_traces(user) == k)
            results = {
                "page load, idle": samples(page_load, user, base, repeats),
                "cached K switch, idle": samples(k_switch, user, base, repeats),
            }
            for other, view in zip(others, BUSY_VIEWS, strict=True):
                other.get(base + view)
            WebDriverWait(None, 120, poll_frequency=0.2).until(lambda _: sweeping(others))
            busy = lambda: sweeping(others)  # noqa: E731
            results["page load, during cold sweeps"] = samples(page_load, user, base, repeats, busy)
            results["cached K switch, during cold sweeps"] = samples(k_switch, user, base, repeats, busy)
            return results
        finally:
            for driver in (user, *others):
                driver.quit()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def table(rows: list[tuple[str, str, list[float]]]) -> list[str]:
    lines = ["| mode | what the user waits for | p50 | p95 | runs |", "| --- | --- | ---: | ---: | ---: |"]
    for mode, name, values in rows:
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        lines.append(f"| {mode} | {name} | {p50:.3f} s | {p95:.3f} s | {len(values)} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--modes", default="embedded,redis")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "SERVING_RESULTS.md")
    args = parser.parse_args()
    rows: list[tuple[str, str, list[float]]] = []
    notes = []
    with tempfile.TemporaryDirectory(prefix="serving-data-") as data:
        csv = write_catalog(args.songs, Path(data))
        for mode in args.modes.split(","):
            started = time.perf_counter()
            results = measure_mode(mode, csv, args.repeats)
            rows += [(mode, name, values) for name, values in results.items() if values]
            notes.append(f"- {mode}: {time.perf_counter() - started:.0f} s in all.")
            print("\n".join(table(rows)), flush=True)
    report = [
        "# Serving under load",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, {args.songs:,} songs, gunicorn 2 gthread workers × 4 threads. {machine()}.",
        "",
        f"`.venv/bin/python bench/serving_bench.py --songs {args.songs} --repeats {args.repeats} --modes {args.modes}`",
        "",
        *table(rows),
        "",
        *notes,
        "",
    ]
    args.out.write_text("\n".join(report))
    print("\n".join(report))


if __name__ == "__main__":
    main()
