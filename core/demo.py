"""A built-in demo catalog, so the app always has something to explore.

600 songs in five seeded groups with plausible audio features; every title says it
is demo data, and the Catalog is flagged ``is_demo`` so pages can say so too.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from core.catalog import Catalog, catalog_from_frame, clusterable, load_catalog
from core.errors import DatasetError
from core.features import DEFAULT_FEATURES
from core.prepared import load_prepared

log = logging.getLogger(__name__)
#: The prepared copies' folder inside the cache folder (a local file cache, one per host).
PREPARED_FOLDER = "prepared"

#: Group centres in raw units: acousticness, danceability, duration_ms, energy,
#: instrumentalness, liveness, loudness, speechiness, tempo, valence.
_GROUPS = {
    "Club": (0.05, 0.80, 200_000, 0.85, 0.30, 0.15, -5.0, 0.06, 126.0, 0.55),
    "Acoustic": (0.85, 0.50, 210_000, 0.25, 0.05, 0.12, -13.0, 0.04, 100.0, 0.40),
    "Rap": (0.15, 0.82, 190_000, 0.65, 0.01, 0.20, -6.5, 0.30, 95.0, 0.50),
    "Ambient": (0.70, 0.30, 320_000, 0.20, 0.85, 0.10, -18.0, 0.04, 80.0, 0.15),
    "Rock": (0.03, 0.45, 240_000, 0.90, 0.10, 0.35, -4.5, 0.07, 145.0, 0.45),
}
_SPREAD = (0.05, 0.06, 25_000, 0.06, 0.08, 0.05, 1.5, 0.03, 8.0, 0.12)
_BOUNDS = [(0, 1), (0, 1), (60_000, 600_000), (0, 1), (0, 1), (0, 1), (-40, 0), (0, 1), (50, 220), (0, 1)]


def demo_catalog(songs_per_group: int = 120, seed: int = 7) -> Catalog:
    """The demo catalog: 5 groups × ``songs_per_group`` songs, same output for the same seed."""
    rng = np.random.default_rng(seed)
    frames = []
    for g, (group, centre) in enumerate(_GROUPS.items()):
        values = rng.normal(centre, _SPREAD, size=(songs_per_group, len(DEFAULT_FEATURES)))
        for j, (lo, hi) in enumerate(_BOUNDS):
            values[:, j] = np.clip(values[:, j], lo, hi)
        frame = pd.DataFrame(values, columns=list(DEFAULT_FEATURES))
        frame.insert(0, "id", [f"demo-{g}{i:04d}" for i in range(songs_per_group)])
        frame.insert(1, "title", [f"Demo {group} song {i + 1}" for i in range(songs_per_group)])
        frame.insert(2, "artist", [f"Demo artist {group} {i % 12 + 1}" for i in range(songs_per_group)])
        frames.append(frame)
    return catalog_from_frame(pd.concat(frames, ignore_index=True), source="built-in demo data", is_demo=True)


def catalog_or_demo(path: Path, cache_dir: Path | None = None) -> tuple[Catalog, list[str]]:
    """The dataset at ``path``, or the demo catalog with a notice saying why. The notice is
    shown to every visitor, so it names the file, never the folder it was looked for in
    (the log has the full path).

    With ``cache_dir`` (the settings' cache folder), the dataset is read from its prepared
    copy in ``<cache_dir>/prepared``, written first if needed (core.prepared): the same
    catalog, in a fraction of the time, its arrays shared by every process of the host."""
    if not path.exists():
        log.warning("no dataset at %s: serving the demo catalog", path)
        return demo_catalog(), [
            f"No dataset file {path.name!r} was found (run `make data` or set AUDIOSPACE_DATA): "
            "showing built-in demo data."
        ]
    try:
        loaded = load_catalog(path) if cache_dir is None else load_prepared(path, cache_dir / PREPARED_FOLDER)
        return clusterable(loaded), []
    except DatasetError as exc:
        log.warning("the dataset at %s cannot be served: %s", path, exc)
        return demo_catalog(), [f"{exc} Showing built-in demo data instead."]
