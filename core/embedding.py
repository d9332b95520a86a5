"""t-SNE and UMAP maps of the scaled feature space, for looking only (never clustered on).

Both keep close songs close on a 2-D map but, unlike PCA, distort distances between
groups: good to see structure, not to measure it. They depend on the feature space
alone (features, scaler, seed), never on K or the algorithm, so the engine computes
each once per dataset and feature space and caches it.

Every song gets coordinates. Up to a method's fit size the map is fitted on all songs;
above it, on a seeded sample of that many (``core.clustering.sample_rows``, the same in
every worker), and every other song is then *placed by transform*: at the mean map position
of its ``PLACE_NEIGHBOURS`` = 10 nearest fitted songs in the scaled feature space (exact
Euclidean search), weighted by 1 / squared distance. That is the starting point of
openTSNE's ``prepare_partial`` and of UMAP's own ``transform``, without their refining
iterations (which at 90,000 songs cost more than the fit: openTSNE's took 7–8 s): a placed
song lands among the songs it is most like, beside its near-duplicates, and no two songs
share a position unless they are equal, so every song can be clicked in every view. (The
median position, openTSNE's default, put 90,000 placed songs on 15,000 distinct points.)
``Embedding.fitted`` says which songs the map was fitted on.

Methods and parameters:

- **t-SNE**: openTSNE (BSD-3), FFT-accelerated interpolation (FIt-SNE), PCA
  initialisation, perplexity ``TSNE_PERPLEXITY`` = 30 on the exact 90 nearest neighbours,
  ``TSNE_EARLY_ITER`` = 250 iterations at exaggeration 12, then ``TSNE_ITER`` = 350 at 1
  (500 scored 0.001 higher trustworthiness at 20k and took 2 s more), learning rate
  n / 12, ``TSNE_INTS_IN_INTERVAL`` = 2 (interpolation cells of 2 map units, at least
  ``TSNE_MIN_INTERVALS`` = 25 per axis; the FFT grid is what an iteration costs: cells of
  1 unit made a 10,000-song fit 3x slower for the same trustworthiness). Fitted on up to
  ``TSNE_SAMPLE`` = 10,000 songs (20,000 took 14–20 s while other work ran here).
- **UMAP**: umap-learn, ``UMAP_NEIGHBOURS`` = 15 exact nearest neighbours (scikit-learn,
  passed to UMAP as ``precomputed_knn``, so pynndescent never runs: its search and
  compilation were most of the old 53 s at 20k), ``UMAP_MIN_DIST`` = 0.1, PCA
  initialisation (spectral took 5 s more at 20k and kept fewer neighbours there), the
  library's epochs (200 above 10,000 songs, 500 below), seeded and therefore on one
  thread. Fitted on up to ``UMAP_SAMPLE`` = 20,000 songs. Its numba code compiles on first
  use in a process; ``warm_up`` does that on a tiny array (``python -m app.prepare``
  runs it, filling numba's on-disk cache for later processes).

Determinism: every random choice is seeded and every thread count is fixed, not taken from
the machine: openTSNE on ``TSNE_THREADS`` = 1 thread (two OpenMP threads made a 2k fit 2.5x
slower while other work kept this 2-core machine busy: they spin-wait for a busy core),
UMAP on one, BLAS and scikit-learn's neighbour searches on one
(``core.clustering.fit_threads``, ``SEARCH_THREADS`` = 1). The same input gives
bit-identical maps in every process (tests/test_core_embedding.py compares two
subprocesses with different OMP_NUM_THREADS).

Measurements (bench/embedding_bench.py, bench/RESULTS.md "Maps (issue 13)"; 2 cores, other
processes using 11–45 % of them; each map = Engine.embedding on an empty cache):

======  =====================================  =====================================
songs   t-SNE new (old)                        UMAP new (old, compilation apart)
======  =====================================  =====================================
2k      1.9 s, all fitted (8.4 s)              1.7 s, all fitted (3.8 s)
20k     7.3 s, 10,000 fitted (22 s on 5,000)   6.9 s, all fitted (12 s)
100k    8.8 s, 10,000 fitted (22 s on 5,000)   10 s, 20,000 fitted (12 s on 20,000)
======  =====================================  =====================================

Trustworthiness (10 neighbours, the same 5,000 songs): t-SNE 0.979 → 0.976 (2k),
0.992 → 0.987 (20k), 0.993 → 0.989 (100k); UMAP 0.954 → 0.943 (2k; seeds 0–3 gave
0.943–0.948 old and 0.943–0.945 new), 0.647 → 0.763 (20k), 0.647 → 0.755 (100k); and now
every song is on the map, not 5,000 or 20,000 of them. With more load (other processes
using 40–70 % of both cores) the same code took up to 17 s (t-SNE, 20k) and 16 s (UMAP,
100k): the 15 s target holds on this machine only while it is not that busy.
``warm_up``: 4.2 s with numba's on-disk cache filled (the first process on a machine fills
it: 14 s; set NUMBA_CACHE_DIR to a writable folder if site-packages is read-only), 0.06 s
when called again; after it a UMAP compiles nothing (the first UMAP at 20k took 6.89 s, the
same again 6.85 s). The old UMAP compiled for 28–34 s in each process before its first map.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.neighbors import NearestNeighbors

from core.clustering import fit_threads, sample_rows

#: The 2-D maps the engine computes, by name, with their labels.
EMBEDDINGS = {"tsne": "t-SNE", "umap": "UMAP"}
#: Fit sizes: a seeded sample of this many songs above it; the others are placed.
TSNE_SAMPLE = 10_000
UMAP_SAMPLE = 20_000
TSNE_PERPLEXITY = 30.0
TSNE_EARLY_ITER = 250
TSNE_EARLY_EXAGGERATION = 12.0
TSNE_ITER = 350
#: FFT interpolation grid: cells of this many map units, at least TSNE_MIN_INTERVALS per axis.
TSNE_INTS_IN_INTERVAL = 2.0
TSNE_MIN_INTERVALS = 25
UMAP_NEIGHBOURS = 15
UMAP_MIN_DIST = 0.1
#: A song not fitted is placed at the mean map position of this many nearest fitted songs,
#: weighted by 1 / (squared distance + PLACE_EPSILON) in the scaled feature space.
PLACE_NEIGHBOURS = 10
PLACE_EPSILON = 1e-6
#: Threads, fixed whatever the machine so the map is the same everywhere (module docstring):
#: openTSNE's OpenMP threads and scikit-learn's neighbour-search jobs. Two of either were
#: no faster, or slower, while other work kept this 2-core machine busy.
TSNE_THREADS = 1
SEARCH_THREADS = 1


@dataclass(frozen=True)
class Embedding:
    """A 2-D map of every song: ``rows`` (n,) catalog positions 0..n-1 (kept for callers
    written when a map covered a sample only), ``coords`` (n, 2) float32 in arbitrary units
    (only neighbourhoods mean something), row i for song i. ``fitted`` (m,) sorted positions
    of the songs the map was fitted on (all of them up to the method's sample size; the
    others were placed beside their nearest fitted songs). ``method`` is "tsne" or "umap";
    ``description`` says it in words, with the sample; ``seconds`` is the compute time."""

    rows: np.ndarray
    coords: np.ndarray
    method: str
    description: str
    seconds: float
    fitted: np.ndarray = field(default_factory=lambda: np.arange(0))

    @property
    def placed(self) -> int:
        """How many songs were placed rather than fitted."""
        return len(self.rows) - len(self.fitted)


def _neighbours(fitted: np.ndarray, k: int, queries: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(indices, distances), each (q, k), of the k nearest rows of ``fitted`` (m, f) to each row of
    ``queries`` (q, f); None: to each fitted row, itself left out (also when duplicates tie with it).
    Exact Euclidean, brute force: in ten dimensions scikit-learn's kd-tree was 2.5x slower."""
    index = NearestNeighbors(n_neighbors=k, algorithm="brute", n_jobs=SEARCH_THREADS).fit(fitted)
    distances, indices = index.kneighbors(queries)
    return indices, distances


def _tsne(X: np.ndarray, seed: int) -> np.ndarray:
    from openTSNE import TSNEEmbedding, affinity, initialization
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    perplexity = min(TSNE_PERPLEXITY, (len(X) - 1) / 3)
    indices, distances = _neighbours(X, min(len(X) - 1, int(3 * perplexity)))
    affinities = affinity.PerplexityBasedNN(
        perplexity=perplexity, knn_index=PrecomputedNeighbors(indices, distances), n_jobs=TSNE_THREADS
    )
    start = initialization.pca(X, random_state=seed)
    embedding = TSNEEmbedding(
        start,
        affinities,
        negative_gradient_method="fft",
        ints_in_interval=TSNE_INTS_IN_INTERVAL,
        min_num_intervals=TSNE_MIN_INTERVALS,
        n_jobs=TSNE_THREADS,
        random_state=seed,
    )
    embedding = embedding.optimize(TSNE_EARLY_ITER, exaggeration=TSNE_EARLY_EXAGGERATION, momentum=0.5)
    embedding = embedding.optimize(TSNE_ITER, momentum=0.8)
    return np.asarray(embedding)


def _umap(X: np.ndarray, seed: int) -> np.ndarray:
    import umap  # imported here: it loads numba, which takes seconds and is needed for this view only

    neighbours = min(UMAP_NEIGHBOURS, len(X) - 1)
    X = np.ascontiguousarray(X, dtype=np.float32)
    others, distances = _neighbours(X, neighbours - 1)
    # UMAP's neighbour lists start with the song itself, at distance 0
    indices = np.column_stack([np.arange(len(X)), others]).astype(np.int32)
    distances = np.column_stack([np.zeros(len(X)), distances]).astype(np.float32)
    model = umap.UMAP(
        n_components=2,
        n_neighbors=neighbours,
        min_dist=UMAP_MIN_DIST,
        init="pca",
        random_state=seed,
        n_jobs=1,
        precomputed_knn=(indices, distances),
    )
    with warnings.catch_warnings():
        # no search index (we never call UMAP.transform), seeded so one thread: both intended
        warnings.simplefilter("ignore", UserWarning)
        return model.fit_transform(X)


def place(fitted: np.ndarray, fitted_coords: np.ndarray, others: np.ndarray, k: int = PLACE_NEIGHBOURS) -> np.ndarray:
    """Map positions (q, 2) for ``others`` (q, f): per song, the mean of ``fitted_coords`` (m, 2)
    over its k nearest rows of ``fitted`` (m, f), weighted by 1 / squared distance (exact
    Euclidean; a song identical to a fitted one lands on it)."""
    if len(others) == 0:
        return np.empty((0, fitted_coords.shape[1]), dtype=fitted_coords.dtype)
    indices, distances = _neighbours(fitted, min(k, len(fitted)), others)
    weights = 1.0 / (distances**2 + PLACE_EPSILON)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("qk,qkd->qd", weights, fitted_coords[indices].astype(np.float64))


def embed(X: np.ndarray, method: str, seed: int) -> Embedding:
    """The ``method`` map ("tsne" or "umap") of every song of scaled X (n, f): fitted on all
    songs up to the method's sample size, else on a seeded sample with the others placed."""
    started = time.perf_counter()
    n = len(X)
    fitted = sample_rows(n, TSNE_SAMPLE if method == "tsne" else UMAP_SAMPLE, seed)
    coords = np.empty((n, 2), dtype=np.float32)
    with fit_threads():
        coords[fitted] = (_tsne if method == "tsne" else _umap)(X[fitted], seed)
        others = np.setdiff1d(np.arange(n), fitted, assume_unique=True)
        coords[others] = place(X[fitted], coords[fitted], X[others])
    name = EMBEDDINGS[method]
    if len(others):
        how = (
            f"{name} fitted on a seeded sample of {len(fitted):,} of {n:,} songs; the other {len(others):,} "
            f"placed by transform, each among its {PLACE_NEIGHBOURS} nearest fitted songs"
        )
    else:
        how = f"{name} fitted on all {n:,} songs"
    return Embedding(
        rows=np.arange(n),
        coords=coords,
        method=method,
        description=(
            f"{how}, of the scaled features, for looking only: clusters and neighbours "
            f"are computed in the full feature space, and distances between far-apart groups mean little."
        ),
        seconds=time.perf_counter() - started,
        fitted=fitted,
    )


def warm_up(seed: int = 0, *, will_fork: bool = False) -> float:
    """Compile UMAP's numba code on a tiny seeded float32 array (the engine's scaled matrices
    are float32, and numba compiles per dtype) and load openTSNE, so that the first map a user
    asks for in this process, or in a process forked from it, does not pay it; returns the
    seconds it took. Cheap to call again (compiled code stays for the process).

    UMAP starts numba's threading layer. The default one here is GNU OpenMP, which terminates
    any child forked after it ("fork() called from a process already using GNU OpenMP"); a
    process that forks jobs after warming (app.launcher) passes ``will_fork`` to use numba's
    workqueue layer instead, which survives a fork but must not run parallel code from two
    threads at once (a job process runs one job on one thread). It must be called before
    anything else in the process used numba's parallel code.

    ``python -m app.prepare`` calls it before gunicorn starts, which also fills numba's on-disk
    cache for every later process (about 14 s the first time, about 4 s afterwards)."""
    if will_fork:
        import numba

        numba.config.THREADING_LAYER = "workqueue"
    started = time.perf_counter()
    X = np.random.default_rng(seed).normal(size=(64, 4)).astype(np.float32)
    embed(X, "umap", seed)
    import openTSNE  # noqa: F401  (compiled ahead of time: loading it is all there is to warm)

    return time.perf_counter() - started
