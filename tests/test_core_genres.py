"""Genre check: clusters against the dataset's genres (crosstab, ARI, NMI), on generated data and on
the real TidyTuesday sample; and the written cluster summaries."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from core.cache import ModelCache
from core.catalog import load_catalog
from core.clustering import DESCRIPTION_Z, NOISE, ClusterProfile
from core.engine import Engine
from core.genres import genre_check
from core.summaries import SUMMARY_SONGS, cluster_summaries, summarise
from tests.conftest import BLOB_SIZES, blob_frame, catalog_of, outlier_frame

GENRE_NAMES = ("edm", "jazz", "latin", "pop", "rock")
TIDYTUESDAY_GENRES = ["edm", "latin", "pop", "r&b", "rap", "rock"]


def test_clusters_that_are_the_genres_score_one(model_cache: ModelCache) -> None:
    """Blobs whose genre is their blob: the crosstab puts each cluster in one genre, ARI = NMI = 1."""
    frame, truth = blob_frame()
    frame["genre"] = [GENRE_NAMES[t] for t in truth]
    engine = Engine(catalog_of(frame), model_cache)
    check = engine.genre_check(engine.params(5))
    assert check is not None
    assert check.ari == pytest.approx(1.0, abs=0.02) and check.nmi == pytest.approx(1.0, abs=0.02)
    assert check.genres == sorted(GENRE_NAMES)
    assert check.crosstab.shape == (5, 5)
    assert check.crosstab.index.name == "cluster" and check.crosstab.columns.name == "genre"
    assert check.crosstab.to_numpy().sum() == len(truth)
    assert sorted(check.crosstab.max(axis=1)) == pytest.approx(sorted(BLOB_SIZES), abs=5)
    assert check.note == f"ARI and NMI compare the {len(truth):,} songs that have a cluster and a genre."


def test_no_genre_column_means_no_check(blobs_engine: Engine) -> None:
    assert blobs_engine.genre_check(blobs_engine.params(5)) is None


def test_noise_has_its_own_row_and_is_left_out_of_the_scores(model_cache: ModelCache) -> None:
    """DBSCAN's noise is row -1 of the crosstab, not compared, and the note says how many were left out."""
    frame, truth = outlier_frame()
    frame["genre"] = np.where(truth == NOISE, "noise-rock", "pop")
    frame.loc[truth == 1, "genre"] = "jazz"
    engine = Engine(catalog_of(frame), model_cache)
    params = engine.params(3, algorithm="dbscan")
    labels = engine.clustering(params).labels
    check = engine.genre_check(params)
    assert check is not None
    assert NOISE in check.crosstab.index
    assert check.crosstab.loc[NOISE].sum() == int(np.sum(labels == NOISE))
    kept = labels != NOISE
    genres = frame["genre"].to_numpy()
    assert check.ari == pytest.approx(adjusted_rand_score(genres[kept], labels[kept]))
    assert check.nmi == pytest.approx(normalized_mutual_info_score(genres[kept], labels[kept]))
    assert f"left out: {int(np.sum(~kept)):,} noise songs (noise is not a cluster)" in check.note


def test_songs_without_a_genre_are_left_out_and_said_so() -> None:
    """Blank genres are in no column and not compared; with nothing to compare the scores are NaN."""
    check = genre_check(pd.Series(["pop", "", "rock", "pop"]), np.array([0, 0, 1, 0]))
    assert check.genres == ["pop", "rock"]
    assert check.crosstab.to_numpy().sum() == 3
    assert check.ari == pytest.approx(1.0)
    assert check.note.endswith("compare the 3 songs that have a cluster and a genre; left out: 1 song without a genre.")
    empty = genre_check(pd.Series(["pop", "rock"]), np.array([NOISE, NOISE]))
    assert math.isnan(empty.ari) and math.isnan(empty.nmi)


@pytest.mark.parametrize("k", [5, 6])
def test_tidytuesday_genre_check(shared_data: Path, model_cache: ModelCache, k: int) -> None:
    """The real TidyTuesday sample (six playlist genres): a crosstab over the six genres holding every
    song, and ARI / NMI in their ranges."""
    path = shared_data / "spotify_songs_tidytuesday_sample.csv"
    if not path.is_file():
        pytest.skip(f"{path.name} not found in {shared_data}")
    catalog = load_catalog(path)
    engine = Engine(catalog, model_cache)
    check = engine.genre_check(engine.params(k))
    assert check is not None
    assert check.genres == TIDYTUESDAY_GENRES
    assert list(check.crosstab.index) == list(range(k))
    assert check.crosstab.to_numpy().sum() == len(catalog)
    assert -1 <= check.ari <= 1 and 0 <= check.nmi <= 1


# -- summaries ------------------------------------------------------------------------------------


def _profile(zscores: dict[str, float], spread: float) -> ClusterProfile:
    return ClusterProfile(
        cluster=2, size=312, means={}, zscores=zscores, description="", representatives=(), spread=spread
    )


def test_summary_reads_size_what_stands_out_compactness_and_songs() -> None:
    """Size and share, the features at least DESCRIPTION_Z from average (strongest first, signed z),
    compactness against the average cluster, and at most SUMMARY_SONGS songs."""
    profile = _profile({"energy": 1.42, "tempo": 0.1, "acousticness": -1.1, "valence": DESCRIPTION_Z}, 1.2)
    names = ["“A” by X", "“B” by Y", "“C” by Z", "“D” by W"]
    text = summarise(profile, 2014, 1.6, names)
    assert text == (
        "Cluster 2: 312 songs, 15.5% of the 2,014 in the catalog. It stands out for high energy (+1.4 SD), "
        "low acousticness (−1.1 SD) and high valence (+0.5 SD). It is tighter than the average cluster "
        "(mean distance to its centre 1.20 against 1.60, scaled units). Representative songs: “A” by X, "
        "“B” by Y and “C” by Z."
    )
    assert SUMMARY_SONGS == 3
    assert "looser than" in summarise(_profile({}, 2.0), 2014, 1.6, [])
    plain = summarise(_profile({"energy": 0.2}, 1.6), 2014, 1.6, ["“A” by X"])
    assert "Nothing stands out" in plain and "about as compact as" in plain
    assert plain.endswith("Representative songs: “A” by X.")


def test_cluster_summaries_follow_the_clustering(blobs_engine: Engine) -> None:
    """One summary per cluster, in cluster order, naming its size and its songs nearest the centre;
    the same every time."""
    params = blobs_engine.params(5)
    result = blobs_engine.clustering(params)
    texts = cluster_summaries(blobs_engine.catalog, result)
    assert texts == cluster_summaries(blobs_engine.catalog, blobs_engine.clustering(params))
    assert len(texts) == 5
    for profile, text in zip(result.profiles, texts, strict=True):
        assert text.startswith(f"Cluster {profile.cluster}: {profile.size:,} songs")
        first = blobs_engine.catalog.songs.iloc[profile.representatives[0]]
        assert f"“{first['title']}” by {first['artist']}" in text
        assert "It stands out for " in text
