"""Load any Spotify-feature CSV into a Catalog: one row per song, stable ids, a fingerprint.

Column aliases (first present wins, matched case-insensitively, spaces as underscores):

| role | accepted headers |
| --- | --- |
| title | song_title, track_name, name, song, title |
| artist | artist, artists, track_artist, artist_name |
| id | id, track_id, track_uri (``spotify:track:ID`` and open.spotify.com URLs become ID) |
| genre | genre, genres, playlist_genre, track_genre |
| preview | preview_url, preview |
| duration | duration_ms, or duration (seconds when its median is under 10,000, else ms) |

Features are whichever of the ten defaults exist; a feature column that is mostly not
numbers is left out rather than emptying the catalog. Text is read as UTF-8 when it
decodes as such, else as Windows-1252 (the legacy encoding of many exported CSVs),
else Latin-1, which never fails.

Candidate label columns (``Catalog.label_columns``, for the genre check, core.genres) are
the file's other columns that may name a class of song: every text column not used as
title, artist, id, preview or a feature (the genre role's column included), and a numeric
column only when its header names a label (genre..., label, class, category, target, tag)
and it holds at most MAX_NUMERIC_LABEL_VALUES whole numbers. So spotify.csv's ``target``
(0/1) is a candidate, while key, mode, time_signature or popularity (numbers that describe
the sound or the chart, not a class) never are. A text column with more than
MAX_LABEL_CELLS distinct cells (titles, album names, ids at scale) is not kept: it cannot
be a label and would cost memory. They are kept aside from ``songs`` as categoricals, so
the songs table, the content ids and the fingerprint are what they were without them.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DatasetError
from core.features import AUDIO_CLUSTER_FEATURES, DEFAULT_FEATURES, FEATURE_RANGES, FEATURE_UNITS, KNOWN_FEATURES
from core.previews import safe_preview_url

ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("song_title", "track_name", "name", "song", "title"),
    "artist": ("artist", "artists", "track_artist", "artist_name"),
    "id": ("id", "track_id", "track_uri"),
    "genre": ("genre", "genres", "playlist_genre", "track_genre"),
    "preview_url": ("preview_url", "preview"),
    # a music library's file, relative to AUDIOSPACE_MUSIC_DIR (`python -m core extract` writes it)
    "path": ("path", "file_path", "relative_path"),
}
TEXT_COLUMNS = ("id", "title", "artist", "genre", "preview_url", "path")
MIN_FEATURES = 2
#: Fewer songs cannot be clustered: K starts at 2 and must be below the number of songs.
MIN_SONGS = 3
#: A feature column with fewer parseable numbers than this share is left out.
MIN_NUMERIC_SHARE = 0.5
_DELIMITERS = (",", ";", "\t", "|")
_TEXT_ALIASES = {alias for role in TEXT_COLUMNS for alias in ALIASES[role]}
_SPOTIFY_ID = re.compile(r"(?:spotify:track:|open\.spotify\.com/track/)([A-Za-z0-9]+)")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DECIMAL_COMMA = r"^([+-]?\d*),(\d+(?:[eE][+-]?\d+)?)$"


#: Sample values shown per column when a person maps a file's columns by hand.
SAMPLE_VALUES = 5
#: Text cells (titles, artists, ...) longer than this are cut: nobody reads more, and a
#: 50 MB cell must not reach every page that shows the song.
MAX_TEXT_CHARS = 300
#: A text column with more distinct cells than this is not kept as a candidate label column.
MAX_LABEL_CELLS = 50_000
#: A numeric column named like a label is a candidate only with at most this many distinct whole numbers.
MAX_NUMERIC_LABEL_VALUES = 50
#: Headers (normalised) that name a label: a numeric column is a candidate only with one of these.
_LABEL_NAME = re.compile(r"genre|(^|_)(labels?|class|classes|category|categories|target|tags?)(_|$)")
_INDEX_COLUMN = re.compile(r"^Unnamed: \d+$")


@dataclass(frozen=True)
class LoadLimits:
    """The largest file the loader takes: rows after the header, and columns."""

    rows: int = 2_000_000
    columns: int = 1_000


@dataclass(frozen=True)
class ColumnSample:
    """A column of a file as a person mapping it sees it: header and a few values."""

    name: str
    values: tuple[str, ...]


class MappingNeededError(DatasetError):
    """The file parsed, but which column is the title, or which hold features, cannot be told
    from their names: the message says why; ``columns`` lets a person choose."""

    def __init__(self, message: str, columns: tuple[ColumnSample, ...]) -> None:
        super().__init__(message)
        self.columns = columns


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


@dataclass
class LoadReport:
    """What the loader did, for people: counts, mappings and reasons."""

    source: str
    encoding: str = ""
    delimiter: str = ","
    rows_read: int = 0
    rows_kept: int = 0
    mapped: dict[str, str] = field(default_factory=dict)
    #: Every role and feature -> the file's column it was read from (renamed or not).
    roles: dict[str, str] = field(default_factory=dict)
    features: tuple[str, ...] = ()
    missing_features: tuple[str, ...] = ()
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def dropped_rows(self) -> int:
        return sum(self.dropped.values())

    def lines(self) -> list[str]:
        """The report as short plain sentences, in the order a reader needs them."""
        sep = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[self.delimiter]
        out = [f"Read {_count(self.rows_read, 'row')} from {self.source} ({self.encoding}, {sep}-separated)."]
        if self.mapped:
            pairs = ", ".join(f"{role} ← {col}" for role, col in self.mapped.items())
            out.append(f"Columns used: {pairs}.")
        out.append(f"Features: {len(self.features)} ({', '.join(self.features)}).")
        if self.missing_features:
            out.append(f"Not in the file: {', '.join(self.missing_features)}.")
        if self.dropped:
            why = "; ".join(f"{n:,} {reason}" for reason, n in self.dropped.items())
            out.append(f"Dropped {_count(self.dropped_rows, 'row')}: {why}.")
        out.extend(self.notes)
        out.append(f"Kept {_count(self.rows_kept, 'song')}.")
        return out


@dataclass
class Catalog:
    """The songs of one dataset.

    ``songs`` has one row per song, positional index 0..n-1, columns ``id``, ``title``,
    ``artist`` (str), optional ``genre`` and ``preview_url`` (str, may be empty) and one
    float64 column per name in ``features`` (raw units: duration in ms, loudness in dB,
    tempo in BPM). ``fingerprint`` is a hex digest of that content: same data, same value.
    """

    songs: pd.DataFrame
    features: tuple[str, ...]
    fingerprint: str
    report: LoadReport
    is_demo: bool = False
    #: Candidate label columns (see the module docstring): one ``category`` column per file
    #: column, named as in the file, rows aligned with ``songs``; cleaned text, missing (NaN)
    #: where the cell was empty. None when built: taken from ``songs``' ``genre`` column if
    #: any (a catalog stored before label columns were kept), else no columns.
    label_columns: pd.DataFrame | None = None
    _row_of_id: pd.Index | None = field(default=None, repr=False)
    #: Values derived from the catalog alone and kept once computed (core.genres' analysis).
    memo: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.label_columns is None:
            self.label_columns = label_frame(self.songs[["genre"]] if self.has_genre else self.songs[[]])

    def __len__(self) -> int:
        return len(self.songs)

    @property
    def has_genre(self) -> bool:
        return "genre" in self.songs.columns

    def row_of(self, song_id: str) -> int | None:
        """Row position of a song id, or None when the catalog has no such song."""
        if self._row_of_id is None:
            self._row_of_id = pd.Index(self.songs["id"])
        try:
            row = self._row_of_id.get_loc(song_id)
        except (KeyError, TypeError):
            return None
        return row if isinstance(row, int) else None

    def feature_matrix(self, features: tuple[str, ...] | None = None) -> np.ndarray:
        """Raw feature values, shape (n_songs, n_features), float64."""
        return self.songs[list(features or self.features)].to_numpy(dtype=np.float64)


def load_catalog(
    source: str | Path | bytes,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    limits: LoadLimits | None = None,
) -> Catalog:
    """Load a CSV from a path or from bytes (an upload).

    ``mapping`` names the file's column for each role (title, artist, id, genre,
    preview_url) and feature (danceability, ...) instead of recognising them by their
    headers; the catalog's ``report.roles`` is the mapping used either way. Raises
    DatasetError, with a message fit to show as is, when the file cannot serve;
    MappingNeededError when only a mapping by hand can make it serve.
    """
    if isinstance(source, bytes):
        data, label = source, name or "the uploaded file"
    else:
        path = Path(source)
        label = name or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise DatasetError(f"There is no file at {path}.") from None
        except OSError as exc:
            raise DatasetError(f"{label} cannot be read: {exc.strerror or exc}.") from None
    return _build_catalog(data, LoadReport(source=label), mapping, limits or LoadLimits())


def clusterable(catalog: Catalog) -> Catalog:
    """``catalog`` if it has songs enough to cluster (MIN_SONGS), else DatasetError saying so:
    a dataset to serve or keep must be one every view can be drawn on."""
    if len(catalog) < MIN_SONGS:
        n = len(catalog)
        raise DatasetError(
            f"{catalog.report.source} has {n} usable song{'' if n == 1 else 's'}; at least {MIN_SONGS} are "
            "needed to find clusters."
        )
    return catalog


_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}


def _decode_name(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def _utf16_as_utf8(data: bytes) -> bytes | None:
    """A UTF-16 file (Excel's "Unicode text" export) re-encoded as UTF-8; None if it is not one."""
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError:
        return None


def _parse(data: bytes, report: LoadReport, mapping: Mapping[str, str] | None, limits: LoadLimits) -> pd.DataFrame:
    if not data.strip():
        raise DatasetError(f"{report.source} is empty.")
    utf8 = _utf16_as_utf8(data)
    data = utf8 if utf8 is not None else data
    if b"\x00" in data[:65536]:
        raise DatasetError(f"{report.source} is not a CSV file: it holds binary data.")
    if re.match(rb"\s*<(!doctype\s+html|html|\?xml|svg)\b", data[:1024], re.IGNORECASE):
        raise DatasetError(f"{report.source} is a web page or XML document, not a CSV file.")
    encoding = _decode_name(data)
    report.encoding = "UTF-16" if utf8 is not None else _ENCODING_NAMES.get(encoding, "Latin-1")
    header = data[: data.find(b"\n")] if b"\n" in data else data
    header_text = header.decode(encoding, errors="replace")
    report.delimiter = max(_DELIMITERS, key=header_text.count)
    fields = header_text.count(report.delimiter) + 1  # pandas takes minutes over a line of 10M commas
    if fields > limits.columns:
        raise DatasetError(f"{report.source} has {fields:,} columns; at most {limits.columns:,} are accepted.")
    options = {
        "sep": report.delimiter,
        "encoding": encoding,
        "engine": "c",
        # Never take the first column as the index when rows have one field more than
        # the header (a trailing delimiter): that would shift every column.
        "index_col": False,
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            columns = pd.read_csv(io.BytesIO(data), nrows=0, **options).columns
            # Text roles are read as text, exactly as written (a title "1999" or "NA" stays
            # so); every other column is left to pandas' fast number parsing, and one that
            # holds anything but numbers arrives as text for _numeric_features to coerce.
            text_roles = set(_TEXT_ALIASES) if mapping is None else {mapping.get(role) for role in TEXT_COLUMNS}
            text = {c for c in columns if (_normalise_header(c) if mapping is None else c) in text_roles}
            frame = pd.read_csv(
                io.BytesIO(data),
                dtype={c: str for c in text},
                keep_default_na=False,
                na_values={c: ["", "NaN", "nan", "NA", "N/A", "null", "None"] for c in columns if c not in text},
                on_bad_lines="warn",
                nrows=limits.rows + 1,
                **options,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatasetError(f"{report.source} is not a CSV file we can read ({first}).") from None
    if len(frame) > limits.rows:
        raise DatasetError(f"{report.source} has more than {limits.rows:,} rows; at most {limits.rows:,} are accepted.")
    bad_lines = sum(str(w.message).count("Skipping line") for w in caught)
    if bad_lines:
        report.dropped["with the wrong number of fields"] = bad_lines
    if any("does not match length of data" in str(w.message) for w in caught):
        report.notes.append("Ignored the fields some rows have beyond the last column of the header.")
    return frame


def _normalise_header(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def column_samples(frame: pd.DataFrame) -> tuple[ColumnSample, ...]:
    """Each column's header and its first few non-empty values, as text."""
    samples = []
    for column in frame.columns[:200]:
        values = frame[column].dropna().astype(str).str.strip()
        values = values[values.ne("")].head(SAMPLE_VALUES).str.slice(0, 60)
        samples.append(ColumnSample(str(column), tuple(values)))
    return tuple(samples)


def _mapped_by_hand(frame: pd.DataFrame, mapping: Mapping[str, str], report: LoadReport) -> dict[str, str]:
    known = {*TEXT_COLUMNS, *KNOWN_FEATURES}
    strangers = sorted(set(mapping) - known)
    if strangers:
        raise DatasetError(f"Unknown roles in the column mapping: {', '.join(s[:30] for s in strangers[:5])}.")
    missing = sorted({column for column in mapping.values() if column not in frame.columns})
    if missing:
        raise DatasetError(f"{report.source} has no column named {', '.join(repr(m[:40]) for m in missing[:5])}.")
    if "title" not in mapping:
        raise MappingNeededError("Choose the column that holds song titles.", column_samples(frame))
    report.mapped = {role: col for role, col in mapping.items() if role != col}
    report.roles = dict(mapping)
    return dict(mapping)


def _map_columns(frame: pd.DataFrame, report: LoadReport, mapping: Mapping[str, str] | None) -> dict[str, str]:
    """Role or feature name -> the file's column holding it."""
    if mapping is not None:
        return _mapped_by_hand(frame, mapping, report)
    by_normal: dict[str, str] = {}
    for column in frame.columns:
        by_normal.setdefault(_normalise_header(column), column)
    roles: dict[str, str] = {}
    for role, aliases in ALIASES.items():
        for alias in aliases:
            if alias in by_normal:
                roles[role] = by_normal[alias]
                break
    if "title" not in roles:
        raise MappingNeededError(
            f"{report.source} has no song title column: expected one of {', '.join(ALIASES['title'])}. "
            "Choose which column holds what.",
            column_samples(frame),
        )
    for feature in KNOWN_FEATURES:
        if feature in by_normal:
            roles[feature] = by_normal[feature]
    if "duration_ms" not in roles and "duration" in by_normal:
        roles["duration_ms"] = by_normal["duration"]
    report.mapped = {role: col for role, col in roles.items() if role in ALIASES and role != col}
    report.roles = roles
    return roles


def _clean_text(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.slice(0, MAX_TEXT_CHARS).str.strip()


def _bare_id(values: pd.Series) -> pd.Series:
    extracted = values.str.extract(_SPOTIFY_ID, expand=False)
    return extracted.fillna(values)


def _numeric_features(frame: pd.DataFrame, roles: dict[str, str], report: LoadReport) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {}
    for feature in KNOWN_FEATURES:
        if feature not in roles:
            continue
        column = frame[roles[feature]]
        if pd.api.types.is_numeric_dtype(column):
            values = column.astype("float64")
        else:
            text = column.astype(str).str.strip()
            if report.delimiter != ",":
                # Files separated by ; (spreadsheet exports in many locales) write 0,5 for 0.5.
                text = text.str.replace(_DECIMAL_COMMA, r"\1.\2", regex=True)
            values = pd.to_numeric(text, errors="coerce").astype("float64")
        share = values.notna().mean() if len(values) else 0.0
        if share < MIN_NUMERIC_SHARE:
            report.notes.append(f"Left out '{roles[feature]}': only {share:.0%} of its cells are numbers.")
            continue
        if feature == "duration_ms" and roles[feature] != "duration_ms" and values.median() < 10_000:
            values = values * 1000.0
            report.notes.append(f"Read '{roles[feature]}' as seconds and converted it to ms.")
        columns[feature] = values
    report.features = tuple(columns)
    # a table computed from audio (core.audio) misses Spotify's scores by design, not by accident
    family = AUDIO_CLUSTER_FEATURES if set(columns) - set(DEFAULT_FEATURES) else DEFAULT_FEATURES
    report.missing_features = tuple(f for f in family if f not in columns)
    if len(columns) < MIN_FEATURES:
        found = ", ".join(columns) or "none"
        raise MappingNeededError(
            f"{report.source} has {len(columns)} usable audio feature column(s) ({found}); "
            f"at least {MIN_FEATURES} of {', '.join(DEFAULT_FEATURES)} are needed. "
            "Choose which columns hold which features.",
            column_samples(frame),
        )
    return pd.DataFrame(columns, index=frame.index)


def _playable_previews(urls: pd.Series, report: LoadReport) -> pd.Series:
    """Preview URLs that may be played; others (javascript:, http:, unknown hosts) become empty."""
    safe = urls.map(lambda url: safe_preview_url(url) or "")
    dropped = int((urls.ne("") & safe.eq("")).sum())
    if dropped:
        report.notes.append(
            f"Ignored {_count(dropped, 'preview URL')} that are not https links to Spotify, Apple Music or "
            "Deezer: they are never played."
        )
    return safe


def _drop(report: LoadReport, mask: pd.Series, reason: str) -> pd.Series:
    count = int(mask.sum())
    if count:
        report.dropped[reason] = report.dropped.get(reason, 0) + count
    return ~mask


def _outside_ranges(features: pd.DataFrame) -> pd.DataFrame:
    """True where a value (inf included) lies outside its feature's FEATURE_RANGES."""
    return pd.DataFrame(
        {f: ~features[f].between(*FEATURE_RANGES[f]) & features[f].notna() for f in features.columns},
        index=features.index,
    )


def _range_reason(outside: pd.DataFrame) -> str:
    """The drop reason naming the range of each feature that had a value outside it."""

    def bound(value: float) -> str:
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"

    rules = "; ".join(
        f"{feature} {bound(FEATURE_RANGES[feature][0])} to {bound(FEATURE_RANGES[feature][1])}"
        + (f" {FEATURE_UNITS[feature]}" if feature in FEATURE_UNITS else "")
        for feature in outside.columns
        if outside[feature].any()
    )
    return f"with a value outside what the feature can be ({rules})"


def _label_categories(values: pd.Series, numeric: bool) -> pd.Categorical | None:
    """``values`` as a categorical of cleaned text (cut at MAX_TEXT_CHARS, stripped; empty
    cells missing), or None when it has too many distinct cells to be a label. Cleans the
    distinct cells, not every row: 1M rows of a 20-value column take milliseconds."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) > MAX_LABEL_CELLS:
        return None
    uniques = np.asarray(uniques, dtype=object)
    if numeric:
        if len(uniques) > MAX_NUMERIC_LABEL_VALUES:
            return None
        numbers = uniques.astype(np.float64)
        if not np.all(np.isfinite(numbers) & (numbers == np.round(numbers))):
            return None
        cleaned = [str(int(v)) for v in numbers]
    else:
        cleaned = [str(v)[:MAX_TEXT_CHARS].strip() for v in uniques]
    categories, remap = np.unique(np.array(cleaned, dtype=object), return_inverse=True)
    new_codes = np.where(codes >= 0, remap[np.maximum(codes, 0)] if len(remap) else -1, -1)
    if len(categories) and categories[0] == "":
        new_codes = np.where(new_codes > 0, new_codes - 1, -1)
        categories = categories[1:]
    return pd.Categorical.from_codes(new_codes, categories=pd.Index(list(categories), dtype=object))


def _may_be_label(name: str, values: pd.Series) -> bool | None:
    """Whether a column is a candidate label: True for text, a label-named numeric column
    (to check further), None for other numbers."""
    if _INDEX_COLUMN.match(name):
        return None
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return True
    return False if _LABEL_NAME.search(_normalise_header(name)) else None


def label_frame(frame: pd.DataFrame, genre_column: str | None = None) -> pd.DataFrame:
    """The candidate label columns among ``frame``'s columns (every one given is looked at;
    the caller leaves out title, artist, id, preview and features), as categoricals on
    ``frame``'s index. ``genre_column`` (the genre role's) is always taken as text."""
    kept: dict[str, pd.Categorical] = {}
    for name in frame.columns:
        values = frame[name]
        kind = True if name == genre_column else _may_be_label(str(name), values)
        if kind is None:
            continue
        if kind and pd.api.types.is_bool_dtype(values):
            values = values.astype(object)
        categories = _label_categories(values, numeric=not kind)
        if categories is not None:
            kept[str(name)] = categories
    return pd.DataFrame(kept, index=frame.index)


def _content_ids(songs: pd.DataFrame, features: tuple[str, ...]) -> pd.Series:
    """16-hex-digit ids from title, artist and feature values (stable across runs)."""
    hashed = pd.util.hash_pandas_object(songs[["title", "artist", *features]], index=False)
    return pd.Series([f"{h:016x}" for h in hashed.to_numpy()], index=songs.index, dtype=object)


def _build_catalog(data: bytes, report: LoadReport, mapping: Mapping[str, str] | None, limits: LoadLimits) -> Catalog:
    frame = _parse(data, report, mapping, limits)
    report.rows_read = len(frame) + report.dropped_rows
    roles = _map_columns(frame, report, mapping)
    if frame.empty:
        why = "; ".join(f"{n:,} {reason}" for reason, n in report.dropped.items())
        raise DatasetError(f"{report.source} has no usable rows ({why or 'no data rows below the header'}).")
    features = _numeric_features(frame, roles, report)
    songs = pd.DataFrame({"title": _clean_text(frame[roles["title"]])}, index=frame.index)
    songs["artist"] = _clean_text(frame[roles["artist"]]) if "artist" in roles else ""
    for role in ("genre", "preview_url", "path"):
        if role in roles:
            songs[role] = _clean_text(frame[roles[role]])
    songs = pd.concat([songs, features], axis=1)

    if "preview_url" in songs.columns:
        songs["preview_url"] = _playable_previews(songs["preview_url"], report)
    keep = _drop(report, features.isna().any(axis=1), "with a missing or non-numeric feature value")
    outside = _outside_ranges(features)[keep]
    keep &= _drop(report, outside.any(axis=1).reindex(keep.index, fill_value=False), _range_reason(outside))
    keep &= _drop(report, songs["title"].eq("") & keep, "without a title")
    songs = songs[keep]

    own_ids = _bare_id(_clean_text(frame.loc[songs.index, roles["id"]])) if "id" in roles else None
    if own_ids is None:
        ids = _content_ids(songs, report.features)
    else:
        usable = own_ids.str.match(_SAFE_ID).astype(bool)
        ids = own_ids.copy()
        if not usable.all():
            ids[~usable] = _content_ids(songs[~usable], report.features)
            report.notes.append(
                f"{_count(int((~usable).sum()), 'row')} had an empty id in '{roles['id']}', or one unusable in "
                "links; their ids were derived from their content."
            )
    songs.insert(0, "id", ids.astype(object))
    keep = _drop(report, songs["id"].duplicated(), "repeating an earlier song (same id)")
    songs = songs[keep]
    if songs.empty:
        why = "; ".join(f"{n:,} {reason}" for reason, n in report.dropped.items())
        raise DatasetError(f"{report.source} has no usable rows ({why or 'no data rows'}).")
    used = {column for role, column in roles.items() if role != "genre"}
    labels = label_frame(frame.loc[songs.index, [c for c in frame.columns if c not in used]], roles.get("genre"))
    songs, labels = songs.reset_index(drop=True), labels.reset_index(drop=True)
    report.rows_kept = len(songs)
    return Catalog(
        songs=songs, features=report.features, fingerprint=fingerprint(songs), report=report, label_columns=labels
    )


def fingerprint(songs: pd.DataFrame) -> str:
    """Hex digest of a songs table's content (ids, text and values, in order)."""
    hashed = pd.util.hash_pandas_object(songs, index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes())
    digest.update("\x1f".join(map(str, songs.columns)).encode())
    return digest.hexdigest()[:20]


def catalog_from_frame(songs: pd.DataFrame, source: str, is_demo: bool = False) -> Catalog:
    """Wrap an already clean songs table (the demo catalog, benchmarks) as a Catalog. Its
    columns other than id, title, artist, preview_url and the features are candidate label
    columns (and stay in ``songs``, as given)."""
    features = tuple(f for f in KNOWN_FEATURES if f in songs.columns)
    report = LoadReport(source=source, encoding="UTF-8", rows_read=len(songs), rows_kept=len(songs), features=features)
    songs = songs.reset_index(drop=True)
    others = [c for c in songs.columns if c not in {"id", "title", "artist", "preview_url", *features}]
    labels = label_frame(songs[others], "genre" if "genre" in others else None)
    return Catalog(
        songs=songs,
        features=features,
        fingerprint=fingerprint(songs),
        report=report,
        is_demo=is_demo,
        label_columns=labels,
    )
