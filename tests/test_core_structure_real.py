"""Stability and the null model on the reference dataset, against a straightforward computation.

The engine refits through its method registry; here the same numbers are computed again with
scikit-learn directly (StandardScaler, KMeans, silhouette_score, adjusted_rand_score) and
Python sets for the Jaccards, with the same seeds, and must agree to 3 decimals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from core.cache import ModelCache
from core.catalog import load_catalog
from core.clustering import N_INIT
from core.engine import Engine

K = 5
SEED = 42
RESAMPLES = 20
DRAWS = 5


def _kmeans(X: np.ndarray) -> np.ndarray:
    return KMeans(n_clusters=K, init="k-means++", n_init=N_INIT, random_state=SEED).fit_predict(X)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Clusters renumbered so 0 is the largest (ties: lower old number first)."""
    sizes = np.bincount(labels)
    order = sorted(range(len(sizes)), key=lambda c: (-sizes[c], c))
    return np.array([order.index(c) for c in labels])


@pytest.fixture(scope="module")
def reference(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, np.ndarray]:
    """An Engine (seed 42) on spotify.csv as the project loads it, and its features scaled by
    scikit-learn directly (float32, as the engine fits)."""
    catalog = load_catalog(shared_data / "spotify.csv")
    engine = Engine(catalog, ModelCache(tmp_path_factory.mktemp("cache")), seed=SEED)
    raw = catalog.feature_matrix(engine.params(K).features)
    return engine, StandardScaler().fit_transform(raw).astype(np.float32)


def test_stability_matches_a_direct_computation(reference: tuple[Engine, np.ndarray]) -> None:
    engine, X = reference
    params = engine.params(K)
    original = _by_size(_kmeans(X))
    np.testing.assert_array_equal(original, engine.clustering(params).labels)

    rng = np.random.default_rng(SEED)
    jaccards: list[list[float]] = [[] for _ in range(K)]
    aris = []
    for _ in range(RESAMPLES):
        drawn = rng.integers(0, len(X), size=len(X))
        fitted = _kmeans(X[drawn])
        songs, first = np.unique(drawn, return_index=True)
        mine, theirs = original[songs], fitted[first]
        for c in range(K):
            a = set(songs[mine == c])
            jaccards[c].append(
                max(len(a & set(songs[theirs == d])) / len(a | set(songs[theirs == d])) for d in range(K))
            )
        aris.append(adjusted_rand_score(mine, theirs))

    result = engine.stability(params)
    assert result.ari == pytest.approx(np.mean(aris), abs=5e-4)
    np.testing.assert_allclose(result.jaccards, [np.mean(j) for j in jaccards], atol=5e-4)
    assert [c.recovered for c in result.clusters] == [sum(v >= 0.75 for v in j) for j in jaccards]
    assert 0.7 < result.ari < 0.95  # the reference's K=5 is fairly, not perfectly, stable


def test_null_comparison_matches_a_direct_computation(reference: tuple[Engine, np.ndarray]) -> None:
    engine, X = reference
    params = engine.params(K)
    rng = np.random.default_rng(SEED)
    scores = []
    for _ in range(DRAWS):
        shuffled = np.empty_like(X)
        for j in range(X.shape[1]):
            shuffled[:, j] = X[rng.permutation(len(X)), j]
        scores.append(silhouette_score(shuffled, _kmeans(shuffled)))
    real = silhouette_score(X, _kmeans(X))

    null = engine.null_comparison(params)
    assert null.silhouette == pytest.approx(real, abs=5e-4)
    np.testing.assert_allclose(null.null_silhouettes, scores, atol=5e-4)
    assert null.null_mean == pytest.approx(np.mean(scores), abs=5e-4)
    assert null.null_sd == pytest.approx(np.std(scores, ddof=1), abs=5e-4)
    assert null.beats_null == (real > np.mean(scores) + max(2 * np.std(scores, ddof=1), 0.01))
