"""DBSCAN and hierarchical clustering beside K-Means: noise, k-distance, dendrogram cuts, sampling
above the size thresholds, metrics against scikit-learn, cache keys and parameter checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import DBSCAN
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    pairwise_distances_argmin,
    silhouette_score,
)
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from core import density, hierarchical
from core.cache import ModelCache
from core.catalog import load_catalog
from core.clustering import NOISE, NOISE_DESCRIPTION, Clustering
from core.density import knee
from core.engine import Engine, song_view
from core.errors import DatasetError
from tests.conftest import OUTLIER_BLOB_SIZES, OUTLIERS, outlier_frame


def _sum_of_squares(X: np.ndarray, labels: np.ndarray) -> float:
    """Within-cluster sum of squared distances to the cluster means, noise left out."""
    return float(sum(((X[labels == c] - X[labels == c].mean(axis=0)) ** 2).sum() for c in set(labels) - {NOISE}))


# -- DBSCAN ---------------------------------------------------------------------------------------


def test_dbscan_calls_scattered_outliers_noise(outlier_engine: Engine) -> None:
    """With the suggested eps the three blobs are the clusters and every scattered outlier is noise:
    labelled -1, counted, in no profile, left out of the scores, and the note says so."""
    truth = outlier_frame()[1]
    params = outlier_engine.params(3, algorithm="dbscan")
    result = outlier_engine.clustering(params)
    assert result.algorithm == "dbscan"
    assert result.method == f"DBSCAN (eps {params.option('eps'):g}, min_samples {params.option('min_samples')})"
    assert result.k == len(OUTLIER_BLOB_SIZES)
    assert np.all(result.labels[truth == NOISE] == NOISE)
    assert result.noise == OUTLIERS == int(np.sum(result.labels == NOISE))
    assert adjusted_rand_score(truth, result.labels) > 0.95
    assert result.sizes == list(OUTLIER_BLOB_SIZES)
    assert [p.cluster for p in result.profiles] == [0, 1, 2]
    assert sum(result.sizes) + result.noise == len(truth)
    assert result.centroids.shape == (3, len(params.features))
    assert f"leave out the {OUTLIERS} noise songs" in result.metrics_note
    X = outlier_engine.scaled(params.features, params.scaler)
    kept = result.labels != NOISE
    assert result.silhouette == pytest.approx(silhouette_score(X[kept], result.labels[kept]), rel=1e-6)


def test_a_noise_song_is_shown_as_noise(outlier_engine: Engine) -> None:
    """song_view of a noise song: cluster -1 and the plain noise description."""
    result = outlier_engine.clustering(outlier_engine.params(3, algorithm="dbscan"))
    row = int(np.flatnonzero(result.labels == NOISE)[0])
    view = song_view(outlier_engine.catalog, result, row)
    assert (view.cluster, view.description) == (NOISE, NOISE_DESCRIPTION)


@pytest.mark.parametrize(
    ("eps", "clusters", "advice"),
    [(0.01, 0, "try a larger eps"), (50.0, 1, "try a smaller eps")],
)
def test_eps_too_small_or_too_large_is_a_note_not_an_error(
    outlier_engine: Engine, eps: float, clusters: int, advice: str
) -> None:
    """Fewer than two clusters: a Clustering with NaN scores and a note that says why and what to try."""
    result = outlier_engine.clustering(outlier_engine.params(3, algorithm="dbscan", eps=eps))
    assert result.k == clusters
    assert result.noise == (len(result.labels) if clusters == 0 else 0)
    assert math.isnan(result.silhouette) and math.isnan(result.davies_bouldin)
    assert math.isnan(result.calinski_harabasz)
    assert f"Found {clusters} cluster" in result.metrics_note
    assert "need at least two clusters" in result.metrics_note
    assert advice in result.metrics_note
    assert len(result.profiles) == clusters


def test_dbscan_defaults_are_filled_in_and_k_is_not_in_the_key(outlier_engine: Engine) -> None:
    """min_samples defaults to 2 × features and eps to the k-distance knee; the key is concrete and
    the same whatever K, but changes with eps or min_samples."""
    params = outlier_engine.params(3, algorithm="dbscan")
    assert params.option("min_samples") == 2 * len(params.features)
    assert params.option("eps") == outlier_engine.k_distance(params).suggested_eps
    key = outlier_engine.clustering_key(params)
    assert f"eps={params.option('eps')!r}" in key and "min_samples=8" in key
    assert outlier_engine.clustering_key(outlier_engine.params(7, algorithm="dbscan")) == key
    others = {
        outlier_engine.clustering_key(outlier_engine.params(3, algorithm="dbscan", eps=0.5)),
        outlier_engine.clustering_key(outlier_engine.params(3, algorithm="dbscan", min_samples=5)),
    }
    assert key not in others and len(others) == 2


def test_k_distance_is_sorted_and_its_knee_separates_core_songs(outlier_engine: Engine) -> None:
    """The curve is each song's distance to its min_samples-th nearest song (itself counted), sorted;
    the suggested eps lies in its range; songs at or below an eps are exactly DBSCAN's core songs."""
    params = outlier_engine.params(3, algorithm="dbscan")
    curve = outlier_engine.k_distance(params)
    X = outlier_engine.scaled(params.features, params.scaler)
    expected = NearestNeighbors(n_neighbors=curve.min_samples).fit(X).kneighbors(X)[0][:, -1]
    assert curve.min_samples == params.option("min_samples")
    assert len(curve.distances) == len(X)
    assert np.all(np.diff(curve.distances) >= 0)
    np.testing.assert_allclose(curve.distances, np.sort(expected), rtol=1e-6)
    assert curve.distances[0] <= curve.suggested_eps <= curve.distances[-1]
    core = DBSCAN(eps=0.5, min_samples=curve.min_samples).fit(X).core_sample_indices_
    assert len(core) == int(np.sum(curve.distances <= 0.5))


def test_knee_is_the_point_farthest_below_the_chord() -> None:
    """A flat run then a steep rise has its knee where the rise starts; a flat curve gives 0."""
    curve = np.array([1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 3.0, 6.0, 10.0])
    assert knee(curve) == 5
    assert knee(np.ones(10)) == 0


def test_dbscan_above_its_threshold_fits_a_sample_and_assigns_the_rest(
    outlier_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above DBSCAN_FULL_MAX songs DBSCAN fits a seeded sample; every other song takes the label of
    its nearest core song when within eps, else is noise; method says so."""
    monkeypatch.setattr(density, "DBSCAN_FULL_MAX", 400)
    params = outlier_engine.params(3, algorithm="dbscan", eps=0.8, min_samples=5)
    result = outlier_engine.clustering(params)
    assert "seeded sample of 400 songs" in result.method
    assert "nearest core song within eps" in result.method
    X = outlier_engine.scaled(params.features, params.scaler)
    rows = density.fit_rows(len(X), params.seed)
    model = DBSCAN(eps=0.8, min_samples=5).fit(X[rows])
    assert adjusted_rand_score(model.labels_, result.labels[rows]) == pytest.approx(1.0)
    core = rows[model.core_sample_indices_]
    rest = np.setdiff1d(np.arange(len(X)), rows)
    distance, nearest = NearestNeighbors(n_neighbors=1).fit(X[core]).kneighbors(X[rest])
    within = distance[:, 0] <= 0.8
    assert np.all(result.labels[rest[~within]] == NOISE)
    same = result.labels[rest[within]] == result.labels[core[nearest[within, 0]]]
    assert same.all()
    assert adjusted_rand_score(outlier_frame()[1], result.labels) > 0.95


def test_dbscan_bounds_memory_for_a_huge_eps(outlier_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """When every song would neighbour every other, DBSCAN fits a smaller sample with min_samples
    scaled alike and says so, instead of holding n² neighbours."""
    monkeypatch.setattr(density, "DBSCAN_MAX_PAIRS", 10_000)
    result = outlier_engine.clustering(outlier_engine.params(3, algorithm="dbscan", eps=50.0, min_samples=20))
    assert "too many neighbours in memory" in result.method
    assert result.k == 1 and result.noise == 0
    kept = int(len(result.labels) * math.sqrt(10_000 / len(result.labels) ** 2))
    assert f"seeded sample of {kept:,} songs with min_samples {round(20 * kept / len(result.labels))}" in result.method


# -- hierarchical ---------------------------------------------------------------------------------


def test_hierarchical_recovers_the_blobs(blobs_engine: Engine, blobs_csv: tuple[object, np.ndarray]) -> None:
    """Ward linkage cut at K=5 finds the five blobs, numbered by size like K-Means."""
    result = blobs_engine.clustering(blobs_engine.params(5, algorithm="hierarchical"))
    assert (result.algorithm, result.method, result.noise, result.metrics_note) == (
        "hierarchical",
        "Agglomerative (ward linkage)",
        0,
        "",
    )
    assert adjusted_rand_score(blobs_csv[1], result.labels) > 0.95
    assert result.sizes == sorted(result.sizes, reverse=True)


@pytest.mark.parametrize("method", ["ward", "average"])
def test_dendrogram_cut_matches_the_labels(blobs_engine: Engine, method: str) -> None:
    """The labels are the fcluster cut of the very tree the dendrogram draws (ARI 1); the cut height
    leaves exactly K clusters; leaves are labelled by size and each lies in one cluster."""
    params = blobs_engine.params(4, algorithm="hierarchical", linkage=method)
    result = blobs_engine.clustering(params)
    tree = blobs_engine.hierarchy(params)
    drawn = blobs_engine.dendrogram(params)
    X = blobs_engine.scaled(params.features, params.scaler)
    np.testing.assert_allclose(tree.tree, linkage(X.astype(np.float64), method=method), rtol=1e-6)
    cut = fcluster(tree.tree, t=4, criterion="maxclust")
    assert adjusted_rand_score(cut, result.labels[tree.rows]) == 1.0
    assert len(set(fcluster(tree.tree, t=drawn.cut_height, criterion="distance"))) == 4
    assert drawn.truncated_to == hierarchical.DENDROGRAM_LEAVES == len(drawn.leaf_labels)
    assert len(drawn.icoord) == len(drawn.dcoord) == drawn.truncated_to - 1
    assert all(len(xs) == 4 for xs in drawn.icoord) and all(len(ys) == 4 for ys in drawn.dcoord)
    counts = [int(label.split()[0].replace(",", "")) for label in drawn.leaf_labels]
    assert sum(counts) == drawn.songs == len(X)
    per_cluster = np.bincount(drawn.leaf_clusters, weights=counts, minlength=4)
    assert per_cluster.tolist() == result.sizes


def test_hierarchical_above_its_threshold_cuts_a_sampled_tree(
    blobs_engine: Engine, blobs_csv: tuple[object, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above HIERARCHICAL_FULL_MAX songs the tree holds a seeded sample; the other songs join the
    nearest cluster mean of the sampled members; the blobs are still found; method says so."""
    monkeypatch.setattr(hierarchical, "HIERARCHICAL_FULL_MAX", 300)
    params = blobs_engine.params(5, algorithm="hierarchical")
    result = blobs_engine.clustering(params)
    tree = blobs_engine.hierarchy(params)
    assert len(tree.rows) == 300 and "seeded sample of 300 songs" in result.method
    assert blobs_engine.dendrogram(params).songs == 300
    X = blobs_engine.scaled(params.features, params.scaler)
    in_tree = result.labels[tree.rows]
    assert adjusted_rand_score(fcluster(tree.tree, 5, "maxclust"), in_tree) == 1.0
    means = np.stack([X[tree.rows][in_tree == c].mean(axis=0) for c in range(5)])
    rest = np.setdiff1d(np.arange(len(X)), tree.rows)
    np.testing.assert_array_equal(result.labels[rest], pairwise_distances_argmin(X[rest], means))
    assert adjusted_rand_score(blobs_csv[1], result.labels) > 0.95


def test_hierarchical_sweep_is_cuts_of_one_tree_and_dbscan_has_none(blobs_engine: Engine) -> None:
    """A hierarchical K sweep builds one tree and cuts it per K (silhouette peaks at the five blobs);
    DBSCAN has no K to sweep."""
    params = blobs_engine.params(5, algorithm="hierarchical")
    sweep = blobs_engine.sweep(params, range(2, 8))
    assert sweep is not None and sweep.ks == tuple(range(2, 8))
    assert blobs_engine.cache.times_computed(blobs_engine.hierarchy_key(params)) == 1
    assert sweep.ks[int(np.argmax(sweep.silhouette))] == 5
    assert sweep.silhouette[3] == blobs_engine.clustering(params).silhouette
    assert blobs_engine.sweep(blobs_engine.params(5, algorithm="dbscan"), range(2, 8)) is None


# -- every method ---------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["kmeans", "hierarchical", "dbscan"])
def test_metrics_equal_scikit_learns_on_the_same_labels(outlier_engine: Engine, algorithm: str) -> None:
    """Silhouette, Davies-Bouldin and Calinski-Harabasz are scikit-learn's on the clustered songs (noise
    left out); inertia is the within-cluster sum of squares to the cluster means, the centroids."""
    params = outlier_engine.params(3, algorithm=algorithm)
    result: Clustering = outlier_engine.clustering(params)
    X = outlier_engine.scaled(params.features, params.scaler)
    kept = result.labels != NOISE
    Xk, labels = X[kept], result.labels[kept]
    assert (result.noise > 0) == (algorithm == "dbscan")
    assert result.silhouette == pytest.approx(silhouette_score(Xk, labels), rel=1e-6)
    assert result.davies_bouldin == pytest.approx(davies_bouldin_score(Xk, labels), rel=1e-6)
    assert result.calinski_harabasz == pytest.approx(calinski_harabasz_score(Xk, labels), rel=1e-6)
    assert result.inertia == pytest.approx(_sum_of_squares(X.astype(np.float64), result.labels), rel=1e-5)
    means = np.stack([Xk[labels == c].mean(axis=0) for c in range(result.k)])
    np.testing.assert_allclose(result.centroids, means, rtol=1e-5, atol=1e-6)


def test_compare_scores_the_three_methods_through_the_cache(outlier_engine: Engine) -> None:
    """compare(): K-Means, hierarchical and DBSCAN on the same feature space, each the cached
    clustering of its parameters: the view's own method with its options (complete linkage),
    the others with their defaults (a second compare computes nothing)."""
    params = outlier_engine.params(3, algorithm="hierarchical", linkage="complete")
    scores = outlier_engine.compare(params)
    assert [s.algorithm for s in scores] == ["kmeans", "hierarchical", "dbscan"]
    assert "complete linkage" in scores[1].method
    for score in scores:
        result = outlier_engine.clustering(outlier_engine.params(3, algorithm=score.algorithm, linkage="complete"))
        assert (score.clusters, score.noise, score.silhouette, score.inertia, score.metrics_note) == (
            result.k,
            result.noise,
            result.silhouette,
            result.inertia,
            result.metrics_note,
        )
    assert scores[2].noise == OUTLIERS and scores[2].metrics_note
    outlier_engine.compare(params)
    keys = [
        outlier_engine.clustering_key(outlier_engine.params(3, algorithm=a, linkage="complete"))
        for a in ("kmeans", "hierarchical", "dbscan")
    ]
    assert [outlier_engine.cache.times_computed(key) for key in keys] == [1, 1, 1]


def test_keys_carry_only_what_each_algorithm_uses(blobs_engine: Engine) -> None:
    """K-Means ignores linkage and eps; hierarchical keys on linkage and K, not eps; DBSCAN on eps and
    min_samples, not K; scaler and features change every algorithm's key."""

    def key(**choices: object) -> str:
        return blobs_engine.clustering_key(blobs_engine.params(**{"k": 5, **choices}))

    assert key() == key(linkage="single") == key(eps=0.4, min_samples=6)
    assert key(algorithm="hierarchical") == key(algorithm="hierarchical", eps=0.4)
    assert key(algorithm="hierarchical") != key(algorithm="hierarchical", linkage="average")
    assert key(algorithm="hierarchical") != key(algorithm="hierarchical", k=4)
    assert key(algorithm="dbscan", eps=0.4) == key(algorithm="dbscan", eps=0.4, k=3, linkage="single")
    for algorithm in ("kmeans", "hierarchical", "dbscan"):
        variants = {
            key(algorithm=algorithm, eps=0.4),
            key(algorithm=algorithm, eps=0.4, scaler="minmax"),
            key(algorithm=algorithm, eps=0.4, scaler="robust"),
            key(algorithm=algorithm, eps=0.4, features=["energy", "tempo"]),
        }
        assert len(variants) == 4


@pytest.mark.parametrize("algorithm", ["hierarchical", "dbscan"])
def test_features_and_scaler_are_respected(blobs_engine: Engine, algorithm: str) -> None:
    """Two chosen features and a scaler: the fit sees those scaled columns only (hierarchical labels are
    scipy's ward cut of them; DBSCAN's are scikit-learn's DBSCAN on them)."""
    params = blobs_engine.params(3, ["tempo", "energy"], "minmax", algorithm=algorithm, eps=0.05, min_samples=5)
    result = blobs_engine.clustering(params)
    assert (result.features, result.scaler) == (("energy", "tempo"), "minmax")
    assert result.centroids.shape == (result.k, 2)
    assert set(result.profiles[0].zscores) == {"energy", "tempo"}
    raw = blobs_engine.catalog.songs[["energy", "tempo"]].to_numpy()
    X = blobs_engine.scaled(("energy", "tempo"), "minmax")
    np.testing.assert_allclose(X.min(axis=0), 0, atol=1e-6)
    assert not np.allclose(X, StandardScaler().fit_transform(raw), atol=1e-3)
    if algorithm == "hierarchical":
        expected = fcluster(linkage(X.astype(np.float64), "ward"), 3, "maxclust")
    else:
        expected = DBSCAN(eps=0.05, min_samples=5).fit_predict(X)
    assert adjusted_rand_score(expected, result.labels) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"algorithm": "spectral"}, "Unknown algorithm 'spectral': use one of kmeans, hierarchical, dbscan"),
        (
            {"algorithm": "hierarchical", "linkage": "median"},
            "linkage=median is not one of ward, complete, average, single",
        ),
        ({"algorithm": "dbscan", "eps": 0}, "eps=0 must be more than 0 and at most 1000"),
        ({"algorithm": "dbscan", "eps": -1.5}, "eps=-1.5 must be more than 0"),
        ({"algorithm": "dbscan", "eps": float("nan")}, "eps=nan is not a finite number"),
        ({"algorithm": "dbscan", "eps": "wide"}, "eps=wide is not a number"),
        ({"algorithm": "dbscan", "min_samples": 1}, "min_samples=1 must be more than 1 and at most 10000"),
        (
            {"algorithm": "dbscan", "min_samples": 5000},
            "min_samples=5000 cannot be used: it must be between 2 and 1,000",
        ),
        ({"algorithm": "dbscan", "min_samples": 2.5}, "min_samples=2.5 is not a whole number"),
        ({"algorithm": "kmeans", "bandwidth": 2}, "Unknown option(s) bandwidth"),
        ({"algorithm": "hierarchical", "k": 1000}, "K=1000 cannot be used with 1,000 songs"),
    ],
)
def test_invalid_method_parameters_are_dataset_errors(blobs_engine: Engine, choices: dict, message: str) -> None:
    """Bad algorithm, linkage, eps, min_samples or K: a DatasetError in plain words."""
    with pytest.raises(DatasetError) as raised:
        blobs_engine.params(**{"k": 5, **choices})
    assert message in str(raised.value)


def test_compare_on_a_tiny_catalog_caps_dbscans_default(model_cache: ModelCache) -> None:
    """With fewer songs than 2 × features, DBSCAN's default min_samples is capped at the songs it has,
    so the comparison still has its three rows (DBSCAN's with a note, not an error)."""
    rows = "".join(f"S{i},{0.1 * i:.1f},{0.9 - 0.1 * i:.1f},{100 + 7 * i},0.5\n" for i in range(6))
    engine = Engine(load_catalog(("title,energy,valence,tempo,danceability\n" + rows).encode()), model_cache)
    assert engine.params(2, algorithm="dbscan").option("min_samples") == 6
    scores = engine.compare(engine.params(2))
    assert [s.algorithm for s in scores] == ["kmeans", "hierarchical", "dbscan"]
    assert scores[2].clusters < 2 and "need at least two clusters" in scores[2].metrics_note
