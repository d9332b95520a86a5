"""Previews: the allow-list, local files, and iTunes/Deezer lookups against local fake services."""

from __future__ import annotations

import os
import socket
import time
from collections import Counter
from pathlib import Path

import pytest

from core.previews import Preview, PreviewFinder, PreviewSettings, best_match, safe_preview_url
from core.shared import DiskStore
from tests.fake_services import FakeService, fake_services

ITUNES_URL = "https://audio-ssl.itunes.apple.com/itunes-assets/AudioPreview125/v4/73/e6/55/mzaf_1.plus.aac.p.m4a"
COVER_URL = "https://audio-ssl.itunes.apple.com/itunes-assets/AudioPreview125/v4/00/00/00/mzaf_cover.plus.aac.p.m4a"
DEEZER_URL = "https://cdnt-preview.dzcdn.net/api/1/1/a/b/c/0/abc.mp3?hdnea=exp=1"


def _finder(tmp_path: Path, base_url: str = "http://127.0.0.1:9", **changes: object) -> PreviewFinder:
    settings = PreviewSettings(
        folder=tmp_path / "previews",
        itunes_url=f"{base_url}/itunes/search",
        deezer_url=f"{base_url}/deezer/search",
        timeout_s=1.0,
        **changes,
    )
    return PreviewFinder(settings, DiskStore(tmp_path / "cache"))


def _itunes(title: str, artist: str, url: str) -> dict:
    return {"trackName": title, "artistName": artist, "previewUrl": url}


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "http://p.scdn.co/mp3-preview/abc",
        "https://evil.example.com/a.mp3",
        "https://p.scdn.co.evil.com/a.mp3",
        "https://p.scdn.co@evil.com/a.mp3",
        "https://p.scdn.co:8443/a.mp3",
        "data:audio/mp3;base64,AAAA",
        "/previews/../../etc/passwd",
        'https://p.scdn.co/a.mp3" onerror="alert(1)',
        "",
        None,
        42,
    ],
)
def test_unsafe_preview_urls_never_pass(url: object) -> None:
    assert safe_preview_url(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://p.scdn.co/mp3-preview/3eb16018c2a700240e9dfb8817b6f2d041f15eb1",
        ITUNES_URL,
        "https://is1-ssl.mzstatic.com/a/b.m4a",
        DEEZER_URL,
        "/previews/abc123",
    ],
)
def test_previews_from_known_services_pass(url: str) -> None:
    assert safe_preview_url(url) == url


def test_the_matching_result_wins_not_the_first() -> None:
    candidates = [
        ("Redbone", "Some Cover Band", COVER_URL),
        ("Redbone (Remastered)", "Childish Gambino", ITUNES_URL),
    ]
    assert best_match("Redbone", "Childish Gambino", candidates) == ITUNES_URL


def test_no_result_matches_a_different_song() -> None:
    candidates = [("Redbone", "Some Cover Band", COVER_URL), ("Redbird", "Childish Gambino", ITUNES_URL)]
    assert best_match("Redbone", "Childish Gambino", candidates) is None


def test_accents_and_case_do_not_stop_a_match() -> None:
    assert best_match("Déjà Vu", "Beyoncé", [("deja vu", "BEYONCE", ITUNES_URL)]) == ITUNES_URL


def test_an_itunes_hit_is_cached_for_every_worker_and_restart(tmp_path: Path) -> None:
    fake = FakeService(itunes={"Redbone": [_itunes("Redbone", "Childish Gambino", ITUNES_URL)]})
    with fake_services(fake):
        first = _finder(tmp_path, fake.base_url)
        assert first.look_up("Redbone", "Childish Gambino") == Preview(ITUNES_URL, "Apple Music")
        assert first.look_up("Redbone", "Childish Gambino") == Preview(ITUNES_URL, "Apple Music")
        another_worker = _finder(tmp_path, fake.base_url)
        assert another_worker.look_up("Redbone", "Childish Gambino") == Preview(ITUNES_URL, "Apple Music")
    assert len(fake.asked("itunes")) == 1
    assert fake.asked("deezer") == []


def test_deezer_answers_when_itunes_has_no_match(tmp_path: Path) -> None:
    fake = FakeService(
        itunes={"Mask Off": [_itunes("Mask Off", "Cover Kids", COVER_URL)]},
        deezer={"Mask Off": [{"title": "Mask Off", "artist": {"name": "Future"}, "preview": DEEZER_URL}]},
    )
    with fake_services(fake):
        assert _finder(tmp_path, fake.base_url).look_up("Mask Off", "Future") == Preview(DEEZER_URL, "Deezer")


def test_a_miss_is_cached_and_expires(tmp_path: Path) -> None:
    with fake_services() as fake:
        finder = _finder(tmp_path, fake.base_url, miss_ttl_s=0.5)
        assert finder.look_up("Nothing", "Nobody") is None
        assert finder.look_up("Nothing", "Nobody") is None
        assert len(fake.asked("itunes")) == 1 and len(fake.asked("deezer")) == 1
        time.sleep(0.6)
        assert finder.look_up("Nothing", "Nobody") is None
        assert len(fake.asked("itunes")) == 2


def test_itunes_requests_stay_within_the_rate_limit_across_workers(tmp_path: Path) -> None:
    """Two finders on one cache (two workers) share one budget of 3 iTunes requests a minute;
    songs over the budget go to Deezer and are not cached as misses."""
    with fake_services() as fake:
        workers = [_finder(tmp_path, fake.base_url, itunes_per_minute=3) for _ in range(2)]
        for i in range(8):
            workers[i % 2].look_up(f"Song {i}", "Artist")
        per_minute = Counter(int(at // 60) for service, _, at in fake.requests if service == "itunes")
        assert max(per_minute.values()) <= 3
        assert len(fake.asked("deezer")) == 8
        known, _ = workers[0].cached("Song 7", "Artist")
        assert known, "a song looked up while rate limited is remembered for a short while"


def test_server_errors_fall_back_and_are_retried_later(tmp_path: Path) -> None:
    fake = FakeService(
        status={"itunes": 500},
        deezer={"Redbone": [{"title": "Redbone", "artist": {"name": "Childish Gambino"}, "preview": DEEZER_URL}]},
    )
    with fake_services(fake):
        finder = _finder(tmp_path, fake.base_url)
        assert finder.look_up("Redbone", "Childish Gambino") == Preview(DEEZER_URL, "Deezer")
        fake.deezer.clear()
        fake.status["deezer"] = 503
        assert finder.look_up("Other", "Artist") is None
        assert finder.settings.retry_ttl_s < finder.settings.miss_ttl_s


def test_a_slow_service_times_out_instead_of_holding_the_page(tmp_path: Path) -> None:
    fake = FakeService(delay_s={"itunes": 3.0, "deezer": 3.0})
    with fake_services(fake):
        finder = _finder(tmp_path, fake.base_url)
        started = time.monotonic()
        assert finder.look_up("Slow", "Song") is None
        assert time.monotonic() - started < 2.9, "each service waits at most timeout_s (1 s here)"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_fails_fast_and_skips_the_service_for_a_while(tmp_path: Path) -> None:
    finder = _finder(tmp_path, f"http://127.0.0.1:{_closed_port()}")
    assert finder.look_up("One", "Artist") is None
    assert finder.cache.get("preview-down:itunes") and finder.cache.get("preview-down:deezer")
    known, _ = finder.cached("One", "Artist")
    assert known


def test_switched_off_lookups_ask_nobody(tmp_path: Path) -> None:
    with fake_services() as fake:
        finder = _finder(tmp_path, fake.base_url, online=False)
        assert finder.look_up("Redbone", "Childish Gambino") is None
        assert finder.resolve_now("id1", "Redbone", "Childish Gambino") == (None, False)
    assert fake.requests == []


def test_an_unknown_song_is_pending_until_looked_up(tmp_path: Path) -> None:
    fake = FakeService(itunes={"Redbone": [_itunes("Redbone", "Childish Gambino", ITUNES_URL)]})
    with fake_services(fake):
        finder = _finder(tmp_path, fake.base_url)
        assert finder.resolve_now("id1", "Redbone", "Childish Gambino") == (None, True)
        finder.look_up("Redbone", "Childish Gambino")
        assert finder.resolve_now("id1", "Redbone", "Childish Gambino") == (Preview(ITUNES_URL, "Apple Music"), False)


def test_local_files_by_id_or_by_artist_and_title(tmp_path: Path) -> None:
    folder = tmp_path / "previews"
    folder.mkdir()
    (folder / "abc123.mp3").write_bytes(b"ID3")
    (folder / "Future - Mask Off.ogg").write_bytes(b"OggS")
    (folder / "notes.txt").write_text("not audio")
    finder = _finder(tmp_path)
    assert finder.local_file("abc123", "x", "y") == (folder / "abc123.mp3").resolve()
    assert finder.local_file("zzz", "Mask Off", "Future") == (folder / "Future - Mask Off.ogg").resolve()
    assert finder.local_file("notes", "x", "y") is None
    assert finder.known("abc123", "x", "y", None) == Preview("/previews/abc123", "local file")


def test_a_dataset_url_comes_before_a_local_file(tmp_path: Path) -> None:
    (tmp_path / "previews").mkdir()
    (tmp_path / "previews" / "abc123.mp3").write_bytes(b"ID3")
    url = "https://p.scdn.co/mp3-preview/abc"
    assert _finder(tmp_path).known("abc123", "x", "y", url) == Preview(url, "Spotify")


def test_a_library_song_plays_its_own_file_from_the_middle_and_nothing_outside_is_reached(tmp_path: Path) -> None:
    """A music library's catalog names each song's file by its path inside the folder: it is
    found there (nested folders, any case of suffix), played from its middle 30 s when the song
    is longer than 45 s, and a path leading out (``..``, absolute, a symlink out, a loop) or to
    a file that is not audio finds nothing."""
    folder = tmp_path / "previews"
    (folder / "Artist" / "Album").mkdir(parents=True)
    song = folder / "Artist" / "Album" / "01 Song.FLAC"
    song.write_bytes(b"fLaC")
    (folder / "cover.jpg").write_bytes(b"jpeg")
    secret = tmp_path / "secret.mp3"
    secret.write_bytes(b"ID3")
    os.symlink(secret, folder / "out.mp3")
    os.symlink(folder / "loop.mp3", folder / "loop.mp3")
    finder = _finder(tmp_path)
    assert finder.local_file("s1", "Song", "Artist", "Artist/Album/01 Song.FLAC") == song.resolve()
    assert finder.known("s1", "Song", "Artist", None, "Artist/Album/01 Song.FLAC", 200_000.0) == Preview(
        "/previews/s1#t=85,115", "the song's own file"
    )
    assert finder.known("s1", "Song", "Artist", None, "Artist/Album/01 Song.FLAC", 40_000.0).url == "/previews/s1"
    for path in ("../secret.mp3", str(secret), "out.mp3", "loop.mp3", "cover.jpg", "Artist", "missing.mp3"):
        assert finder.local_file("s1", "Song", "Artist", path) is None, path


def test_symlinks_leading_out_of_the_folder_are_ignored(tmp_path: Path) -> None:
    outside = tmp_path / "secret.mp3"
    outside.write_bytes(b"secret")
    folder = tmp_path / "previews"
    folder.mkdir()
    os.symlink(outside, folder / "abc123.mp3")
    assert _finder(tmp_path).local_file("abc123", "x", "y") is None


def test_the_loader_drops_unplayable_preview_urls_with_a_note() -> None:
    from core.catalog import load_catalog

    catalog = load_catalog(
        b"title,energy,tempo,preview_url\nA,0.1,100,javascript:alert(1)\nB,0.2,90,http://evil.example.com/x.mp3\n"
        b"C,0.3,80,https://p.scdn.co/mp3-preview/ok\nD,0.4,70,\n"
    )
    assert catalog.songs["preview_url"].tolist() == ["", "", "https://p.scdn.co/mp3-preview/ok", ""]
    assert (
        "Ignored 2 preview URLs that are not https links to Spotify, Apple Music or Deezer: they are never played."
        in (catalog.report.lines())
    )
