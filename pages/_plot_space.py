"""Where the explorer draws songs: a PCA sample or a t-SNE/UMAP embedding (pages.explorer).

Kept out of the page module because Dash executes page modules without registering
them, and a dataclass needs its module registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from app.context import AppContext
from core.query import ViewQuery

DISPLAY_MAX = 20_000
#: The feature-pair scatter is SVG: it draws a seeded sample of this many of the shown songs.
PAIR_MAX = 4_000
PROJECTION_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


@lru_cache(maxsize=4)
def display_rows(n_songs: int, seed: int) -> np.ndarray:
    """Positions of the songs drawn in PCA: all up to DISPLAY_MAX, else a seeded sorted sample."""
    if n_songs <= DISPLAY_MAX:
        return np.arange(n_songs)
    return np.sort(np.random.default_rng(seed).choice(n_songs, DISPLAY_MAX, replace=False))


@lru_cache(maxsize=4)
def pair_rows(n_songs: int, seed: int) -> np.ndarray:
    """Positions of the songs in the feature-pair scatter (a subset of display_rows)."""
    shown = display_rows(n_songs, seed)
    if len(shown) <= PAIR_MAX:
        return shown
    return np.sort(np.random.default_rng(seed + 1).choice(shown, PAIR_MAX, replace=False))


@dataclass(frozen=True)
class PlotSpace:
    """What the main plot draws: catalog ``rows`` (sorted) at ``coords`` (len(rows), 3).

    ``every_song`` holds coordinates for all songs when the projection has them (PCA),
    so a selected song outside the drawn sample can still be ringed.
    """

    rows: np.ndarray
    coords: np.ndarray
    axis_titles: tuple[str, str, str]
    mode: str
    note: str
    every_song: np.ndarray | None = None

    def coords_of(self, rows: list[int]) -> np.ndarray:
        """Coordinates (m, 3) of those of ``rows`` this space has, in their order."""
        if self.every_song is not None:
            return self.every_song[rows]
        positions = np.searchsorted(self.rows, rows)
        found = [p for p, row in zip(positions, rows, strict=True) if p < len(self.rows) and self.rows[p] == row]
        return self.coords[found].reshape(-1, 3)

    def has(self, row: int) -> bool:
        return self.every_song is not None or len(self.coords_of([row])) == 1


def plot_space(context: AppContext, query: ViewQuery) -> PlotSpace:
    n = len(context.engine.catalog)
    params = context.params(query)
    if query.proj == "pca":
        projection = context.engine.projection(params)
        rows = display_rows(n, context.settings.seed)
        variance = projection.explained_variance
        note = (
            f"The axes are one PCA of the scaled features: they show {variance.sum():.0%} of the variance "
            f"(PC1 {variance[0]:.0%}, PC2 {variance[1]:.0%}, PC3 {variance[2]:.0%})."
        )
        if n > DISPLAY_MAX:
            note += f" Showing a fixed sample of {DISPLAY_MAX:,} of {n:,} songs."
        titles = tuple(f"PC{i + 1} ({v:.0%} of variance)" for i, v in enumerate(variance))
        return PlotSpace(rows, projection.coords[rows], titles, query.view, note, projection.coords)
    embedding = context.engine.embedding(params, query.proj)
    name = PROJECTION_NAMES[query.proj]
    coords = np.column_stack([embedding.coords, np.zeros(len(embedding.rows), dtype=np.float32)])
    note = (
        f"{name} of the scaled features, for looking only: clusters and neighbours are computed in the full "
        f"feature space, and distances between far-apart groups in {name} mean little."
    )
    if len(embedding.rows) < n:
        note += f" {name} shows a fixed sample of {len(embedding.rows):,} of {n:,} songs."
    return PlotSpace(embedding.rows, coords, (f"{name} 1", f"{name} 2", ""), "2d", note)
