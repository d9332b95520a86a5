"""Plain-words warnings about a clustering whose scores look better than the grouping is.

Two kinds of trouble make the quality scores (silhouette, Davies-Bouldin) mislead:

- the feature space: one feature carries most of the scaled data's variance
  (``DOMINANT_FEATURE``), so distances, clusters and scores describe that feature
  alone. Robust scaling does this to a zero-inflated feature: instrumentalness is 0 or
  nearly for most songs, its interquartile range is tiny, so dividing by it blows up
  the few instrumental songs (the reference data: 75.9% of the variance; PC1 77%).
- the clustering itself: one cluster holds nearly every song (``ONE_BIG_CLUSTER``),
  outlying songs split off as clusters of their own (``TINY_CLUSTERS``), or most songs
  are DBSCAN's noise (``MOSTLY_NOISE``). Single linkage at K=6 on the reference data
  gives 1,999 songs in one cluster and five of at most 3, yet the best silhouette and
  Davies-Bouldin of the method comparison.

The dominance test is each feature's share of the total variance of the scaled matrix,
not PC1's explained variance and loadings: the mean squared distance between two songs
is twice the total variance, and each feature adds its own variance to it, so the
share is exactly how much of the (squared) distances, which K-Means, the linkages and
the silhouette all work on, that feature makes. PC1 also mixes correlated features
(energy and loudness), so a large PC1 need not be one feature.

Space warnings depend on the features and scaler only, so they are the same for every
row of a method comparison; the clustering warnings make a result *degenerate*
(``is_degenerate``, ``degenerate_reason``), which the comparison can mark.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from core.clustering import SCALER_LABELS, Clustering, sample_rows
from core.features import feature_label

#: A feature with more than this share of the scaled data's total variance dominates.
DOMINANT_SHARE = 0.5
#: One cluster holding more than this share of all songs (noise included) barely divides them.
BIG_CLUSTER_SHARE = 0.8
#: A cluster under this share of all songs is tiny; it is warned about from
#: ``TINY_MIN_CLUSTERS`` such clusters on, since one small niche group can be real
#: (16 spoken-word tracks in 2,000 songs). A cluster of one song is always warned about.
TINY_SHARE = 0.01
TINY_MIN_CLUSTERS = 2
#: More than this share of all songs as noise means the clusters describe a minority.
NOISE_SHARE = 0.5
#: Variance shares are estimated on a seeded sample of this many songs (about 15 ms
#: instead of 70 ms at 1M songs; shares within a fraction of a per cent).
VARIANCE_SAMPLE = 100_000

DOMINANT_FEATURE = "dominant_feature"
ONE_BIG_CLUSTER = "one_big_cluster"
TINY_CLUSTERS = "tiny_clusters"
MOSTLY_NOISE = "mostly_noise"
#: Codes that make a clustering result degenerate (the space's warning is every row's).
DEGENERATE = frozenset({ONE_BIG_CLUSTER, TINY_CLUSTERS, MOSTLY_NOISE})


@dataclass(frozen=True)
class Diagnostic:
    """One warning: ``code`` (one of the constants above) for code to act on, ``text`` for
    people (whole sentences), ``short`` a few words for a table cell or a badge."""

    code: str
    text: str
    short: str


def _songs(n: int) -> str:
    return f"{n:,} song{'' if n == 1 else 's'}"


def variance_shares(X: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each feature's share of the total variance of scaled X (n_songs, n_features), shape
    (n_features,), summing to 1 (all zeros when every song is the same); estimated on a
    seeded sample of ``VARIANCE_SAMPLE`` songs when there are more."""
    rows = sample_rows(len(X), VARIANCE_SAMPLE, seed)
    variance = np.var(X[rows] if len(rows) < len(X) else X, axis=0, dtype=np.float64)
    total = variance.sum()
    return variance / total if total > 0 else np.zeros_like(variance)


def space_diagnostics(X: np.ndarray, features: tuple[str, ...], scaler: str) -> list[Diagnostic]:
    """``DOMINANT_FEATURE`` when one feature of scaled X (n_songs, len(features)) carries more
    than ``DOMINANT_SHARE`` of its total variance, naming it and its share; else []."""
    shares = variance_shares(X)
    top = int(np.argmax(shares)) if len(shares) else 0
    if not len(shares) or shares[top] <= DOMINANT_SHARE:
        return []
    label, share = feature_label(features[top]), float(shares[top])
    hint = "" if scaler == "standard" else f" {SCALER_LABELS['standard']} scaling gives every feature an equal share."
    return [
        Diagnostic(
            DOMINANT_FEATURE,
            f"{label.capitalize()} carries {share:.1%} of the scaled data's variance, so it decides most "
            f"distances between songs: the clusters and their quality scores mostly describe this one "
            f"feature.{hint}",
            f"{label} dominates ({share:.1%} of variance)",
        )
    ]


def cluster_diagnostics(clustering: Clustering) -> list[Diagnostic]:
    """``ONE_BIG_CLUSTER``, ``TINY_CLUSTERS`` and ``MOSTLY_NOISE`` warnings of a clustering, in that
    order; shares are of all songs, noise included."""
    n = len(clustering.labels)
    sizes = np.array(clustering.sizes, dtype=np.int64)
    out = []
    if len(sizes) and sizes.max() > BIG_CLUSTER_SHARE * n:
        share = sizes.max() / n
        out.append(
            Diagnostic(
                ONE_BIG_CLUSTER,
                f"One cluster holds {int(sizes.max()):,} of {_songs(n)} ({share:.1%}): this clustering "
                "barely divides the songs, whatever its quality scores say.",
                f"one cluster holds {share:.1%} of songs",
            )
        )
    singles = int((sizes == 1).sum())
    small = int(((sizes > 1) & (sizes < TINY_SHARE * n)).sum())
    if singles or singles + small >= TINY_MIN_CLUSTERS:
        limit = math.ceil(TINY_SHARE * n) - 1
        parts = [f"{singles} of a single song"] if singles else []
        parts += [f"{small} of 2 to {_songs(limit)}, under {TINY_SHARE:.0%} of all"] if small else []
        tiny = singles + small
        out.append(
            Diagnostic(
                TINY_CLUSTERS,
                f"{tiny} of {clustering.k} clusters {'is' if tiny == 1 else 'are'} tiny ({', '.join(parts)}): "
                "outlying songs split off, not groups, which can make the quality scores look better than "
                "the grouping is.",
                f"{tiny} tiny cluster{'' if tiny == 1 else 's'}",
            )
        )
    if clustering.noise > NOISE_SHARE * n:
        share = clustering.noise / n
        hint = (
            " A larger eps or a smaller min_samples puts more songs in clusters."
            if clustering.algorithm == "dbscan"
            else ""
        )
        out.append(
            Diagnostic(
                MOSTLY_NOISE,
                f"{clustering.noise:,} of {_songs(n)} ({share:.1%}) are noise, in no cluster: the clusters "
                f"describe a minority of the songs.{hint}",
                f"{share:.1%} of songs are noise",
            )
        )
    return out


def diagnose(clustering: Clustering, X: np.ndarray | None = None) -> list[Diagnostic]:
    """Every warning about a clustering: its feature space's first (when its scaled matrix X,
    (n_songs, n_features) as the engine's ``scaled(features, scaler)``, is given), then its own."""
    space = [] if X is None else space_diagnostics(X, clustering.features, clustering.scaler)
    return space + cluster_diagnostics(clustering)


def is_degenerate(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any warning is about the clustering itself (``DEGENERATE``)."""
    return any(d.code in DEGENERATE for d in diagnostics)


def degenerate_reason(clustering: Clustering) -> str:
    """Why a method comparison row is degenerate, in a few words ("one cluster holds 100% of
    songs; 5 tiny clusters"), or "" when it is not (as ``Clustering.metrics_note``)."""
    return "; ".join(d.short for d in cluster_diagnostics(clustering))
