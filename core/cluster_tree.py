"""How clusters split and merge as K grows: a cluster tree across K ("clustree", Zappia & Oshlack 2018).

Given the labels of one feature space at several K (a K sweep's fits), each consecutive
pair of Ks in the sweep (K−1 → K when the sweep has no gaps) gives edges: a parent
cluster at the smaller K, a child cluster at the larger, and how many songs are in both.
Each child's main parent is the parent that gave it most songs (the lower cluster number
on a tie); ``parent_share`` says how much of the child came from it: near 1 for a clean
split, lower where K-Means redraws its boundaries rather than splitting one cluster.

Clusters are numbered as their Clustering numbers them (0 = the largest at that K). Noise
(label ``NOISE``) is in no cluster and moves along no edge. Pages draw it as a Sankey
(``ClusterTree.sankey``) or a layered tree (nodes by K, edges between layers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from core.clustering import NOISE


@dataclass(frozen=True)
class TreeNode:
    """Cluster ``cluster`` of the clustering at ``k``, with ``size`` songs. ``parent`` is its main
    parent at the previous K of the tree (None at the first K) and ``parent_share`` (0–1) the
    share of its songs that came from that parent."""

    k: int
    cluster: int
    size: int
    parent: int | None
    parent_share: float


@dataclass(frozen=True)
class TreeEdge:
    """``songs`` songs are in cluster ``parent`` at ``k_from`` and in cluster ``child`` at ``k_to``."""

    k_from: int
    parent: int
    k_to: int
    child: int
    songs: int


@dataclass(frozen=True)
class ClusterTree:
    """Nodes ordered by K then cluster; edges (songs > 0 only) by K, parent, child."""

    ks: tuple[int, ...]
    nodes: tuple[TreeNode, ...]
    edges: tuple[TreeEdge, ...]

    def node_index(self, k: int, cluster: int) -> int:
        """Position in ``nodes`` of cluster ``cluster`` at ``k`` (ValueError when there is none)."""
        for i, node in enumerate(self.nodes):
            if node.k == k and node.cluster == cluster:
                return i
        raise ValueError(f"no cluster {cluster} at K={k}")

    def sankey(self) -> tuple[list[int], list[int], list[int]]:
        """(sources, targets, values) for a plotly Sankey's ``link``: node positions in ``nodes``."""
        index = {(node.k, node.cluster): i for i, node in enumerate(self.nodes)}
        sources = [index[(e.k_from, e.parent)] for e in self.edges]
        targets = [index[(e.k_to, e.child)] for e in self.edges]
        return sources, targets, [e.songs for e in self.edges]


def _clusters(labels: np.ndarray) -> int:
    clustered = labels[labels != NOISE]
    return int(clustered.max()) + 1 if len(clustered) else 0


def cluster_tree(labels_by_k: Mapping[int, np.ndarray]) -> ClusterTree:
    """The tree of ``labels_by_k``: K -> labels (n,) of the same n songs, clusters 0..K'-1 or
    NOISE. Ks are taken in increasing order; consecutive ones are linked."""
    ks = tuple(sorted(labels_by_k))
    nodes: list[TreeNode] = []
    edges: list[TreeEdge] = []
    for position, k in enumerate(ks):
        labels = np.asarray(labels_by_k[k]).astype(np.int64)
        count = _clusters(labels)
        sizes = np.bincount(labels[labels != NOISE], minlength=count)
        if position == 0:
            nodes += [TreeNode(k, c, int(sizes[c]), None, 0.0) for c in range(count)]
            continue
        previous_k = ks[position - 1]
        before = np.asarray(labels_by_k[previous_k]).astype(np.int64)
        if len(before) != len(labels):
            raise ValueError(f"labels at K={previous_k} and K={k} are for different numbers of songs")
        parents = _clusters(before)
        both = (before != NOISE) & (labels != NOISE)
        flow = np.bincount(before[both] * count + labels[both], minlength=parents * count).reshape(parents, count)
        for c in range(count):
            column = flow[:, c]
            main = int(np.argmax(column)) if parents and column.any() else None
            share = float(column[main] / sizes[c]) if main is not None else 0.0
            nodes.append(TreeNode(k, c, int(sizes[c]), main, share))
        edges += [
            TreeEdge(previous_k, int(p), k, int(c), int(flow[p, c])) for p, c in zip(*np.nonzero(flow), strict=True)
        ]
    return ClusterTree(ks=ks, nodes=tuple(nodes), edges=tuple(edges))
