"""The labelled dataset as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.catalog import Catalog
from core.clustering import Clustering
from core.projection import Projection

#: A text cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula (OWASP's advice)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def labelled_songs(
    catalog: Catalog, clustering: Clustering, projection: Projection, rows: np.ndarray | None = None
) -> pd.DataFrame:
    """id, title, artist, [genre], cluster, the clustered features (raw units), pc1..pc3.

    ``rows`` selects song positions (e.g. one cluster); None means every song.
    """
    songs = catalog.songs if rows is None else catalog.songs.iloc[rows]
    index = np.arange(len(catalog)) if rows is None else rows
    text = [c for c in ("id", "title", "artist", "genre") if c in songs.columns]
    out = songs[text].reset_index(drop=True).copy()
    out["cluster"] = clustering.labels[index].astype(int)
    for feature in clustering.features:
        out[feature] = songs[feature].to_numpy()
    for axis in range(3):
        out[f"pc{axis + 1}"] = np.round(projection.coords[index, axis], 5)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with formula-like text cells neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].astype(str).map(neutralise_formula)
    return safe.to_csv(index=False).encode("utf-8")
