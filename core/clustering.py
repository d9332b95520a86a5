"""Scaling, K-Means fitting, quality metrics and cluster profiles shared by every method.

Every algorithm (K-Means here, DBSCAN in ``core.density``, agglomerative in
``core.hierarchical``) only produces labels; ``from_labels`` turns labels into a
``Clustering`` the same way for all of them: clusters numbered by size, centroids as
the cluster means in scaled space, inertia as the within-cluster sum of squared
distances to those means, the three quality scores, and profiles. Noise (label
``NOISE``, DBSCAN only) belongs to no cluster: it is left out of centroids, inertia,
the quality scores and the profiles, and ``Clustering.metrics_note`` says so.

Scale thresholds (chosen so one K fits in seconds at 1M songs on 2 cores):

- up to ``FULL_FIT_MAX`` songs: K-Means, k-means++ init, ``N_INIT`` restarts;
  above: MiniBatchKMeans (k-means++, 3 restarts, batches of 8,192), whose inertia the
  benchmark compares with full K-Means at 100k songs.
- every fit runs on one BLAS/OpenMP thread (``fit_threads``): threads that spin-wait
  for a busy core made a 2k-song fit 60x slower (0.1 s → 5.9 s) and a 100k-song fit
  3-4x slower (1.0-1.3 s → 2.9-5.6 s) when a second gunicorn worker or another
  process shared this 2-core machine; on an idle machine one thread costs little
  (100k: 0.27 s either way). Workers, not threads, use the cores.
- up to ``SILHOUETTE_SAMPLE`` clustered songs the silhouette is exact (O(n²)); above,
  it is the mean over a seeded sample of that many songs, and
  ``Clustering.silhouette_sample`` says so.

Descriptions name the features whose cluster mean lies at least ``DESCRIPTION_Z``
global standard deviations from the global mean, strongest first, at most three.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler
from threadpoolctl import threadpool_limits

from core.catalog import MIN_SONGS
from core.errors import DatasetError
from core.features import feature_label

FULL_FIT_MAX = 50_000
N_INIT = 10
SILHOUETTE_SAMPLE = 5_000
DESCRIPTION_Z = 0.5
DESCRIPTION_MAX_FEATURES = 3
REPRESENTATIVES = 5

SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}
SCALER_LABELS = {"standard": "Standardise (z-score)", "minmax": "Min-max (0–1)", "robust": "Robust (median, IQR)"}
DEFAULT_SCALER = "standard"
#: The label of a song in no cluster (DBSCAN's noise).
NOISE = -1
NOISE_DESCRIPTION = "Noise: not close enough to any dense group (DBSCAN)"


def check_k(k: int, n_songs: int) -> None:
    """Raise DatasetError unless 2 <= k < n_songs (silhouette needs a song to spare)."""
    if n_songs < MIN_SONGS:
        raise DatasetError(
            f"{n_songs:,} song{'' if n_songs == 1 else 's'} cannot be clustered: at least {MIN_SONGS} are needed "
            "(K starts at 2 and must be below the number of songs)."
        )
    if not 2 <= k < n_songs:
        raise DatasetError(f"K={k} cannot be used with {n_songs:,} songs: K must be between 2 and {n_songs - 1:,}.")


def scale(values: np.ndarray, scaler: str) -> np.ndarray:
    """Scale raw features (n_songs, n_features) column-wise; returns float32 of the same shape."""
    if scaler not in SCALERS:
        raise DatasetError(f"Unknown scaler '{scaler}': use one of {', '.join(SCALERS)}.")
    return SCALERS[scaler]().fit_transform(values).astype(np.float32)


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted positions of a seeded sample of ``size`` of ``n`` rows; all rows when n <= size."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def fit_threads() -> threadpool_limits:
    """One BLAS/OpenMP thread for a fit (see the module docstring for the measurements)."""
    return threadpool_limits(limits=1)


@dataclass(frozen=True)
class ClusterProfile:
    """One cluster: its size, raw-unit means, z-scores against the global distribution."""

    cluster: int
    size: int
    means: dict[str, float]
    zscores: dict[str, float]
    description: str
    #: Row positions of the songs nearest the centroid, nearest first.
    representatives: tuple[int, ...]
    #: Mean distance of members to their centroid, in scaled units (lower is tighter).
    spread: float


@dataclass(frozen=True)
class Clustering:
    """The result of clustering one catalog with one set of parameters.

    ``labels`` has shape (n_songs,), int16, values 0..k-1 ordered by cluster size
    (cluster 0 is the largest) and ``NOISE`` (-1) for DBSCAN's noise songs. ``k`` is the
    number of clusters found, noise excluded (DBSCAN may find 0 or 1: then the quality
    scores are NaN and ``metrics_note`` says why). ``centroids`` has shape
    (k, n_features): the cluster means in scaled units. ``inertia`` is the within-cluster
    sum of squared distances to those means (scaled units), noise excluded.
    """

    k: int
    features: tuple[str, ...]
    scaler: str
    #: The name of its method in core.methods.METHODS.
    algorithm: str
    #: Plain description of how it was fitted, e.g. "DBSCAN (eps 1.23, min_samples 20)".
    method: str
    labels: np.ndarray
    centroids: np.ndarray
    inertia: float
    silhouette: float
    #: None when the silhouette is exact, else the size of the seeded sample it used.
    silhouette_sample: int | None
    davies_bouldin: float
    calinski_harabasz: float
    #: Number of songs labelled NOISE (0 for K-Means and hierarchical).
    noise: int
    #: Plain words when the quality scores leave out noise or cannot be computed, else "".
    metrics_note: str
    profiles: tuple[ClusterProfile, ...]
    fit_seconds: float

    @property
    def sizes(self) -> list[int]:
        """Songs per cluster 0..k-1 (noise not included)."""
        return [p.size for p in self.profiles]


def fit_kmeans(X: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, float, str]:
    """Fit K-Means on scaled X (n, f); returns labels, the model's centroids, its inertia, method name."""
    if len(X) <= FULL_FIT_MAX:
        model = KMeans(n_clusters=k, init="k-means++", n_init=N_INIT, random_state=seed)
        method = f"K-Means (k-means++, {N_INIT} restarts)"
    else:
        model = MiniBatchKMeans(n_clusters=k, init="k-means++", n_init=3, batch_size=8192, random_state=seed)
        method = "MiniBatch K-Means (k-means++, 3 restarts, batches of 8,192)"
    labels = model.fit_predict(X)
    inertia = float(model.inertia_)
    return labels, model.cluster_centers_.astype(np.float32), inertia, method


def order_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..k-1 so cluster 0 is the largest (ties: lower old label first); NOISE stays.

    ``labels`` holds NOISE or any non-negative integers; returns int16 of the same shape.
    """
    clustered = labels != NOISE
    old, sizes = np.unique(labels[clustered], return_counts=True)
    order = np.lexsort((old, -sizes))
    new_of_old = np.full(int(old.max()) + 1 if len(old) else 0, NOISE, dtype=np.int64)
    new_of_old[old[order]] = np.arange(len(order))
    out = np.full(labels.shape, NOISE, dtype=np.int16)
    out[clustered] = new_of_old[labels[clustered]]
    return out


def silhouette(X: np.ndarray, labels: np.ndarray, seed: int) -> tuple[float, int | None]:
    """Silhouette of labels on X: exact up to SILHOUETTE_SAMPLE songs, else on a seeded sample."""
    if not 2 <= len(np.unique(labels)) < len(X):
        return float("nan"), None
    if len(X) <= SILHOUETTE_SAMPLE:
        return float(silhouette_score(X, labels)), None
    score = silhouette_score(X, labels, sample_size=SILHOUETTE_SAMPLE, random_state=seed)
    return float(score), SILHOUETTE_SAMPLE


def describe(zscores: dict[str, float]) -> str:
    """Plain words for a cluster from its z-scores, e.g. ``High energy · Low acousticness``."""
    strong = [(f, z) for f, z in zscores.items() if abs(z) >= DESCRIPTION_Z]
    strong.sort(key=lambda item: -abs(item[1]))
    words = [f"{'High' if z > 0 else 'Low'} {feature_label(f)}" for f, z in strong[:DESCRIPTION_MAX_FEATURES]]
    return " · ".join(words) if words else "Close to average on every feature"


def profile_clusters(
    raw: np.ndarray, X: np.ndarray, labels: np.ndarray, centroids: np.ndarray, features: tuple[str, ...]
) -> tuple[ClusterProfile, ...]:
    """Sizes, raw means, z-scores, descriptions and representatives of clusters 0..k-1.

    ``raw`` (n, f) is in raw units, ``X`` (n, f) scaled, ``centroids`` (k, f) scaled;
    z = (cluster mean − global mean) / global standard deviation, per feature, in raw
    units, where "global" is every song (noise included: it is part of the catalog).
    Noise songs belong to no profile.
    """
    k = len(centroids)
    members_mask = labels != NOISE
    clustered = labels[members_mask]
    sizes = np.bincount(clustered, minlength=k)
    sums = np.stack(
        [np.bincount(clustered, weights=raw[members_mask, j], minlength=k) for j in range(raw.shape[1])], axis=1
    )
    means = sums / np.maximum(sizes, 1)[:, None]
    global_mean = raw.mean(axis=0)
    global_std = raw.std(axis=0)
    z = (means - global_mean) / np.where(global_std > 0, global_std, 1.0)
    distance = np.full(len(labels), np.inf)
    distance[members_mask] = np.linalg.norm(X[members_mask] - centroids[clustered], axis=1)
    spread = np.bincount(clustered, weights=distance[members_mask], minlength=k) / np.maximum(sizes, 1)
    by_cluster = np.flatnonzero(members_mask)[np.argsort(clustered, kind="stable")]  # rows grouped by cluster
    starts = np.concatenate([[0], np.cumsum(sizes)])
    profiles = []
    for c in range(k):
        members = by_cluster[starts[c] : starts[c + 1]]
        nearest = members[np.lexsort((members, distance[members]))[:REPRESENTATIVES]]
        zs = {f: float(z[c, j]) for j, f in enumerate(features)}
        profiles.append(
            ClusterProfile(
                cluster=c,
                size=int(sizes[c]),
                means={f: float(means[c, j]) for j, f in enumerate(features)},
                zscores=zs,
                description=describe(zs),
                representatives=tuple(int(i) for i in nearest),
                spread=float(spread[c]),
            )
        )
    return tuple(profiles)


def _noise_note(noise: int, n_songs: int) -> str:
    if not noise:
        return ""
    return (
        f"Silhouette, Davies-Bouldin, Calinski-Harabasz and inertia leave out the {noise:,} noise "
        f"song{'s' if noise != 1 else ''} ({noise / n_songs:.1%}): noise is not a cluster."
    )


def from_labels(
    raw: np.ndarray,
    X: np.ndarray,
    labels: np.ndarray,
    *,
    algorithm: str,
    method: str,
    features: tuple[str, ...],
    scaler: str,
    seed: int,
    started: float,
    few_clusters_hint: str = "",
) -> Clustering:
    """The Clustering of any labels on scaled X (n, f); raw (n, f) for the profiles.

    ``labels`` holds NOISE or any non-negative cluster ids (renumbered by size here).
    Quality scores use the clustered songs only. With fewer than two clusters the scores
    are NaN and ``metrics_note`` explains, followed by ``few_clusters_hint`` (what to try).
    ``started`` is the ``time.perf_counter()`` at which the fit began.
    """
    labels = order_by_size(labels)
    clustered = labels != NOISE
    Xc, lc = X[clustered], labels[clustered]
    k = int(lc.max()) + 1 if len(lc) else 0
    noise = int(len(labels) - clustered.sum())
    counts = np.bincount(lc, minlength=k)
    centroids = np.stack([np.bincount(lc, weights=Xc[:, j], minlength=k) for j in range(X.shape[1])], axis=1)
    centroids = (centroids / np.maximum(counts, 1)[:, None]).astype(np.float32)
    residual = Xc.astype(np.float64) - centroids[lc]
    inertia = float(np.einsum("ij,ij->", residual, residual)) if k else float("nan")
    if 2 <= k < len(lc):
        score, sample = silhouette(Xc, lc, seed)
        db, ch = float(davies_bouldin_score(Xc, lc)), float(calinski_harabasz_score(Xc, lc))
        note = _noise_note(noise, len(labels))
    else:
        score, sample, db, ch = float("nan"), None, float("nan"), float("nan")
        found = f"{k} cluster{'s' if k != 1 else ''}" + (f" and {noise:,} noise songs" if noise else "")
        note = (
            f"Found {found}: silhouette, Davies-Bouldin and Calinski-Harabasz need at least two "
            f"clusters. {few_clusters_hint}"
        ).strip()
    return Clustering(
        k=k,
        features=features,
        scaler=scaler,
        algorithm=algorithm,
        method=method,
        labels=labels,
        centroids=centroids,
        inertia=inertia,
        silhouette=score,
        silhouette_sample=sample,
        davies_bouldin=db,
        calinski_harabasz=ch,
        noise=noise,
        metrics_note=note,
        profiles=profile_clusters(raw, X, labels, centroids, features),
        fit_seconds=time.perf_counter() - started,
    )


def cluster_kmeans(
    raw: np.ndarray, X: np.ndarray, k: int, features: tuple[str, ...], scaler: str, seed: int
) -> Clustering:
    """K-Means on scaled X (n, f) with metrics and profiles; raw (n, f) for the profiles."""
    check_k(k, len(X))
    started = time.perf_counter()
    with fit_threads():
        labels, _, _, method = fit_kmeans(X, k, seed)
        if len(np.unique(labels)) < 2:
            raise DatasetError("Every song has the same feature values: there is nothing to cluster.")
        return from_labels(
            raw,
            X,
            labels,
            algorithm="kmeans",
            method=method,
            features=features,
            scaler=scaler,
            seed=seed,
            started=started,
        )
