"""Song search: by words, accent-, case- and punctuation-blind, prefix before word-prefix before
substring; and how look-alike hits differ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import search
from core.cache import ModelCache
from core.catalog import load_catalog
from core.engine import Engine
from core.search import MAX_QUERY_WORDS, SearchIndex, lookalike_notes, search_key, search_words

SONGS = [
    ("Halo", "Beyoncé"),  # 0
    ("Love Story", "Taylor Swift"),  # 1
    ("Glove Box", "Nobody"),  # 2   "love" inside a word only
    ("Crazy in Love", "Beyoncé"),  # 3   "love" starts a word
    ("Glove Love", "Somebody"),  # 4   "love" inside a word first, then starting one
    ("Lovely", "Billie Eilish"),  # 5   title starts with "love"
    ("Run", "Love Arcade"),  # 6   artist starts with "love"
    ("Señorita", "Shawn Mendes"),  # 7
    ("ÉCLAIR", "Straße Band"),  # 8
]


@pytest.fixture
def engine(model_cache: ModelCache) -> Engine:
    """An Engine over SONGS, in that order."""
    frame = pd.DataFrame(SONGS, columns=["title", "artist"])
    frame["energy"] = [0.1 * (i + 1) for i in range(len(frame))]
    frame["tempo"] = [90 + 7 * i for i in range(len(frame))]
    return Engine(load_catalog(frame.to_csv(index=False).encode()), model_cache)


def _hits(engine: Engine, query: str, limit: int = 20) -> list[tuple[int, int]]:
    return [(hit.row, hit.rank) for hit in engine.search(query, limit)]


def test_prefix_then_word_prefix_then_substring(engine: Engine) -> None:
    """Titles or artists starting with the query first, then a word starting with it, then the
    query inside a word; catalog order within a rank."""
    assert _hits(engine, "love") == [(1, 0), (5, 0), (6, 0), (3, 1), (4, 1), (2, 2)]


def test_accent_and_case_insensitive(engine: Engine) -> None:
    """'beyonce' finds 'Beyoncé', and the other way round; case and accents never matter."""
    assert _hits(engine, "beyonce") == [(0, 0), (3, 0)]
    assert _hits(engine, "BEYONCÉ") == [(0, 0), (3, 0)]
    assert _hits(engine, "Beyonce\u0301") == [(0, 0), (3, 0)]  # é written as e + combining accent
    assert _hits(engine, "senorita") == [(7, 0)]
    assert _hits(engine, "eclair") == [(8, 0)]
    assert _hits(engine, "strasse") == [(8, 0)]


def test_word_inside_title_or_artist(engine: Engine) -> None:
    """A query matching a later word of the artist is a word-prefix hit."""
    assert _hits(engine, "swift") == [(1, 1)]
    assert _hits(engine, "eilish") == [(5, 1)]


def test_blank_query_finds_nothing(engine: Engine) -> None:
    """An empty or blank query gives no hits (not every song)."""
    assert engine.search("") == []
    assert engine.search("   \t ") == []


def test_limit_and_no_match(engine: Engine) -> None:
    """At most ``limit`` hits, best first; a query that matches nothing gives none."""
    assert _hits(engine, "love", limit=2) == [(1, 0), (5, 0)]
    assert _hits(engine, "love", limit=4) == [(1, 0), (5, 0), (6, 0), (3, 1)]
    assert engine.search("zzz-no-such-song") == []
    assert engine.search("love", limit=0) == []


def test_hits_point_at_the_songs_table(engine: Engine) -> None:
    """Hit rows index the catalog's songs table, so the page can show title and artist."""
    hit = engine.search("crazy")[0]
    assert engine.catalog.songs.loc[hit.row, "title"] == "Crazy in Love"


# -- words: punctuation, apostrophes, repeated spaces, title and artist together ----------------
REPORTED = [
    ("Do Not Disturb", "Drake"),  # 0   "dont" must not find "do not"
    ("Don't Stop Me Now", "Queen"),  # 1
    ("Clique", "JAY Z"),  # 2
    ("Run This Town", "Jay-Z"),  # 3
    ("King's Dead", "Jay Rock"),  # 4   "jay-z": no z anywhere
    ("Child's Play", "SZA"),  # 5
    ("Play Date", "Melanie Martinez"),  # 6   "child's play": no "childs"
    ("The Mask", "Danger Doom"),  # 7   "mask off": no "off"
    ("Mask Off", "Tiësto"),  # 8   "future mask off": not by Future
    ("Mask Off", "Future"),  # 9
]


@pytest.fixture
def reported() -> SearchIndex:
    """A SearchIndex over REPORTED, in that order."""
    frame = pd.DataFrame(REPORTED, columns=["title", "artist"])
    return SearchIndex(frame["title"], frame["artist"])


def _index_hits(index: SearchIndex, query: str, limit: int = 20) -> list[tuple[int, int]]:
    return [(hit.row, hit.rank) for hit in index.search(query, limit)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dont", [(1, 0)]),
        ("DON’T", [(1, 0)]),  # a typographic apostrophe, capitals
        ("jay-z", [(2, 0), (3, 0)]),  # artists "JAY Z" and "Jay-Z" both read "jay z"
        ("jay z", [(2, 0), (3, 0)]),
        ("JAYZ", []),  # a word is not two words
        ("child's play", [(5, 0)]),
        ("childs play", [(5, 0)]),
        ("mask  off", [(8, 0), (9, 0)]),  # two spaces are one
        ("future mask off", [(9, 1)]),  # artist word then title words
        ("mask off future", [(9, 1)]),  # in any order
        ("off future", [(9, 1)]),
    ],
)
def test_reported_queries(reported: SearchIndex, query: str, expected: list[tuple[int, int]]) -> None:
    """The five queries of the user report find their songs, and nothing that lacks a word."""
    assert _index_hits(reported, query) == expected


def test_artist_starting_with_the_query_is_rank_0(reported: SearchIndex) -> None:
    """An artist that starts with the query ranks like a title that does."""
    assert _index_hits(reported, "jay") == [(2, 0), (3, 0), (4, 0)]
    assert _index_hits(reported, "future") == [(9, 0)]


RANKED = [
    ("Unmask the Cutoff", "Nobody"),  # 0   both words inside words: rank 2
    ("Off With the Mask", "Somebody"),  # 1  both words start words, not the title: rank 1
    ("Mask Offering", "Anybody"),  # 2     title starts with "mask off": rank 0
    ("Remix", "Mask Off Crew"),  # 3     artist starts with it: rank 0
    ("Masks", "Off Duty"),  # 4          one word in the title, one in the artist: rank 1
    ("Mask", "Nobody"),  # 5             no "off" at all
    ("Mask Off", "Future"),  # 6         rank 0
]


def test_multi_word_ranking_and_catalog_order() -> None:
    """Rank 0 (title or artist starts with the query), then 1 (every word starts a word), then 2
    (every word somewhere); catalog order within a rank; a song lacking a word is not a hit."""
    frame = pd.DataFrame(RANKED, columns=["title", "artist"])
    index = SearchIndex(frame["title"], frame["artist"])
    assert _index_hits(index, "mask off") == [(2, 0), (3, 0), (6, 0), (1, 1), (4, 1), (0, 2)]
    assert _index_hits(index, "mask off", limit=4) == [(2, 0), (3, 0), (6, 0), (1, 1)]
    assert _index_hits(index, "MASK-OFF!") == _index_hits(index, "mask off")
    assert _index_hits(index, "mask o") == [(2, 0), (3, 0), (6, 0), (1, 1), (4, 1), (0, 2), (5, 2)]  # nObody
    assert _index_hits(index, "ask ff") == [(0, 2), (1, 2), (2, 2), (3, 2), (4, 2), (6, 2)]


def test_accents_across_title_and_artist(engine: Engine) -> None:
    """Accent- and case-blind for words found in both fields."""
    assert _hits(engine, "halo beyonce") == [(0, 1)]
    assert _hits(engine, "BEYONCÉ HALO") == [(0, 1)]
    assert _hits(engine, "strasse eclair") == [(8, 1)]
    assert _hits(engine, "señorita shawn") == [(7, 1)]


def test_punctuation_only_query_finds_nothing(reported: SearchIndex) -> None:
    """A query with no word in it (only punctuation) gives no hits, not every song."""
    assert reported.search("!!! - '") == []
    assert reported.search("'") == []


def test_search_words() -> None:
    """Words as search sees them: accents, case and apostrophes gone; punctuation and space
    runs separate words; marks of other scripts stay inside their word."""
    assert search_words("Don't Stop (Jay-Z  Remix)") == ["dont", "stop", "jay", "z", "remix"]
    assert search_words("Don’t ´til ‘Til") == ["dont", "til", "til"]
    assert search_words("Beyoncé, STRASSE & Straße") == ["beyonce", "strasse", "strasse"]
    assert search_words("snake_case/line\nbreak\ttab") == ["snake", "case", "line", "break", "tab"]
    assert search_words("हिन्दी गाना") == ["हिन्दी", "गाना"]
    assert search_words(" -- ") == []
    assert search_key("  Hold On,  We're Going Home ") == "hold on were going home"


def test_cells_with_line_breaks_and_empty_artists() -> None:
    """A line break inside a title, an empty artist or a title of only punctuation keeps every
    row in its place."""
    titles = pd.Series(["First\nLine", "!!!", "Après Minuit", "Last"])
    artists = pd.Series(["", "Nobody", "Café\nTacvba", ""])
    index = SearchIndex(titles, artists)
    assert _index_hits(index, "line") == [(0, 1)]
    assert _index_hits(index, "nobody") == [(1, 0)]
    assert _index_hits(index, "tacvba apres") == [(2, 1)]
    assert _index_hits(index, "last") == [(3, 0)]
    assert SearchIndex(pd.Series([], dtype=str), pd.Series([], dtype=str)).search("x") == []


def _reference(titles: list[str], artists: list[str], query: str, limit: int) -> list[tuple[int, int]]:
    """The ranking rules written plainly, row by row: what SearchIndex must return."""
    words = search_words(query)[:MAX_QUERY_WORDS]
    if not words:
        return []
    key = " ".join(words)
    by_rank: list[list[tuple[int, int]]] = [[], [], []]
    for row, (title, artist) in enumerate(zip(titles, artists, strict=True)):
        title_words, artist_words = search_words(title), search_words(artist)
        every = title_words + artist_words
        if " ".join(title_words).startswith(key) or " ".join(artist_words).startswith(key):
            by_rank[0].append((row, 0))
        elif all(any(w.startswith(q) for w in every) for q in words):
            by_rank[1].append((row, 1))
        elif all(any(q in w for w in every) for q in words):
            by_rank[2].append((row, 2))
    return (by_rank[0] + by_rank[1] + by_rank[2])[:limit]


def test_matches_the_plain_rules_on_random_songs(monkeypatch: pytest.MonkeyPatch) -> None:
    """On random titles and artists (accents, punctuation, shared prefixes), every query gives
    what the rules written plainly give; tiny chunks make the tokeniser and the candidate
    checks take many rounds."""
    monkeypatch.setattr(search, "_CHUNK_BYTES", 64)
    monkeypatch.setattr(search, "_FIRST_CHUNK", 3)
    rng = np.random.default_rng(7)
    vocabulary = ["ma", "mask", "masks", "off", "offer", "Öff", "don't", "do", "jay-z", "z", "ñu", "uñas", "A", "la"]
    glue = [" ", "  ", "-", ", ", "'", " (", ") "]

    def text() -> str:
        picks = rng.choice(vocabulary, size=int(rng.integers(0, 5)))
        return "".join(str(word) + str(rng.choice(glue)) for word in picks).strip()

    titles = [text() for _ in range(300)]
    artists = [text() for _ in range(300)]
    index = SearchIndex(pd.Series(titles), pd.Series(artists))
    queries = [" ".join(rng.choice(vocabulary, size=int(rng.integers(1, 4)))) for _ in range(150)]
    queries += [word[1:] for word in vocabulary] + [word[:-1] for word in vocabulary] + ["xyz", "a a a"]
    for query in queries:
        for limit in (5, 40):
            assert _index_hits(index, query, limit) == _reference(titles, artists, query, limit), query


# -- look-alike hits -------------------------------------------------------------------------------
def test_lookalikes_named_by_album_then_year_then_id() -> None:
    """Hits with the same title and artist (as search reads them) say what tells them apart: the
    first of album, year, id that differs; a hit without a look-alike says nothing."""
    songs = pd.DataFrame(
        [
            ("a1", "Hold On, We're Going Home", "Drake", "Nothing Was the Same", 2013),  # 0
            ("a2", "Hold On We're Going Home", "DRAKE", "Hold On (Single)", 2013),  # 1
            ("b1", "Halo", "Beyoncé", "I Am... Sasha Fierce", 2008),  # 2
            ("b2", "Halo", "Beyonce", "I Am... Sasha Fierce", 2009),  # 3
            ("c1xyz123", "Run", "Nobody", "", 2001),  # 4
            ("c1xyz456", "Run", "Nobody", "", 2001),  # 5
            ("d1", "Alone", "Somebody", "Single", 2020),  # 6
            ("d2", "Alone", "Other Band", "Single", 2021),  # 7  same title, other artist
        ],
        columns=["id", "title", "artist", "album", "year"],
    )
    notes = lookalike_notes(songs, [0, 2, 4, 6, 1, 3, 5, 7])
    assert notes == [
        "album: Nothing Was the Same",
        "year 2008",
        "id c1xyz1…",
        "",
        "album: Hold On (Single)",
        "year 2009",
        "id c1xyz4…",
        "",
    ]
    assert lookalike_notes(songs, [0]) == [""]  # its look-alike is not among the hits
    assert lookalike_notes(songs, []) == []


def test_lookalikes_in_a_catalog_table() -> None:
    """The loader keeps id, title and artist (not album or year): ids tell look-alikes apart,
    cut as short as keeps them apart; a release date gives the year when a table has one."""
    songs = pd.DataFrame(
        {
            "id": ["5ZbT7qAmUJMcZpLQ1", "5ZbT7qAmUJMcZpLQ2", "0aB"],
            "title": ["Mask Off", "Mask Off", "Mask Off"],
            "artist": ["Future", "Future", "Future"],
        }
    )
    assert lookalike_notes(songs, [0, 1]) == ["id 5ZbT7qAmUJMcZpLQ1", "id 5ZbT7qAmUJMcZpLQ2"]
    assert lookalike_notes(songs, [0, 2]) == ["id 5ZbT7q…", "id 0aB"]
    songs["release_date"] = ["2017-04-18", "2017", None]
    assert lookalike_notes(songs, [0, 2]) == ["year 2017", "year unknown"]
    # The year does not tell all three apart (2017 twice): the id, which does, is named.
    assert lookalike_notes(songs, [0, 1, 2]) == ["id 5ZbT7qAmUJMcZpLQ1", "id 5ZbT7qAmUJMcZpLQ2", "id 0aB"]


# -- the reference dataset -----------------------------------------------------------------------
def test_reference_dataset_finds_mask_off(shared_data: Path) -> None:
    """spotify.csv holds "Mask Off" by Future (row 0; its repeat further down has the same id and
    is dropped): both ways of asking for it find it first."""
    songs = load_catalog(shared_data / "spotify.csv").songs
    index = SearchIndex(songs["title"], songs["artist"])
    for query, rank in (("mask off", 0), ("Mask  Off", 0), ("future mask off", 1), ("mask off future", 1)):
        hit = index.search(query, 25)[0]
        assert (songs.at[hit.row, "title"], songs.at[hit.row, "artist"], hit.rank) == ("Mask Off", "Future", rank)
    found = {(songs.at[h.row, "title"], songs.at[h.row, "artist"]) for h in index.search("jay-z", 25)}
    assert ("Clique", "JAY Z") in found
    found = {songs.at[h.row, "title"] for h in index.search("child's play", 25)}
    assert {"Childs Play", "Childs Play (feat. Chance the Rapper)"} <= found
    assert songs.at[index.search("dont", 25)[0].row, "title"].startswith("Don't")
