"""The cluster tree across K and where the map lies (neighbourhood preservation, trustworthiness)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness as sklearn_trustworthiness

from core import trust
from core.cache import ModelCache
from core.cluster_tree import TreeEdge, TreeNode, cluster_tree
from core.clustering import NOISE
from core.engine import Engine
from core.errors import DatasetError
from core.trust import map_trust, overlap_share, preservation, song_note
from tests.conftest import catalog_of

# -- the cluster tree ------------------------------------------------------------------------------


def test_a_split_shows_with_the_right_counts() -> None:
    """K=2: clusters of 60 and 40 songs. K=3: the 60 split into 35 + 25, the 40 stay whole (and are
    numbered 1 now). The tree has one edge per flow with its song count, and main parents."""
    at2 = np.array([0] * 60 + [1] * 40)
    at3 = np.array([0] * 35 + [2] * 25 + [1] * 40)
    tree = cluster_tree({3: at3, 2: at2})
    assert tree.ks == (2, 3)
    assert tree.edges == (TreeEdge(2, 0, 3, 0, 35), TreeEdge(2, 0, 3, 2, 25), TreeEdge(2, 1, 3, 1, 40))
    assert tree.nodes == (
        TreeNode(2, 0, 60, None, 0.0),
        TreeNode(2, 1, 40, None, 0.0),
        TreeNode(3, 0, 35, 0, 1.0),
        TreeNode(3, 1, 40, 1, 1.0),
        TreeNode(3, 2, 25, 0, 1.0),
    )
    sources, targets, values = tree.sankey()
    assert [tree.nodes[i].cluster for i in sources] == [0, 0, 1]
    assert [(tree.nodes[i].k, tree.nodes[i].cluster) for i in targets] == [(3, 0), (3, 2), (3, 1)]
    assert values == [35, 25, 40]
    assert tree.node_index(3, 2) == 4


def test_a_redrawn_boundary_has_a_main_parent_and_a_share() -> None:
    """A child of 45 songs: 30 from parent 1, 10 from parent 0, 5 that were noise. Its main parent is
    1, with a share of 30/45; noise songs move along no edge."""
    at2 = np.array([0] * 50 + [1] * 50 + [NOISE] * 5)
    at3 = np.array([2] * 10 + [0] * 40 + [1] * 20 + [2] * 30 + [2] * 5)
    tree = cluster_tree({2: at2, 3: at3})
    child = tree.nodes[tree.node_index(3, 2)]
    assert child.size == 45 and child.parent == 1
    assert child.parent_share == pytest.approx(30 / 45)
    assert sum(e.songs for e in tree.edges) == 100
    with pytest.raises(ValueError, match="no cluster 5 at K=3"):
        tree.node_index(3, 5)


def test_labels_for_different_songs_are_refused() -> None:
    with pytest.raises(ValueError, match="different numbers of songs"):
        cluster_tree({2: np.zeros(5, dtype=int), 3: np.zeros(6, dtype=int)})


def test_engine_tree_follows_the_sweep(blobs_engine: Engine, model_cache: ModelCache) -> None:
    """Over K=2..6 on the five blobs: every K's clustered songs flow along the edges, each node is
    its clustering's cluster, and at K=5 -> 6 one blob splits (no child has two parents)."""
    params = blobs_engine.params(5)
    tree = blobs_engine.cluster_tree(params, [1, 2, 3, 4, 5, 6, 5000])
    assert tree.ks == (2, 3, 4, 5, 6)
    for k in tree.ks[1:]:
        assert sum(e.songs for e in tree.edges if e.k_to == k) == 1000
        sizes = [n.size for n in tree.nodes if n.k == k]
        assert sizes == blobs_engine.clustering(blobs_engine.params(k)).sizes
    assert all(n.parent_share == 1.0 for n in tree.nodes if n.k == 6)
    again = blobs_engine.cluster_tree(params, range(2, 7))
    assert again == tree


# -- where the map lies ------------------------------------------------------------------------------


def _in_a_3d_subspace(n: int = 600, seed: int = 0) -> np.ndarray:
    """n points (n, 6) on a random 3-D linear subspace of 6-D space."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)) @ rng.normal(size=(3, 6))


def test_overlap_share_by_hand() -> None:
    np.testing.assert_allclose(
        overlap_share(np.array([[1, 2, 3], [4, 5, 6]]), np.array([[3, 1, 9], [7, 8, 9]])), [2 / 3, 0]
    )


def test_pca_of_a_3d_subspace_keeps_every_neighbourhood() -> None:
    """Data in a 3-D subspace: PCA(3) is a rotation of it, so trustworthiness is 1 and every song
    keeps its 10 nearest; flattened to 2-D, less so."""
    X = _in_a_3d_subspace()
    coords = PCA(n_components=3).fit_transform(X)
    result = map_trust(X, coords, "PCA 3D", seed=0)
    assert result.trustworthiness > 0.999
    assert result.mean_preservation > 0.99 and result.low_share == 0
    assert result.rows.tolist() == list(range(len(X))) and result.songs == len(X)
    flat = map_trust(X, coords[:, :2], "PCA 2D", seed=0)
    assert flat.trustworthiness < result.trustworthiness
    assert flat.mean_preservation < 0.9


def test_preservation_matches_a_direct_count() -> None:
    """Per song, a brute-force count of shared neighbours (distances sorted, the song left out)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 5))
    coords = X[:, :2] + 0.3 * rng.normal(size=(200, 2))
    queries = np.arange(0, 200, 7)
    got = preservation(X, coords, queries, k=10)
    for q, value in zip(queries, got, strict=True):
        near_x = np.argsort(np.linalg.norm(X - X[q], axis=1))[1:11]
        near_c = np.argsort(np.linalg.norm(coords - coords[q], axis=1))[1:11]
        assert value == pytest.approx(len(set(near_x) & set(near_c)) / 10)


def test_a_view_of_a_sample_and_large_views(monkeypatch: pytest.MonkeyPatch) -> None:
    """A view of some songs (``rows``) is compared with those songs' features; above the sample
    sizes, per-song values cover a seeded sample and trustworthiness is sklearn's on a smaller one."""
    X = _in_a_3d_subspace(n=900)
    rows = np.arange(0, 900, 2)
    coords = PCA(n_components=3).fit_transform(X[rows])
    monkeypatch.setattr(trust, "PRESERVATION_SAMPLE", 100)
    monkeypatch.setattr(trust, "TRUST_SAMPLE", 150)
    result = map_trust(X, coords, "t-SNE", seed=3, rows=rows)
    assert result.songs == 450 and len(result.rows) == 100 and set(result.rows) <= set(rows)
    assert result.trust_songs == 150
    assert result.description.startswith("t-SNE: per song (a seeded sample of 100 of its 450), the share of its 10")
    assert result.mean_preservation > 0.99 and result.trustworthiness > 0.999
    assert result.of_row(int(result.rows[5])) == pytest.approx(float(result.preservation[5]))
    missing = next(r for r in rows if r not in set(result.rows))
    assert result.of_row(int(missing)) is None and result.note(int(missing)) is None


def test_trustworthiness_is_sklearns_on_the_sample() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 6))
    coords = X[:, :2]
    assert map_trust(X, coords, "view", seed=0).trustworthiness == pytest.approx(
        sklearn_trustworthiness(X, coords, n_neighbors=10)
    )


def test_song_note_for_low_preservation() -> None:
    """At most 1 of 10 real neighbours kept: a sentence; 2 or more: none."""
    assert song_note(0.0).startswith("None of this song's 10 nearest songs in the full feature space is among")
    assert song_note(0.1).startswith("Only 1 of this song's 10 nearest")
    assert "real neighbours are spread out here" in song_note(0.1)
    assert song_note(0.2) is None and song_note(0.9) is None


def test_engine_map_trust_is_cached_per_view(model_cache: ModelCache) -> None:
    """The engine's PCA views of songs in a 3-D subspace: 3-D keeps everything, 2-D less; each view
    computed once; an unknown projection is a clear error."""
    values = _in_a_3d_subspace(n=400) * 0.05 + 0.5
    frame = pd.DataFrame(values, columns=["danceability", "energy", "tempo", "valence", "acousticness", "liveness"])
    frame.insert(0, "song_title", [f"Song {i}" for i in range(len(frame))])
    frame.insert(1, "artist", "Nobody")
    engine = Engine(catalog_of(frame), model_cache)
    params = engine.params(3)
    three = engine.map_trust(params, "pca", 3)
    assert three.view == "PCA 3D" and three.trustworthiness > 0.999 and three.mean_preservation > 0.99
    two = engine.map_trust(params, "pca", 2)
    assert two.view == "PCA 2D" and two.mean_preservation < three.mean_preservation
    assert engine.map_trust(params, "pca", 3).seconds == three.seconds
    assert model_cache.times_computed(engine.map_trust_key(params, "pca", 3)) == 1
    assert engine.map_trust_key(params, "tsne", 3) == engine.map_trust_key(params, "tsne", 2)
    assert engine.map_trust_key(params, "pca", 2) != engine.map_trust_key(params, "pca", 3)
    with pytest.raises(DatasetError, match="Unknown projection 'mds'"):
        engine.map_trust(params, "mds")
