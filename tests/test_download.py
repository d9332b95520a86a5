"""`make data`: the reference dataset download, against a small HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.download import DownloadError, download_dataset

CSV = b"song_title,artist,energy,tempo\nA,B,0.5,120\nC,D,0.7,90\n"
SHA = hashlib.sha256(CSV).hexdigest()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[str]:
    """Serves tmp_path/served/ on a free loopback port; yields its base URL."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "spotify.csv").write_bytes(CSV)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_download_saves_the_verified_file(file_server: str, tmp_path: Path) -> None:
    destination = tmp_path / "data" / "spotify.csv"
    download_dataset(f"{file_server}/spotify.csv", destination, SHA)
    assert destination.read_bytes() == CSV


def test_a_checksum_mismatch_saves_nothing(file_server: str, tmp_path: Path) -> None:
    destination = tmp_path / "data" / "spotify.csv"
    with pytest.raises(DownloadError, match="does not match its checksum"):
        download_dataset(f"{file_server}/spotify.csv", destination, "0" * 64)
    assert list(destination.parent.iterdir()) == []


def test_a_missing_file_on_the_server_is_a_clear_error(file_server: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"Could not download .*HTTP 404"):
        download_dataset(f"{file_server}/nope.csv", tmp_path / "spotify.csv", SHA)
    assert not (tmp_path / "spotify.csv").exists()


def test_offline_fails_fast_and_keeps_an_existing_file(tmp_path: Path) -> None:
    destination = tmp_path / "spotify.csv"
    destination.write_bytes(b"earlier copy")
    with pytest.raises(DownloadError, match="offline"):
        download_dataset(f"http://127.0.0.1:{_closed_port()}/spotify.csv", destination, SHA, timeout_s=5)
    assert destination.read_bytes() == b"earlier copy"
    assert [p.name for p in tmp_path.iterdir()] == ["spotify.csv"]


def _prepare(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(tmp_path / "data" / "spotify.csv"),
        "AUDIOSPACE_CACHE_DIR": str(tmp_path / "cache"),
        "AUDIOSPACE_DATA_URL": url,
        "AUDIOSPACE_DATA_SHA256": SHA,
    }
    return subprocess.run(
        [sys.executable, "-m", "app.prepare", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow  # starts a process
def test_make_data_downloads_then_reports_it_present(file_server: str, tmp_path: Path) -> None:
    first = _prepare(tmp_path, f"{file_server}/spotify.csv", "--download")
    assert first.returncode == 0, first.stderr
    assert "checksum verified" in first.stdout
    assert (tmp_path / "data" / "spotify.csv").read_bytes() == CSV
    again = _prepare(tmp_path, f"{file_server}/spotify.csv", "--download")
    assert again.returncode == 0 and "Dataset present" in again.stdout


@pytest.mark.slow  # starts a process
def test_make_data_offline_says_what_to_do(tmp_path: Path) -> None:
    result = _prepare(tmp_path, f"http://127.0.0.1:{_closed_port()}/spotify.csv", "--download")
    assert result.returncode == 1
    assert "copy a CSV to" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow  # starts a process
def test_warming_without_data_serves_the_demo_catalog(tmp_path: Path) -> None:
    """`make run` on a fresh clone: no dataset, so the cache is warmed for the demo data."""
    result = _prepare(tmp_path, "http://127.0.0.1:9/unused.csv")
    assert result.returncode == 0, result.stderr
    assert "showing built-in demo data" in result.stdout
    assert "Model cache warm for 600 songs, K 2–12" in result.stdout
