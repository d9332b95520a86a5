"""The route behind "Where does this song land?" (app.placement): a real audio file gives its
features; a file that is not audio, empty, silent or too big gets a plain message naming the file
(never a server path); the uploaded copy never stays on the server."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
from flask import Flask

sf = pytest.importorskip("soundfile")
pytest.importorskip("librosa")
pytest.importorskip("pyloudnorm")
pytest.importorskip("tinytag")

from app.placement import MAX_FILE_BYTES, register_placement_route  # noqa: E402
from core.audio import synth  # noqa: E402
from core.features import AUDIO_FEATURES  # noqa: E402


@pytest.fixture
def client():
    server = Flask(__name__)
    register_placement_route(server, "/app/")
    with server.test_client() as test_client:
        yield test_client


def _left_behind() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("place-*"))


def _flac(signal: np.ndarray) -> bytes:
    out = io.BytesIO()
    sf.write(out, signal, synth.SAMPLE_RATE, format="FLAC")
    return out.getvalue()


def _post(client, name: str, body: bytes):
    return client.post(f"/app/place-song?name={name}", data=body, content_type="application/octet-stream")


def test_an_audio_file_gives_its_features_and_is_deleted(client) -> None:
    before = _left_behind()
    answer = _post(client, "dir/My song.flac", _flac(synth.song(5.0, bpm=120, minor=True, root=3, seed=1)))
    assert answer.status_code == 200, answer.json
    assert answer.json["name"] == "My song.flac"  # the last part of the name only
    assert set(answer.json["features"]) == set(AUDIO_FEATURES)
    features = answer.json["features"]
    assert 100 < features["tempo"] < 140 and features["duration_ms"] == pytest.approx(5000)
    assert _left_behind() == before


@pytest.mark.parametrize(
    ("name", "body", "status", "words"),
    [
        ("song.mp3", b"this is a text file, not audio", 400, "song.mp3 could not be analysed: not audio"),
        ("empty.flac", b"", 400, "empty.flac is empty (0 bytes)"),
        ("quiet.flac", None, 400, "quiet.flac could not be analysed: silent"),
        ("huge.wav", b"\0" * (MAX_FILE_BYTES + 1), 413, "huge.wav is larger than 60 MB"),
    ],
)
def test_bad_files_get_a_plain_message_and_leave_nothing(client, name: str, body, status: int, words: str) -> None:
    before = _left_behind()
    answer = _post(client, name, _flac(np.zeros(3 * synth.SAMPLE_RATE, dtype=np.float32)) if body is None else body)
    assert answer.status_code == status
    assert words in answer.json["error"]
    assert tempfile.gettempdir() not in answer.json["error"]
    assert _left_behind() == before
