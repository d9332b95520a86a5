"""Song search: accent- and case-insensitive, prefix before word-prefix before substring."""

from __future__ import annotations

import pandas as pd
import pytest

from core.cache import ModelCache
from core.catalog import load_catalog
from core.engine import Engine

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
