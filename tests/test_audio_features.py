"""core.audio.features on signals with known properties: tempo, loudness, key, silence, noise."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("librosa")
pytest.importorskip("pyloudnorm")

from core.audio import synth
from core.audio.features import AnalysisError, analyse_signal
from core.features import (
    AUDIO_CLUSTER_FEATURES,
    AUDIO_FEATURE_DEFINITIONS,
    AUDIO_FEATURES,
    FEATURE_LABELS,
    FEATURE_RANGES,
    FEATURE_UNITS,
    feature_title,
)

SR = 22_050


@pytest.mark.parametrize("bpm", [90, 120, 150])
def test_click_track_tempo_within_two_percent(bpm: float) -> None:
    """A click track at a known tempo comes back within 2 % (no octave error at 90, 120, 150),
    with a clear pulse and one onset per click."""
    features = analyse_signal(synth.click_track(bpm, 30), SR)
    assert features["tempo"] == pytest.approx(bpm, rel=0.02)
    assert features["beat_strength"] > 0.8
    assert features["onset_rate"] == pytest.approx(bpm / 60, rel=0.1)
    assert features["percussive_ratio"] > 0.8


@pytest.mark.parametrize("amplitude", [1.0, 0.5, 0.1, 0.01])
def test_sine_loudness_within_one_db_of_expected_lufs(amplitude: float) -> None:
    """A 997 Hz sine of peak amplitude A is -3.01 + 20·log10(A) LUFS (BS.1770's reference)."""
    features = analyse_signal(synth.tone(997, 10, amplitude=amplitude), SR)
    assert features["loudness"] == pytest.approx(-3.01 + 20 * math.log10(amplitude), abs=1.0)
    assert features["brightness"] == pytest.approx(997, rel=0.02)
    assert features["tempo"] == 0.0  # a steady tone has no beat
    assert features["beat_strength"] == 0.0
    assert features["duration_ms"] == pytest.approx(10_000)


def test_silence_fails_as_silent() -> None:
    with pytest.raises(AnalysisError, match=r"^silent$"):
        analyse_signal(np.zeros(SR * 5, np.float32), SR)
    with pytest.raises(AnalysisError, match=r"^silent$"):
        analyse_signal(np.full(SR * 5, 1e-6, np.float32), SR)


def test_short_signal_fails_with_its_length() -> None:
    with pytest.raises(AnalysisError, match=r"too short \(0\.2 s"):
        analyse_signal(synth.noise(0.2), SR)


def test_white_noise_is_bright_pulseless_and_keyless() -> None:
    """As documented: a row, brightness near sr/4 (5.5 kHz), no pulse, no key worth the name,
    about half its energy percussive, hardly any onsets."""
    noise = analyse_signal(synth.noise(30, level=0.1), SR)
    assert set(noise) == set(AUDIO_FEATURES)
    assert 4500 < noise["brightness"] < 6500
    assert noise["beat_strength"] < 0.2
    assert noise["tonal_clarity"] < 0.3
    assert 0.3 < noise["percussive_ratio"] < 0.7
    assert noise["onset_rate"] < 0.5
    assert noise["dynamic_range"] < 1.0


@pytest.mark.parametrize(("minor", "root", "key", "mode"), [(False, 0, 0, 1), (True, 9, 9, 0), (False, 7, 7, 1)])
def test_chord_progressions_give_their_key_and_mode(minor: bool, root: int, key: int, mode: int) -> None:
    """I-IV-V-I in C major, A minor and G major come back as key 0/9/7 and mode 1/0/1, tonal."""
    features = analyse_signal(synth.song(30, minor=minor, root=root, drums=0), SR)
    assert (features["key"], features["mode"]) == (key, mode)
    assert features["tonal_clarity"] > 0.5


def test_song_features_stay_in_their_ranges_and_are_ordered() -> None:
    features = analyse_signal(synth.song(20, bpm=128), SR)
    assert list(features) == list(AUDIO_FEATURES)
    for name, value in features.items():
        low, high = FEATURE_RANGES[name]
        assert low <= value <= high, name
    assert features["tempo"] == pytest.approx(128, rel=0.02)


def test_every_audio_feature_is_documented() -> None:
    """Label, range and definition for each; units where they have one; key/mode not clustered by default."""
    for name in AUDIO_FEATURES:
        assert name in FEATURE_LABELS and name in FEATURE_RANGES
        definition, unit, spotify = AUDIO_FEATURE_DEFINITIONS[name]
        assert definition and unit and spotify
    assert set(AUDIO_FEATURE_DEFINITIONS) == set(AUDIO_FEATURES)
    assert feature_title("brightness") == "Brightness (Hz)" and FEATURE_UNITS["onset_rate"] == "/s"
    assert "key" not in AUDIO_CLUSTER_FEATURES and "tempo" in AUDIO_CLUSTER_FEATURES
    assert not {"valence", "danceability", "energy"} & set(AUDIO_FEATURES)
