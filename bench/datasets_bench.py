"""Your own data: how long from choosing a file to its first charts, how fast a worker loads
an upload, and how much memory the workers keep with several uploads in use.

    .venv/bin/python bench/datasets_bench.py [--sizes 2000,100000,1000000] [--out bench/DATASETS_RESULTS.md]

1. Load: a catalog from the dataset store's parsed copy vs from its CSV (median of 3), per size.
2. Upload to first chart, in headless Chromium on gunicorn (2 workers, as ``make run``), per
   size: from handing the file to the Open data control until the URL carries the new
   ``data=`` and the overview's metric cards show (upload, parse, first fit), and until its
   elbow chart is drawn (the K sweep, a background job).
3. Memory: five uploads of 100k songs opened one after another, each on both workers; the
   resident memory of each worker after each (a worker keeps at most
   AUDIOSPACE_CATALOGS_IN_MEMORY uploaded catalogs, 4 by default).

Needs /usr/bin/chromium and chromedriver.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psutil
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from engine_bench import read_reference, resample  # noqa: E402
from ui_bench import browser, machine  # noqa: E402

from core.catalog import load_catalog  # noqa: E402
from core.datasets import DatasetStore  # noqa: E402
from tests.services import serving  # noqa: E402

MEMORY_DATASETS, MEMORY_SONGS = 5, 100_000


def write_csv(songs: int, folder: Path, seed: int = 7) -> Path:
    path = folder / f"songs-{songs}-{seed}.csv"
    resample(read_reference(), songs, seed=seed).to_csv(path, index=False)
    return path


def load_times(csv: Path, store: DatasetStore) -> tuple[float, float]:
    """Median seconds to load ``csv`` from the store's parsed copy and from the CSV."""
    with csv.open("rb") as file:
        ident = store.open(store.receive(file, csv.name), csv.name).id

    def median(load) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            load()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    return median(lambda: store.catalog(ident)), median(lambda: load_catalog(csv))


def upload_to_charts(base: str, csv: Path) -> tuple[float, float]:
    """Seconds from choosing ``csv`` in Open data until the overview's metrics, then its elbow chart, show."""
    driver = browser()
    try:
        driver.get(base + "/")
        WebDriverWait(driver, 120).until(lambda d: d.find_elements(By.ID, "metric-k"))
        driver.find_element(By.ID, "open-data-button").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "open-data-file").is_enabled())
        started = time.perf_counter()
        driver.find_element(By.ID, "open-data-file").send_keys(str(csv))
        WebDriverWait(driver, 900, poll_frequency=0.1).until(
            lambda d: "data=" in d.current_url and d.find_elements(By.ID, "metric-k")
        )
        metrics = time.perf_counter() - started
        WebDriverWait(driver, 1800, poll_frequency=0.2).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#overview-elbow .scatterlayer .trace")
        )
        return metrics, time.perf_counter() - started
    finally:
        driver.quit()


def worker_rss_mb(base: str) -> dict[int, float]:
    """Resident memory (MB) of each gunicorn worker, by pid (the master's children)."""
    pids = {int(requests.get(base + "/healthz", timeout=10).headers["X-Worker-Pid"]) for _ in range(20)}
    master = psutil.Process(next(iter(pids))).parent()
    return {child.pid: child.memory_info().rss / 2**20 for child in master.children()}


def open_on_every_worker(base: str, ident: str, workers: int) -> None:
    """Ask for the dataset until every worker has loaded it (each request reads its catalog)."""
    seen: set[str] = set()
    url = f"{base}/download/songs.csv?data={ident}&k=5"
    with ThreadPoolExecutor(8) as pool:
        while len(seen) < workers:
            seen |= {r.headers["X-Worker-Pid"] for r in pool.map(lambda _: requests.get(url, timeout=60), range(16))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,100000,1000000")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "DATASETS_RESULTS.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    lines = [
        "# Your own data: upload, load and memory",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, {machine()}.",
        "",
        f"`.venv/bin/python bench/datasets_bench.py --sizes {args.sizes}`",
        "",
        "| songs | CSV MB | load from store | load from CSV | upload → metrics | upload → elbow chart |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory(prefix="datasets-bench-") as scratch:
        folder = Path(scratch)
        store = DatasetStore(folder / "load-store")
        env = {
            **os.environ,
            "AUDIOSPACE_DATA": str(write_csv(2000, folder, seed=1)),
            "AUDIOSPACE_CACHE_DIR": str(folder / "cache"),
            "AUDIOSPACE_DATASETS_DIR": str(folder / "datasets"),
            "AUDIOSPACE_PREVIEWS_ONLINE": "0",
        }
        with serving(env, ROOT, timeout_s=300, ready_s=120) as base:
            for songs in sizes:
                csv = write_csv(songs, folder)
                from_store, from_csv = load_times(csv, store)
                metrics, elbow = upload_to_charts(base, csv)
                row = (
                    f"| {songs:,} | {csv.stat().st_size / 2**20:,.0f} | {from_store:.2f} s | {from_csv:.2f} s "
                    f"| {metrics:.1f} s | {elbow:.1f} s |"
                )
                print(row, flush=True)
                lines.append(row)
            lines += [
                "",
                f"Resident memory of each gunicorn worker as {MEMORY_DATASETS} uploads of {MEMORY_SONGS:,} songs "
                "are opened one after another on both workers (each keeps at most 4 uploaded catalogs; row 0 "
                "is after the uploads above, which a worker may still hold, up to the 1M-song one):",
                "",
                "| uploads opened | worker RSS (MB) |",
                "| ---: | --- |",
                f"| 0 | {', '.join(f'{mb:,.0f}' for mb in worker_rss_mb(base).values())} |",
            ]
            for seed in range(MEMORY_DATASETS):
                csv = write_csv(MEMORY_SONGS, folder, seed=100 + seed)
                with csv.open("rb") as file:
                    answer = requests.post(f"{base}/datasets", params={"name": csv.name}, data=file, timeout=300)
                open_on_every_worker(base, answer.json()["id"], workers=2)
                row = f"| {seed + 1} | {', '.join(f'{mb:,.0f}' for mb in worker_rss_mb(base).values())} |"
                print(row, flush=True)
                lines.append(row)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
