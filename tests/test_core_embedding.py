"""t-SNE and UMAP views: 2-D maps of the scaled features, seeded samples, cached per feature space."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from core import embedding
from core.cache import ModelCache
from core.catalog import Catalog
from core.clustering import sample_rows
from core.engine import Engine
from core.errors import DatasetError
from tests.conftest import blob_frame, catalog_of

#: Small blobs keep t-SNE and UMAP to a second or two (after UMAP's one-off compilation).
SIZES = (120, 90, 60)


@pytest.fixture(scope="module")
def small_blobs() -> tuple[Catalog, np.ndarray]:
    frame, truth = blob_frame(SIZES, seed=5)
    return catalog_of(frame), truth


@pytest.mark.parametrize("method", ["tsne", pytest.param("umap", marks=pytest.mark.slow)])
def test_embedding_is_a_seeded_2d_map_that_keeps_the_blobs_apart(
    small_blobs: tuple[Catalog, np.ndarray], model_cache: ModelCache, tmp_path: Path, method: str
) -> None:
    """Every song of a small catalog gets 2-D float32 coordinates; the separated blobs stay separate
    on the map (K-Means on the map finds them); another worker with its own cache computes the very
    same map (seeded); the description says what it is."""
    catalog, truth = small_blobs
    engine = Engine(catalog, model_cache)
    result = engine.embedding(engine.params(3), method)
    assert result.method == method
    np.testing.assert_array_equal(result.rows, np.arange(len(catalog)))
    assert result.coords.shape == (len(catalog), 2) and result.coords.dtype == np.float32
    assert np.isfinite(result.coords).all()
    found = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(result.coords)
    assert adjusted_rand_score(truth, found) > 0.95
    assert f"all {len(catalog)} songs" in result.description and "for looking only" in result.description
    elsewhere = Engine(catalog, ModelCache(tmp_path / "elsewhere"))
    np.testing.assert_array_equal(elsewhere.embedding(elsewhere.params(3), method).coords, result.coords)


def test_embedding_is_computed_once_per_feature_space(
    small_blobs: tuple[Catalog, np.ndarray], model_cache: ModelCache
) -> None:
    """A second call, another K, another algorithm or another worker on the same cache does not
    recompute; another scaler or feature set is another map."""
    engine = Engine(small_blobs[0], model_cache)
    first = engine.embedding(engine.params(3), "tsne")
    again = engine.embedding(engine.params(5, algorithm="hierarchical"), "tsne")
    other_worker = Engine(small_blobs[0], model_cache)
    from_other = other_worker.embedding(other_worker.params(4, algorithm="dbscan"), "tsne")
    assert model_cache.times_computed(engine.embedding_key(engine.params(3), "tsne")) == 1
    np.testing.assert_array_equal(first.coords, again.coords)
    np.testing.assert_array_equal(first.coords, from_other.coords)
    keys = {
        engine.embedding_key(engine.params(3), "tsne"),
        engine.embedding_key(engine.params(3, scaler="robust"), "tsne"),
        engine.embedding_key(engine.params(3, ["energy", "tempo"]), "tsne"),
        engine.embedding_key(engine.params(3), "umap"),
    }
    assert len(keys) == 4


def test_large_catalogs_are_embedded_on_a_seeded_sample(
    small_blobs: tuple[Catalog, np.ndarray], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above TSNE_SAMPLE songs a seeded sample is embedded: sorted rows, the same in every engine
    (separate caches), and the description names the sample."""
    monkeypatch.setattr(embedding, "TSNE_SAMPLE", 100)
    catalog = small_blobs[0]
    maps = []
    for name in ("a", "b"):
        engine = Engine(catalog, ModelCache(tmp_path / name))
        maps.append(engine.embedding(engine.params(3), "tsne"))
    assert len(maps[0].rows) == 100 and np.all(np.diff(maps[0].rows) > 0)
    np.testing.assert_array_equal(maps[0].rows, sample_rows(len(catalog), 100, 42))
    np.testing.assert_array_equal(maps[0].rows, maps[1].rows)
    np.testing.assert_array_equal(maps[0].coords, maps[1].coords)
    assert maps[0].coords.shape == (100, 2)
    assert f"a seeded sample of 100 of {len(catalog)} songs" in maps[0].description


def test_unknown_projection_is_a_dataset_error(blobs_engine: Engine) -> None:
    with pytest.raises(DatasetError, match="Unknown projection 'mds'"):
        blobs_engine.embedding(blobs_engine.params(3), "mds")
