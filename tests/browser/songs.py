"""Generated test data for the browser tests: a small catalog with known, checkable songs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from core.features import DEFAULT_FEATURES, FEATURE_RANGES

FEATURES = DEFAULT_FEATURES
#: Four far-apart groups (raw units, in FEATURES order) so clusters are unambiguous.
GROUPS = {
    "Club": (0.05, 0.85, 200_000, 0.90, 0.05, 0.15, -4.0, 0.05, 128.0, 0.80),
    "Acoustic": (0.90, 0.40, 210_000, 0.20, 0.05, 0.10, -14.0, 0.04, 90.0, 0.30),
    "Ambient": (0.70, 0.20, 360_000, 0.10, 0.90, 0.10, -22.0, 0.04, 70.0, 0.10),
    "Rap": (0.10, 0.80, 190_000, 0.60, 0.01, 0.30, -6.0, 0.40, 95.0, 0.50),
}
SPREAD = (0.03, 0.03, 10_000, 0.03, 0.03, 0.03, 1.0, 0.02, 4.0, 0.04)
PER_GROUP = 75
PREVIEW_PREFIX = "https://p.scdn.co/mp3-preview/abc"


class Known:
    """Songs the tests look for by id; titles are what the page must show verbatim."""

    beyonce = "s0003"
    bold = "s0010"
    bold_title = "<b>bold</b>"
    #: The bold-titled Club song is a little longer than any other Club song, so it stands
    #: alone in a duration × tempo scatter (its hover label can be checked) without being
    #: far enough out to become a cluster of its own.
    bold_duration_ms = 260_000
    #: In catalog order: anywhere match, word-prefix match, title-prefix match for "star".
    lodestar = "s0020"
    little_star = "s0021"
    starlight = "s0022"
    #: A Club song: Club songs have previews.
    with_preview = "s0030"


def song_id(index: int) -> str:
    return f"s{index:04d}"


def write_catalog_csv(path: Path, seed: int = 3) -> Path:
    """Write 300 songs in four well separated groups to ``path`` (UTF-8 CSV) and return it.

    Club songs carry an allow-listed Spotify preview URL; the others have none.
    """
    rng = np.random.default_rng(seed)
    special_titles = {
        Known.bold: Known.bold_title,
        Known.lodestar: "Lodestar",
        Known.little_star: "Little Star",
        Known.starlight: "Starlight",
    }
    rows = []
    index = 0
    for group, centre in GROUPS.items():
        values = rng.normal(centre, SPREAD, size=(PER_GROUP, len(FEATURES)))
        values = np.clip(values, *np.array([FEATURE_RANGES[f] for f in FEATURES]).T)  # 0..1 scores stay so
        for i in range(PER_GROUP):
            sid = song_id(index)
            artist = "Beyoncé" if sid == Known.beyonce else f"{group} Band {i % 7 + 1}"
            row = {
                "id": sid,
                "song_title": special_titles.get(sid, f"{group} Tune {i + 1}"),
                "artist": artist,
                "preview_url": f"{PREVIEW_PREFIX}{index:04d}" if group == "Club" else "",
            }
            row.update({f: f"{v:.6g}" for f, v in zip(FEATURES, values[i], strict=True)})
            if sid == Known.bold:
                row["duration_ms"] = str(Known.bold_duration_ms)
            rows.append(row)
            index += 1
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "song_title", "artist", "preview_url", *FEATURES])
        writer.writeheader()
        writer.writerows(rows)
    return path
