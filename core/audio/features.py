"""One row of features per audio file: what each column means is in
``core.features.AUDIO_FEATURE_DEFINITIONS`` (re-exported here), the order in ``AUDIO_FEATURES``.

What happens to odd input (the same in the library, the CLI and the web app):

- shorter than MIN_SECONDS (1 s): AnalysisError "too short (0.2 s)": no row;
- silent (integrated loudness below the -70 LUFS absolute gate of BS.1770, i.e. no block
  loud enough to count, or no sample above 1e-5): AnalysisError "silent": no row;
- white or other noise: a row like any other, with beat_strength and tonal_clarity near 0,
  onset_rate low, brightness high (about 5.5 kHz for white noise at 22,050 Hz), percussive_ratio
  about 0.5, and whatever tempo the beat tracker settles on (not meaningful: beat_strength says so);
- a header that promises more than decodes (a truncated or damaged file): the part that decodes is
  analysed, duration_ms is where decoding stopped when that is known, and a note says so;
- longer than an hour: the ANALYSIS_SECONDS from its middle are analysed, and a note says so.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from core.audio.decode import ANALYSIS_SECONDS, SAMPLE_RATE, DecodeError, decode
from core.features import AUDIO_FEATURE_DEFINITIONS, AUDIO_FEATURES

__all__ = [
    "AUDIO_FEATURES",
    "AUDIO_FEATURE_DEFINITIONS",
    "EXTRACTOR_VERSION",
    "MIN_SECONDS",
    "AnalysisError",
    "analyse_file",
    "analyse_signal",
]

#: Changes whenever a feature's computation or the decoding window changes: part of every cache key,
#: so a new version re-analyses every file.
EXTRACTOR_VERSION = f"audiospace-features-1/sr{SAMPLE_RATE}/win{ANALYSIS_SECONDS:g}"
#: Files shorter than this (seconds) are not analysed: loudness needs 0.4-s blocks, a beat several.
MIN_SECONDS = 1.0
#: Below this integrated loudness (LUFS) a file is silent (BS.1770's absolute gate).
SILENCE_LUFS = -70.0
#: A file longer than this (seconds) gets a note that only its middle was analysed.
LONG_FILE_SECONDS = 3600.0

_N_FFT = 2048
_HOP = 512
#: Harmonic/percussive separation runs on a coarser spectrogram (a fifth of the cost), kernel 17:
#: 0.8 s along time for the harmonic part, 370 Hz along frequency for the percussive part.
_HPSS_N_FFT = 1024
_HPSS_KERNEL = 17
#: An onset rises at least this much (dB, mean over mel bands) above the envelope's local average;
#: the pulse is measured on the envelope above it. Below it: the beating of steady tones, noise flicker.
_ONSET_DB = 1.0
#: With fewer onsets than this in the window there is no beat to follow: tempo 0 (as Spotify writes).
_MIN_ONSETS = 4
#: Krumhansl-Kessler probe-tone profiles, C major and C minor.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


class AnalysisError(Exception):
    """The file decoded but gives no row; ``str(exc)`` is a plain reason ("silent", "too short (0.2 s)")."""


def _seconds(value: float) -> str:
    if value >= 3600:
        whole = round(value)
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if value >= 60:
        whole = round(value)
        return f"{whole // 60}:{whole % 60:02d}"
    return f"{value:.1f} s"


def _loudness(y: np.ndarray, sr: int) -> float:
    import pyloudnorm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "possible clipped samples" on full-scale input
        value = float(pyloudnorm.Meter(sr).integrated_loudness(y.astype(np.float64)))
    return value


def _tempo(onset_env: np.ndarray, sr: int) -> float:
    """BPM from the beat tracker, refined below the frame grid: 60 / the mean of the inter-beat
    intervals within 15 % of their median (a 512-sample hop alone quantises 120 BPM to 117 or 123)."""
    import librosa

    estimate, beats = librosa.beat.beat_track(onset_envelope=onset_env, sr=sr, hop_length=_HOP, units="frames")
    estimate = float(np.atleast_1d(estimate)[0])
    if len(beats) < 4:
        return estimate if math.isfinite(estimate) else 0.0
    intervals = np.diff(beats).astype(np.float64)
    median = float(np.median(intervals))
    kept = intervals[np.abs(intervals - median) <= 0.15 * median]
    if not len(kept) or median <= 0:
        return estimate
    return 60.0 * sr / (_HOP * float(kept.mean()))


def _beat_strength(onset_env: np.ndarray, sr: int) -> float:
    env = onset_env.astype(np.float64) - onset_env.mean()
    energy = float(np.dot(env, env))
    if energy <= 0:
        return 0.0
    frame_rate = sr / _HOP
    low, high = int(0.25 * frame_rate), math.ceil(1.5 * frame_rate)
    if len(env) <= low + 1:
        return 0.0
    spectrum = np.fft.rfft(env, n=2 * len(env))
    autocorrelation = np.fft.irfft(np.abs(spectrum) ** 2)[: len(env)]
    # Unbiased: divide each lag by how many products it sums, so a short file is not penalised.
    lags = np.arange(low, min(high, len(env) - 1) + 1)
    unbiased = autocorrelation[lags] / (len(env) - lags) * len(env)
    return float(np.clip(unbiased.max() / energy, 0.0, 1.0))


def _dynamic_range(y: np.ndarray, sr: int) -> float:
    window, hop = 3 * sr, sr
    if len(y) < window:
        return 0.0
    starts = range(0, len(y) - window + 1, hop)
    power = np.array([np.mean(np.square(y[s : s + window], dtype=np.float64)) for s in starts])
    levels = 10 * np.log10(np.maximum(power, 1e-20))
    gated = power[levels > -70.0]
    if not len(gated):
        return 0.0
    relative = 10 * np.log10(gated.mean()) - 20.0
    kept = levels[levels > max(-70.0, relative)]
    if len(kept) < 2:
        return 0.0
    return float(np.percentile(kept, 95) - np.percentile(kept, 10))


def _key(y: np.ndarray, sr: int) -> tuple[int, int, float]:
    """(key 0-11, mode 1 major / 0 minor, tonal clarity): the key profile that best correlates with
    the mean chroma, and the mean correlation of 2-second segments' chroma with that profile (noise
    picks some "best" key from its flat chroma, but its segments do not agree with it: near 0)."""
    import librosa

    chroma = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=_HOP)
    mean = chroma.mean(axis=1)
    if np.ptp(mean) <= 1e-9:
        return 0, 1, 0.0
    best = (-2.0, 0, 1)
    for mode, profile in ((1, _MAJOR), (0, _MINOR)):
        for key in range(12):
            r = float(np.corrcoef(mean, np.roll(profile, key))[0, 1])
            if math.isfinite(r) and r > best[0]:
                best = (r, key, mode)
    _, key, mode = best
    profile = np.roll(_MAJOR if mode else _MINOR, key)
    segment = max(1, round(2.0 * sr / _HOP))
    scores = []
    for start in range(0, max(chroma.shape[1] - segment, 0) + 1, segment):
        part = chroma[:, start : start + segment].mean(axis=1)
        if np.ptp(part) > 1e-9:
            scores.append(float(np.corrcoef(part, profile)[0, 1]))
    clarity = float(np.mean(scores)) if scores else 0.0
    return key, mode, float(np.clip(clarity, -1.0, 1.0)) if math.isfinite(clarity) else 0.0


def analyse_signal(samples: np.ndarray, sr: int = SAMPLE_RATE, *, duration_s: float | None = None) -> dict[str, float]:
    """The AUDIO_FEATURES of a mono signal (float, [-1, 1]) at ``sr`` Hz, as a dict in that order.
    ``duration_s`` is the whole file's length (default: the signal's). Raises AnalysisError for a
    signal shorter than MIN_SECONDS or silent."""
    import librosa

    y = np.nan_to_num(np.asarray(samples, dtype=np.float32))
    seconds = len(y) / sr
    total = seconds if duration_s is None else duration_s
    if min(seconds, total) < MIN_SECONDS:
        raise AnalysisError(f"too short ({min(seconds, total):.1f} s; at least {MIN_SECONDS:g} s needed)")
    peak = float(np.abs(y).max())
    loudness = _loudness(y, sr) if peak > 1e-5 else -math.inf
    if not math.isfinite(loudness) or loudness < SILENCE_LUFS:
        raise AnalysisError("silent")

    spectrum = np.abs(librosa.stft(y, n_fft=_N_FFT, hop_length=_HOP))
    mel = librosa.feature.melspectrogram(S=spectrum**2, sr=sr)
    onset_env = librosa.onset.onset_strength(S=librosa.power_to_db(mel, ref=np.max), sr=sr, hop_length=_HOP)
    onsets = librosa.onset.onset_detect(
        onset_envelope=onset_env, sr=sr, hop_length=_HOP, units="frames", normalize=False, delta=_ONSET_DB
    )
    average = spectrum.mean(axis=1)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=_N_FFT)
    brightness = float(np.dot(freqs, average) / average.sum()) if average.sum() > 0 else 0.0

    coarse = np.abs(librosa.stft(y, n_fft=_HPSS_N_FFT, hop_length=_HPSS_N_FFT))
    harmonic, percussive = librosa.decompose.hpss(coarse, kernel_size=_HPSS_KERNEL)
    h_energy, p_energy = float(np.sum(harmonic**2)), float(np.sum(percussive**2))
    percussive_ratio = p_energy / (h_energy + p_energy) if h_energy + p_energy > 0 else 0.0

    key, mode, clarity = _key(y, sr)
    features = {
        "tempo": _tempo(onset_env, sr) if len(onsets) >= _MIN_ONSETS else 0.0,
        "loudness": loudness,
        "duration_ms": total * 1000.0,
        "key": float(key),
        "mode": float(mode),
        "beat_strength": _beat_strength(np.maximum(onset_env - _ONSET_DB, 0.0), sr),
        "onset_rate": len(onsets) / seconds,
        "brightness": brightness,
        "percussive_ratio": percussive_ratio,
        "dynamic_range": _dynamic_range(y, sr),
        "tonal_clarity": clarity,
    }
    return {name: float(features[name]) for name in AUDIO_FEATURES}


def analyse_file(path: str | Path, *, max_seconds: float = ANALYSIS_SECONDS) -> tuple[dict[str, float], list[str]]:
    """Decode ``path`` (at most ``max_seconds`` from the middle) and analyse it: (features, notes),
    notes being remarks on a file that was analysed all the same (truncated, very long). Raises
    DecodeError or AnalysisError with a plain reason, PermissionError when it cannot be read."""
    decoded = decode(path, max_seconds=max_seconds)
    notes: list[str] = []
    duration = decoded.duration_s
    expected = min(duration, max_seconds)
    if decoded.seconds < expected - max(1.0, 0.1 * expected):
        if decoded.offset_s > 0:  # the middle is missing: take what decodes from the start
            decoded = decode(path, max_seconds=max_seconds, offset=0.0)
        if not len(decoded.samples):
            raise DecodeError("not audio / cannot decode (no audio data)")
        if decoded.seconds < min(duration, max_seconds) - 1.0:  # reading stopped early: that is the end
            notes.append(
                f"truncated or damaged: {_seconds(decoded.seconds)} of the {_seconds(duration)} its header "
                "promises decode; analysed that"
            )
            duration = decoded.seconds
        else:
            notes.append(
                f"damaged: its middle does not decode; analysed the first {_seconds(decoded.seconds)} "
                f"(duration {_seconds(duration)} from its header, may be wrong)"
            )
    elif not len(decoded.samples):
        raise DecodeError("not audio / cannot decode (no audio data)")
    if duration > LONG_FILE_SECONDS:
        notes.append(f"long file ({_seconds(duration)}): analysed {_seconds(decoded.seconds)} from its middle")
    return analyse_signal(decoded.samples, decoded.sr, duration_s=duration), notes
