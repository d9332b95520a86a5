"""Scaling, K-Means fitting, quality metrics and cluster profiles shared by every method.

Every algorithm (K-Means here, DBSCAN in ``core.density``, agglomerative in
``core.hierarchical``) only produces labels; ``from_labels`` turns labels into a
``Clustering`` the same way for all of them: clusters numbered by size, centroids as
the cluster means in scaled space, inertia as the within-cluster sum of squared
distances to those means, the three quality scores, and profiles. Noise (label
``NOISE``, DBSCAN only) belongs to no cluster: it is left out of centroids, inertia,
the quality scores and the profiles, and ``Clustering.metrics_note`` says so.

Scale thresholds (chosen so one K, with its metrics and profiles, takes under half a second
at 1M songs on one core of this 2-core machine):

- up to ``FULL_FIT_MAX`` songs: scikit-learn's K-Means on every song, k-means++ init,
  ``N_INIT`` restarts (the numbers there are what they always were); above:
  ``core.fast_kmeans``: the same K-Means (k-means++, ``N_INIT`` restarts) on a seeded sample
  of ``core.fast_kmeans.FIT_SAMPLE`` songs, then Lloyd iteration(s) on every song. Its inertia
  is within 0.1 % of full K-Means on every song at 100k and 1M resampled reference songs
  for K=2..12 (at most 0.4 % in the worst K), where MiniBatchKMeans was 3.4–3.9 % above; a
  1M-song fit with metrics and profiles takes about 0.38 s (K=5) to 0.46 s (K=12) of one core,
  against 3-4 s before (bench/fit_bench.py, bench/RESULTS.md "Fits at scale (issue 13)").
- every fit runs on one BLAS/OpenMP thread (``fit_threads``): threads that spin-wait
  for a busy core made a 2k-song fit 60x slower (0.1 s → 5.9 s) and a 100k-song fit
  3-4x slower (1.0-1.3 s → 2.9-5.6 s) when a second gunicorn worker or another
  process shared this 2-core machine; on an idle machine one thread costs little
  (100k: 0.27 s either way). Workers, not threads, use the cores. One thread also keeps
  a fit the same in every worker: the fixed blocks of one BLAS thread sum in a fixed order.
- up to ``SILHOUETTE_SAMPLE`` clustered songs the silhouette is exact (scikit-learn's, O(n²));
  above, it is the mean over scikit-learn's seeded sample of that many songs
  (``silhouette_rows``), and ``Clustering.silhouette_sample`` says so. Its distances are
  computed in float64 and stored in float32, as scikit-learn does, by blocks of rows.
- the other scores come from the centroids and counts, not from scikit-learn's functions
  (which make several passes over every song): Calinski-Harabasz from the between-cluster
  dispersion and the inertia, Davies-Bouldin from the centroid distances and each
  cluster's mean distance to its centroid (its ``spread``). They equal scikit-learn's on
  float64 data to ~1e-9 (scikit-learn averages float32 data in float32: ~1e-6 from those).
- a sweep over K shares what does not depend on K (``SharedWork``: the silhouette
  sample's distance matrix, the global feature statistics); each K's clustering is bit for
  bit the one a fit of that K alone gives, so workers agree whichever fitted it.

Descriptions name the features whose cluster mean lies at least ``DESCRIPTION_Z``
global standard deviations from the global mean, strongest first, at most three.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler
from threadpoolctl import threadpool_limits

from core.catalog import MIN_SONGS
from core.errors import DatasetError
from core.fast_kmeans import FIT_SAMPLE, cluster_means, fit_sampled_kmeans
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


def fit_kmeans(X: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, str]:
    """Fit K-Means on scaled X (n, f); returns labels (n,) and the method in words.

    Up to FULL_FIT_MAX songs scikit-learn's KMeans on every song; above, restarts on a seeded
    sample and Lloyd iterations on every song (``core.fast_kmeans``). The caller sets the
    thread limits (``fit_threads``).
    """
    if len(X) <= FULL_FIT_MAX:
        model = KMeans(n_clusters=k, init="k-means++", n_init=N_INIT, random_state=seed)
        return model.fit_predict(X), f"K-Means (k-means++, {N_INIT} restarts)"
    labels, _ = fit_sampled_kmeans(X, k, seed, N_INIT)
    method = (
        f"K-Means (k-means++, {N_INIT} restarts on a seeded sample of {FIT_SAMPLE:,} songs, "
        "then Lloyd iterations on all songs)"
    )
    return labels, method


def order_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..k-1 so cluster 0 is the largest (ties: lower old label first); NOISE stays.

    ``labels`` holds NOISE or any non-negative integers; returns int16 of the same shape.
    """
    clustered = labels != NOISE
    every = bool(clustered.all())
    members = labels if every else labels[clustered]
    counts = np.bincount(members) if len(members) else np.zeros(0, dtype=np.int64)
    old = np.flatnonzero(counts)
    order = np.lexsort((old, -counts[old]))
    new_of_old = np.full(len(counts), NOISE, dtype=np.int16)
    new_of_old[old[order]] = np.arange(len(order))
    if every:
        return new_of_old[labels]
    out = np.full(labels.shape, NOISE, dtype=np.int16)
    out[clustered] = new_of_old[members]
    return out


@dataclass
class SharedWork:
    """What fits of one feature space at several K can share (the K sweep). Each item is
    computed from the data alone, exactly as a fit without sharing computes it, so a clustering
    is identical whether it was fitted alone or in a sweep. Use one instance for one X, raw and
    seed only."""

    #: (rows of the silhouette sample, their distances (s, s) float32, ``sample_distance_rows``).
    silhouette: tuple[np.ndarray, np.ndarray] | None = None
    #: ``raw_stats(raw)``.
    raw_stats: tuple[np.ndarray, np.ndarray] | None = None


#: Rows per block of the silhouette's distance matrix.
SILHOUETTE_BLOCK = 16


def silhouette_rows(n: int, seed: int) -> np.ndarray:
    """The rows scikit-learn's ``silhouette_score(sample_size=SILHOUETTE_SAMPLE, random_state=seed)``
    draws from n rows (the first SILHOUETTE_SAMPLE of a seeded permutation)."""
    return np.random.RandomState(seed).permutation(n)[:SILHOUETTE_SAMPLE]


def sample_distance_rows(left: np.ndarray, right: np.ndarray, start: int) -> np.ndarray:
    """Euclidean distances (b, s) float32 from sample rows start..start+SILHOUETTE_BLOCK to every
    sample row, computed in float64 (as scikit-learn does for float32 input) and stored as float32
    (as scikit-learn stores them); ``left, right = distance_factors(X)``."""
    stop = min(start + SILHOUETTE_BLOCK, len(left))
    squared = left[start:stop] @ right  # ||x||² + ||y||² − 2 x·y in one product
    np.maximum(squared, 0, out=squared)
    block = np.sqrt(squared, out=squared).astype(np.float32)
    block[np.arange(stop - start), np.arange(start, stop)] = 0
    return block


def distance_factors(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 factors of X (s, f) whose product is the squared distances: [−2x, ||x||², 1] (s, f+2)
    and [y, 1, ||y||²]ᵀ (f+2, s)."""
    X64 = X.astype(np.float64)
    norms = np.einsum("ij,ij->i", X64, X64)[:, None]
    ones = np.ones_like(norms)
    return np.hstack([-2 * X64, norms, ones]), np.ascontiguousarray(np.hstack([X64, ones, norms]).T)


def sample_distances(X: np.ndarray) -> np.ndarray:
    """Every ``sample_distance_rows`` block of X (s, f): the (s, s) float32 distance matrix."""
    left, right = distance_factors(X)
    return np.concatenate([sample_distance_rows(left, right, i) for i in range(0, len(X), SILHOUETTE_BLOCK)])


def silhouette_of_blocks(blocks: Iterable[np.ndarray], labels: np.ndarray) -> float:
    """Mean silhouette of labels (s,) (any non-negative ids) from their distance matrix given
    as consecutive blocks of rows, with scikit-learn's conventions: a song alone in its cluster
    scores 0; NaN with fewer than two clusters or no song to spare."""
    present, codes = np.unique(labels, return_inverse=True)
    if not 2 <= len(present) < len(labels):
        return float("nan")
    sizes = np.bincount(codes).astype(np.float64)
    onehot = np.zeros((len(labels), len(present)))
    onehot[np.arange(len(labels)), codes] = 1.0
    scores = np.empty(len(labels))
    start = 0
    for block in blocks:
        stop = start + len(block)
        sums = block.astype(np.float64) @ onehot
        mine, rows = codes[start:stop], np.arange(stop - start)
        intra = sums[rows, mine]
        sums[rows, mine] = np.inf
        inter = (sums / sizes).min(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            intra = intra / (sizes[mine] - 1)
            scores[start:stop] = (inter - intra) / np.maximum(intra, inter)
        start = stop
    return float(np.mean(np.nan_to_num(scores)))


def silhouette(
    X: np.ndarray, labels: np.ndarray, seed: int, shared: SharedWork | None = None
) -> tuple[float, int | None]:
    """Silhouette of labels on X: exact up to SILHOUETTE_SAMPLE songs (scikit-learn's), else on
    scikit-learn's seeded sample of that many songs, from their distances computed block by
    block (``shared`` keeps the whole matrix for the next K: the same numbers either way)."""
    if not 2 <= np.count_nonzero(np.bincount(labels)) < len(X):
        return float("nan"), None
    if len(X) <= SILHOUETTE_SAMPLE:
        return float(silhouette_score(X, labels)), None
    if shared is not None:
        if shared.silhouette is None:
            rows = silhouette_rows(len(X), seed)
            shared.silhouette = (rows, sample_distances(X[rows]))
        rows, D = shared.silhouette
        blocks: Iterable[np.ndarray] = (D[i : i + SILHOUETTE_BLOCK] for i in range(0, len(D), SILHOUETTE_BLOCK))
    else:
        rows = silhouette_rows(len(X), seed)
        left, right = distance_factors(X[rows])
        blocks = (sample_distance_rows(left, right, i) for i in range(0, len(rows), SILHOUETTE_BLOCK))
    return silhouette_of_blocks(blocks, labels[rows]), SILHOUETTE_SAMPLE


def describe(zscores: dict[str, float]) -> str:
    """Plain words for a cluster from its z-scores, e.g. ``High energy · Low acousticness``."""
    strong = [(f, z) for f, z in zscores.items() if abs(z) >= DESCRIPTION_Z]
    strong.sort(key=lambda item: -abs(item[1]))
    words = [f"{'High' if z > 0 else 'Low'} {feature_label(f)}" for f, z in strong[:DESCRIPTION_MAX_FEATURES]]
    return " · ".join(words) if words else "Close to average on every feature"


def nearest_members(members: np.ndarray, distance: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` rows of ``members`` with the smallest ``distance`` (rows, full length),
    nearest first, ties by lower row: ``members[np.lexsort((members, distance[members]))][:count]``
    without sorting every member."""
    d = distance[members]
    if len(members) > 4 * count:
        cutoff = np.partition(d, count - 1)[count - 1]
        keep = d <= cutoff
        members, d = members[keep], d[keep]
    return members[np.lexsort((members, d))[:count]]


def member_distances(
    X: np.ndarray, labels: np.ndarray, centroids: np.ndarray, block: int = 65_536
) -> tuple[np.ndarray, np.ndarray]:
    """For rows of X (n, f) float32 with labels 0..k-1 and centroids (k, f) float32: each row's
    Euclidean distance to its centroid, float32 (``np.linalg.norm`` of the float32 residual), and
    squared distance, float64; by blocks of rows. The float64 residual of two float32 numbers is
    exact, so rounding it to float32 gives the float32 residual bit for bit."""
    distance = np.empty(len(X), dtype=np.float32)
    squared = np.empty(len(X), dtype=np.float64)
    wide = centroids.astype(np.float64)
    for start in range(0, len(X), block):
        residual = X[start : start + block].astype(np.float64)
        residual -= wide[labels[start : start + block]]
        squared[start : start + block] = np.einsum("ij,ij->i", residual, residual)
        distance[start : start + block] = np.linalg.norm(residual.astype(X.dtype), axis=1)
    return distance, squared


#: Rows per block of ``raw_stats``' second pass (a (rows, f) float64 block stays in cache).
STATS_BLOCK = 65_536


def raw_stats(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Global mean and (population) standard deviation of raw (n >= 1, f) per feature, float64 (f,).

    Two passes, as ``raw.std(axis=0)`` makes, but the squared deviations are summed block by
    block: numpy's own would write two (n, f) temporaries, 160 MB at 1M songs and about as
    slow as the rest of a fit's profiles."""
    mean = np.ones(len(raw)) @ raw / len(raw)
    squares = np.zeros(raw.shape[1])
    for start in range(0, len(raw), STATS_BLOCK):
        deviation = raw[start : start + STATS_BLOCK] - mean
        squares += np.einsum("ij,ij->j", deviation, deviation)
    return mean, np.sqrt(squares / len(raw))


def profile_clusters(
    raw: np.ndarray,
    X: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
    features: tuple[str, ...],
    *,
    distance: np.ndarray | None = None,
    stats: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[ClusterProfile, ...]:
    """Sizes, raw means, z-scores, descriptions and representatives of clusters 0..k-1.

    ``raw`` (n, f) is in raw units, ``X`` (n, f) scaled, ``centroids`` (k, f) scaled;
    z = (cluster mean − global mean) / global standard deviation, per feature, in raw
    units, where "global" is every song (noise included: it is part of the catalog).
    Noise songs belong to no profile. ``distance`` (n,) is each clustered song's distance to
    its centroid when already known (``member_distances``), ``stats`` ``raw_stats(raw)``.
    """
    k = len(centroids)
    members_mask = labels != NOISE
    every = bool(members_mask.all())
    clustered = labels if every else labels[members_mask]
    order = np.argsort(clustered, kind="stable")  # a radix sort for int16 labels
    clustered = clustered.astype(np.intp)  # once, rather than in every bincount
    sizes = np.bincount(clustered, minlength=k)
    member_raw = raw if every else raw[members_mask]
    sums = np.stack(
        [np.bincount(clustered, weights=member_raw[:, j], minlength=k) for j in range(raw.shape[1])], axis=1
    )
    means = sums / np.maximum(sizes, 1)[:, None]
    global_mean, global_std = stats if stats is not None else raw_stats(raw)
    z = (means - global_mean) / np.where(global_std > 0, global_std, 1.0)
    if distance is None:
        distance = member_distances(X if every else X[members_mask], clustered, centroids)[0]
    spread = np.bincount(clustered, weights=distance, minlength=k) / np.maximum(sizes, 1)
    rows = np.arange(len(labels)) if every else np.flatnonzero(members_mask)
    by_cluster = rows[order]  # rows grouped by cluster
    starts = np.concatenate([[0], np.cumsum(sizes)])
    full_distance = distance
    if not every:
        full_distance = np.full(len(labels), np.inf, dtype=distance.dtype)
        full_distance[members_mask] = distance
    profiles = []
    for c in range(k):
        nearest = nearest_members(by_cluster[starts[c] : starts[c + 1]], full_distance, REPRESENTATIVES)
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


def davies_bouldin(centroids: np.ndarray, spread: np.ndarray) -> float:
    """Davies-Bouldin index from cluster centroids (k, f) and each cluster's mean distance to its
    centroid (k,), with scikit-learn's conventions (0 when every spread or every centroid
    distance is 0; coinciding centroids do not count)."""
    wide = centroids.astype(np.float64)
    gaps = np.sqrt(np.maximum(((wide[:, None, :] - wide[None, :, :]) ** 2).sum(axis=2), 0))
    np.fill_diagonal(gaps, 0)
    if np.allclose(spread, 0) or np.allclose(gaps, 0):
        return 0.0
    gaps[gaps == 0] = np.inf
    return float(np.mean(np.max((spread[:, None] + spread[None, :]) / gaps, axis=1)))


def calinski_harabasz(means: np.ndarray, sizes: np.ndarray, inertia: float) -> float:
    """Calinski-Harabasz index from cluster means (k, f) float64, sizes (k,) and the
    within-cluster sum of squares (scikit-learn's convention: 1.0 when that is 0)."""
    n, k = int(sizes.sum()), len(sizes)
    overall = (means * sizes[:, None]).sum(axis=0) / n
    between = float((sizes * ((means - overall) ** 2).sum(axis=1)).sum())
    return 1.0 if inertia == 0.0 else between * (n - k) / (inertia * (k - 1.0))


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
    shared: SharedWork | None = None,
) -> Clustering:
    """The Clustering of any labels on scaled X (n, f); raw (n, f) for the profiles.

    ``labels`` holds NOISE or any non-negative cluster ids (renumbered by size here).
    Quality scores use the clustered songs only. With fewer than two clusters the scores
    are NaN and ``metrics_note`` explains, followed by ``few_clusters_hint`` (what to try).
    ``started`` is the ``time.perf_counter()`` at which the fit began. ``shared`` carries
    work between fits of the same X, raw and seed at several K (``SharedWork``).
    """
    labels = order_by_size(labels)
    clustered = labels != NOISE
    every = bool(clustered.all())
    Xc, lc = (X, labels) if every else (X[clustered], labels[clustered])
    k = int(lc.max()) + 1 if len(lc) else 0
    noise = int(len(labels) - np.count_nonzero(clustered))
    codes = lc.astype(np.intp)  # once, rather than in every bincount and gather
    means, counts = cluster_means(Xc, codes, k)
    centroids = means.astype(np.float32)
    distance, squared = member_distances(Xc, codes, centroids)
    inertia = float(squared.sum()) if k else float("nan")
    spread = np.bincount(codes, weights=distance, minlength=k) / np.maximum(counts, 1)
    if 2 <= k < len(lc):
        score, sample = silhouette(Xc, codes, seed, shared if every else None)
        db, ch = davies_bouldin(means, spread), calinski_harabasz(means, counts, inertia)
        note = _noise_note(noise, len(labels))
    else:
        score, sample, db, ch = float("nan"), None, float("nan"), float("nan")
        found = f"{k} cluster{'s' if k != 1 else ''}" + (f" and {noise:,} noise songs" if noise else "")
        note = (
            f"Found {found}: silhouette, Davies-Bouldin and Calinski-Harabasz need at least two "
            f"clusters. {few_clusters_hint}"
        ).strip()
    stats = None
    if shared is not None:
        if shared.raw_stats is None:
            shared.raw_stats = raw_stats(raw)
        stats = shared.raw_stats
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
        profiles=profile_clusters(raw, X, labels, centroids, features, distance=distance, stats=stats),
        fit_seconds=time.perf_counter() - started,
    )


def cluster_kmeans(
    raw: np.ndarray,
    X: np.ndarray,
    k: int,
    features: tuple[str, ...],
    scaler: str,
    seed: int,
    shared: SharedWork | None = None,
) -> Clustering:
    """K-Means on scaled X (n, f) with metrics and profiles; raw (n, f) for the profiles.

    ``shared`` (one per X, raw and seed) lets a sweep over K reuse work; the result is the same
    with or without it.
    """
    check_k(k, len(X))
    started = time.perf_counter()
    with fit_threads():
        labels, method = fit_kmeans(X, k, seed)
        if np.count_nonzero(np.bincount(labels)) < 2:
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
            shared=shared,
        )
