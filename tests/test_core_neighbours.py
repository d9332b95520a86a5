"""Nearest neighbours break ties by row, wherever the tie falls."""

from __future__ import annotations

import numpy as np

from core.neighbours import nearest_neighbours


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
