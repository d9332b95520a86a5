"""The engine's front door: one catalog, answers from the shared cache or computed once.

Callers (pages, the command line, benchmarks) never fit anything themselves. Every
cached answer is keyed by everything that changes it (``SCHEMA_VERSION``, the
catalog fingerprint, features, scaler, seed, and the algorithm with only the
parameters it uses). What an Engine keeps in process memory (scaled matrices, the
search index) is derived from the catalog alone, so it is the same in every worker.

Cached per feature space (features, scaler, seed), independent of K and algorithm: the
PCA projection, t-SNE / UMAP maps, hierarchical linkage trees (per linkage) and
k-distance curves (per min_samples). Cached per clustering key: each clustering, and
whether it is real: its bootstrap stability, its comparison with structureless data,
the K advice built from both, the cluster tree across K, and how far each map keeps
songs' neighbours (keys with ``STRUCTURE_VERSION``).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from core import progress
from core.cache import ModelCache
from core.catalog import Catalog
from core.cluster_tree import ClusterTree, cluster_tree
from core.clustering import (
    DEFAULT_SCALER,
    NOISE,
    NOISE_DESCRIPTION,
    SCALERS,
    Clustering,
    SharedWork,
    check_k,
    cluster_kmeans,
    scale,
)
from core.config import K_MIN
from core.density import KDistance, k_distance
from core.diagnostics import degenerate_reason
from core.embedding import EMBEDDINGS, Embedding, embed
from core.errors import DatasetError
from core.genres import GenreCheck, label_check
from core.hierarchical import Dendrogram, Hierarchy, dendrogram, fit_hierarchy
from core.k_advice import KAdvice, k_advice
from core.methods import DEFAULT_METHOD, METHODS, ClusterParams, dbscan_min_samples, with_defaults
from core.neighbours import Neighbour, nearest_neighbours
from core.null_model import NULL_DRAWS, NullComparison, null_comparison
from core.placement import Placement, place_song
from core.prepared import prepared_of
from core.previews import Preview, preview_source, safe_preview_url
from core.projection import Projection, pca_projection
from core.search import SearchHit, SearchIndex
from core.stability import RESAMPLES, Stability, bootstrap_stability
from core.trust import MapTrust, map_trust

#: Bump when a cached value's shape or meaning changes: old entries are then ignored.
SCHEMA_VERSION = 4
#: Bump when what core.stability, core.null_model, core.k_advice, core.cluster_tree or core.trust
#: compute changes (a sample size, a rule): their cached answers are then recomputed.
STRUCTURE_VERSION = 1


@dataclass(frozen=True)
class Sweep:
    """Quality per K for one feature space, to justify a K: lists aligned with ``ks``."""

    ks: tuple[int, ...]
    inertia: tuple[float, ...]
    silhouette: tuple[float, ...]
    davies_bouldin: tuple[float, ...]
    silhouette_sample: int | None


@dataclass(frozen=True)
class MethodScore:
    """One row of the comparison of methods on the same feature space (see Clustering)."""

    algorithm: str
    method: str
    clusters: int
    noise: int
    silhouette: float
    davies_bouldin: float
    calinski_harabasz: float
    inertia: float
    metrics_note: str
    #: Why this result barely divides the songs, in a few words (core.diagnostics
    #: ``degenerate_reason``: one giant cluster, tiny clusters, mostly noise), else "".
    #: Its quality scores then say little, however good they look.
    degenerate: str = ""

    @classmethod
    def of(cls, clustering: Clustering) -> MethodScore:
        return cls(
            algorithm=clustering.algorithm,
            method=clustering.method,
            clusters=clustering.k,
            noise=clustering.noise,
            silhouette=clustering.silhouette,
            davies_bouldin=clustering.davies_bouldin,
            calinski_harabasz=clustering.calinski_harabasz,
            inertia=clustering.inertia,
            metrics_note=clustering.metrics_note,
            degenerate=degenerate_reason(clustering),
        )


class Engine:
    """Clusterings, projections, sweeps, neighbours and search over one Catalog."""

    def __init__(self, catalog: Catalog, cache: ModelCache, seed: int = 42) -> None:
        self.catalog = catalog
        self.cache = cache
        self.seed = seed
        self._scaled: dict[tuple[tuple[str, ...], str], np.ndarray] = {}
        self._search_index: SearchIndex | None = None
        self._lock = threading.Lock()
        self._search_lock = threading.Lock()
        # A background job forked from a worker must not inherit a lock another thread held.
        # The hook holds the engine weakly: workers drop the engines of unused datasets.
        alive = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (engine := alive()) and engine._new_locks())

    def _new_locks(self) -> None:
        self._lock = threading.Lock()
        self._search_lock = threading.Lock()

    # -- parameters -----------------------------------------------------------------
    @property
    def n_songs(self) -> int:
        return len(self.catalog)

    def params(
        self,
        k: int,
        features: Sequence[str] | None = None,
        scaler: str = DEFAULT_SCALER,
        algorithm: str = DEFAULT_METHOD,
        **options: object,
    ) -> ClusterParams:
        """Validated parameters; raises DatasetError naming what is wrong.

        ``features=None`` means every feature of the catalog; fewer than two is an error.
        ``options`` are method options by name (``core.methods``): each is checked against its
        declaration, those of other methods are left out, missing ones take their defaults
        and "auto" ones are filled in by the method (DBSCAN: min_samples = 2 × features,
        eps = the knee of the k-distance curve). K is checked for every method: the method
        comparison uses it for the methods that take K.
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
        method = METHODS.get(algorithm)
        strangers = sorted(set(options) - {o.name for o in METHODS.options()})
        if strangers:
            raise DatasetError(f"Unknown option(s) {', '.join(strangers)}.")
        values = with_defaults(method, options)
        check_k(k, len(self.catalog))
        params = ClusterParams(k=k, features=chosen, scaler=scaler, algorithm=algorithm, seed=self.seed)
        return self._resolved(params.with_options(**values))

    def _resolved(self, params: ClusterParams) -> ClusterParams:
        """params with the method's "auto" options filled in from the data."""
        resolve = params.method.resolve
        return resolve(self, params) if resolve else params

    def _key(self, kind: str, body: str) -> str:
        return f"v{SCHEMA_VERSION}|{self.catalog.fingerprint}|{kind}|{body}"

    # -- feature space ----------------------------------------------------------------
    def scaled(self, features: tuple[str, ...], scaler: str) -> np.ndarray:
        """Scaled features (n_songs, len(features)), float32, memoised per process; the
        catalog's default feature space is read from its prepared copy when it has one
        (core.prepared: memory-mapped, one copy shared by every worker)."""
        key = (features, scaler)
        with self._lock:
            if key not in self._scaled:
                if len(self._scaled) >= 4:
                    self._scaled.pop(next(iter(self._scaled)))
                prepared = prepared_of(self.catalog)
                kept = prepared.scaled.get(key) if prepared is not None else None
                self._scaled[key] = kept if kept is not None else scale(self.catalog.feature_matrix(features), scaler)
            return self._scaled[key]

    # -- cached models ---------------------------------------------------------------
    def clustering_key(self, params: ClusterParams) -> str:
        return self._key("clustering", self._resolved(params).key())

    def clustering(self, params: ClusterParams) -> Clustering:
        """The clustering for params (any method): from the cache, or fitted once for all workers."""
        params = self._resolved(params)
        return self.cache.get_or_compute(
            self.clustering_key(params), lambda: params.method.fit(self, params), params.describe()
        )

    def fit_input(self, params: ClusterParams) -> tuple[np.ndarray, np.ndarray]:
        """What a method fits on: raw features (n, f) in their units and the scaled matrix (n, f)."""
        return self.catalog.feature_matrix(params.features), self.scaled(params.features, params.scaler)

    def hierarchy(self, params: ClusterParams) -> Hierarchy:
        """The linkage tree of params' feature space with params.linkage (independent of K)."""

        def fit() -> Hierarchy:
            linkage = str(params.option("linkage"))
            return fit_hierarchy(self.scaled(params.features, params.scaler), linkage, params.seed)

        return self.cache.get_or_compute(
            self.hierarchy_key(params), fit, f"the {params.option('linkage')} linkage tree"
        )

    def hierarchy_key(self, params: ClusterParams) -> str:
        return self._key("linkage", f"{params.space_key()}|{params.option('linkage')}")

    def dendrogram(self, params: ClusterParams) -> Dendrogram:
        """The truncated dendrogram of a tree-based clustering (a method whose diagnostics name
        "dendrogram") at params.k, whose labels are the cut of this same tree."""
        if "dendrogram" not in params.method.diagnostics:
            raise DatasetError(f"{params.method.label} builds no tree: there is no dendrogram to draw.")
        return dendrogram(self.hierarchy(params), self.clustering(params), params.k)

    def k_distance(self, params: ClusterParams) -> KDistance:
        """DBSCAN's k-distance curve for params' feature space and min_samples (default if None)."""
        min_samples = dbscan_min_samples(params, self.n_songs)

        def compute() -> KDistance:
            return k_distance(self.scaled(params.features, params.scaler), min_samples, params.seed)

        key = self._key("kdistance", f"{params.space_key()}|{min_samples}")
        return self.cache.get_or_compute(key, compute, "DBSCAN's k-distance curve")

    def compare(self, params: ClusterParams) -> list[MethodScore]:
        """Every method of the comparison (``Method.in_comparison``, registry order) on params'
        feature space at params.k: params' own method with its options, the others with their
        defaults; each cached."""
        return [
            MethodScore.of(
                self.clustering(
                    params
                    if method.name == params.algorithm
                    else self.params(params.k, params.features, params.scaler, method.name)
                )
            )
            for method in METHODS.methods.values()
            if method.in_comparison
        ]

    def projection(self, params: ClusterParams) -> Projection:
        """ONE 3-component PCA of params' feature space (independent of K)."""

        def fit() -> Projection:
            return pca_projection(self.scaled(params.features, params.scaler), params.features, params.seed)

        return self.cache.get_or_compute(self._key("pca", params.space_key()), fit, "the PCA projection")

    def embedding(self, params: ClusterParams, method: str) -> Embedding:
        """The t-SNE ("tsne") or UMAP ("umap") map of every song of params' feature space
        (independent of K and algorithm; fitted on a seeded sample above core.embedding's sizes,
        the other songs placed beside their nearest fitted ones), computed once and cached."""
        if method not in EMBEDDINGS:
            raise DatasetError(f"Unknown projection '{method}': use pca or one of {', '.join(EMBEDDINGS)}.")

        def compute() -> Embedding:
            return embed(self.scaled(params.features, params.scaler), method, params.seed)

        return self.cache.get_or_compute(self.embedding_key(params, method), compute, f"the {EMBEDDINGS[method]} map")

    def embedding_key(self, params: ClusterParams, method: str) -> str:
        return self._key("embedding", f"{params.space_key()}|{method}")

    def genre_check(self, params: ClusterParams, column: str | None = None) -> GenreCheck | None:
        """Clusters of params against a label column (``column``, or the catalog's default label
        column, core.genres); None when the catalog has no usable label column."""
        return label_check(self.catalog, self.clustering(params).labels, column)

    def sweep(self, params: ClusterParams, ks: Iterable[int]) -> Sweep | None:
        """Quality for each K in ks (those the catalog allows), fitting each K once; None for DBSCAN,
        which has no K (its k-distance curve is the tool for choosing eps).

        Each K's clustering is stored too, so after one sweep every K switch is a fetch. For
        hierarchical, every K is a cut of one cached tree. For K-Means the Ks share the work
        that does not depend on K (core.clustering.SharedWork: the silhouette sample's distance
        matrix, the global feature statistics); each clustering is the same as a fit of that K alone.
        """
        if not params.method.uses_k:
            return None
        ks = tuple(k for k in ks if K_MIN <= k < len(self.catalog))

        def run() -> Sweep:
            fits = []
            shared = SharedWork()
            for done, k in enumerate(ks):
                progress.report(f"The K sweep: {replace(params, k=k).describe()}", done, len(ks))
                fits.append(self._sweep_clustering(replace(params, k=k), shared))
            return Sweep(
                ks=ks,
                inertia=tuple(c.inertia for c in fits),
                silhouette=tuple(c.silhouette for c in fits),
                davies_bouldin=tuple(c.davies_bouldin for c in fits),
                silhouette_sample=fits[0].silhouette_sample if fits else None,
            )

        body = f"{params.space_key()}|{params.algorithm_key()}|ks={','.join(map(str, ks))}"
        what = f"the K sweep of {params.method.label} (K={ks[0]}–{ks[-1]})" if ks else "the K sweep"
        return self.cache.get_or_compute(self._key("sweep", body), run, what)

    def _sweep_clustering(self, params: ClusterParams, shared: SharedWork) -> Clustering:
        """``clustering(params)`` for one K of a sweep: K-Means fits with ``shared`` (the same
        result as without it, so it is stored under the same key); other methods as usual."""
        params = self._resolved(params)
        if params.algorithm != "kmeans":
            return self.clustering(params)

        def fit() -> Clustering:
            raw, X = self.fit_input(params)
            return cluster_kmeans(raw, X, params.k, params.features, params.scaler, params.seed, shared=shared)

        return self.cache.get_or_compute(self.clustering_key(params), fit, params.describe())

    # -- is the structure real? ---------------------------------------------------------------
    # Keys: SCHEMA_VERSION and the catalog fingerprint (``_key``), the resolved params' key
    # (features, scaler, seed, algorithm and its options, K), the number of resamples / draws /
    # the Ks, and STRUCTURE_VERSION for the modules' own constants.
    def _structure_key(self, kind: str, body: str) -> str:
        return self._key(kind, f"{body}|structure=v{STRUCTURE_VERSION}")

    def stability_key(self, params: ClusterParams, resamples: int = RESAMPLES) -> str:
        return self._structure_key("stability", f"{self._resolved(params).key()}|resamples={resamples}")

    def stability(self, params: ClusterParams, resamples: int = RESAMPLES) -> Stability:
        """How params' clusters hold up over ``resamples`` seeded bootstrap refits (core.stability)."""
        params = self._resolved(params)

        def compute() -> Stability:
            raw, X = self.fit_input(params)
            return bootstrap_stability(params, raw, X, self.clustering(params).labels, resamples)

        what = f"the stability of {params.describe()} ({resamples} resamples)"
        return self.cache.get_or_compute(self.stability_key(params, resamples), compute, what)

    def null_key(self, params: ClusterParams, draws: int = NULL_DRAWS) -> str:
        return self._structure_key("null", f"{self._resolved(params).key()}|draws={draws}")

    def null_comparison(self, params: ClusterParams, draws: int = NULL_DRAWS) -> NullComparison:
        """params' silhouette against its method on ``draws`` structureless copies (core.null_model)."""
        params = self._resolved(params)

        def compute() -> NullComparison:
            raw, X = self.fit_input(params)
            return null_comparison(params, raw, X, self.clustering(params).silhouette, draws)

        what = f"{params.describe()} on structureless data"
        return self.cache.get_or_compute(self.null_key(params, draws), compute, what)

    def _sweep_ks(self, params: ClusterParams, ks: Iterable[int]) -> tuple[int, ...]:
        return tuple(k for k in ks if K_MIN <= k < len(self.catalog))

    def k_advice(
        self, params: ClusterParams, ks: Iterable[int], resamples: int = RESAMPLES, draws: int = NULL_DRAWS
    ) -> KAdvice | None:
        """Which K of ``ks`` (those the catalog allows) to trust (core.k_advice); None for a method
        without K. Each K's clustering, stability and null comparison is cached on its own, so
        the cluster pages' answers at any of these Ks are then fetches."""
        params = self._resolved(params)
        if not params.method.uses_k:
            return None
        ks = self._sweep_ks(params, ks)

        def run() -> KAdvice:
            stabilities, nulls = [], []
            for done, k in enumerate(ks):
                progress.report(f"Is the structure real? {replace(params, k=k).describe()}", done, len(ks))
                stabilities.append(self.stability(replace(params, k=k), resamples))
                nulls.append(self.null_comparison(replace(params, k=k), draws))
            return k_advice(ks, stabilities, nulls)

        body = f"{params.space_key()}|{params.algorithm_key()}|ks={','.join(map(str, ks))}"
        key = self._structure_key("kadvice", f"{body}|resamples={resamples}|draws={draws}")
        return self.cache.get_or_compute(key, run, f"the K advice for {params.method.label}")

    def cluster_tree(self, params: ClusterParams, ks: Iterable[int]) -> ClusterTree | None:
        """How params' clusters split from K to K over ``ks`` (core.cluster_tree), from each K's
        cached clustering; None for a method without K."""
        params = self._resolved(params)
        if not params.method.uses_k:
            return None
        ks = self._sweep_ks(params, ks)

        def compute() -> ClusterTree:
            return cluster_tree({k: self.clustering(replace(params, k=k)).labels for k in ks})

        body = f"{params.space_key()}|{params.algorithm_key()}|ks={','.join(map(str, ks))}"
        return self.cache.get_or_compute(self._structure_key("clustree", body), compute, "the cluster tree across K")

    def map_trust(self, params: ClusterParams, proj: str = "pca", dims: int = 3) -> MapTrust:
        """How well a view keeps each song's neighbours (core.trust): ``proj`` "pca" in ``dims`` 3 or
        2 (the explorer's 3D and 2D views), or a 2-D map of core.embedding ("tsne", "umap"; dims is
        then 2 whatever is asked). Depends on the feature space only, not on K or the method."""
        dims = self._view_dims(proj, dims)

        def compute() -> MapTrust:
            X = self.scaled(params.features, params.scaler)
            if proj == "pca":
                coords = self.projection(params).coords[:, :dims]
                return map_trust(X, coords, f"PCA {dims}D", params.seed)
            embedding = self.embedding(params, proj)
            return map_trust(X, embedding.coords, EMBEDDINGS[proj], params.seed, embedding.rows)

        view = "PCA" if proj == "pca" else EMBEDDINGS[proj]
        what = f"how far the {view} view can be trusted"
        return self.cache.get_or_compute(self.map_trust_key(params, proj, dims), compute, what)

    def map_trust_key(self, params: ClusterParams, proj: str = "pca", dims: int = 3) -> str:
        dims = self._view_dims(proj, dims)
        return self._structure_key("maptrust", f"{params.space_key()}|proj={proj}|dims={dims}")

    @staticmethod
    def _view_dims(proj: str, dims: int) -> int:
        """The dimensions of the view ``proj`` asked in ``dims``; DatasetError for an unknown one."""
        if proj != "pca" and proj not in EMBEDDINGS:
            raise DatasetError(f"Unknown projection '{proj}': use pca or one of {', '.join(EMBEDDINGS)}.")
        if dims not in (2, 3):
            raise DatasetError(f"A view has 2 or 3 dimensions, not {dims}.")
        return dims if proj == "pca" else 2

    # -- per-song queries ----------------------------------------------------------------
    def neighbours(self, song_id: str, params: ClusterParams, n: int = 10) -> list[Neighbour]:
        """The n songs nearest to ``song_id`` in params' scaled feature space."""
        row = self.catalog.row_of(song_id)
        if row is None:
            raise DatasetError(f"There is no song with id '{song_id}' in this dataset.")
        return nearest_neighbours(self.scaled(params.features, params.scaler), row, params.features, n)

    def place(self, values: Mapping[str, object], params: ClusterParams, n: int = 10) -> Placement:
        """Where a song with raw feature ``values`` (e.g. core.audio.features.analyse_file's) lands
        in params' view, without refitting: its scaled row, PCA coordinates, cluster and ``n``
        nearest songs (core.placement). DatasetError when params' features cannot be computed
        from audio; NotReady (in a request) when the clustering or projection is not cached yet."""
        raw, X = self.fit_input(params)
        return place_song(values, raw, X, self.projection(params), self.clustering(params), n)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Songs whose title or artist matches ``query`` (see core.search for the ranking)."""
        return self.search_index().search(query, limit)

    def search_index(self) -> SearchIndex:
        """The catalog's search index: the prepared copy's (core.prepared: memory-mapped,
        shared by every worker), else built once per process (about 2.5 s at 1M songs, so
        the app asks for it in the background as a worker starts; see app.factory)."""
        with self._search_lock:
            if self._search_index is None:
                prepared = prepared_of(self.catalog)
                if prepared is not None and prepared.search_index is not None:
                    self._search_index = prepared.search_index
                else:
                    self._search_index = SearchIndex(self.catalog.songs["title"], self.catalog.songs["artist"])
            return self._search_index


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
    #: The id of the uploaded dataset the song is from; None: the operator's dataset.
    dataset: str | None = None


def _dataset_preview(url: object) -> Preview | None:
    safe = safe_preview_url(url)
    return Preview(safe, preview_source(safe)) if safe else None


def song_view(catalog: Catalog, clustering: Clustering, row: int) -> SongView:
    """The SongView of the song at ``row`` under ``clustering`` (cluster −1 for DBSCAN's noise)."""
    song = catalog.songs.iloc[row]
    cluster = int(clustering.labels[row])
    description = NOISE_DESCRIPTION if cluster == NOISE else clustering.profiles[cluster].description
    return SongView(
        id=str(song["id"]),
        title=str(song["title"]),
        artist=str(song["artist"]),
        cluster=cluster,
        description=description,
        features={f: float(song[f]) for f in clustering.features},
        preview=_dataset_preview(song.get("preview_url")),
        genre=str(song["genre"]) if "genre" in song.index and song["genre"] else None,
    )
