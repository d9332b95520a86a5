"""Scaling, K-Means fitting, quality metrics and cluster profiles.

Scale thresholds (chosen so one K fits in seconds at 1M songs on 2 cores):

- up to ``FULL_FIT_MAX`` songs: K-Means, k-means++ init, ``N_INIT`` restarts;
  above: MiniBatchKMeans (k-means++, 3 restarts, batches of 8,192), whose inertia the
  benchmark compares with full K-Means at 100k songs.
- up to ``FULL_FIT_MAX`` songs the fit runs on one thread: OpenMP threads that
  spin-wait for a busy core made a 2k-song fit 60x slower (0.1 s → 5.9 s) when two
  gunicorn workers or another process shared this 2-core machine.
- up to ``SILHOUETTE_SAMPLE`` songs the silhouette is exact (O(n²)); above, it is the
  mean over a seeded sample of that many songs, and ``Clustering.silhouette_sample``
  says so.

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

from core.errors import DatasetError
from core.features import feature_label

FULL_FIT_MAX = 50_000
N_INIT = 10
SILHOUETTE_SAMPLE = 5_000
DESCRIPTION_Z = 0.5
DESCRIPTION_MAX_FEATURES = 3
REPRESENTATIVES = 5

SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}


def check_k(k: int, n_songs: int) -> None:
    """Raise DatasetError unless 2 <= k < n_songs (silhouette needs a song to spare)."""
    if not 2 <= k < n_songs:
        raise DatasetError(
            f"K={k} cannot be used with {n_songs:,} songs: K must be between 2 and {n_songs - 1:,}."
        )


def scale(values: np.ndarray, scaler: str) -> np.ndarray:
    """Scale raw features (n_songs, n_features) column-wise; returns float32 of the same shape."""
    if scaler not in SCALERS:
        raise DatasetError(f"Unknown scaler '{scaler}': use one of {', '.join(SCALERS)}.")
    return SCALERS[scaler]().fit_transform(values).astype(np.float32)


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
    (cluster 0 is the largest). ``centroids`` has shape (k, n_features) in scaled units.
    """

    k: int
    features: tuple[str, ...]
    scaler: str
    method: str
    labels: np.ndarray
    centroids: np.ndarray
    inertia: float
    silhouette: float
    #: None when the silhouette is exact, else the size of the seeded sample it used.
    silhouette_sample: int | None
    davies_bouldin: float
    calinski_harabasz: float
    profiles: tuple[ClusterProfile, ...]
    fit_seconds: float

    @property
    def sizes(self) -> list[int]:
        return [p.size for p in self.profiles]


def fit_kmeans(X: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, float, str]:
    """Fit K-Means on scaled X (n, f); returns labels, centroids, inertia, method name."""
    if len(X) <= FULL_FIT_MAX:
        model = KMeans(n_clusters=k, init="k-means++", n_init=N_INIT, random_state=seed)
        method = f"K-Means (k-means++, {N_INIT} restarts)"
    else:
        model = MiniBatchKMeans(
            n_clusters=k, init="k-means++", n_init=3, batch_size=8192, random_state=seed
        )
        method = "MiniBatch K-Means (k-means++, 3 restarts, batches of 8,192)"
    labels = model.fit_predict(X)
    inertia = float(model.inertia_)
    return labels, model.cluster_centers_.astype(np.float32), inertia, method


def _order_by_size(labels: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relabel so cluster 0 is the largest (ties: lower old label first)."""
    sizes = np.bincount(labels, minlength=len(centroids))
    order = np.lexsort((np.arange(len(sizes)), -sizes))
    new_of_old = np.empty_like(order)
    new_of_old[order] = np.arange(len(order))
    return new_of_old[labels].astype(np.int16), centroids[order]


def silhouette(X: np.ndarray, labels: np.ndarray, seed: int) -> tuple[float, int | None]:
    """Silhouette of labels on X: exact up to SILHOUETTE_SAMPLE songs, else on a seeded sample."""
    if len(np.unique(labels)) < 2:
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

    ``raw`` (n, f) is in raw units, ``X`` (n, f) scaled; z = (cluster mean − global
    mean) / global standard deviation, per feature, in raw units.
    """
    k = len(centroids)
    sizes = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=raw[:, j], minlength=k) for j in range(raw.shape[1])], axis=1)
    means = sums / np.maximum(sizes, 1)[:, None]
    global_mean = raw.mean(axis=0)
    global_std = raw.std(axis=0)
    z = (means - global_mean) / np.where(global_std > 0, global_std, 1.0)
    distance = np.linalg.norm(X - centroids[labels], axis=1)
    spread = np.bincount(labels, weights=distance, minlength=k) / np.maximum(sizes, 1)
    profiles = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
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


def cluster_kmeans(
    raw: np.ndarray, X: np.ndarray, k: int, features: tuple[str, ...], scaler: str, seed: int
) -> Clustering:
    """K-Means on scaled X (n, f) with metrics and profiles; raw (n, f) for the profiles."""
    check_k(k, len(X))
    started = time.perf_counter()
    with threadpool_limits(limits=1 if len(X) <= FULL_FIT_MAX else None):
        labels, centroids, inertia, method = fit_kmeans(X, k, seed)
        labels, centroids = _order_by_size(labels, centroids)
        if len(np.unique(labels)) < 2:
            raise DatasetError("Every song has the same feature values: there is nothing to cluster.")
        score, sample = silhouette(X, labels, seed)
    return Clustering(
        k=k,
        features=features,
        scaler=scaler,
        method=method,
        labels=labels,
        centroids=centroids,
        inertia=inertia,
        silhouette=score,
        silhouette_sample=sample,
        davies_bouldin=float(davies_bouldin_score(X, labels)),
        calinski_harabasz=float(calinski_harabasz_score(X, labels)),
        profiles=profile_clusters(raw, X, labels, centroids, features),
        fit_seconds=time.perf_counter() - started,
    )
