"""Fitting a registered method on other songs than the catalog's: resamples and structureless data.

Stability (core.stability) refits a clustering on bootstrap resamples and the null model
(core.null_model) fits it on data whose features were shuffled. Both must fit exactly as
the engine does, through the method registry (``core.methods``), with the same
parameters: ``refit`` hands the method a ``DataFitter`` over the given matrices where
the engine would hand it itself. Nothing a ``DataFitter`` computes is cached: it exists
for one fit.

Density: a method option called ``min_samples`` (DBSCAN's; option names mean one thing
across methods) counts songs within a radius, so the same value means a thinner
density on fewer songs. ``for_sample`` scales it by sample / fitted songs when a fit
sees a smaller sample than the original fit did, as ``core.density`` does when it bounds
memory, so eps and min_samples keep meaning the same density.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.clustering import Clustering
from core.density import KDistance, k_distance
from core.hierarchical import Hierarchy, fit_hierarchy
from core.methods import ClusterParams, dbscan_min_samples


@dataclass(frozen=True)
class DataFitter:
    """What a method's ``fit`` asks of the engine (core.methods.Fitter), over given songs:
    ``raw`` (n, f) in raw units and ``X`` (n, f) scaled, rows in the same order."""

    raw: np.ndarray
    X: np.ndarray

    @property
    def n_songs(self) -> int:
        return len(self.X)

    def fit_input(self, params: ClusterParams) -> tuple[np.ndarray, np.ndarray]:
        return self.raw, self.X

    def hierarchy(self, params: ClusterParams) -> Hierarchy:
        return fit_hierarchy(self.X, str(params.option("linkage")), params.seed)

    def k_distance(self, params: ClusterParams) -> KDistance:
        return k_distance(self.X, dbscan_min_samples(params, self.n_songs), params.seed)


def refit(params: ClusterParams, raw: np.ndarray, X: np.ndarray) -> Clustering:
    """params' method (options complete, as ``Engine.params`` returns them) fitted on raw and
    scaled X (n, f): labels numbered by size, metrics computed as for the catalog."""
    return params.method.fit(DataFitter(raw, X), params)


def for_sample(params: ClusterParams, fitted: int, sample: int) -> ClusterParams:
    """params for a fit on ``sample`` songs where the original fit saw ``fitted``: a
    ``min_samples`` option scaled by sample / fitted (at least 2), anything else unchanged."""
    min_samples = params.option("min_samples")
    if min_samples is None or sample >= fitted:
        return params
    return params.with_options(min_samples=max(2, round(int(min_samples) * sample / fitted)))
