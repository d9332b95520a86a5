"""t-SNE and UMAP maps of the scaled feature space, for looking only (never clustered on).

Both keep close songs close on a 2-D map but, unlike PCA, distort distances between
groups: good to see structure, not to measure it. They depend on the feature space
alone (features, scaler, seed), never on K or the algorithm, so the engine computes
each once per dataset and feature space and caches it.

Sample sizes (seconds, not minutes, on 2 cores; see bench/RESULTS.md):

- t-SNE (scikit-learn, Barnes-Hut, PCA init, perplexity 30): every song up to
  ``TSNE_SAMPLE`` songs, else a seeded sample of that many.
- UMAP (umap-learn, 15 neighbours, min_dist 0.1): every song up to ``UMAP_SAMPLE``
  songs, else a seeded sample of that many. Seeded UMAP runs on one thread; that is
  the price of a map that is the same in every worker. Its first call in a process
  compiles numba code (about 10–20 s once).

Both run on one BLAS/OpenMP thread: t-SNE of the 2k reference songs took 17 s on one
thread and 37 s on two while other processes kept this 2-core machine busy (OpenMP
threads spin-waiting for a busy core, as in core.clustering).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.manifold import TSNE

from core.clustering import fit_threads, sample_rows

#: The 2-D maps the engine computes, by name, with their labels.
EMBEDDINGS = {"tsne": "t-SNE", "umap": "UMAP"}
TSNE_SAMPLE = 5_000
UMAP_SAMPLE = 20_000
TSNE_PERPLEXITY = 30.0
UMAP_NEIGHBOURS = 15


@dataclass(frozen=True)
class Embedding:
    """A 2-D map of some songs: ``rows`` (m,) sorted catalog positions, ``coords`` (m, 2) float32
    in arbitrary units (only neighbourhoods mean something). ``method`` is "tsne" or "umap";
    ``description`` says it in words, with the sample; ``seconds`` is the compute time."""

    rows: np.ndarray
    coords: np.ndarray
    method: str
    description: str
    seconds: float


def _tsne(X: np.ndarray, seed: int) -> np.ndarray:
    perplexity = min(TSNE_PERPLEXITY, (len(X) - 1) / 3)
    return TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=seed).fit_transform(X)


def _umap(X: np.ndarray, seed: int) -> np.ndarray:
    import umap  # imported here: it loads numba, which takes seconds and is needed for this view only

    neighbours = min(UMAP_NEIGHBOURS, len(X) - 1)
    model = umap.UMAP(n_components=2, n_neighbors=neighbours, min_dist=0.1, random_state=seed, n_jobs=1)
    with warnings.catch_warnings():
        # small catalogs make UMAP fall back to an exact spectral init with a warning; both are fine
        warnings.simplefilter("ignore", UserWarning)
        return model.fit_transform(X)


def embed(X: np.ndarray, method: str, seed: int) -> Embedding:
    """The ``method`` map ("tsne" or "umap") of scaled X (n, f), on a seeded sample above its size."""
    started = time.perf_counter()
    rows = sample_rows(len(X), TSNE_SAMPLE if method == "tsne" else UMAP_SAMPLE, seed)
    with fit_threads():
        coords = (_tsne if method == "tsne" else _umap)(X[rows], seed).astype(np.float32)
    sample = f"a seeded sample of {len(rows):,} of {len(X):,} songs" if len(rows) < len(X) else f"all {len(X):,} songs"
    return Embedding(
        rows=rows,
        coords=coords,
        method=method,
        description=(
            f"{EMBEDDINGS[method]} of {sample} of the scaled features, for looking only: clusters and neighbours "
            f"are computed in the full feature space, and distances between far-apart groups mean little."
        ),
        seconds=time.perf_counter() - started,
    )
