"""The /previews/<song id> route over real HTTP on 127.0.0.1: Range requests, no way out of its folder."""

from __future__ import annotations

import json
import math
import os
import struct
import threading
import wave
from collections.abc import Iterator
from pathlib import Path

import dash
import pandas as pd
import plotly
import pytest
import requests
from werkzeug.serving import make_server

from app.factory import create_app
from core.catalog import load_catalog
from core.config import Settings


def write_tone(path: Path, seconds: float = 3.0, hz: float = 440.0, rate: int = 8000) -> Path:
    """A mono 16-bit sine wave: a real, playable audio file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (int(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(int(seconds * rate)))
        out.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return path


def songs_csv(path: Path, previews: dict[int, str] | None = None) -> Path:
    """60 songs in three groups; ``previews`` sets the preview_url of some rows."""
    rows = []
    for i in range(60):
        g = i % 3
        rows.append(
            {
                "id": f"song{i:03d}",
                "song_title": f"Title {i}",
                "artist": f"Artist {g}",
                "energy": 0.2 + 0.3 * g + (i % 7) / 100,
                "danceability": 0.8 - 0.3 * g + (i % 5) / 100,
                "tempo": 90 + 20 * g + i % 4,
                "preview_url": (previews or {}).get(i, ""),
            }
        )
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def preview_app(tmp_path: Path) -> tuple[dash.Dash, Path]:
    """The app on songs with unsafe and safe preview URLs, and its previews folder."""
    folder = tmp_path / "previews"
    folder.mkdir()
    csv = songs_csv(
        tmp_path / "songs.csv",
        {
            1: "javascript:alert(document.cookie)",
            2: "http://evil.example.com/x.mp3",
            4: "https://p.scdn.co/mp3-preview/ok4",
        },
    )
    settings = Settings(data_path=csv, cache_dir=tmp_path / "cache", previews_dir=folder, previews_online=False)
    return create_app(settings, load_catalog(csv)), folder


@pytest.fixture
def served(preview_app: tuple[dash.Dash, Path]) -> Iterator[tuple[str, Path]]:
    """The app on a free loopback port; yields (base url, previews folder)."""
    app, folder = preview_app
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", folder
    server.shutdown()


def test_a_local_file_is_served_whole_and_in_ranges(served: tuple[str, Path]) -> None:
    base, folder = served
    data = write_tone(folder / "song003.wav").read_bytes()
    whole = requests.get(f"{base}/previews/song003", timeout=10)
    assert whole.status_code == 200
    assert whole.headers["Content-Type"] == "audio/wav"
    assert whole.content == data
    part = requests.get(f"{base}/previews/song003", headers={"Range": "bytes=100-1099"}, timeout=10)
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(data)}"
    assert part.content == data[100:1100]


def test_a_file_named_artist_dash_title_is_found(served: tuple[str, Path]) -> None:
    base, folder = served
    write_tone(folder / "Artist 2 - Title 5.wav")
    assert requests.get(f"{base}/previews/song005", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/previews/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/previews/..%2f..%2fsongs.csv",
        "/previews/song000",
        "/previews/no-such-song",
    ],
)
def test_nothing_outside_the_folder_or_missing_is_served(served: tuple[str, Path], path: str) -> None:
    base, _ = served
    response = requests.get(base + path, timeout=10)
    assert response.status_code == 404
    assert "root:" not in response.text and "song_title" not in response.text


@pytest.mark.parametrize("path", ["/previews/../../../etc/passwd", "/previews//etc/passwd"])
def test_paths_that_leave_the_route_get_the_app_not_a_file(served: tuple[str, Path], path: str) -> None:
    """Clients and the router normalise these away from /previews/: the answer is the app's page."""
    base, _ = served
    response = requests.get(base + path, timeout=10)
    assert response.headers["Content-Type"].startswith("text/html")
    assert "root:" not in response.text


def test_a_symlink_out_of_the_folder_is_not_served(served: tuple[str, Path], tmp_path: Path) -> None:
    base, folder = served
    secret = write_tone(tmp_path / "secret.wav")
    os.symlink(secret, folder / "song006.wav")
    assert requests.get(f"{base}/previews/song006", timeout=10).status_code == 404


def test_unsafe_dataset_urls_never_reach_a_page(preview_app: tuple[dash.Dash, Path]) -> None:
    """The search page's panel for songs with javascript: and http:// previews shows no player;
    the song with an https Spotify preview gets one. (Layouts checked as the JSON Dash sends;
    the page is taken from Dash's registry: importing a page module again would register it twice.)"""
    search = next(page for page in dash.page_registry.values() if page["path"] == "/search")

    app, _ = preview_app

    def page_json(song: str) -> str:
        with app.server.test_request_context("/"):
            return json.dumps(search["layout"](k="3", song=song), cls=plotly.utils.PlotlyJSONEncoder)

    for song in ("song001", "song002"):
        sent = page_json(song)
        assert "javascript:" not in sent and "evil.example.com" not in sent
        assert "No preview available" in sent
    assert "https://p.scdn.co/mp3-preview/ok4" in page_json("song004")
