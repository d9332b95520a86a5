"""Clustering: recovering known groups, size-ordered labels, metrics, profiles and descriptions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)

from core import clustering as clustering_module
from core.cache import ModelCache
from core.catalog import Catalog, load_catalog
from core.clustering import DESCRIPTION_MAX_FEATURES, DESCRIPTION_Z, REPRESENTATIVES, check_k, describe
from core.engine import Engine
from core.errors import DatasetError
from tests.conftest import BLOB_SIZES, blob_frame, catalog_of


def test_well_separated_blobs_are_recovered(blobs_engine: Engine, blobs_csv: tuple[object, np.ndarray]) -> None:
    """Five generated blobs come back as the five clusters (adjusted Rand index near 1)."""
    result = blobs_engine.clustering(blobs_engine.params(5))
    assert adjusted_rand_score(blobs_csv[1], result.labels) > 0.95
    assert result.k == 5
    assert result.method.startswith("K-Means")


def test_labels_are_ordered_by_cluster_size(blobs_engine: Engine, blobs_csv: tuple[object, np.ndarray]) -> None:
    """Cluster 0 is the largest: with blobs of distinct sizes, cluster i is blob i."""
    result = blobs_engine.clustering(blobs_engine.params(5))
    assert result.labels.dtype == np.int16
    assert result.sizes == list(np.bincount(result.labels))
    assert result.sizes == sorted(result.sizes, reverse=True)
    assert np.mean(result.labels == blobs_csv[1]) > 0.98
    assert result.sizes == pytest.approx(list(BLOB_SIZES), abs=5)


def test_metrics_equal_scikit_learns(blobs_engine: Engine) -> None:
    """Silhouette, Davies-Bouldin and Calinski-Harabasz are scikit-learn's on the same labels and
    scaled data; the silhouette is exact for a catalog this size."""
    params = blobs_engine.params(4)
    result = blobs_engine.clustering(params)
    X = blobs_engine.scaled(params.features, params.scaler)
    assert result.silhouette_sample is None
    assert result.silhouette == pytest.approx(silhouette_score(X, result.labels), rel=1e-6)
    assert result.davies_bouldin == pytest.approx(davies_bouldin_score(X, result.labels), rel=1e-6)
    assert result.calinski_harabasz == pytest.approx(calinski_harabasz_score(X, result.labels), rel=1e-6)


def test_silhouette_is_sampled_and_seeded_above_the_threshold(model_cache: ModelCache) -> None:
    """Above SILHOUETTE_SAMPLE songs the silhouette is scikit-learn's on a seeded sample of that
    many songs (the real threshold: 5,200 songs), and Clustering.silhouette_sample says so."""
    sizes = (1600, 1200, 1000, 900, 500)
    assert sum(sizes) > clustering_module.SILHOUETTE_SAMPLE
    engine = Engine(catalog_of(blob_frame(sizes)[0]), model_cache, seed=7)
    params = engine.params(5)
    result = engine.clustering(params)
    X = engine.scaled(params.features, params.scaler)
    assert result.silhouette_sample == clustering_module.SILHOUETTE_SAMPLE
    expected = silhouette_score(X, result.labels, sample_size=clustering_module.SILHOUETTE_SAMPLE, random_state=7)
    assert result.silhouette == pytest.approx(expected, rel=1e-6)
    again, sample = clustering_module.silhouette(X, result.labels, seed=7)
    assert (again, sample) == (pytest.approx(result.silhouette, rel=1e-9), clustering_module.SILHOUETTE_SAMPLE)


def test_sampled_fit_above_full_fit_max_still_recovers_blobs(model_cache: ModelCache) -> None:
    """Above FULL_FIT_MAX songs (the real threshold, 50,001 songs) K-Means restarts on a seeded
    sample, then iterates on every song (core.fast_kmeans), and still finds the five blobs."""
    sizes = (15_000, 12_000, 10_000, 8_000, 5_001)
    assert sum(sizes) > clustering_module.FULL_FIT_MAX
    frame, truth = blob_frame(sizes, seed=3)
    engine = Engine(catalog_of(frame), model_cache)
    result = engine.clustering(engine.params(5))
    assert result.method.startswith("K-Means") and "seeded sample" in result.method
    assert adjusted_rand_score(truth, result.labels) > 0.95
    assert result.sizes == sorted(result.sizes, reverse=True)


def test_same_seed_same_clustering(blobs_catalog: Catalog, tmp_path: Path) -> None:
    """Two engines with separate caches and the same seed fit identical labels and metrics."""
    first = Engine(blobs_catalog, ModelCache(tmp_path / "a"))
    second = Engine(blobs_catalog, ModelCache(tmp_path / "b"))
    one, two = first.clustering(first.params(3)), second.clustering(second.params(3))
    np.testing.assert_array_equal(one.labels, two.labels)
    assert (one.inertia, one.silhouette) == (two.inertia, two.silhouette)


# -- profiles ------------------------------------------------------------------------------


def test_profile_sizes_and_zscores(blobs_engine: Engine, blobs_catalog: Catalog) -> None:
    """Sizes sum to the number of songs; a z-score is (cluster mean − global mean) / global std
    in raw units, checked by hand for cluster 1's tempo; means are raw-unit means."""
    result = blobs_engine.clustering(blobs_engine.params(5))
    assert sum(p.size for p in result.profiles) == len(blobs_catalog)
    assert [p.cluster for p in result.profiles] == list(range(5))
    tempo = blobs_catalog.songs["tempo"].to_numpy()
    members = tempo[result.labels == 1]
    assert result.profiles[1].means["tempo"] == pytest.approx(members.mean())
    assert result.profiles[1].zscores["tempo"] == pytest.approx((members.mean() - tempo.mean()) / tempo.std())
    assert set(result.profiles[0].zscores) == set(blobs_catalog.features)


def test_representatives_are_the_songs_nearest_the_centroid(blobs_engine: Engine) -> None:
    """Each cluster's representatives are its REPRESENTATIVES members closest to the centroid
    (scaled space), nearest first."""
    params = blobs_engine.params(5)
    result = blobs_engine.clustering(params)
    X = blobs_engine.scaled(params.features, params.scaler)
    for profile in result.profiles:
        members = np.flatnonzero(result.labels == profile.cluster)
        distance = np.linalg.norm(X[members] - result.centroids[profile.cluster], axis=1)
        expected = members[np.argsort(distance, kind="stable")][:REPRESENTATIVES]
        assert profile.representatives == tuple(int(i) for i in expected)
        assert len(profile.representatives) == REPRESENTATIVES


def _described_catalog() -> Catalog:
    """Four seeded groups: loud and electric; quiet and acoustic; average; fast and happy."""
    rng = np.random.default_rng(1)
    groups = [
        (150, (0.95, 0.25, 0.5, 120)),
        (120, (0.2, 0.95, 0.5, 120)),
        (90, (0.55, 0.5, 0.5, 120)),
        (60, (0.55, 0.5, 0.7, 175)),
    ]
    values = np.vstack([rng.normal(centre, (0.02, 0.02, 0.02, 2.0), size=(n, 4)) for n, centre in groups])
    frame = pd.DataFrame(values, columns=["energy", "acousticness", "valence", "tempo"])
    frame.insert(0, "title", [f"Song {i}" for i in range(len(frame))])
    return load_catalog(frame.to_csv(index=False).encode())


def test_descriptions_read_the_zscores(model_cache: ModelCache) -> None:
    """Descriptions name features at least DESCRIPTION_Z from the mean, strongest first."""
    engine = Engine(_described_catalog(), model_cache)
    result = engine.clustering(engine.params(4))
    assert [p.description for p in result.profiles] == [
        "High energy · Low acousticness",
        "High acousticness · Low energy",
        "Close to average on every feature",
        "High tempo · High valence",
    ]
    for profile in result.profiles:
        assert profile.description == describe(profile.zscores)


def test_describe_threshold_order_and_limit() -> None:
    """describe(): |z| >= DESCRIPTION_Z counts, strongest first, at most DESCRIPTION_MAX_FEATURES,
    plain labels (duration_ms reads "duration"); nothing strong reads as average."""
    assert describe({"energy": 1.2, "acousticness": -0.8, "tempo": 0.1}) == "High energy · Low acousticness"
    assert describe({"tempo": DESCRIPTION_Z, "energy": DESCRIPTION_Z - 0.01}) == "High tempo"
    assert describe({"duration_ms": -2.0}) == "Low duration"
    many = {f"f{i}": 1.0 + i for i in range(DESCRIPTION_MAX_FEATURES + 2)}
    assert describe(many).count(" · ") == DESCRIPTION_MAX_FEATURES - 1
    assert describe(many).startswith(f"High f{DESCRIPTION_MAX_FEATURES + 1}")
    assert describe({"energy": 0.1, "tempo": -0.2}) == "Close to average on every feature"


def test_describe_is_deterministic_for_ties() -> None:
    """Equal |z| keeps the features' order, so the same profile always reads the same."""
    assert describe({"energy": 0.9, "tempo": -0.9}) == "High energy · Low tempo"
    assert describe({"tempo": -0.9, "energy": 0.9}) == "Low tempo · High energy"


# -- what cannot be clustered ----------------------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(1, 10), (10, 10), (11, 10), (0, 5), (-3, 5)])
def test_k_outside_two_to_n_minus_one_is_a_dataset_error(k: int, n: int) -> None:
    """K must be at least 2 and smaller than the number of songs; the message gives the range."""
    with pytest.raises(DatasetError, match=f"K={k} cannot be used with {n} songs: K must be between 2 and {n - 1}"):
        check_k(k, n)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_identical_songs_cannot_be_clustered(model_cache: ModelCache) -> None:
    """A catalog where every song has the same features gives a clear DatasetError."""
    catalog = load_catalog(("title,energy,tempo\n" + "".join(f"S{i},0.5,120\n" for i in range(6))).encode())
    engine = Engine(catalog, model_cache)
    with pytest.raises(DatasetError, match="same feature values"):
        engine.clustering(engine.params(2))


def test_global_feature_statistics_match_numpys_over_several_blocks() -> None:
    """The z-scores' global mean and standard deviation (raw_stats, block by block) are numpy's
    to 1e-12, on features with large offsets (duration in ms, loudness in dB) and a constant one."""
    rng = np.random.default_rng(4)
    n = 2 * clustering_module.STATS_BLOCK + 123
    raw = np.column_stack([rng.normal(220_000, 60_000, n), rng.normal(-8, 3, n), rng.uniform(0, 1, n), np.full(n, 0.5)])
    mean, std = clustering_module.raw_stats(raw)
    np.testing.assert_allclose(mean, raw.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, raw.std(axis=0), rtol=1e-12, atol=1e-12)
    assert std[3] == pytest.approx(0, abs=1e-12)
