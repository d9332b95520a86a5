"""Where one new song lands in a fitted view, without refitting anything.

A song analysed from its audio file (core.audio.features) has raw feature values; placing it
means answering, for the view on screen, what the catalog's own songs already have:

- its **scaled row**: the same column-wise transform the engine applied to the catalog
  (core.clustering.scale: a StandardScaler, MinMaxScaler or RobustScaler fitted on the catalog's
  raw features), fitted again on those same raw values and applied to the new row, so the
  statistics (mean and standard deviation, min and max, median and IQR) are the catalog's and a
  catalog song's own raw values give back its own scaled row;
- its **PCA coordinates**: the projection's centring and axes applied to that row,
  ``(row - mean) @ loadings.T`` with the mean of the catalog's scaled matrix (which is what the
  PCA centred on), so 2D and 3D agree with the plot;
- its **cluster**: the nearest centroid for K-Means (how K-Means assigns a song); for the other
  methods, which draw no boundary a new point could be tested against (hierarchical merges,
  DBSCAN's density), the cluster of its nearest song, noise included;
- its **nearest songs**: exact, by brute force in the scaled space (core.neighbours, with the
  same "why close" explanation as a catalog song's neighbours).

Nothing is fitted, so the clusters, the map and every other song stay where they are: the
new song is a guest, not a member. Placement needs every clustering feature computable from
audio; Spotify's own measures (danceability, valence, ...) are not, and ``placeable`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from core.clustering import NOISE, SCALERS, Clustering
from core.errors import DatasetError
from core.features import AUDIO_FEATURES, FEATURE_RANGES, feature_label
from core.neighbours import Neighbour, nearest_neighbours
from core.projection import Projection

#: The method whose clusters have centroids a new song is assigned to (the others: its nearest song's).
CENTROID_METHOD = "kmeans"


@dataclass(frozen=True)
class Placement:
    """One song placed in a view.

    ``scaled``: (n_features,) float32, in the clustering's scaled units. ``coords``: (3,)
    float32, its PCA coordinates (the 2D view is the first two). ``cluster``: 0..k-1, or
    NOISE (-1) when its nearest song is DBSCAN noise. ``how``: in words, how the cluster was
    chosen. ``neighbours``: nearest catalog songs, nearest first (rows of the catalog).
    """

    features: tuple[str, ...]
    scaled: np.ndarray
    coords: np.ndarray
    cluster: int
    how: str
    neighbours: list[Neighbour]


def placeable(features: tuple[str, ...]) -> str | None:
    """Why a song analysed from its audio cannot be placed on ``features``, or None when it can."""
    missing = [f for f in features if f not in AUDIO_FEATURES]
    if not missing:
        return None
    named = ", ".join(feature_label(f) for f in missing)
    source = "it comes" if len(missing) == 1 else "they come"
    return (
        f"This view clusters on {named}, which cannot be computed from an audio file ({source} from "
        "Spotify's own analysis), so a new song cannot be placed in it. Placing a song works on catalogs "
        "made from audio files (`audiospace extract` or a music folder), or here when the clustering uses "
        f"only features an audio file gives: {', '.join(feature_label(f) for f in AUDIO_FEATURES)}."
    )


def raw_row(values: Mapping[str, object], features: tuple[str, ...]) -> np.ndarray:
    """The raw values of ``features`` from ``values`` (a feature -> number mapping, e.g. what
    core.audio.features.analyse_file returns), shape (n_features,) float64; DatasetError when
    one is missing, not a finite number, or outside what the feature can physically be."""
    row = np.empty(len(features))
    for j, feature in enumerate(features):
        value = values.get(feature)
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise DatasetError(f"The song has no usable value for {feature_label(feature)}.")
        low, high = FEATURE_RANGES.get(feature, (-np.inf, np.inf))
        if not low <= value <= high:
            raise DatasetError(f"The song's {feature_label(feature)} ({value:g}) is outside {low:g} to {high:g}.")
        row[j] = value
    return row


def scale_row(catalog_raw: np.ndarray, row: np.ndarray, scaler: str) -> np.ndarray:
    """``row`` (n_features,) scaled as core.clustering.scale scaled ``catalog_raw``
    (n_songs, n_features): the same scaler fitted on the same raw values; (n_features,) float32."""
    if scaler not in SCALERS:
        raise DatasetError(f"Unknown scaler '{scaler}': use one of {', '.join(SCALERS)}.")
    fitted = SCALERS[scaler]().fit(catalog_raw)
    return fitted.transform(row.reshape(1, -1))[0].astype(np.float32)


def pca_coords(scaled: np.ndarray, row: np.ndarray, projection: Projection) -> np.ndarray:
    """The PCA coordinates (3,) float32 of a scaled ``row`` (n_features,) in ``projection``,
    fitted on ``scaled`` (n_songs, n_features): centred on the matrix's mean as the PCA was."""
    centre = scaled.mean(axis=0, dtype=np.float64)
    return ((row.astype(np.float64) - centre) @ projection.loadings.T).astype(np.float32)


def place_song(
    values: Mapping[str, object],
    catalog_raw: np.ndarray,
    scaled: np.ndarray,
    projection: Projection,
    clustering: Clustering,
    n: int = 10,
) -> Placement:
    """Place a song with raw feature ``values`` in a fitted view (see the module docstring).

    ``catalog_raw`` (n_songs, n_features) float64 and ``scaled`` (n_songs, n_features) float32 are
    the catalog's raw and scaled values of ``clustering.features`` (Engine.fit_input), in that
    order; ``projection`` the PCA of ``scaled``. DatasetError, saying why, when a feature cannot
    be computed from audio or a value is missing. Cost: one pass over the catalog for the scaler
    and one for the neighbours, O(n_songs · n_features).
    """
    features = clustering.features
    refused = placeable(features)
    if refused:
        raise DatasetError(refused)
    row = scale_row(catalog_raw, raw_row(values, features), clustering.scaler)
    coords = pca_coords(scaled, row, projection)
    # The song as one more row: core.neighbours then answers exactly as for a catalog song.
    neighbours = nearest_neighbours(np.vstack([scaled, row]), len(scaled), features, n)
    if clustering.algorithm == CENTROID_METHOD and len(clustering.centroids):
        gaps = clustering.centroids.astype(np.float64) - row
        cluster = int(np.argmin(np.einsum("ij,ij->i", gaps, gaps)))
        how = "the nearest cluster centre (as K-Means assigns songs)"
    else:
        cluster = int(clustering.labels[neighbours[0].row]) if neighbours else NOISE
        how = "the cluster of its nearest song"
    return Placement(features=features, scaled=row, coords=coords, cluster=cluster, how=how, neighbours=neighbours)
