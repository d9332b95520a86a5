"""Low-dimensional views of the scaled feature space, for looking only (never clustered on)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA


@dataclass(frozen=True)
class Projection:
    """ONE PCA with three components of the scaled features.

    ``coords`` has shape (n_songs, 3), float32: the 2D view is its first two columns,
    so 2D and 3D always agree. ``explained_variance`` has shape (3,): the share of
    the scaled data's variance each axis carries. ``loadings`` has shape (3, n_features).
    """

    coords: np.ndarray
    explained_variance: np.ndarray
    loadings: np.ndarray
    features: tuple[str, ...]


def pca_projection(X: np.ndarray, features: tuple[str, ...], seed: int) -> Projection:
    """Fit PCA(3) on scaled X (n, f >= 2); with two features the third axis is zero."""
    n_components = min(3, X.shape[1])
    pca = PCA(n_components=n_components, random_state=seed)
    coords = np.zeros((len(X), 3), dtype=np.float32)
    coords[:, :n_components] = pca.fit_transform(X)
    variance = np.zeros(3)
    variance[:n_components] = pca.explained_variance_ratio_
    loadings = np.zeros((3, X.shape[1]))
    loadings[:n_components] = pca.components_
    return Projection(coords=coords, explained_variance=variance, loadings=loadings, features=features)
