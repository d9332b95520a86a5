"""Genre check: do clusters found from audio features alone line up with a label column?

The one place that knows which of a catalog's columns can serve as labels (genres, classes,
playlists) and which one the check uses by default.

Label columns. The catalog keeps every candidate (core.catalog: text columns besides title,
artist, id and preview; label-named whole-number columns such as spotify.csv's ``target``).
``label_columns(catalog)`` looks at each, once per catalog, on its distinct cells only:

- unknown cells are left out and counted: empty cells, and the words of UNKNOWN_VALUES
  ("unknown", "n/a", "none", "[]", ...; any case);
- multi-valued cells ("pop;dance pop;post-teen pop") are detected: a separator of
  SEPARATORS (; | , /) is taken when at least MULTI_SHARE of the known songs hold it and
  splitting leaves fewer distinct values than the cells had (the parts repeat: they are
  values). A title-like text where splitting makes more pieces, or a single genre such as
  "Folk, World, & Country", is not split. Parts are stripped of spaces, quotes and brackets
  (so "['pop', 'rock']" reads as pop and rock), and unknown parts dropped;
- a column is usable when it has 2..MAX_USABLE_VALUES distinct values, each value held by
  MIN_SONGS_PER_VALUE songs on average (names and ids are not labels), and it does not
  hold dates.

The default column is the first of ``usable_label_columns``, ordered by: at most
MAX_DEFAULT_VALUES values first; single-valued before multi-valued (a multi-valued column
gives a song several labels and the scores only its first); known for at least half the
songs first; genre-named columns first (the check is about genres); two-valued columns
(flags such as spotify.csv's liked-or-not ``target``) after columns of kinds; then fewest
values. So a clean 14-class column beats a 1,757-combination ";"-joined ``genres`` column
and a 0/1 ``target``, and ``playlist_genre`` (6) beats ``playlist_subgenre`` (24). No
usable column: no check.

The check. The crosstab counts songs per cluster (noise, cluster −1, as its own row) and
label. A song with several values counts once under each, so a row may add to more than
the cluster's songs. Only the TOP_LABELS values held by most songs are columns; the rest
add up in one last "other" column. ARI (adjusted Rand index: 1 identical groupings, about
0 for chance, negative below chance) and NMI (normalised mutual information: 0
independent, 1 identical) compare the clusters with the labels over the songs in a
cluster with a known value: noise is not a cluster and unknown is not a label. They use
every value, not the capped columns (where the cap falls is a matter of display, and
lumping values into "other" would raise or lower the scores), and a multi-valued song's
first value (they need one label per song). The note says all of this in words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from core.catalog import Catalog, label_frame
from core.clustering import NOISE
from core.errors import DatasetError

#: Cells meaning "no label" (compared in lower case, stripped of spaces, quotes and brackets).
UNKNOWN_VALUES = frozenset(
    {
        "",
        "unknown",
        "unknown genre",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "nan",
        "nil",
        "-",
        "--",
        "?",
        "unspecified",
        "undefined",
        "not available",
        "missing",
        "no genre",
    }
)
#: Separators of multi-valued cells, tried in this order (the one leaving fewest values wins).
SEPARATORS = (";", "|", ",", "/")
#: Share of the known songs whose cell holds a separator before a column counts as multi-valued.
MULTI_SHARE = 0.05
#: The crosstab's columns: this many values, then "other".
TOP_LABELS = 12
#: A default label column has at most this many values when any column does.
MAX_DEFAULT_VALUES = 50
#: A column with more values is offered to no one: a 2,000-column choice is no label.
MAX_USABLE_VALUES = 2_000
#: Songs per value, on average, below which a column is names or ids rather than labels.
MIN_SONGS_PER_VALUE = 3
#: Share of known cells that look like dates for a column to be dates, not labels.
_DATE_SHARE = 0.9
_DATE = re.compile(r"^\d{4}(-\d{1,2}){0,2}([ T][\d:.]+)?$|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$")
_PART_STRIP = " \t\"'[](){}"
_MEMO_KEY = "genres.label_columns"


@dataclass(frozen=True)
class LabelColumn:
    """What one candidate label column holds, for choosing it and for saying so.

    ``name`` is the file's header. ``distinct``: values after cleaning (and splitting).
    ``known``: songs with at least one value; ``empty``: songs whose cell is empty;
    ``unknown``: songs whose cell says unknown (``unknown_words``: how, at most three
    spellings). ``separator``: the multi-value separator, None when single-valued;
    ``multi``: songs with more than one value. ``reason``: why it is not usable ("" when it
    is).
    """

    name: str
    distinct: int
    known: int
    empty: int
    unknown: int
    unknown_words: tuple[str, ...]
    separator: str | None
    multi: int
    reason: str

    @property
    def usable(self) -> bool:
        return not self.reason

    @property
    def genre_named(self) -> bool:
        return "genre" in self.name.lower()

    @property
    def noun(self) -> str:
        """What one value is called in sentences: "genre" or "label"."""
        return "genre" if self.genre_named else "label"

    @property
    def left_out(self) -> int:
        return self.empty + self.unknown

    def describe(self) -> str:
        """The column as a choice in a list: ``playlist_genre · 6 values``."""
        text = f"{self.name} · {self.distinct:,} value{'' if self.distinct == 1 else 's'}"
        return text + (f", several per song ({self.separator!r})" if self.separator else "")


@dataclass(frozen=True)
class _Analysis:
    """A column's LabelColumn and how its catalog categories map to values.

    ``values``: the distinct values, sorted naturally ("class 2" before "class 10"). The
    value indices of category c, in cell order, are ``flat[start[c]:start[c + 1]]`` (none:
    unknown); ``first[c]`` is the first of them, −1 when none. Arrays over categories, not
    songs: small at any catalog size.
    """

    column: LabelColumn
    values: tuple[str, ...]
    start: np.ndarray
    flat: np.ndarray
    first: np.ndarray


@dataclass(frozen=True)
class GenreCheck:
    """Clusters against one label column.

    ``crosstab``: counts, index = cluster numbers (−1 for noise, if any; name "cluster"),
    columns = ``genres`` (the TOP_LABELS values held by most songs, in natural order) and,
    when more values exist, a last column ``"other (N genres)"`` adding up the other
    ``other`` values (name "genre"). A multi-valued song counts once under each value.
    ``ari``, ``nmi``: scikit-learn's adjusted_rand_score and normalized_mutual_info_score
    over the compared songs, on every value (first value per song); NaN when none.
    ``note``: which column, which songs were compared and which left out, in words.
    """

    crosstab: pd.DataFrame
    ari: float
    nmi: float
    genres: list[str]
    note: str
    #: The label column compared, and what it holds.
    column: LabelColumn | None = None
    #: Values lumped into the "other" column (0: none).
    other: int = 0

    @property
    def distinct(self) -> int:
        """Every value of the column (shown or lumped)."""
        return len(self.genres) + self.other


# -- the registry of label columns --------------------------------------------------------


def _natural(text: str) -> tuple:
    """Sort key putting "class 2" before "class 10"."""
    return tuple(int(piece) if piece.isdecimal() else piece.lower() for piece in re.split(r"(\d+)", text))


def _clean_part(text: str) -> str:
    return text.strip(_PART_STRIP)


def _is_unknown(text: str) -> bool:
    return _clean_part(text).lower() in UNKNOWN_VALUES


def _split(cell: str, separator: str | None) -> list[str]:
    """The known values of one cell, in order, without repeats."""
    pieces = cell.split(separator) if separator else [cell]
    values: list[str] = []
    for piece in pieces:
        value = _clean_part(piece) if separator else piece.strip()
        if value and not _is_unknown(value) and value not in values:
            values.append(value)
    return values


def _separator(cells: Sequence[str], counts: np.ndarray) -> str | None:
    """The separator splitting ``cells`` (known, distinct; ``counts`` songs each) into values,
    or None: one held by MULTI_SHARE of the songs, whose split leaves no more values than
    there were cells, and whose pieces repeat (half of those from cells holding it are in
    another cell too). Of several, the one leaving fewest values."""
    total = counts.sum()
    if total == 0:
        return None
    best: tuple[int, str] | None = None
    for separator in SEPARATORS:
        holding = np.fromiter((separator in cell for cell in cells), dtype=bool, count=len(cells))
        if counts[holding].sum() < MULTI_SHARE * total:
            continue
        split = [_split(cell, separator) for cell in cells]
        cells_of: dict[str, int] = {}
        for values in split:
            for value in values:
                cells_of[value] = cells_of.get(value, 0) + 1
        if len(cells_of) > len(cells):
            continue
        pieces = {value for values, held in zip(split, holding, strict=True) if held for value in values}
        if 2 * sum(cells_of[value] > 1 for value in pieces) < len(pieces):
            continue
        if best is None or len(cells_of) < best[0]:
            best = (len(cells_of), separator)
    return best[1] if best else None


def _analyse(name: str, values: pd.Categorical) -> _Analysis:
    """The LabelColumn of one categorical column, computed on its categories."""
    categories = [str(c) for c in values.categories]
    codes = np.asarray(values.codes)
    counts = np.bincount(codes[codes >= 0], minlength=len(categories))
    present = counts > 0
    unknown_cell = np.array([_is_unknown(c) for c in categories], dtype=bool)
    known_cells = [c for c, keep in zip(categories, present & ~unknown_cell, strict=True) if keep]
    separator = _separator(known_cells, counts[present & ~unknown_cell])
    split = [_split(c, separator) if seen else [] for c, seen in zip(categories, present, strict=True)]
    names = sorted({v for parts in split for v in parts}, key=lambda v: (_natural(v), v))
    index = {v: i for i, v in enumerate(names)}
    n_parts = np.array([len(cell) for cell in split], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(n_parts)]).astype(np.int64)
    flat = np.array([index[v] for cell in split for v in cell], dtype=np.int64)
    first = np.where(n_parts > 0, flat[np.minimum(start[:-1], max(len(flat) - 1, 0))] if len(flat) else -1, -1)
    empty = int((codes < 0).sum())
    unknown = int(counts[n_parts == 0].sum())
    words = sorted({categories[c] for c in np.flatnonzero(present & (n_parts == 0))}, key=lambda w: (w.lower(), w))
    known = int(counts[n_parts > 0].sum())
    memberships = int((counts * n_parts).sum())
    dates = sum(int(counts[i]) for i, c in enumerate(categories) if n_parts[i] and _DATE.match(c))
    if len(names) < 2:
        reason = "it has one value" if names else "it has no values"
    elif len(names) > MAX_USABLE_VALUES:
        reason = f"it has {len(names):,} values, more than {MAX_USABLE_VALUES:,}"
    elif memberships < MIN_SONGS_PER_VALUE * len(names):
        reason = "nearly every song has a value of its own"
    elif dates >= _DATE_SHARE * known:
        reason = "it holds dates"
    else:
        reason = ""
    column = LabelColumn(
        name=name,
        distinct=len(names),
        known=known,
        empty=empty,
        unknown=unknown,
        unknown_words=tuple(words[:3]),
        separator=separator,
        multi=int(counts[n_parts > 1].sum()),
        reason=reason,
    )
    return _Analysis(column=column, values=tuple(names), start=start, flat=flat, first=first)


def _analyses(catalog: Catalog) -> dict[str, _Analysis]:
    """Every candidate column's analysis, computed once per catalog (kept in its memo)."""
    found = catalog.memo.get(_MEMO_KEY)
    if found is None:
        frame = catalog.label_columns if catalog.label_columns is not None else pd.DataFrame()
        found = {str(name): _analyse(str(name), frame[name].array) for name in frame.columns}
        catalog.memo[_MEMO_KEY] = found
    return found  # type: ignore[return-value]


def _preference(column: LabelColumn) -> tuple:
    """Sort key of usable columns: the default first (see the module docstring)."""
    return (
        column.distinct > MAX_DEFAULT_VALUES,
        column.separator is not None,
        column.known < column.left_out,
        not column.genre_named,
        column.distinct == 2,
        column.distinct,
        column.name.lower(),
    )


def label_columns(catalog: Catalog) -> tuple[LabelColumn, ...]:
    """Every candidate label column of ``catalog``, usable or not, in the file's order."""
    return tuple(a.column for a in _analyses(catalog).values())


def usable_label_columns(catalog: Catalog) -> tuple[LabelColumn, ...]:
    """The columns a person may compare the clusters with, the default first (empty: the
    catalog has no label column, and no genre check)."""
    return tuple(sorted((c for c in label_columns(catalog) if c.usable), key=_preference))


def has_labels(catalog: Catalog) -> bool:
    """Whether the catalog has a usable label column: whether the genre check applies."""
    return bool(usable_label_columns(catalog))


def default_label_column(catalog: Catalog) -> LabelColumn | None:
    """The column the check uses when the URL names none; None: no usable column."""
    usable = usable_label_columns(catalog)
    return usable[0] if usable else None


# -- the check ------------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _crosstab(
    analysis: _Analysis, codes: np.ndarray, first: np.ndarray, labels: np.ndarray, top: int
) -> tuple[pd.DataFrame, int]:
    """Songs per (cluster, value), a song counted under each of its values; the ``top``
    values held by most songs as columns (by name), the rest summed in "other"."""
    known = first >= 0
    clusters, rows = np.unique(labels[known].astype(np.int64), return_inverse=True)
    n_cats, n_values = len(analysis.first), len(analysis.values)
    # songs per (cluster, category) first: categories are few, songs many; then each
    # category's count goes to each of its values
    pair, per_pair = np.unique(rows.astype(np.int64) * n_cats + codes[known], return_counts=True)
    pair_rows, pair_cats = np.divmod(pair, n_cats)
    lengths = analysis.start[pair_cats + 1] - analysis.start[pair_cats]
    offsets = np.repeat(analysis.start[pair_cats] - (np.cumsum(lengths) - lengths), lengths)
    flat = analysis.flat[offsets + np.arange(int(lengths.sum()))]
    counts = np.bincount(
        np.repeat(pair_rows, lengths) * n_values + flat,
        weights=np.repeat(per_pair, lengths),
        minlength=len(clusters) * n_values,
    ).reshape(len(clusters), n_values)
    totals = counts.sum(axis=0)
    ranked = sorted(range(n_values), key=lambda v: (-totals[v], v))
    shown = sorted(ranked[:top])
    table = pd.DataFrame(
        counts[:, shown].astype(np.int64),
        index=pd.Index(clusters, name="cluster"),
        columns=pd.Index([analysis.values[v] for v in shown], name="genre", dtype=object),
    )
    other = n_values - len(shown)
    if other:
        rest = np.setdiff1d(np.arange(n_values), shown)
        table[f"other ({_count(other, analysis.column.noun)})"] = counts[:, rest].sum(axis=1).astype(np.int64)
    return table, other


def _note(column: LabelColumn, compared: int, noise: int, other: int, top: int) -> str:
    noun = column.noun
    sentences = [f"Compared with the column '{column.name}': {_count(column.distinct, noun)}."]
    if column.separator:
        sentences.append(
            f"Its cells list several {noun}s separated by {column.separator!r} ({_count(column.multi, 'song')} "
            f"have more than one): the heatmap counts a song under each of its {noun}s, so a row can add up to "
            f"more than its songs; ARI and NMI use each song's first {noun}."
        )
    if other:
        sentences.append(
            f"The heatmap shows the {top} {noun}s most songs have and adds up the other {other:,} in 'other'; "
            f"ARI and NMI use all {column.distinct:,}."
        )
    left_out = []
    if noise:
        left_out.append(f"{_count(noise, 'noise song')} (noise is not a cluster)")
    if column.unknown:
        said = " or ".join(repr(w) for w in column.unknown_words)
        left_out.append(f"{_count(column.unknown, 'song')} marked unknown ({said})")
    if column.empty:
        left_out.append(f"{_count(column.empty, 'song')} without a {noun}")
    scores = f"ARI and NMI compare the {compared:,} songs that have a cluster and a {noun}"
    sentences.append(scores + (f"; left out: {' and '.join(left_out)}." if left_out else "."))
    return " ".join(sentences)


def _check(analysis: _Analysis, codes: np.ndarray, labels: np.ndarray, top: int) -> GenreCheck:
    labels = np.asarray(labels)
    if len(codes) != len(labels):
        raise ValueError(f"{len(codes)} label cells against {len(labels)} cluster labels")
    codes = np.asarray(codes, dtype=np.int64)
    first = np.where(codes >= 0, analysis.first[np.maximum(codes, 0)], -1) if len(analysis.first) else codes
    clustered = labels != NOISE
    compared = (first >= 0) & clustered
    if compared.any():
        ari = float(adjusted_rand_score(first[compared], labels[compared]))
        nmi = float(normalized_mutual_info_score(first[compared], labels[compared]))
    else:
        ari = nmi = float("nan")
    crosstab, other = _crosstab(analysis, codes, first, labels, top)
    genres = [str(g) for g in crosstab.columns[: crosstab.shape[1] - (1 if other else 0)]]
    note = _note(analysis.column, int(compared.sum()), int((~clustered).sum()), other, top)
    return GenreCheck(
        crosstab=crosstab, ari=ari, nmi=nmi, genres=genres, note=note, column=analysis.column, other=other
    )


def label_check(
    catalog: Catalog, labels: np.ndarray, column: str | None = None, top: int = TOP_LABELS
) -> GenreCheck | None:
    """Clusters ``labels`` (n,) against the label column ``column`` of ``catalog`` (None: the
    default); None when the catalog has no usable label column. DatasetError when
    ``column`` is not one of its usable label columns (the URL's value is checked before:
    core.query)."""
    if column is None:
        chosen = default_label_column(catalog)
        if chosen is None:
            return None
        column = chosen.name
    analysis = _analyses(catalog).get(column)
    if analysis is None or not analysis.column.usable:
        why = f": {analysis.column.reason}" if analysis is not None else ""
        raise DatasetError(f"'{column[:40]}' is not a label column of this dataset{why}.")
    values = catalog.label_columns[column].array  # type: ignore[index]
    return _check(analysis, np.asarray(values.codes), labels, top)


def genre_check(genres: pd.Series, labels: np.ndarray, column: str = "genre", top: int = TOP_LABELS) -> GenreCheck:
    """Compare ``labels`` (n,) with ``genres`` (n,), text, "" or NaN where a song has none,
    cleaned and split as a catalog's label column is, whether usable or not."""
    frame = label_frame(pd.DataFrame({column: genres.reset_index(drop=True)}), column)
    values = frame[column].array
    return _check(_analyse(column, values), np.asarray(values.codes), labels, top)
