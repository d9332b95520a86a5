"""The Engine: one PCA for 2D and 3D, cached K sweeps, neighbours, cache keys, parameter checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from core.cache import ModelCache
from core.catalog import Catalog, load_catalog
from core.clustering import N_INIT
from core.engine import ClusterParams, Engine
from core.errors import DatasetError


def _same_up_to_sign(a: np.ndarray, b: np.ndarray) -> bool:
    """True when each column of a equals the same column of b or its negation."""
    return all(
        np.allclose(a[:, j], b[:, j], atol=1e-4) or np.allclose(a[:, j], -b[:, j], atol=1e-4) for j in range(b.shape[1])
    )


# -- projection ----------------------------------------------------------------------------


def test_2d_and_3d_come_from_one_pca(blobs_engine: Engine) -> None:
    """The 3D coordinates are PCA(3) of the scaled features; the 2D view, their first two columns,
    is PCA(2) of the same data; explained variance ratios match scikit-learn's."""
    params = blobs_engine.params(5)
    projection = blobs_engine.projection(params)
    X = blobs_engine.scaled(params.features, params.scaler)
    reference = PCA(n_components=3).fit(X)
    assert projection.coords.shape == (len(X), 3)
    assert _same_up_to_sign(projection.coords, reference.transform(X))
    assert _same_up_to_sign(projection.coords[:, :2], PCA(n_components=2).fit_transform(X))
    np.testing.assert_allclose(projection.explained_variance, reference.explained_variance_ratio_, rtol=1e-5)
    assert projection.loadings.shape == (3, len(params.features))


def test_projection_does_not_depend_on_k(blobs_engine: Engine) -> None:
    """Changing K does not move the songs in the 3D view."""
    np.testing.assert_array_equal(
        blobs_engine.projection(blobs_engine.params(3)).coords, blobs_engine.projection(blobs_engine.params(6)).coords
    )


def test_two_features_give_a_flat_third_axis(model_cache: ModelCache) -> None:
    """With two features the third axis is zero and carries no variance."""
    catalog = load_catalog(b"title,energy,tempo\nA,0.1,100\nB,0.5,90\nC,0.9,150\nD,0.3,120\n")
    engine = Engine(catalog, model_cache)
    projection = engine.projection(engine.params(2))
    assert np.all(projection.coords[:, 2] == 0)
    assert projection.explained_variance[2] == 0
    assert projection.explained_variance[:2].sum() == pytest.approx(1.0)


# -- sweep -------------------------------------------------------------------------------------


def test_sweep_fits_each_k_once_and_is_served_from_the_cache(
    blobs_csv: tuple[Path, np.ndarray], model_cache: ModelCache
) -> None:
    """A K sweep fits each K once; a second sweep, another engine on the same cache (another
    worker) and a later request for one of those K do not refit."""
    engine = Engine(load_catalog(blobs_csv[0]), model_cache)
    params = engine.params(5)
    ks = range(2, 8)
    sweep = engine.sweep(params, ks)
    assert sweep.ks == tuple(ks)
    keys = [engine.clustering_key(engine.params(k)) for k in ks]
    assert [model_cache.times_computed(key) for key in keys] == [1] * len(keys)

    again = engine.sweep(params, ks)
    other_worker = Engine(load_catalog(blobs_csv[0].read_bytes()), model_cache)
    assert other_worker.clustering_key(other_worker.params(2)) == keys[0]
    from_other = other_worker.sweep(other_worker.params(5), ks)
    single = engine.clustering(engine.params(4))
    assert [model_cache.times_computed(key) for key in keys] == [1] * len(keys)
    assert again == sweep
    assert from_other.silhouette == sweep.silhouette
    assert single.silhouette == sweep.silhouette[sweep.ks.index(4)]
    assert single.inertia == sweep.inertia[sweep.ks.index(4)]


def test_sweep_lists_quality_per_k(blobs_engine: Engine) -> None:
    """Inertia falls as K grows; for five blobs the silhouette peaks at K=5; K the catalog cannot
    support are left out."""
    sweep = blobs_engine.sweep(blobs_engine.params(5), [1, 2, 3, 4, 5, 6, 7, 1000, 5000])
    assert sweep.ks == (2, 3, 4, 5, 6, 7)
    assert list(sweep.inertia) == sorted(sweep.inertia, reverse=True)
    assert sweep.ks[int(np.argmax(sweep.silhouette))] == 5
    assert sweep.silhouette_sample is None
    assert len(sweep.davies_bouldin) == len(sweep.silhouette) == 6


# -- cache keys and parameters -------------------------------------------------------------------


def test_cache_key_carries_every_parameter(blobs_engine: Engine) -> None:
    """K, scaler, features and seed each change the clustering key; equal parameters give equal keys."""
    base = blobs_engine.params(5)
    key = blobs_engine.clustering_key(base)
    assert blobs_engine.clustering_key(blobs_engine.params(5)) == key
    variants = [
        blobs_engine.params(6),
        blobs_engine.params(5, scaler="minmax"),
        blobs_engine.params(5, scaler="robust"),
        blobs_engine.params(5, ["energy", "tempo"]),
        ClusterParams(5, base.features, base.scaler, base.algorithm, seed=base.seed + 1),
    ]
    assert len({blobs_engine.clustering_key(p) for p in variants} | {key}) == len(variants) + 1


def test_cache_key_carries_the_dataset(blobs_catalog: Catalog, model_cache: ModelCache) -> None:
    """Changed data (one value) gives another key, so no stale clustering is served."""
    songs = blobs_catalog.songs.drop(columns="id").copy()
    songs.loc[0, "energy"] += 0.01
    changed = Engine(load_catalog(songs.to_csv(index=False).encode()), model_cache)
    original = Engine(blobs_catalog, model_cache)
    assert changed.clustering_key(changed.params(5)) != original.clustering_key(original.params(5))


def test_scaler_choice_is_applied(blobs_engine: Engine) -> None:
    """minmax scales each feature to 0..1; standard to mean 0, std 1; the clustering records its scaler
    and each scaler is its own cached fit."""
    features = blobs_engine.catalog.features
    minmax = blobs_engine.scaled(features, "minmax")
    standard = blobs_engine.scaled(features, "standard")
    np.testing.assert_allclose(minmax.min(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(minmax.max(axis=0), 1, atol=1e-6)
    np.testing.assert_allclose(standard.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(standard.std(axis=0), 1, atol=1e-4)
    result = blobs_engine.clustering(blobs_engine.params(5, scaler="minmax"))
    assert result.scaler == "minmax"
    assert blobs_engine.cache.times_computed(blobs_engine.clustering_key(blobs_engine.params(5, scaler="minmax"))) == 1
    assert blobs_engine.cache.times_computed(blobs_engine.clustering_key(blobs_engine.params(5))) == 0


def test_features_subset_is_respected(blobs_engine: Engine) -> None:
    """Clustering on two chosen features uses only them: the labels are K-Means on just those
    scaled columns, and centroids, profiles and neighbours speak of those two only."""
    params = blobs_engine.params(3, ["tempo", "energy"])
    assert params.features == ("energy", "tempo")
    result = blobs_engine.clustering(params)
    assert result.features == ("energy", "tempo")
    assert result.centroids.shape == (3, 2)
    assert set(result.profiles[0].zscores) == {"energy", "tempo"}
    raw = blobs_engine.catalog.songs[["energy", "tempo"]].to_numpy()
    X = StandardScaler().fit_transform(raw).astype(np.float32)
    expected = KMeans(n_clusters=3, n_init=N_INIT, random_state=params.seed).fit_predict(X)
    assert adjusted_rand_score(expected, result.labels) == pytest.approx(1.0)
    neighbour = blobs_engine.neighbours(blobs_engine.catalog.songs.loc[0, "id"], params, n=1)[0]
    assert set(neighbour.closeness.closer_on) <= {"energy", "tempo"}


@pytest.mark.parametrize(
    ("k", "features", "scaler", "message"),
    [
        (5, ["energy", "loudness"], "standard", "Unknown feature(s) loudness"),
        (5, ["energy"], "standard", "Choose at least two features"),
        (5, [], "standard", "Choose at least two features"),
        (5, None, "zscore", "Unknown scaler 'zscore'"),
        (1, None, "standard", "K=1 cannot be used"),
        (1000, None, "standard", "K=1000 cannot be used with 1,000 songs"),
    ],
)
def test_invalid_parameters_are_dataset_errors(
    blobs_engine: Engine, k: int, features: list[str] | None, scaler: str, message: str
) -> None:
    """Bad K, features or scaler give a DatasetError that says what is wrong."""
    with pytest.raises(DatasetError) as raised:
        blobs_engine.params(k, features, scaler)
    assert message in str(raised.value)


# -- neighbours ----------------------------------------------------------------------------------


def test_neighbours_match_scikit_learn_in_the_scaled_space(blobs_engine: Engine) -> None:
    """Neighbours are the nearest songs in the scaled feature space (not the PCA view), as
    scikit-learn's NearestNeighbors finds them, nearest first, the song itself excluded."""
    params = blobs_engine.params(5)
    X = blobs_engine.scaled(params.features, params.scaler)
    index = NearestNeighbors(n_neighbors=11).fit(X)
    for row in (0, 17, 999):
        song_id = blobs_engine.catalog.songs.loc[row, "id"]
        found = blobs_engine.neighbours(song_id, params, n=10)
        distances, rows = index.kneighbors(X[row : row + 1])
        expected = [r for r in rows[0] if r != row][:10]
        assert [n.row for n in found] == expected
        np.testing.assert_allclose([n.distance for n in found], distances[0][1:], rtol=1e-4)
        assert row not in [n.row for n in found]


def test_an_exact_duplicate_is_the_nearest_neighbour_but_the_song_is_not(model_cache: ModelCache) -> None:
    """A different song with the same features comes first at distance 0; the song itself is excluded."""
    catalog = load_catalog(b"title,energy,tempo\nOriginal,0.5,120\nCover,0.5,120\nOther,0.9,80\nFar,0.1,200\n")
    engine = Engine(catalog, model_cache)
    found = engine.neighbours(catalog.songs.loc[0, "id"], engine.params(2), n=10)
    assert [n.row for n in found] == [1, 2, 3]
    assert found[0].distance == 0


def test_neighbours_of_an_unknown_song(blobs_engine: Engine) -> None:
    """An id the catalog does not hold is a DatasetError naming it."""
    with pytest.raises(DatasetError, match="no song with id 'nope'"):
        blobs_engine.neighbours("nope", blobs_engine.params(5))
