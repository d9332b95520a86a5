"""Does a clustering find more than it would in data with no joint structure?

The reference ("null") data keep every feature's own distribution but nothing of how the
features go together: each column of the scaled songs is permuted on its own (a fresh
permutation per column and per draw, ``numpy.random.default_rng(seed)``). The same
method with the same parameters is fitted on ``draws`` such data sets through the method
registry (``core.refit``), and each fit's silhouette is the engine's own
(``core.clustering.silhouette``: exact up to 5,000 clustered songs, else on a seeded
sample of that many, noise left out).

The rule: a clustering **beats the null** when its silhouette exceeds the null draws' mean
by more than ``BEATS_NULL_SDS`` = 2 of their standard deviations (sample sd, ddof 1)
*and* by at least ``MIN_MARGIN`` = 0.01: a handful of draws can agree so closely that
their sd alone lets a chance difference through (one round Gaussian cloud of 800 songs,
K-Means at K=12: margin 0.004 against a null sd of 0.001; over five such clouds and
K=2–12 no margin exceeded 0.01). ``margin`` = silhouette − null mean is the gap-like
measure (in silhouette units; Tibshirani et al.'s gap statistic compares
log within-cluster dispersion against a reference the same way).

Draws in which the method finds fewer than two clusters (DBSCAN on shuffled data) have
no silhouette (NaN) and are left out of the mean and sd; when no draw has one, the
structureless data gave no clusters at all, and a clustering with a silhouette beats it.

What the null keeps and removes, and so what beating it means ("more structure than
independent features", not yet "separate groups"; stability, core.stability, is the
other half of the answer):

- it removes correlations: a single elongated cloud of correlated features can beat it
  (on the reference data K-Means at K=2 beats it by 0.18, but a null that keeps the
  correlations, shuffling along the principal axes instead, by only 0.05);
- it keeps each feature's own modes: groups that differ along single features leave
  every shuffled feature multimodal, and the null data fall into a grid of groups with a
  high silhouette of their own (five blobs 8 SD apart along the axes: null 0.54, real
  0.63; they still beat it by 90 null sds).

Scale: above ``NULL_SAMPLE`` songs the null data are shuffled from a seeded sample of
that many songs (a density threshold scaled to it, ``core.refit.for_sample``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from core import progress
from core.clustering import sample_rows
from core.density import fitted_songs
from core.errors import DatasetError
from core.methods import ClusterParams
from core.refit import for_sample, refit

NULL_DRAWS = 5
NULL_SAMPLE = 20_000
BEATS_NULL_SDS = 2.0
MIN_MARGIN = 0.01


@dataclass(frozen=True)
class NullComparison:
    """A clustering's silhouette against the same method's on structureless data.

    ``silhouette`` is the clustering's own (NaN with fewer than two clusters);
    ``null_silhouettes`` one per draw (NaN where that draw found fewer than two clusters);
    ``null_mean`` and ``null_sd`` over the draws that have one (NaN when none does; sd 0 with
    one); ``margin`` = silhouette − null_mean; ``beats_null`` by the module's rule. ``songs``
    were shuffled; ``sample`` is None when they are the whole catalog, else their number.
    """

    silhouette: float
    null_silhouettes: tuple[float, ...]
    null_mean: float
    null_sd: float
    margin: float
    beats_null: bool
    draws: int
    songs: int
    sample: int | None
    seed: int
    seconds: float

    def sentence(self) -> str:
        """In words, e.g. "Silhouette 0.21 against 0.15 ± 0.004 on structureless data: beats it by 0.06."."""
        if math.isnan(self.silhouette):
            return "With fewer than two clusters there is no silhouette to compare with structureless data."
        if math.isnan(self.null_mean):
            return (
                f"Silhouette {self.silhouette:.2f}; on structureless data the method finds fewer than two "
                "clusters: these clusters are not an artefact of the method."
            )
        against = (
            f"Silhouette {self.silhouette:.2f} against {self.null_mean:.2f} ± {self.null_sd:.3f} on structureless data"
        )
        if self.beats_null:
            return f"{against}: beats it by {self.margin:.2f}."
        return f"{against}: not clearly better (it would need more than {bar(self.null_mean, self.null_sd):.2f})."


def shuffled_columns(values: tuple[np.ndarray, ...], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Arrays of the same shape (n, f) whose column j is column j of each input under one
    permutation per column (drawn in column order): matching rows of the inputs stay matched
    feature by feature (raw and scaled values of a song's tempo move together)."""
    out = tuple(np.empty_like(v) for v in values)
    for j in range(values[0].shape[1]):
        order = rng.permutation(len(values[0]))
        for source, target in zip(values, out, strict=True):
            target[:, j] = source[order, j]
    return out


def bar(null_mean: float, null_sd: float) -> float:
    """The silhouette a clustering must exceed to beat the null: mean + max(2 sd, MIN_MARGIN)."""
    return null_mean + max(BEATS_NULL_SDS * null_sd, MIN_MARGIN)


def beats(silhouette: float, null_mean: float, null_sd: float) -> bool:
    """The module's rule: silhouette > ``bar``; with no null silhouette, any silhouette beats it."""
    if math.isnan(silhouette):
        return False
    return math.isnan(null_mean) or silhouette > bar(null_mean, null_sd)


def null_comparison(
    params: ClusterParams, raw: np.ndarray, X: np.ndarray, silhouette: float, draws: int = NULL_DRAWS
) -> NullComparison:
    """``silhouette`` (the clustering of params on raw (n, f), scaled X (n, f)) against params'
    method on ``draws`` column-shuffled copies, seeded by ``params.seed``. Deterministic for a seed."""
    if draws < 1:
        raise ValueError("draws must be at least 1")
    started = time.perf_counter()
    rows = sample_rows(len(X), NULL_SAMPLE, params.seed)
    fit_params = for_sample(params, fitted_songs(len(X)), len(rows))
    rng = np.random.default_rng(params.seed)
    scores = []
    for draw in range(draws):
        progress.report(f"Fitting {params.describe()} on structureless data", draw, draws)
        null_raw, null_X = shuffled_columns((raw[rows], X[rows]), rng)
        try:
            scores.append(refit(fit_params, null_raw, null_X).silhouette)
        except DatasetError:
            scores.append(float("nan"))
    finite = np.array([s for s in scores if not math.isnan(s)])
    mean = float(finite.mean()) if len(finite) else float("nan")
    sd = float(finite.std(ddof=1)) if len(finite) > 1 else (0.0 if len(finite) else float("nan"))
    return NullComparison(
        silhouette=silhouette,
        null_silhouettes=tuple(scores),
        null_mean=mean,
        null_sd=sd,
        margin=silhouette - mean,
        beats_null=beats(silhouette, mean, sd),
        draws=draws,
        songs=len(rows),
        sample=len(rows) if len(rows) < len(X) else None,
        seed=params.seed,
        seconds=time.perf_counter() - started,
    )
