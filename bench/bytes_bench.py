"""Bytes per interaction (issue 13): what the browser receives for a first and a repeat visit
of the explorer, a K switch, a song click and a search, on the commit before the transfer
work (2ad7cbe: no compression, no asset caching, whole figures on a K switch) and now.

    .venv/bin/python bench/bytes_bench.py [--sizes 2k,1m] [--before 2ad7cbe] [--out bench/UI_RESULTS.md]

Each version is served by gunicorn (2 workers, as `make run`) from its own checkout (the old
one in a temporary `git worktree`) with this virtual environment, on a fresh model cache.
Chromium's DevTools network events count, per interaction, the requests, the bytes on the wire
(``Network.loadingFinished.encodedDataLength``: compressed bodies plus headers) and the bytes
decoded (``Network.dataReceived.dataLength``: what the page had to parse); a request answered
from the browser's cache costs no wire bytes. An interaction lasts from the user's action until
its answer is drawn and the network has been quiet for half a second.

- first visit: a new browser (empty cache) opens /explorer?k=5, the model already fitted by an
  earlier visitor; repeat visit: the same browser opens it again;
- K switch: 5 -> 6 (cold: fitted on demand) and 6 -> 5 (warm), typed into the slider's box;
- song click: a song of the 3D plot clicked (pointed at, its hover label shown, pressed), until
  its neighbour panel shows;
- search: "love" typed on the search page, until the results show.

The catalogs are engine_bench's: ``2k`` the reference file, ``1m`` resampled from it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_bench import SEED, SIZES, catalog_csv, git, read_reference, uptime, write_section
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from ui_bench import (
    app_env,
    browser,
    cluster_traces,
    machine,
    point_at_new_song,
    press,
    set_k,
    settle,
    song_panel_shown,
)

from tests.services import serving

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Bytes per interaction (issue 13)"
BEFORE = "2ad7cbe"
QUIET_S = 0.5
#: A script only the new version loads: proves each server runs the checkout it was given.
NEW_ONLY_ASSET = "regroup.js"


@dataclass
class Transfer:
    """What one interaction fetched: requests made, of them answered from the browser's cache,
    bytes on the wire and bytes decoded."""

    requests: int = 0
    cached: int = 0
    wire: int = 0
    decoded: int = 0
    urls: list[str] = field(default_factory=list)


def network_events(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """The DevTools Network.* events logged since the last call (reading drains the log)."""
    messages = (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
    return [m for m in messages if m.get("method", "").startswith("Network.")]


def tally(events: list[dict[str, Any]]) -> Transfer:
    """Sum the events of one interaction; only http(s) requests count (not data: or blob:)."""
    result = Transfer()
    http, cached = set(), set()
    for event in events:
        params, method = event["params"], event["method"]
        if method == "Network.requestWillBeSent" and params["request"]["url"].startswith("http"):
            http.add(params["requestId"])
            result.requests += 1
            result.urls.append(params["request"]["url"])
        elif params.get("requestId") not in http:
            continue
        elif method == "Network.requestServedFromCache" or (
            method == "Network.responseReceived" and params["response"].get("fromDiskCache")
        ):
            cached.add(params["requestId"])
        elif method == "Network.loadingFinished":
            result.wire += int(params["encodedDataLength"])
        elif method == "Network.dataReceived":
            result.decoded += int(params["dataLength"])
    result.cached = len(cached)
    return result


def interaction(driver: webdriver.Chrome, action: Callable[[], object], drawn: Callable[[], bool]) -> Transfer:
    """The network traffic from ``action`` until ``drawn()`` holds and no request has started
    or ended for QUIET_S with none in flight."""
    settle(driver)
    network_events(driver)
    action()
    WebDriverWait(driver, 120, poll_frequency=0.05).until(lambda _: drawn())
    events: list[dict[str, Any]] = []
    quiet_since = time.monotonic()
    while True:
        new = network_events(driver)
        events += new
        if new:
            quiet_since = time.monotonic()
        started = {e["params"]["requestId"] for e in events if e["method"] == "Network.requestWillBeSent"}
        ended = {
            e["params"]["requestId"]
            for e in events
            if e["method"] in ("Network.loadingFinished", "Network.loadingFailed")
        }
        if started <= ended and time.monotonic() - quiet_since >= QUIET_S:
            return tally(events)
        time.sleep(0.05)


def measure(base: str) -> dict[str, Transfer]:
    """Every interaction of the module docstring against the server at ``base``."""
    explorer = base + "/explorer?k=5"
    first_visitor = browser(network_log=True)  # fits K=5, so the measured first visit meets a warm server
    try:
        first_visitor.get(explorer)
        WebDriverWait(first_visitor, 600, poll_frequency=0.1).until(lambda d: cluster_traces(d) == 5)
    finally:
        first_visitor.quit()
    driver = browser(network_log=True)
    results: dict[str, Transfer] = {}
    try:
        results["first visit (empty browser cache)"] = interaction(
            driver, lambda: driver.get(explorer), lambda: cluster_traces(driver) == 5
        )
        driver.get("about:blank")
        results["repeat visit (same browser)"] = interaction(
            driver, lambda: driver.get(explorer), lambda: cluster_traces(driver) == 5
        )
        results["K switch, cold (5 → 6)"] = interaction(
            driver, lambda: set_k(driver, 6), lambda: cluster_traces(driver) == 6
        )
        results["K switch, warm (6 → 5)"] = interaction(
            driver, lambda: set_k(driver, 5), lambda: cluster_traces(driver) == 5
        )
        settle(driver)
        song = point_at_new_song(driver, set())
        results["song click → neighbour panel"] = interaction(
            driver, lambda: press(driver), lambda: song_panel_shown(driver, song)
        )
        driver.get(base + "/search?k=5")
        box = WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "search-input"))
        results['search "love" → results'] = interaction(
            driver,
            lambda: box.send_keys("love"),
            lambda: (
                driver.current_url.endswith("q=love") and bool(driver.find_elements(By.CSS_SELECTOR, ".search-hit"))
            ),
        )
    finally:
        driver.quit()
    return results


@contextlib.contextmanager
def checkout(commit: str) -> Iterator[Path]:
    """A detached worktree of ``commit`` in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bytes-before-") as scratch:
        folder = Path(scratch) / "checkout"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(folder), commit], cwd=ROOT, check=True, capture_output=True
        )
        try:
            yield folder
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=True)


def served(root: Path, csv: Path) -> dict[str, Transfer]:
    """Run ``measure`` against gunicorn serving ``csv`` from the checkout at ``root``."""
    with tempfile.TemporaryDirectory() as cache, serving(app_env(csv, cache), root, timeout_s=600, ready_s=600) as base:
        return measure(base)


def kb(n: int) -> str:
    return f"{n / 1000:,.1f} KB"


def ratio(before: int, now: int) -> str:
    return f"{before / now:.1f}×" if now else "—"


def size_table(label: str, before: dict[str, Transfer], now: dict[str, Transfer], commit: str) -> list[str]:
    lines = [
        f"### {label}",
        "",
        f"| interaction | requests (from cache) {BEFORE} → {commit} | on the wire {BEFORE} | now | less |"
        f" decoded {BEFORE} | now |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, new in now.items():
        old = before[name]
        lines.append(
            f"| {name} | {old.requests} ({old.cached}) → {new.requests} ({new.cached}) | {kb(old.wire)} | "
            f"{kb(new.wire)} | {ratio(old.wire, new.wire)} | {kb(old.decoded)} | {kb(new.decoded)} |"
        )
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2k,1m", help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--before", default=BEFORE, help="the commit to compare with")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "UI_RESULTS.md")
    args = parser.parse_args()
    commit = git("rev-parse", "--short", "HEAD")
    print(f"{datetime.now(UTC):%H:%M} {uptime()}", flush=True)
    tables: list[str] = []
    reference = read_reference()
    with tempfile.TemporaryDirectory() as scratch, checkout(args.before) as old_root:
        for label in args.sizes.split(","):
            csv = catalog_csv(label, reference, Path(scratch), SEED)
            before, now = served(old_root, csv), served(ROOT, csv)
            assert not any(NEW_ONLY_ASSET in url for t in before.values() for url in t.urls), "before ran new code"
            assert any(NEW_ONLY_ASSET in url for url in now["first visit (empty browser cache)"].urls)
            songs = (
                f"{len(reference):,} songs, the reference file" if SIZES[label] is None else f"{SIZES[label]:,} songs"
            )
            tables += size_table(f"{label} ({songs})", before, now, commit)
            print("\n".join(tables[-len(now) - 5 :]), flush=True)
    text = "\n".join(
        [
            HEADING,
            "",
            f"{datetime.now(UTC):%Y-%m-%d}, {machine()}, {uptime()} at the start.",
            f"Command: `.venv/bin/python bench/bytes_bench.py --sizes {args.sizes} --before {args.before}`."
            f" {args.before} is the commit before compression, asset caching and the K-switch regroup;",
            f"{commit} is now. Each interaction counts what the browser fetched from the action until the",
            "answer was drawn and the network quiet; 'on the wire' is compressed bodies plus headers,",
            "'decoded' what the page parsed (a script from the browser's cache is parsed too). The first visit",
            "meets a model already fitted by an earlier visitor. A warm K switch sends a regroup plan (about 3",
            "bytes a song drawn); a cold one is computed by the page's background job, which draws the page",
            "again with its whole figure, as before.",
            "",
            *tables,
        ]
    )
    print(text)
    write_section(args.out, HEADING, text)


if __name__ == "__main__":
    main()
