"""The audio features the engine knows: names, plain-words labels and units.

The default clustering set is the ten features the original Streamlit app used.
``duration_ms`` is always milliseconds inside the engine, whatever the file said.
"""

from __future__ import annotations

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
