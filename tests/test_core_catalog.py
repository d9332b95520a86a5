"""Loading CSVs into a Catalog: formats, column aliases, encodings, cleaning, ids, fingerprints, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import core.catalog
from core.catalog import Catalog, catalog_from_frame, load_catalog
from core.errors import DatasetError
from core.features import DEFAULT_FEATURES
from core.genres import label_columns

WriteCsv = Callable[[str, bytes | str], Path]

SMALL = "title,artist,energy,tempo\nOne,Ann,0.1,100\nTwo,Bob,0.5,120\nThree,Cy,0.9,140\n"


def test_path_and_bytes_give_the_same_catalog(write_csv: WriteCsv) -> None:
    """An upload (bytes) and a file on disk holding the same CSV give the same songs and fingerprint."""
    from_path = load_catalog(write_csv("songs.csv", SMALL))
    from_bytes = load_catalog(SMALL.encode())
    pd.testing.assert_frame_equal(from_path.songs, from_bytes.songs)
    assert from_path.fingerprint == from_bytes.fingerprint
    assert from_path.report.source == "songs.csv"
    assert from_bytes.report.source == "the uploaded file"
    assert load_catalog(SMALL.encode(), name="mine.csv").report.source == "mine.csv"


def test_songs_table_has_documented_columns(write_csv: WriteCsv) -> None:
    """id/title/artist text columns and float feature columns in raw units, positions 0..n-1."""
    catalog = load_catalog(write_csv("songs.csv", SMALL))
    assert list(catalog.songs.columns) == ["id", "title", "artist", "energy", "tempo"]
    assert catalog.features == ("energy", "tempo")
    assert catalog.songs["title"].tolist() == ["One", "Two", "Three"]
    assert catalog.songs["tempo"].tolist() == [100.0, 120.0, 140.0]
    assert catalog.songs["energy"].dtype == np.float64
    assert list(catalog.songs.index) == [0, 1, 2]
    assert catalog.feature_matrix().shape == (3, 2)
    assert not catalog.has_genre
    assert len(catalog) == 3


def test_reference_format(write_csv: WriteCsv) -> None:
    """The Kaggle reference layout (unnamed index column, song_title, extra columns) loads all ten
    default features and ignores key, mode, time_signature and target."""
    header = (
        ",acousticness,danceability,duration_ms,energy,instrumentalness,key,liveness,loudness,mode,"
        "speechiness,tempo,time_signature,valence,target,song_title,artist"
    )
    rows = [
        "0,0.0102,0.833,204600,0.434,0.0219,2,0.165,-8.795,1,0.431,150.062,4,0.286,1,Mask Off,Future",
        "1,0.199,0.743,326933,0.359,0.00611,1,0.137,-10.401,1,0.0794,160.083,4,0.588,1,Redbone,Childish Gambino",
        "2,0.0344,0.838,185707,0.412,0.000234,2,0.159,-7.148,1,0.289,75.044,4,0.173,1,Xanny Family,Future",
    ]
    catalog = load_catalog(write_csv("spotify.csv", "\n".join([header, *rows]) + "\n"))
    assert catalog.features == DEFAULT_FEATURES
    assert catalog.songs.loc[1, "title"] == "Redbone"
    assert catalog.songs.loc[1, "artist"] == "Childish Gambino"
    assert catalog.songs.loc[0, "loudness"] == -8.795
    assert catalog.report.mapped == {"title": "song_title"}
    assert not {"key", "mode", "time_signature", "target"} & set(catalog.songs.columns)
    # target (0/1, named as a label) is kept aside as a candidate label column; key, mode and
    # time_signature (numbers of the sound) are not
    assert list(catalog.label_columns.columns) == ["target"]
    assert catalog.label_columns["target"].tolist() == ["1", "1", "1"]


@pytest.mark.parametrize(
    ("role", "header", "column"),
    [
        *[("title", h, "title") for h in ("song_title", "track_name", "name", "song", "title", "Track Name", "SONG")],
        *[("artist", h, "artist") for h in ("artist", "artists", "track_artist", "artist_name")],
        *[("genre", h, "genre") for h in ("genre", "genres", "playlist_genre", "track_genre")],
        *[("preview", h, "preview_url") for h in ("preview_url", "preview")],
        *[("id", h, "id") for h in ("id", "track_id", "track_uri")],
    ],
)
def test_column_aliases(role: str, header: str, column: str) -> None:
    """Every documented alias (any case, spaces for underscores) fills its column."""
    other = "song_title" if role != "title" else "artist"
    values = {"title": "Halo", "artist": "Beyoncé", "genre": "pop", "preview": "https://p.scdn.co/mp3-preview/a1b2"}
    value = values.get(role, "4iV5W9uYEdYUVa79Axb7Rh")
    csv = f"{header},{other},energy,tempo\n{value},Other,0.5,120\n"
    catalog = load_catalog(csv.encode())
    assert catalog.songs.loc[0, column] == value


def test_first_alias_in_the_documented_order_wins() -> None:
    """With both name and song_title present, song_title (listed first) is the title."""
    catalog = load_catalog(b"name,song_title,energy,tempo\nAlbum name,Real title,0.5,120\n")
    assert catalog.songs.loc[0, "title"] == "Real title"


@pytest.mark.parametrize(
    "cell",
    ["spotify:track:4iV5W9uYEdYUVa79Axb7Rh", "https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh?si=abc"],
)
def test_track_uri_becomes_bare_id(cell: str) -> None:
    """spotify:track:ID and open.spotify.com links become the bare ID, which finds the song."""
    csv = f"track_uri,track_name,energy,tempo\n{cell},Halo,0.5,120\nspotify:track:0aaaBBB,X,0.2,90\n"
    catalog = load_catalog(csv.encode())
    assert catalog.songs["id"].tolist() == ["4iV5W9uYEdYUVa79Axb7Rh", "0aaaBBB"]
    assert catalog.row_of("4iV5W9uYEdYUVa79Axb7Rh") == 0
    assert catalog.row_of("0aaaBBB") == 1
    assert catalog.row_of("nope") is None


def test_duration_in_seconds_becomes_ms() -> None:
    """A 'duration' column in seconds is converted to duration_ms, and the report says so."""
    catalog = load_catalog(b"title,duration,energy\nA,210.5,0.5\nB,180,0.4\n")
    assert catalog.songs["duration_ms"].tolist() == [210_500.0, 180_000.0]
    assert "duration_ms" in catalog.features
    assert any("seconds" in line for line in catalog.report.lines())


def test_duration_already_in_ms_is_kept() -> None:
    """duration_ms, or 'duration' holding milliseconds, is taken as is."""
    assert load_catalog(b"title,duration_ms,energy\nA,210500,0.5\n").songs.loc[0, "duration_ms"] == 210_500.0
    assert load_catalog(b"title,duration,energy\nA,210500,0.5\n").songs.loc[0, "duration_ms"] == 210_500.0


def test_only_default_features_that_exist_are_used() -> None:
    """Features are the defaults present in the file (in the default order); the rest are reported missing."""
    catalog = load_catalog(b"title,tempo,key,valence,popularity,energy\nA,120,5,0.3,80,0.5\nB,90,2,0.6,10,0.7\n")
    assert catalog.features == ("energy", "tempo", "valence")
    assert "key" not in catalog.songs.columns
    assert set(catalog.report.missing_features) == set(DEFAULT_FEATURES) - {"energy", "tempo", "valence"}
    assert any(line.startswith("Not in the file:") for line in catalog.report.lines())


def test_mostly_text_feature_column_is_left_out_not_fatal() -> None:
    """A feature column that is mostly not numbers is left out with a note; the others still serve."""
    csv = "title,energy,tempo,valence\n" + "".join(f"S{i},0.{i},{100 + i},high\n" for i in range(1, 9))
    catalog = load_catalog(csv.encode())
    assert catalog.features == ("energy", "tempo")
    assert len(catalog) == 8
    assert any("Left out 'valence'" in line for line in catalog.report.lines())


def test_bad_cells_are_coerced_rows_dropped_and_counted() -> None:
    """Numbers with spaces are read; text and blanks drop their row, as do infinities (outside
    what the feature can be); untitled rows drop; each row counts once, under one reason, and
    the report says it in words."""
    csv = (
        "title,energy,tempo\n"
        "Good one, 0.5 ,120\n"
        "Text energy,loud,120\n"
        "Blank tempo,0.4,\n"
        "Infinite,inf,100\n"
        ",0.3,99\n"
        ",oops,99\n"
        "Good two,0.6,121\n"
    )
    catalog = load_catalog(csv.encode())
    assert catalog.songs["title"].tolist() == ["Good one", "Good two"]
    assert catalog.songs.loc[0, "energy"] == 0.5
    report = catalog.report
    assert report.rows_read == 7
    outside = "with a value outside what the feature can be (energy 0 to 1)"
    assert report.dropped == {"with a missing or non-numeric feature value": 3, outside: 1, "without a title": 1}
    assert report.dropped_rows == 5
    assert report.rows_read == report.rows_kept + report.dropped_rows
    lines = report.lines()
    assert lines[0] == "Read 7 rows from the uploaded file (UTF-8, comma-separated)."
    assert f"Dropped 5 rows: 3 with a missing or non-numeric feature value; 1 {outside}; 1 without a title." in lines
    assert lines[-1] == "Kept 2 songs."


def test_rows_with_too_many_fields_are_dropped_and_counted() -> None:
    """A row with more fields than the header is skipped and counted, not misread."""
    catalog = load_catalog(b"title,energy,tempo\nA,0.1,100\nB,0.2,110,extra,more\nC,0.3,120\n")
    assert catalog.songs["title"].tolist() == ["A", "C"]
    assert catalog.report.dropped == {"with the wrong number of fields": 1}
    assert catalog.report.rows_read == 3


def test_trailing_delimiter_does_not_shift_columns() -> None:
    """Rows ending in an extra comma keep their values under the right headers."""
    catalog = load_catalog(b"title,energy,tempo\nA,0.1,100,\nB,0.2,110,\n")
    assert catalog.songs["title"].tolist() == ["A", "B"]
    assert catalog.songs["energy"].tolist() == [0.1, 0.2]
    assert catalog.songs["tempo"].tolist() == [100.0, 110.0]


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_other_delimiters(sep: str, name: str) -> None:
    """Semicolon, tab and pipe separated files load; the report names the separator."""
    csv = sep.join(["title", "energy", "tempo"]) + "\n" + sep.join(["A", "0.5", "120"]) + "\n"
    catalog = load_catalog(csv.encode())
    assert catalog.songs.loc[0, "tempo"] == 120.0
    assert f"{name}-separated" in catalog.report.lines()[0]


def test_semicolon_file_with_decimal_commas() -> None:
    """A spreadsheet export in a comma-decimal locale (; separated, 0,5) reads its numbers."""
    catalog = load_catalog(b"title;energy;loudness\nA;0,5;-5,25\nB;0,75;-7\n")
    assert catalog.songs["energy"].tolist() == [0.5, 0.75]
    assert catalog.songs["loudness"].tolist() == [-5.25, -7.0]


def test_a_european_export_loads_whole_even_with_exponents() -> None:
    """Decimal commas in scientific notation (6,34e-06, as spreadsheets write tiny
    instrumentalness values) are numbers too: every row is kept."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "song_title": [f"Song {i}" for i in range(200)],
            "instrumentalness": 10 ** rng.uniform(-7, 0, 200),
            "energy": rng.uniform(0, 1, 200),
        }
    )
    european = frame.to_csv(index=False, sep=";", decimal=",").encode()
    assert b"e-0" in european
    catalog = load_catalog(european)
    assert catalog.report.dropped.get("with a missing or non-numeric feature value", 0) == 0
    assert len(catalog) == len(load_catalog(frame.to_csv(index=False).encode()))
    assert catalog.songs["instrumentalness"].min() < 1e-4


@pytest.mark.parametrize(
    ("feature", "value"),
    [
        ("energy", "1e308"),
        ("energy", "-0.2"),
        ("tempo", "inf"),
        ("tempo", "-inf"),
        ("loudness", "-1e308"),
        ("duration_ms", "1e300"),
        ("valence", "1.5"),
    ],
)
def test_a_value_no_song_can_have_drops_its_row_and_says_which_rule(feature: str, value: str) -> None:
    """Extreme numbers (1e308, infinities, a duration in aeons, a score above 1) are dropped
    at load with the feature's range in the report, so no view overflows."""
    header = "title,energy,tempo,loudness,duration_ms,valence"
    good = {"energy": "0.5", "tempo": "120", "loudness": "-6", "duration_ms": "200000", "valence": "0.4"}
    broken = {**good, feature: value}
    rows = [f"Fine {i}," + ",".join(good.values()) for i in range(3)] + ["Broken," + ",".join(broken.values())]
    catalog = load_catalog((header + "\n" + "\n".join(rows) + "\n").encode())
    assert catalog.songs["title"].tolist() == ["Fine 0", "Fine 1", "Fine 2"]
    [reason] = catalog.report.dropped
    assert reason.startswith("with a value outside what the feature can be") and feature in reason
    assert np.isfinite(catalog.feature_matrix()).all()


@pytest.mark.parametrize(
    "content",
    [
        b"," * 10_000_000,  # one line of commas: pandas took minutes over it
        (",".join(["energy"] * 200_000) + "\n" + ",".join(["1"] * 200_000) + "\n").encode(),  # duplicate names
    ],
    ids=["10MB-of-commas", "200k-duplicate-columns"],
)
def test_a_header_of_too_many_columns_is_refused_at_once(content: bytes) -> None:
    with pytest.raises(DatasetError, match="columns; at most 1,000 are accepted"):
        load_catalog(content, name="wide.csv")


def test_windows_1252_file_keeps_its_characters(write_csv: WriteCsv) -> None:
    """A legacy 8-bit (Windows-1252) file loads with its accents and curly quotes, and says so."""
    text = "title,artist,energy,tempo\nGATTÜSO Remix,Beyoncé,0.5,120\n\u201cQuoted\u201d,Mötley Crüe,0.4,100\n"
    catalog = load_catalog(write_csv("legacy.csv", text.encode("cp1252")))
    assert catalog.songs["title"].tolist() == ["GATTÜSO Remix", "\u201cQuoted\u201d"]
    assert catalog.songs["artist"].tolist() == ["Beyoncé", "Mötley Crüe"]
    assert catalog.report.encoding == "Windows-1252"


def test_excels_unicode_text_export_loads() -> None:
    """Excel's "Unicode text" is UTF-16 with a byte-order mark, separated by tabs."""
    text = "title\tartist\tenergy\ttempo\nNaïve\tBjörk\t0.5\t120\nÉté\tZaz\t0.4\t100\n"
    catalog = load_catalog(text.encode("utf-16"))
    assert catalog.songs["artist"].tolist() == ["Björk", "Zaz"]
    assert catalog.report.lines()[0] == "Read 2 rows from the uploaded file (UTF-16, tab-separated)."


def test_utf8_with_bom_maps_the_first_header() -> None:
    """A UTF-8 byte-order mark does not hide the first column's name."""
    catalog = load_catalog("\ufefftitle,energy,tempo\nNaïve,0.5,120\n".encode())
    assert catalog.songs.loc[0, "title"] == "Naïve"
    assert catalog.report.encoding == "UTF-8"


def test_bytes_undefined_in_windows_1252_still_load() -> None:
    """Bytes that are neither UTF-8 nor Windows-1252 fall back to Latin-1 instead of failing."""
    catalog = load_catalog(b"title,energy,tempo\nA\x81B,0.5,120\n")
    assert catalog.songs.loc[0, "title"] == "A\x81B"
    assert catalog.report.encoding == "Latin-1"


# -- ids and fingerprints ----------------------------------------------------------------


def test_dataset_ids_are_used() -> None:
    """Ids from the file are kept as they are."""
    catalog = load_catalog(b"id,title,energy,tempo\nabc123,A,0.1,100\nxyz-9,B,0.2,90\n")
    assert catalog.songs["id"].tolist() == ["abc123", "xyz-9"]


def test_content_ids_are_stable_and_independent_of_position() -> None:
    """Without usable ids, each song's id comes from its content: the same in every load, and the
    same when rows are reordered or other songs are added."""
    rows = ["A,Ann,0.1,100", "B,Bob,0.2,90", "C,Cy,0.3,80"]

    def ids_of(lines: list[str]) -> dict[str, str]:
        catalog = load_catalog(("title,artist,energy,tempo\n" + "\n".join(lines)).encode())
        return dict(zip(catalog.songs["title"], catalog.songs["id"], strict=True))

    ids = ids_of(rows)
    assert ids_of(rows) == ids
    shuffled = ids_of([rows[2], "D,Di,0.4,70", rows[0], rows[1]])
    assert {title: shuffled[title] for title in ids} == ids
    assert len(set(ids.values())) == 3
    assert all(len(i) == 16 for i in ids.values())


def test_unusable_ids_fall_back_to_content_ids() -> None:
    """Ids that are empty or unfit for links (spaces, slashes) are replaced by content ids, row by
    row, with a note; the usable ids of the other rows are kept."""
    catalog = load_catalog(b"id,title,energy,tempo\nhas space,A,0.1,100\n,B,0.2,90\ngood1,C,0.3,80\n")
    ids = catalog.songs["id"].tolist()
    assert ids[2] == "good1"
    assert all(len(i) == 16 and set(i) <= set("0123456789abcdef") for i in ids[:2])
    assert any(
        "2 rows had an empty id" in line and "derived from their content" in line for line in catalog.report.lines()
    )


def test_repeated_songs_are_dropped_and_counted() -> None:
    """A song repeated (same id) is kept once; the repeat is counted."""
    catalog = load_catalog(b"id,title,energy,tempo\na1,A,0.1,100\nb2,B,0.2,90\na1,A again,0.3,80\n")
    assert catalog.songs["id"].tolist() == ["a1", "b2"]
    assert catalog.report.dropped == {"repeating an earlier song (same id)": 1}


def test_fingerprint_same_data_same_value(write_csv: WriteCsv) -> None:
    """The same songs give the same fingerprint, however the file is laid out (column order,
    CRLF, quoting, number spelling) and whatever it is called."""
    plain = load_catalog(write_csv("a.csv", SMALL))
    relaid = (
        '"tempo","artist","title","energy"\r\n100,"Ann","One",0.10\r\n120.0,"Bob","Two",0.5\r\n140,"Cy","Three",.9\r\n'
    )
    other = load_catalog(relaid.encode(), name="b.csv")
    assert plain.fingerprint == other.fingerprint


@pytest.mark.parametrize(
    "changed",
    [
        SMALL.replace("0.5,120", "0.5,121"),  # one value
        SMALL.replace("Two", "Deux"),  # one title
        SMALL + "Four,Di,0.2,90\n",  # one more song
    ],
)
def test_fingerprint_changes_with_the_data(changed: str) -> None:
    """Any change to a value, a title or the set of songs changes the fingerprint."""
    assert load_catalog(changed.encode()).fingerprint != load_catalog(SMALL.encode()).fingerprint


# -- files that cannot serve -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"artist,energy,tempo\nAnn,0.1,100\n", "has no song title column", id="no-title"),
        pytest.param(b"title,energy,key\nA,0.1,5\n", "1 usable audio feature column", id="one-feature"),
        pytest.param(b"title,artist\nA,B\n", "0 usable audio feature column", id="no-features"),
        pytest.param(b'{"songs": [{"title": "A", "energy": 0.1}]}', "has no song title column", id="json-not-csv"),
        pytest.param(b"", "is empty", id="empty"),
        pytest.param(b" \n\r\n\t ", "is empty", id="blank"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "holds binary data", id="binary"),
        pytest.param(b"title,energy,tempo\n", "has no usable rows", id="header-only"),
        pytest.param(
            b"title,energy,tempo\n,0.1,100\n,0.2,90\n", "has no usable rows (2 without a title)", id="no-titles"
        ),
        pytest.param(
            b"title,energy,tempo\nA,x,100\nB,0.2,\n",
            "has no usable rows (2 with a missing or non-numeric feature value)",
            id="no-full-rows",
        ),
        pytest.param(b'title,energy,tempo\n"A,0.1,100\n', "not a CSV file we can read", id="unclosed-quote"),
    ],
)
def test_files_that_cannot_serve_raise_dataset_error(content: bytes, message: str) -> None:
    """Each unusable file raises DatasetError with plain words naming the file and the problem."""
    with pytest.raises(DatasetError) as raised:
        load_catalog(content, name="mine.csv")
    assert str(raised.value).startswith("mine.csv ")
    assert message in str(raised.value)


def test_feature_names_listed_when_too_few_features() -> None:
    """The too-few-features message names the features that are needed."""
    with pytest.raises(DatasetError, match=r"at least 2 of acousticness, danceability"):
        load_catalog(b"title,energy\nA,0.1\n")


def test_missing_path_and_directory_raise_dataset_error(tmp_path: Path) -> None:
    """A path with no file, or a folder, is a DatasetError, not an OSError."""
    with pytest.raises(DatasetError, match="There is no file at"):
        load_catalog(tmp_path / "nope.csv")
    with pytest.raises(DatasetError, match="cannot be read"):
        load_catalog(tmp_path)


# -- the real files beside the checkout ----------------------------------------------------


def test_reference_dataset(shared_data: Path) -> None:
    """spotify.csv: 2,014 rows, all ten features, titles from song_title; every row accounted for."""
    catalog = load_catalog(shared_data / "spotify.csv")
    report = catalog.report
    assert report.rows_read == 2014
    assert catalog.features == DEFAULT_FEATURES
    assert report.rows_kept + report.dropped_rows == 2014
    assert len(catalog) > 1900
    assert catalog.songs["id"].is_unique
    assert "Mask Off" in set(catalog.songs["title"])
    assert load_catalog((shared_data / "spotify.csv").read_bytes()).fingerprint == catalog.fingerprint


def test_windows_1252_tidytuesday_sample(shared_data: Path) -> None:
    """The TidyTuesday sample (Windows-1252) loads with the right characters: "GATTÜSO" appears
    in a title and no replacement marks anywhere; playlist_genre becomes the genre."""
    catalog = load_catalog(shared_data / "spotify_songs_tidytuesday_sample.csv")
    assert catalog.report.encoding == "Windows-1252"
    assert catalog.songs["title"].str.contains("GATTÜSO").any()
    for column in ("title", "artist", "genre"):
        assert not catalog.songs[column].str.contains("\ufffd").any()
    assert catalog.has_genre
    assert set(catalog.songs["genre"]) == {"edm", "pop", "latin", "rap", "rock", "r&b"}
    assert catalog.report.rows_read == 5130
    assert catalog.report.rows_kept + catalog.report.dropped_rows == 5130


def test_tidytuesday_label_columns_read_in_windows_1252(shared_data: Path) -> None:
    """The sample's text columns besides title and artist are kept aside as label columns, aligned
    with the songs, with the right characters; its numbers (popularity, key, mode) are not."""
    catalog = load_catalog(shared_data / "spotify_songs_tidytuesday_sample.csv")
    labels = catalog.label_columns
    assert list(labels.columns) == [
        "track_album_name",
        "track_album_release_date",
        "playlist_name",
        "playlist_genre",
        "playlist_subgenre",
    ]
    assert len(labels) == len(catalog)
    assert labels["playlist_genre"].astype(str).tolist() == catalog.songs["genre"].tolist()
    assert not any("\ufffd" in str(value) for column in labels for value in labels[column].cat.categories)


def test_the_notice_for_a_missing_or_broken_dataset_names_the_file_not_its_folder(tmp_path: Path) -> None:
    """Every visitor sees this notice; the server's folders are not theirs to know."""
    from core.demo import catalog_or_demo

    catalog, notices = catalog_or_demo(tmp_path / "songs.csv")
    assert catalog.is_demo and "'songs.csv'" in notices[0] and str(tmp_path) not in notices[0]
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01binary")
    catalog, notices = catalog_or_demo(broken)
    assert catalog.is_demo and "broken.csv" in notices[0] and str(tmp_path) not in notices[0]


# -- candidate label columns -----------------------------------------------------------------

LABELLED = (
    "title,artist,energy,tempo,label,playlist_subgenre,popularity,class,score_class\n"
    "One,Ann,0.1,100,hit , dance pop,80,1,0.5\n"
    "Two,Bob,0.5,120,flop,,12,0,1.5\n"
    "Three,Cy,0.9,140,hit,rock,55,1,2\n"
)


def test_label_columns_are_kept_aside_and_change_no_fingerprint() -> None:
    """Text columns (cleaned, empty as missing) and label-named whole numbers are kept as
    categoricals beside the songs: the songs table, ids and fingerprint are those of the same
    file without them."""
    catalog = load_catalog(LABELLED.encode())
    plain = load_catalog(SMALL.encode())
    pd.testing.assert_frame_equal(catalog.songs, plain.songs)
    assert catalog.fingerprint == plain.fingerprint
    labels = catalog.label_columns
    assert list(labels.columns) == ["label", "playlist_subgenre", "class"]  # not popularity, not 0.5/1.5
    assert all(isinstance(labels[c].dtype, pd.CategoricalDtype) for c in labels)
    assert labels["label"].tolist() == ["hit", "flop", "hit"]
    assert labels["playlist_subgenre"].tolist()[::2] == ["dance pop", "rock"]
    assert pd.isna(labels["playlist_subgenre"][1])
    assert labels["class"].tolist() == ["1", "0", "1"]
    assert not plain.label_columns.columns.size and len(plain.label_columns) == len(plain)


def test_label_columns_follow_the_rows_kept() -> None:
    """Rows dropped (a missing feature value, a repeated id) leave the label columns aligned."""
    csv = (
        "id,title,energy,tempo,label\n"
        "a,One,0.1,100,first\n"
        "b,Two,,120,dropped\n"
        "c,Three,0.9,140,third\n"
        "a,One again,0.3,80,repeat\n"
        "d,Four,0.4,90,fourth\n"
    )
    catalog = load_catalog(csv.encode())
    assert catalog.songs["id"].tolist() == ["a", "c", "d"]
    assert catalog.label_columns["label"].tolist() == ["first", "third", "fourth"]
    assert list(catalog.label_columns.index) == [0, 1, 2]


def test_a_column_of_too_many_distinct_cells_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nearly unique text (names, ids at scale) is no label and would cost memory."""
    monkeypatch.setattr(core.catalog, "MAX_LABEL_CELLS", 2)
    catalog = load_catalog(LABELLED.replace(",hit,", ",third,").encode())
    assert list(catalog.label_columns.columns) == ["playlist_subgenre", "class"]


def test_a_genre_mapped_by_hand_is_a_label_column_as_text() -> None:
    """With a mapping by hand, the genre role's column (even of numbers) and the other text
    columns are label columns; the mapped title, artist and features are not."""
    csv = b"t,a,e,b,g,mood\nOne,Ann,0.1,100,7,calm\nTwo,Bob,0.5,120,3,wild\n"
    catalog = load_catalog(csv, mapping={"title": "t", "artist": "a", "energy": "e", "tempo": "b", "genre": "g"})
    assert list(catalog.label_columns.columns) == ["g", "mood"]
    assert catalog.label_columns["g"].tolist() == ["7", "3"]
    assert catalog.songs["genre"].tolist() == ["7", "3"]


def test_catalogs_from_tables_and_older_copies_have_label_columns() -> None:
    """catalog_from_frame takes its extra columns as label columns (songs unchanged); a Catalog
    built without them (a dataset stored before they were kept) has its genre column, if any."""
    songs = pd.DataFrame(
        {"id": ["a", "b"], "title": ["A", "B"], "artist": ["X", "Y"], "energy": [0.1, 0.2], "tempo": [90.0, 100.0]}
    )
    framed = catalog_from_frame(songs.assign(genre=["pop", "rock"], mood=["calm", "wild"]), source="table")
    assert list(framed.label_columns.columns) == ["genre", "mood"] and "mood" in framed.songs.columns
    older = Catalog(songs=framed.songs, features=framed.features, fingerprint="f", report=framed.report)
    assert list(older.label_columns.columns) == ["genre"]
    assert older.label_columns["genre"].tolist() == ["pop", "rock"]
    bare = Catalog(songs=songs, features=framed.features, fingerprint="f", report=framed.report)
    assert bare.label_columns.shape == (2, 0)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.text(max_size=10), st.sampled_from(["", "NA", "unknown", "pop;rock", "1", "2.5"])),
            st.one_of(st.integers(-3, 3).map(str), st.sampled_from(["", "x", "1.5", "nan"])),
        ),
        min_size=1,
        max_size=15,
    )
)
def test_any_label_cells_stay_aligned_and_analysable(cells: list[tuple[str, str]]) -> None:
    """Whatever a file's extra columns hold: label columns as long as the songs, and every one
    of them analysed without an error."""
    lines = ["title,energy,tempo,genre_notes,class"]
    for i, (text, number) in enumerate(cells):
        quoted = '"' + text.replace('"', '""') + '"'
        lines.append(f"Song {i},0.5,{100 + i},{quoted},{number}")
    try:
        catalog = load_catalog("\n".join(lines).encode())
    except DatasetError:
        return
    assert len(catalog.label_columns) == len(catalog)
    for column in label_columns(catalog):
        assert column.known + column.unknown + column.empty == len(catalog)
