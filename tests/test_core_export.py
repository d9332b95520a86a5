"""CSV export: the labelled songs, with formula-like text neutralised for spreadsheets."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from core.cache import ModelCache
from core.catalog import load_catalog
from core.engine import Engine
from core.export import labelled_songs, to_csv_bytes


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_like_text_cells_are_neutralised(start: str) -> None:
    """A text cell starting with = + - @ tab or CR gets a leading quote, so no spreadsheet runs it."""
    frame = pd.DataFrame({"title": [f'{start}HYPERLINK("http://x.test")', "Plain"], "energy": [0.5, 0.6]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), keep_default_na=False)
    assert back.loc[0, "title"] == f'\'{start}HYPERLINK("http://x.test")'
    assert back.loc[1, "title"] == "Plain"


def test_numbers_and_inner_signs_are_left_alone() -> None:
    """Negative numbers stay numbers; text with = or - later on is unchanged."""
    frame = pd.DataFrame({"title": ["a=b", "Rock-n-roll"], "loudness": [-5.5, -12.0]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)))
    assert back["title"].tolist() == ["a=b", "Rock-n-roll"]
    assert back["loudness"].tolist() == [-5.5, -12.0]


def test_labelled_songs_export(model_cache: ModelCache) -> None:
    """The export has id, title, artist, cluster, the features and pc1..pc3, one row per song;
    a hostile title from the uploaded file is neutralised."""
    csv = "title,artist,energy,loudness\n=cmd|' /C calc'!A0,@evil,0.9,-4\nCalm,Ann,0.1,-20\nMid,Bob,0.5,-11\n"
    catalog = load_catalog(csv.encode())
    engine = Engine(catalog, model_cache)
    params = engine.params(2)
    frame = labelled_songs(catalog, engine.clustering(params), engine.projection(params))
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)))
    assert list(back.columns) == ["id", "title", "artist", "cluster", "energy", "loudness", "pc1", "pc2", "pc3"]
    assert len(back) == 3
    assert back.loc[0, "title"] == "'=cmd|' /C calc'!A0"
    assert back.loc[0, "artist"] == "'@evil"
    assert back["loudness"].tolist() == [-4.0, -20.0, -11.0]
    np.testing.assert_array_equal(back["cluster"], engine.clustering(params).labels)


def test_labelled_songs_of_selected_rows(model_cache: ModelCache) -> None:
    """Exporting some rows (one cluster) keeps their own cluster labels and coordinates."""
    catalog = load_catalog(b"title,energy,tempo\nA,0.1,100\nB,0.9,180\nC,0.15,105\nD,0.85,175\n")
    engine = Engine(catalog, model_cache)
    params = engine.params(2)
    clustering, projection = engine.clustering(params), engine.projection(params)
    rows = np.flatnonzero(clustering.labels == 0)
    frame = labelled_songs(catalog, clustering, projection, rows)
    assert frame["title"].tolist() == catalog.songs.loc[rows, "title"].tolist()
    assert set(frame["cluster"]) == {0}
    np.testing.assert_allclose(frame["pc1"], np.round(projection.coords[rows, 0], 5))
