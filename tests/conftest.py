"""Fixtures for the engine (core/) tests: generated catalogs, a private model cache, the shared data.

Generated data only, unless a test asks for ``shared_data`` (skipped when ../shared/data is absent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from threadpoolctl import threadpool_limits

from core.cache import ModelCache
from core.catalog import Catalog, catalog_from_frame, load_catalog
from core.engine import Engine


def pytest_configure(config: pytest.Config) -> None:
    """The browser tests' apps fork background jobs from this process, as a web worker does,
    so OpenMP stays on one thread here from the start (see app.jobs: a forked child of a
    process that ran OpenMP on several threads hangs). Set before any test computes."""
    threadpool_limits(1, user_api="openmp")


#: ../shared/data beside the checkout: real files for tests and benchmarks, never committed.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

#: Features the generated blobs are written as, and an affine map into plausible raw units.
BLOB_FEATURES = ("danceability", "energy", "tempo", "valence")
_BLOB_SCALE = np.array([0.02, 0.02, 3.0, 0.02])
_BLOB_OFFSET = np.array([0.5, 0.5, 120.0, 0.5])
#: Five far-apart centres (8 standard deviations) with distinct sizes, largest first.
BLOB_SIZES = (350, 250, 200, 130, 70)
_BLOB_CENTRES = np.array([[0, 0, 0, 0], [8, 0, 0, 0], [0, 8, 0, 0], [0, 0, 8, 0], [0, 0, 0, 8]], dtype=float)


def blob_frame(sizes: tuple[int, ...] = BLOB_SIZES, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Songs drawn from well-separated blobs, rows shuffled; returns (table, true blob of each row).

    Blob i has ``sizes[i]`` songs; columns are song_title, artist and BLOB_FEATURES.
    """
    values, truth = make_blobs(
        n_samples=list(sizes), centers=_BLOB_CENTRES[: len(sizes)], cluster_std=1.0, random_state=seed
    )
    order = np.random.default_rng(seed).permutation(len(truth))
    values, truth = values[order] * _BLOB_SCALE + _BLOB_OFFSET, truth[order]
    frame = pd.DataFrame(values, columns=list(BLOB_FEATURES))
    frame.insert(0, "song_title", [f"Song {i}" for i in range(len(frame))])
    frame.insert(1, "artist", [f"Artist {i % 17}" for i in range(len(frame))])
    return frame, truth


def catalog_of(frame: pd.DataFrame) -> Catalog:
    """A Catalog straight from a generated table (skips CSV writing for big catalogs)."""
    songs = frame.rename(columns={"song_title": "title"})
    songs.insert(0, "id", [f"s{i}" for i in range(len(songs))])
    return catalog_from_frame(songs, source="generated")


#: Blob sizes for the DBSCAN data, and how many scattered outliers it adds.
OUTLIER_BLOB_SIZES = (300, 200, 150)
OUTLIERS = 30


def outlier_frame(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three separated blobs (OUTLIER_BLOB_SIZES) plus OUTLIERS songs scattered far from every blob
    and from each other; returns (table, true blob of each row, -1 for the outliers).

    Outliers are drawn in a wide box around the blobs (in blob standard deviations) and kept
    only if at least 6 SD from every centre and 4 SD from every other outlier, so a density
    method must call them noise.
    """
    frame, truth = blob_frame(OUTLIER_BLOB_SIZES, seed=seed)
    rng = np.random.default_rng(seed)
    centres = _BLOB_CENTRES[: len(OUTLIER_BLOB_SIZES)]
    outliers: list[np.ndarray] = []
    while len(outliers) < OUTLIERS:
        point = rng.uniform(-12, 20, size=len(BLOB_FEATURES))
        far_from_blobs = np.linalg.norm(centres - point, axis=1).min() >= 6
        if far_from_blobs and all(np.linalg.norm(point - other) >= 4 for other in outliers):
            outliers.append(point)
    extra = pd.DataFrame(np.array(outliers) * _BLOB_SCALE + _BLOB_OFFSET, columns=list(BLOB_FEATURES))
    extra.insert(0, "song_title", [f"Outlier {i}" for i in range(OUTLIERS)])
    extra.insert(1, "artist", "Nobody")
    return pd.concat([frame, extra], ignore_index=True), np.concatenate([truth, np.full(OUTLIERS, -1)])


@pytest.fixture(scope="session")
def blobs_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """A CSV of 1,000 songs in five separated blobs of sizes BLOB_SIZES, and each row's true blob."""
    frame, truth = blob_frame()
    path = tmp_path_factory.mktemp("blobs") / "blobs.csv"
    frame.to_csv(path, index=False)
    return path, truth


@pytest.fixture(scope="session")
def blobs_catalog(blobs_csv: tuple[Path, np.ndarray]) -> Catalog:
    """The blobs CSV loaded (songs keep the file's row order)."""
    return load_catalog(blobs_csv[0])


@pytest.fixture
def model_cache(tmp_path: Path) -> Iterator[ModelCache]:
    """An empty model cache in this test's own folder."""
    cache = ModelCache(tmp_path / "cache")
    yield cache
    cache.close()


@pytest.fixture
def blobs_engine(blobs_catalog: Catalog, model_cache: ModelCache) -> Engine:
    """An Engine over the blobs catalog with an empty cache."""
    return Engine(blobs_catalog, model_cache)


@pytest.fixture
def outlier_engine(model_cache: ModelCache) -> Engine:
    """An Engine over outlier_frame() (blobs plus scattered outliers) with an empty cache."""
    return Engine(catalog_of(outlier_frame()[0]), model_cache)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, bytes | str], Path]:
    """Write text (UTF-8) or bytes to a file in the test's folder; returns its path."""

    def write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real datasets beside the checkout; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (expected ../shared/data beside the checkout)")
    return SHARED_DATA
