"""t-SNE and UMAP views: 2-D maps of every song (fitted on a seeded sample above a size, the others
placed), deterministic across processes, cached per feature space; warm_up."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
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


@pytest.mark.parametrize("method", ["tsne", pytest.param("umap", marks=pytest.mark.slow)])
def test_large_catalogs_are_fitted_on_a_seeded_sample_and_every_song_is_placed(
    small_blobs: tuple[Catalog, np.ndarray], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """Above the fit size a seeded sample is fitted (sorted rows, the same in every engine with its
    own cache) and every other song is placed: all songs get finite coordinates, row i for song i,
    the blobs stay apart, and the description names the sample and the placing."""
    monkeypatch.setattr(embedding, "TSNE_SAMPLE", 100)
    monkeypatch.setattr(embedding, "UMAP_SAMPLE", 100)
    catalog, truth = small_blobs
    maps = []
    for name in ("a", "b"):
        engine = Engine(catalog, ModelCache(tmp_path / name))
        maps.append(engine.embedding(engine.params(3), method))
    first = maps[0]
    np.testing.assert_array_equal(first.fitted, sample_rows(len(catalog), 100, 42))
    np.testing.assert_array_equal(first.rows, np.arange(len(catalog)))
    assert first.placed == len(catalog) - 100
    assert first.coords.shape == (len(catalog), 2) and first.coords.dtype == np.float32
    assert np.isfinite(first.coords).all()
    np.testing.assert_array_equal(first.coords, maps[1].coords)
    found = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(first.coords)
    assert adjusted_rand_score(truth, found) > 0.95
    assert f"a seeded sample of 100 of {len(catalog)} songs" in first.description
    assert f"the other {len(catalog) - 100} placed by transform" in first.description


def _near_duplicates(originals: int = 60, copies: int = 5, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(songs (originals * copies, 6), group of each): every original song with ``copies`` near-duplicates
    (noise 1 % of the spread), rows shuffled."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(originals, 6))
    group = np.repeat(np.arange(originals), copies)
    X = centres[group] + rng.normal(scale=0.01, size=(len(group), 6))
    order = rng.permutation(len(group))
    return X[order], group[order]


@pytest.mark.parametrize("method", ["tsne", pytest.param("umap", marks=pytest.mark.slow)])
def test_a_placed_song_lands_with_its_near_duplicates(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """A song left out of the fit sample is placed beside its own near-duplicates that were fitted:
    on the map, the fitted song nearest to it is one of its copies (for every placed song whose
    group has a fitted copy), and no two songs share a position."""
    X, group = _near_duplicates()
    monkeypatch.setattr(embedding, "TSNE_SAMPLE", 150)
    monkeypatch.setattr(embedding, "UMAP_SAMPLE", 150)
    result = embedding.embed(X, method, seed=7)
    fitted = result.fitted
    placed = np.setdiff1d(np.arange(len(X)), fitted)
    assert len(fitted) == 150 and len(placed) == len(X) - 150
    with_copy = placed[np.isin(group[placed], group[fitted])]
    assert len(with_copy) > 100
    on_map = np.linalg.norm(result.coords[with_copy, None, :] - result.coords[None, fitted, :], axis=2)
    nearest = fitted[on_map.argmin(axis=1)]
    assert (group[nearest] == group[with_copy]).mean() >= 0.98
    assert len(np.unique(result.coords, axis=0)) == len(X)


def test_place_puts_an_exact_copy_on_its_fitted_song_and_weighs_the_nearest() -> None:
    """place(): a copy of a fitted song lands (to float precision) on it; a song between two fitted
    songs lands nearer the one it is nearer to in the feature space."""
    fitted = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    coords = np.array([[1.0, 1.0], [5.0, 1.0], [1.0, 5.0]], dtype=np.float32)
    others = np.array([[10.0, 0.0], [3.0, 0.0]])
    placed = embedding.place(fitted, coords, others, k=2)
    np.testing.assert_allclose(placed[0], [5.0, 1.0], atol=1e-6)
    assert 1.0 < placed[1][0] < 3.0 and placed[1][1] == pytest.approx(1.0)


_IN_A_SUBPROCESS = """
import hashlib, sys
import numpy as np
from core import embedding
embedding.TSNE_SAMPLE = embedding.UMAP_SAMPLE = 150
X = np.random.default_rng(11).normal(size=(220, 5))
print(hashlib.sha256(embedding.embed(X, sys.argv[1], seed=5).coords.tobytes()).hexdigest())
"""


@pytest.mark.parametrize("method", ["tsne", pytest.param("umap", marks=pytest.mark.slow)])
def test_the_map_is_identical_across_runs_and_processes(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """For a seed the map (fit and placing) is bit-identical run after run and in two other Python
    processes, whatever their thread settings: thread counts are fixed by core.embedding."""
    monkeypatch.setattr(embedding, "TSNE_SAMPLE", 150)
    monkeypatch.setattr(embedding, "UMAP_SAMPLE", 150)
    X = np.random.default_rng(11).normal(size=(220, 5))
    here = embedding.embed(X, method, seed=5).coords
    np.testing.assert_array_equal(here, embedding.embed(X, method, seed=5).coords)
    assert not np.array_equal(here, embedding.embed(X, method, seed=6).coords)
    expected = hashlib.sha256(here.tobytes()).hexdigest()
    project = Path(__file__).resolve().parents[1]
    digests = []
    for threads in ("1", "2"):
        env = {**os.environ, "OMP_NUM_THREADS": threads, "NUMBA_NUM_THREADS": threads, "PYTHONPATH": str(project)}
        done = subprocess.run(
            [sys.executable, "-c", _IN_A_SUBPROCESS, method],
            capture_output=True,
            text=True,
            check=True,
            cwd=project,
            env=env,
            timeout=300,
        )
        digests.append(done.stdout.strip().splitlines()[-1])
    assert digests == [expected, expected]


def _compiled_signatures() -> dict[str, int]:
    """How many compiled signatures each numba function of umap-learn (and pynndescent) holds."""
    from numba.core.dispatcher import Dispatcher

    counts = {}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("umap", "pynndescent"):
            for attr, value in vars(module).items():
                if isinstance(value, Dispatcher):
                    counts[f"{name}.{attr}"] = len(value.signatures)
    return counts


@pytest.mark.slow
def test_warm_up_compiles_umap_so_the_next_map_compiles_nothing() -> None:
    """warm_up runs on its own tiny array, returns its seconds and can be called again; after it, a
    UMAP of another size, fitted on a sample with the other songs placed, adds no compiled numba
    signature anywhere in umap-learn or pynndescent (so a user's first map pays no compilation)."""
    assert embedding.warm_up() > 0
    assert embedding.warm_up() >= 0
    before = _compiled_signatures()
    assert sum(before.values()) > 0
    X = np.random.default_rng(1).normal(size=(400, 10))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(embedding, "UMAP_SAMPLE", 300)
        result = embedding.embed(X, "umap", seed=2)
    assert np.isfinite(result.coords).all() and result.placed == 100
    after = _compiled_signatures()
    assert {name: count for name, count in after.items() if count != before.get(name, 0)} == {}


def test_unknown_projection_is_a_dataset_error(blobs_engine: Engine) -> None:
    with pytest.raises(DatasetError, match="Unknown projection 'mds'"):
        blobs_engine.embedding(blobs_engine.params(3), "mds")
