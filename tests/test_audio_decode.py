"""core.audio.decode: every format to mono float32 at 22,050 Hz, a bounded window from the middle,
plain reasons for what cannot be decoded."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

sf = pytest.importorskip("soundfile")
pytest.importorskip("soxr")

from core.audio import synth  # noqa: E402
from core.audio.decode import SAMPLE_RATE, DecodeError, decode, ffmpeg_available  # noqa: E402

FORMATS = [
    (".wav", "WAV", "PCM_16", 44_100),
    (".flac", "FLAC", "PCM_24", 48_000),
    (".ogg", "OGG", "VORBIS", 44_100),
    (".opus", "OGG", "OPUS", 48_000),
    (".mp3", "MP3", "MPEG_LAYER_III", 44_100),
]


@pytest.mark.parametrize(("suffix", "fmt", "subtype", "rate"), FORMATS)
def test_formats_decode_to_mono_float32_at_22050(
    tmp_path: Path, suffix: str, fmt: str, subtype: str, rate: int
) -> None:
    """Stereo files at their own rate come back mono, 22,050 Hz, the right length and level."""
    left = synth.tone(440, 5, sr=rate, amplitude=0.5)
    path = tmp_path / f"tone{suffix}"
    sf.write(path, np.stack([left, left], axis=1), rate, format=fmt, subtype=subtype)
    decoded = decode(path)
    assert decoded.samples.dtype == np.float32 and decoded.samples.ndim == 1
    assert decoded.sr == SAMPLE_RATE and decoded.backend == "soundfile"
    assert decoded.duration_s == pytest.approx(5.0, abs=0.1)
    assert decoded.seconds == pytest.approx(5.0, abs=0.1)
    rms = float(np.sqrt(np.mean(np.square(decoded.samples[SAMPLE_RATE:-SAMPLE_RATE]))))
    assert rms == pytest.approx(0.5 / np.sqrt(2), abs=0.02)  # lossy codecs overshoot peaks, not RMS


@pytest.mark.skipif(not ffmpeg_available(), reason="m4a/aac needs Debian's ffmpeg, not installed here")
def test_m4a_decodes_through_ffmpeg(tmp_path: Path) -> None:
    wav = tmp_path / "tone.wav"
    sf.write(wav, synth.tone(440, 4, sr=44_100), 44_100)
    m4a = tmp_path / "tone.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True, timeout=60)
    decoded = decode(m4a, max_seconds=2)
    assert decoded.backend == "ffmpeg" and decoded.sr == SAMPLE_RATE
    assert decoded.duration_s == pytest.approx(4.0, abs=0.1)
    assert decoded.seconds == pytest.approx(2.0, abs=0.05)
    assert decoded.offset_s == pytest.approx(1.0, abs=0.01)
    assert np.abs(decoded.samples).max() == pytest.approx(0.5, abs=0.05)


def test_m4a_without_ffmpeg_says_what_it_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    path = tmp_path / "song.m4a"
    path.write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(100))
    with pytest.raises(DecodeError, match=r"m4a needs ffmpeg \(apt-get install ffmpeg\)"):
        decode(path)


def test_window_is_taken_from_the_middle(tmp_path: Path) -> None:
    """A 20-s file whose first half is a low tone and second half a high one, decoded 4 s at a
    time: the middle window straddles both, offset 0 gives the low one."""
    path = tmp_path / "two.flac"
    sf.write(path, np.concatenate([synth.tone(200, 10), synth.tone(2000, 10)]), SAMPLE_RATE)
    middle = decode(path, max_seconds=4)
    assert middle.offset_s == pytest.approx(8.0) and middle.seconds == pytest.approx(4.0)
    assert middle.duration_s == pytest.approx(20.0)
    start = decode(path, max_seconds=4, offset=0)
    spectrum = np.abs(np.fft.rfft(start.samples))
    assert np.argmax(spectrum) * SAMPLE_RATE / len(start.samples) == pytest.approx(200, abs=2)


def test_three_hour_file_decodes_one_window_fast(tmp_path: Path) -> None:
    """A 3-hour FLAC (silence and clicks: small to write) costs what a minute does."""
    path = tmp_path / "long.flac"
    minute = synth.click_track(100, 60, sr=8000)
    with sf.SoundFile(path, "w", 8000, 1, format="FLAC", subtype="PCM_16") as out:
        for _ in range(180):
            out.write(minute)
    started = time.monotonic()
    decoded = decode(path, max_seconds=60)
    assert time.monotonic() - started < 5
    assert decoded.duration_s == pytest.approx(3 * 3600, abs=1)
    assert decoded.seconds == pytest.approx(60, abs=0.1)
    assert decoded.offset_s == pytest.approx((3 * 3600 - 60) / 2, abs=1)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.mp3", b"", "empty file"),
        ("text.mp3", b"this is not audio\n" * 40, "not audio / cannot decode"),
        ("random.flac", bytes(range(256)) * 40, "not audio / cannot decode"),
    ],
)
def test_undecodable_files_give_a_plain_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DecodeError) as caught:
        decode(path)
    assert str(caught.value).startswith(reason)
