"""Song search over title and artist by words: case-, accent- and punctuation-blind, prefix first.

Text is folded into words the same way for the catalog and for a query (see ``search_key``):
accents and case are dropped (``Beyoncé`` -> ``beyonce``), apostrophes are removed
(``Don't`` -> ``dont``) and any other punctuation or run of spaces separates words
(``Jay-Z`` and ``JAY  Z`` -> ``jay z``). A song matches when every query word is found in its
title or artist, in any order (``future mask off`` finds "Mask Off" by Future). Ranks:

- 0: the title or the artist starts with the query (``mask of`` for "Mask Off");
- 1: every query word starts a word of the title or artist;
- 2: every query word appears somewhere, at least one inside a word (``love`` in "Glove").

Within a rank, catalog order. The index is a word index built once per catalog, so a query
costs about its matches, not the catalog's size (well under 100 ms at 1M songs):

- the vocabulary: every distinct word, sorted, so the words a query word starts are one
  contiguous range of word ranks (binary search);
- postings: for each word rank, the rows holding it, in catalog order (rank 1 candidates);
- tokens: for each row, the word ranks of its title then its artist (rank 0 checks the first
  words; every rank filters candidates by them, in catalog order, stopping at ``limit``);
- the vocabulary as one byte string, for words containing a query word (rank 2).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import mmap
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

_MARKS = re.compile(r"[\u0300-\u036f]")
#: Apostrophes and look-alikes are deleted, so ``don't``, ``don’t`` and ``dont`` are one word.
_APOSTROPHES = "'`\u2018\u2019\u02bc\u00b4\u2032"
#: ASCII folding as one byte table: letters lower-cased, digits kept, newline (the cell
#: separator) kept, bytes of UTF-8 sequences (>= 0x80) kept, everything else a space.
_ASCII_TABLE = bytes(
    (c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c == 10 or c >= 128) else 32)
    for c in range(256)
)
_ASCII_DELETE = b"'`"
_SPACE, _NEWLINE = 32, 10
#: Candidate rows are checked against the other query words in catalog-order chunks this
#: size at first (doubling), so a query with many matches stops after its first ``limit``.
_FIRST_CHUNK = 2048
_MAX_CHUNK = 1 << 18
#: Query words looked at; more are ignored (each costs a look-up and a table per word rank).
MAX_QUERY_WORDS = 16
#: Folded text is cut into words this many bytes at a time (see _tokenise).
_CHUNK_BYTES = 1 << 22

#: The index's arrays kept by ``SearchIndex.save`` (with the vocabulary's starts and bytes).
_STORED_ARRAYS = (
    "_token_ranks",
    "_byte_counts",
    "_cell_lengths",
    "_cell_starts",
    "_row_offsets",
    "_row_lengths",
    "_first_cells",
    "_first_ranks",
    "_postings",
    "_word_offsets",
)


def normalise(text: str) -> str:
    """Case-fold and strip accents: ``Beyoncé`` -> ``beyonce`` (punctuation kept).

    Used for preview cache keys (core.previews), so it must not change; search folds text
    further with ``search_key``.
    """
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold().strip()


@functools.cache
def _separators() -> re.Pattern[str]:
    """Runs of characters outside ASCII that separate words: not a letter, digit or
    combining mark. ASCII separators are left to the byte table (_ASCII_TABLE).

    Marks are kept inside words (Devanagari vowel signs would otherwise cut words apart);
    the Latin accents U+0300-036F are already deleted when this applies. Built on first use
    (about 0.1 s): only text outside ASCII needs it.
    """
    marks = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)).startswith("M")]
    ranges: list[str] = []
    start = previous = marks[0]
    for code in [*marks[1:], -1]:
        if code != previous + 1:
            ranges.append(f"{chr(start)}-{chr(previous)}" if previous > start else chr(start))
            start = code
        previous = code
    return re.compile(r"[^\x00-\x7f\w" + "".join(ranges) + "]+")


def _fold_unicode(text: str) -> str:
    """Text outside ASCII folded as far as the byte table cannot: apostrophes deleted (before
    NFKD, which turns ``´`` into a space and an accent), accents stripped, case folded,
    separators outside ASCII made spaces. Line breaks are kept."""
    for apostrophe in _APOSTROPHES:
        if not apostrophe.isascii():
            text = text.replace(apostrophe, "")
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text).casefold())
    return _separators().sub(" ", text)


def _fold_cells(cells: list[str]) -> bytes:
    """Cells folded into words, one cell per line: UTF-8 bytes of ``len(cells)`` lines, each
    ending in a newline, words separated by one or more spaces (the only other byte that is
    not part of a word). Cells outside ASCII are folded first, together, by _fold_unicode;
    then one ``bytes.translate`` folds all ASCII (case, punctuation) at memory speed."""
    if not cells:
        return b""
    ascii_cells = np.fromiter(map(str.isascii, cells), dtype=bool, count=len(cells))
    if not ascii_cells.all():
        others = np.flatnonzero(~ascii_cells).tolist()
        joined = "\n".join(map(cells.__getitem__, others))
        if joined.count("\n") != len(others) - 1:  # a cell holds a line break: make it a space
            joined = "\n".join(cells[row].replace("\n", " ") for row in others)
        folded = _fold_unicode(joined).split("\n")
        cells = list(cells)
        for row, cell in zip(others, folded, strict=True):
            cells[row] = cell
    text = "\n".join(cells)
    if text.count("\n") != len(cells) - 1:  # a cell holds a line break: make it a space
        text = "\n".join(cell.replace("\n", " ") for cell in cells)
    return (text + "\n").encode("utf-8").translate(_ASCII_TABLE, _ASCII_DELETE)


def search_words(text: str) -> list[str]:
    """The words search sees in ``text``: ``"Don't Stop (Jay-Z Remix)"`` ->
    ``["dont", "stop", "jay", "z", "remix"]``."""
    return _fold_cells([text]).decode("utf-8").split()


def search_key(text: str) -> str:
    """``text`` folded for comparison: its search words joined by single spaces."""
    return " ".join(search_words(text))


@dataclass(frozen=True)
class SearchHit:
    """One song found: its row position in the songs table, and how well it matched."""

    row: int
    #: 0 prefix of title or artist, 1 every query word starts a word, 2 found inside a word.
    rank: int


def _tokenise(folded: bytes, cells: int) -> tuple[np.ndarray, np.ndarray, dict[bytes, int]]:
    """The words of ``folded`` (``cells`` lines from _fold_cells): each word's code in text
    order (T,), how many words each line holds (``cells``,), and each distinct word's code.

    Codes are unique per word but not dense (below T): a dict assigns them in C
    (``map(dict.setdefault, words, count())``). The text is taken a chunk of whole lines at a
    time, so only the distinct words and one chunk's words are Python objects at once
    (all 1M songs' words at once would hold ~300 MB of them), and the per-byte arrays that
    count words per line stay small.
    """
    code_of_word: dict[bytes, int] = {}
    counter = itertools.count()
    codes: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    start = 0
    while start < len(folded):
        end = folded.find(b"\n", start + _CHUNK_BYTES)
        end = len(folded) if end < 0 else end + 1
        chunk = folded[start:end]
        words = chunk.split()
        codes.append(np.fromiter(map(code_of_word.setdefault, words, counter), dtype=np.int64, count=len(words)))
        data = np.frombuffer(chunk, dtype=np.uint8)
        in_word = (data != _SPACE) & (data != _NEWLINE)
        word_start = in_word.copy()  # the chunk starts a line: its first byte starts a word if in one
        word_start[1:] &= ~in_word[:-1]
        words_so_far = np.cumsum(word_start, dtype=np.int32)[data == _NEWLINE]
        lengths.append(np.diff(words_so_far, prepend=0))
        start = end
    if not codes:
        return np.zeros(0, dtype=np.int64), np.zeros(cells, dtype=np.int64), code_of_word
    return np.concatenate(codes), np.concatenate(lengths), code_of_word


def _gather(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indices of the ranges ``[starts[i], starts[i] + lengths[i])``, concatenated."""
    ends = np.cumsum(lengths, dtype=np.int64)
    total = int(ends[-1]) if len(ends) else 0
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(total, dtype=np.int64)


def _stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` for values in ``[0, 2**32)``, about 3x faster:
    two passes over 16-bit halves, which numpy sorts by radix (its stable sort of wider
    integers is a merge sort)."""
    low = np.argsort((values & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((values[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]


def _sorted_rows(rows: np.ndarray, n_rows: int) -> np.ndarray:
    """Distinct ``rows`` in catalog order; a mask over the catalog when there are many."""
    if len(rows) * 16 < n_rows:
        return np.unique(rows)
    mask = np.zeros(n_rows, dtype=bool)
    mask[rows] = True
    return np.flatnonzero(mask)


class _Vocabulary:
    """The distinct words, sorted, as one byte string: a sequence for ``bisect`` that makes
    a word object only when asked (1M words as Python strings would take ~65 MB)."""

    def __init__(self, text: bytes, starts: np.ndarray) -> None:
        #: Every word followed by a newline; ``starts`` (V + 1) has the end as its last entry.
        self.text = text
        self.starts = starts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, rank: int) -> bytes:
        return self.text[self.starts[rank] : self.starts[rank + 1] - 1]

    def prefix_range(self, word: bytes) -> tuple[int, int]:
        """Ranks ``[lo, hi)`` of the words starting with ``word`` (UTF-8 has no 0xFF byte, so
        the next prefix is ``word`` with its last byte incremented)."""
        lo = bisect.bisect_left(self, word)
        return lo, bisect.bisect_left(self, word[:-1] + bytes([word[-1] + 1]), lo)

    def rank(self, word: bytes) -> int | None:
        """The rank of ``word``, or None when no song has that word."""
        rank = bisect.bisect_left(self, word)
        return rank if rank < len(self) and self[rank] == word else None


class SearchIndex:
    """Word index over a songs table's ``title`` and ``artist`` columns (row positions).

    Shapes (n rows; T words in all titles and artists; V distinct words, ranked in sorted
    order; "cell" ``2 * row`` is a title, ``2 * row + 1`` its artist): ``_vocabulary`` (V),
    ``_postings`` (T: rows by word rank, then row) with ``_word_offsets`` (V + 1),
    ``_token_ranks`` (T: word ranks by cell) with ``_cell_starts`` / ``_cell_lengths`` (2n)
    and ``_row_offsets`` / ``_row_lengths`` (n + 1 / n), ``_first_ranks`` / ``_first_cells``
    (2n: each cell's first word rank, V when it has none, sorted; and that cell). Integer
    arrays are int32 (positions below 2**31 at any catalog the loader takes).
    """

    def __init__(self, titles: pd.Series, artists: pd.Series) -> None:
        n = len(titles)
        cells: list[str] = [""] * (2 * n)
        cells[0::2] = titles.astype(str).tolist()
        cells[1::2] = artists.astype(str).tolist()
        folded = _fold_cells(cells)
        del cells
        self._n_rows = n
        codes, cell_lengths, code_of_word = _tokenise(folded, 2 * n)
        del folded
        index = np.int32 if max(len(codes), 2 * n) < 2**31 - 1 else np.int64

        # Words ranked in sorted order (UTF-8 byte order is code point order).
        sorted_words = sorted(code_of_word)
        rank_of_code = np.zeros(int(codes.max()) + 1 if len(codes) else 0, dtype=np.int32)
        rank_of_code[np.fromiter(map(code_of_word.__getitem__, sorted_words), np.int64, len(sorted_words))] = np.arange(
            len(sorted_words), dtype=np.int32
        )
        del code_of_word
        self._token_ranks = rank_of_code[codes]
        del codes, rank_of_code
        vocabulary = len(sorted_words)
        word_ends = np.cumsum(np.fromiter(map(len, sorted_words), np.int64, vocabulary) + 1)
        self._vocabulary = _Vocabulary(b"\n".join(sorted_words) + b"\n", np.concatenate(([0], word_ends)))
        del sorted_words
        self._vocab_bytes = np.frombuffer(self._vocabulary.text, dtype=np.uint8)
        self._byte_counts = np.bincount(self._vocab_bytes, minlength=256)

        self._cell_lengths = cell_lengths.astype(index)
        cell_ends = np.cumsum(cell_lengths).astype(index)
        self._cell_starts = cell_ends - self._cell_lengths
        self._row_offsets = np.concatenate(([0], cell_ends[1::2])).astype(index)
        self._row_lengths = np.diff(self._row_offsets)
        first = np.full(2 * n, vocabulary, dtype=np.int32)  # a cell without words sorts last
        has_words = cell_lengths > 0
        first[has_words] = self._token_ranks[self._cell_starts[has_words]]
        self._first_cells = _stable_argsort(first).astype(index)
        self._first_ranks = first[self._first_cells]

        token_rows = np.repeat(np.arange(n, dtype=np.int32), self._row_lengths)
        self._postings = token_rows[_stable_argsort(self._token_ranks)]
        del token_rows
        counts = np.bincount(self._token_ranks, minlength=vocabulary)
        self._word_offsets = np.concatenate(([0], np.cumsum(counts))).astype(index)

    # -- a stored copy (core.prepared) ---------------------------------------------------
    def save(self, folder: Path, save_array: Callable[[str, np.ndarray], dict]) -> dict:
        """Write the index into ``folder``: every array through ``save_array(file name,
        array)`` (which returns a description of the file), the vocabulary's bytes as
        ``vocabulary.bin``. Returns what ``load`` needs (JSON-able)."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vocabulary.bin").write_bytes(self._vocabulary.text)
        arrays = {name: getattr(self, name) for name in _STORED_ARRAYS}
        arrays["_vocabulary_starts"] = self._vocabulary.starts
        return {
            "rows": self._n_rows,
            "vocabulary_bytes": len(self._vocabulary.text),
            "arrays": {name: save_array(f"{name.lstrip('_')}.npy", array) for name, array in arrays.items()},
        }

    @classmethod
    def load(cls, folder: Path, stored: dict, load_array: Callable[[dict], np.ndarray]) -> SearchIndex:
        """The index ``save`` wrote into ``folder`` (``stored`` is what it returned), its arrays
        from ``load_array`` (memory-mapped, so processes share them) and its vocabulary bytes
        memory-mapped too: nothing is rebuilt. Raises when a file is missing or the wrong size."""
        index = cls.__new__(cls)
        index._n_rows = int(stored["rows"])
        arrays = {name: load_array(entry) for name, entry in stored["arrays"].items()}
        for name in _STORED_ARRAYS:
            setattr(index, name, arrays[name])
        size = int(stored["vocabulary_bytes"])
        with (folder / "vocabulary.bin").open("rb") as file:
            if os.fstat(file.fileno()).st_size != size:
                raise ValueError("vocabulary.bin is not the size the index was saved with")
            text: bytes | mmap.mmap = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        starts = arrays["_vocabulary_starts"]
        if len(starts) != len(index._word_offsets) or (len(starts) and int(starts[-1]) != size):
            raise ValueError("the vocabulary does not match the index's arrays")
        index._vocabulary = _Vocabulary(text, starts)  # type: ignore[arg-type]  # slices of an mmap are bytes
        index._vocab_bytes = np.frombuffer(text, dtype=np.uint8)
        if len(index._row_lengths) != index._n_rows or len(index._cell_lengths) != 2 * index._n_rows:
            raise ValueError("the index's arrays do not have one entry per song")
        return index

    # -- word look-ups ------------------------------------------------------------------
    def _containing(self, word: bytes) -> np.ndarray:
        """Ranks of the words containing ``word``, ascending: a vectorised substring search
        over the vocabulary's bytes, starting from the query's rarest byte."""
        haystack = self._vocab_bytes
        pivot = min(range(len(word)), key=lambda i: self._byte_counts[word[i]])
        positions = np.flatnonzero(haystack == word[pivot]) - pivot
        positions = positions[(positions >= 0) & (positions + len(word) <= len(haystack))]
        for i, byte in enumerate(word):
            if i != pivot and len(positions):
                positions = positions[haystack[positions + i] == byte]
        return np.unique(np.searchsorted(self._vocabulary.starts, positions, side="right") - 1)

    def _rows_of(self, ranks: np.ndarray) -> np.ndarray:
        """Rows holding any of the word ``ranks`` (ascending), in catalog order."""
        starts = self._word_offsets[ranks]
        return _sorted_rows(self._postings[_gather(starts, self._word_offsets[ranks + 1] - starts)], self._n_rows)

    # -- ranks ----------------------------------------------------------------------------
    def _starting_with(self, words: list[bytes]) -> np.ndarray:
        """Rank 0: rows whose title or artist starts with ``words`` (the last one as a
        prefix, the others whole), in catalog order."""
        exact = [self._vocabulary.rank(word) for word in words[:-1]]
        if None in exact:
            return np.zeros(0, dtype=np.int64)
        ranges = [(rank, rank + 1) for rank in exact if rank is not None]
        ranges.append(self._vocabulary.prefix_range(words[-1]))
        # Same dtype as the array, or numpy converts all 2n entries on every call.
        lo, hi = np.searchsorted(self._first_ranks, np.asarray(ranges[0], dtype=self._first_ranks.dtype))
        cells = self._first_cells[lo:hi]
        cells = cells[self._cell_lengths[cells] >= len(words)]
        for position, (low, high) in enumerate(ranges[1:], start=1):
            ranks = self._token_ranks[self._cell_starts[cells] + position]
            cells = cells[(ranks >= low) & (ranks < high)]
        return _sorted_rows(cells // 2, self._n_rows)

    def _having_all(
        self, candidates: np.ndarray, accepts: list[np.ndarray], exclude: np.ndarray, need: int
    ) -> np.ndarray:
        """The first ``need`` of ``candidates`` (rows in catalog order) not in ``exclude`` that
        hold, for each table in ``accepts`` (bool per word rank), a word it accepts. Checks the
        rows in growing chunks, so a query with many matches stops after its first ``need``."""
        found: list[np.ndarray] = []
        total, start, chunk = 0, 0, _FIRST_CHUNK
        while start < len(candidates) and total < need:
            rows = candidates[start : start + chunk]
            start += chunk
            chunk = min(2 * chunk, _MAX_CHUNK)
            rows = rows[~np.isin(rows, exclude)]
            if accepts and len(rows):  # every candidate holds a word, so no segment is empty
                lengths = self._row_lengths[rows]
                ranks = self._token_ranks[_gather(self._row_offsets[rows], lengths)]
                segments = np.cumsum(lengths, dtype=np.int64) - lengths
                keep = np.ones(len(rows), dtype=bool)
                for accept in accepts:
                    keep &= np.logical_or.reduceat(accept[ranks], segments)
                rows = rows[keep]
            found.append(rows[: need - total])
            total += len(found[-1])
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def _matching(self, per_word: list[np.ndarray], exclude: np.ndarray, need: int) -> np.ndarray:
        """Rows (catalog order, at most ``need``, none in ``exclude``) holding, for every
        query word, one of the word ranks in its ``per_word`` array (ascending). Candidates
        come from the word with the fewest postings; the others filter them."""
        if any(len(ranks) == 0 for ranks in per_word):
            return np.zeros(0, dtype=np.int64)
        sizes = [int((self._word_offsets[ranks + 1] - self._word_offsets[ranks]).sum()) for ranks in per_word]
        lead = int(np.argmin(sizes))
        accepts = []
        for i, ranks in enumerate(per_word):
            if i != lead:
                accept = np.zeros(len(self._vocabulary), dtype=bool)
                accept[ranks] = True
                accepts.append(accept)
        return self._having_all(self._rows_of(per_word[lead]), accepts, exclude, need)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Up to ``limit`` hits for ``query``, best rank first, catalog order within a rank
        (a query without any word, such as blank or only punctuation: no hits). Words after
        the first MAX_QUERY_WORDS are ignored, so a pasted page costs no more than a query."""
        words = [word.encode("utf-8") for word in search_words(query)[:MAX_QUERY_WORDS]]
        if not words or limit <= 0 or not len(self._vocabulary):
            return []
        ranked = [self._starting_with(words)[:limit]]
        need = limit - len(ranked[0])
        words = list(dict.fromkeys(words))  # in any order from here: a repeated word adds nothing
        if need > 0:
            prefixed = [np.arange(*self._vocabulary.prefix_range(word)) for word in words]
            ranked.append(self._matching(prefixed, ranked[0], need))
            need -= len(ranked[1])
        if need > 0:
            inside = [self._containing(word) for word in words]
            ranked.append(self._matching(inside, np.concatenate(ranked), need))
        return [SearchHit(int(row), rank) for rank, rows in enumerate(ranked) for row in rows]


# -- look-alike hits ----------------------------------------------------------------------
#: Columns that tell look-alike songs apart, in the order they are tried; each entry is the
#: label and the columns that may hold it (the first present is used). The loader keeps only
#: ``id`` of these today (core.catalog.TEXT_COLUMNS); the others serve tables that have them.
_TELLERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("album", ("album", "album_name", "track_album_name")),
    ("year", ("year", "release_year", "release_date", "track_album_release_date")),
    ("id", ("id",)),
)
_YEAR = re.compile(r"\b(\d{4})\b")
#: An id is shown cut to this many characters at least, longer when needed to tell apart.
_ID_CHARS = 6


def _cell_text(value: object) -> str:
    """A table cell as display text; missing (None, NaN, NA) is ``""``."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def _year(value: object) -> str:
    """The year in a ``year`` number or a release date (``"2019-05-03"``, ``"2019"``)."""
    if isinstance(value, int | float | np.integer | np.floating) and not pd.isna(value):
        return str(int(value))
    match = _YEAR.search(_cell_text(value))
    return match.group(1) if match else ""


def _short_ids(ids: list[str]) -> list[str]:
    """Ids cut to the shortest length (at least _ID_CHARS) that keeps them apart, with "…"."""
    longest = max((len(i) for i in ids), default=0)
    size = next(
        (k for k in range(_ID_CHARS, longest + 1) if len({i[:k] for i in ids}) == len(set(ids))),
        longest,
    )
    return [i if len(i) <= size else i[:size] + "…" for i in ids]


def _told_apart(songs: pd.DataFrame, group: list[int]) -> list[str]:
    """For look-alike rows, each one's value of the first teller column that tells them all
    apart, else of the first that tells some apart (a third copy sharing a year); ``""``
    when none does."""
    shown: list[tuple[str, list[str]]] = []
    for label, candidates in _TELLERS:
        column = next((c for c in candidates if c in songs.columns), None)
        if column is None:
            continue
        raw = songs[column].to_numpy()[group]
        values = [_year(v) for v in raw] if label == "year" else [_cell_text(v) for v in raw]
        if len(set(values)) > 1:
            shown.append((label, values))
            if len(set(values)) == len(values):
                break
    if not shown:
        return [""] * len(group)
    label, values = shown[-1] if len(set(shown[-1][1])) == len(group) else shown[0]
    if label == "id":
        return [f"id {text}" for text in _short_ids(values)]
    if label == "year":
        return [f"year {value or 'unknown'}" for value in values]
    return [f"album: {value or 'unknown'}" for value in values]


def lookalike_notes(songs: pd.DataFrame, rows: Sequence[int]) -> list[str]:
    """For search hits (``rows``: positions in ``songs``), how each differs from the other
    hits that look the same: one string per row, in ``rows`` order.

    Hits look the same when their titles and artists have the same ``search_key`` ("Hold On,
    We're Going Home" and "Hold On We're Going Home" by Drake). For such a group, the first of
    album, year (from ``year`` or a release date) and id whose values differ for every row of
    the group (else for some) names each row's value: ``"album: Views"``, ``"year 2019"``,
    ``"id 3xYzAb…"``. A row
    without a look-alike among ``rows`` gets ``""``. ``songs`` needs ``title`` and ``artist``;
    the other columns are used when present. Pure: no index, no Dash.
    """
    positions = list(dict.fromkeys(int(row) for row in rows))
    titles = songs["title"].to_numpy()
    artists = songs["artist"].to_numpy() if "artist" in songs.columns else np.full(len(songs), "", dtype=object)
    groups: dict[tuple[str, str], list[int]] = {}
    for row in positions:
        key = (search_key(_cell_text(titles[row])), search_key(_cell_text(artists[row])))
        groups.setdefault(key, []).append(row)
    notes: dict[int, str] = {}
    for group in groups.values():
        if len(group) > 1:
            notes.update(zip(group, _told_apart(songs, group), strict=True))
    return [notes.get(int(row), "") for row in rows]
