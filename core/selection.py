"""A region of a map, chosen with the box or lasso: what is in it, and taking it away.

The songs a person selects are described the way a cluster is (core.clustering's
profiles): per feature, how far the selection's mean is from the whole catalog's, in the
catalog's standard deviations; and which clusters the selection spans. It leaves as a CSV
(core.export, formulas neutralised) or as a playlist of Spotify track URIs where the
catalog's ids are Spotify ids (22 base-62 characters, as the loader keeps them from
``spotify:track:…`` URIs and open.spotify.com links).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from core.catalog import Catalog
from core.clustering import describe

#: A Spotify track id: what follows ``spotify:track:`` in a URI.
SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")
#: Most songs a selection holds (a lasso over a 1M-song map sends at most the drawn sample).
MAX_SELECTED = 200_000


@dataclass(frozen=True)
class Selection:
    """``rows`` (m,) sorted catalog positions; ``clusters`` (cluster, songs) pairs, largest
    first, noise as −1; ``zscores`` per feature: (selection mean − catalog mean) / catalog
    standard deviation, raw units; ``description`` those z-scores in words."""

    rows: np.ndarray
    clusters: tuple[tuple[int, int], ...]
    zscores: dict[str, float]
    description: str

    @property
    def size(self) -> int:
        return len(self.rows)


def selected_rows(catalog: Catalog, song_ids: Iterable[object]) -> np.ndarray:
    """Sorted, distinct catalog positions of the ids that are songs of ``catalog`` (others,
    and anything past MAX_SELECTED, are ignored: the ids come from the browser)."""
    rows = set()
    for song_id in song_ids:
        if len(rows) >= MAX_SELECTED:
            break
        row = catalog.row_of(str(song_id)) if isinstance(song_id, str | int) else None
        if row is not None:
            rows.add(row)
    return np.array(sorted(rows), dtype=np.int64)


def describe_selection(catalog: Catalog, labels: np.ndarray, features: tuple[str, ...], rows: np.ndarray) -> Selection:
    """The selection ``rows`` (non-empty) against the catalog, over ``features``; ``labels`` (n,)."""
    raw = catalog.songs[list(features)].to_numpy(dtype=float)
    spread = raw.std(axis=0)
    z = (raw[rows].mean(axis=0) - raw.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    zscores = {feature: float(value) for feature, value in zip(features, z, strict=True)}
    found, counts = np.unique(labels[rows], return_counts=True)
    order = sorted(zip(found.tolist(), counts.tolist(), strict=True), key=lambda pair: (-pair[1], pair[0]))
    return Selection(
        rows=rows,
        clusters=tuple((int(cluster), int(count)) for cluster, count in order),
        zscores=zscores,
        description=describe(zscores),
    )


def spotify_uris(catalog: Catalog, rows: np.ndarray) -> list[str]:
    """``spotify:track:<id>`` for each selected song whose id is a Spotify track id, in order."""
    ids = catalog.songs["id"].iloc[rows].astype(str)
    return [f"spotify:track:{song_id}" for song_id in ids if SPOTIFY_ID.match(song_id)]
