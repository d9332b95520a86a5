"""Genre check: label columns (which are usable, which is the default, multi-valued and unknown
cells), clusters against them (capped crosstab, ARI, NMI), on generated data and on the real
files; and the written cluster summaries."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from core.cache import ModelCache
from core.catalog import Catalog, load_catalog
from core.clustering import DESCRIPTION_Z, NOISE, ClusterProfile
from core.engine import Engine
from core.errors import DatasetError
from core.genres import (
    MAX_DEFAULT_VALUES,
    TOP_LABELS,
    default_label_column,
    genre_check,
    has_labels,
    label_check,
    label_columns,
    usable_label_columns,
)
from core.query import QueryLimits, parse_query
from core.summaries import SUMMARY_SONGS, cluster_summaries, summarise
from tests.conftest import BLOB_SIZES, blob_frame, catalog_of, outlier_frame

GENRE_NAMES = ("edm", "jazz", "latin", "pop", "rock")
TIDYTUESDAY_GENRES = ["edm", "latin", "pop", "r&b", "rap", "rock"]
#: The multi-valued column's vocabulary: 40 genres, joined two to four at a time.
VOCABULARY = tuple(f"genre {i:02d}" for i in range(40))
CLASSES = 14
UNKNOWN_EVERY = 7


def test_clusters_that_are_the_genres_score_one(model_cache: ModelCache) -> None:
    """Blobs whose genre is their blob: the crosstab puts each cluster in one genre, ARI = NMI = 1."""
    frame, truth = blob_frame()
    frame["genre"] = [GENRE_NAMES[t] for t in truth]
    engine = Engine(catalog_of(frame), model_cache)
    params = engine.params(5)
    check = label_check(engine.catalog, engine.clustering(params).labels)
    assert check is not None and check.column is not None and check.column.name == "genre"
    assert check.ari == pytest.approx(1.0, abs=0.02) and check.nmi == pytest.approx(1.0, abs=0.02)
    assert check.genres == sorted(GENRE_NAMES) and check.other == 0 and check.distinct == 5
    assert check.crosstab.shape == (5, 5)
    assert check.crosstab.index.name == "cluster" and check.crosstab.columns.name == "genre"
    assert check.crosstab.to_numpy().sum() == len(truth)
    assert sorted(check.crosstab.max(axis=1)) == pytest.approx(sorted(BLOB_SIZES), abs=5)
    assert check.note == (
        f"Compared with the column 'genre': 5 genres. ARI and NMI compare the {len(truth):,} songs that have a "
        "cluster and a genre."
    )
    # the engine's own check (the command line's) says the same
    via_engine = engine.genre_check(params)
    assert via_engine is not None and via_engine.note == check.note and via_engine.ari == check.ari


def test_no_genre_column_means_no_check(blobs_engine: Engine) -> None:
    assert blobs_engine.genre_check(blobs_engine.params(5)) is None
    catalog = blobs_engine.catalog
    assert label_columns(catalog) == () and not has_labels(catalog) and default_label_column(catalog) is None
    assert label_check(catalog, blobs_engine.clustering(blobs_engine.params(5)).labels) is None


def test_noise_has_its_own_row_and_is_left_out_of_the_scores(model_cache: ModelCache) -> None:
    """DBSCAN's noise is row -1 of the crosstab, not compared, and the note says how many were left out."""
    frame, truth = outlier_frame()
    frame["genre"] = np.where(truth == NOISE, "noise-rock", "pop")
    frame.loc[truth == 1, "genre"] = "jazz"
    engine = Engine(catalog_of(frame), model_cache)
    params = engine.params(3, algorithm="dbscan")
    labels = engine.clustering(params).labels
    check = label_check(engine.catalog, labels)
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
    assert list(empty.crosstab.index) == [NOISE] and empty.crosstab.shape == (1, 2)


def test_unknown_words_are_left_out_and_counted_apart_from_empty_cells() -> None:
    """ "unknown", "N/A", "none", "[]" (any case) are no genre: left out, counted, and named in the note."""
    genres = pd.Series(["pop", "Unknown", "rock", "N/A", "", None, "pop", "[]", "rock", "unknown"])
    labels = np.array([0, 0, 1, 1, 0, 1, 0, 1, 1, 0])
    check = genre_check(genres, labels)
    assert check.genres == ["pop", "rock"]
    assert check.crosstab.to_numpy().sum() == 4
    assert check.column is not None and (check.column.unknown, check.column.empty) == (4, 2)
    assert check.column.unknown_words == ("[]", "N/A", "Unknown")
    assert "left out: 4 songs marked unknown ('[]' or 'N/A' or 'Unknown') and 2 songs without a genre." in check.note


# -- multi-valued cells ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "separator", "values"),
    [
        (["pop;dance pop", "rock;pop", "pop", "dance pop;rock", "rock"], ";", ["dance pop", "pop", "rock"]),
        (["pop | rock", "rock", "jazz|pop", "pop"], "|", ["jazz", "pop", "rock"]),
        (["['pop', 'dance pop']", "['rock']", "[]", "['pop']"], ",", ["dance pop", "pop", "rock"]),
        (["hip hop/rap", "rap", "hip hop", "rock"], "/", ["hip hop", "rap", "rock"]),
        # one genre with a comma in its name: splitting makes more pieces than there were values
        (["Folk, World, & Country", "Rock", "Funk / Soul", "Rock", "Electronic"], None, None),
        # markup is text, not lists
        (['<a href="https://evil.example/">g</a>', "<i>tilted</i> &amp; <sup>up</sup>", "<b>bold</b>"], None, None),
    ],
)
def test_multi_valued_cells_are_split_only_when_their_parts_repeat(
    cells: list[str], separator: str | None, values: list[str] | None
) -> None:
    check = genre_check(pd.Series(cells), np.zeros(len(cells), dtype=int))
    assert check.column is not None and check.column.separator == separator
    expected = values if values is not None else sorted({c.strip() for c in cells if c.strip() != "[]"})
    assert sorted(check.genres) == sorted(expected)


def test_a_multi_valued_song_counts_under_each_value_and_scores_by_its_first() -> None:
    """The crosstab counts memberships (a row adds to more than its songs); ARI and NMI use each
    song's first value, and the note says both."""
    genres = pd.Series(["pop;rock", "rock", "jazz;pop;rock", "pop", "unknown;n/a", "jazz"])
    labels = np.array([0, 0, 1, 1, 1, 0])
    check = genre_check(genres, labels)
    assert check.column is not None and check.column.separator == ";" and check.column.multi == 2
    assert check.crosstab.loc[0].to_dict() == {"jazz": 1, "pop": 1, "rock": 2}
    assert check.crosstab.loc[1].to_dict() == {"jazz": 1, "pop": 2, "rock": 1}
    first = np.array(["pop", "rock", "jazz", "pop", "", "jazz"])
    known = first != ""
    assert check.ari == pytest.approx(adjusted_rand_score(first[known], labels[known]))
    assert check.nmi == pytest.approx(normalized_mutual_info_score(first[known], labels[known]))
    assert "separated by ';' (2 songs have more than one)" in check.note
    assert "ARI and NMI use each song's first genre" in check.note
    assert "1 song marked unknown ('unknown;n/a')" in check.note


# -- choosing among label columns --------------------------------------------------------------


def _labelled_csv(folder: Path) -> tuple[Path, np.ndarray, pd.DataFrame]:
    """Blobs with a ``genres`` column of ";"-joined genres of VOCABULARY (many distinct
    combinations; every UNKNOWN_EVERY-th song "unknown") and a clean CLASSES-class ``label``
    column, written as a CSV; returns (path, true blob, the written table)."""
    frame, truth = blob_frame()
    rng = np.random.default_rng(5)
    cells = [";".join(rng.choice(VOCABULARY, rng.integers(2, 5), replace=False)) for _ in range(len(frame))]
    frame["genres"] = ["unknown" if i % UNKNOWN_EVERY == 0 else cell for i, cell in enumerate(cells)]
    frame["label"] = [f"class {i % CLASSES}" for i in range(len(frame))]
    path = folder / "labelled.csv"
    frame.to_csv(path, index=False)
    return path, truth, frame


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalog, pd.DataFrame]:
    path, _truth, frame = _labelled_csv(tmp_path_factory.mktemp("labelled"))
    return load_catalog(path), frame


def test_the_clean_label_column_is_the_default_over_a_multi_valued_genres_column(
    labelled: tuple[Catalog, pd.DataFrame], model_cache: ModelCache
) -> None:
    """A clean 14-class column is chosen over a ";"-joined genres column with hundreds of
    combinations and unknown cells (which stays offered, split); the crosstab is capped at
    TOP_LABELS columns plus "other"."""
    catalog, frame = labelled
    raw_distinct = frame["genres"].nunique()
    assert raw_distinct > 500  # as in the report: the cells themselves nearly all differ
    genres, label = (next(c for c in label_columns(catalog) if c.name == n) for n in ("genres", "label"))
    assert genres.separator == ";" and genres.distinct == len(VOCABULARY) and genres.usable
    unknown = (np.arange(len(frame)) % UNKNOWN_EVERY == 0).sum()
    assert (genres.unknown, genres.unknown_words, genres.empty) == (unknown, ("unknown",), 0)
    assert label.separator is None and label.distinct == CLASSES and label.left_out == 0
    assert [c.name for c in usable_label_columns(catalog)] == ["label", "genres"]
    assert default_label_column(catalog) == label and has_labels(catalog)

    engine = Engine(catalog, model_cache)
    labels = engine.clustering(engine.params(5)).labels
    check = label_check(catalog, labels)
    assert check is not None and check.column == label
    assert check.crosstab.shape == (5, TOP_LABELS + 1)
    assert check.genres == [f"class {i}" for i in range(CLASSES) if i < TOP_LABELS]  # ties: natural order
    assert check.other == CLASSES - TOP_LABELS and check.distinct == CLASSES
    assert check.crosstab.columns[-1] == f"other ({CLASSES - TOP_LABELS} labels)"
    assert check.crosstab.to_numpy().sum() == len(catalog)  # nothing lost in "other"
    truth = frame["label"].to_numpy()
    assert check.ari == pytest.approx(adjusted_rand_score(truth, labels))  # on all 14, not 12 + other
    assert "shows the 12 labels most songs have and adds up the other 2 in 'other'; ARI and NMI use all 14" in (
        check.note
    )


def test_the_multi_valued_column_is_picked_by_the_url_and_split(
    labelled: tuple[Catalog, pd.DataFrame], model_cache: ModelCache
) -> None:
    """label=genres in the URL (checked against the usable columns): the check splits the cells,
    counts each song under each of its genres, keeps the 12 most common plus "other", counts
    the unknown songs and scores the first genre of each song."""
    catalog, frame = labelled
    names = tuple(c.name for c in usable_label_columns(catalog))
    limits = QueryLimits(default_k=5, k_max=12, features=catalog.features, song_exists=lambda _: True, labels=names)
    query, notices = parse_query({"label": "genres"}, limits)
    assert notices == [] and query.label == "genres" and query.to_params() == {"k": "5", "label": "genres"}
    engine = Engine(catalog, model_cache)
    labels = engine.clustering(engine.params(query.k)).labels
    check = label_check(catalog, labels, query.label, top=TOP_LABELS)
    assert check is not None and check.column is not None and check.column.name == "genres"
    assert check.crosstab.shape[1] == TOP_LABELS + 1
    assert set(check.genres) <= set(VOCABULARY) and check.other == len(VOCABULARY) - TOP_LABELS
    cells = frame["genres"]
    memberships = cells[cells != "unknown"].str.count(";").add(1)
    assert check.crosstab.to_numpy().sum() == memberships.sum()
    per_genre = pd.Series([g for cell in cells[cells != "unknown"] for g in cell.split(";")]).value_counts()
    top = per_genre.sort_values(ascending=False, kind="stable")
    assert check.crosstab[check.genres].sum().min() >= top.iloc[TOP_LABELS:].max()
    first = cells.str.split(";").str[0].to_numpy()
    known = (cells != "unknown").to_numpy()
    assert check.ari == pytest.approx(adjusted_rand_score(first[known], labels[known]))
    unknown = int((~known).sum())
    assert f"left out: {unknown:,} songs marked unknown ('unknown')" in check.note

    _, notices = parse_query({"label": "album"}, limits)
    assert notices == ["label='album' is not a label column of this dataset; showing label."]
    with pytest.raises(DatasetError, match="not a label column"):
        label_check(catalog, labels, "album")


def test_the_default_prefers_few_values_single_valued_and_genre_named_columns() -> None:
    """Among usable columns: at most MAX_DEFAULT_VALUES values first, then single-valued, then
    known for most songs, then genre-named, then more than two values (a 0/1 flag is not a
    kind), then fewest values; ids, dates and one-value
    columns are not usable, nor a numeric column without a label's name."""
    n = 600
    rows = np.arange(n)
    frame, _ = blob_frame((n // 2, n - n // 2))
    frame = frame.assign(
        style=[f"s{i % 3}" for i in rows],  # 3 values, not genre-named
        track_genre=[f"g{i % 8}" for i in rows],  # 8 values, genre-named: the default
        playlist=[f"p{i % 120}" for i in rows],  # over MAX_DEFAULT_VALUES: last
        mostly_unknown_genre=["rock" if i % 6 == 0 else ("jazz" if i % 6 == 1 else "unknown") for i in rows],
        code=[f"c{i}" for i in rows],  # an id
        released=[f"20{i % 20:02d}-01-{i % 28 + 1:02d}" for i in rows],  # dates
        constant="same",
        popularity=rows % 5,  # numbers, not a label by name
        target=rows % 2,  # numbers named as a label
    )
    catalog = catalog_of(frame)
    found = {c.name: c for c in label_columns(catalog)}
    assert "popularity" not in found and found["target"].distinct == 2
    assert found["code"].reason == "nearly every song has a value of its own"
    assert found["released"].reason == "it holds dates"
    assert found["constant"].reason == "it has one value"
    assert found["playlist"].distinct > MAX_DEFAULT_VALUES
    assert [c.name for c in usable_label_columns(catalog)] == [
        "track_genre",
        "style",
        "target",  # a two-valued flag comes after a column of kinds
        "mostly_unknown_genre",
        "playlist",
    ]


# -- the real files beside the checkout --------------------------------------------------------


def test_reference_dataset_compares_with_its_target_column(shared_data: Path, model_cache: ModelCache) -> None:
    """spotify.csv has no genre column; its 0/1 ``target`` (the song was liked) is a label-named
    column of whole numbers, so it is the one label column; key, mode and time_signature
    (numbers of the sound) are not labels."""
    catalog = load_catalog(shared_data / "spotify.csv")
    assert [c.name for c in label_columns(catalog)] == ["target"]
    assert default_label_column(catalog) is not None and default_label_column(catalog).distinct == 2
    engine = Engine(catalog, model_cache)
    check = label_check(catalog, engine.clustering(engine.params(4)).labels)
    assert check is not None and check.genres == ["0", "1"] and check.crosstab.shape == (4, 2)
    assert check.crosstab.to_numpy().sum() == len(catalog)
    assert check.note.startswith("Compared with the column 'target': 2 labels.")


@pytest.mark.parametrize("k", [5, 6])
def test_tidytuesday_genre_check(shared_data: Path, model_cache: ModelCache, k: int) -> None:
    """The real TidyTuesday sample (Windows-1252): playlist_genre (six genres) is the default over
    playlist_subgenre (24) and playlist_name (hundreds); album names and release dates are not
    labels. The crosstab holds every song, and ARI / NMI are in their ranges."""
    path = shared_data / "spotify_songs_tidytuesday_sample.csv"
    if not path.is_file():
        pytest.skip(f"{path.name} not found in {shared_data}")
    catalog = load_catalog(path)
    usable = usable_label_columns(catalog)
    assert [c.name for c in usable] == ["playlist_genre", "playlist_subgenre", "playlist_name"]
    assert [c.distinct for c in usable[:2]] == [6, 24]
    reasons = {c.name: c.reason for c in label_columns(catalog)}
    assert reasons["track_album_release_date"] == "it holds dates"
    assert reasons["track_album_name"] == "nearly every song has a value of its own"
    engine = Engine(catalog, model_cache)
    labels = engine.clustering(engine.params(k)).labels
    check = label_check(catalog, labels)
    assert check is not None and check.column is not None and check.column.name == "playlist_genre"
    assert check.genres == TIDYTUESDAY_GENRES
    assert list(check.crosstab.index) == list(range(k))
    assert check.crosstab.to_numpy().sum() == len(catalog)
    assert -1 <= check.ari <= 1 and 0 <= check.nmi <= 1
    sub = label_check(catalog, labels, "playlist_subgenre")
    assert sub is not None and sub.crosstab.shape == (k, TOP_LABELS + 1) and sub.other == 24 - TOP_LABELS
    assert sub.crosstab.to_numpy().sum() == len(catalog)


def test_the_analysis_is_done_once_per_catalog(labelled: tuple[Catalog, pd.DataFrame]) -> None:
    catalog, _ = labelled
    label_columns(catalog)
    memo = catalog.memo["genres.label_columns"]
    assert usable_label_columns(catalog) and catalog.memo["genres.label_columns"] is memo


CELL_TOKENS = ["pop", "rock", "pop;rock", "rock; jazz", "unknown", "", "N/A", "[]", "a/b", "a", "b", "x|y", "x", ","]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(CELL_TOKENS), st.text(max_size=8), st.none()), min_size=1, max_size=40),
    st.data(),
)
def test_any_cells_give_a_consistent_check(cells: list[str | None], data: st.DataObject) -> None:
    """Whatever the cells: every song is known, unknown or empty; the crosstab holds each known
    song at least once (exactly once when single-valued) in at most TOP_LABELS + 1 columns."""
    labels = np.array(data.draw(st.lists(st.integers(-1, 3), min_size=len(cells), max_size=len(cells))))
    check = genre_check(pd.Series(cells, dtype=object), labels)
    column = check.column
    assert column is not None
    assert column.known + column.unknown + column.empty == len(cells)
    total = int(check.crosstab.to_numpy().sum())
    assert total == column.known if column.separator is None else total >= column.known
    assert check.crosstab.shape[1] <= TOP_LABELS + 1 and check.distinct == column.distinct
    assert math.isnan(check.ari) or -1 <= check.ari <= 1


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


def test_digits_that_are_not_decimal_sort_as_text() -> None:
    """'²' is a digit to str.isdigit but no number to int(): found by the property test above."""
    cells = ["²", "class 10", "class 2", "²", "class 10", "class 2", "٣", "٣"]
    check = genre_check(pd.Series(cells, dtype=object), np.array([0, 1, 0, 1, 0, 1, 0, 1]))
    assert check.genres == ["٣", "class 2", "class 10", "²"]
