"""Decode an audio file to mono float32 at SAMPLE_RATE, reading a bounded window.

Backends, tried in order:

1. **soundfile** (libsndfile, bundled in its wheels since 0.12: WAV, FLAC, Ogg Vorbis, Opus,
   MP3 and more). Pure pip, BSD/LGPL. Seeks to the window, so a 3-hour FLAC costs what a
   one-minute one does.
2. **ffmpeg / ffprobe** as separate programs (Debian's ``ffmpeg`` package), for what libsndfile
   cannot read: m4a/AAC/ALAC, and files libsndfile refuses. Called as a subprocess with
   ``-ss``/``-t`` so only the window is decoded, a time limit, and a cap on the bytes read.
   Without ffmpeg such files fail with "m4a/aac needs ffmpeg (apt-get install ffmpeg)".

PyAV is not used: its PyPI wheels bundle an FFmpeg linked with libx264/libx265 (GPL-2.0+),
although ``avcodec_license()`` says LGPL, so they are not licence-clean for a web service.

``duration_s`` is the whole file's length from its header (libsndfile's frame count, ffprobe's
format duration); the samples are at most ``max_seconds`` of it, centred on the middle.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Every decoded signal is at this rate (Hz): librosa's default, enough for features up to 11 kHz.
SAMPLE_RATE = 22_050
#: At most this many seconds are decoded, from the middle of the file.
ANALYSIS_SECONDS = 60.0
#: The file name endings that are looked at (lower case). Others in the folder are ignored.
AUDIO_EXTENSIONS = frozenset(
    {".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".m4b", ".mp4", ".aac", ".alac", ".wav", ".aif", ".aiff"}
)
#: Endings only ffmpeg decodes (libsndfile has no MP4/AAC support).
FFMPEG_ONLY = frozenset({".m4a", ".m4b", ".mp4", ".aac", ".alac"})
#: Headers beyond these are refused as "not audio" (a damaged header must not cost gigabytes).
MAX_RATE = 768_000
MAX_CHANNELS = 64
_BLOCK = 1 << 16
#: ffmpeg/ffprobe must finish within this many seconds per file.
FFMPEG_TIMEOUT_S = 120.0


class DecodeError(Exception):
    """The file cannot be decoded; ``str(exc)`` is a plain reason fit for a report line."""


@dataclass(frozen=True)
class Decoded:
    """A decoded window: ``samples`` mono float32 in [-1, 1] at ``sr`` Hz, starting ``offset_s``
    seconds into a file that lasts ``duration_s`` seconds; ``backend`` is "soundfile" or "ffmpeg"."""

    samples: np.ndarray
    sr: int
    duration_s: float
    offset_s: float
    backend: str

    @property
    def seconds(self) -> float:
        """Length of the decoded window in seconds."""
        return len(self.samples) / self.sr


def ffmpeg_available() -> bool:
    """Whether the ffmpeg and ffprobe programs are on PATH."""
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def _window(duration_s: float, max_seconds: float, offset: float | None) -> tuple[float, float]:
    """(start, length) in seconds of the part to decode."""
    length = min(duration_s, max_seconds)
    start = (duration_s - length) / 2 if offset is None else min(max(offset, 0.0), max(duration_s - length, 0.0))
    return start, length


def _to_mono_resampled(data: np.ndarray, rate: int, sr: int) -> np.ndarray:
    mono = data.mean(axis=1) if data.ndim == 2 else data
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if rate != sr and len(mono):
        import soxr  # a librosa dependency (LGPL-2.1+, bundled libsoxr): fast, high quality

        mono = soxr.resample(mono, rate, sr, quality="HQ").astype(np.float32, copy=False)
    return np.nan_to_num(mono, nan=0.0, posinf=0.0, neginf=0.0)


def _decode_soundfile(path: Path, sr: int, max_seconds: float, offset: float | None) -> Decoded:
    import soundfile as sf

    with sf.SoundFile(os.fsencode(path)) as audio:  # bytes: names that are not UTF-8 open too
        rate = audio.samplerate
        if not 0 < rate <= MAX_RATE or not 0 < audio.channels <= MAX_CHANNELS:
            raise DecodeError("not audio / cannot decode")
        frames = audio.frames if 0 < audio.frames < 2**62 else 0
        duration = frames / rate
        start, length = _window(duration, max_seconds, offset) if frames else (0.0, max_seconds)
        first = int(start * rate)
        if first and audio.seekable():
            audio.seek(first)
        elif first:
            first = 0
        # Block by block, mixed to mono as it goes: memory is one mono window, whatever the channels.
        wanted, parts = math.ceil(length * rate), []
        while wanted > 0:
            block = audio.read(frames=min(wanted, _BLOCK), dtype="float32", always_2d=True)
            if not len(block):
                break
            parts.append(block.mean(axis=1))
            wanted -= len(block)
    data = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if not frames:  # header without a length: what was read is all we know
        duration = len(data) / rate
    return Decoded(_to_mono_resampled(data, rate, sr), sr, duration, first / rate, "soundfile")


def _ffprobe_duration(path: Path) -> float:
    try:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", "--", str(path)],
            capture_output=True,
            timeout=FFMPEG_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DecodeError("not audio / cannot decode (ffprobe timed out)") from None
    text = out.stdout.decode("ascii", errors="replace").strip().splitlines()
    try:
        duration = float(text[0]) if text else math.nan
    except ValueError:
        duration = math.nan
    if out.returncode != 0 or not math.isfinite(duration):
        if out.returncode != 0:
            raise DecodeError("not audio / cannot decode")
        return math.nan
    return duration


def _decode_ffmpeg(path: Path, sr: int, max_seconds: float, offset: float | None) -> Decoded:
    duration = _ffprobe_duration(path)
    start, length = _window(duration, max_seconds, offset) if math.isfinite(duration) else (0.0, max_seconds)
    command = ["ffmpeg", "-nostdin", "-v", "error", "-ss", f"{start:.3f}", "-t", f"{length:.3f}"]
    command += ["-i", f"file:{path}", "-vn", "-ac", "1", "-ar", str(sr), "-f", "f32le", "-"]
    try:
        out = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise DecodeError("not audio / cannot decode (ffmpeg timed out)") from None
    limit = int((length + 1) * sr) * 4
    samples = np.frombuffer(out.stdout[: limit - limit % 4], dtype="<f4").astype(np.float32)
    if out.returncode != 0 and not len(samples):
        raise DecodeError("not audio / cannot decode")
    if not math.isfinite(duration):
        duration = len(samples) / sr
    return Decoded(np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0), sr, duration, start, "ffmpeg")


def decode(
    path: str | Path, *, sr: int = SAMPLE_RATE, max_seconds: float = ANALYSIS_SECONDS, offset: float | None = None
) -> Decoded:
    """Decode at most ``max_seconds`` of ``path`` (from ``offset`` seconds, or centred on the middle
    when None) to mono float32 at ``sr`` Hz. Raises DecodeError with a plain reason ("empty file",
    "not audio / cannot decode", "m4a/aac needs ffmpeg (apt-get install ffmpeg)") and lets
    PermissionError through."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise DecodeError("empty file")
    suffix = path.suffix.lower()
    if suffix not in FFMPEG_ONLY:
        import soundfile as sf

        try:
            return _decode_soundfile(path, sr, max_seconds, offset)
        except PermissionError:
            raise
        except (sf.LibsndfileError, RuntimeError, ValueError, TypeError, OSError, EOFError) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, sf.LibsndfileError) and exc.errno is not None:
                raise
            if not ffmpeg_available():
                raise DecodeError("not audio / cannot decode") from None
    elif not ffmpeg_available():
        raise DecodeError(f"{suffix[1:]} needs ffmpeg (apt-get install ffmpeg)")
    return _decode_ffmpeg(path, sr, max_seconds, offset)
