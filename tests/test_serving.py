"""The app under gunicorn with 2 workers on 127.0.0.1: shared model cache, bad input, health."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from app.prepare import warm
from core.cache import ModelCache
from core.catalog import load_catalog
from core.config import Settings
from core.engine import Engine
from tests.services import free_port, gunicorn_command

pytestmark = pytest.mark.slow


def _songs_csv(path: Path, n: int = 400, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.1, 0.9, size=(4, 8))
    values = np.clip(centres[rng.integers(0, 4, n)] + rng.normal(0, 0.04, size=(n, 8)), 0, 1)  # scores are 0..1
    frame = pd.DataFrame(
        values,
        columns=[
            "acousticness",
            "danceability",
            "energy",
            "instrumentalness",
            "liveness",
            "speechiness",
            "valence",
            "mode",
        ],
    )
    frame["tempo"] = rng.uniform(70, 180, n)
    frame["song_title"] = [f"Song {i}" for i in range(n)]
    frame["artist"] = [f"Artist {i % 37}" for i in range(n)]
    frame.to_csv(path, index=False)
    return path


def _start_gunicorn(csv: Path, cache: Path, workers: int, threads: int, output: int) -> tuple[subprocess.Popen, int]:
    """gunicorn serving the app on ``csv`` with gthread workers on a free loopback port (not waited for)."""
    port = free_port()
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(csv),
        "AUDIOSPACE_CACHE_DIR": str(cache),
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
    }
    command = gunicorn_command(port, workers=workers, threads=threads)
    process = subprocess.Popen(
        command, env=env, cwd=csv.parent, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    return process, port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """gunicorn with 2 sync-free gthread workers on a free loopback port; yields (base url, csv, cache dir)."""
    folder = tmp_path_factory.mktemp("served")
    csv, cache = _songs_csv(folder / "songs.csv"), folder / "cache"
    process, port = _start_gunicorn(csv, cache, workers=2, threads=2, output=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not answer /healthz within 60 s:\n" + process.stdout.read().decode()[-3000:])
    yield base, csv, cache
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def _worker_pids(base: str) -> set[int]:
    """Ask concurrently until both workers have answered, for at most 60 s: the first worker
    answers /healthz while the second may still be loading the app (20 quick rounds, under a
    second, once ended before it was up on a busy machine)."""
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    with ThreadPoolExecutor(8) as pool:
        while len(seen) < 2 and time.monotonic() < deadline:
            answers = pool.map(lambda _: requests.get(base + "/healthz", timeout=10), range(16))
            seen |= {int(r.headers["X-Worker-Pid"]) for r in answers}
            if len(seen) < 2:
                time.sleep(0.2)
    return seen


def test_a_fresh_worker_serves_every_script_of_its_first_page_loads(tmp_path: Path) -> None:
    """Dash registers the scripts it may serve while rendering its index page for the first
    time; with threaded workers, script requests arriving during that first render were
    answered 500 and the page never loaded (plotly/dash#3971). The app renders its index as
    each worker starts, before it accepts a connection, so a burst of page and script requests
    on a worker that nobody has asked anything yet is served in full."""
    from app.factory import create_app
    from core.config import Settings

    csv = _songs_csv(tmp_path / "songs.csv")
    probe = create_app(Settings(data_path=csv, cache_dir=tmp_path / "probe-cache"))
    with probe.server.test_client() as client:
        scripts = re.findall(r'<script src="(/_dash-component-suites/[^"]+)"', client.get("/").get_data(as_text=True))
    assert len(scripts) > 5
    process, port = _start_gunicorn(csv, tmp_path / "cache", workers=1, threads=8, output=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the socket accepts before the worker does: no HTTP yet
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        burst = ["/", *scripts] * 8
        with ThreadPoolExecutor(len(burst)) as pool:
            answers = list(pool.map(lambda url: requests.get(f"http://127.0.0.1:{port}{url}", timeout=60), burst))
        assert [r.status_code for r in answers] == [200] * len(burst)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_a_k_fitted_once_is_served_cached_by_both_workers(served: tuple[str, Path, Path]) -> None:
    """Requests never fit: before K=7 exists its download says it is not ready (503, Retry-After).
    Once `python -m app.prepare` has warmed the cache, both workers serve K=7's download from
    it; the model behind it was fitted exactly once."""
    base, csv, cache = served
    assert len(_worker_pids(base)) == 2, "gunicorn should run two workers"
    engine = Engine(load_catalog(csv), ModelCache(cache))
    key = engine.clustering_key(engine.params(7))
    cold = requests.get(base + "/download/songs.csv?k=7", timeout=60)
    assert cold.status_code == 503 and cold.headers["Retry-After"] and "still being computed" in cold.text
    assert engine.cache.times_computed(key) == 0
    warm(Settings(data_path=csv, cache_dir=cache))

    first = requests.get(base + "/download/songs.csv?k=7", timeout=60)
    assert first.status_code == 200
    fitted_by = int(first.headers["X-Worker-Pid"])
    assert engine.cache.times_computed(key) == 1

    other = None
    with ThreadPoolExecutor(4) as pool:
        for _ in range(25):
            for response in pool.map(lambda _: requests.get(base + "/download/songs.csv?k=7", timeout=60), range(4)):
                if int(response.headers["X-Worker-Pid"]) != fitted_by:
                    other = response
            if other is not None:
                break
    assert other is not None, "no request reached the second worker"
    assert other.content == first.content
    assert engine.cache.times_computed(key) == 1, "the second worker refitted instead of reading the cache"


@pytest.mark.parametrize(
    "path",
    ["/explorer?k=abc", "/?k=-3", "/heatmap?k=999", "/search?song=nope&q=%00", "/clusters?cluster=99", "/no/such/page"],
)
def test_bad_urls_get_a_page_not_a_server_error(served: tuple[str, Path, Path], path: str) -> None:
    base, _, _ = served
    assert requests.get(base + path, timeout=30).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/os/path.py",
        "/_dash-component-suites/dash/..%2f..%2fos.py",
        "/_dash-component-suites/%2e%2e/%2e%2e/etc/passwd",
        "/_dash-component-suites/dash/deps/no-such-script.js",
    ],
)
def test_a_script_dash_does_not_serve_is_a_plain_404(served: tuple[str, Path, Path], path: str) -> None:
    base, _, _ = served
    response = requests.get(base + path, timeout=30)
    assert (response.status_code, response.text) == (404, "Not found.\n")


def test_bad_download_parameters_get_a_plain_400(served: tuple[str, Path, Path]) -> None:
    base, _, _ = served
    response = requests.get(base + "/download/songs.csv?k=abc", timeout=30)
    assert response.status_code == 400
    assert "k='abc' is not a whole number" in response.text


def test_a_garbage_callback_request_does_not_take_a_worker_down(served: tuple[str, Path, Path]) -> None:
    """Malformed callback posts get a plain 400 (no traceback page); both workers live on."""
    base, _, _ = served
    before = _worker_pids(base)
    for body in (
        b"{not json",
        b'{"output": "explorer-graph.figure", "inputs": [], "changedPropIds": []}',
        b'{"output": "k-control.value", "outputs": {"id": "k-control", "property": "value"}}',
    ):
        response = requests.post(
            base + "/_dash-update-component", data=body, headers={"Content-Type": "application/json"}, timeout=30
        )
        assert response.status_code == 400
        assert "Traceback" not in response.text
    assert _worker_pids(base) == before


def test_an_oversized_request_is_refused_before_it_is_read(served: tuple[str, Path, Path]) -> None:
    """A 64 MB callback post (or a 4 MB one sent without a length, chunked) gets 413; both
    workers carry on."""
    base, _, _ = served
    before = _worker_pids(base)
    url, json_type = base + "/_dash-update-component", {"Content-Type": "application/json"}
    assert requests.post(url, data=b"x" * (64 * 2**20), headers=json_type, timeout=60).status_code == 413
    chunked = requests.post(url, data=iter([b"[" + b"1," * (2 * 2**20)]), headers=json_type, timeout=60)
    assert chunked.status_code in (400, 413)  # refused once 1 MB is read
    assert _worker_pids(base) == before


def test_healthz_reports_the_dataset(served: tuple[str, Path, Path]) -> None:
    base, _, _ = served
    health = requests.get(base + "/healthz", timeout=10).json()
    assert health["status"] == "ok" and health["songs"] == 400 and health["demo"] is False


def _sent_bytes(url: str, encoding: str) -> tuple[requests.Response, int]:
    """The response to ``url`` asking for ``encoding``, and the bytes that crossed the wire."""
    response = requests.get(url, headers={"Accept-Encoding": encoding}, stream=True, timeout=30)
    wire = len(response.raw.read(decode_content=False))
    return response, wire


def test_answers_travel_compressed_and_versioned_files_stay_in_the_browser(served: tuple[str, Path, Path]) -> None:
    """A browser that accepts compression gets the page's scripts, stylesheets and JSON answers
    compressed (at most half their size), and may keep every versioned file for a year:
    a repeat visit downloads none of them again."""
    base, _, _ = served
    page = requests.get(base + "/explorer", timeout=30).text
    files = re.findall(r'(?:src|href)="(/(?:assets|_dash-component-suites)/[^"]+)"', page)
    assert any(f.startswith("/assets/00-bootstrap") for f in files) and len(files) >= 10
    for path in files:
        plain, plain_bytes = _sent_bytes(base + path, "identity")
        _, packed_bytes = _sent_bytes(base + path, "gzip, deflate, br, zstd")
        assert "max-age=31536000" in plain.headers["Cache-Control"], path
        if plain_bytes > 20_000:
            assert packed_bytes * 2 < plain_bytes, f"{path}: {packed_bytes} of {plain_bytes} bytes"
    unversioned, _ = _sent_bytes(base + "/assets/app.css", "identity")
    assert "max-age=31536000" not in unversioned.headers.get("Cache-Control", "")
    answer, packed = _sent_bytes(base + "/_dash-dependencies", "gzip")
    assert answer.headers["Content-Encoding"] == "gzip" and answer.headers["Content-Type"] == "application/json"
    assert packed * 2 < len(requests.get(base + "/_dash-dependencies", timeout=30).content)
