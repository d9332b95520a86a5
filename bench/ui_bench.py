"""How long a user waits, measured in headless Chromium against gunicorn on the reference data.

    .venv/bin/python bench/ui_bench.py [--csv ../shared/data/spotify.csv] [--repeats 5] [--out bench/UI_RESULTS.md]

Starts gunicorn (2 workers, as `make run`) on a fresh model cache, then times, from the
user's action to the moment the answer is on screen:

- first page load of the explorer, cold cache (fit + PCA) and warm;
- a cold K switch (a K no worker has fitted) and a warm one (fitted before);
- a click on a song to its neighbour panel;
- typing a search to its results.

"On screen" is read from the page, not the network: the 3D figure has one trace per
cluster of the new K, the song panel names the clicked song, the result list shows.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.support import point_at, press, projected_points  # noqa: E402
from tests.services import serving  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from engine_bench import sections  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "data" / "spotify.csv"
WARM_TARGET_S = 0.5
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1400,1000",
)

_CLUSTER_TRACES = """
const gd = document.querySelector('#explorer-graph .js-plotly-plot');
if (!gd || !gd._fullData) return -1;
return gd._fullData.filter(t => t.name && t.name.startsWith('Cluster ')).length;
"""


def browser(network_log: bool = False) -> webdriver.Chrome:
    """Headless Chromium; ``network_log``: its DevTools network events are kept for
    ``driver.get_log("performance")`` (bench/bytes_bench.py)."""
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    if network_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def app_env(csv: Path, cache: str) -> dict[str, str]:
    """The environment gunicorn serves ``csv`` with, on the model cache folder ``cache``. Online
    preview lookups are off: a benchmark measures the app, not Apple's or Deezer's servers."""
    return {
        **os.environ,
        "AUDIOSPACE_DATA": str(csv),
        "AUDIOSPACE_CACHE_DIR": cache,
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
    }


def timed(action: Callable[[], object], ready: Callable[[], bool], timeout_s: float = 120) -> float:
    """Seconds from starting ``action`` until ``ready()`` holds (polled every 10 ms)."""
    started = time.perf_counter()
    action()
    WebDriverWait(None, timeout_s, poll_frequency=0.01).until(lambda _: ready())
    return time.perf_counter() - started


def settle(driver: webdriver.Chrome) -> None:
    """Wait, untimed, until no callback is pending and the browser is idle, as it is when a
    person acts next (the explorer's feature scatter is redrawn just after the 3D plot)."""
    WebDriverWait(driver, 60, poll_frequency=0.05).until(
        lambda d: d.execute_script("return !document.querySelector('[data-dash-is-loading=\"true\"]')")
    )
    driver.execute_async_script("const done = arguments[0]; requestIdleCallback(() => done(), {timeout: 2000});")


def cluster_traces(driver: webdriver.Chrome) -> int:
    return driver.execute_script(_CLUSTER_TRACES)


def set_k(driver: webdriver.Chrome, k: int) -> None:
    """Type K into the slider's direct-input box and leave it (Dash 4 commits on blur, not Enter)."""
    box = driver.find_element(By.CSS_SELECTOR, "#k-control input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(k), Keys.TAB)


def point_at_new_song(driver: webdriver.Chrome, opened: set[str]) -> str:
    """Move the pointer (untimed) onto the drawn song farthest from the others that is not in
    ``opened`` and wait for its hover label, as a person aims before clicking; returns the song
    the label names (where a million songs overlap, maybe another), added to ``opened``: the
    explorer opens that song when pressed."""
    aim = max((p for p in projected_points(driver) if p["id"] not in opened), key=lambda p: p["gap"])
    song = point_at(driver, aim)
    opened.add(song)
    return song


def song_panel_shown(driver: webdriver.Chrome, song: str) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, f'.song-panel[data-song="{song}"] .neighbour'))


def measure(base: str, repeats: int) -> dict[str, list[float]]:
    driver = browser()
    results: dict[str, list[float]] = {}
    try:
        results["first load, cold cache (K=5)"] = [
            timed(lambda: driver.get(base + "/explorer?k=5"), lambda: cluster_traces(driver) == 5)
        ]
        warm_loads = []
        for _ in range(repeats):
            driver.get("about:blank")
            warm_loads.append(timed(lambda: driver.get(base + "/explorer?k=5"), lambda: cluster_traces(driver) == 5))
        results["first load, warm cache (K=5)"] = warm_loads
        cold, warm = [], []
        for k in (6, 7, 8, 9, 10)[:repeats]:
            settle(driver)
            cold.append(timed(lambda k=k: set_k(driver, k), lambda k=k: cluster_traces(driver) == k))
            settle(driver)
            warm.append(timed(lambda: set_k(driver, 5), lambda: cluster_traces(driver) == 5))
        results["K switch, cold (never fitted)"] = cold
        results["K switch, warm (fitted before)"] = warm
        clicks, opened = [], set()
        for _ in range(repeats):
            settle(driver)
            song = point_at_new_song(driver, opened)
            clicks.append(timed(lambda: press(driver), lambda song=song: song_panel_shown(driver, song)))
        results["song click → neighbour panel"] = clicks
        searches = []
        driver.get(base + "/search?k=5")
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "search-input"))
        for word in ("love", "the", "kanye", "daft", "mo")[:repeats]:
            settle(driver)
            box = driver.find_element(By.ID, "search-input")
            box.send_keys(Keys.CONTROL, "a")
            searches.append(
                timed(
                    lambda box=box, word=word: box.send_keys(word),
                    lambda word=word: (
                        driver.current_url.endswith(f"q={word}")
                        and bool(driver.find_elements(By.CSS_SELECTOR, ".search-hit"))
                    ),
                )
            )
        results["search typing → results (incl. 0.25 s debounce)"] = searches
    finally:
        driver.quit()
    return results


def table(results: dict[str, list[float]]) -> str:
    lines = ["| what the user waits for | median | worst | runs | target |", "| --- | ---: | ---: | ---: | --- |"]
    for name, values in results.items():
        target = ""
        if name.startswith("K switch, warm"):
            target = f"< {WARM_TARGET_S} s: {'pass' if statistics.median(values) < WARM_TARGET_S else 'MISS'}"
        lines.append(f"| {name} | {statistics.median(values):.3f} s | {max(values):.3f} s | {len(values)} | {target} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {chromium}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=REFERENCE)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "UI_RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache, serving(app_env(args.csv, cache), ROOT, timeout_s=300) as base:
        results = measure(base, args.repeats)
    report = "\n".join(
        [
            "# What a user waits for (headless Chromium, gunicorn with 2 workers)",
            "",
            f"{datetime.now(UTC):%Y-%m-%d}, {machine()}.",
            f"Data: {args.csv.name}. Command: `.venv/bin/python bench/ui_bench.py --repeats {args.repeats}`.",
            "Times run from the user's action until the answer is drawn (read from the page); before each action",
            "the page is left to settle (no callback pending, browser idle), as between a person's clicks.",
            "Headless Chromium draws WebGL in software (SwiftShader): of a warm K switch, about 60-90 ms is the",
            "server's answer and the rest is drawing, which a machine with a GPU does faster.",
            "A song click is timed from the button's press: the pointer is first moved onto the song and its",
            "hover label awaited, untimed, as a person aims (the explorer opens the song its label names). A cold",
            "K switch is fitted by the page's background job (progress strip, polled every 0.3 s), which draws",
            "the page again; a warm one regroups the points already drawn.",
            "",
            table(results),
            "",
        ]
    )
    print(report)
    kept = "".join(body for _, body in sections(args.out.read_text())) if args.out.exists() else ""
    args.out.write_text(report + ("\n" + kept if kept else ""))  # other benches' sections stay


if __name__ == "__main__":
    main()
