"""Warnings about clusterings whose scores look better than the grouping is, with known answers."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from core.cache import ModelCache
from core.catalog import load_catalog
from core.clustering import NOISE, Clustering, from_labels, scale
from core.diagnostics import (
    DOMINANT_FEATURE,
    MOSTLY_NOISE,
    ONE_BIG_CLUSTER,
    TINY_CLUSTERS,
    Diagnostic,
    degenerate_reason,
    diagnose,
    is_degenerate,
    space_diagnostics,
    variance_shares,
)
from core.engine import Engine

FEATURES = ("instrumentalness", "energy", "tempo", "valence")


def zero_inflated(n: int = 2_000, seed: int = 0) -> np.ndarray:
    """Raw features (n, 4): instrumentalness under 0.01 for 90% of songs and 0.5-1 for the
    rest (so its interquartile range is tiny), then three standard normal features."""
    rng = np.random.default_rng(seed)
    instrumental = np.where(rng.random(n) < 0.9, rng.uniform(0, 0.01, n), rng.uniform(0.5, 1.0, n))
    return np.column_stack([instrumental, rng.normal(size=(n, 3))])


def clustering_of(labels: list[int] | np.ndarray, algorithm: str = "kmeans") -> Clustering:
    """A Clustering of the given labels (NOISE allowed) on random data: only sizes matter here."""
    labels = np.asarray(labels)
    X = np.random.default_rng(0).normal(size=(len(labels), 2)).astype(np.float32)
    return from_labels(
        X, X, labels, algorithm=algorithm, method="test", features=("a", "b"), scaler="standard", seed=0, started=0.0
    )


def sizes_to_labels(sizes: list[int], noise: int = 0) -> np.ndarray:
    return np.concatenate([np.full(size, c) for c, size in enumerate(sizes)] + [np.full(noise, NOISE)])


# -- the feature space ---------------------------------------------------------------------------


def test_robust_scaling_of_a_zero_inflated_feature_dominates() -> None:
    """Robust scaling divides instrumentalness by an IQR of about 0.005, so the instrumental 10%
    sit ~150 units out and it carries nearly all the variance; standardising gives it a quarter."""
    raw = zero_inflated()
    (warning,) = space_diagnostics(scale(raw, "robust"), FEATURES, "robust")
    share = variance_shares(scale(raw, "robust"))[0]
    assert share > 0.95
    assert warning.code == DOMINANT_FEATURE
    assert warning.text.startswith(f"Instrumentalness carries {share:.1%} of the scaled data's variance")
    assert "Standardise (z-score) scaling" in warning.text
    assert warning.short == f"instrumentalness dominates ({share:.1%} of variance)"
    np.testing.assert_allclose(variance_shares(scale(raw, "standard")), 0.25, atol=1e-6)
    assert space_diagnostics(scale(raw, "standard"), FEATURES, "standard") == []


def test_variance_shares_of_a_sample_match_the_whole() -> None:
    """Above VARIANCE_SAMPLE songs the shares come from a sample: within half a point here."""
    X = scale(zero_inflated(300_000, seed=1), "minmax")
    exact = X.var(axis=0, dtype=np.float64) / X.var(axis=0, dtype=np.float64).sum()
    np.testing.assert_allclose(variance_shares(X), exact, atol=0.005)
    started = time.perf_counter()
    variance_shares(X)
    assert time.perf_counter() - started < 0.5


def test_a_constant_space_has_no_dominant_feature() -> None:
    assert space_diagnostics(np.zeros((10, 3), dtype=np.float32), ("a", "b", "c"), "minmax") == []


# -- the clustering --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "noise", "codes"),
    [
        ([800, 191, 9], 0, []),  # 80% is not more than 80%; one small niche group is allowed
        ([801, 190, 9], 0, [ONE_BIG_CLUSTER]),
        ([800, 182, 9, 9], 0, [TINY_CLUSTERS]),  # two under 1% (10 songs)
        ([800, 190, 10], 0, []),  # 10 songs is 1%, not under
        ([700, 299, 1], 0, [TINY_CLUSTERS]),  # one song alone is always a warning
        ([300, 199], 501, [MOSTLY_NOISE]),
        ([300, 200], 500, []),  # half is not most
        ([950, 1, 1], 48, [ONE_BIG_CLUSTER, TINY_CLUSTERS]),
    ],
)
def test_cluster_warnings_at_their_thresholds(sizes: list[int], noise: int, codes: list[str]) -> None:
    clustering = clustering_of(sizes_to_labels(sizes, noise), "dbscan" if noise else "kmeans")
    found = diagnose(clustering)
    assert [d.code for d in found] == codes
    assert is_degenerate(found) == bool(codes)
    assert degenerate_reason(clustering) == "; ".join(d.short for d in found)


def test_cluster_warnings_say_the_numbers() -> None:
    clustering = clustering_of(sizes_to_labels([950, 30, 5, 1, 1, 1], noise=12))
    big, tiny = diagnose(clustering)
    assert big.text.startswith("One cluster holds 950 of 1,000 songs (95.0%)")
    assert tiny.text.startswith("4 of 6 clusters are tiny (3 of a single song, 1 of 2 to 9 songs, under 1% of all)")
    assert degenerate_reason(clustering) == "one cluster holds 95.0% of songs; 4 tiny clusters"
    (noise,) = diagnose(clustering_of(sizes_to_labels([200, 100], noise=700), "dbscan"))
    assert noise.text.startswith("700 of 1,000 songs (70.0%) are noise, in no cluster")
    assert "larger eps" in noise.text


# -- the reference data ---------------------------------------------------------------------------


@pytest.fixture
def spotify(shared_data: Path, model_cache: ModelCache) -> Engine:
    return Engine(load_catalog(shared_data / "spotify.csv"), model_cache)


def warnings_of(engine: Engine, k: int, scaler: str, algorithm: str = "kmeans", **options: object) -> list[Diagnostic]:
    params = engine.params(k, scaler=scaler, algorithm=algorithm, **options)
    return diagnose(engine.clustering(params), engine.scaled(params.features, scaler))


def test_reference_data_robust_scaling_is_dominated_by_instrumentalness(spotify: Engine) -> None:
    """Robust: instrumentalness carries 75.9% of the variance; standardised: every feature 10%."""
    (warning,) = warnings_of(spotify, 5, "robust")
    assert warning.code == DOMINANT_FEATURE
    assert warning.text.startswith("Instrumentalness carries 75.9% of the scaled data's variance")
    assert warnings_of(spotify, 5, "standard") == []  # K-Means, K=5: nothing to warn about


def test_reference_data_single_linkage_is_degenerate(spotify: Engine) -> None:
    """Single linkage at K=6: 1,999 songs in one cluster, then 3, 1, 1, 1, 1."""
    params = spotify.params(6, scaler="standard", algorithm="hierarchical", linkage="single")
    clustering = spotify.clustering(params)
    assert clustering.sizes == [1999, 3, 1, 1, 1, 1]
    big, tiny = diagnose(clustering, spotify.scaled(params.features, params.scaler))
    assert (big.code, tiny.code) == (ONE_BIG_CLUSTER, TINY_CLUSTERS)
    assert big.text.startswith("One cluster holds 1,999 of 2,006 songs (99.7%)")
    assert tiny.text.startswith("5 of 6 clusters are tiny (4 of a single song, 1 of 2 to 20 songs, under 1% of all)")
    assert degenerate_reason(clustering) == "one cluster holds 99.7% of songs; 5 tiny clusters"
    kmeans = spotify.clustering(spotify.params(6, scaler="standard"))
    assert degenerate_reason(kmeans) == ""
