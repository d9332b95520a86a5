"""Property tests: whatever bytes arrive, the loader answers with a Catalog or a DatasetError."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalog import Catalog, load_catalog
from core.errors import DatasetError

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADERS = [
    "title",
    "song_title",
    "track_name",
    "name",
    "song",
    "artist",
    "artists",
    "track_artist",
    "artist_name",
    "id",
    "track_id",
    "track_uri",
    "genre",
    "playlist_genre",
    "preview_url",
    "duration",
    "duration_ms",
    "energy",
    "tempo",
    "valence",
    "danceability",
    "loudness",
    "acousticness",
    "Unnamed: 0",
    "",
]
PIECES = st.sampled_from(
    [
        *HEADERS,
        ",",
        ",",
        ";",
        "\t",
        "|",
        '"',
        '""',
        "\n",
        "\n",
        "\r\n",
        "\r",
        "0",
        "1",
        "0.5",
        "-7.25",
        "1e309",
        "nan",
        "inf",
        "spotify:track:",
        "spotify:track:abc",
        "é",
        "Ü",
        "\u201c",
        " ",
        "=",
        "\x00",
    ]
)
CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
    st.sampled_from(["", " ", "nan", "NA", "0,5", '"a,b"', '"', "spotify:track:abc", "=1+1", "\r"]),
    st.text(max_size=6),
)


def _check(data: bytes) -> Catalog | None:
    """Load data; a Catalog must be usable, a DatasetError is fine, anything else fails the test."""
    try:
        catalog = load_catalog(data)
    except DatasetError as exc:
        assert str(exc).strip()
        return None
    assert len(catalog) > 0
    assert len(catalog.features) >= 2
    assert catalog.songs["id"].is_unique
    assert np.isfinite(catalog.feature_matrix()).all()
    assert catalog.report.rows_read == catalog.report.rows_kept + catalog.report.dropped_rows
    assert catalog.report.lines()[-1] == f"Kept {len(catalog):,} song{'' if len(catalog) == 1 else 's'}."
    return catalog


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_loader(data: bytes) -> None:
    """Any bytes: a Catalog or a DatasetError, never another exception."""
    _check(data)


@FUZZ
@given(st.lists(PIECES, max_size=80).map("".join), st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_csv_ish_text_never_crashes_the_loader(text: str, encoding: str) -> None:
    """Text made of header aliases, separators, quotes, numbers and newlines, in any encoding."""
    _check(text.encode(encoding, errors="replace"))


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A header of known and unknown columns, then rows of short, long or odd cells."""
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = len(header)
    rows = draw(st.lists(st.lists(CELLS, min_size=max(0, width - 1), max_size=width + 1), max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = sep.join(header) + newline + newline.join(sep.join(row) for row in rows)
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])), errors="replace")


@FUZZ
@given(csv_files())
def test_structured_csv_files_never_crash_the_loader(data: bytes) -> None:
    """Plausible CSVs with broken rows: never a crash, and every row read is kept or counted as dropped."""
    _check(data)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=12).filter(str.strip),
            st.floats(0, 1),  # energy
            st.floats(0, 1000),  # tempo, BPM
        ),
        min_size=1,
        max_size=20,
    )
)
def test_well_formed_rows_all_survive(rows: list[tuple[str, float, float]]) -> None:
    """Every titled row with two numbers each feature can take is kept (unless it repeats an
    earlier song exactly)."""
    lines = ["title,energy,tempo"] + [f'"{t.replace(chr(34), chr(34) * 2)}",{e!r},{p!r}' for t, e, p in rows]
    catalog = _check("\n".join(lines).encode())
    assert catalog is not None
    distinct = {(t.strip(), e, p) for t, e, p in rows}
    assert len(catalog) == len(distinct)
