"""Agglomerative (hierarchical) clustering: one scipy linkage tree, cut at K, and its dendrogram.

The tree does not depend on K, so it is fitted once per feature space and linkage
(``fit_hierarchy``) and every K is a cut of it (``scipy.cluster.hierarchy.fcluster``
with ``maxclust``): a K sweep costs one tree and cheap cuts, and the dendrogram drawn
is the very tree the labels were cut from.

Linkages: ``ward`` (the default: merges that least increase the within-cluster sum
of squares, like K-Means' objective), ``complete``, ``average``, ``single``; all
Euclidean in the scaled space.

Scale: the tree needs every pairwise distance, O(n²) memory (5,000 songs: 100 MB) and
time. Up to ``HIERARCHICAL_FULL_MAX`` songs it is built on every song; above, on a
seeded sample of that many, and every other song joins the cluster whose mean (over the
sampled members, scaled space) is nearest. ``method`` says so.

The dendrogram shows the last ``DENDROGRAM_LEAVES`` merges (scipy's
``truncate_mode="lastp"``; at least K leaves, so each leaf lies inside one cluster).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import dendrogram as scipy_dendrogram
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.metrics import pairwise_distances_argmin

from core.clustering import Clustering, check_k, fit_threads, from_labels, sample_rows

LINKAGES = ("ward", "complete", "average", "single")
HIERARCHICAL_FULL_MAX = 5_000
DENDROGRAM_LEAVES = 30


@dataclass(frozen=True)
class Hierarchy:
    """A linkage tree: ``rows`` (m,) sorted catalog positions of the songs in it (all, or a seeded
    sample); ``tree`` (m − 1, 4) scipy's linkage matrix over those songs in that order (merge
    heights in scaled units); ``seconds`` the time to build it."""

    rows: np.ndarray
    tree: np.ndarray
    linkage: str
    seconds: float


@dataclass(frozen=True)
class Dendrogram:
    """The top of a Hierarchy, as ``scipy.cluster.hierarchy.dendrogram(no_plot=True)`` lays it out.

    ``icoord`` and ``dcoord``: one [x1, x2, x3, x4] / [y1, y2, y3, y4] list per merge drawn
    (leaves sit at x = 5, 15, 25, …; y is the merge height in scaled units).
    ``leaf_labels`` and ``leaf_clusters``: per leaf, left to right, how many songs it holds
    ("214 songs") and the cluster (0..k-1, numbered as the Clustering) they belong to.
    ``cut_height``: a height between the merges that leave k clusters and k − 1.
    ``truncated_to``: the number of leaves p. ``songs``: songs in the tree (all or the sample).
    """

    icoord: list[list[float]]
    dcoord: list[list[float]]
    leaf_labels: list[str]
    leaf_clusters: list[int]
    cut_height: float
    truncated_to: int
    songs: int


def fit_hierarchy(X: np.ndarray, method: str, seed: int) -> Hierarchy:
    """The linkage tree of scaled X (n, f) with ``method`` (one of LINKAGES), sampled above
    HIERARCHICAL_FULL_MAX songs."""
    started = time.perf_counter()
    rows = sample_rows(len(X), HIERARCHICAL_FULL_MAX, seed)
    tree = linkage(X[rows].astype(np.float64), method=method, metric="euclidean")
    return Hierarchy(rows=rows, tree=tree, linkage=method, seconds=time.perf_counter() - started)


def cut(hierarchy: Hierarchy, k: int) -> np.ndarray:
    """Cluster ids 0.. of the tree's songs (shape (m,)) when cut into at most k clusters (fcluster
    maxclust: fewer only when merge heights tie)."""
    return fcluster(hierarchy.tree, t=k, criterion="maxclust") - 1


def cut_height(hierarchy: Hierarchy, k: int) -> float:
    """Midway between the last merge kept below the cut (leaving k clusters) and the next one."""
    heights = hierarchy.tree[:, 2]
    return float((heights[-k] + heights[-k + 1]) / 2)


def cluster_hierarchical(
    raw: np.ndarray, X: np.ndarray, hierarchy: Hierarchy, k: int, features: tuple[str, ...], scaler: str, seed: int
) -> Clustering:
    """Cut ``hierarchy`` (built on scaled X (n, f)) into k clusters, with metrics and profiles.

    ``fit_seconds`` includes the tree's own build time, shared by every K.
    """
    check_k(k, len(hierarchy.rows))
    started = time.perf_counter() - hierarchy.seconds
    with fit_threads():
        in_tree = cut(hierarchy, k)
        method = f"Agglomerative ({hierarchy.linkage} linkage)"
        if len(hierarchy.rows) == len(X):
            labels = in_tree
        else:
            method += (
                f"; tree of a seeded sample of {len(hierarchy.rows):,} songs, other songs joined to the "
                "nearest cluster mean"
            )
            members = X[hierarchy.rows]
            means = np.stack([members[in_tree == c].mean(axis=0) for c in range(in_tree.max() + 1)])
            labels = pairwise_distances_argmin(X, means)
            labels[hierarchy.rows] = in_tree
        found = int(in_tree.max()) + 1
        if found != k:
            method += f"; cut into {found} clusters, not {k}: merge heights tie"
        return from_labels(
            raw,
            X,
            labels,
            algorithm="hierarchical",
            method=method,
            features=features,
            scaler=scaler,
            seed=seed,
            started=started,
        )


def _first_song(tree: np.ndarray, node: int) -> int:
    """Position (in the tree's songs) of one song under ``node`` (an id as scipy numbers them)."""
    n = len(tree) + 1
    while node >= n:
        node = int(tree[node - n, 0])
    return node


def dendrogram(hierarchy: Hierarchy, clustering: Clustering, k: int) -> Dendrogram:
    """The truncated dendrogram of ``hierarchy``; ``clustering`` is its cut at k (for leaf clusters)."""
    p = max(DENDROGRAM_LEAVES, k)
    layout = scipy_dendrogram(hierarchy.tree, truncate_mode="lastp", p=p, no_plot=True)
    n = len(hierarchy.rows)
    tree_labels = clustering.labels[hierarchy.rows]
    sizes = [int(hierarchy.tree[leaf - n, 3]) if leaf >= n else 1 for leaf in layout["leaves"]]
    return Dendrogram(
        icoord=[[float(x) for x in xs] for xs in layout["icoord"]],
        dcoord=[[float(y) for y in ys] for ys in layout["dcoord"]],
        leaf_labels=[f"{size:,} song{'s' if size != 1 else ''}" for size in sizes],
        leaf_clusters=[int(tree_labels[_first_song(hierarchy.tree, leaf)]) for leaf in layout["leaves"]],
        cut_height=cut_height(hierarchy, k),
        truncated_to=p,
        songs=n,
    )
