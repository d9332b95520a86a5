"""Where the map lies: how well a 2-D or 3-D view keeps each song's real neighbours.

A projection (PCA, t-SNE, UMAP) squeezes the scaled feature space into two or three
axes. Two measures, both with ``NEIGHBOURS`` = 10 neighbours, Euclidean in both spaces:

- per song, **neighbourhood preservation**: the share of its 10 nearest songs in the full
  scaled feature space that are also among its 10 nearest in the view (0–1; a song is
  never its own neighbour). Neighbours are searched among the songs of the view (a t-SNE
  map of a sample: among that sample), with scikit-learn's ``NearestNeighbors``. Above
  ``PRESERVATION_SAMPLE`` songs it is computed for a seeded sample of that many songs
  (``core.clustering.sample_rows`` with the engine's seed: the same songs the explorer
  draws of a large PCA view), their neighbours still searched among every song of the view.
- overall, scikit-learn's ``trustworthiness`` (Venna & Kaski): 1 when every song's
  nearest songs in the view are also near in the feature space, lower as the view brings
  far songs together. It needs every pairwise distance, so it is computed on a seeded
  sample of at most ``TRUST_SAMPLE`` songs of the view (neighbours within that sample).

A song is flagged (``song_note``) when its preservation is below ``LOW_PRESERVATION`` =
0.2, i.e. at most 1 of its 10 real neighbours is among its 10 nearest in the view, little
better than chance (10 / songs each, 0.005 at 2,000 songs): where it sits in the picture
then says little about which songs it is like. On the reference data (2,014 songs, ten
features) that flags 50 % of songs in the 3-D PCA view, 80 % in 2-D, 14 % in UMAP and
3 % in t-SNE: PCA keeps the big picture (trustworthiness 0.87 in 3-D), not each song's
neighbourhood.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.manifold import trustworthiness
from sklearn.neighbors import NearestNeighbors

from core.clustering import fit_threads, sample_rows

NEIGHBOURS = 10
PRESERVATION_SAMPLE = 20_000
TRUST_SAMPLE = 5_000
LOW_PRESERVATION = 0.2


@dataclass(frozen=True)
class MapTrust:
    """How far a view can be trusted. ``rows`` (m,) sorted catalog positions of the songs with a
    per-song value; ``preservation`` (m,) float32, 0–1, for each of them. ``trustworthiness`` is
    overall (0–1) on ``trust_songs`` songs of the view; ``songs`` are in the view.
    ``description`` says what was measured, in words."""

    view: str
    rows: np.ndarray
    preservation: np.ndarray
    trustworthiness: float
    trust_songs: int
    songs: int
    neighbours: int
    description: str
    seconds: float

    @property
    def mean_preservation(self) -> float:
        return float(self.preservation.mean()) if len(self.preservation) else float("nan")

    @property
    def low_share(self) -> float:
        """Share of the measured songs whose preservation is below LOW_PRESERVATION."""
        return float((self.preservation < LOW_PRESERVATION).mean()) if len(self.preservation) else float("nan")

    def of_row(self, row: int) -> float | None:
        """Preservation of the song at catalog position ``row``; None when it was not measured."""
        at = int(np.searchsorted(self.rows, row))
        return float(self.preservation[at]) if at < len(self.rows) and self.rows[at] == row else None

    def note(self, row: int) -> str | None:
        """``song_note`` for the song at catalog position ``row`` (None when fine or not measured)."""
        value = self.of_row(row)
        return None if value is None else song_note(value, self.neighbours)


def song_note(preservation: float, neighbours: int = NEIGHBOURS) -> str | None:
    """A sentence for a song whose preservation (0–1, of ``neighbours``) is below LOW_PRESERVATION,
    else None."""
    if preservation >= LOW_PRESERVATION:
        return None
    kept = round(preservation * neighbours)
    share = "None" if kept == 0 else f"Only {kept}"
    return (
        f"{share} of this song's {neighbours} nearest songs in the full feature space "
        f"{'is' if kept <= 1 else 'are'} among its {neighbours} nearest in this view: its real neighbours "
        "are spread out here, so judge them from the neighbour list, not the picture."
    )


def _neighbours(points: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """(q, k) positions in ``points`` of the k nearest to points[queries], each query left out of
    its own list (also when exact duplicates tie with it)."""
    _, found = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points[queries])
    not_self = found != queries[:, None]
    keep = np.argsort(~not_self, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(found, keep, axis=1)


def overlap_share(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, the share of a's entries that are in b's: a and b are (q, k), no repeats in a row."""
    both = np.sort(np.concatenate([a, b], axis=1), axis=1)
    return (both[:, 1:] == both[:, :-1]).sum(axis=1) / a.shape[1]


def preservation(X: np.ndarray, coords: np.ndarray, queries: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """Neighbourhood preservation (q,) of the songs at positions ``queries`` (q,): X (m, f) scaled
    features and coords (m, d) the view, rows matched."""
    return overlap_share(_neighbours(X, queries, k), _neighbours(coords, queries, k)).astype(np.float32)


def map_trust(X: np.ndarray, coords: np.ndarray, view: str, seed: int, rows: np.ndarray | None = None) -> MapTrust:
    """How well ``coords`` (m, d) keeps the neighbourhoods of the scaled features ``X`` (n, f).

    ``rows`` (m,) sorted catalog positions of the songs in the view (None: every song, m = n);
    ``view`` names it in words ("PCA 3D"). Samples are seeded by ``seed``.
    """
    started = time.perf_counter()
    rows = np.arange(len(X)) if rows is None else np.asarray(rows)
    features = X[rows]
    m = len(rows)
    k = min(NEIGHBOURS, m - 2)
    queries = sample_rows(m, PRESERVATION_SAMPLE, seed)
    trusted = sample_rows(m, TRUST_SAMPLE, seed)
    with fit_threads():
        kept = preservation(features, coords, queries, k)
        trust = float(trustworthiness(features[trusted], coords[trusted], n_neighbors=min(k, (len(trusted) - 1) // 2)))
    measured = f"all {m:,} songs" if len(queries) == m else f"a seeded sample of {len(queries):,} of its {m:,}"
    trust_on = "the same songs" if len(trusted) == m else f"a seeded sample of {len(trusted):,} songs"
    return MapTrust(
        view=view,
        rows=rows[queries],
        preservation=kept,
        trustworthiness=trust,
        trust_songs=len(trusted),
        songs=m,
        neighbours=k,
        description=(
            f"{view}: per song ({measured}), the share of its {k} nearest songs in the full feature space that are "
            f"also among its {k} nearest in this view; trustworthiness on {trust_on}."
        ),
        seconds=time.perf_counter() - started,
    )
