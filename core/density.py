"""DBSCAN: dense groups of songs, the songs in none (noise), and the k-distance plot that suggests eps.

Definitions (scikit-learn's): a song is a *core* song when at least ``min_samples`` songs,
itself included, lie within ``eps`` of it (Euclidean, scaled units); clusters are
core songs linked through each other plus the songs within eps of one of them; every
other song is noise (label ``NOISE``).

Defaults and the suggested eps:

- ``min_samples`` defaults to 2 × the number of clustered features, the rule of thumb
  of Sander et al. (1998) that Schubert et al. ("DBSCAN revisited", 2017) repeat:
  more dimensions spread songs thinner, so a dense group needs more members.
- the k-distance of a song is its distance to its ``min_samples``-th nearest song,
  counting itself as scikit-learn does, so exactly the songs whose k-distance is at
  most eps are core songs. It is computed for a seeded sample of at most
  ``K_DISTANCE_SAMPLE`` songs, against every song DBSCAN fits on.
- the suggested eps is the knee of the sorted k-distances: both axes scaled to 0..1,
  the point farthest below the chord from the first to the last point (the "Kneedle"
  idea). Left of it songs sit in dense regions; right of it distances shoot up.
  It is rounded to three significant digits so it reads well in a URL.

Scale:

- up to ``DBSCAN_FULL_MAX`` songs DBSCAN fits on every song; above, on a seeded sample
  of that many, and every other song takes the label of its nearest core song when that
  is within eps, else it is noise (what DBSCAN does for a border song). The k-distance
  uses the same fitted songs, so the suggested eps suits what DBSCAN sees.
- scikit-learn keeps every song's neighbourhood in memory, so a very large eps costs
  O(n²) memory. Before fitting, the mean neighbourhood size is estimated on
  ``PAIR_PROBE`` songs; when songs × mean neighbours would exceed ``DBSCAN_MAX_PAIRS``,
  DBSCAN fits a smaller seeded sample, sized to the budget, with min_samples scaled by
  the same ratio so the density threshold stays the same. ``method`` says so.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.neighbors import KDTree, NearestNeighbors

from core.clustering import NOISE, Clustering, fit_threads, from_labels, sample_rows
from core.diagnostics import BIG_CLUSTER_SHARE

DBSCAN_FULL_MAX = 50_000
K_DISTANCE_SAMPLE = 10_000
PAIR_PROBE = 1_000
#: About 160 MB of neighbour indices inside scikit-learn's DBSCAN.
DBSCAN_MAX_PAIRS = 20_000_000
#: Above this share of noise, fewer than two clusters means eps is too small (see few_clusters_hint).
_MOSTLY_NOISE = 0.5


def default_min_samples(n_features: int) -> int:
    """2 × number of features (see the module docstring)."""
    return 2 * n_features


def fitted_songs(n_songs: int) -> int:
    """How many songs DBSCAN fits on (the rest are assigned afterwards)."""
    return min(n_songs, DBSCAN_FULL_MAX)


def fit_rows(n_songs: int, seed: int) -> np.ndarray:
    """Sorted positions of the songs DBSCAN fits on: all, or a seeded sample of DBSCAN_FULL_MAX."""
    return sample_rows(n_songs, DBSCAN_FULL_MAX, seed)


@dataclass(frozen=True)
class KDistance:
    """The k-distance curve: ``distances`` (m,), float64, sorted ascending, scaled units, one per
    sampled song (m <= K_DISTANCE_SAMPLE): its distance to its ``min_samples``-th nearest song
    (itself counted). ``suggested_eps`` is the knee (see the module docstring)."""

    distances: np.ndarray
    min_samples: int
    suggested_eps: float


def knee(sorted_values: np.ndarray) -> int:
    """Index of the knee of an ascending curve: after scaling both axes to 0..1, the point
    farthest below the chord from the first point to the last (0 for a flat curve)."""
    span = sorted_values[-1] - sorted_values[0]
    if len(sorted_values) < 3 or span <= 0:
        return 0
    x = np.linspace(0.0, 1.0, len(sorted_values))
    y = (sorted_values - sorted_values[0]) / span
    return int(np.argmax(x - y))


def k_distance(X: np.ndarray, min_samples: int, seed: int) -> KDistance:
    """The k-distance curve of scaled X (n, f) for min_samples (2 <= min_samples <= fitted songs)."""
    fitted = X[fit_rows(len(X), seed)]
    probes = fitted[sample_rows(len(fitted), K_DISTANCE_SAMPLE, seed)]
    with fit_threads():
        distances, _ = NearestNeighbors(n_neighbors=min_samples).fit(fitted).kneighbors(probes)
    curve = np.sort(distances[:, -1].astype(np.float64))
    eps = float(curve[knee(curve)])
    if eps <= 0:  # duplicates: the knee sits among songs with min_samples identical copies
        positive = curve[curve > 0]
        eps = float(positive[0]) if len(positive) else 1.0
    return KDistance(distances=curve, min_samples=min_samples, suggested_eps=float(f"{eps:.3g}"))


def _memory_bounded(rows: np.ndarray, X: np.ndarray, eps: float, min_samples: int, seed: int) -> tuple[np.ndarray, int]:
    """The fitted rows and min_samples, shrunk by one seeded ratio if neighbourhoods would exceed
    DBSCAN_MAX_PAIRS (see the module docstring)."""
    fitted = X[rows]
    probes = fitted[sample_rows(len(fitted), PAIR_PROBE, seed)]
    mean_neighbours = float(KDTree(fitted).query_radius(probes, eps, count_only=True).mean())
    pairs = len(fitted) * mean_neighbours
    if pairs <= DBSCAN_MAX_PAIRS:
        return rows, min_samples
    ratio = math.sqrt(DBSCAN_MAX_PAIRS / pairs)
    kept = rows[sample_rows(len(rows), max(min_samples, int(len(rows) * ratio)), seed)]
    return kept, max(2, round(min_samples * len(kept) / len(rows)))


def fit_dbscan(X: np.ndarray, eps: float, min_samples: int, seed: int) -> tuple[np.ndarray, str]:
    """DBSCAN on scaled X (n, f); returns labels (n,) (NOISE or cluster ids) and a plain description."""
    rows = fit_rows(len(X), seed)
    sampled = len(rows) < len(X)
    rows, used_min_samples = _memory_bounded(rows, X, eps, min_samples, seed)
    model = DBSCAN(eps=eps, min_samples=used_min_samples).fit(X[rows])
    labels = np.full(len(X), NOISE, dtype=np.int64)
    labels[rows] = model.labels_
    method = f"DBSCAN (eps {eps:g}, min_samples {min_samples})"
    if used_min_samples != min_samples:
        method += (
            f"; eps this large would hold too many neighbours in memory, so fitted on a seeded sample of "
            f"{len(rows):,} songs with min_samples {used_min_samples} (same density)"
        )
    elif sampled:
        method += f"; fitted on a seeded sample of {len(rows):,} songs"
    if len(rows) < len(X):
        method += "; other songs take the cluster of their nearest core song within eps, else noise"
        rest = np.setdiff1d(np.arange(len(X)), rows, assume_unique=True)
        core = rows[model.core_sample_indices_]
        if len(core):
            distance, nearest = NearestNeighbors(n_neighbors=1).fit(X[core]).kneighbors(X[rest])
            labels[rest] = np.where(distance[:, 0] <= eps, labels[core[nearest[:, 0]]], NOISE)
    return labels, method


def few_clusters_hint(labels: np.ndarray, eps: float) -> str:
    """What to try when DBSCAN found fewer than two clusters, consistent with the numbers.

    A smaller eps shrinks every song's neighbourhood: fewer songs are core, so noise only
    grows, and a group splits only by losing its thinner middle to noise. So it is the
    advice only when there is little noise to start from: one group holding more than
    ``BIG_CLUSTER_SHARE`` of all songs (core.diagnostics' "one big cluster"), which a
    denser threshold (smaller eps, larger min_samples) may split. Whenever the noise is
    a large share (the one group holds less, or there is no group), the advice is the
    other way: a larger eps or a smaller min_samples brings noise songs in. When half
    of the songs or more are noise that is all there is to say; with one group and
    between a fifth and half of the songs as noise, the hint also says that a smaller eps
    would leave still more out, and that one group that stays one has no separate dense
    regions to find (K-Means or hierarchical clustering divide them into K groups instead).
    """
    n = max(len(labels), 1)
    noise = float(np.mean(labels == NOISE)) if len(labels) else 0.0
    biggest = int(np.bincount(labels[labels != NOISE]).max()) if np.any(labels != NOISE) else 0
    if noise > _MOSTLY_NOISE or biggest == 0:
        return f"Most songs are noise at eps {eps:g}: try a larger eps, or a smaller min_samples."
    if biggest > BIG_CLUSTER_SHARE * n:
        return (
            f"One dense group holds {biggest / n:.0%} of the songs at eps {eps:g}: try a smaller eps, or a "
            "larger min_samples, to split it."
        )
    return (
        f"{noise:.0%} of the songs are noise and the rest form one group at eps {eps:g}; a smaller eps would "
        "leave even more out. To bring them in, try a larger eps, or a smaller min_samples; if they still "
        "form one group, these songs have no separate dense regions, and K-Means or hierarchical clustering "
        "divides them into K groups instead."
    )


def cluster_dbscan(
    raw: np.ndarray, X: np.ndarray, eps: float, min_samples: int, features: tuple[str, ...], scaler: str, seed: int
) -> Clustering:
    """DBSCAN on scaled X (n, f) with metrics (noise left out) and profiles; raw (n, f) for the profiles."""
    started = time.perf_counter()
    with fit_threads():
        labels, method = fit_dbscan(X, eps, min_samples, seed)
        return from_labels(
            raw,
            X,
            labels,
            algorithm="dbscan",
            method=method,
            features=features,
            scaler=scaler,
            seed=seed,
            started=started,
            few_clusters_hint=few_clusters_hint(labels, eps),
        )
