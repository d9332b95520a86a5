"""K-Means for large catalogs: restarts on a seeded sample, then Lloyd iterations on every song.

``fit_sampled_kmeans`` is what ``core.clustering.fit_kmeans`` uses above
``core.clustering.FULL_FIT_MAX`` songs:

1. scikit-learn's ``KMeans`` (k-means++ init, ``n_init`` restarts, the best kept) on a
   seeded sample of ``FIT_SAMPLE`` songs (``numpy.random.default_rng(seed)``, the same
   rows in every process);
2. every song is assigned to the nearest of those centres, then full-data Lloyd
   iterations (centres = the means of their songs, songs reassigned) run until fewer than
   ``CONVERGED_SHARE`` of the songs change cluster, at most ``MAX_FULL_ITER`` times.
   An iteration that would empty a cluster is not taken (K stays what the sample found).

Why: restarts are what protect K-Means from a poor local optimum, and they need only
the shape of the data, which a sample of 10,000 songs has; the full-data iteration then
fits the centres to every song. One iteration is one matrix product (n, f) × (f, K) in
float32 plus an argmin and K-wise sums: 0.05–0.07 s at 1,000,000 songs, 10 features and
K=5–12 on one core. Measured on the benchmark's resampled reference catalog (inertia divided by
that of scikit-learn's full K-Means, k-means++, 10 restarts, every song; K=2..12):

==========================  ==================  ==================
sample / full iterations     100,000 songs       1,000,000 songs
==========================  ==================  ==================
10,000 / 1 (the setting)     0.9962 – 1.0030     0.9987 – 1.0039
15,000 / 1                   0.9971 – 1.0040     0.9991 – 1.0008
20,000 / 2                   —                   0.9985 – 1.0006
==========================  ==================  ==================

(below 1: a better optimum than full K-Means found; MiniBatchKMeans was 1.034–1.039). More
iterations or a bigger sample bought less than 0.3 % for 0.05 s per iteration and about
0.02 s per 1,000 sampled songs at K=12 (15,000 songs put K=12 at 1M at 0.54 s, over the
0.5 s target; 10,000 stays within 0.4 % of full K-Means); bench/fit_bench.py and bench/RESULTS.md ("Fits at
scale (issue 13)") time the whole fit.

Deterministic for a seed: the sample, scikit-learn's seeded restarts, and the assignment
(a fixed chunking of one BLAS product) give the same labels in every process as long as
the caller limits BLAS/OpenMP to one thread (``core.clustering.fit_threads``).
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

#: Songs the restarts run on (a seeded sample; all songs when there are fewer).
FIT_SAMPLE = 10_000
#: Full-data Lloyd iterations stop when fewer than this share of songs changes cluster...
CONVERGED_SHARE = 1e-3
#: ...or after this many.
MAX_FULL_ITER = 1
#: Rows per block of the assignment (keeps the (rows, K) distance block in cache).
CHUNK = 32_768


def sample_positions(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted positions of a seeded sample of ``size`` of ``n`` rows; all rows when n <= size."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def assign(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre (squared Euclidean) for each row of X (n, f); intp (n,).

    Computed in X's dtype as ||c||² − 2 x·c (||x||² does not change the argmin), in blocks of
    CHUNK rows; ties go to the lower centre index.
    """
    C = np.ascontiguousarray(centres, dtype=X.dtype)
    norms = np.einsum("ij,ij->i", C.astype(np.float64), C.astype(np.float64)).astype(X.dtype)
    out = np.empty(len(X), dtype=np.intp)
    for start in range(0, len(X), CHUNK):
        block = X[start : start + CHUNK] @ C.T
        block *= -2
        block += norms
        out[start : start + CHUNK] = block.argmin(axis=1)
    return out


def cluster_means(X: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(means (k, f) float64, sizes (k,)) of the rows of X per label 0..k-1; empty clusters' means are 0."""
    sizes = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=X[:, j], minlength=k) for j in range(X.shape[1])], axis=1)
    return sums / np.maximum(sizes, 1)[:, None], sizes


def fit_sampled_kmeans(X: np.ndarray, k: int, seed: int, n_init: int) -> tuple[np.ndarray, int]:
    """K-Means on X (n, f) as the module docstring says; returns (labels (n,) intp, full-data iterations).

    ``n_init`` restarts with k-means++ on the sample. The caller sets the thread limits.
    """
    rows = sample_positions(len(X), FIT_SAMPLE, seed)
    model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed).fit(X[rows])
    centres = model.cluster_centers_.astype(np.float64)
    labels = assign(X, centres)
    done = 0
    while done < MAX_FULL_ITER:
        means, sizes = cluster_means(X, labels, k)
        centres = np.where(sizes[:, None] > 0, means, centres)  # a cluster without songs keeps its centre
        moved = assign(X, centres)
        if np.count_nonzero(np.bincount(moved, minlength=k)) < np.count_nonzero(np.bincount(labels, minlength=k)):
            break  # this step would empty a cluster: keep the last labels
        changed = int(np.count_nonzero(moved != labels))
        labels = moved
        done += 1
        if changed < CONVERGED_SHARE * len(X):
            break
    return labels, done
