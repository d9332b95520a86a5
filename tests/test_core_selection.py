"""A selected region of a map against the catalog: its clusters, its profile, its playlist."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.catalog import catalog_from_frame
from core.selection import describe_selection, m3u8_playlist, selected_rows, spotify_uris

SPOTIFY = "4iV5W9uYEdYUVa79Axb7Rh"


@pytest.fixture
def catalog():
    energy = np.r_[np.full(50, 0.9), np.full(50, 0.1)]
    songs = pd.DataFrame(
        {
            "id": [SPOTIFY, *[f"song-{i}" for i in range(1, 100)]],
            "title": [f"T{i}" for i in range(100)],
            "artist": ["A"] * 100,
            "energy": energy,
            "valence": np.linspace(0, 1, 100),
        }
    )
    return catalog_from_frame(songs, "test.csv")


def test_selected_rows_keep_known_songs_once_in_catalog_order(catalog) -> None:
    rows = selected_rows(catalog, ["song-5", "song-2", "song-5", "nope", None, 3.5, {"x": 1}, SPOTIFY])
    assert rows.tolist() == [0, 2, 5]


def test_a_selection_says_which_clusters_it_spans_and_how_it_differs(catalog) -> None:
    labels = np.r_[np.zeros(50, int), np.ones(50, int)]
    labels[:5] = -1
    chosen = describe_selection(catalog, labels, ("energy", "valence"), np.arange(0, 60))
    assert chosen.size == 60
    assert chosen.clusters == ((0, 45), (1, 10), (-1, 5))
    # 50 of the 60 selected songs have energy 0.9: mean 0.767 against 0.5, sd 0.4.
    assert chosen.zscores["energy"] == pytest.approx((50 * 0.9 + 10 * 0.1) / 60 / 0.4 - 0.5 / 0.4)
    assert chosen.zscores["valence"] < 0 and "High energy" in chosen.description


def test_only_spotify_track_ids_become_uris(catalog) -> None:
    assert spotify_uris(catalog, np.arange(10)) == [f"spotify:track:{SPOTIFY}"]


def test_an_m3u8_lists_the_songs_with_a_local_file_relative_to_its_folder(catalog, tmp_path) -> None:
    folder = tmp_path / "music"
    (folder / "sub").mkdir(parents=True)
    files = {"song-2": folder / "song-2.mp3", "song-4": folder / "sub" / "song-4.flac"}
    for path in files.values():
        path.write_bytes(b"ID3")
    songs = catalog.songs
    songs.loc[songs["id"] == "song-4", "title"] = "Two\nLines #EXTINF:9,x"

    def local_file(song_id: str, title: str, artist: str, path: str | None):
        return files.get(song_id, tmp_path / "elsewhere.mp3" if song_id == "song-3" else None)

    playlist = m3u8_playlist(catalog, np.arange(6), local_file, folder)
    assert playlist.splitlines() == [
        "#EXTM3U",
        "#EXTINF:-1,A - T2",
        "song-2.mp3",
        "#EXTINF:-1,A - Two Lines #EXTINF:9,x",
        "sub/song-4.flac",
    ], "a file outside the folder is left out; a title never starts a line of its own"
    assert m3u8_playlist(catalog, np.arange(2), local_file, folder) == ""
