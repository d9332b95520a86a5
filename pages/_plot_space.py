"""Where the explorer draws songs: a PCA sample or a t-SNE/UMAP embedding (pages.explorer).

Kept out of the page module because Dash executes page modules without registering
them, and a dataclass needs its module registered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.context import ResolvedView
from core.clustering import sample_rows
from core.query import PROJECTIONS

DISPLAY_MAX = 20_000
#: The feature-pair scatter is SVG: it draws a seeded sample of this many of the shown songs.
PAIR_MAX = 4_000


def display_rows(n_songs: int, seed: int) -> np.ndarray:
    """Positions of the songs drawn in PCA: all up to DISPLAY_MAX, else a seeded sorted sample."""
    return sample_rows(n_songs, DISPLAY_MAX, seed)


def pair_rows(n_songs: int, seed: int) -> np.ndarray:
    """Positions of the songs in the feature-pair scatter (a subset of display_rows)."""
    shown = display_rows(n_songs, seed)
    return shown[sample_rows(len(shown), PAIR_MAX, seed + 1)]


@dataclass(frozen=True)
class PlotSpace:
    """What the main plot draws: catalog ``rows`` (sorted) at ``coords`` (len(rows), 3).

    ``every_song`` (n_songs, 3) holds every song's coordinates (PCA, and t-SNE/UMAP maps,
    which place every song), so a selected song outside the drawn sample can still be ringed.
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


def plot_space(view: ResolvedView) -> PlotSpace:
    """The songs the explorer's main plot draws for ``view`` and where."""
    n = len(view.catalog)
    query = view.query
    if query.proj == "pca":
        projection = view.projection
        rows = display_rows(n, view.params.seed)
        variance = projection.explained_variance
        note = (
            f"The axes are one PCA of the scaled features: they show {variance.sum():.0%} of the variance "
            f"(PC1 {variance[0]:.0%}, PC2 {variance[1]:.0%}, PC3 {variance[2]:.0%})."
        )
        if n > DISPLAY_MAX:
            note += f" Showing a fixed sample of {DISPLAY_MAX:,} of {n:,} songs."
        titles = tuple(f"PC{i + 1} ({v:.0%} of variance)" for i, v in enumerate(variance))
        return PlotSpace(rows, projection.coords[rows], titles, query.view, note, projection.coords)
    embedding = view.engine.embedding(view.params, query.proj)
    name = PROJECTIONS[query.proj]
    every_song = np.column_stack([embedding.coords, np.zeros(len(embedding.coords), dtype=np.float32)])
    rows = display_rows(n, view.params.seed)
    note = f"{embedding.description} Computed once, in {embedding.seconds:.1f} s."
    if n > DISPLAY_MAX:
        note += f" Showing a fixed sample of {DISPLAY_MAX:,} of {n:,} songs."
    return PlotSpace(rows, every_song[rows], (f"{name} 1", f"{name} 2", ""), "2d", note, every_song)
