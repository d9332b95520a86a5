"""A music folder served as the app's dataset (AUDIOSPACE_MUSIC_DIR, core.music_library): the
background analysis writes its progress and table, a running app switches to the table, songs
play their own files, clusters download as playlists of those files, and nothing outside the
folder is ever reached or named."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest

sf = pytest.importorskip("soundfile")
pytest.importorskip("librosa")
pytest.importorskip("pyloudnorm")
pytest.importorskip("tinytag")

from app.context import LIBRARY_PENDING_NOTICE, context_of  # noqa: E402
from app.factory import create_app  # noqa: E402
from core.audio import synth  # noqa: E402
from core.catalog import load_catalog  # noqa: E402
from core.config import Settings  # noqa: E402
from core.features import AUDIO_CLUSTER_FEATURES  # noqa: E402
from core.music_library import analyse, library_csv, read_status, start_analysis  # noqa: E402

pytestmark = pytest.mark.slow


def _library(root: Path) -> Path:
    """Eight short songs in nested folders (two tempi, two keys) and one file that is not audio."""
    music = root / "music"
    for i in range(8):
        folder = music / f"Artist {i % 2}" / "Album"
        folder.mkdir(parents=True, exist_ok=True)
        audio = synth.song(6.0, bpm=90 + 60 * (i % 2), minor=bool(i // 4), root=i, seed=i)
        sf.write(folder / f"Artist {i % 2} - Song {i}.flac", audio, synth.SAMPLE_RATE)
    (music / "broken.mp3").write_text("this is not audio")
    return music


def test_the_analysis_reports_progress_and_failures_with_paths_inside_the_folder(tmp_path: Path) -> None:
    music, cache = _library(tmp_path), tmp_path / "cache"
    status = analyse(music, cache, workers=2)
    assert status.state == "done" and status.total == 9 and status.failed_count == 1
    assert status.failures[0].startswith("broken.mp3: ") and str(tmp_path) not in " ".join(status.failures)
    table = pd.read_csv(library_csv(cache))
    assert sorted(table["title"]) == [f"Song {i}" for i in range(8)]
    catalog = load_catalog(library_csv(cache))  # every computed descriptor is a feature to cluster on
    assert set(catalog.features) == set(AUDIO_CLUSTER_FEATURES) and catalog.report.missing_features == ()
    assert read_status(cache) == status


def test_a_running_app_switches_to_the_library_plays_its_files_and_downloads_playlists(tmp_path: Path) -> None:
    music, cache = _library(tmp_path), tmp_path / "cache"
    settings = Settings(data_path=library_csv(cache), cache_dir=cache, previews_dir=music, music_dir=music, default_k=2)
    app = create_app(settings)  # starts the analysis in its own process; the demo shows meanwhile
    context = context_of(app.server)
    assert context.engine.catalog.is_demo and context.startup_notices == [LIBRARY_PENDING_NOTICE]
    deadline = time.monotonic() + 240
    while not ((status := read_status(cache)) and status.state == "done") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert status is not None and status.state == "done", status
    assert start_analysis(music, cache)  # a rescan: the first run has ended, so this one starts
    time.sleep(2.1)  # workers look at the table at most every 2 s
    with app.server.test_client() as client:
        client.get("/healthz")
        catalog = context.engine.catalog
        assert not catalog.is_demo and len(catalog) == 8 and LIBRARY_PENDING_NOTICE not in context.startup_notices
        song = catalog.songs.iloc[0]
        audio = client.get(f"/previews/{song['id']}", headers={"Range": "bytes=0-3"})
        assert audio.status_code == 206 and audio.data == b"fLaC" and audio.mimetype == "audio/flac"
        from app.prepare import warm

        warm(settings)
        playlist = client.get("/download/playlist.m3u8?k=2&cluster=0")
        assert playlist.status_code == 200, playlist.text
        paths = [line for line in playlist.text.splitlines() if not line.startswith("#")]
        assert paths and all(re.fullmatch(r"Artist [01]/Album/Artist [01] - Song \d\.flac", p) for p in paths)
        both = client.get("/download/playlist.m3u8?k=2&cluster=1").text
        assert len(paths) + sum(not line.startswith("#") for line in both.splitlines()) == 8
        assert client.get("/download/spotify-uris.txt?k=2").text == ""  # these ids are not Spotify's
