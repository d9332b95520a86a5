"""Uploads on gunicorn with 2 workers, over real HTTP on loopback: identical uploads at once
make one dataset; an upload cut off mid-way keeps nothing and harms no one; a dataset
evicted by the store's size limit gets a clear answer on every worker."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import blob_frame
from tests.services import serving, wait_for

pytestmark = pytest.mark.slow


def _csv(seed: int, songs: int = 3000) -> bytes:
    frame, _ = blob_frame((songs // 2, songs - songs // 2), seed=seed)
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """gunicorn (2 workers) whose dataset store keeps about two of these uploads; yields (base url, store)."""
    folder = tmp_path_factory.mktemp("uploads")
    csv = folder / "songs.csv"
    csv.write_bytes(_csv(seed=99, songs=300))
    store = folder / "datasets"
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(csv),
        "AUDIOSPACE_CACHE_DIR": str(folder / "cache"),
        "AUDIOSPACE_DATASETS_DIR": str(store),
        "AUDIOSPACE_DATASETS_MB": str(2.5 * 2 * len(_csv(0)) / 2**20),  # a file and its parsed copy, twice
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
    }
    with serving(env, folder) as base:
        yield base, store


def _upload(base: str, data: bytes, name: str = "mine.csv") -> requests.Response:
    return requests.post(f"{base}/datasets", params={"name": name}, data=data, timeout=60)


def test_identical_uploads_at_once_are_one_dataset(served: tuple[str, Path]) -> None:
    base, store = served
    data = _csv(seed=1)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _upload(base, data), range(8)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["id"] for a in answers}) == 1
    assert [p.name for p in (store / "datasets").iterdir()] == [answers[0].json()["id"]]


def test_an_upload_cut_off_mid_way_keeps_nothing_and_the_server_carries_on(served: tuple[str, Path]) -> None:
    base, store = served
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        head = f"POST /datasets?name=cut.csv HTTP/1.1\r\nHost: {host}\r\nContent-Length: 50000000\r\n\r\n"
        connection.sendall(head.encode() + _csv(seed=2) * 10)
        wait_for(lambda: list((store / "tmp").iterdir()), "the upload to be written", timeout=30)
    wait_for(lambda: not list((store / "tmp").iterdir()), "the partial upload to be removed", timeout=30)
    assert not [f for f in (store / "files").iterdir() if f.stat().st_size > 1_000_000]
    assert requests.get(base + "/healthz", timeout=10).status_code == 200
    assert _upload(base, _csv(seed=3)).status_code == 200


def test_a_dataset_evicted_for_space_says_so_on_every_worker(served: tuple[str, Path]) -> None:
    base, _ = served
    first = _upload(base, _csv(seed=10), "first.csv").json()["id"]
    for seed in (11, 12):
        assert _upload(base, _csv(seed=seed), f"{seed}.csv").status_code == 200
    answers = [requests.get(f"{base}/download/songs.csv", params={"data": first, "k": 3}, timeout=30) for _ in range(8)]
    assert {a.status_code for a in answers} == {404}
    assert all("no longer here" in a.text for a in answers)


def test_an_upload_unused_past_its_age_is_gone(tmp_path: Path) -> None:
    """With AUDIOSPACE_UPLOAD_DAYS at about a second, an upload nobody opened since is removed
    when the next one arrives, and its link says so; the newer one stays."""
    csv = tmp_path / "songs.csv"
    csv.write_bytes(_csv(seed=98, songs=300))
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(csv),
        "AUDIOSPACE_CACHE_DIR": str(tmp_path / "cache"),
        "AUDIOSPACE_DATASETS_DIR": str(tmp_path / "datasets"),
        "AUDIOSPACE_UPLOAD_DAYS": str(1 / 86400),
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
    }
    with serving(env, tmp_path) as base:
        old = _upload(base, _csv(seed=20), "old.csv").json()["id"]
        time.sleep(1.5)
        new = _upload(base, _csv(seed=21), "new.csv").json()["id"]
        gone = requests.get(f"{base}/download/songs.csv", params={"data": old, "k": 3}, timeout=30)
        kept = requests.get(f"{base}/download/songs.csv", params={"data": new, "k": 3}, timeout=30)
    assert gone.status_code == 404 and "no longer here" in gone.text
    assert kept.status_code == 503  # still there: its clustering is just not computed yet
