"""Placing one song in a fitted view without refitting (core.placement, Engine.place): a catalog
song's own values land exactly on it, whatever the scaler; clusters and nearest songs are the
ones the view would give; Spotify-only features are refused in words a visitor can act on."""

from __future__ import annotations

import re

import numpy as np
import pytest

from core.cache import ModelCache
from core.catalog import catalog_from_frame
from core.clustering import SCALERS
from core.engine import Engine
from core.errors import DatasetError
from core.features import AUDIO_CLUSTER_FEATURES
from tests.audio_catalog import audio_frame


@pytest.fixture(scope="module")
def audio_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    cache = ModelCache(tmp_path_factory.mktemp("placement-cache"))
    return Engine(catalog_from_frame(audio_frame(600, groups=4), source="generated"), cache)


def _values(engine: Engine, row: int) -> dict[str, float]:
    song = engine.catalog.songs.iloc[row]
    return {f: float(song[f]) for f in engine.catalog.features}


@pytest.mark.parametrize("scaler", list(SCALERS))
def test_a_catalog_songs_own_values_land_exactly_on_it(audio_engine: Engine, scaler: str) -> None:
    """Scaled row and PCA coordinates equal the engine's own for that song (1e-5), under every
    scaler; its nearest song is itself at distance 0 and its cluster is its own."""
    params = audio_engine.params(4, scaler=scaler)
    scaled = audio_engine.scaled(params.features, params.scaler)
    projection = audio_engine.projection(params)
    labels = audio_engine.clustering(params).labels
    for row in (0, 17, 311, len(scaled) - 1):
        placed = audio_engine.place(_values(audio_engine, row), params, n=5)
        np.testing.assert_allclose(placed.scaled, scaled[row], atol=1e-5)
        np.testing.assert_allclose(placed.coords, projection.coords[row], atol=1e-5)
        assert placed.neighbours[0].row == row and placed.neighbours[0].distance == pytest.approx(0, abs=1e-5)
        assert placed.cluster == labels[row]
        assert placed.features == params.features


def test_a_subset_of_features_places_in_that_subsets_view(audio_engine: Engine) -> None:
    """Two features: the third PCA axis is flat for the placed song as for the catalog's."""
    params = audio_engine.params(3, features=("tempo", "loudness"), scaler="minmax")
    placed = audio_engine.place(_values(audio_engine, 5), params)
    np.testing.assert_allclose(placed.coords, audio_engine.projection(params).coords[5], atol=1e-5)
    assert placed.coords[2] == 0 and len(placed.scaled) == 2


def _brute_force(engine: Engine, params, values: dict[str, float], scaler: str) -> tuple[np.ndarray, np.ndarray]:
    """The scaled row by scikit-learn's scaler fitted on the raw catalog, and the distances
    from it to every catalog song."""
    raw = engine.catalog.feature_matrix(params.features)
    row = SCALERS[scaler]().fit(raw).transform(np.array([[values[f] for f in params.features]]))[0]
    scaled = engine.scaled(params.features, params.scaler).astype(np.float64)
    return row, np.linalg.norm(scaled - row, axis=1)


@pytest.mark.parametrize("scaler", list(SCALERS))
def test_a_new_song_gets_its_true_nearest_songs_and_nearest_centre(audio_engine: Engine, scaler: str) -> None:
    params = audio_engine.params(4, scaler=scaler)
    new = {"tempo": 97.0, "loudness": -9.5, "duration_ms": 187_000.0, "beat_strength": 0.61, "onset_rate": 2.2,
           "brightness": 2_450.0, "percussive_ratio": 0.33, "dynamic_range": 6.5, "tonal_clarity": 0.7,
           "key": 4.0, "mode": 1.0}  # fmt: skip
    placed = audio_engine.place(new, params, n=8)
    row, distances = _brute_force(audio_engine, params, new, scaler)
    np.testing.assert_allclose(placed.scaled, row, atol=1e-5)
    expected = np.argsort(distances, kind="stable")[:8]
    assert [nb.row for nb in placed.neighbours] == expected.tolist()
    np.testing.assert_allclose([nb.distance for nb in placed.neighbours], distances[expected], atol=1e-4)
    centroids = audio_engine.clustering(params).centroids
    assert placed.cluster == int(np.argmin(np.linalg.norm(centroids - row, axis=1)))
    assert "cluster centre" in placed.how


@pytest.mark.parametrize("algorithm", ["hierarchical", "dbscan"])
def test_without_centroids_a_song_joins_its_nearest_songs_cluster(audio_engine: Engine, algorithm: str) -> None:
    params = audio_engine.params(4, algorithm=algorithm)
    labels = audio_engine.clustering(params).labels
    values = {**_values(audio_engine, 40), "tempo": _values(audio_engine, 40)["tempo"] + 3}
    placed = audio_engine.place(values, params)
    assert placed.cluster == labels[placed.neighbours[0].row]
    assert placed.how == "the cluster of its nearest song"


def test_spotify_features_are_refused_saying_which_and_what_works(blobs_engine: Engine) -> None:
    """The blobs cluster on danceability, energy, tempo, valence: three come from Spotify only."""
    with pytest.raises(DatasetError) as refused:
        blobs_engine.place({"tempo": 120.0, "danceability": 0.5}, blobs_engine.params(3))
    message = str(refused.value)
    assert "danceability, energy, valence" in message and "tempo," not in message.split("which")[0]
    assert "cannot be computed from an audio file" in message
    assert "audiospace extract" in message and "music folder" in message


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"tempo": 120.0}, "no usable value for duration"),
        ({**dict.fromkeys(AUDIO_CLUSTER_FEATURES, 0.5), "tempo": float("nan")}, "no usable value for tempo"),
        ({**dict.fromkeys(AUDIO_CLUSTER_FEATURES, 0.5), "tempo": "fast"}, "no usable value for tempo"),
        ({**dict.fromkeys(AUDIO_CLUSTER_FEATURES, 0.5), "tempo": 1e9}, "tempo (1e+09) is outside 0 to 1000"),
    ],
)
def test_missing_or_impossible_values_are_refused(audio_engine: Engine, values: dict, words: str) -> None:
    with pytest.raises(DatasetError, match=re.escape(words)):
        audio_engine.place(values, audio_engine.params(4))
