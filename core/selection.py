"""A region of a map, chosen with the box or lasso: what is in it, and taking it away.

The songs a person selects are described the way a cluster is (core.clustering's
profiles): per feature, how far the selection's mean is from the whole catalog's, in the
catalog's standard deviations; and which clusters the selection spans. It leaves as a CSV
(core.export, formulas neutralised), as a playlist of Spotify track URIs where the
catalog's ids are Spotify ids (22 base-62 characters, as the loader keeps them from
``spotify:track:…`` URIs and open.spotify.com links), or as an M3U8 playlist of the songs
that have an audio file of their own (core.previews' local folder).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.catalog import Catalog
from core.clustering import describe

#: A Spotify track id: what follows ``spotify:track:`` in a URI.
SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")
#: Most songs a selection holds (a lasso over a 1M-song map sends at most the drawn sample).
MAX_SELECTED = 200_000


@dataclass(frozen=True)
class Selection:
    """``rows`` (m,) sorted catalog positions; ``clusters`` (cluster, songs) pairs, largest
    first, noise as −1; ``zscores`` per feature: (selection mean − catalog mean) / catalog
    standard deviation, raw units; ``description`` those z-scores in words."""

    rows: np.ndarray
    clusters: tuple[tuple[int, int], ...]
    zscores: dict[str, float]
    description: str

    @property
    def size(self) -> int:
        return len(self.rows)


def selected_rows(catalog: Catalog, song_ids: Iterable[object]) -> np.ndarray:
    """Sorted, distinct catalog positions of the ids that are songs of ``catalog`` (others,
    and anything past MAX_SELECTED, are ignored: the ids come from the browser)."""
    rows = set()
    for song_id in song_ids:
        if len(rows) >= MAX_SELECTED:
            break
        row = catalog.row_of(str(song_id)) if isinstance(song_id, str | int) else None
        if row is not None:
            rows.add(row)
    return np.array(sorted(rows), dtype=np.int64)


def describe_selection(catalog: Catalog, labels: np.ndarray, features: tuple[str, ...], rows: np.ndarray) -> Selection:
    """The selection ``rows`` (non-empty) against the catalog, over ``features``; ``labels`` (n,)."""
    raw = catalog.songs[list(features)].to_numpy(dtype=float)
    spread = raw.std(axis=0)
    z = (raw[rows].mean(axis=0) - raw.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    zscores = {feature: float(value) for feature, value in zip(features, z, strict=True)}
    found, counts = np.unique(labels[rows], return_counts=True)
    order = sorted(zip(found.tolist(), counts.tolist(), strict=True), key=lambda pair: (-pair[1], pair[0]))
    return Selection(
        rows=rows,
        clusters=tuple((int(cluster), int(count)) for cluster, count in order),
        zscores=zscores,
        description=describe(zscores),
    )


def spotify_uris(catalog: Catalog, rows: np.ndarray) -> list[str]:
    """``spotify:track:<id>`` for each selected song whose id is a Spotify track id, in order."""
    ids = catalog.songs["id"].iloc[rows].astype(str)
    return [f"spotify:track:{song_id}" for song_id in ids if SPOTIFY_ID.match(song_id)]


#: A local file for a song (id, title, artist, its library path or None), or None:
#: core.previews.PreviewFinder.local_file.
LocalFile = Callable[[str, str, str, str | None], Path | None]


def _one_line(text: str) -> str:
    """Untrusted text on one playlist line: no line breaks to start a line of its own."""
    return " ".join(str(text).split())


def m3u8_playlist(catalog: Catalog, rows: np.ndarray, local_file: LocalFile, folder: Path) -> str:
    """An extended M3U (UTF-8) of the selected songs that have a local audio file, in order:
    ``#EXTINF:<seconds>,<artist> - <title>`` then the file's path relative to ``folder``
    (so the playlist works saved beside the folder's files). Empty when none has one."""
    songs = catalog.songs.iloc[rows]
    lines = ["#EXTM3U"]
    root = folder.resolve()
    for song in songs.itertuples(index=False):
        path = local_file(str(song.id), str(song.title), str(song.artist), getattr(song, "path", None))
        if path is None or not path.is_relative_to(root):
            continue
        duration_ms = float(getattr(song, "duration_ms", math.nan))
        seconds = round(duration_ms / 1000) if math.isfinite(duration_ms) else -1  # -1: unknown, as M3U has it
        name = _one_line(f"{song.artist} - {song.title}" if song.artist else song.title)
        lines += [f"#EXTINF:{seconds},{name}", path.relative_to(root).as_posix()]
    return "\n".join(lines) + "\n" if len(lines) > 1 else ""


#: Songs looked at to decide whether a set of songs can make a playlist (enough to know).
PLAYLIST_PROBE = 1000


def playlist_kinds(catalog: Catalog, rows: np.ndarray, local_file: LocalFile, folder: Path) -> tuple[bool, bool]:
    """(M3U8, Spotify URIs): whether the first PLAYLIST_PROBE of ``rows`` include a song with
    its own audio file in ``folder``, and one with a Spotify track id."""
    probe = rows[:PLAYLIST_PROBE]
    return bool(m3u8_playlist(catalog, probe, local_file, folder)), bool(spotify_uris(catalog, probe))
