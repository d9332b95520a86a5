"""K-Means above FULL_FIT_MAX songs (core.fast_kmeans): deterministic in every process, within 1 %
of full K-Means, and the metrics computed from centroids and counts equal scikit-learn's."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score, silhouette_score

from core import clustering as clustering_module
from core.cache import ModelCache
from core.clustering import (
    FULL_FIT_MAX,
    N_INIT,
    NOISE,
    SharedWork,
    cluster_kmeans,
    fit_threads,
    from_labels,
    nearest_members,
    order_by_size,
)
from core.engine import Engine
from tests.conftest import blob_frame, catalog_of

PROJECT = Path(__file__).resolve().parents[1]
FEATURES = tuple(f"f{j}" for j in range(6))


def structured_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points (float32, 6 features) from 8 Gaussian blobs of unequal sizes: five well separated,
    three overlapping in a row (centres 2.5 standard deviations apart). Returns (X, true blob)."""
    rng = np.random.default_rng(seed)
    centres = np.zeros((8, len(FEATURES)))
    centres[:5] = 12.0 * np.eye(5, len(FEATURES))
    centres[5:, 5] = [-12.0, -9.5, -7.0]
    weights = np.array([0.2, 0.16, 0.14, 0.12, 0.1, 0.1, 0.1, 0.08])
    truth = rng.choice(len(centres), size=n, p=weights)
    X = centres[truth] + rng.normal(size=(n, len(FEATURES)))
    return X.astype(np.float32), truth


def fingerprint(n: int, k: int, seed: int) -> dict[str, object]:
    """The fast fit of ``structured_data(n)`` at k: a hash of its labels and its metrics."""
    X, _ = structured_data(n)
    result = cluster_kmeans(X, X, k, FEATURES, "standard", seed)
    return {
        "labels": hashlib.sha256(result.labels.tobytes()).hexdigest(),
        "inertia": result.inertia,
        "silhouette": result.silhouette,
        "davies_bouldin": result.davies_bouldin,
        "method": result.method,
    }


SIZE = FULL_FIT_MAX + 10_000


def test_fast_fit_is_used_above_full_fit_max_and_repeats_exactly() -> None:
    """Above FULL_FIT_MAX songs the sampled fit runs, and two runs with one seed give identical
    labels and metrics; another seed is another fit."""
    one, two = fingerprint(SIZE, 8, seed=5), fingerprint(SIZE, 8, seed=5)
    assert "seeded sample" in str(one["method"])
    assert one == two
    assert fingerprint(SIZE, 8, seed=6)["labels"] != one["labels"]


def test_fast_fit_is_the_same_in_another_process() -> None:
    """A fresh interpreter (another gunicorn worker) fits the same labels and metrics for a seed."""
    code = (
        "import json; from tests.test_core_fast_kmeans import fingerprint, SIZE; "
        "print(json.dumps(fingerprint(SIZE, 8, seed=5)))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == fingerprint(SIZE, 8, seed=5)


def test_fast_fit_within_one_percent_of_full_kmeans_and_finds_the_blobs() -> None:
    """On 200,000 points from eight blobs (three overlapping), the fast fit's inertia is within 1 %
    of scikit-learn's full K-Means (k-means++, N_INIT restarts) and it recovers the blobs as well."""
    X, truth = structured_data(200_000, seed=1)
    fast = cluster_kmeans(X, X, 8, FEATURES, "standard", 42)
    with fit_threads():
        full_labels = KMeans(n_clusters=8, init="k-means++", n_init=N_INIT, random_state=42).fit_predict(X)
    full = from_labels(
        X, X, full_labels, algorithm="kmeans", method="full", features=FEATURES, scaler="standard", seed=42,
        started=time.perf_counter(),
    )  # fmt: skip
    assert fast.inertia <= 1.01 * full.inertia
    assert adjusted_rand_score(truth, fast.labels) > 0.9
    assert adjusted_rand_score(truth, fast.labels) >= adjusted_rand_score(truth, full.labels) - 0.01
    well_separated = truth < 5
    assert adjusted_rand_score(truth[well_separated], fast.labels[well_separated]) > 0.99


def test_sweep_stores_the_clustering_a_single_fit_gives(tmp_path: Path) -> None:
    """The K sweep shares work between Ks (SharedWork), yet each K it stores is bit for bit what
    an engine fitting that K alone computes, so workers agree whichever asked first."""
    frame, _ = blob_frame((20_000, 16_000, 12_000, 8_000, 4_001), seed=2)
    catalog = catalog_of(frame)
    sweeping = Engine(catalog, ModelCache(tmp_path / "sweep"))
    sweep = sweeping.sweep(sweeping.params(3), (2, 3, 4))
    alone = Engine(catalog, ModelCache(tmp_path / "alone"))
    for k, inertia, silhouette in zip(sweep.ks, sweep.inertia, sweep.silhouette, strict=True):
        fitted, single = sweeping.clustering(sweeping.params(k)), alone.clustering(alone.params(k))
        np.testing.assert_array_equal(fitted.labels, single.labels)
        assert (inertia, silhouette) == (single.inertia, single.silhouette)
        assert (fitted.davies_bouldin, fitted.calinski_harabasz) == (single.davies_bouldin, single.calinski_harabasz)
        assert fitted.profiles == single.profiles
    assert sweep.silhouette_sample == clustering_module.SILHOUETTE_SAMPLE


def test_shared_work_gives_identical_clusterings() -> None:
    """cluster_kmeans with a SharedWork (reused over several K) equals cluster_kmeans without."""
    X, _ = structured_data(SIZE, seed=3)
    shared = SharedWork()
    for k in (3, 5):
        with_shared = cluster_kmeans(X, X, k, FEATURES, "standard", 9, shared=shared)
        alone = cluster_kmeans(X, X, k, FEATURES, "standard", 9)
        np.testing.assert_array_equal(with_shared.labels, alone.labels)
        assert (with_shared.inertia, with_shared.silhouette, with_shared.davies_bouldin) == (
            alone.inertia,
            alone.silhouette,
            alone.davies_bouldin,
        )
        assert with_shared.profiles == alone.profiles


# -- the metrics, computed from centroids and counts -------------------------------------------


@pytest.mark.parametrize("n", [3_000, 12_000])
def test_metrics_from_centroids_equal_scikit_learns_with_noise(n: int) -> None:
    """Davies-Bouldin, Calinski-Harabasz and the silhouette (exact, then on scikit-learn's seeded
    sample) equal scikit-learn's on the clustered songs, noise left out; inertia is the
    within-cluster sum of squares. Davies-Bouldin and Calinski-Harabasz are compared with
    scikit-learn on float64 data: on float32 it averages in float32 and is itself off by ~2e-6."""
    X, truth = structured_data(n, seed=4)
    labels = truth.copy()
    labels[np.random.default_rng(0).random(n) < 0.05] = NOISE
    result = from_labels(
        X, X, labels, algorithm="x", method="x", features=FEATURES, scaler="standard", seed=3,
        started=time.perf_counter(),
    )  # fmt: skip
    kept = result.labels != NOISE
    Xc, lc = X[kept], result.labels[kept]
    assert result.davies_bouldin == pytest.approx(davies_bouldin_score(Xc.astype(np.float64), lc), rel=1e-7)
    assert result.calinski_harabasz == pytest.approx(calinski_harabasz_score(Xc.astype(np.float64), lc), rel=1e-7)
    sample = clustering_module.SILHOUETTE_SAMPLE if kept.sum() > clustering_module.SILHOUETTE_SAMPLE else None
    assert result.silhouette == pytest.approx(silhouette_score(Xc, lc, sample_size=sample, random_state=3), rel=1e-6)
    centres = np.stack([Xc[lc == c].astype(np.float64).mean(axis=0) for c in range(result.k)])
    assert result.inertia == pytest.approx(float(((Xc - centres[lc]) ** 2).sum()), rel=1e-6)


def test_nearest_members_equals_a_full_sort_with_ties() -> None:
    """The partial selection of representatives gives what sorting every member gives, ties by row."""
    rng = np.random.default_rng(0)
    distance = rng.integers(0, 40, size=5_000).astype(np.float32)  # many ties
    for size in (3, 5, 21, 400, 5_000):
        members = np.sort(rng.choice(5_000, size=size, replace=False))
        expected = members[np.lexsort((members, distance[members]))][:5]
        np.testing.assert_array_equal(nearest_members(members, distance, 5), expected)


def test_order_by_size_keeps_noise_and_breaks_ties_by_label() -> None:
    """Largest cluster first, equal sizes by lower old label, NOISE stays, gaps in ids are fine."""
    labels = np.array([7, 7, 3, 3, NOISE, 9, 9, 9, 3, 7, 0])
    np.testing.assert_array_equal(order_by_size(labels), [1, 1, 0, 0, NOISE, 2, 2, 2, 0, 1, 3])
    assert order_by_size(np.array([NOISE, NOISE])).tolist() == [NOISE, NOISE]
