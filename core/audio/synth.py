"""Synthetic audio with known properties, for tests, benchmarks and demos (numpy only).

Every function returns mono float32 in [-1, 1] at ``sr`` Hz and is deterministic for a seed.
"""

from __future__ import annotations

import numpy as np

from core.audio.decode import SAMPLE_RATE

#: Equal-tempered frequencies (Hz) of the notes the chords below use.
_A4 = 440.0


def _note(semitones_from_a4: float) -> float:
    return _A4 * 2 ** (semitones_from_a4 / 12)


def click_track(
    bpm: float, seconds: float, *, sr: int = SAMPLE_RATE, level: float = 0.8, start: float = 0.1
) -> np.ndarray:
    """A click (20 ms decaying 1 kHz burst) every 60 / ``bpm`` seconds from ``start``."""
    y = np.zeros(round(seconds * sr), dtype=np.float32)
    n = round(0.02 * sr)
    t = np.arange(n) / sr
    click = (np.sin(2 * np.pi * 1000 * t) * np.exp(-t / 0.004)).astype(np.float32) * level
    for onset in np.arange(start, seconds - 0.03, 60.0 / bpm):
        i = round(onset * sr)
        y[i : i + n] += click[: len(y) - i]
    return y


def tone(frequency: float, seconds: float, *, sr: int = SAMPLE_RATE, amplitude: float = 0.5) -> np.ndarray:
    """A sine of ``amplitude`` (peak; a full-scale sine, amplitude 1, is -3.01 LUFS at 997 Hz)."""
    t = np.arange(round(seconds * sr)) / sr
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def noise(seconds: float, *, sr: int = SAMPLE_RATE, level: float = 0.1, seed: int = 0) -> np.ndarray:
    """White Gaussian noise of standard deviation ``level``, clipped to [-1, 1]."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.standard_normal(round(seconds * sr)) * level, -1, 1).astype(np.float32)


def song(
    seconds: float,
    *,
    bpm: float = 120.0,
    minor: bool = False,
    root: int = 0,
    sr: int = SAMPLE_RATE,
    seed: int = 0,
    drums: float = 0.5,
) -> np.ndarray:
    """Something musical enough for a benchmark or a clustering test: a kick-like click on every
    beat (``drums`` its level), a triad on ``root`` (semitones above C4, minor or major) changing
    every four beats through I-IV-V-I, and a little noise (hi-hat-like bursts on off-beats)."""
    rng = np.random.default_rng(seed)
    n = round(seconds * sr)
    t = np.arange(n) / sr
    y = click_track(bpm, seconds, sr=sr, level=drums) if drums > 0 else np.zeros(n, np.float32)
    third = 3 if minor else 4
    bar = 4 * 60.0 / bpm
    c4 = -9 + root  # C4 is 9 semitones below A4
    for index, degree in enumerate(np.resize([0, 5, 7, 0], int(np.ceil(seconds / bar)))):
        first, last = round(index * bar * sr), min(round((index + 1) * bar * sr), n)
        if first >= n:
            break
        part = t[first:last]
        envelope = np.minimum(1.0, (part - part[0]) * 50) * np.exp(-(part - part[0]) * 0.8)
        for interval in (0, third, 7):
            y[first:last] += (0.08 * envelope * np.sin(2 * np.pi * _note(c4 + degree + interval) * part)).astype(
                np.float32
            )
    hat = rng.standard_normal(round(0.03 * sr)).astype(np.float32) * np.exp(-np.arange(round(0.03 * sr)) / 200)
    for onset in np.arange(30.0 / bpm, seconds - 0.05, 60.0 / bpm):
        i = round(onset * sr)
        y[i : i + len(hat)] += 0.05 * hat[: n - i]
    return np.clip(y, -1, 1).astype(np.float32)
