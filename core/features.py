"""The audio features the engine knows: names, plain-words labels and units.

The default clustering set is the ten features the original Streamlit app used.
``duration_ms`` is always milliseconds inside the engine, whatever the file said.
"""

from __future__ import annotations

import math

DEFAULT_FEATURES: tuple[str, ...] = (
    "acousticness",
    "danceability",
    "duration_ms",
    "energy",
    "instrumentalness",
    "liveness",
    "loudness",
    "speechiness",
    "tempo",
    "valence",
)

#: Lower-case label used inside sentences ("High energy · Low acousticness").
FEATURE_LABELS: dict[str, str] = {
    "acousticness": "acousticness",
    "danceability": "danceability",
    "duration_ms": "duration",
    "energy": "energy",
    "instrumentalness": "instrumentalness",
    "liveness": "liveness",
    "loudness": "loudness",
    "speechiness": "speechiness",
    "tempo": "tempo",
    "valence": "valence",
    # Computed from audio files by core.audio (see AUDIO_FEATURE_DEFINITIONS).
    "key": "key",
    "mode": "mode",
    "beat_strength": "beat strength",
    "onset_rate": "onset rate",
    "brightness": "brightness",
    "percussive_ratio": "percussive share",
    "dynamic_range": "dynamic range",
    "tonal_clarity": "tonal clarity",
}

#: The values a feature can physically take (inclusive), generous enough for every real
#: catalog we know (Spotify's loudness reaches about +5 dB, tempo 0 marks silence, a mix
#: can last hours). A row outside them is a broken export (1e308, inf, a duration in
#: years) and is dropped at load: one such value would otherwise overflow the scaling
#: and empty every view.
FEATURE_RANGES: dict[str, tuple[float, float]] = {
    "acousticness": (0.0, 1.0),
    "danceability": (0.0, 1.0),
    "duration_ms": (0.0, 7 * 24 * 3600 * 1000.0),
    "energy": (0.0, 1.0),
    "instrumentalness": (0.0, 1.0),
    "liveness": (0.0, 1.0),
    "loudness": (-100.0, 20.0),
    "speechiness": (0.0, 1.0),
    "tempo": (0.0, 1000.0),
    "valence": (0.0, 1.0),
    "key": (-1.0, 11.0),  # Spotify writes -1 for "no key detected"; core.audio always gives 0..11
    "mode": (0.0, 1.0),
    "beat_strength": (0.0, 1.0),
    "onset_rate": (0.0, 100.0),
    "brightness": (0.0, 24_000.0),
    "percussive_ratio": (0.0, 1.0),
    "dynamic_range": (0.0, 100.0),
    "tonal_clarity": (-1.0, 1.0),
}

#: Unit shown next to raw values; features without one are 0..1 scores.
FEATURE_UNITS: dict[str, str] = {
    "duration_ms": "ms",
    "loudness": "dB",
    "tempo": "BPM",
    "onset_rate": "/s",
    "brightness": "Hz",
    "dynamic_range": "dB",
}

#: The columns core.audio computes from audio files, in the order it writes them. tempo, loudness,
#: duration_ms, key and mode measure what Spotify's columns of those names measure; the others are
#: descriptors of their own (never stand-ins for valence, danceability, ...).
AUDIO_FEATURES: tuple[str, ...] = (
    "tempo",
    "loudness",
    "duration_ms",
    "key",
    "mode",
    "beat_strength",
    "onset_rate",
    "brightness",
    "percussive_ratio",
    "dynamic_range",
    "tonal_clarity",
)

#: The audio features worth clustering on by default: key (a pitch class, 0 and 11 are neighbours)
#: and mode (0/1) are kept in the table but make poor distances.
AUDIO_CLUSTER_FEATURES: tuple[str, ...] = tuple(f for f in AUDIO_FEATURES if f not in ("key", "mode"))

#: Every feature a catalog file may have, by name: Spotify's ten, then the descriptors computed
#: from audio (`python -m core extract`) that Spotify has no column for.
KNOWN_FEATURES: tuple[str, ...] = DEFAULT_FEATURES + tuple(
    f for f in AUDIO_CLUSTER_FEATURES if f not in DEFAULT_FEATURES
)

#: feature -> (how core.audio computes it, unit and range, closest Spotify column or "none").
#: The analysis runs on at most core.audio.decode.ANALYSIS_SECONDS (60 s) from the middle of the
#: file, mono, 22,050 Hz; duration_ms is the whole file's.
AUDIO_FEATURE_DEFINITIONS: dict[str, tuple[str, str, str]] = {
    "tempo": (
        "beats per minute of librosa's beat tracker (dynamic programming on the onset-strength envelope), "
        "refined as 60 / the mean of the inter-beat intervals within 15 % of their median; 0 when the "
        "window has fewer than 4 onsets (no beat to follow)",
        "BPM, 0-1000 (music: 40-250)",
        "tempo (same measure)",
    ),
    "loudness": (
        "integrated loudness, ITU-R BS.1770-4 (K-weighted, gated), pyloudnorm",
        "LUFS (dB), about -70 to 0",
        "loudness (same measure; Spotify's is also an integrated dB figure)",
    ),
    "duration_ms": ("length of the whole file, from its header", "ms", "duration_ms (same measure)"),
    "key": (
        "pitch class of the best of the 24 Krumhansl-Kessler key profiles correlated with the mean "
        "constant-Q chroma (0 = C, 1 = C#, ... 11 = B); trust it as far as tonal_clarity says",
        "0-11",
        "key (same measure)",
    ),
    "mode": ("1 when the best key profile is major, 0 when minor", "0 or 1", "mode (same measure)"),
    "beat_strength": (
        "pulse clarity: the highest normalised autocorrelation of the onset-strength envelope (above "
        "1 dB) at a lag between 0.25 s and 1.5 s (40-240 BPM); 1 = a perfectly regular pulse, 0 = none",
        "0-1",
        "danceability (in part: Spotify's mixes beat strength with tempo and regularity)",
    ),
    "onset_rate": (
        "note and drum onsets per second: peaks of librosa's onset-strength envelope (mean rise of "
        "the mel bands, dB) at least 1 dB above their local average",
        "onsets/s, 0-100 (music: 0-10)",
        "none (relates to energy)",
    ),
    "brightness": (
        "spectral centroid of the window's average magnitude spectrum",
        "Hz, 0-11,025",
        "none (bright, noisy mixes score high on energy; dark, soft ones on acousticness)",
    ),
    "percussive_ratio": (
        "percussive share of spectral energy after harmonic/percussive separation (median filtering, "
        "Fitzgerald 2010): percussive / (harmonic + percussive)",
        "0-1",
        "none (drum-heavy tracks are low on acousticness and instrumental-ambient ones are low here)",
    ),
    "dynamic_range": (
        "loudness range: 95th minus 10th percentile of 3-second RMS levels (1-s hop), gated at -70 dB "
        "and 20 dB below the mean as in EBU R128 LRA, but without K-weighting; 0 under 3 s",
        "dB, 0-100 (pop: 3-8, classical: 10-25)",
        "none (Spotify has no dynamics column; compressed masters score high on energy)",
    ),
    "tonal_clarity": (
        "mean Pearson correlation of 2-second segments' constant-Q chroma with the song's key profile: "
        "how clearly and steadily the music sits in one key",
        "-1 to 1 (noise and drums: near 0; tonal music: 0.5-0.9)",
        "none (the confidence Spotify's audio analysis gives for key)",
    ),
}


def feature_label(feature: str) -> str:
    """Lower-case plain-words name of a feature (unknown names pass through)."""
    return FEATURE_LABELS.get(feature, feature.replace("_", " "))


def feature_title(feature: str) -> str:
    """Axis/column title: capitalised label with its unit, e.g. ``Tempo (BPM)``."""
    label = feature_label(feature).capitalize()
    unit = FEATURE_UNITS.get(feature)
    return f"{label} ({unit})" if unit else label


def format_value(feature: str, value: float, with_unit: bool = False) -> str:
    """A raw value as people read it, never in scientific notation: a duration as m:ss
    (h:mm:ss past the hour), tempo in whole BPM, loudness in dB to one decimal, a 0–1 score
    to two decimals, a feature this module does not know to two decimals with thousands
    separators; "–" when not finite. ``with_unit`` adds the unit (" BPM", " dB")."""
    if not math.isfinite(value):
        return "–"
    if feature == "duration_ms":
        seconds = round(value / 1000)
        hours, rest = divmod(seconds, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    digits = 0 if feature == "tempo" else 1 if feature == "loudness" else 2
    rounded = round(value, digits) + 0.0  # + 0.0: never "-0.0"
    text = f"{rounded:.{digits}f}" if feature in FEATURE_RANGES else f"{rounded:,.{digits}f}"
    unit = FEATURE_UNITS.get(feature) if with_unit else None
    return f"{text} {unit}" if unit else text
