"""Nearest neighbours: ties broken by row, and closeness explained against typical gaps."""

from __future__ import annotations

import time

import numpy as np
from dash import html

from components.song_panel import neighbour_row
from core.clustering import scale
from core.engine import SongView
from core.neighbours import Closeness, nearest_neighbours

FEATURES = ("tempo", "energy", "valence", "acousticness")


def test_ties_at_the_cut_go_to_the_lowest_rows() -> None:
    """Three songs near song 0, then a thousand tied at distance 1 (rows 1-1000): the 5
    nearest are the three, then rows 1 and 2, not whichever tied rows a partial sort
    happened to leave at the cut."""
    rng = np.random.default_rng(0)
    tied = np.eye(3)[rng.integers(0, 3, 1000)] * rng.choice([-1.0, 1.0], (1000, 1))
    X = np.vstack([np.zeros((1, 3)), tied, np.full((3, 3), 0.5), np.full((5, 3), 9.0)]).astype(np.float32)
    found = nearest_neighbours(X, 0, ("a", "b", "c"), n=5)
    assert [nb.row for nb in found] == [1001, 1002, 1003, 1, 2]


def test_fewer_songs_than_asked_gives_all_the_others() -> None:
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    assert [nb.row for nb in nearest_neighbours(X, 0, ("a", "b"), n=10)] == [1, 2]


def test_a_feature_almost_everyone_shares_is_not_called_much_closer() -> None:
    """Instrumentalness is 0 for 97% of 3,000 songs. Under the old rule (smallest absolute
    scaled gap) it was the first reason for almost every pair; for songs with none, it is
    never a reason now, since a typical song is just as close on it."""
    rng = np.random.default_rng(1)
    n = 3_000
    instrumental = np.where(rng.random(n) < 0.03, rng.uniform(0.5, 1.0, n), 0.0)
    raw = np.column_stack([instrumental, rng.normal(size=(n, 3))])
    features = ("instrumentalness", "energy", "tempo", "valence")
    X = scale(raw, "standard")
    songs = np.flatnonzero(instrumental == 0)[:50]
    pairs = [(song, nb) for song in songs for nb in nearest_neighbours(X, int(song), features, n=10)]
    smallest_gap_first = [np.argmin(np.abs(X[nb.row] - X[song])) == 0 for song, nb in pairs]
    assert np.mean(smallest_gap_first) > 0.9  # the trap the old rule fell into
    assert not any("instrumentalness" in nb.closeness.closer_on for _, nb in pairs)
    assert sum(bool(nb.closeness.closer_on) for _, nb in pairs) > len(pairs) / 2  # others still are


def test_a_shared_rare_value_is_named() -> None:
    """A highly instrumental song's instrumental neighbour is much closer than usual on it."""
    rng = np.random.default_rng(2)
    raw = np.column_stack([np.zeros(500), rng.normal(size=(500, 3))])
    raw[:2, 0] = [0.9, 0.88]
    raw[1, 1:] = raw[0, 1:] + 0.8  # about as far as a typical song on the other features
    X = scale(raw, "robust")
    features = ("instrumentalness", "energy", "tempo", "valence")
    (nb,) = [nb for nb in nearest_neighbours(X, 0, features, n=499) if nb.row == 1]
    assert nb.closeness.closer_on == ("instrumentalness",)


def _centred_catalog(pair: list[float]) -> np.ndarray:
    """801 songs: song 0 at the centre (0, 0, 0, 0), song 1 at ``pair``, 799 standard normal
    songs spread around them; columns then in units of 1, 10, 1, 1 (energy is 10x wider)."""
    rng = np.random.default_rng(3)
    X = np.vstack([np.zeros(4), pair, rng.normal(size=(799, 4))])
    return (X * [1.0, 10.0, 1.0, 1.0]).astype(np.float32)


def _closeness_of_song_1(X: np.ndarray) -> Closeness:
    (nb,) = [nb for nb in nearest_neighbours(X, 0, FEATURES, n=len(X) - 1) if nb.row == 1]
    return nb.closeness


def test_identical_feature_named_and_differs_most_is_relative_to_the_typical_gap() -> None:
    """Typical gaps from the centre are about 0.67 per unit (the median of |N(0,1)|).
    Song 1 equals song 0 on tempo (ratio 0), is 0.5 away on energy and valence (ratio about
    0.75) and 1.2 on acousticness (about 1.8). Energy's absolute gap (5, it is 10x wider) is
    the largest, but acousticness is the one that differs most relative to usual."""
    closeness = _closeness_of_song_1(_centred_catalog([0.0, 0.5, -0.5, 1.2]))
    assert closeness == Closeness(closer_on=("tempo",), differs_most="acousticness")


def test_closer_features_strongest_first_and_nothing_when_none_is_notably_close() -> None:
    """Ratios about 0.15 (energy) and 0.03 (valence) are named, valence first; with every
    gap about as large as usual, nothing is named close, yet what differs most still is."""
    closeness = _closeness_of_song_1(_centred_catalog([0.6, 0.1, 0.02, -0.9]))
    assert closeness == Closeness(closer_on=("valence", "energy"), differs_most="acousticness")
    closeness = _closeness_of_song_1(_centred_catalog([0.6, -0.7, 0.5, 0.8]))
    assert closeness == Closeness(closer_on=(), differs_most="acousticness")


def test_an_exact_duplicate_differs_on_nothing() -> None:
    closeness = _closeness_of_song_1(_centred_catalog([0.0, 0.0, 0.0, 0.0]))
    assert closeness.differs_most is None
    assert len(closeness.closer_on) == 3


def test_neighbour_row_says_why_in_plain_words() -> None:
    """The panel's line: distance, then what is much closer than usual, then what differs most;
    a part with nothing to say is left out."""
    song = SongView("s4", "Title", "Artist", 1, "High energy", {"energy": 0.5}, None)

    def text(closeness: Closeness) -> str:
        (span,) = [c for c in neighbour_row("explorer", song, 0.8412, closeness).children[1].children[1:]]
        assert isinstance(span, html.Span)
        return span.children

    both = Closeness(closer_on=("tempo", "energy"), differs_most="acousticness")
    assert text(both) == " distance 0.84 · much closer than usual on tempo, energy · differs most on acousticness"
    assert text(Closeness((), "duration_ms")) == " distance 0.84 · differs most on duration"
    assert text(Closeness(("energy",), None)) == " distance 0.84 · much closer than usual on energy"


def test_fast_at_a_million_songs() -> None:
    """The explanations add little to the brute-force search (about 20 ms at 1M songs):
    generous bound, to catch an accidental second full pass or a full sort, not to benchmark."""
    X = np.random.default_rng(4).normal(size=(1_000_000, 10)).astype(np.float32)
    features = tuple(f"f{j}" for j in range(10))
    nearest_neighbours(X, 0, features)
    started = time.perf_counter()
    for row in range(1, 6):
        nearest_neighbours(X, row, features)
    assert (time.perf_counter() - started) / 5 < 0.25
