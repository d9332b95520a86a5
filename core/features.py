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
}

#: Unit shown next to raw values; features without one are 0..1 scores.
FEATURE_UNITS: dict[str, str] = {"duration_ms": "ms", "loudness": "dB", "tempo": "BPM"}


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
