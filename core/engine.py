"""The engine's front door: one catalog, answers from the shared cache or computed once.

Callers (pages, the command line, benchmarks) never fit anything themselves. Every
cached answer is keyed by everything that changes it (``SCHEMA_VERSION``, the
catalog fingerprint, features, scaler, algorithm, k, seed). What an Engine keeps in
process memory (scaled matrices, the search index) is derived from the catalog alone,
so it is the same in every worker.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from core.cache import ModelCache
from core.catalog import Catalog
from core.clustering import SCALERS, Clustering, check_k, cluster_kmeans, scale
from core.config import K_MIN
from core.errors import DatasetError
from core.neighbours import Neighbour, nearest_neighbours
from core.previews import Preview, preview_source, safe_preview_url
from core.projection import Projection, pca_projection
from core.search import SearchHit, SearchIndex

#: Bump when a cached value's shape or meaning changes: old entries are then ignored.
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ClusterParams:
    """Everything that changes a clustering besides the catalog."""

    k: int
    features: tuple[str, ...]
    scaler: str = "standard"
    algorithm: str = "kmeans"
    seed: int = 42

    def space_key(self) -> str:
        return f"features={','.join(self.features)}|scaler={self.scaler}|seed={self.seed}"

    def key(self) -> str:
        return f"{self.space_key()}|algo={self.algorithm}|k={self.k}"


@dataclass(frozen=True)
class Sweep:
    """Quality per K for one feature space, to justify a K: lists aligned with ``ks``."""

    ks: tuple[int, ...]
    inertia: tuple[float, ...]
    silhouette: tuple[float, ...]
    davies_bouldin: tuple[float, ...]
    calinski_harabasz: tuple[float, ...]
    silhouette_sample: int | None


class Engine:
    """Clusterings, projections, sweeps, neighbours and search over one Catalog."""

    def __init__(self, catalog: Catalog, cache: ModelCache, seed: int = 42) -> None:
        self.catalog = catalog
        self.cache = cache
        self.seed = seed
        self._scaled: dict[tuple[tuple[str, ...], str], np.ndarray] = {}
        self._search_index: SearchIndex | None = None
        self._lock = threading.Lock()

    # -- parameters -----------------------------------------------------------------
    def params(self, k: int, features: Sequence[str] | None = None, scaler: str = "standard") -> ClusterParams:
        """Validated parameters; raises DatasetError naming what is wrong.

        ``features=None`` means every feature of the catalog; an empty selection is an error.
        """
        wanted = set(self.catalog.features if features is None else features)
        chosen = tuple(f for f in self.catalog.features if f in wanted)
        unknown = sorted(wanted - set(self.catalog.features))
        if unknown:
            raise DatasetError(
                f"Unknown feature(s) {', '.join(unknown)}: this dataset has {', '.join(self.catalog.features)}."
            )
        if len(chosen) < 2:
            raise DatasetError("Choose at least two features to cluster on.")
        if scaler not in SCALERS:
            raise DatasetError(f"Unknown scaler '{scaler}': use one of {', '.join(SCALERS)}.")
        check_k(k, len(self.catalog))
        return ClusterParams(k=k, features=chosen, scaler=scaler, seed=self.seed)

    def _key(self, kind: str, body: str) -> str:
        return f"v{SCHEMA_VERSION}|{self.catalog.fingerprint}|{kind}|{body}"

    # -- feature space ----------------------------------------------------------------
    def scaled(self, features: tuple[str, ...], scaler: str) -> np.ndarray:
        """Scaled features (n_songs, len(features)), float32, memoised per process."""
        key = (features, scaler)
        with self._lock:
            if key not in self._scaled:
                if len(self._scaled) >= 4:
                    self._scaled.pop(next(iter(self._scaled)))
                self._scaled[key] = scale(self.catalog.feature_matrix(features), scaler)
            return self._scaled[key]

    # -- cached models ---------------------------------------------------------------
    def clustering_key(self, params: ClusterParams) -> str:
        return self._key("clustering", params.key())

    def clustering(self, params: ClusterParams) -> Clustering:
        """The clustering for params: from the cache, or fitted once for all workers."""

        def fit() -> Clustering:
            X = self.scaled(params.features, params.scaler)
            raw = self.catalog.feature_matrix(params.features)
            return cluster_kmeans(raw, X, params.k, params.features, params.scaler, params.seed)

        return self.cache.get_or_compute(self.clustering_key(params), fit)

    def projection(self, params: ClusterParams) -> Projection:
        """ONE 3-component PCA of params' feature space (independent of K)."""

        def fit() -> Projection:
            return pca_projection(self.scaled(params.features, params.scaler), params.features, params.seed)

        return self.cache.get_or_compute(self._key("pca", params.space_key()), fit)

    def sweep(self, params: ClusterParams, ks: Iterable[int]) -> Sweep:
        """Quality for each K in ks (those the catalog allows), fitting each K once.

        Each K's clustering is stored too, so after one sweep every K switch is a fetch.
        """
        ks = tuple(k for k in ks if K_MIN <= k < len(self.catalog))

        def run() -> Sweep:
            fits = [
                self.clustering(ClusterParams(k, params.features, params.scaler, params.algorithm, params.seed))
                for k in ks
            ]
            return Sweep(
                ks=ks,
                inertia=tuple(c.inertia for c in fits),
                silhouette=tuple(c.silhouette for c in fits),
                davies_bouldin=tuple(c.davies_bouldin for c in fits),
                calinski_harabasz=tuple(c.calinski_harabasz for c in fits),
                silhouette_sample=fits[0].silhouette_sample if fits else None,
            )

        body = f"{params.space_key()}|algo={params.algorithm}|ks={','.join(map(str, ks))}"
        return self.cache.get_or_compute(self._key("sweep", body), run)

    # -- per-song queries ----------------------------------------------------------------
    def neighbours(self, song_id: str, params: ClusterParams, n: int = 10) -> list[Neighbour]:
        """The n songs nearest to ``song_id`` in params' scaled feature space."""
        row = self.catalog.row_of(song_id)
        if row is None:
            raise DatasetError(f"There is no song with id '{song_id}' in this dataset.")
        return nearest_neighbours(self.scaled(params.features, params.scaler), row, params.features, n)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Songs whose title or artist matches ``query`` (see core.search for the ranking)."""
        with self._lock:
            if self._search_index is None:
                self._search_index = SearchIndex(self.catalog.songs["title"], self.catalog.songs["artist"])
        return self._search_index.search(query, limit)


@dataclass(frozen=True)
class SongView:
    """What a page shows of one song: text, cluster, raw feature values, a safe preview.

    ``artist`` may be empty (the file had none); pages say "Unknown artist".
    """

    id: str
    title: str
    artist: str
    cluster: int
    description: str
    features: dict[str, float]
    #: A playable preview known without the network (the dataset's URL), or found later.
    preview: Preview | None
    genre: str | None = None
    #: True while an online lookup may still find a preview (the page shows a placeholder).
    preview_pending: bool = False


def _dataset_preview(url: object) -> Preview | None:
    safe = safe_preview_url(url)
    return Preview(safe, preview_source(safe)) if safe else None


def song_view(catalog: Catalog, clustering: Clustering, row: int) -> SongView:
    """The SongView of the song at ``row`` under ``clustering``."""
    song = catalog.songs.iloc[row]
    cluster = int(clustering.labels[row])
    return SongView(
        id=str(song["id"]),
        title=str(song["title"]),
        artist=str(song["artist"]),
        cluster=cluster,
        description=clustering.profiles[cluster].description,
        features={f: float(song[f]) for f in clustering.features},
        preview=_dataset_preview(song.get("preview_url")),
        genre=str(song["genre"]) if "genre" in song.index and song["genre"] else None,
    )
